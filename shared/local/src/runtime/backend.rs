//! Where local mode keeps its state: storage, the timer queue and the console outbox, as traits
//! with an in-memory implementation here and a durable one in `cartback-sqlite`.

use crate::adapters::console::{ConsoleChannel, MemoryAlerts, OutboxEntry};
use crate::adapters::memory_queues::{Delivery, MemoryTimerQueue};
use crate::adapters::memory_store::MemoryStore;
use cartback_core::domain::Cart;
use cartback_core::ports::{
    Alerts, CartStore, CatalogueStore, ChannelSender, DeliveryLog, Handoff, HookStore, ShopperRecords, StatsStore,
    TimerMsg, TimerQueue,
};
use jiff::Timestamp;
use std::sync::Arc;

/// The storage ports, plus what local mode needs to inspect and to resume.
pub trait LocalStore: CartStore + StatsStore + DeliveryLog + ShopperRecords + CatalogueStore + HookStore {
    /// Whether the cart still carries this timer (what a sweep of the timer index would find).
    /// A backend that cannot tell says `true`: the timer's work fences itself if it is stale.
    fn has_timer(&self, store: &str, cart: &str, seq: u64) -> bool;
    /// Every cart of a store (inspection and tests).
    fn carts_of(&self, store: &str) -> Vec<Cart>;
    /// The virtual clock's time saved by an earlier run of a durable backend.
    fn saved_clock(&self) -> Option<Timestamp> {
        None
    }
    /// Saves the virtual clock's time so a restart resumes there (durable backends).
    fn save_clock(&self, _now: Timestamp) {}
}

/// How a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Processed: remove it.
    Done,
    /// Failed, retryable: deliver again at this time (the attempt count goes up).
    Retry(Timestamp),
    /// Failed for good, or too often: remove it and count it as dead-lettered.
    Dead,
}

/// The timer queue as local mode drives it. Like SQS, a delivery stays in the queue until it
/// is settled; a durable queue hands out again, after a crash, what was never settled.
pub trait LocalQueue: TimerQueue {
    /// The earliest message due at or before `now`, marked in flight.
    fn take_due(&self, now: Timestamp) -> Option<Delivery<TimerMsg>>;
    fn settle(&self, delivery: &Delivery<TimerMsg>, how: Settle);
    fn next_due(&self) -> Option<Timestamp>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The console "provider": sends are printed and kept for `GET /_local/outbox`.
pub trait Outbox: ChannelSender {
    /// The latest messages, oldest first.
    fn latest(&self) -> Vec<OutboxEntry>;
    /// Messages sent since the outbox was created.
    fn count(&self) -> usize;
}

/// Hand-offs to a human, kept for `GET /_local/alerts`.
pub trait AlertLog: Alerts {
    fn all(&self) -> Vec<Handoff>;
}

/// A complete set of local adapters.
pub struct Backend {
    pub store: Arc<dyn LocalStore>,
    pub queue: Arc<dyn LocalQueue>,
    pub outbox: Arc<dyn Outbox>,
    pub alerts: Arc<dyn AlertLog>,
}

impl AlertLog for MemoryAlerts {
    fn all(&self) -> Vec<Handoff> {
        MemoryAlerts::all(self)
    }
}

impl LocalStore for MemoryStore {
    fn has_timer(&self, store: &str, cart: &str, seq: u64) -> bool {
        MemoryStore::has_timer(self, store, cart, seq)
    }
    fn carts_of(&self, store: &str) -> Vec<Cart> {
        MemoryStore::carts_of(self, store)
    }
}

impl LocalQueue for MemoryTimerQueue {
    fn take_due(&self, now: Timestamp) -> Option<Delivery<TimerMsg>> {
        self.0.pop_due(now)
    }
    fn settle(&self, d: &Delivery<TimerMsg>, how: Settle) {
        // Taking it removed it already; a retry goes back in.
        if let Settle::Retry(at) = how {
            self.0.push(d.msg.clone(), at, d.attempts + 1);
        }
    }
    fn next_due(&self) -> Option<Timestamp> {
        self.0.next_due()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl Outbox for ConsoleChannel {
    fn latest(&self) -> Vec<OutboxEntry> {
        self.outbox()
    }
    fn count(&self) -> usize {
        ConsoleChannel::count(self)
    }
}
