//! One `[[stores]]` table: its identity and secrets, sending window, commerce settings and
//! texts, each section checked by its own module, put together into a `StoreConfig`.

use super::commerce::{allowed_domains, cross_sell, money};
use super::credentials::{alert_webhook, credentials};
use super::faq::faq_answers;
use super::problems::Problems;
use super::providers::{RawEmail, RawSms, RawWhatsapp, providers};
use super::sending::{frequency_cap, quiet_hours};
use super::steps::{RawStep, steps};
use crate::config::providers::Secret;
use crate::config::{StoreConfig, hash_key};
use crate::domain::money::Currency;
use jiff::SignedDuration;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A recovery SMS of more than three segments costs more than it is likely to earn back.
const DEFAULT_MAX_SMS_SEGMENTS: usize = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) api_key: String,
    pub(super) twilio_auth_token: String,
    pub(super) twilio_webhook_shared_key: Option<String>,
    pub(super) shopify_webhook_secret: Option<String>,
    pub(super) woocommerce_webhook_secret: Option<String>,
    pub(super) publishable_key: Option<String>,
    pub(super) locale: Option<String>,
    pub(super) max_sms_segments: Option<usize>,
    pub(super) coupon_budget: Option<RawCouponBudget>,
    pub(super) email_soft_opt_in: Option<bool>,
    pub(super) whatsapp_access_token: Option<String>,
    pub(super) whatsapp_app_secret: Option<String>,
    pub(super) whatsapp_verify_token: Option<String>,
    pub(super) sms: Option<RawSms>,
    pub(super) email: Option<RawEmail>,
    pub(super) whatsapp: Option<RawWhatsapp>,
    pub(super) webpush: Option<super::webpush::RawWebpush>,
    pub(super) webpush_vapid_private_key: Option<String>,
    pub(super) currency: String,
    #[serde(default)]
    pub(super) exchange_rates: std::collections::BTreeMap<String, String>,
    pub(super) timezone: Option<String>,
    pub(super) abandon_after: Option<String>,
    #[serde(default)]
    pub(super) steps: Vec<RawStep>,
    pub(super) quiet_hours: Option<super::sending::RawQuietHours>,
    pub(super) frequency_cap: Option<super::sending::RawCap>,
    pub(super) free_shipping_threshold: Option<String>,
    #[serde(default)]
    pub(super) cross_sell: Vec<super::commerce::RawCrossSell>,
    pub(super) attribution_window: Option<String>,
    pub(super) link_ttl: Option<String>,
    pub(super) help_text: Option<String>,
    pub(super) stop_text: Option<String>,
    pub(super) start_text: Option<String>,
    pub(super) handoff_text: Option<String>,
    #[serde(default)]
    pub(super) faq: BTreeMap<String, String>,
    /// Language tag → reason → the `faq` answer in that language.
    #[serde(default)]
    pub(super) faq_translations: BTreeMap<String, BTreeMap<String, String>>,
    pub(super) allowed_domains: Vec<String>,
    pub(super) holdout_percent: Option<u8>,
    pub(super) alert_webhook: Option<String>,
    pub(super) alert_webhook_secret: Option<String>,
    #[serde(default)]
    pub(super) event_webhooks: Vec<super::event_webhooks::RawEventWebhook>,
    pub(super) event_webhook_secret: Option<String>,
    pub(super) snippet: Option<RawSnippet>,
    pub(super) conversations: Option<super::conversations::RawConversations>,
    pub(super) reader: Option<super::reader::RawReader>,
    pub(super) reader_api_key: Option<String>,
    pub(super) catalogue: Option<super::catalogue::RawCatalogue>,
    pub(super) on_site: Option<super::on_site::RawOnSite>,
    pub(super) shopify_admin_token: Option<String>,
    pub(super) woocommerce_consumer_key: Option<String>,
    pub(super) woocommerce_consumer_secret: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSnippet {
    #[serde(default)]
    sms_countries: Vec<String>,
    phones_per_hour: Option<u32>,
}

fn snippet(at: &str, raw: Option<RawSnippet>, p: &mut Problems) -> crate::config::SnippetPolicy {
    let mut policy = crate::config::SnippetPolicy::default();
    let Some(raw) = raw else { return policy };
    for c in &raw.sms_countries {
        let upper = c.trim().to_ascii_uppercase();
        if upper.parse::<phonenumber::country::Id>().is_err() {
            p.add(&format!("{at}.snippet.sms_countries"), format!("`{c}` is not an ISO 3166 alpha-2 country"));
        }
        policy.sms_countries.push(upper);
    }
    if let Some(n) = raw.phones_per_hour {
        policy.phones_per_hour = n;
    }
    policy
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCouponBudget {
    pub(super) per_day: Option<u32>,
    per_contact_30d: Option<u32>,
}

pub(super) fn store(at: &str, mut rs: RawStore, p: &mut Problems) -> Option<StoreConfig> {
    let before = p.0.len();
    credentials(at, &rs, p);
    let mut providers = providers(
        at,
        rs.sms.take(),
        rs.email.take(),
        rs.whatsapp.take(),
        &rs.twilio_auth_token,
        rs.whatsapp_access_token.take(),
        p,
    );
    providers.webpush = super::webpush::webpush(at, rs.webpush.take(), rs.webpush_vapid_private_key.take(), p);
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
    let quiet_hours = quiet_hours(at, rs.quiet_hours.take(), p);
    let frequency_cap = frequency_cap(at, rs.frequency_cap.take(), p);
    let free_shipping_threshold_minor = rs
        .free_shipping_threshold
        .as_deref()
        .and_then(|t| money(p, currency, &format!("{at}.free_shipping_threshold"), t));
    let allowed_domains = allowed_domains(at, &rs.allowed_domains, p);
    let cross_sell = cross_sell(at, std::mem::take(&mut rs.cross_sell), currency, p);
    let steps = steps(at, std::mem::take(&mut rs.steps), abandon_after, currency, max_sms_segments, p);
    // A discount issued for a WhatsApp template that has no place for the code is one the
    // shopper never sees, but it counts against the budget.
    if let crate::config::providers::WhatsappProvider::Meta { template, .. } = &providers.whatsapp
        && !template.carries_code()
    {
        for (i, s) in steps.iter().enumerate().filter(|(_, s)| s.channel == crate::domain::Channel::Whatsapp) {
            if s.variants.iter().any(|v| v.incentive.as_ref().is_some_and(crate::config::Incentive::issues_code)) {
                p.add(
                    &format!("{at}.steps[{i}].incentive"),
                    "the WhatsApp template has no place for the code: add `code` to body_parameters or `copy_code` to buttons",
                );
            }
        }
    }
    let faq = faq_answers(p, at, rs.faq, rs.faq_translations);
    let holdout_percent = rs.holdout_percent.unwrap_or(0);
    if holdout_percent > 50 {
        p.add(&format!("{at}.holdout_percent"), "at most 50");
    }
    let alert_webhook = alert_webhook(at, rs.alert_webhook.take(), rs.alert_webhook_secret.take(), p);
    let conversations = super::conversations::conversations(at, rs.conversations.take(), currency, p);
    let (event_webhooks, event_webhook_secret) = super::event_webhooks::event_webhooks(
        at,
        std::mem::take(&mut rs.event_webhooks),
        rs.event_webhook_secret.take(),
        currency,
        p,
    );
    let attribution_window = p.duration(
        &format!("{at}.attribution_window"),
        rs.attribution_window.as_deref(),
        SignedDuration::from_hours(24 * 7),
    );
    let link_ttl = p.duration(&format!("{at}.link_ttl"), rs.link_ttl.as_deref(), SignedDuration::from_hours(24 * 7));
    let snippet = snippet(at, rs.snippet.take(), p);
    let reader = super::reader::reader(at, rs.reader.take(), rs.reader_api_key.take(), p);
    let tokens = super::catalogue::Tokens {
        shopify_admin_token: rs.shopify_admin_token.take(),
        woocommerce_consumer_key: rs.woocommerce_consumer_key.take(),
        woocommerce_consumer_secret: rs.woocommerce_consumer_secret.take(),
    };
    let catalogue = super::catalogue::catalogue(at, rs.catalogue.take(), tokens, &allowed_domains, p);
    let on_site = super::on_site::on_site(at, rs.on_site.take(), currency, p);
    let exchange_rates = exchange_rates(at, &rs.exchange_rates, currency, p);
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
        twilio_webhook_shared_key: rs.twilio_webhook_shared_key.filter(|s| !s.is_empty()).map(Secret),
        shopify_webhook_secret: rs.shopify_webhook_secret.map(Secret),
        woocommerce_webhook_secret: rs.woocommerce_webhook_secret.map(Secret),
        publishable_key: rs.publishable_key,
        providers: std::sync::Arc::new(providers),
        whatsapp_app_secret: rs.whatsapp_app_secret.filter(|s| !s.is_empty()).map(Secret),
        whatsapp_verify_token: rs.whatsapp_verify_token.filter(|s| !s.is_empty()).map(Secret),
        currency: currency?,
        exchange_rates,
        locale,
        max_sms_segments,
        email_soft_opt_in: rs.email_soft_opt_in.unwrap_or(false),
        coupon_budget: rs.coupon_budget.as_ref().map_or_else(crate::config::CouponBudget::default, |b| {
            crate::config::CouponBudget { per_day: b.per_day, per_contact_30d: b.per_contact_30d.unwrap_or(2) }
        }),
        timezone,
        abandon_after,
        conditions_on_items: StoreConfig::conditions_on_items_of(&steps),
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
        alert_webhook,
        event_webhooks,
        event_webhook_secret,
        snippet,
        conversations,
        reader,
        catalogue,
        on_site,
    })
}

/// `exchange_rates = { TRY = "0.027" }`: ISO 4217 codes other than the store's, each a positive
/// decimal (one unit of it in the store's currency).
fn exchange_rates(
    at: &str,
    raw: &std::collections::BTreeMap<String, String>,
    currency: Option<Currency>,
    p: &mut Problems,
) -> std::collections::BTreeMap<&'static str, f64> {
    let mut rates = std::collections::BTreeMap::new();
    for (code, rate) in raw {
        let key = format!("{at}.exchange_rates.{code}");
        let Ok(c) = Currency::parse(code) else {
            p.add(&key, format!("`{code}` is not an ISO 4217 currency code"));
            continue;
        };
        if Some(c) == currency {
            p.add(&key, "the store's own currency needs no rate");
            continue;
        }
        match rate.trim().parse::<f64>() {
            Ok(r) if r.is_finite() && r > 0.0 && rate.trim().bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
                rates.insert(c.code(), r);
            }
            _ => p.add(
                &key,
                format!("`{rate}` is not a positive decimal like \"0.027\" (one {code} in the store's currency)"),
            ),
        }
    }
    rates
}
