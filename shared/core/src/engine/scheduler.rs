use super::{Engine, EngineError};
use crate::domain::CartStatus;
use crate::ports::{OutboundMsg, StoreError, TimerMsg};
use crate::rules::lifecycle::{TimerDecision, mark_abandoned, on_timer};
use crate::rules::quiet_hours;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerOutcome {
    /// The timer's seq no longer matches the cart (or the cart is gone): dropped.
    Stale,
    Dropped,
    Rearmed,
    Waiting,
    Suppressed,
    Expired,
    /// A step was handed to the dispatcher.
    Dispatched,
}

impl Engine {
    /// A timer fired. Reads the cart once; writes only when its state changes.
    pub async fn on_timer(&self, msg: &TimerMsg) -> Result<TimerOutcome, EngineError> {
        let store = self.config.store(&msg.store).ok_or_else(|| EngineError::UnknownStore(msg.store.clone()))?;
        let now = self.clock.now();
        let Some(mut cart) = self.carts.get_cart(&msg.store, &msg.cart).await? else {
            return Ok(TimerOutcome::Stale);
        };
        if cart.timer.map(|t| t.seq) != Some(msg.seq) {
            return Ok(TimerOutcome::Stale);
        }
        let mut stats = Vec::new();
        let outcome = match on_timer(&cart, store, now) {
            TimerDecision::Drop => return Ok(TimerOutcome::Dropped),
            TimerDecision::Rearm(due) => {
                // Same seq, later due: the cart record need not change.
                self.timers.schedule(msg, due, now).await?;
                return Ok(TimerOutcome::Rearmed);
            }
            TimerDecision::StepDue { step } => {
                // Quiet hours are checked here too (and again at send time): a step due at
                // night waits on its own timer, without a trip through the dispatcher.
                let tz = quiet_hours::zone_for(cart.customer.timezone.as_deref(), &store.timezone);
                let allowed = quiet_hours::next_allowed(now, &tz, &store.quiet_hours);
                if allowed > now {
                    self.timers.schedule(msg, allowed, now).await?;
                    let mut stats = vec![("steps.deferred.quiet_hours".into(), 1)];
                    // The cart is abandoned now, even if the message waits for the morning.
                    if cart.status == CartStatus::Active {
                        mark_abandoned(&mut cart, &mut stats);
                        match self.carts.put_cart(&cart).await {
                            Ok(_) => {}
                            Err(StoreError::Conflict) => return Err(EngineError::Contended),
                            Err(e) => return Err(e.into()),
                        }
                    }
                    self.count(&msg.store, stats).await;
                    return Ok(TimerOutcome::Rearmed);
                }
                let out = OutboundMsg { v: 1, store: msg.store.clone(), cart: msg.cart.clone(), step, seq: msg.seq };
                self.outbound.enqueue(&out).await?;
                tracing::debug!(store = %msg.store, cart = %msg.cart, step, "step due");
                return Ok(TimerOutcome::Dispatched);
            }
            TimerDecision::Wait { due, .. } => {
                mark_abandoned(&mut cart, &mut stats);
                if let Some(t) = cart.timer.as_mut() {
                    t.due = due;
                }
                self.timers.schedule(msg, due, now).await?;
                TimerOutcome::Waiting
            }
            TimerDecision::Suppress => {
                mark_abandoned(&mut cart, &mut stats);
                cart.status = CartStatus::Suppressed;
                cart.timer = None;
                stats.push(("carts.suppressed".into(), 1));
                TimerOutcome::Suppressed
            }
            TimerDecision::Expire => {
                mark_abandoned(&mut cart, &mut stats);
                cart.status = CartStatus::Expired;
                cart.timer = None;
                TimerOutcome::Expired
            }
        };
        match self.carts.put_cart(&cart).await {
            Ok(_) => {
                self.count(&msg.store, stats).await;
                Ok(outcome)
            }
            // The cart moved on (an event arrived); it armed its own timer. Redeliver to re-check.
            Err(StoreError::Conflict) => Err(EngineError::Contended),
            Err(e) => Err(e.into()),
        }
    }
}
