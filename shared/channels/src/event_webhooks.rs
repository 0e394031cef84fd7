//! Signed events to a store's `[[stores.event_webhooks]]` (`cartback_core::outbound`), and the
//! retries of every delivery to a store's endpoints (hand-offs included, `handoff_webhook`).
//! Each endpoint that wants an event gets it as a Standard Webhooks message (`webhook-id` = the
//! event id, stable across retries of the work that raised it), signed with the store's
//! `event_webhook_secret`, with 3 quick tries (`signed_post`). A delivery whose tries fail is
//! recorded (`DeliveryLog`) and tried again on `outbound::RETRY_AFTER`'s schedule — ten more
//! times over 32 hours, with the same id — by `retry_due`, which the hosts run every minute;
//! after the last it is a dead letter, counted (`events_out.failed`, `handoffs.failed`: metrics
//! and alarms on AWS), kept 30 days, listed by the API and replayable by id.

use async_trait::async_trait;
use cartback_core::config::{Config, Secret};
use cartback_core::engine::counters::Counter;
use cartback_core::outbound::hooks::{hook_delivery_id, hook_of_delivery};
use cartback_core::outbound::{DEAD_LETTER_DAYS, DeliveryRecord, DeliveryState, OutEvent, Target, delivery_id};
use cartback_core::ports::{Clock, DeliveryLog, EventsOut, HookStore, StatsStore, StoreError};
use std::sync::Arc;

/// Scheduled retries made for one store in one run (the scheduler's minute).
pub const RETRIES_PER_RUN: usize = 4;

pub struct SignedEvents {
    config: Arc<Config>,
    log: Arc<dyn DeliveryLog>,
    /// REST hook subscriptions made through the API (`cartback_core::hooks`).
    hooks: Arc<dyn HookStore>,
    stats: Arc<dyn StatsStore>,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    reach: crate::outbound_target::Reach,
}

impl SignedEvents {
    pub fn new(
        config: Arc<Config>,
        (log, hooks): (Arc<dyn DeliveryLog>, Arc<dyn HookStore>),
        stats: Arc<dyn StatsStore>,
        clock: Arc<dyn Clock>,
        reach: crate::outbound_target::Reach,
    ) -> SignedEvents {
        let client = crate::outbound_target::client(crate::TIMEOUT, reach);
        SignedEvents { config, log, hooks, stats, clock, client, reach }
    }

    async fn count(&self, store: &str, counter: Counter) {
        let day = self.config.stats_day(store, self.clock.now());
        if let Err(e) = self.stats.add(store, day, &[(counter.key(), 1)]).await {
            tracing::error!(store, error = %e, "delivery counter not updated");
        }
    }

    /// The secret a delivery is signed with: its target's, as the store has it now.
    fn secret(&self, store: &str, target: Target) -> Option<Secret> {
        let s = self.config.store(store)?;
        match target {
            Target::Events => s.event_webhook_secret.clone(),
            Target::Alert => s.alert_webhook.as_ref().map(|a| a.secret.clone()),
        }
    }

    /// One scheduled retry of `d`, recorded.
    async fn retry(&self, mut d: DeliveryRecord, now: jiff::Timestamp) -> Result<(), StoreError> {
        let Some(secret) = self.secret(&d.store, d.target) else {
            // The endpoint's secret is gone from the configuration: the delivery cannot be
            // signed any more, so it ends as a dead letter now.
            d.retries = cartback_core::outbound::RETRY_AFTER.len() as u32;
            d.after_failure(now, "the store no longer has a secret for this endpoint".into());
            self.dead(&d).await;
            return self.log.put_delivery(&d).await;
        };
        // A REST hook's delivery whose subscription was removed since: not sent any more.
        let hook = hook_of_delivery(&d.id);
        if let Some(hook) = &hook {
            let subscribed = self.hooks.list_hooks(&d.store).await?.iter().any(|h| &h.id == hook);
            if !subscribed {
                d.retries = cartback_core::outbound::RETRY_AFTER.len() as u32;
                d.after_failure(now, "the subscription was removed; not sent again".into());
                self.count(&d.store, Counter::EventsOut("hooks.unsubscribed_before_delivery")).await;
                return self.log.put_delivery(&d).await;
            }
        }
        let outcome =
            crate::signed_post::post_signed(&self.client, self.reach, &d.url, &secret, &d.event_id, d.body.as_bytes())
                .await;
        if let (Err(f), Some(hook)) = (&outcome, &hook)
            && f.gone
        {
            // The tool removed its side: so is ours, and this delivery ends without an alarm.
            if let Ok(true) = self.hooks.delete_hook(&d.store, hook).await {
                self.count(&d.store, Counter::EventsOut("hooks.gone")).await;
                tracing::info!(store = %d.store, hook = %hook, "rest hook answered 410 Gone: unsubscribed");
            }
            d.attempts += f.attempts;
            d.retries = cartback_core::outbound::RETRY_AFTER.len() as u32;
            d.after_failure(now, "the endpoint answered 410 Gone: unsubscribed".into());
            return self.log.put_delivery(&d).await;
        }
        d.retries += 1;
        match outcome {
            Ok(()) => {
                d.attempts += 1;
                d.state = DeliveryState::Delivered;
                d.next_attempt_at = None;
                d.updated_at = now;
                let counter = match d.target {
                    Target::Events => Counter::EventsOut("delivered"),
                    Target::Alert => Counter::HandoffsDelivered,
                };
                self.count(&d.store, counter).await;
                tracing::info!(store = %d.store, id = %d.id, retries = d.retries, "delivered by a scheduled retry");
            }
            Err(f) => {
                d.attempts += f.attempts;
                if !f.retryable {
                    d.retries = cartback_core::outbound::RETRY_AFTER.len() as u32;
                }
                if d.after_failure(now, f.why) {
                    self.dead(&d).await;
                } else {
                    tracing::warn!(store = %d.store, id = %d.id, retries = d.retries, next = ?d.next_attempt_at, error = %d.last_error, "scheduled retry failed");
                }
            }
        }
        self.log.put_delivery(&d).await
    }

    /// One event to one endpoint (`rest_hook`: a subscription's): delivered, or recorded for its
    /// scheduled retries (or as a dead letter when refused). Whether the endpoint answered `410
    /// Gone`, which for a REST hook ends the delivery with no record: the caller unsubscribes it.
    async fn deliver(
        &self,
        e: &OutEvent,
        secret: &Secret,
        body: &str,
        url: &str,
        (id, rest_hook): (String, bool),
    ) -> bool {
        match crate::signed_post::post_signed(&self.client, self.reach, url, secret, &e.id, body.as_bytes()).await {
            Ok(()) => {
                self.count(&e.store, Counter::EventsOut("delivered")).await;
                tracing::info!(store = %e.store, event = e.kind.as_str(), id = %e.id, delivery = %id, "event delivered");
                false
            }
            Err(failure) => {
                let gone = failure.gone;
                if gone && rest_hook {
                    return true;
                }
                // The work that raised the event ran again (a queue's redelivery): the
                // delivery already has its record and its place on the schedule.
                if matches!(self.log.get_delivery(&e.store, &id).await, Ok(Some(_))) {
                    return gone;
                }
                let now = self.clock.now();
                let record =
                    retrying(id, &e.id, &e.store, (url, Target::Events), e.kind, body.to_string(), failure, now);
                if let Err(err) = self.log.put_delivery(&record).await {
                    // Nowhere to keep it for its retries: a dead letter now, counted.
                    tracing::error!(store = %e.store, id = %record.id, error = %err, "delivery not recorded for its retries");
                    self.dead(&record).await;
                } else if record.state == DeliveryState::Failed {
                    self.dead(&record).await;
                } else {
                    self.count(&e.store, Counter::EventsOut("retrying")).await;
                    tracing::warn!(store = %e.store, event = e.kind.as_str(), id = %e.id, delivery = %record.id, error = %record.last_error, next = ?record.next_attempt_at, "event not delivered yet: retried on its schedule");
                }
                gone
            }
        }
    }

    /// Counted and logged as a dead letter: the schedule is spent.
    async fn dead(&self, d: &DeliveryRecord) {
        let counter = match d.target {
            Target::Events => Counter::EventsOut("failed"),
            Target::Alert => Counter::HandoffsFailed,
        };
        self.count(&d.store, counter).await;
        tracing::error!(store = %d.store, id = %d.id, attempts = d.attempts, error = %d.last_error, "delivery failed on every try of its schedule: a dead letter, kept for a replay");
    }
}

/// A delivery whose first tries failed at `now`: on the retry schedule from here, or a dead
/// letter at once when the endpoint refused it.
#[allow(clippy::too_many_arguments)]
pub fn retrying(
    id: String,
    message_id: &str,
    store: &str,
    (url, target): (&str, Target),
    kind: cartback_core::outbound::EventType,
    body: String,
    failure: crate::signed_post::Failure,
    now: jiff::Timestamp,
) -> DeliveryRecord {
    let mut d = DeliveryRecord {
        id,
        event_id: message_id.to_string(),
        store: store.to_string(),
        url: url.to_string(),
        kind,
        body,
        attempts: failure.attempts,
        last_error: String::new(),
        state: DeliveryState::Retrying,
        target,
        // A refusal is not retried: it is a dead letter at once.
        retries: if failure.retryable { 0 } else { cartback_core::outbound::RETRY_AFTER.len() as u32 },
        next_attempt_at: None,
        first_failed_at: now,
        updated_at: now,
        expires_at: now + jiff::SignedDuration::from_hours(24 * DEAD_LETTER_DAYS),
    };
    d.after_failure(now, failure.why);
    d
}

#[async_trait]
impl EventsOut for SignedEvents {
    async fn publish(&self, e: &OutEvent) {
        let Some(store) = self.config.store(&e.store) else { return };
        let Some(secret) = &store.event_webhook_secret else { return };
        let body = e.body();
        for (i, hook) in store.event_webhooks.iter().enumerate() {
            if hook.wants(e) {
                self.deliver(e, secret, &body, &hook.url, (delivery_id(&e.id, i), false)).await;
            }
        }
        // The subscriptions automation tools made (REST hooks), read as they are now.
        let subscribed = match self.hooks.list_hooks(&e.store).await {
            Ok(h) => h,
            Err(err) => {
                // Unreadable now: nothing to record a delivery against. Counted, logged.
                self.count(&e.store, Counter::EventsOut("hooks.unreadable")).await;
                tracing::error!(store = %e.store, id = %e.id, error = %err, "rest hooks unreadable; the event is not delivered to them");
                Vec::new()
            }
        };
        // Together: up to `MAX_HOOKS_PER_STORE` endpoints, each with its own quick tries, must not
        // add up inside the work that raised the event.
        let wanted: Vec<_> = subscribed.iter().filter(|h| h.wants(e.kind)).collect();
        let tries = wanted
            .iter()
            .map(|h| self.deliver(e, secret, &body, &h.target_url, (hook_delivery_id(&e.id, &h.id), true)));
        let outcomes = futures_util::future::join_all(tries).await;
        for (h, gone) in wanted.into_iter().zip(outcomes) {
            if gone {
                // 410 Gone: the tool removed its side (REST Hook convention); so is ours.
                if let Ok(true) = self.hooks.delete_hook(&e.store, &h.id).await {
                    self.count(&e.store, Counter::EventsOut("hooks.gone")).await;
                    tracing::info!(store = %e.store, hook = %h.id, "rest hook answered 410 Gone: unsubscribed");
                }
            }
        }
    }

    async fn failed(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.log.list_deliveries(store).await
    }

    async fn replay(&self, store: &str, id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        let Some(mut d) = self.log.get_delivery(store, id).await? else { return Ok(None) };
        // A REST hook's delivery goes only to a subscription that still exists.
        if let Some(hook) = hook_of_delivery(&d.id)
            && !self.hooks.list_hooks(store).await?.iter().any(|h| h.id == hook)
        {
            return Ok(None);
        }
        let Some(secret) = self.secret(store, d.target) else { return Ok(None) };
        let outcome =
            crate::signed_post::post_signed(&self.client, self.reach, &d.url, &secret, &d.event_id, d.body.as_bytes())
                .await;
        d.updated_at = self.clock.now();
        match outcome {
            Ok(()) => {
                d.state = DeliveryState::Replayed;
                d.next_attempt_at = None;
                d.attempts += 1;
                self.count(store, Counter::EventsOut("replayed")).await;
            }
            Err(f) => {
                d.attempts += f.attempts;
                d.last_error = f.why;
            }
        }
        self.log.put_delivery(&d).await?;
        tracing::info!(store, id = %d.id, state = ?d.state, "delivery replayed");
        Ok(Some(d))
    }

    /// The longest-waiting first, at most `RETRIES_PER_RUN` a store a run (each try can take
    /// about 10 s against an endpoint that hangs; the rest wait for the next minute). One that
    /// cannot be recorded is logged and the others go on.
    async fn retry_due(&self, store: &str, now: jiff::Timestamp) -> Result<usize, StoreError> {
        let mut due: Vec<DeliveryRecord> =
            self.log.retrying_deliveries(store).await?.into_iter().filter(|d| d.due(now)).collect();
        due.sort_by_key(|d| d.next_attempt_at);
        due.truncate(RETRIES_PER_RUN);
        let n = due.len();
        for d in due {
            let id = d.id.clone();
            if let Err(e) = self.retry(d, now).await {
                tracing::error!(store, id = %id, error = %e, "retry not recorded; it is tried again when due");
            }
        }
        Ok(n)
    }
}
