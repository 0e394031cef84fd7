//! The sweep (the `scheduler` function, once a minute): timers further out than SQS can hold
//! ride on the cart item, indexed by due minute; each minute's bucket is moved into the queue
//! 14 minutes ahead (the queue's `sweep_lead_minutes`) with its exact remaining delay, ten messages per `SendMessageBatch`.
//!
//! A checkpoint item records the last bucket swept, so a sweep that did not run (an outage, a
//! throttled invocation) is caught up on the next one; overdue timers go out with no delay.

use crate::dynamo::parse_cart_pk;
use crate::sqs::{SqsTimerQueue, body, delay_seconds};
use crate::table::{
    CHECKPOINT_PK, PK, SK, SK_CHECKPOINT, SWEPT_MINUTE, TIMER_BUCKET, TIMER_CONTACT, TIMER_DUE, TIMER_INDEX, TIMER_SEQ,
};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use aws_smithy_types::error::display::DisplayErrorContext;
use cartback_core::ports::TimerMsg;
use jiff::Timestamp;
use std::collections::HashMap;

/// At most this many buckets per run; a longer backlog continues on the next run.
const MAX_BUCKETS_PER_RUN: i64 = 120;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub buckets: i64,
    pub timers: usize,
    /// DynamoDB requests made: index queries (one per shard and minute, more when a bucket
    /// pages), the checkpoint's read and, when it moved, its write.
    pub queries: usize,
    pub batches: usize,
}

pub struct Sweeper<'a> {
    pub dynamo: &'a aws_sdk_dynamodb::Client,
    pub table: &'a str,
    pub queue: &'a SqsTimerQueue,
}

fn checkpoint_key() -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), AttributeValue::S(CHECKPOINT_PK.into())),
        (SK.to_string(), AttributeValue::S(SK_CHECKPOINT.into())),
    ])
}

impl Sweeper<'_> {
    pub async fn run(&self, now: Timestamp) -> Result<SweepReport, String> {
        let target = now.as_second().div_euclid(60) + self.queue.sweep_lead_minutes();
        let mut report = SweepReport { queries: 1, ..SweepReport::default() };
        let last = self.checkpoint().await?.unwrap_or(target - 1);
        let from = last + 1;
        let to = target.min(last + MAX_BUCKETS_PER_RUN);
        let mut due = Vec::new();
        for minute in from..=to {
            self.read_bucket(minute, &mut due, &mut report).await?;
            report.buckets += 1;
        }
        self.enqueue(&due, now, &mut report).await?;
        if to >= from {
            self.advance_checkpoint(last, to).await?;
            report.queries += 1;
        }
        Ok(report)
    }

    async fn checkpoint(&self) -> Result<Option<i64>, String> {
        let out = self
            .dynamo
            .get_item()
            .table_name(self.table)
            .set_key(Some(checkpoint_key()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| format!("GetItem sweep checkpoint: {}", DisplayErrorContext(&e)))?;
        Ok(out.item.and_then(|i| match i.get(SWEPT_MINUTE) {
            Some(AttributeValue::N(m)) => m.parse().ok(),
            _ => None,
        }))
    }

    /// Moves the checkpoint from `last` to `to`, unless another sweep already moved it.
    async fn advance_checkpoint(&self, last: i64, to: i64) -> Result<(), String> {
        let mut item = checkpoint_key();
        item.insert(SWEPT_MINUTE.into(), AttributeValue::N(to.to_string()));
        let r = self
            .dynamo
            .put_item()
            .table_name(self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(m) OR m = :last")
            .expression_attribute_values(":last", AttributeValue::N(last.to_string()))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                tracing::warn!(
                    last,
                    to,
                    "another sweep moved the checkpoint; its timers are fenced duplicates at worst"
                );
                Ok(())
            }
            Err(e) => Err(format!("PutItem sweep checkpoint: {}", DisplayErrorContext(&e))),
        }
    }

    /// Reads every shard of one minute's bucket.
    async fn read_bucket(
        &self,
        minute: i64,
        due: &mut Vec<(TimerMsg, Timestamp)>,
        report: &mut SweepReport,
    ) -> Result<(), String> {
        for shard in 0..crate::table::timer_shards() {
            let query = self
                .dynamo
                .query()
                .table_name(self.table)
                .index_name(TIMER_INDEX)
                .key_condition_expression(format!("{TIMER_BUCKET} = :b"))
                .expression_attribute_values(":b", AttributeValue::S(crate::table::timer_bucket(minute, shard)));
            let mut pages = crate::pages::Pages::new("Query timers", query);
            while let Some(items) = pages.next().await.map_err(|e| e.to_string())? {
                report.queries += 1;
                due.extend(items.iter().filter_map(timer_of));
            }
        }
        Ok(())
    }

    /// Queues the timers with their exact remaining delay, ten to a request, `ENQUEUE_IN_FLIGHT`
    /// requests at a time (one after another, a run moved about 1 200 timers a second at 8 ms a
    /// request: below what 100 million carts a day need; docs/scale.md). Any refusal fails the
    /// run, so the checkpoint does not pass a bucket that did not fully move (the retry's
    /// duplicates are fenced by the timers' seq).
    async fn enqueue(
        &self,
        due: &[(TimerMsg, Timestamp)],
        now: Timestamp,
        report: &mut SweepReport,
    ) -> Result<(), String> {
        let mut tasks: tokio::task::JoinSet<Result<usize, String>> = tokio::task::JoinSet::new();
        let mut first_error = None;
        for chunk in due.chunks(10) {
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, (msg, at)) in chunk.iter().enumerate() {
                let entry = SendMessageBatchRequestEntry::builder()
                    .id(format!("t{i}"))
                    .message_body(body(msg).map_err(|e| e.to_string())?)
                    .delay_seconds(delay_seconds(*at, now))
                    .build()
                    .map_err(|e| e.to_string())?;
                entries.push(entry);
            }
            while tasks.len() >= ENQUEUE_IN_FLIGHT {
                collect(tasks.join_next().await, report, &mut first_error);
            }
            let (client, url, n) = (self.queue.client().clone(), self.queue.queue_url().to_string(), chunk.len());
            tasks.spawn(async move {
                let r = client
                    .send_message_batch()
                    .queue_url(url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .map_err(|e| format!("SendMessageBatch timers: {}", DisplayErrorContext(&e)))?;
                if !r.failed.is_empty() {
                    return Err(format!("SendMessageBatch: {} timers refused", r.failed.len()));
                }
                Ok(n)
            });
        }
        while !tasks.is_empty() {
            collect(tasks.join_next().await, report, &mut first_error);
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Requests of one sweep in flight at once.
const ENQUEUE_IN_FLIGHT: usize = 16;

fn collect(
    done: Option<Result<Result<usize, String>, tokio::task::JoinError>>,
    report: &mut SweepReport,
    first_error: &mut Option<String>,
) {
    match done {
        Some(Ok(Ok(n))) => {
            report.batches += 1;
            report.timers += n;
        }
        Some(Ok(Err(e))) => {
            report.batches += 1;
            first_error.get_or_insert(e);
        }
        Some(Err(e)) => {
            first_error.get_or_insert(format!("SendMessageBatch task: {e}"));
        }
        None => {}
    }
}

fn timer_of(item: &HashMap<String, AttributeValue>) -> Option<(TimerMsg, Timestamp)> {
    let pk = item.get(PK)?.as_s().ok()?;
    let (store, cart) = parse_cart_pk(pk)?;
    let seq = item.get(TIMER_SEQ)?.as_n().ok()?.parse().ok()?;
    let due = Timestamp::from_second(item.get(TIMER_DUE)?.as_n().ok()?.parse().ok()?).ok()?;
    let contact = item.get(TIMER_CONTACT).and_then(|c| c.as_s().ok()).cloned();
    Some((TimerMsg { v: 1, store: store.to_string(), cart: cart.to_string(), seq, contact, due: Some(due) }, due))
}
