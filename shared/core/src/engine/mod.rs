//! The shared kernel, beneath the stages: what every use case shares (`Kernel`: the
//! configuration, the clock, counting, signed events, arming a timer), the one `Outbox` that
//! hands a message to a channel, the errors and the optimistic-retry loop. The use cases are the
//! stages' services (`intake::Intake`, `abandonment::Dispatch`, `conversations::Replies` and
//! `Inbox`, `messaging::Links` and `Coupons`, `feedback::Feedback`, `shopper_data::Rights`),
//! built together by `app::Engine`.

pub mod counters;
mod dead_letters;
pub mod email_health;
pub mod experiments;
pub mod outbox;
pub mod sequential_test;
mod stats;
pub mod stats_buffer;

pub use stats::{DailyRangeError, DailyReport, DayStats, StatsReport};

use crate::config::Config;
use crate::domain::{Cart, Channel, contact_key};
use crate::ports::{ChannelError, Clock, QueueError, RandomSource, StatsStore, StoreError, TimerMsg, TimerQueue};
use counters::Deltas;
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error("unknown store `{0}`")]
    UnknownStore(String),
    #[error("the cart kept changing under us; try again")]
    Contended,
    #[error("no {0} channel is configured")]
    NoChannel(Channel),
}

impl EngineError {
    /// Whether delivering the same work again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            EngineError::Store(e) => e.is_retryable(),
            EngineError::Queue(QueueError::Unavailable(_)) => true,
            EngineError::Channel(ChannelError::Retryable(_)) => true,
            EngineError::Contended => true,
            _ => false,
        }
    }
}

/// Tries of one optimistic read-modify-write before the work goes back to its caller's retry
/// (the queue, the webhook's sender) as `Contended`.
pub(crate) const OPTIMISTIC_ATTEMPTS: usize = 5;

/// `retry_on_conflict!({ attempt })`: runs one optimistic read-modify-write until its
/// conditional write does not lose a race. The block is an attempt (an async block: `return`
/// and `?` end the attempt, not the caller); one that ends in a write conflict reads again and
/// retries, at most `OPTIMISTIC_ATTEMPTS` times in all, then `Contended`. Anything else is the
/// answer. A macro rather than a function over an async closure: the futures it builds must
/// stay `Send` for the HTTP and queue hosts, which async closures cannot yet promise.
macro_rules! retry_on_conflict {
    ($attempt:block) => {{
        let mut outcome = Err($crate::engine::EngineError::Contended);
        for _ in 0..$crate::engine::OPTIMISTIC_ATTEMPTS {
            let attempt: Result<_, $crate::engine::EngineError> = async { $attempt }.await;
            match attempt {
                Err($crate::engine::EngineError::Store($crate::ports::StoreError::Conflict)) => continue,
                other => {
                    outcome = other;
                    break;
                }
            }
        }
        outcome
    }};
}
pub(crate) use retry_on_conflict;

/// What every use case shares: the configuration, the clock and randomness, counting, and
/// publishing signed events. Each stage's service (`intake::Intake`, `abandonment::Dispatch`…)
/// holds it beside the ports of its own; `app::Engine` builds them all from one `Ports`.
pub struct Kernel {
    pub(crate) config: Arc<Config>,
    pub(crate) stats: Arc<dyn StatsStore>,
    /// Off in local mode; deferred in the Lambda functions (stats_buffer.rs).
    pub(crate) stats_buffer: stats_buffer::StatsBuffer,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) random: Arc<dyn RandomSource>,
    /// Signed events to the store's endpoints (`outbound`).
    pub(crate) events_out: Arc<dyn crate::ports::EventsOut>,
    /// Each store's e-mail pause, as last read (`email_health`).
    pub(crate) email_pauses: email_health::PauseCache,
}

impl Kernel {
    pub(crate) fn new(
        config: Arc<Config>,
        stats: Arc<dyn StatsStore>,
        stats_buffer: stats_buffer::StatsBuffer,
        clock: Arc<dyn Clock>,
        random: Arc<dyn RandomSource>,
        events_out: Arc<dyn crate::ports::EventsOut>,
    ) -> Self {
        Kernel { config, stats, stats_buffer, clock, random, events_out, email_pauses: Default::default() }
    }

    /// The stores' configuration, as loaded.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// The host's clock's "now" (a virtual clock in tests and simulations).
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// Counters are best effort: a failed increment is logged, never fails the work it counts
    /// (failing would make the caller retry and count twice).
    pub async fn count(&self, store: &str, deltas: Deltas) {
        if deltas.is_empty() {
            return;
        }
        let deltas: Vec<(String, i64)> = deltas.into_iter().map(|(c, n)| (c.key(), n)).collect();
        let now: Vec<(String, i64)> = if self.stats_buffer.is_deferred() {
            let (now, later): (Vec<_>, Vec<_>) = deltas.into_iter().partition(|(k, _)| stats_buffer::is_read_back(k));
            self.stats_buffer.add(store, &later);
            now
        } else {
            deltas
        };
        self.write_stats(store, &now).await;
    }

    /// Counts at once, never deferred, and says whether it was written: for the counters a
    /// decision rests on (the e-mail pause).
    pub(crate) async fn count_now(&self, store: &str, deltas: &[(counters::Counter, i64)]) -> Result<(), StoreError> {
        let deltas: Vec<(String, i64)> = deltas.iter().map(|(c, n)| (c.key(), *n)).collect();
        let day = self.config.stats_day(store, self.clock.now());
        self.stats.add(store, day, &deltas).await
    }

    async fn write_stats(&self, store: &str, deltas: &[(String, i64)]) {
        if deltas.is_empty() {
            return;
        }
        let day = self.config.stats_day(store, self.clock.now());
        if let Err(e) = self.stats.add(store, day, deltas).await {
            tracing::error!(store, error = %e, changes = deltas.len(), "stats counters not updated");
        }
    }

    /// Whether any of the store's endpoints may want events (so none is built for nothing): its
    /// configured ones, or the REST hooks a store with an `event_webhook_secret` may have.
    pub(crate) fn sends_events(&self, store: &str) -> bool {
        self.config.store(store).is_some_and(|s| s.publishes_events())
    }

    /// Publishes an event built only when the store has endpoints.
    pub(crate) async fn publish(&self, store: &str, event: impl FnOnce() -> Option<crate::outbound::OutEvent>) {
        if self.sends_events(store)
            && let Some(e) = event()
        {
            self.events_out.publish(&e).await;
        }
    }

    /// Writes the changes gathered since the last flush: one write per store. The Lambda
    /// functions call it when an invocation's work is done.
    pub async fn flush_stats(&self) {
        for (store, deltas) in self.stats_buffer.take() {
            self.write_stats(&store, &deltas).await;
        }
    }

    /// In deferred mode, counter changes an event makes while arming the cart's timer ride in
    /// the cart write; returns what to count now instead (changes carried earlier included, when
    /// no timer will carry them on).
    pub(crate) fn carry_stats(&self, cart: &mut Cart, stats: Deltas) -> Deltas {
        if !self.stats_buffer.is_deferred() {
            return stats;
        }
        if cart.timer.is_some() {
            for (c, n) in stats {
                let key = c.key();
                match cart.pending_stats.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, d)) => *d += n,
                    None => cart.pending_stats.push((key, n)),
                }
            }
            return Vec::new();
        }
        let mut out = stats_buffer::take_carried(cart);
        out.extend(stats);
        out
    }

    /// Arms the cart's one timer (a fresh fencing seq) and queues it. Called *before* the cart
    /// write that commits it: if that write loses a race, the queued timer carries a seq the
    /// cart never had and drops itself; the reverse order could commit a timer that never fires.
    pub(crate) async fn arm(
        &self,
        timers: &dyn TimerQueue,
        cart: &mut Cart,
        due: jiff::Timestamp,
        now: jiff::Timestamp,
    ) -> Result<(), EngineError> {
        let t = cart.arm_timer(due);
        // The e-mail address's own contact is read with the cart only when the step this timer
        // is for sends an e-mail (elsewhere it is not needed; a step it was not foreseen for
        // reads it on its own).
        let emails = self
            .config
            .store(&cart.store)
            .and_then(|s| s.steps.get(cart.next_step as usize))
            .is_some_and(|s| s.channel == crate::domain::Channel::Email);
        let msg = TimerMsg {
            v: 1,
            store: cart.store.clone(),
            cart: cart.id.clone(),
            seq: t.seq,
            contact: if emails { timer_contact_keys(cart) } else { cart_contact_key(cart) },
            due: Some(due),
        };
        timers.schedule(&msg, due, now).await?;
        Ok(())
    }

    pub(crate) fn token(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.random.bytes16())
    }
}

/// The contact key of a cart's shopper: phone first, else e-mail, else push subscription
/// (`Customer::first_address`).
pub fn cart_contact_key(cart: &Cart) -> Option<String> {
    cart.customer.first_address().map(|a| contact_key(&cart.store, a.expose()))
}

/// The contact key of the address a message on `channel` goes to (the phone for SMS and
/// WhatsApp, the e-mail address for e-mail, the subscription for web push): where that
/// address's opt-outs are kept.
pub fn address_contact_key(cart: &Cart, channel: crate::domain::Channel) -> Option<String> {
    cart.customer.address(channel).map(|a| contact_key(&cart.store, a.expose()))
}

/// A timer's `contact` (`TimerMsg::contact_keys`): the cart's contact, and the e-mail
/// address's when the cart's is the phone's, so one read brings both.
pub fn timer_contact_keys(cart: &Cart) -> Option<String> {
    let first = cart_contact_key(cart)?;
    match address_contact_key(cart, crate::domain::Channel::Email) {
        Some(e) if e != first => Some(format!("{first},{e}")),
        _ => Some(first),
    }
}
