//! Shared helpers for the engine tests: a configurable store and a virtual-clock runtime.
#![allow(dead_code)]

use cartback_core::config::{Config, StoreConfig};
use cartback_core::intake::contract::parse_event;
use cartback_local::{LocalOptions, LocalRuntime};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::sync::Arc;

pub const SMS_EMAIL_WA: &str = r#"
[[stores.steps]]
after = "30m"
channel = "sms"
template = "Hi {{ first_name }}: {{ link }} {{ incentive }}"
incentive = { kind = "percent_off", percent = 10, expires = "2h" }
[[stores.steps]]
after = "24h"
channel = "email"
template = "Your cart: {{ total }} {{ link }}"
[[stores.steps]]
after = "72h"
channel = "whatsapp"
template = "Last call {{ link }}"
"#;

pub fn config(extra: &str, steps: &str) -> Config {
    let text = format!(
        r#"public_url = "http://127.0.0.1:8787"
[[stores]]
id = "s"
name = "Shop"
api_key = "cbk_test_0123456789abcdef"
twilio_auth_token = "tok"
currency = "EUR"
timezone = "UTC"
allowed_domains = ["shop.example"]
free_shipping_threshold = "50.00"
{extra}
{steps}"#
    );
    Config::from_toml("test.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

pub struct T {
    pub rt: LocalRuntime,
    pub store: Arc<StoreConfig>,
}

pub fn start(config: Config, at: &str) -> T {
    start_with(config, at, false)
}

pub fn start_with(config: Config, at: &str, duplicate_deliveries: bool) -> T {
    start_opts(config, at, duplicate_deliveries, false)
}

/// Statistics written as the Lambda functions write them (engine/stats_buffer.rs).
pub fn start_deferred(config: Config, at: &str) -> T {
    start_opts(config, at, false, true)
}

fn start_opts(config: Config, at: &str, duplicate_deliveries: bool, deferred_stats: bool) -> T {
    let rt = LocalRuntime::new(
        config,
        LocalOptions {
            virtual_start: Some(at.parse().expect("start")),
            print: false,
            count_requests: true,
            seed: Some(1),
            duplicate_deliveries,
            fault_injection: true,
            chaos: None,
            deferred_stats,
            meter: None,
            webhooks_reach: cartback_local::WebhooksReach::AlsoLoopback,
        },
    );
    let store = rt.engine.config().store("s").expect("store").clone();
    T { rt, store }
}

impl T {
    pub fn now(&self) -> Timestamp {
        self.rt.now()
    }

    pub async fn event(&self, v: Value) -> cartback_core::intake::apply::IngestResult {
        let ev = parse_event(v.to_string().as_bytes(), &self.store).unwrap_or_else(|e| panic!("{e:?}"));
        self.rt.engine.intake.ingest(&self.store, &ev).await.expect("ingest")
    }

    pub async fn cart(
        &self,
        id: &str,
        event_id: &str,
        phone: &str,
        tz: &str,
    ) -> cartback_core::intake::apply::IngestResult {
        self.event(cart_event(id, event_id, self.now(), phone, tz, true)).await
    }

    pub async fn order(&self, id: &str, event_id: &str) -> cartback_core::intake::apply::IngestResult {
        self.event(json!({"event_id": event_id, "type": "order.completed", "occurred_at": self.now().to_string(), "cart_id": id,
                          "order": {"order_id": "o1", "total": "42.00", "currency": "EUR"}}))
            .await
    }

    pub async fn advance_mins(&self, m: i64) {
        self.rt.advance(SignedDuration::from_mins(m)).await;
    }

    pub async fn advance_hours(&self, h: i64) {
        self.rt.advance(SignedDuration::from_hours(h)).await;
    }

    pub fn sent(&self) -> Vec<cartback_local::adapters::console::OutboxEntry> {
        self.rt.outbox.latest()
    }

    pub fn channels(&self) -> Vec<String> {
        self.sent().into_iter().map(|m| m.channel).collect()
    }

    pub async fn stats(&self) -> cartback_core::engine::StatsReport {
        self.rt.engine.stats_report("s").await.expect("stats")
    }
}

pub fn cart_event(id: &str, event_id: &str, at: Timestamp, phone: &str, tz: &str, all_consent: bool) -> Value {
    json!({
        "event_id": event_id, "type": "cart.updated", "occurred_at": at.to_string(), "cart_id": id,
        "customer": {"first_name": "Kari", "phone": phone, "email": format!("{id}@example.com"), "timezone": tz,
                     "consent": {"sms": true, "email": true, "whatsapp": all_consent}},
        "cart": {"currency": "EUR", "checkout_url": "https://shop.example/c",
                 "items": [{"sku": "A", "name": "Sweater", "quantity": 1, "unit_price": "42.00"}]}
    })
}
