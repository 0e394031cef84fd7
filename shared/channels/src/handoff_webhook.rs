//! Hand-offs to a person, over the store's `alert_webhook`: every hand-off is first recorded by
//! the inner `Alerts` (the log in AWS, the outbox in local mode), then POSTed to the store's
//! endpoint as a Standard Webhooks message (`conversation.handoff`), signed with the store's
//! `alert_webhook_secret`. A failed POST is retried with backoff (3 tries: a 5xx, 429 or a
//! network error; a 4xx other than 429 is final), then counted (`handoffs.failed`, a metric and
//! an alarm on AWS) and logged; a delivered one is counted (`handoffs.delivered`).

use async_trait::async_trait;
use cartback_core::config::{AlertWebhook, Config};
use cartback_core::engine::counters::Counter;
use cartback_core::ports::{Alerts, Handoff, RandomSource, StatsStore};
use serde_json::json;
use std::sync::Arc;

/// Tries of one hand-off POST (`signed_post`).
pub use crate::signed_post::ATTEMPTS;

pub struct WebhookAlerts {
    config: Arc<Config>,
    inner: Arc<dyn Alerts>,
    stats: Arc<dyn StatsStore>,
    random: Arc<dyn RandomSource>,
    client: reqwest::Client,
    reach: crate::outbound_target::Reach,
}

impl WebhookAlerts {
    pub fn new(
        config: Arc<Config>,
        inner: Arc<dyn Alerts>,
        stats: Arc<dyn StatsStore>,
        random: Arc<dyn RandomSource>,
        reach: crate::outbound_target::Reach,
    ) -> WebhookAlerts {
        WebhookAlerts {
            config,
            inner,
            stats,
            random,
            client: crate::outbound_target::client(crate::TIMEOUT, reach),
            reach,
        }
    }

    /// The message a hand-off becomes: what a person needs to answer the shopper.
    pub fn body(h: &Handoff) -> Vec<u8> {
        let data = cartback_core::outbound::payloads::handoff_data(h);
        json!({"type": "conversation.handoff", "timestamp": h.at.to_string(), "data": data}).to_string().into_bytes()
    }

    async fn deliver(&self, to: &AlertWebhook, h: &Handoff) -> Result<(), String> {
        let id = format!("msg_{}", hex(&self.random.bytes16()));
        crate::signed_post::post_signed(&self.client, self.reach, &to.url, &to.secret, &id, &Self::body(h))
            .await
            .map_err(|(e, _)| e)
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
