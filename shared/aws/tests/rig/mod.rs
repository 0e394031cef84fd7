//! The engine on the real AWS adapters against moto, as the functions run it: events in, the
//! sweep, the dispatcher's batches through SQS (shared by tests/pipeline.rs and tests/law.rs).
#![allow(dead_code)]

use crate::moto;
use cartback_aws::sweep::Sweeper;
use cartback_core::app::Engine;
use cartback_core::config::Config;
use cartback_core::domain::Channel;
use cartback_core::intake::contract::parse_event;
use cartback_core::ports::{ChannelSender, TimerMsg};
use cartback_local::adapters::clock::VirtualClock;
use cartback_local::adapters::console::{ConsoleChannel, MemoryAlerts};
use cartback_local::adapters::counting::{Counting, RequestCounter};
use cartback_local::adapters::random::SeededRandom;
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;

const CONFIG: &str = r#"
public_url = "https://cartback.example"
[[stores]]
id = "s"
name = "Shop"
api_key = "cbk_test_0123456789abcdef"
twilio_auth_token = "tok"
currency = "EUR"
allowed_domains = ["shop.example"]
[[stores.steps]]
after = "30m"
channel = "sms"
template = "Hi {{ first_name }} {{ link }}"
[[stores.steps]]
after = "24h"
channel = "email"
template = "Cart {{ total }} {{ link }}"
[[stores.steps]]
after = "72h"
channel = "whatsapp"
template = "Last call {{ link }}"
"#;

pub struct Rig {
    pub env: moto::Env,
    pub clock: Arc<VirtualClock>,
    pub engine: Arc<Engine>,
    pub outbox: Arc<ConsoleChannel>,
    pub counter: Arc<RequestCounter>,
    /// The sweep's SendMessageBatch calls.
    pub batches: usize,
    /// The event source mapping's ReceiveMessage calls that returned messages, and its
    /// DeleteMessageBatch calls (empty long polls are a fixed cost per poller, not per cart).
    pub receives: usize,
    pub deletes: usize,
}

impl Rig {
    pub async fn new(name: &str) -> Option<Rig> {
        Rig::with_config(name, CONFIG).await
    }

    /// The rig with another configuration (its store's id must be `s`).
    pub async fn with_config(name: &str, config: &str) -> Option<Rig> {
        let env = moto::Env::new(name).await?;
        let clock = Arc::new(VirtualClock::new("2026-11-23T09:00:00Z".parse().unwrap()));
        let counter = RequestCounter::new();
        let store = Arc::new(env.store(clock.clone()));
        let outbox = Arc::new(ConsoleChannel::new(clock.clone(), false));
        let channels: HashMap<Channel, Arc<dyn ChannelSender>> =
            Channel::ALL.into_iter().map(|c| (c, outbox.clone() as Arc<dyn ChannelSender>)).collect();
        let engine = Arc::new(Engine::new(cartback_core::app::Ports {
            catalogues: store.clone(),
            product_pages: Arc::new(cartback_core::ports::NoProductPages),
            hooks: Arc::new(cartback_local::adapters::memory_store::MemoryStore::new()),
            events_out: Arc::new(cartback_core::ports::NoEventsOut),
            records: store.clone(),
            config: Arc::new(Config::from_toml("t.toml", config).unwrap()),
            carts: Arc::new(Counting::new(store.clone(), counter.clone())),
            stats: Arc::new(Counting::new(store, counter.clone())),
            timers: Arc::new(Counting::new(Arc::new(env.queue()), counter.clone())),
            channels,
            alerts: Arc::new(MemoryAlerts::new(false)),
            clock: clock.clone(),
            random: Arc::new(SeededRandom::new(3)),
            stats_buffer: cartback_core::engine::stats_buffer::StatsBuffer::deferred(),
            reader: std::sync::Arc::new(cartback_core::ports::NoReader),
        }));
        Some(Rig { env, clock, engine, outbox, counter, batches: 0, receives: 0, deletes: 0 })
    }

    pub async fn event(&self, json: String) {
        let store = self.engine.config().store("s").unwrap().clone();
        let ev = parse_event(json.as_bytes(), &store).unwrap();
        self.engine.intake.ingest(&store, &ev).await.unwrap();
        // One API request, one invocation: its statistics are written as it ends.
        self.engine.flush_stats().await;
    }

    /// Sweeps as the once-a-minute sweeper would have at `at`. The sweeps of the minutes
    /// since the last call (which would have found empty buckets: every timer here falls due
    /// at `at`) are stood in for by moving the checkpoint, instead of making moto answer
    /// thousands of empty queries.
    pub async fn sweep_at(&mut self, at: Timestamp) -> cartback_aws::sweep::SweepReport {
        self.clock.set(at);
        let before_due = at.as_second().div_euclid(60) - 1;
        let mut item = HashMap::from([
            ("pk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S("SWEEP".into())),
            ("sk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S("CHECKPOINT".into())),
        ]);
        let current =
            self.env.dynamo.get_item().table_name(&self.env.table).set_key(Some(item.clone())).send().await.unwrap();
        let current: Option<i64> =
            current.item.and_then(|i| i.get("m").and_then(|m| m.as_n().ok()).and_then(|m| m.parse().ok()));
        if current.is_some_and(|m| m < before_due) {
            item.insert("m".into(), aws_sdk_dynamodb::types::AttributeValue::N(before_due.to_string()));
            self.env.dynamo.put_item().table_name(&self.env.table).set_item(Some(item)).send().await.unwrap();
        }
        let queue = self.env.queue();
        let r = Sweeper { dynamo: &self.env.dynamo, table: &self.env.table, queue: &queue }.run(at).await.unwrap();
        self.batches += r.batches;
        r
    }

    /// Receives everything visible now; returns (message, receive count, receipt handle).
    pub async fn receive(&self) -> Vec<(TimerMsg, u32, String)> {
        let mut out = Vec::new();
        loop {
            let r = self
                .env
                .sqs
                .receive_message()
                .queue_url(&self.env.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
                .send()
                .await
                .unwrap();
            let msgs = r.messages.unwrap_or_default();
            if msgs.is_empty() {
                return out;
            }
            for m in msgs {
                let count = m
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                let msg: TimerMsg = serde_json::from_str(m.body.as_deref().unwrap()).unwrap();
                out.push((msg, count, m.receipt_handle.unwrap()));
            }
        }
    }

    /// Delivers every visible message to the dispatcher as the Lambda event source mapping
    /// does: batches of up to 10 (one ReceiveMessage each), handled, their statistics flushed
    /// once, then deleted with one DeleteMessageBatch.
    pub async fn dispatch_all(&mut self) -> usize {
        let mut total = 0;
        loop {
            let r = self
                .env
                .sqs
                .receive_message()
                .queue_url(&self.env.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
                .send()
                .await
                .unwrap();
            let msgs = r.messages.unwrap_or_default();
            if msgs.is_empty() {
                return total;
            }
            self.receives += 1;
            let mut entries = Vec::new();
            for (i, m) in msgs.into_iter().enumerate() {
                let count: u32 = m
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                let msg: TimerMsg = serde_json::from_str(m.body.as_deref().unwrap()).unwrap();
                self.engine.dispatch.on_due(&msg, count > 1).await.unwrap();
                entries.push(
                    aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(m.receipt_handle.unwrap())
                        .build()
                        .unwrap(),
                );
                total += 1;
            }
            self.engine.flush_stats().await;
            self.env
                .sqs
                .delete_message_batch()
                .queue_url(&self.env.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .unwrap();
            self.deletes += 1;
        }
    }
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}
