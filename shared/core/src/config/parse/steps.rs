//! The `steps` section: each step's delay, channel, templates (held to the channel's limits on a
//! sample cart), incentive, A/B variants and lead temperatures; the default sequence when none
//! is configured.

use super::problems::Problems;
use super::texts::{Limits, localized};
use crate::config::{Incentive, Step, Variant};
use crate::domain::Channel;
use crate::domain::money::Currency;
use jiff::SignedDuration;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    pub(super) after: String,
    pub(super) channel: String,
    pub(super) template: Option<String>,
    #[serde(default)]
    pub(super) templates: BTreeMap<String, String>,
    pub(super) incentive: Option<RawIncentive>,
    #[serde(default)]
    pub(super) variants: Vec<RawVariant>,
    pub(super) weight: Option<u32>,
    #[serde(default)]
    pub(super) leads: Vec<String>,
    pub(super) when: Option<super::condition::RawCondition>,
    /// Products from the catalogue that go with the cart, shown in an e-mail (0 to 4).
    pub(super) recommend: Option<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVariant {
    pub(super) name: String,
    pub(super) weight: u32,
    pub(super) template: Option<String>,
    #[serde(default)]
    pub(super) templates: BTreeMap<String, String>,
    pub(super) incentive: Option<RawIncentive>,
    pub(super) when: Option<super::condition::RawCondition>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIncentive {
    pub(super) kind: String,
    pub(super) percent: Option<u8>,
    pub(super) amount: Option<String>,
    pub(super) expires: Option<String>,
}

/// The most products one e-mail recommends: more is a catalogue page, not a reminder.
const MAX_RECOMMENDED: u8 = 4;
/// A WhatsApp message's: one reply button a product (`domain::channel::WHATSAPP_REPLY_BUTTONS_MAX`).
const MAX_RECOMMENDED_WHATSAPP: u8 = crate::domain::channel::WHATSAPP_REPLY_BUTTONS_MAX as u8;

/// No sequence configured: the defaults that follow carrier and market practice — one SMS soon
/// after abandonment, an e-mail the next day, WhatsApp on the third — in the built-in texts of
/// each shopper's language.
fn default_steps() -> Vec<RawStep> {
    [("30m", "sms"), ("24h", "email"), ("72h", "whatsapp")]
        .into_iter()
        .map(|(after, channel)| RawStep {
            after: after.into(),
            channel: channel.into(),
            template: None,
            templates: BTreeMap::new(),
            incentive: None,
            variants: Vec::new(),
            weight: None,
            leads: Vec::new(),
            when: None,
            recommend: None,
        })
        .collect()
}

/// The store's sequence, in increasing order of `after`, branches (each with a `when`) sharing
/// one (the defaults when none is configured).
pub(super) fn steps(
    at: &str,
    mut raw: Vec<RawStep>,
    abandon_after: SignedDuration,
    currency: Option<Currency>,
    max_sms_segments: usize,
    p: &mut Problems,
) -> Vec<Step> {
    if raw.is_empty() {
        raw = default_steps();
    }
    // Each step with whether it has a `when` written (one refused is reported on its own).
    let mut steps = Vec::new();
    for (j, s) in raw.into_iter().enumerate() {
        let conditional = s.when.is_some();
        if let Some(step) = step(&format!("{at}.steps[{j}]"), s, abandon_after, currency, max_sms_segments, p) {
            steps.push((step, conditional));
        }
    }
    // Steps at the same `after` are branches of one moment (docs/sequences.md): each says whom
    // it is for. Without conditions two steps at once would be two messages at once.
    let out_of_order =
        |a: &(Step, bool), b: &(Step, bool)| b.0.after < a.0.after || (b.0.after == a.0.after && !(a.1 && b.1));
    if steps.windows(2).any(|w| out_of_order(&w[0], &w[1])) {
        p.add(
            &format!("{at}.steps"),
            "steps must be in increasing order of `after` (steps at the same `after` are branches: each needs a `when`)",
        );
    }
    steps.into_iter().map(|(s, _)| s).collect()
}

#[allow(clippy::too_many_arguments)]
fn step(
    at: &str,
    s: RawStep,
    abandon_after: SignedDuration,
    currency: Option<Currency>,
    max_sms_segments: usize,
    p: &mut Problems,
) -> Option<Step> {
    let after = p.duration(&format!("{at}.after"), Some(&s.after), abandon_after);
    if after < abandon_after {
        p.add(&format!("{at}.after"), "a step cannot come before the cart is abandoned (abandon_after)");
    }
    let channel = Channel::parse(&s.channel);
    if channel.is_none() {
        p.add(&format!("{at}.channel"), format!("`{}` is not sms, email, whatsapp or webpush", s.channel));
    }
    let base_incentive = s.incentive.as_ref().and_then(|i| incentive(&format!("{at}.incentive"), i, currency, p));
    let limits = Limits { channel, max_sms_segments };
    let base_template = localized(p, at, s.template.as_deref(), &s.templates, &limits);
    let mut variants = Vec::new();
    if let Some(t) = base_template.clone() {
        variants.push(Variant {
            name: "A".into(),
            weight: s.weight.unwrap_or(1),
            template: t,
            incentive: base_incentive.clone(),
            when: None,
        });
    }
    for (k, v) in s.variants.into_iter().enumerate() {
        let vat = format!("{at}.variants[{k}]");
        if v.name == "A" || variants.iter().any(|x| *x.name == *v.name) || v.name.is_empty() {
            p.add(&format!("{vat}.name"), "variant names must be unique and not \"A\" (the step itself)");
        }
        let template = if v.template.is_some() || !v.templates.is_empty() {
            localized(p, &vat, v.template.as_deref(), &v.templates, &limits)
        } else {
            base_template.clone()
        };
        let inc = match &v.incentive {
            Some(i) => incentive(&format!("{vat}.incentive"), i, currency, p),
            None => base_incentive.clone(),
        };
        let when = v.when.as_ref().and_then(|w| super::condition::condition(&vat, w, currency, p));
        if let Some(template) = template {
            variants.push(Variant { name: v.name.into(), weight: v.weight, template, incentive: inc, when });
        }
    }
    if variants.iter().map(|v| v.weight).sum::<u32>() == 0 {
        p.add(&format!("{at}.variants"), "weights add up to zero");
    }
    let mut leads = Vec::new();
    for (k, l) in s.leads.iter().enumerate() {
        match crate::domain::Temperature::parse(l) {
            Some(t) if !leads.contains(&t) => leads.push(t),
            Some(_) => p.add(&format!("{at}.leads[{k}]"), format!("`{l}` is listed twice")),
            None => p.add(&format!("{at}.leads[{k}]"), format!("`{l}` is not a lead temperature (cold, warm or hot)")),
        }
    }
    let when = s.when.as_ref().and_then(|w| super::condition::condition(at, w, currency, p));
    let recommend = s.recommend.unwrap_or(0);
    // A WhatsApp message carries them as reply buttons: Meta allows three.
    let most = if channel == Some(Channel::Whatsapp) { MAX_RECOMMENDED_WHATSAPP } else { MAX_RECOMMENDED };
    if recommend > 0 && channel.is_some_and(|c| !matches!(c, Channel::Email | Channel::Whatsapp)) {
        p.add(&format!("{at}.recommend"), "recommendations go in e-mails and WhatsApp messages only");
    } else if recommend > most {
        let what =
            if most == MAX_RECOMMENDED { "an e-mail" } else { "a WhatsApp message (Meta's three reply buttons)" };
        p.add(&format!("{at}.recommend"), format!("at most {most} products {what}"));
    }
    Some(Step { after, channel: channel?, variants, leads, when, recommend: recommend.min(most) })
}

pub(super) fn incentive(at: &str, i: &RawIncentive, currency: Option<Currency>, p: &mut Problems) -> Option<Incentive> {
    let expires =
        |p: &mut Problems| p.duration(&format!("{at}.expires"), i.expires.as_deref(), SignedDuration::from_hours(24));
    match i.kind.as_str() {
        "percent_off" => match i.percent {
            Some(pc) if (1..=90).contains(&pc) => Some(Incentive::PercentOff { percent: pc, expires: expires(p) }),
            _ => {
                p.add(&format!("{at}.percent"), "percent_off needs percent between 1 and 90");
                None
            }
        },
        "fixed_off" => {
            let amount = i.amount.as_deref().and_then(|a| currency.and_then(|c| c.parse_amount(a).ok()));
            match amount {
                Some(amount_minor) if amount_minor > 0 => {
                    Some(Incentive::FixedOff { amount_minor, expires: expires(p) })
                }
                _ => {
                    p.add(
                        &format!("{at}.amount"),
                        "fixed_off needs a positive amount in the store currency, e.g. \"5.00\"",
                    );
                    None
                }
            }
        }
        "free_shipping" => Some(Incentive::FreeShipping),
        "cross_sell" => Some(Incentive::CrossSell),
        other => {
            p.add(
                &format!("{at}.kind"),
                format!("`{other}` is not percent_off, fixed_off, free_shipping or cross_sell"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Step>, Vec<String>) {
        #[derive(Deserialize)]
        struct Doc {
            #[serde(default)]
            steps: Vec<RawStep>,
        }
        let doc: Doc = toml::from_str(text).expect("TOML");
        let mut p = Problems(Vec::new());
        let steps = steps("s", doc.steps, SignedDuration::from_mins(30), Currency::parse("EUR").ok(), 3, &mut p);
        (steps, p.0)
    }

    #[test]
    fn no_steps_means_the_default_sequence() {
        let (steps, problems) = parse("");
        assert!(problems.is_empty(), "{problems:?}");
        let channels: Vec<Channel> = steps.iter().map(|s| s.channel).collect();
        assert_eq!(channels, [Channel::Sms, Channel::Email, Channel::Whatsapp]);
        assert!(steps.windows(2).all(|w| w[0].after < w[1].after));
    }

    #[test]
    fn steps_must_be_in_order_and_each_problem_is_named() {
        let (_, problems) =
            parse("[[steps]]\nafter = \"24h\"\nchannel = \"email\"\n[[steps]]\nafter = \"1h\"\nchannel = \"sms\"\n");
        let order = "s.steps: steps must be in increasing order of `after` (steps at the same `after` are branches: each needs a `when`)";
        assert_eq!(problems, [order]);
        let same = "[[steps]]\nafter = \"24h\"\nchannel = \"email\"\n[[steps]]\nafter = \"24h\"\nchannel = \"sms\"\n";
        assert_eq!(parse(same).1, [order], "two steps at once without conditions");
        let branches = "[[steps]]\nafter = \"24h\"\nchannel = \"email\"\nwhen = { first_time = true }\n\
                        [[steps]]\nafter = \"24h\"\nchannel = \"email\"\nwhen = { first_time = false }\n";
        let (steps, problems) = parse(branches);
        assert!(problems.is_empty() && steps.len() == 2, "branches of one moment: {problems:?}");
        let (_, problems) = parse("[[steps]]\nafter = \"1h\"\nchannel = \"pigeon\"\n");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("s.steps[0].channel"), "{problems:?}");
    }

    #[test]
    fn recommendations_go_in_e_mails_and_whatsapp_within_their_limits() {
        let step =
            |channel: &str, n: u8| format!("[[steps]]\nafter = \"1h\"\nchannel = \"{channel}\"\nrecommend = {n}\n");
        let (steps, problems) = parse(&(step("email", 4) + &step("whatsapp", 3).replace("1h", "2h")));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(steps.iter().map(|s| s.recommend).collect::<Vec<_>>(), [4, 3]);
        assert_eq!(parse(&step("email", 5)).1, ["s.steps[0].recommend: at most 4 products an e-mail"]);
        assert_eq!(
            parse(&step("whatsapp", 4)).1,
            ["s.steps[0].recommend: at most 3 products a WhatsApp message (Meta's three reply buttons)"]
        );
        for channel in ["sms", "webpush"] {
            assert_eq!(
                parse(&step(channel, 1)).1,
                ["s.steps[0].recommend: recommendations go in e-mails and WhatsApp messages only"],
                "{channel}"
            );
        }
    }

    #[test]
    fn an_sms_template_over_the_segment_cap_is_refused_at_load() {
        let long = "x".repeat(3 * 153 + 1);
        let (_, problems) = parse(&format!("[[steps]]\nafter = \"1h\"\nchannel = \"sms\"\ntemplate = \"{long}\"\n"));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("SMS segments"), "{problems:?}");
    }

    #[test]
    fn incentives_are_checked_against_the_store_currency() {
        let mut p = Problems(Vec::new());
        let eur = Currency::parse("EUR").ok();
        let raw = |kind: &str, percent: Option<u8>, amount: Option<&str>| RawIncentive {
            kind: kind.into(),
            percent,
            amount: amount.map(str::to_string),
            expires: None,
        };
        assert!(incentive("i", &raw("percent_off", Some(10), None), eur, &mut p).is_some());
        assert!(incentive("i", &raw("fixed_off", None, Some("5.00")), eur, &mut p).is_some());
        assert!(p.0.is_empty());
        assert!(incentive("i", &raw("percent_off", Some(95), None), eur, &mut p).is_none());
        assert!(incentive("i", &raw("fixed_off", None, Some("-1")), eur, &mut p).is_none());
        assert!(incentive("i", &raw("bogo", None, None), eur, &mut p).is_none());
        let keys: Vec<&str> = p.0.iter().map(|m| m.split(':').next().unwrap_or_default()).collect();
        assert_eq!(keys, ["i.percent", "i.amount", "i.kind"]);
    }
}
