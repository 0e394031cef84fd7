//! The scheduler's handler: EventBridge invokes it for two things, told apart by the event's
//! `source`:
//! - SES's sending events (`aws.ses`, from the stack's configuration set): deliveries,
//!   permanent bounces and complaints, applied to the send they name (`ses_events`);
//! - anything else is the once-a-minute schedule: the sweep that moves timers further out than
//!   the queue holds from the carts into it (docs/decisions/0004). An error fails the
//!   invocation, so the schedule's retry and the "no sweep for 10 minutes" alarm see it; the
//!   checkpoint makes the next run catch up.

use cartback_aws::sweep::{SweepReport, Sweeper};
use cartback_aws::wiring::{Deps, EngineSource};
use cartback_core::engine::counters::Counter;
use cartback_core::feedback::ses_events;
use serde_json::{Value, json};

/// What the handler needs: the engine (for SES events) and a sweep.
#[async_trait::async_trait]
pub trait Scheduler: EngineSource {
    async fn sweep(&self, now: jiff::Timestamp) -> Result<SweepReport, lambda_runtime::Error>;
}

#[async_trait::async_trait]
impl Scheduler for Deps {
    async fn sweep(&self, now: jiff::Timestamp) -> Result<SweepReport, lambda_runtime::Error> {
        let sweeper = Sweeper { dynamo: &self.dynamo, table: &self.settings.table, queue: &self.queue };
        Ok(sweeper.run(now).await?)
    }
}

pub async fn handle(deps: &impl Scheduler, request_id: &str, event: Value) -> Result<Value, lambda_runtime::Error> {
    if event.get("source").and_then(Value::as_str) == Some("aws.ses") {
        let email = match ses_events::read(&event) {
            Ok(email) => email,
            Err(reason) => {
                // Counted, not lost in silence: a metric always, and the store's own counter
                // (`webhooks.ses_event.ignored`) when the tags name one of its stores.
                cartback_aws::metrics::Emf::from_env().emit("SesEventsIgnored", "Count", 1.0, Some(("Reason", reason)));
                if let Some(store) = ses_events::store_of(&event) {
                    let engine = deps.engine().await?;
                    if engine.config().store(&store).is_some() {
                        engine.count(&store, vec![(Counter::WebhookIgnored("ses_event"), 1)]).await;
                        engine.flush_stats().await;
                    }
                }
                tracing::info!(request_id, reason, "ses event ignored");
                return Ok(json!({"ses": "ignored", "reason": reason}));
            }
        };
        let engine = deps.engine().await?;
        let outcome = engine.feedback.on_email_event(&email).await?;
        engine.flush_stats().await;
        tracing::info!(request_id, event = ?email.event, outcome = ?outcome, "ses event");
        return Ok(json!({"ses": format!("{outcome:?}").to_lowercase()}));
    }
    // Delays are computed from the real time, not the rule's scheduled `time`: an invocation
    // that starts late still hands SQS the exact remaining wait.
    let report = deps.sweep(jiff::Timestamp::now()).await?;
    // The same minute retries the deliveries (signed events, hand-offs) whose scheduled retry
    // is due; a failure there is logged by the engine and tried again next minute, never
    // failing the sweep.
    let retried = match deps.engine().await {
        Ok(engine) => {
            let n = engine.retry_deliveries().await;
            // Catalogues past their `refresh_every` are read again (docs/catalogue.md).
            let refreshed = engine.catalogue.refresh_due().await;
            if refreshed > 0 {
                tracing::info!(request_id, refreshed, "catalogues refreshed");
            }
            engine.flush_stats().await;
            n
        }
        // No configuration yet (a stack before `cartback store`): nothing to retry.
        Err(e) => {
            tracing::warn!(request_id, error = %e, "deliveries not retried: no store configuration");
            0
        }
    };
    tracing::info!(
        request_id,
        buckets = report.buckets,
        timers = report.timers,
        queries = report.queries,
        batches = report.batches,
        retried,
        "sweep"
    );
    Ok(json!({"buckets": report.buckets, "timers": report.timers, "deliveries_retried": retried}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cartback_core::app::Engine;
    use cartback_core::config::demo_config;
    use cartback_local::{LocalOptions, LocalRuntime};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Fake {
        engine: Arc<Engine>,
        sweeps: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl EngineSource for Fake {
        async fn engine(&self) -> Result<Arc<Engine>, String> {
            Ok(self.engine.clone())
        }
    }

    #[async_trait::async_trait]
    impl Scheduler for Fake {
        async fn sweep(&self, _now: jiff::Timestamp) -> Result<SweepReport, lambda_runtime::Error> {
            self.sweeps.fetch_add(1, Ordering::Relaxed);
            Ok(SweepReport { buckets: 1, timers: 3, queries: 2, batches: 1 })
        }
    }

    fn fake() -> Fake {
        let opts = LocalOptions { print: false, ..LocalOptions::default() };
        Fake { engine: LocalRuntime::new(demo_config(), opts).engine.clone(), sweeps: AtomicUsize::new(0) }
    }

    #[tokio::test]
    async fn the_schedule_sweeps() {
        let deps = fake();
        let ev: Value =
            serde_json::from_str(include_str!("../../../tests/fixtures/aws/example-eventbridge-scheduled-event.json"))
                .unwrap();
        let out = handle(&deps, "r1", ev).await.unwrap();
        assert_eq!(out, json!({"buckets": 1, "timers": 3, "deliveries_retried": 0}));
        assert_eq!(deps.sweeps.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn ses_events_go_to_the_engine_and_never_sweep() {
        let deps = fake();
        let t = ses_events::tags("demo", "c_unknown", 1);
        let tagged = |kind: &str| {
            json!({"version": "0", "source": "aws.ses", "detail-type": format!("Email {kind}"),
                "detail": {"eventType": kind, "mail": {"messageId": "m1",
                    "tags": {t[0].0: [t[0].1], t[1].0: [t[1].1], t[2].0: [t[2].1]}}}})
        };
        // A delivery of a send Cartback no longer knows is recorded as unknown, not swept.
        assert_eq!(handle(&deps, "r2", tagged("Delivery")).await.unwrap(), json!({"ses": "unknown"}));
        // Events SES sends that Cartback does not use are acknowledged and ignored.
        assert_eq!(
            handle(&deps, "r3", tagged("Open")).await.unwrap(),
            json!({"ses": "ignored", "reason": "event_type"})
        );
        // …and counted in the store the tags name.
        let stats = deps.engine.stats_report("demo").await.unwrap();
        assert_eq!(stats.webhooks.get("ses_event.ignored"), Some(&1), "{:?}", stats.webhooks);
        assert_eq!(deps.sweeps.load(Ordering::Relaxed), 0);
    }
}
