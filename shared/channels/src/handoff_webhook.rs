//! Hand-offs to a person, over the store's `alert_webhook`: every hand-off is first recorded by
//! the inner `Alerts` (the log in AWS, the outbox in local mode), then POSTed to the store's
//! endpoint as a Standard Webhooks message (`conversation.handoff`), signed with the store's
//! `alert_webhook_secret`. A failed POST is retried with backoff (3 tries: a 5xx, 429 or a
//! network error; a 4xx other than 429 is final), then counted (`handoffs.failed`, a metric and
//! an alarm on AWS) and logged; a delivered one is counted (`handoffs.delivered`).

use async_trait::async_trait;
use cartback_core::config::{AlertWebhook, Config};
use cartback_core::conversations::standard_webhooks;
use cartback_core::engine::counters::Counter;
use cartback_core::ports::{Alerts, Handoff, RandomSource, StatsStore};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Tries of one hand-off POST, the waits between them, and how long each may take. The reply
/// that raised it waits for them (Twilio gives a webhook 15 s), so all three take at most 10 s.
pub const ATTEMPTS: usize = 3;
const BACKOFF: [Duration; 2] = [Duration::from_millis(250), Duration::from_millis(750)];
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

pub struct WebhookAlerts {
    config: Arc<Config>,
    inner: Arc<dyn Alerts>,
    stats: Arc<dyn StatsStore>,
    random: Arc<dyn RandomSource>,
    client: reqwest::Client,
}

impl WebhookAlerts {
    pub fn new(
        config: Arc<Config>,
        inner: Arc<dyn Alerts>,
        stats: Arc<dyn StatsStore>,
        random: Arc<dyn RandomSource>,
    ) -> WebhookAlerts {
        WebhookAlerts { config, inner, stats, random, client: crate::http_client(crate::TIMEOUT) }
    }

    /// The message a hand-off becomes: what a person needs to answer the shopper.
    pub fn body(h: &Handoff) -> Vec<u8> {
        let data = json!({
            "store": h.store,
            "cart_id": h.cart,
            "channel": h.channel.as_str(),
            "from": h.from_masked,
            "reason": h.reason,
            "text": h.text,
            "at": h.at.to_string(),
            "conversation_id": h.conversation,
            "inbox_url": h.inbox_url,
            "guess": h.guess,
            "rule": h.rule,
        });
        json!({"type": "conversation.handoff", "timestamp": h.at.to_string(), "data": data}).to_string().into_bytes()
    }

    async fn deliver(&self, to: &AlertWebhook, h: &Handoff) -> Result<(), String> {
        let id = format!("msg_{}", hex(&self.random.bytes16()));
        let body = Self::body(h);
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(BACKOFF[attempt - 1]).await;
            }
            // The timestamp is the sending time, so a retry is not refused as stale.
            let now = jiff::Timestamp::now().as_second();
            let headers = standard_webhooks::headers(&to.secret, &id, now, &body)
                .ok_or_else(|| "the alert_webhook_secret is not a whsec_ secret".to_string())?;
            let mut req = self
                .client
                .post(&to.url)
                .timeout(ATTEMPT_TIMEOUT)
                .header("content-type", "application/json")
                .body(body.clone());
            for (k, v) in headers {
                req = req.header(k, v);
            }
            match req.send().await {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) if r.status().is_client_error() && r.status().as_u16() != 429 => {
                    return Err(format!("the endpoint refused it: HTTP {}", r.status().as_u16()));
                }
                Ok(r) => last = format!("HTTP {}", r.status().as_u16()),
                Err(e) => last = if e.is_timeout() { "timed out".into() } else { "unreachable".into() },
            }
        }
        Err(format!("{last} after {ATTEMPTS} tries"))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[async_trait]
impl Alerts for WebhookAlerts {
    async fn handoff(&self, h: &Handoff) {
        self.inner.handoff(h).await;
        let Some(to) = self.config.store(&h.store).and_then(|s| s.alert_webhook.clone()) else { return };
        let (counter, outcome) = match self.deliver(&to, h).await {
            Ok(()) => (Counter::HandoffsDelivered, None),
            Err(e) => (Counter::HandoffsFailed, Some(e)),
        };
        if let Some(e) = &outcome {
            tracing::error!(store = %h.store, error = %e, "hand-off not delivered to the store's alert_webhook");
        }
        let day = self.config.stats_day(&h.store, jiff::Timestamp::now());
        if let Err(e) = self.stats.add(&h.store, day, &[(counter.key(), 1)]).await {
            tracing::error!(store = %h.store, error = %e, "hand-off counter not updated");
        }
    }
}
