//! `[[stores.event_webhooks]]`: where signed events go (`outbound`), and the store's
//! `event_webhook_secret` they are signed with.

use super::commerce::money;
use super::problems::Problems;
use crate::config::Secret;
use crate::domain::money::Currency;
use crate::outbound::standard_webhooks;
use crate::outbound::{EventType, EventWebhook};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEventWebhook {
    url: String,
    #[serde(default)]
    events: Vec<String>,
    /// `cart.abandoned` only at or above this cart value, in the store's currency ("150.00").
    min_cart_value: Option<String>,
}

/// An https URL on the internet (http only to this machine, for local mode and tests):
/// `outbound::targets::url_problem`.
pub(super) fn is_endpoint_url(url: &str) -> bool {
    crate::outbound::targets::url_problem(url).is_none()
}

pub(super) fn event_webhooks(
    at: &str,
    raw: Vec<RawEventWebhook>,
    secret: Option<String>,
    currency: Option<Currency>,
    p: &mut Problems,
) -> (Vec<EventWebhook>, Option<Secret>) {
    let mut out = Vec::new();
    for (i, w) in raw.into_iter().enumerate() {
        let here = format!("{at}.event_webhooks[{i}]");
        if !is_endpoint_url(&w.url) {
            let why = crate::outbound::targets::url_problem(&w.url).unwrap_or_default();
            p.add(&format!("{here}.url"), why);
        }
        let mut events = Vec::new();
        for e in &w.events {
            match EventType::parse(e) {
                Some(t) => events.push(t),
                None => p.add(
                    &format!("{here}.events"),
                    format!(
                        "`{e}` is not an event; use {}",
                        EventType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ),
            }
        }
        let min_cart_value = w
            .min_cart_value
            .as_deref()
            .and_then(|t| money(p, currency, &format!("{here}.min_cart_value"), t))
            .and_then(|v| currency.map(|c| (c, v)));
        out.push(EventWebhook { url: w.url, events, min_cart_value });
    }
    let secret = match (out.is_empty(), secret) {
        (true, None) => None,
        (false, None) => {
            p.add(
                &format!("{at}.event_webhook_secret"),
                "required with event_webhooks: `whsec_` and base64, as Standard Webhooks receivers expect",
            );
            None
        }
        // Alone, the secret signs the REST hooks automation tools subscribe (docs/automation.md).
        (_, Some(s)) => {
            if standard_webhooks::secret_key(&s).is_none() {
                p.add(
                    &format!("{at}.event_webhook_secret"),
                    format!("`whsec_` and the base64 of at least {} random bytes", standard_webhooks::MIN_SECRET_BYTES),
                );
            }
            Some(Secret(s))
        }
    };
    (out, secret)
}
