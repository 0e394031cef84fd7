//! `[stores.on_site.offer]` (docs/on-site.md): the exit-intent offer or delayed pop-up — when it
//! shows, what it gives (a code from the coupon budget), what it asks for, its texts per
//! language, and its variants (an experiment).

use super::problems::Problems;
use super::steps::{RawIncentive, incentive};
use crate::config::{Incentive, Offer, OfferTexts, OfferVariant};
use crate::domain::Channel;
use crate::domain::money::Currency;
use jiff::SignedDuration;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The dialog's texts are short: a title on one line, a sentence or two.
pub const MAX_OFFER_TEXT: usize = 300;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOffer {
    show: Option<String>,
    delay: Option<String>,
    mobile: Option<String>,
    every: Option<String>,
    ask: Option<String>,
    consent_version: Option<String>,
    incentive: RawIncentive,
    weight: Option<u32>,
    #[serde(default)]
    variants: Vec<RawOfferVariant>,
    /// Language tag → the store's own texts, over the built-in ones (any subset of the keys).
    #[serde(default)]
    texts: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOfferVariant {
    name: String,
    weight: u32,
    incentive: RawIncentive,
}

const KEYS: [&str; 8] = ["title", "body", "field", "consent", "button", "dismiss", "thanks", "no_code"];

pub(super) fn offer(at: &str, raw: RawOffer, currency: Option<Currency>, p: &mut Problems) -> Option<Offer> {
    let at = format!("{at}.offer");
    let k = |f: &str| format!("{at}.{f}");
    let show = match raw.show.as_deref().unwrap_or("exit_intent") {
        "exit_intent" => "exit_intent",
        "delay" => "delay",
        other => {
            p.add(&k("show"), format!("`{other}` is not exit_intent or delay"));
            "exit_intent"
        }
    };
    let delay = match raw.delay.as_deref() {
        Some(d) => p.duration(&k("delay"), Some(d), SignedDuration::from_secs(5)),
        None => SignedDuration::from_secs(if show == "delay" { 20 } else { 5 }),
    };
    if delay > SignedDuration::from_mins(10) {
        p.add(&k("delay"), "at most 10m: a shopper rarely stays that long on one page");
    }
    let mobile = match raw.mobile.as_deref().unwrap_or("scroll_up") {
        "scroll_up" => "scroll_up",
        "back" => "back",
        "none" => "none",
        other => {
            p.add(&k("mobile"), format!("`{other}` is not scroll_up, back or none"));
            "scroll_up"
        }
    };
    let every = p.duration(&k("every"), raw.every.as_deref(), SignedDuration::from_hours(30 * 24));
    let ask = match raw.ask.as_deref().unwrap_or("email") {
        "email" => Channel::Email,
        "sms" => Channel::Sms,
        other => {
            p.add(&k("ask"), format!("`{other}` is not email or sms"));
            Channel::Email
        }
    };
    let consent_version = raw.consent_version.unwrap_or_default();
    if consent_version.trim().is_empty() || consent_version.chars().count() > 40 {
        p.add(&k("consent_version"), "the version of the consent text, 1 to 40 characters (recorded with each yes)");
    }
    let code = |at: &str, raw: &RawIncentive, p: &mut Problems| -> Option<Incentive> {
        match incentive(at, raw, currency, p)? {
            i @ (Incentive::PercentOff { .. } | Incentive::FixedOff { .. }) => Some(i),
            _ => {
                p.add(&format!("{at}.kind"), "the offer gives a code: percent_off or fixed_off");
                None
            }
        }
    };
    let mut variants = Vec::new();
    if let Some(i) = code(&k("incentive"), &raw.incentive, p) {
        variants.push(OfferVariant { name: "A".into(), weight: raw.weight.unwrap_or(1), incentive: i });
    }
    for (j, v) in raw.variants.iter().enumerate() {
        let vat = format!("{at}.variants[{j}]");
        let bad = v.name.is_empty()
            || v.name == "A"
            || v.name.len() > 32
            || !v.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            || raw.variants[..j].iter().any(|x| x.name == v.name);
        if bad {
            p.add(&format!("{vat}.name"), "unique, not \"A\" (the offer itself), letters, digits, - and _ (1 to 32)");
        }
        if let Some(i) = code(&format!("{vat}.incentive"), &v.incentive, p) {
            variants.push(OfferVariant { name: v.name.as_str().into(), weight: v.weight, incentive: i });
        }
    }
    if !variants.is_empty() && variants.iter().map(|v| v.weight).sum::<u32>() == 0 {
        p.add(&k("variants"), "weights add up to zero");
    }
    let texts = texts(&at, ask, raw.texts, p);
    (!variants.is_empty()).then_some(Offer { show, delay, mobile, every, ask, consent_version, variants, texts })
}

/// The built-in languages' texts, each key replaced where the store wrote its own.
fn texts(
    at: &str,
    ask: Channel,
    own: BTreeMap<String, BTreeMap<String, String>>,
    p: &mut Problems,
) -> BTreeMap<String, OfferTexts> {
    let builtin = |lang: &str| {
        let t = |key: &str| crate::text::builtin::phrase(key, lang, &[]);
        let ch = if ask == Channel::Sms { "sms" } else { "email" };
        OfferTexts {
            title: t("offer_title"),
            body: t("offer_body"),
            field: t(&format!("offer_field_{ch}")),
            consent: t(&format!("offer_consent_{ch}")),
            button: t("offer_button"),
            dismiss: t("offer_dismiss"),
            thanks: t("offer_thanks"),
            no_code: t("offer_no_code"),
        }
    };
    let mut out: BTreeMap<String, OfferTexts> =
        crate::domain::locale::BUILT_IN.iter().map(|l| (l.to_string(), builtin(l))).collect();
    for (lang, keys) in own {
        let key = format!("{at}.texts.{lang}");
        let Some(tag) = super::texts::language_tag(p, &key, &lang) else { continue };
        let base = crate::domain::locale::primary(&tag).unwrap_or_default();
        let mut t = out.get(&tag).or_else(|| out.get(&base)).cloned().unwrap_or_else(|| builtin("en"));
        for (name, text) in keys {
            let slot = match name.as_str() {
                "title" => &mut t.title,
                "body" => &mut t.body,
                "field" => &mut t.field,
                "consent" => &mut t.consent,
                "button" => &mut t.button,
                "dismiss" => &mut t.dismiss,
                "thanks" => &mut t.thanks,
                "no_code" => &mut t.no_code,
                other => {
                    p.add(&format!("{key}.{other}"), format!("not one of {}", KEYS.join(", ")));
                    continue;
                }
            };
            let text = text.trim().to_string();
            if text.is_empty() || text.chars().count() > MAX_OFFER_TEXT || text.chars().any(char::is_control) {
                p.add(&format!("{key}.{name}"), format!("1 to {MAX_OFFER_TEXT} characters on one line"));
                continue;
            }
            if name == "thanks" && !text.contains("{code}") {
                p.add(&format!("{key}.thanks"), "must show the code: put {code} in it");
                continue;
            }
            *slot = text;
        }
        out.insert(tag, t);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Incentive};
    use crate::domain::Channel;
    use jiff::SignedDuration;

    /// The example configuration with its offer (and the offer's variants) replaced by `section`.
    fn with(section: &str) -> Result<Config, String> {
        let example = include_str!("../../../../../docs/cartback.example.toml");
        let start = example.find("[stores.on_site.offer]").expect("the example has an offer");
        let end = start + example[start..].find("\n\n").expect("a blank line after it");
        let text = format!("{}{section}{}", &example[..start], &example[end..]);
        Config::from_toml("t.toml", &text).map_err(|e| e.to_string())
    }

    #[test]
    fn the_example_offers_two_variants_with_the_built_in_texts() {
        let example = include_str!("../../../../../docs/cartback.example.toml");
        let c = Config::from_toml("t.toml", example).unwrap();
        let o = c.store("demo").unwrap().on_site.offer.clone().expect("an offer");
        assert_eq!((o.show, o.mobile, o.ask), ("exit_intent", "scroll_up", Channel::Email));
        assert_eq!((o.delay, o.every), (SignedDuration::from_secs(5), SignedDuration::from_hours(720)));
        let names: Vec<&str> = o.variants.iter().map(|v| &*v.name).collect();
        assert_eq!(names, ["A", "B"]);
        assert!(matches!(o.variants[1].incentive, Incentive::PercentOff { percent: 15, .. }));
        for lang in ["en", "tr", "nb", "fa"] {
            let t = &o.texts[lang];
            assert!(t.thanks.contains("{code}") && !t.consent.is_empty(), "{lang}: {t:?}");
        }
    }

    #[test]
    fn a_delayed_pop_up_waits_twenty_seconds_and_own_texts_replace_single_keys() {
        let c = with(concat!(
            "[stores.on_site.offer]\nshow = \"delay\"\nask = \"sms\"\nconsent_version = \"v2\"\n",
            "incentive = { kind = \"fixed_off\", amount = \"5.00\", expires = \"24h\" }\n",
            "texts = { nb = { title = \"Vent litt!\" }, de = { title = \"Warte!\", thanks = \"Ihr Code: {code}\" } }",
        ))
        .unwrap();
        let o = c.store("demo").unwrap().on_site.offer.clone().expect("an offer");
        assert_eq!((o.show, o.delay, o.ask), ("delay", SignedDuration::from_secs(20), Channel::Sms));
        assert_eq!(o.texts["nb"].title, "Vent litt!");
        let builtin_nb_body = crate::text::builtin::phrase("offer_body", "nb", &[]);
        assert_eq!(o.texts["nb"].body, builtin_nb_body, "the other keys stay built in");
        assert_eq!(o.texts["de"].thanks, "Ihr Code: {code}");
        assert_eq!(o.texts["de"].field, crate::text::builtin::phrase("offer_field_sms", "en", &[]), "English under it");
    }

    #[test]
    fn each_problem_is_named_with_its_key() {
        let err = with(concat!(
            "[stores.on_site.offer]\nshow = \"scroll\"\nmobile = \"shake\"\nask = \"whatsapp\"\ndelay = \"11m\"\n",
            "incentive = { kind = \"free_shipping\" }\n",
            "texts = { en = { thanks = \"Thanks!\", colour = \"red\", title = \"\" } }\n",
            "[[stores.on_site.offer.variants]]\nname = \"A\"\nweight = 1\n",
            "incentive = { kind = \"percent_off\", percent = 10, expires = \"48h\" }",
        ))
        .unwrap_err();
        for key in [
            "stores[0].on_site.offer.show",
            "stores[0].on_site.offer.mobile",
            "stores[0].on_site.offer.ask",
            "stores[0].on_site.offer.delay",
            "stores[0].on_site.offer.consent_version",
            "stores[0].on_site.offer.incentive.kind",
            "stores[0].on_site.offer.variants[0].name",
            "stores[0].on_site.offer.texts.en.thanks",
            "stores[0].on_site.offer.texts.en.colour",
            "stores[0].on_site.offer.texts.en.title",
        ] {
            assert!(err.contains(&format!("{key}:")), "{key} missing from:\n{err}");
        }
    }
}
