//! One SQS batch of due timers → partial batch failures.
//!
//! Records run concurrently, at most `CONCURRENCY` at a time, each in its own task so a panic is
//! contained to its record. A malformed record, or one that failed for good, is logged, dropped
//! (retrying cannot fix it) and counted by cause (metric `DueTimersDropped`, dimension `Reason`);
//! a temporary failure (throttling, a provider outage) or a panic is reported as a batch item
//! failure, so SQS redelivers that record alone and, after `maxReceiveCount`, dead-letters it.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use cartback_core::app::Engine;
use cartback_core::ports::TimerMsg;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::task::{Id, JoinError, JoinSet};

const CONCURRENCY: usize = 8;

/// What one batch came to: the records SQS should deliver again, and those dropped for good, by
/// cause (`malformed`, `permanent`).
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub response: SqsBatchResponse,
    pub dropped: BTreeMap<&'static str, u32>,
}

/// A record's end: done, to be retried (its message id), or dropped for good (the cause).
enum RecordEnd {
    Done,
    Retry(String),
    Dropped(&'static str),
}

pub async fn handle(engine: Arc<Engine>, event: SqsEvent) -> SqsBatchResponse {
    let outcome = run(engine, event).await;
    let emf = crate::metrics::Emf::from_env();
    for (reason, n) in &outcome.dropped {
        emf.emit("DueTimersDropped", "Count", f64::from(*n), Some(("Reason", reason)));
    }
    outcome.response
}

pub async fn run(engine: Arc<Engine>, event: SqsEvent) -> BatchOutcome {
    let mut failures = Vec::new();
    let mut dropped: BTreeMap<&'static str, u32> = BTreeMap::new();
    let mut tasks: JoinSet<RecordEnd> = JoinSet::new();
    let mut ids: HashMap<Id, String> = HashMap::new();
    let emf = crate::metrics::Emf::from_env();
    let now = jiff::Timestamp::now();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let msg: TimerMsg = match record.body.as_deref().map(serde_json::from_str) {
            Some(Ok(m)) => m,
            _ => {
                tracing::error!(message_id = %id, "malformed due-timer message dropped");
                *dropped.entry("malformed").or_default() += 1;
                continue;
            }
        };
        // How late the work is picked up (SQS delay, sweep lead, poller, retries).
        if let Some(due) = msg.due {
            let late = now.duration_since(due).as_secs_f64().max(0.0);
            emf.emit("StepLatenessSeconds", "Seconds", late, None);
        }
        // A receive count above one means an earlier attempt on this message did not finish.
        let redelivered =
            record.attributes.get("ApproximateReceiveCount").and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| n > 1);
        while tasks.len() >= CONCURRENCY {
            if let Some(r) = tasks.join_next_with_id().await {
                collect(r, &ids, &mut failures, &mut dropped);
            }
        }
        let engine = engine.clone();
        let task_id = id.clone();
        let handle = tasks.spawn(async move {
            match engine.dispatch.on_due(&msg, redelivered).await {
                Ok(_) => RecordEnd::Done,
                Err(e) if e.is_retryable() => {
                    tracing::warn!(message_id = %task_id, store = %msg.store, cart = %msg.cart, error = %e, "will be retried");
                    RecordEnd::Retry(task_id)
                }
                Err(e) => {
                    tracing::error!(message_id = %task_id, store = %msg.store, cart = %msg.cart, error = %e, "failed permanently; dropped");
                    RecordEnd::Dropped("permanent")
                }
            }
        });
        ids.insert(handle.id(), id);
    }
    while let Some(r) = tasks.join_next_with_id().await {
        collect(r, &ids, &mut failures, &mut dropped);
    }
    // The batch's statistics, one write per store (engine/stats_buffer.rs).
    engine.flush_stats().await;
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    BatchOutcome { response, dropped }
}

fn collect(
    r: Result<(Id, RecordEnd), JoinError>,
    ids: &HashMap<Id, String>,
    failures: &mut Vec<BatchItemFailure>,
    dropped: &mut BTreeMap<&'static str, u32>,
) {
    let failed = match r {
        Ok((_, RecordEnd::Done)) => return,
        Ok((_, RecordEnd::Dropped(reason))) => {
            *dropped.entry(reason).or_default() += 1;
            return;
        }
        Ok((_, RecordEnd::Retry(id))) => id,
        Err(e) => {
            let id = ids.get(&e.id()).cloned().unwrap_or_default();
            tracing::error!(message_id = %id, error = %e, "record handler panicked; will be retried");
            id
        }
    };
    let mut f = BatchItemFailure::default();
    f.item_identifier = failed;
    failures.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use cartback_core::config::demo_config;
    use cartback_local::{LocalOptions, LocalRuntime};
    use serde_json::{Value, json};

    /// The runtime's own SQS fixture (tests/fixtures/aws), with our bodies in its records.
    fn event(bodies: &[&str]) -> SqsEvent {
        let fixture: Value =
            serde_json::from_str(include_str!("../../../tests/fixtures/aws/example-sqs-event.json")).unwrap();
        let template = fixture["Records"][0].clone();
        let records: Vec<Value> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let mut r = template.clone();
                r["messageId"] = json!(format!("m{i}"));
                r["body"] = json!(b);
                r
            })
            .collect();
        serde_json::from_value(json!({"Records": records})).unwrap()
    }

    #[tokio::test]
    async fn malformed_records_are_dropped_and_good_ones_processed() {
        let rt = LocalRuntime::new(
            demo_config(),
            LocalOptions {
                virtual_start: Some("2026-11-23T09:00:00Z".parse().unwrap()),
                print: false,
                ..LocalOptions::default()
            },
        );
        let stale = r#"{"v":1,"store":"demo","cart":"nope","seq":1}"#;
        let out = run(rt.engine.clone(), event(&[stale, "{not json", r#"{"v":1}"#, stale])).await;
        assert!(
            out.response.batch_item_failures.is_empty(),
            "{:?}",
            out.response.batch_item_failures.iter().map(|f| &f.item_identifier).collect::<Vec<_>>()
        );
        // The two bodies that are no timer are dropped and counted; the stale timers are done.
        assert_eq!(out.dropped, BTreeMap::from([("malformed", 2)]));
    }

    #[tokio::test]
    async fn unknown_store_is_permanent_and_not_retried() {
        let rt = LocalRuntime::new(demo_config(), LocalOptions { print: false, ..LocalOptions::default() });
        let out = run(rt.engine.clone(), event(&[r#"{"v":1,"store":"ghost","cart":"c","seq":1}"#])).await;
        assert!(out.response.batch_item_failures.is_empty());
        assert_eq!(out.dropped, BTreeMap::from([("permanent", 1)]));
    }

    #[tokio::test]
    async fn a_provider_outage_fails_only_that_record() {
        let start: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        let rt = LocalRuntime::new(
            demo_config(),
            LocalOptions { virtual_start: Some(start), print: false, ..LocalOptions::default() },
        );
        let store = rt.engine.config().store("demo").unwrap().clone();
        let body =
            include_str!("../../../docs/examples/event.json").replace("2026-11-23T10:00:00Z", "2026-11-23T09:00:00Z");
        let ev = cartback_core::intake::contract::parse_event(body.as_bytes(), &store).unwrap();
        rt.engine.intake.ingest(&store, &ev).await.unwrap();
        rt.virtual_clock.as_ref().unwrap().set(start + jiff::SignedDuration::from_mins(30));
        let cart = rt.store.carts_of("demo").pop().unwrap();
        let msg = TimerMsg {
            v: 1,
            store: "demo".into(),
            cart: cart.id.clone(),
            seq: cart.timer.unwrap().seq,
            contact: None,
            due: None,
        };
        let good = serde_json::to_string(&msg).unwrap();
        rt.faults.push(cartback_local::adapters::faults::Fault::Retryable);
        let resp = handle(rt.engine.clone(), event(&[&good])).await;
        let failed: Vec<&str> = resp.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        assert_eq!(failed, ["m0"]);
        assert_eq!(rt.outbox.count(), 0);
        // Redelivered by SQS (receive count 2): now the provider answers, and it is sent once.
        let mut again = event(&[&good]);
        again.records[0].attributes.insert("ApproximateReceiveCount".into(), "2".into());
        let resp = handle(rt.engine.clone(), again).await;
        assert!(resp.batch_item_failures.is_empty());
        assert_eq!(rt.outbox.count(), 1);
    }
}
