//! The TOML shape of the configuration file and its conversion into checked `StoreConfig`s.

use super::providers::{EmailProvider, Providers, Secret, SmsProvider, WhatsappProvider};
use super::{
    Config, ConfigError, CrossSellItem, FrequencyCap, Incentive, Localized, QuietHours, Step, StoreConfig, Variant,
    hash_key, parse_duration,
};
use crate::domain::money::Currency;
use crate::domain::{Channel, Reason};
use crate::messaging::template::Template;
use jiff::SignedDuration;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};

/// A recovery SMS of more than three segments costs more than it is likely to earn back.
const DEFAULT_MAX_SMS_SEGMENTS: usize = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    public_url: Option<String>,
    #[serde(default)]
    stores: Vec<RawStore>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    id: String,
    name: String,
    api_key: String,
    twilio_auth_token: String,
    shopify_webhook_secret: Option<String>,
    woocommerce_webhook_secret: Option<String>,
    publishable_key: Option<String>,
    locale: Option<String>,
    max_sms_segments: Option<usize>,
    coupon_budget: Option<RawCouponBudget>,
    email_soft_opt_in: Option<bool>,
    whatsapp_access_token: Option<String>,
    whatsapp_app_secret: Option<String>,
    whatsapp_verify_token: Option<String>,
    sms: Option<RawSms>,
    email: Option<RawEmail>,
    whatsapp: Option<RawWhatsapp>,
    currency: String,
    timezone: Option<String>,
    abandon_after: Option<String>,
    #[serde(default)]
    steps: Vec<RawStep>,
    quiet_hours: Option<RawQuietHours>,
    frequency_cap: Option<RawCap>,
    free_shipping_threshold: Option<String>,
    #[serde(default)]
    cross_sell: Vec<RawCrossSell>,
    attribution_window: Option<String>,
    link_ttl: Option<String>,
    help_text: Option<String>,
    stop_text: Option<String>,
    start_text: Option<String>,
    handoff_text: Option<String>,
    #[serde(default)]
    faq: BTreeMap<String, String>,
    /// Language tag → reason → the `faq` answer in that language.
    #[serde(default)]
    faq_translations: BTreeMap<String, BTreeMap<String, String>>,
    allowed_domains: Vec<String>,
    holdout_percent: Option<u8>,
    alert_webhook: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    after: String,
    channel: String,
    template: Option<String>,
    #[serde(default)]
    templates: BTreeMap<String, String>,
    incentive: Option<RawIncentive>,
    #[serde(default)]
    variants: Vec<RawVariant>,
    weight: Option<u32>,
    #[serde(default)]
    leads: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCouponBudget {
    per_day: Option<u32>,
    per_contact_30d: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSms {
    provider: String,
    twilio_account_sid: Option<String>,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    origination_identity: Option<String>,
    configuration_set: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmail {
    provider: String,
    from: Option<String>,
    configuration_set: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhatsapp {
    provider: String,
    phone_number_id: Option<String>,
    template: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    name: String,
    weight: u32,
    template: Option<String>,
    #[serde(default)]
    templates: BTreeMap<String, String>,
    incentive: Option<RawIncentive>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawIncentive {
    kind: String,
    percent: Option<u8>,
    amount: Option<String>,
    expires: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuietHours {
    start: String,
    end: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCap {
    max: u32,
    window: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrossSell {
    sku: String,
    name: String,
    price: String,
    url: String,
}

/// Collects problems with their key paths instead of stopping at the first.
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, key: &str, msg: impl std::fmt::Display) {
        self.0.push(format!("{key}: {msg}"));
    }
    fn duration(&mut self, key: &str, value: Option<&str>, default: SignedDuration) -> SignedDuration {
        match value.map(parse_duration) {
            None => default,
            Some(Ok(d)) if d.as_secs() > 0 => d,
            Some(Ok(_)) => {
                self.add(key, "must be longer than zero");
                default
            }
            Some(Err(e)) => {
                self.add(key, e);
                default
            }
        }
    }
}

pub(super) fn parse(path: &str, text: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig =
        toml::from_str(text).map_err(|e| ConfigError::Syntax { path: path.to_string(), message: e.to_string() })?;
    let mut p = Problems(Vec::new());
    let public_url = raw.public_url.unwrap_or_else(|| "http://127.0.0.1:8787".to_string());
    if url::Url::parse(&public_url).is_err() {
        p.add("public_url", format!("`{public_url}` is not a URL"));
    }
    if raw.stores.is_empty() {
        p.add("stores", "at least one [[stores]] table is needed");
    }
    let mut ids = HashSet::new();
    let mut keys = HashSet::new();
    let mut stores = Vec::new();
    for (i, rs) in raw.stores.into_iter().enumerate() {
        let at = format!("stores[{i}]");
        if !ids.insert(rs.id.clone()) {
            p.add(&format!("{at}.id"), format!("`{}` is used by two stores", rs.id));
        }
        if !keys.insert(rs.api_key.clone()) {
            p.add(&format!("{at}.api_key"), "the same key is used by two stores");
        }
        if let Some(s) = store(&at, rs, &mut p) {
            stores.push(s);
        }
    }
    if p.0.is_empty() {
        Ok(Config::new(public_url, stores))
    } else {
        Err(ConfigError::Invalid { path: path.to_string(), problems: p.0 })
    }
}

fn store(at: &str, mut rs: RawStore, p: &mut Problems) -> Option<StoreConfig> {
    let before = p.0.len();
    let valid_id = !rs.id.is_empty()
        && rs.id.len() <= 64
        && rs.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid_id {
        p.add(&format!("{at}.id"), "1..64 characters of letters, digits, - and _");
    }
    if rs.api_key.len() < 16 {
        p.add(&format!("{at}.api_key"), "must be at least 16 characters");
    }
    if rs.twilio_auth_token.is_empty() {
        p.add(&format!("{at}.twilio_auth_token"), "must not be empty");
    }
    if rs.shopify_webhook_secret.as_deref().is_some_and(str::is_empty) {
        p.add(&format!("{at}.shopify_webhook_secret"), "must not be empty (leave it out to disable Shopify webhooks)");
    }
    if rs.woocommerce_webhook_secret.as_deref().is_some_and(str::is_empty) {
        p.add(
            &format!("{at}.woocommerce_webhook_secret"),
            "must not be empty (leave it out to disable WooCommerce webhooks)",
        );
    }
    if let Some(pk) = &rs.publishable_key {
        if !pk.starts_with("pk_") || pk.len() < 16 || !pk.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            p.add(&format!("{at}.publishable_key"), "must start with pk_ and be at least 16 letters, digits or _");
        }
        if *pk == rs.api_key {
            p.add(&format!("{at}.publishable_key"), "must differ from api_key (it is published in the shop's pages)");
        }
    }
    let providers = providers(
        at,
        rs.sms.take(),
        rs.email.take(),
        rs.whatsapp.take(),
        &rs.twilio_auth_token,
        rs.whatsapp_access_token.take(),
        p,
    );
    let locale = rs.locale.take().unwrap_or_else(|| "en".into());
    if crate::domain::locale::primary(&locale).is_none() {
        p.add(&format!("{at}.locale"), format!("`{locale}` is not a language tag like en, tr-TR or nb"));
    }
    let max_sms_segments = rs.max_sms_segments.unwrap_or(DEFAULT_MAX_SMS_SEGMENTS);
    if !(1..=10).contains(&max_sms_segments) {
        p.add(&format!("{at}.max_sms_segments"), "from 1 to 10");
    }
    let currency = Currency::parse(&rs.currency).map_err(|e| p.add(&format!("{at}.currency"), e)).ok();
    let timezone = rs.timezone.unwrap_or_else(|| "UTC".to_string());
    if jiff::tz::TimeZone::get(&timezone).is_err() {
        p.add(&format!("{at}.timezone"), format!("`{timezone}` is not an IANA time zone"));
    }
    let abandon_after =
        p.duration(&format!("{at}.abandon_after"), rs.abandon_after.as_deref(), SignedDuration::from_mins(30));
    let quiet_hours = match rs.quiet_hours {
        None => QuietHours { start: jiff::civil::time(8, 0, 0, 0), end: jiff::civil::time(21, 0, 0, 0) },
        Some(q) => {
            let start = q.start.parse().map_err(|_| p.add(&format!("{at}.quiet_hours.start"), "expected HH:MM")).ok();
            let end = q.end.parse().map_err(|_| p.add(&format!("{at}.quiet_hours.end"), "expected HH:MM")).ok();
            match (start, end) {
                (Some(start), Some(end)) if start < end => QuietHours { start, end },
                (Some(_), Some(_)) => {
                    p.add(
                        &format!("{at}.quiet_hours"),
                        "start must be before end (the allowed window is within one day)",
                    );
                    QuietHours { start: jiff::civil::time(8, 0, 0, 0), end: jiff::civil::time(21, 0, 0, 0) }
                }
                _ => QuietHours { start: jiff::civil::time(8, 0, 0, 0), end: jiff::civil::time(21, 0, 0, 0) },
            }
        }
    };
    let frequency_cap = match rs.frequency_cap {
        None => FrequencyCap { max: 3, window: SignedDuration::from_hours(24) },
        Some(c) => {
            if c.max == 0 {
                p.add(&format!("{at}.frequency_cap.max"), "must be at least 1");
            }
            let window =
                p.duration(&format!("{at}.frequency_cap.window"), Some(&c.window), SignedDuration::from_hours(24));
            FrequencyCap { max: c.max, window }
        }
    };
    let money = |p: &mut Problems, key: &str, text: &str| -> Option<i64> {
        let c = currency?;
        c.parse_amount(text).map_err(|e| p.add(key, e)).ok()
    };
    let free_shipping_threshold_minor =
        rs.free_shipping_threshold.as_deref().and_then(|t| money(p, &format!("{at}.free_shipping_threshold"), t));
    let allowed_domains: Vec<String> = rs.allowed_domains.iter().map(|d| d.trim().to_ascii_lowercase()).collect();
    if allowed_domains.is_empty() {
        p.add(&format!("{at}.allowed_domains"), "list at least the shop's own domain (restore links only go there)");
    }
    for (j, d) in allowed_domains.iter().enumerate() {
        if d.is_empty() || d.contains('/') || d.contains(':') || d.starts_with('.') {
            p.add(&format!("{at}.allowed_domains[{j}]"), format!("`{d}` is not a bare domain like shop.example"));
        }
    }
    let mut cross_sell = Vec::new();
    for (j, c) in rs.cross_sell.into_iter().enumerate() {
        if let Some(price_minor) = money(p, &format!("{at}.cross_sell[{j}].price"), &c.price) {
            cross_sell.push(CrossSellItem { sku: c.sku, name: c.name, price_minor, url: c.url });
        }
    }
    let mut steps = Vec::new();
    // No sequence configured: the defaults that follow carrier and market practice — one SMS
    // soon after abandonment, an e-mail the next day, WhatsApp on the third — in the built-in
    // texts of each shopper's language.
    if rs.steps.is_empty() {
        for (after, channel) in [("30m", "sms"), ("24h", "email"), ("72h", "whatsapp")] {
            rs.steps.push(RawStep {
                after: after.into(),
                channel: channel.into(),
                template: None,
                templates: BTreeMap::new(),
                incentive: None,
                variants: Vec::new(),
                weight: None,
                leads: Vec::new(),
            });
        }
    }
    for (j, s) in rs.steps.into_iter().enumerate() {
        if let Some(step) = step(&format!("{at}.steps[{j}]"), s, abandon_after, currency, max_sms_segments, p) {
            steps.push(step);
        }
    }
    for w in steps.windows(2) {
        if w[1].after <= w[0].after {
            p.add(&format!("{at}.steps"), "steps must be in increasing order of `after`");
            break;
        }
    }
    let faq = faq_answers(p, at, rs.faq, rs.faq_translations);
    let holdout_percent = rs.holdout_percent.unwrap_or(0);
    if holdout_percent > 50 {
        p.add(&format!("{at}.holdout_percent"), "at most 50");
    }
    if let Some(h) = &rs.alert_webhook
        && url::Url::parse(h).is_err()
    {
        p.add(&format!("{at}.alert_webhook"), format!("`{h}` is not a URL"));
    }
    let attribution_window = p.duration(
        &format!("{at}.attribution_window"),
        rs.attribution_window.as_deref(),
        SignedDuration::from_hours(24 * 7),
    );
    let link_ttl = p.duration(&format!("{at}.link_ttl"), rs.link_ttl.as_deref(), SignedDuration::from_hours(24 * 7));
    if p.0.len() != before {
        return None;
    }
    Some(StoreConfig {
        api_key_sha256: hash_key(&rs.api_key),
        help_text: rs.help_text,
        stop_text: rs.stop_text,
        start_text: rs.start_text,
        handoff_text: rs.handoff_text,
        id: rs.id,
        name: rs.name,
        twilio_auth_token: Secret(rs.twilio_auth_token),
        shopify_webhook_secret: rs.shopify_webhook_secret.map(Secret),
        woocommerce_webhook_secret: rs.woocommerce_webhook_secret.map(Secret),
        publishable_key: rs.publishable_key,
        providers: std::sync::Arc::new(providers),
        whatsapp_app_secret: rs.whatsapp_app_secret.filter(|s| !s.is_empty()).map(Secret),
        whatsapp_verify_token: rs.whatsapp_verify_token.filter(|s| !s.is_empty()),
        currency: currency?,
        locale,
        max_sms_segments,
        email_soft_opt_in: rs.email_soft_opt_in.unwrap_or(false),
        coupon_budget: rs.coupon_budget.as_ref().map_or_else(super::CouponBudget::default, |b| super::CouponBudget {
            per_day: b.per_day,
            per_contact_30d: b.per_contact_30d.unwrap_or(2),
        }),
        timezone,
        abandon_after,
        steps,
        quiet_hours,
        frequency_cap,
        free_shipping_threshold_minor,
        cross_sell,
        attribution_window,
        link_ttl,
        faq,
        allowed_domains,
        holdout_percent,
        alert_webhook: rs.alert_webhook,
    })
}

const NOT_A_REASON: &str = "not a reason (payment_problem, unexpected_fees, technical_issue, shipping_time, trust, product_question, price_discount, not_interested, other)";

/// The FAQ: an answer per reason, and its translations, each of an answer the store wrote.
fn faq_answers(
    p: &mut Problems,
    at: &str,
    answers: BTreeMap<String, String>,
    translations: BTreeMap<String, BTreeMap<String, String>>,
) -> BTreeMap<Reason, Localized> {
    let mut faq = BTreeMap::new();
    for (k, v) in answers {
        match Reason::parse(&k) {
            Some(r) => {
                if let Some(t) = checked_template(p, &format!("{at}.faq.{k}"), &v) {
                    faq.insert(r, Localized { own: Some(t), translations: Vec::new() });
                }
            }
            None => p.add(&format!("{at}.faq.{k}"), NOT_A_REASON),
        }
    }
    for (lang, answers) in translations {
        let Some(tag) = language_tag(p, &format!("{at}.faq_translations.{lang}"), &lang) else { continue };
        for (k, v) in answers {
            let key = format!("{at}.faq_translations.{lang}.{k}");
            let Some(r) = Reason::parse(&k) else {
                p.add(&key, NOT_A_REASON);
                continue;
            };
            let Some(base) = faq.get_mut(&r) else {
                p.add(&key, format!("translates no answer: set `faq.{k}` too"));
                continue;
            };
            if let Some(t) = checked_template(p, &key, &v) {
                base.translations.push((tag.clone(), t));
            }
        }
    }
    faq
}

/// A translation's language, as the fallback chain compares it ("pt_BR" → "pt-br").
fn language_tag(p: &mut Problems, key: &str, lang: &str) -> Option<String> {
    if crate::domain::locale::primary(lang).is_none() || lang.len() > 35 {
        p.add(key, "not a language tag like tr, nb or pt-BR");
        return None;
    }
    Some(lang.to_ascii_lowercase().replace('_', "-"))
}

fn checked_template(p: &mut Problems, key: &str, source: &str) -> Option<Template> {
    match Template::compile(source) {
        Ok(t) => Some(t),
        Err(e) => {
            p.add(key, e);
            None
        }
    }
}

struct Limits {
    channel: Option<Channel>,
    max_sms_segments: usize,
}

/// WhatsApp's limit on a free-form text message.
const WHATSAPP_MAX_CHARS: usize = 4096;

/// A template compiled and held to its channel's limits, measured on a realistic sample cart.
fn checked_for(p: &mut Problems, key: &str, source: &str, limits: &Limits) -> Option<Template> {
    let t = checked_template(p, key, source)?;
    let sample = t.render(&crate::messaging::template::MessageContext::sample()).unwrap_or_default();
    match limits.channel {
        Some(Channel::Sms) => {
            let cost = crate::messaging::sms_segments::segments(&sample);
            if cost.segments > limits.max_sms_segments {
                p.add(
                    key,
                    format!(
                        "renders to {} SMS segments ({}, {} characters) for a sample cart; the store allows {} (max_sms_segments)",
                        cost.segments,
                        cost.encoding.as_str(),
                        cost.units,
                        limits.max_sms_segments
                    ),
                );
            }
        }
        Some(Channel::Whatsapp) if sample.chars().count() > WHATSAPP_MAX_CHARS => {
            p.add(key, format!("renders longer than WhatsApp's {WHATSAPP_MAX_CHARS} characters"));
        }
        _ => {}
    }
    Some(t)
}

fn localized(
    p: &mut Problems,
    at: &str,
    own: Option<&str>,
    translations: &BTreeMap<String, String>,
    limits: &Limits,
) -> Option<Localized> {
    let mut out = Localized::default();
    let mut ok = true;
    if let Some(src) = own {
        out.own = checked_for(p, &format!("{at}.template"), src, limits);
        ok &= out.own.is_some();
    }
    for (lang, src) in translations {
        let key = format!("{at}.templates.{lang}");
        let Some(tag) = language_tag(p, &key, lang) else {
            ok = false;
            continue;
        };
        match checked_for(p, &key, src, limits) {
            Some(t) => out.translations.push((tag, t)),
            None => ok = false,
        }
    }
    ok.then_some(out)
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
        p.add(&format!("{at}.channel"), format!("`{}` is not sms, email or whatsapp", s.channel));
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
        if let Some(template) = template {
            variants.push(Variant { name: v.name.into(), weight: v.weight, template, incentive: inc });
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
    Some(Step { after, channel: channel?, variants, leads })
}

fn incentive(at: &str, i: &RawIncentive, currency: Option<Currency>, p: &mut Problems) -> Option<Incentive> {
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

fn providers(
    at: &str,
    sms: Option<RawSms>,
    email: Option<RawEmail>,
    whatsapp: Option<RawWhatsapp>,
    twilio_auth_token: &str,
    whatsapp_access_token: Option<String>,
    p: &mut Problems,
) -> Providers {
    let mut out = Providers::default();
    if let Some(s) = sms {
        let k = |f: &str| format!("{at}.sms.{f}");
        out.sms = match s.provider.as_str() {
            "console" => SmsProvider::Console,
            "twilio" => {
                let sid = s.twilio_account_sid.unwrap_or_default();
                if !(sid.starts_with("AC") && sid.len() == 34 && sid.bytes().all(|b| b.is_ascii_alphanumeric())) {
                    p.add(&k("twilio_account_sid"), "a Twilio Account SID: AC and 32 hex characters");
                }
                if let Some(f) = &s.from
                    && crate::domain::phone::normalize_phone(f).is_none()
                {
                    p.add(&k("from"), "a sender number in E.164 (+ and country code)");
                }
                if s.messaging_service_sid.as_deref().is_some_and(|m| !m.starts_with("MG")) {
                    p.add(&k("messaging_service_sid"), "a Messaging Service SID starts with MG");
                }
                if s.from.is_none() && s.messaging_service_sid.is_none() {
                    p.add(&k("from"), "set `from` (a Twilio number) or `messaging_service_sid`");
                }
                SmsProvider::Twilio {
                    account_sid: sid,
                    auth_token: Secret(twilio_auth_token.to_string()),
                    from: s.from,
                    messaging_service_sid: s.messaging_service_sid,
                }
            }
            "aws" => SmsProvider::Aws {
                origination_identity: s.origination_identity,
                configuration_set: s.configuration_set,
            },
            other => {
                p.add(&k("provider"), format!("`{other}` is not console, twilio or aws"));
                SmsProvider::Console
            }
        };
    }
    if let Some(e) = email {
        let k = |f: &str| format!("{at}.email.{f}");
        out.email = match e.provider.as_str() {
            "console" => EmailProvider::Console,
            "ses" => {
                let from = e.from.unwrap_or_default();
                if !from.contains('@') || from.contains(['\r', '\n']) {
                    p.add(&k("from"), "a sender address SES has verified, like \"Shop <shop@shop.example>\"");
                }
                EmailProvider::Ses { from, configuration_set: e.configuration_set }
            }
            other => {
                p.add(&k("provider"), format!("`{other}` is not console or ses"));
                EmailProvider::Console
            }
        };
    }
    if let Some(w) = whatsapp {
        let k = |f: &str| format!("{at}.whatsapp.{f}");
        out.whatsapp = match w.provider.as_str() {
            "console" => WhatsappProvider::Console,
            "meta" => {
                let id = w.phone_number_id.unwrap_or_default();
                if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                    p.add(&k("phone_number_id"), "the WhatsApp phone number id (digits) from Meta's app dashboard");
                }
                let template = w.template.unwrap_or_default();
                if template.is_empty() {
                    p.add(&k("template"), "the name of the approved template for recovery messages");
                }
                let token = whatsapp_access_token.clone().unwrap_or_default();
                if token.is_empty() {
                    p.add(&format!("{at}.whatsapp_access_token"), "required for the meta provider");
                }
                WhatsappProvider::Meta { phone_number_id: id, access_token: Secret(token), template }
            }
            other => {
                p.add(&k("provider"), format!("`{other}` is not console or meta"));
                WhatsappProvider::Console
            }
        };
    }
    out
}
