//! Signed events to a store's `[[stores.event_webhooks]]` (`cartback_core::outbound`): each
//! endpoint that wants the event gets it as a Standard Webhooks message (`webhook-id` = the
//! event id, stable across retries of the work that raised it), signed with the store's
//! `event_webhook_secret`, with 3 tries (`signed_post`). A delivery whose tries all fail is kept
//! as a dead-letter record (`DeliveryLog`, 30 days) and counted (`events_out.failed`); the API
//! lists them and replays one by id, with the same `webhook-id`.

use async_trait::async_trait;
use cartback_core::config::Config;
use cartback_core::engine::counters::Counter;
use cartback_core::outbound::{DEAD_LETTER_DAYS, DeliveryRecord, DeliveryState, OutEvent, delivery_id};
use cartback_core::ports::{Clock, DeliveryLog, EventsOut, StatsStore, StoreError};
use std::sync::Arc;

pub struct SignedEvents {
    config: Arc<Config>,
    log: Arc<dyn DeliveryLog>,
    stats: Arc<dyn StatsStore>,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    reach: crate::outbound_target::Reach,
}

impl SignedEvents {
    pub fn new(
        config: Arc<Config>,
        log: Arc<dyn DeliveryLog>,
        stats: Arc<dyn StatsStore>,
        clock: Arc<dyn Clock>,
        reach: crate::outbound_target::Reach,
    ) -> SignedEvents {
        SignedEvents { config, log, stats, clock, client: crate::outbound_target::client(crate::TIMEOUT, reach), reach }
    }

    async fn count(&self, store: &str, what: &'static str) {
        let day = self.config.stats_day(store, self.clock.now());
        if let Err(e) = self.stats.add(store, day, &[(Counter::EventsOut(what).key(), 1)]).await {
            tracing::error!(store, error = %e, "events_out counter not updated");
        }
    }
}

#[async_trait]
impl EventsOut for SignedEvents {
    async fn publish(&self, e: &OutEvent) {
        let Some(store) = self.config.store(&e.store) else { return };
        let Some(secret) = &store.event_webhook_secret else { return };
        let body = e.body();
        for (i, hook) in store.event_webhooks.iter().enumerate() {
            if !hook.wants(e) {
                continue;
            }
            match crate::signed_post::post_signed(&self.client, self.reach, &hook.url, secret, &e.id, body.as_bytes())
                .await
            {
                Ok(()) => {
                    self.count(&e.store, "delivered").await;
                    tracing::info!(store = %e.store, event = e.kind.as_str(), id = %e.id, endpoint = i, "event delivered");
                }
                Err((why, attempts)) => {
                    let now = self.clock.now();
                    let record = DeliveryRecord {
                        id: delivery_id(&e.id, i),
                        event_id: e.id.clone(),
                        store: e.store.clone(),
                        url: hook.url.clone(),
                        kind: e.kind,
                        body: body.clone(),
                        attempts,
                        last_error: why.clone(),
                        state: DeliveryState::Failed,
                        first_failed_at: now,
                        updated_at: now,
                        expires_at: now + jiff::SignedDuration::from_hours(24 * DEAD_LETTER_DAYS),
                    };
                    self.count(&e.store, "failed").await;
                    tracing::error!(store = %e.store, event = e.kind.as_str(), id = %e.id, endpoint = i, error = %why, "event not delivered: kept for a replay");
                    if let Err(err) = self.log.put_delivery(&record).await {
                        tracing::error!(store = %e.store, id = %record.id, error = %err, "dead letter not recorded");
                    }
                }
            }
        }
    }

    async fn failed(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.log.list_deliveries(store).await
    }

    async fn replay(&self, store: &str, id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        let Some(mut d) = self.log.get_delivery(store, id).await? else { return Ok(None) };
        let Some(secret) = self.config.store(store).and_then(|s| s.event_webhook_secret.clone()) else {
            return Ok(None);
        };
        let outcome =
            crate::signed_post::post_signed(&self.client, self.reach, &d.url, &secret, &d.event_id, d.body.as_bytes())
                .await;
        d.updated_at = self.clock.now();
        match outcome {
            Ok(()) => {
                d.state = DeliveryState::Replayed;
                d.attempts += 1;
                self.count(store, "replayed").await;
            }
            Err((why, attempts)) => {
                d.attempts += attempts;
                d.last_error = why;
            }
        }
        self.log.put_delivery(&d).await?;
        tracing::info!(store, id = %d.id, state = ?d.state, "event delivery replayed");
        Ok(Some(d))
    }
}
