//! REST hooks (the pattern Zapier, Make and n8n use to connect to an app): a subscription made
//! through the API names a URL and the event types it wants, and gets the store's signed events
//! like a configured `[[stores.event_webhooks]]` endpoint, through the same durable path.

use super::EventType;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A store may hold this many subscriptions: each event is one more request per subscription.
pub const MAX_HOOKS_PER_STORE: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookSubscription {
    /// `hk_` + 22 random characters.
    pub id: String,
    pub store: String,
    pub target_url: String,
    /// Never empty.
    pub events: Vec<EventType>,
    pub created_at: Timestamp,
}

impl HookSubscription {
    pub fn wants(&self, kind: EventType) -> bool {
        self.events.contains(&kind)
    }
}

/// The delivery id of an event to a subscription: one per event and subscription, stable
/// whatever subscriptions come and go (a configured endpoint's is by position,
/// `super::delivery_id`).
pub fn hook_delivery_id(event_id: &str, hook_id: &str) -> String {
    format!("dlv_{}_{hook_id}", event_id.trim_start_matches("evt_"))
}

/// The subscription a delivery id names (`hook_delivery_id`), if it is a REST hook's.
pub fn hook_of_delivery(delivery_id: &str) -> Option<String> {
    delivery_id.split_once("_hk_").map(|(_, rest)| format!("hk_{rest}"))
}
