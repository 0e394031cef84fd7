//! REST hooks for automation tools (Zapier, Make, n8n; docs/automation.md): subscribe a URL to
//! event types through the API, list, unsubscribe, and a sample of each event for the tools'
//! setup screens. Deliveries go through the same signed, retried path as the configured
//! endpoints (`EventsOut`, `cartback_channels::event_webhooks`).

use crate::config::StoreConfig;
use crate::engine::counters::Counter;
use crate::engine::{EngineError, Kernel};
use crate::outbound::hooks::{HookSubscription, MAX_HOOKS_PER_STORE};
use crate::outbound::{EventType, OutEvent, samples};
use crate::ports::HookStore;
use std::sync::Arc;

pub struct RestHooks {
    pub(crate) k: Arc<Kernel>,
    pub(crate) store: Arc<dyn HookStore>,
}

/// Why a subscription was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HookError {
    #[error("target_url: {0}")]
    TargetUrl(String),
    #[error("events: name at least one of {known}", known = known())]
    NoEvents,
    #[error("events: `{0}` is not one of {known}", known = known())]
    UnknownEvent(String),
    #[error("the store has no `event_webhook_secret` to sign deliveries with; set one first")]
    NoSecret,
    #[error("the store already has {MAX_HOOKS_PER_STORE} subscriptions; delete one first")]
    TooMany,
}

/// A subscription's id, from what it is: two subscribe calls racing for the same URL and events
/// write one subscription, not two.
fn hook_id(store: &str, url: &str, events: &[EventType]) -> String {
    use base64::Engine as _;
    let parts: Vec<&str> = [store, url].into_iter().chain(events.iter().map(|e| e.as_str())).collect();
    let digest = crate::outbound::payloads::digest128(&parts);
    format!("hk_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest))
}

fn known() -> String {
    EventType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
}

/// The longest target URL kept (Zapier's are about 60 characters).
pub const MAX_URL: usize = 2048;

impl RestHooks {
    /// Subscribes `target_url` to `events`. The same URL and events again is the same
    /// subscription (`false`: not created now): a tool that retries its subscribe call gets one.
    pub async fn subscribe(
        &self,
        store: &StoreConfig,
        target_url: &str,
        events: &[String],
    ) -> Result<Result<(HookSubscription, bool), HookError>, EngineError> {
        if store.event_webhook_secret.is_none() {
            return Ok(Err(HookError::NoSecret));
        }
        let target_url = target_url.trim();
        if target_url.len() > MAX_URL {
            return Ok(Err(HookError::TargetUrl(format!("at most {MAX_URL} characters"))));
        }
        if let Some(why) = crate::outbound::targets::url_problem(target_url) {
            return Ok(Err(HookError::TargetUrl(why)));
        }
        let mut kinds = Vec::new();
        for e in events {
            let Some(kind) = EventType::parse(e.trim()) else { return Ok(Err(HookError::UnknownEvent(e.clone()))) };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        if kinds.is_empty() {
            return Ok(Err(HookError::NoEvents));
        }
        kinds.sort();
        let existing = self.store.list_hooks(&store.id).await?;
        if let Some(same) = existing.iter().find(|h| h.target_url == target_url && h.events == kinds) {
            return Ok(Ok((same.clone(), false)));
        }
        if existing.len() >= MAX_HOOKS_PER_STORE {
            return Ok(Err(HookError::TooMany));
        }
        let hook = HookSubscription {
            id: hook_id(&store.id, target_url, &kinds),
            store: store.id.clone(),
            target_url: target_url.to_string(),
            events: kinds,
            created_at: self.k.clock.now(),
        };
        self.store.put_hook(&hook).await?;
        self.k.count(&store.id, vec![(Counter::EventsOut("hooks.subscribed"), 1)]).await;
        tracing::info!(store = %store.id, hook = %hook.id, events = ?hook.events, "rest hook subscribed");
        Ok(Ok((hook, true)))
    }

    pub async fn list(&self, store: &str) -> Result<Vec<HookSubscription>, EngineError> {
        Ok(self.store.list_hooks(store).await?)
    }

    /// Whether there was such a subscription.
    pub async fn unsubscribe(&self, store: &str, id: &str) -> Result<bool, EngineError> {
        let gone = self.store.delete_hook(store, id).await?;
        if gone {
            self.k.count(store, vec![(Counter::EventsOut("hooks.unsubscribed"), 1)]).await;
            tracing::info!(store, hook = id, "rest hook unsubscribed");
        }
        Ok(gone)
    }

    /// A sample of the event type, as it would be delivered (`None`: no such type).
    pub fn sample(&self, store: &str, kind: &str) -> Option<OutEvent> {
        EventType::parse(kind).map(|k| samples::sample(k, store, self.k.clock.now()))
    }
}
