use super::{Engine, EngineError, MAX_ATTEMPTS};
use crate::config::StoreConfig;
use crate::domain::CartStatus;
use crate::event::CartEvent;
use crate::ports::StoreError;
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
    /// timer it arms, which is fenced by its seq so that a lost race leaves it harmless.
    pub async fn ingest(&self, store: &StoreConfig, ev: &CartEvent) -> Result<IngestResult, EngineError> {
        for _ in 0..MAX_ATTEMPTS {
            let now = self.clock.now();
            let existing = self.carts.get_cart(&store.id, &ev.cart_id).await?;
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
            // Effects first: a timer carrying a seq the cart never commits drops itself. (The
            // contact record is written when a message goes out: replies only follow messages.)
            let mut cart = d.cart;
            if let Some(due) = d.timer_due {
                self.arm(&mut cart, due, now).await?;
            }
            let state = cart.status.as_str();
            match self.carts.put_cart(cart).await {
                Ok(_) => {
                    tracing::debug!(store = %store.id, cart = %ev.cart_id, event = ev.kind.as_str(), state, "event applied");
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
