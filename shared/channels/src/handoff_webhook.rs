//! Hand-offs to a person, over the store's `alert_webhook`: every hand-off is first recorded by
//! the inner `Alerts` (the log in AWS, the outbox in local mode), then POSTed to the store's
//! endpoint as a Standard Webhooks message (`conversation.handoff`), signed with the store's
//! `alert_webhook_secret`, 3 quick tries (a 5xx, 429 or a network error; a 4xx other than 429 is
//! final). One whose tries fail is recorded (`DeliveryLog`, counted `handoffs.retrying`) and
//! retried on the schedule every delivery follows (`event_webhooks::SignedEvents::retry_due`:
//! ten more tries over 32 hours, the same message id), then counted `handoffs.failed` (a
//! metric and an alarm on AWS) and kept for a replay; a delivered one is counted
//! (`handoffs.delivered`).

use async_trait::async_trait;
use cartback_core::config::{AlertWebhook, Config};
use cartback_core::engine::counters::Counter;
use cartback_core::outbound::{EventType, Target};
use cartback_core::ports::{Alerts, Clock, DeliveryLog, Handoff, RandomSource, StatsStore};
use serde_json::json;
use std::sync::Arc;

/// Tries of one hand-off POST (`signed_post`).
pub use crate::signed_post::ATTEMPTS;

pub struct WebhookAlerts {
    config: Arc<Config>,
    inner: Arc<dyn Alerts>,
    stats: Arc<dyn StatsStore>,
    random: Arc<dyn RandomSource>,
    /// Where a hand-off whose first tries failed waits for its retries.
    log: Arc<dyn DeliveryLog>,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    reach: crate::outbound_target::Reach,
}

/// What `WebhookAlerts` is built over, besides the inner alerts.
pub struct AlertPorts {
    pub stats: Arc<dyn StatsStore>,
    pub random: Arc<dyn RandomSource>,
    pub log: Arc<dyn DeliveryLog>,
    pub clock: Arc<dyn Clock>,
}

impl WebhookAlerts {
    pub fn new(
        config: Arc<Config>,
        inner: Arc<dyn Alerts>,
        ports: AlertPorts,
        reach: crate::outbound_target::Reach,
    ) -> WebhookAlerts {
        let AlertPorts { stats, random, log, clock } = ports;
        WebhookAlerts {
            config,
            inner,
            stats,
            random,
            log,
            clock,
            client: crate::outbound_target::client(crate::TIMEOUT, reach),
            reach,
        }
    }

    /// The message a hand-off becomes: what a person needs to answer the shopper.
    pub fn body(h: &Handoff) -> Vec<u8> {
        let data = cartback_core::outbound::payloads::handoff_data(h);
        json!({"type": "conversation.handoff", "timestamp": h.at.to_string(), "data": data}).to_string().into_bytes()
    }

    /// The first tries; when they fail, the hand-off is recorded for its scheduled retries
    /// (the same message id on every one).
    async fn deliver(&self, to: &AlertWebhook, h: &Handoff) -> Counter {
        let hex = hex(&self.random.bytes16());
        let id = format!("msg_{hex}");
        let body = Self::body(h);
        let Err(failure) =
            crate::signed_post::post_signed(&self.client, self.reach, &to.url, &to.secret, &id, &body).await
        else {
            return Counter::HandoffsDelivered;
        };
        let now = self.clock.now();
        let record = crate::event_webhooks::retrying(
            format!("dlv_{hex}_alert"),
            &id,
            &h.store,
            (&to.url, Target::Alert),
            EventType::ConversationHandoff,
            String::from_utf8_lossy(&body).into_owned(),
            failure,
            now,
        );
        let dead = record.state == cartback_core::outbound::DeliveryState::Failed;
        if dead {
            tracing::error!(store = %h.store, id = %record.id, error = %record.last_error, "hand-off refused by the store's alert_webhook: kept for a replay");
        } else {
            tracing::warn!(store = %h.store, id = %record.id, error = %record.last_error, next = ?record.next_attempt_at, "hand-off not delivered yet: retried on its schedule");
        }
        if let Err(e) = self.log.put_delivery(&record).await {
            // Nowhere to keep it: the hand-off is lost to the endpoint (it is in the log above).
            tracing::error!(store = %h.store, error = %e, "hand-off not recorded for its retries");
            return Counter::HandoffsFailed;
        }
        if dead { Counter::HandoffsFailed } else { Counter::HandoffsRetrying }
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
        let counter = self.deliver(&to, h).await;
        let day = self.config.stats_day(&h.store, self.clock.now());
        if let Err(e) = self.stats.add(&h.store, day, &[(counter.key(), 1)]).await {
            tracing::error!(store = %h.store, error = %e, "hand-off counter not updated");
        }
    }
}
