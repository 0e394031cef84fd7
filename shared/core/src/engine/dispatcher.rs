//! Sending a step exactly once, never wrongly (design.md §4).
//!
//! The claim lives in the cart record, written with the same conditional write that advances
//! the sequence; a duplicate delivery finds it and sends nothing. A claim found still open was
//! left by a crash between claim and confirmation: it becomes `unknown` — a duplicate message
//! is worse than a missed reminder.

use super::{Engine, EngineError, MAX_ATTEMPTS, cart_contact_key};
use crate::compose::{ComposeInput, compose, needs_coupon};
use crate::config::StoreConfig;
use crate::domain::{Cart, CartStatus, SendRecord, SendStatus};
use crate::ports::{ChannelError, ContactTouch, LinkRecord, OutboundMsg, StoreError, TimerMsg};
use crate::rules::lifecycle::{TimerDecision, mark_abandoned, on_timer};
use crate::rules::send_policy::{SendPlan, plan_send};
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchOutcome {
    /// Fencing: the cart moved on since this work was queued.
    Stale,
    /// This step was already handled.
    AlreadyDone,
    /// A claim left open by a crash was marked `unknown`; nothing sent.
    MarkedUnknown,
    Skipped(&'static str),
    Deferred(Timestamp, &'static str),
    Sent {
        provider_id: String,
    },
    /// The provider refused for good; recorded, not retried.
    Failed(String),
}

impl Engine {
    pub async fn dispatch(&self, msg: &OutboundMsg) -> Result<DispatchOutcome, EngineError> {
        let store = self.config.store(&msg.store).ok_or_else(|| EngineError::UnknownStore(msg.store.clone()))?;
        for _ in 0..MAX_ATTEMPTS {
            match self.try_dispatch(store, msg).await {
                Err(EngineError::Store(StoreError::Conflict)) => continue,
                other => return other,
            }
        }
        Err(EngineError::Contended)
    }

    async fn try_dispatch(&self, store: &StoreConfig, msg: &OutboundMsg) -> Result<DispatchOutcome, EngineError> {
        let now = self.clock.now();
        let Some(mut cart) = self.carts.get_cart(&msg.store, &msg.cart).await? else {
            return Ok(DispatchOutcome::Stale);
        };
        if cart.timer.map(|t| t.seq) != Some(msg.seq) {
            return Ok(DispatchOutcome::Stale);
        }
        let mut stats = Vec::new();
        if let Some(rec) = cart.send(msg.step) {
            if rec.status != SendStatus::Claimed {
                return Ok(DispatchOutcome::AlreadyDone);
            }
            let channel = rec.channel;
            if let Some(r) = cart.send_mut(msg.step) {
                r.status = SendStatus::Unknown;
                r.note = Some("claimed but never confirmed (crash between claim and send?)".into());
            }
            self.advance(&mut cart, store, now).await?;
            self.carts.put_cart(&cart).await?;
            tracing::warn!(store = %msg.store, cart = %msg.cart, step = msg.step, channel = %channel, "send claim left open: marked unknown, not retried");
            stats.push(("sends.unknown".into(), 1));
            self.count(&msg.store, stats).await;
            return Ok(DispatchOutcome::MarkedUnknown);
        }
        // Everything is checked again now, not trusted from when the step was scheduled.
        match on_timer(&cart, store, now) {
            TimerDecision::StepDue { step } if step == msg.step => {}
            _ => return Ok(DispatchOutcome::Stale),
        }
        mark_abandoned(&mut cart, &mut stats);
        let contact = match cart_contact_key(&cart) {
            Some(k) => self.carts.get_contact(&msg.store, &k).await?,
            None => None,
        };
        let step = &store.steps[msg.step as usize];
        match plan_send(&cart, contact.as_ref(), store, msg.step, now) {
            SendPlan::Skip(why) => {
                cart.sends.push(SendRecord {
                    step: msg.step,
                    epoch: cart.epoch,
                    channel: step.channel,
                    variant: String::new(),
                    status: SendStatus::Skipped,
                    at: now,
                    note: Some(why.into()),
                    provider_id: None,
                    coupon: None,
                });
                self.advance(&mut cart, store, now).await?;
                self.carts.put_cart(&cart).await?;
                stats.push((format!("steps.skipped.{why}"), 1));
                self.count(&msg.store, stats).await;
                tracing::info!(store = %msg.store, cart = %msg.cart, step = msg.step, why, "step skipped");
                Ok(DispatchOutcome::Skipped(why))
            }
            SendPlan::Defer(until, why) => {
                let t = cart.arm_timer(until);
                let timer = TimerMsg { v: 1, store: msg.store.clone(), cart: msg.cart.clone(), seq: t.seq };
                self.timers.schedule(&timer, until, now).await?;
                self.carts.put_cart(&cart).await?;
                stats.push((format!("steps.deferred.{why}"), 1));
                self.count(&msg.store, stats).await;
                tracing::info!(store = %msg.store, cart = %msg.cart, step = msg.step, why, until = %until, "step deferred");
                Ok(DispatchOutcome::Deferred(until, why))
            }
            SendPlan::Send { variant } => self.send_step(store, msg, cart, variant, stats, now).await,
        }
    }

    async fn send_step(
        &self,
        store: &StoreConfig,
        msg: &OutboundMsg,
        mut cart: Cart,
        variant: usize,
        mut stats: Vec<(String, i64)>,
        now: Timestamp,
    ) -> Result<DispatchOutcome, EngineError> {
        let step = &store.steps[msg.step as usize];
        // One link per cart, written once; its validity follows the latest message (see links.rs).
        let new_token = cart.link_token.is_none().then(|| self.token());
        if let Some(t) = &new_token {
            cart.link_token = Some(t.clone());
        }
        let token = cart.link_token.clone().unwrap_or_default();
        let link = format!("{}/r/{token}", self.config.public_url);
        let coupon = needs_coupon(store, msg.step, variant).then(|| coupon_code(self.random.bytes16()));
        let outgoing = compose(&ComposeInput {
            cart: &cart,
            cfg: store,
            step: msg.step,
            variant,
            link: &link,
            coupon: coupon.as_deref(),
            now,
        });
        let outgoing = match outgoing {
            Ok(o) => o,
            Err(e) => {
                // Templates are checked at load, so this is a defect; record it, never retry.
                cart.sends.push(SendRecord {
                    step: msg.step,
                    epoch: cart.epoch,
                    channel: step.channel,
                    variant: step.variants[variant].name.clone(),
                    status: SendStatus::Failed,
                    at: now,
                    note: Some(format!("render: {e}")),
                    provider_id: None,
                    coupon: None,
                });
                self.advance(&mut cart, store, now).await?;
                self.carts.put_cart(&cart).await?;
                tracing::error!(store = %msg.store, cart = %msg.cart, step = msg.step, error = %e, "message did not render");
                return Ok(DispatchOutcome::Failed(e));
            }
        };
        let sender = self.channels.get(&step.channel).ok_or(EngineError::NoChannel(step.channel))?.clone();
        if let Some(token) = new_token {
            // Kept in storage long after the last possible message; `open_link` enforces the TTL.
            let keep_until = now + store.link_ttl + store.steps.last().map_or(jiff::SignedDuration::ZERO, |s| s.after);
            self.carts
                .put_link(&LinkRecord {
                    token,
                    store: msg.store.clone(),
                    cart: msg.cart.clone(),
                    expires_at: keep_until,
                })
                .await?;
        }
        // The claim: one conditional write that also advances the sequence.
        let variant_name = step.variants[variant].name.clone();
        cart.sends.push(SendRecord {
            step: msg.step,
            epoch: cart.epoch,
            channel: step.channel,
            variant: variant_name.clone(),
            status: SendStatus::Claimed,
            at: now,
            note: None,
            provider_id: None,
            coupon: coupon.clone(),
        });
        self.advance(&mut cart, store, now).await?;
        let claimed_version = self.carts.put_cart(&cart).await?;
        cart.version = claimed_version;
        let result = sender.send(&outgoing).await;
        let (status, provider_id, note) = match &result {
            Ok(id) => (SendStatus::Sent, Some(id.clone()), None),
            Err(ChannelError::Permanent(e)) => (SendStatus::Failed, None, Some(e.clone())),
            Err(ChannelError::Retryable(e)) => {
                self.release_claim(msg, now).await;
                tracing::warn!(store = %msg.store, cart = %msg.cart, step = msg.step, error = %e, "provider failed temporarily; will retry");
                return Err(EngineError::Channel(ChannelError::Retryable(e.clone())));
            }
        };
        let contact_key = cart_contact_key(&cart);
        self.confirm(msg, cart, status, provider_id.clone(), note.clone(), now).await?;
        let ch = step.channel.as_str();
        match status {
            SendStatus::Sent => {
                stats.push((format!("messages.sent.{ch}"), 1));
                stats.push((format!("messages.step.{}", msg.step), 1));
                stats.push((format!("messages.variant.{}.{variant_name}", msg.step), 1));
                if let Some(key) = contact_key {
                    let touch = ContactTouch {
                        store: msg.store.clone(),
                        key,
                        phone: None,
                        email: None,
                        latest_cart: msg.cart.clone(),
                        sent_at: Some(now),
                        forget_before: Some(now - store.frequency_cap.window),
                    };
                    if let Err(e) = self.carts.touch_contact(&touch).await {
                        tracing::error!(store = %msg.store, cart = %msg.cart, error = %e, "frequency-cap record not written");
                    }
                }
                tracing::info!(store = %msg.store, cart = %msg.cart, step = msg.step, channel = ch, variant = %variant_name, "message sent");
                self.count(&msg.store, stats).await;
                Ok(DispatchOutcome::Sent { provider_id: provider_id.unwrap_or_default() })
            }
            _ => {
                stats.push((format!("messages.failed.{ch}"), 1));
                tracing::warn!(store = %msg.store, cart = %msg.cart, step = msg.step, channel = ch, error = ?note, "provider refused the message");
                self.count(&msg.store, stats).await;
                Ok(DispatchOutcome::Failed(note.unwrap_or_default()))
            }
        }
    }

    /// Moves past the current step: arms the next step's timer, or ends the sequence.
    /// Returns the timer to schedule once the cart write has succeeded.
    /// Moves past the current step (arming the next step's timer, or ending the sequence) and
    /// schedules that timer *before* the cart write commits it: if the write loses a race, the
    /// timer carries a seq the cart never had and drops itself; the reverse order could leave
    /// a committed timer that never fires.
    async fn advance(&self, cart: &mut Cart, store: &StoreConfig, now: Timestamp) -> Result<(), EngineError> {
        let done = store.steps.get(cart.next_step as usize).map(|s| s.after);
        cart.next_step += 1;
        match store.steps.get(cart.next_step as usize) {
            Some(next) => {
                // Keep the configured spacing even when a cart is processed late (a backlog, an
                // old event): never two steps back to back.
                let spacing = done.map_or(jiff::SignedDuration::ZERO, |d| next.after - d);
                let t = cart.arm_timer((cart.last_activity + next.after).max(now + spacing));
                let msg = TimerMsg { v: 1, store: cart.store.clone(), cart: cart.id.clone(), seq: t.seq };
                self.timers.schedule(&msg, t.due, now).await?;
            }
            None => {
                cart.status = CartStatus::Expired;
                cart.timer = None;
            }
        }
        Ok(())
    }

    /// Records the provider's answer on the claim, re-reading on conflicts (an event may have
    /// touched the cart meanwhile; the claim itself is ours alone).
    async fn confirm(
        &self,
        msg: &OutboundMsg,
        mut cart: Cart,
        status: SendStatus,
        provider_id: Option<String>,
        note: Option<String>,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        for _ in 0..MAX_ATTEMPTS {
            if let Some(r) = cart.send_mut(msg.step) {
                r.status = status;
                r.provider_id.clone_from(&provider_id);
                r.note.clone_from(&note);
            }
            if status == SendStatus::Sent {
                cart.last_message_at = Some(now);
            }
            match self.carts.put_cart(&cart).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict) => match self.carts.get_cart(&msg.store, &msg.cart).await? {
                    Some(c) => cart = c,
                    None => return Ok(()),
                },
                Err(e) => {
                    tracing::error!(store = %msg.store, cart = %msg.cart, step = msg.step, error = %e, "send outcome not recorded; the claim will read as unknown");
                    return Err(e.into());
                }
            }
        }
        Err(EngineError::Contended)
    }

    /// Undoes a claim after a temporary provider failure, so the redelivered work can send.
    /// If this fails, the claim stays open and is later marked `unknown` (never a duplicate).
    async fn release_claim(&self, msg: &OutboundMsg, now: Timestamp) {
        for _ in 0..MAX_ATTEMPTS {
            let Ok(Some(mut cart)) = self.carts.get_cart(&msg.store, &msg.cart).await else {
                return;
            };
            if cart.send(msg.step).map(|r| r.status) != Some(SendStatus::Claimed) {
                return;
            }
            cart.sends.retain(|r| r.step != msg.step);
            cart.next_step = msg.step;
            if cart.status == CartStatus::Expired {
                cart.status = CartStatus::Abandoned;
            }
            cart.timer = Some(crate::domain::ArmedTimer { seq: msg.seq, due: now });
            match self.carts.put_cart(&cart).await {
                Ok(_) => return,
                Err(StoreError::Conflict) => continue,
                Err(_) => return,
            }
        }
    }
}

/// A coupon code people can type: 12 characters of Crockford base32 (60 random bits).
fn coupon_code(random: [u8; 16]) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bits = [0u8; 8];
    bits.copy_from_slice(&random[..8]);
    let bits = u64::from_le_bytes(bits);
    let code: String = (0..12).map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char).collect();
    format!("CB-{code}")
}
