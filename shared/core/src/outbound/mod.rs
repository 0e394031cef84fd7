//! Signed events out (Standard Webhooks): what happened to a store's carts and shoppers, for
//! the merchant's own systems — a high-value abandonment alert, a recovery, a reply and its
//! reason, a hand-off, an opt-out. The engine publishes them through the `EventsOut` port once
//! the change they report is written; the adapter (`cartback_channels::event_webhooks`) signs
//! and POSTs them to the store's `[[stores.event_webhooks]]`, retries, and keeps a dead-letter
//! record of each delivery that failed, which the API can replay.
//!
//! Event ids are derived from what they report (the cart and its abandonment episode, the order,
//! the reply's provider id), so the retry of a piece of work publishes the same `webhook-id` and
//! a receiver that deduplicates by it sees each event once.

pub mod hooks;
pub mod payloads;
pub mod push_subscription;
pub mod samples;
pub mod standard_webhooks;
pub mod targets;

use crate::domain::money::Currency;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum EventType {
    #[serde(rename = "cart.abandoned")]
    CartAbandoned,
    #[serde(rename = "cart.recovered")]
    CartRecovered,
    #[serde(rename = "reply.received")]
    ReplyReceived,
    #[serde(rename = "conversation.handoff")]
    ConversationHandoff,
    #[serde(rename = "contact.opted_out")]
    ContactOptedOut,
}

impl EventType {
    pub const ALL: [EventType; 5] = [
        EventType::CartAbandoned,
        EventType::CartRecovered,
        EventType::ReplyReceived,
        EventType::ConversationHandoff,
        EventType::ContactOptedOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CartAbandoned => "cart.abandoned",
            EventType::CartRecovered => "cart.recovered",
            EventType::ReplyReceived => "reply.received",
            EventType::ConversationHandoff => "conversation.handoff",
            EventType::ContactOptedOut => "contact.opted_out",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One event, before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct OutEvent {
    /// `evt_` + 32 hex digits, derived from what the event reports.
    pub id: String,
    pub kind: EventType,
    pub store: String,
    pub at: Timestamp,
    /// The cart's value, for an endpoint's `min_cart_value`.
    pub value: Option<(Currency, i64)>,
    pub data: serde_json::Value,
}

impl OutEvent {
    /// The message body: `{"type", "timestamp", "data"}`, as Standard Webhooks suggests.
    pub fn body(&self) -> String {
        serde_json::json!({"type": self.kind.as_str(), "timestamp": self.at.to_string(), "data": self.data}).to_string()
    }
}

/// One of a store's endpoints (`[[stores.event_webhooks]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventWebhook {
    pub url: String,
    /// The event types it gets; all of them when the configuration names none.
    pub events: Vec<EventType>,
    /// `cart.abandoned` only for carts worth at least this much, in the store's currency (a cart
    /// in another currency does not pass a threshold).
    pub min_cart_value: Option<(Currency, i64)>,
}

impl EventWebhook {
    pub fn wants(&self, e: &OutEvent) -> bool {
        if !self.events.is_empty() && !self.events.contains(&e.kind) {
            return false;
        }
        match (e.kind, self.min_cart_value) {
            (EventType::CartAbandoned, Some((cur, min))) => {
                e.value.is_some_and(|(c, v)| c.code() == cur.code() && v >= min)
            }
            _ => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// The tries made with the work that raised it failed: tried again on `RETRY_AFTER`'s
    /// schedule (`next_attempt_at`), with the same message id.
    Retrying,
    /// Delivered by a scheduled retry.
    Delivered,
    /// Every try of the schedule failed: a dead letter, kept for a replay and alarmed.
    Failed,
    /// Delivered by a replay.
    Replayed,
}

/// Where a delivery goes, and so which secret signs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// One of the store's `[[stores.event_webhooks]]` (`event_webhook_secret`).
    #[default]
    Events,
    /// The store's `alert_webhook`, for a hand-off (`alert_webhook_secret`).
    Alert,
}

/// The waits between the scheduled retries of a delivery whose first tries failed: ten more
/// tries over 31 h 51 min (Standard Webhooks asks for retries over hours to days), after
/// which it is a dead letter.
pub const RETRY_AFTER: [jiff::SignedDuration; 10] = [
    jiff::SignedDuration::from_mins(1),
    jiff::SignedDuration::from_mins(5),
    jiff::SignedDuration::from_mins(15),
    jiff::SignedDuration::from_mins(30),
    jiff::SignedDuration::from_hours(1),
    jiff::SignedDuration::from_hours(2),
    jiff::SignedDuration::from_hours(4),
    jiff::SignedDuration::from_hours(8),
    jiff::SignedDuration::from_hours(8),
    jiff::SignedDuration::from_hours(8),
];

/// The dead-letter record of a delivery that failed: everything needed to send it again, with
/// the same `webhook-id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    /// `dlv_` + the event id's digits + the endpoint's index: one per event and endpoint.
    pub id: String,
    pub event_id: String,
    pub store: String,
    pub url: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The body as it was signed (the event's JSON).
    pub body: String,
    pub attempts: u32,
    pub last_error: String,
    pub state: DeliveryState,
    /// Where it goes (records from before hand-offs were kept are event deliveries).
    #[serde(default)]
    pub target: Target,
    /// Scheduled retries made so far (`RETRY_AFTER`).
    #[serde(default)]
    pub retries: u32,
    /// When the next scheduled retry is due, while `Retrying`.
    #[serde(default)]
    pub next_attempt_at: Option<Timestamp>,
    pub first_failed_at: Timestamp,
    pub updated_at: Timestamp,
    /// Removed by the store after this (a month).
    pub expires_at: Timestamp,
}

impl DeliveryRecord {
    /// After a failed try at `now`: the next retry of the schedule, or a dead letter when the
    /// schedule is spent. Returns whether it is now a dead letter.
    pub fn after_failure(&mut self, now: Timestamp, why: String) -> bool {
        self.last_error = why;
        self.updated_at = now;
        match RETRY_AFTER.get(self.retries as usize) {
            Some(wait) => {
                self.state = DeliveryState::Retrying;
                self.next_attempt_at = Some(now + *wait);
                false
            }
            None => {
                self.state = DeliveryState::Failed;
                self.next_attempt_at = None;
                true
            }
        }
    }

    /// Whether a scheduled retry is due at `now`.
    pub fn due(&self, now: Timestamp) -> bool {
        self.state == DeliveryState::Retrying && self.next_attempt_at.is_some_and(|t| t <= now)
    }
}

/// How long a dead letter is kept for a replay.
pub const DEAD_LETTER_DAYS: i64 = 30;

/// A delivery's id for an event and an endpoint (its index in the store's list).
pub fn delivery_id(event_id: &str, endpoint: usize) -> String {
    format!("dlv_{}_{endpoint}", event_id.trim_start_matches("evt_"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ev(kind: EventType, value: Option<(Currency, i64)>) -> OutEvent {
        OutEvent {
            id: "evt_1".into(),
            kind,
            store: "s".into(),
            at: Timestamp::UNIX_EPOCH,
            value,
            data: serde_json::json!({}),
        }
    }

    #[test]
    fn endpoints_filter_by_type_and_the_high_value_threshold() {
        let eur = Currency::parse("EUR").unwrap();
        let nok = Currency::parse("NOK").unwrap();
        let all = EventWebhook { url: "u".into(), events: vec![], min_cart_value: None };
        assert!(EventType::ALL.iter().all(|k| all.wants(&ev(*k, None))));
        let alerts = EventWebhook {
            url: "u".into(),
            events: vec![EventType::CartAbandoned],
            min_cart_value: Some((eur, 15_000)),
        };
        assert!(alerts.wants(&ev(EventType::CartAbandoned, Some((eur, 15_000)))));
        assert!(!alerts.wants(&ev(EventType::CartAbandoned, Some((eur, 14_999)))));
        assert!(!alerts.wants(&ev(EventType::CartAbandoned, Some((nok, 900_000)))), "another currency");
        assert!(!alerts.wants(&ev(EventType::CartAbandoned, None)));
        assert!(!alerts.wants(&ev(EventType::CartRecovered, Some((eur, 90_000)))));
        for k in EventType::ALL {
            assert_eq!(EventType::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.as_str()));
        }
        assert_eq!(delivery_id("evt_ab12", 1), "dlv_ab12_1");
    }
}
