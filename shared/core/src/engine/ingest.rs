use super::{Engine, EngineError, MAX_ATTEMPTS, cart_contact_key};
use crate::config::StoreConfig;
use crate::domain::CartStatus;
use crate::event::CartEvent;
use crate::ports::{ContactTouch, StoreError, TimerMsg};
use crate::rules::lifecycle::{EventOutcome, apply_event};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestResult {
    pub cart_id: String,
    pub state: CartStatus,
    pub duplicate: bool,
    /// Older than what the cart reflects: accepted, changed nothing.
    pub stale: bool,
}

impl Engine {
    /// Applies one validated event: one read and one conditional write of the cart, plus the
    /// timer and contact effects, which are fenced so that a lost race leaves them harmless.
    pub async fn ingest(
        &self,
        store: &StoreConfig,
        ev: &CartEvent,
    ) -> Result<IngestResult, EngineError> {
        for _ in 0..MAX_ATTEMPTS {
            let now = self.clock.now();
            let existing = self.carts.get_cart(&store.id, &ev.cart_id).await?;
            let key_before = existing.as_ref().and_then(cart_contact_key);
            let d = apply_event(existing, ev, store, now);
            let result = IngestResult {
                cart_id: ev.cart_id.clone(),
                state: d.cart.status,
                duplicate: d.outcome == EventOutcome::Duplicate,
                stale: d.outcome == EventOutcome::Stale,
            };
            if d.outcome != EventOutcome::Applied {
                return Ok(result);
            }
            // Effects first: a timer carrying a seq the cart never commits drops itself, and
            // pointing a contact at this cart early is harmless.
            if let Some((seq, due)) = d.timer {
                let msg = TimerMsg {
                    v: 1,
                    store: store.id.clone(),
                    cart: ev.cart_id.clone(),
                    seq,
                };
                self.timers.schedule(&msg, due, now).await?;
            }
            let key_after = cart_contact_key(&d.cart);
            if let Some(key) = &key_after
                && key_before.as_ref() != Some(key)
            {
                let touch = ContactTouch {
                    store: store.id.clone(),
                    key: key.clone(),
                    phone: d.cart.customer.phone.clone(),
                    email: d.cart.customer.email.clone(),
                    latest_cart: ev.cart_id.clone(),
                    sent_at: None,
                    forget_before: None,
                };
                self.carts.touch_contact(&touch).await?;
            }
            match self.carts.put_cart(&d.cart).await {
                Ok(_) => {
                    tracing::debug!(store = %store.id, cart = %ev.cart_id, event = ev.kind.as_str(), state = d.cart.status.as_str(), "event applied");
                    self.count(&store.id, d.stats).await;
                    return Ok(result);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Contended)
    }
}
