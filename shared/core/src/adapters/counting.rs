//! Counts every storage and queue request, named after the AWS call the production adapter
//! makes for it, so simulations report what a cart costs in billable requests.

use crate::domain::{Cart, Contact};
use crate::ports::{
    CartStore, ContactTouch, LinkRecord, OutboundMsg, OutboundQueue, QueueError, StatsStore, StoreError, TimerMsg,
    TimerQueue,
};
use async_trait::async_trait;
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// SQS's longest `DelaySeconds`; longer waits are stored as timer items (design.md §3).
pub const SQS_MAX_DELAY_SECS: i64 = 900;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    CartGet,
    CartPut,
    ContactGet,
    ContactPut,
    ContactTouch,
    LinkPut,
    LinkGet,
    StatsAdd,
    StatsGet,
    TimerSqs,
    TimerStored,
    OutboundSend,
}

impl Op {
    const ALL: [Op; 12] = [
        Op::CartGet,
        Op::CartPut,
        Op::ContactGet,
        Op::ContactPut,
        Op::ContactTouch,
        Op::LinkPut,
        Op::LinkGet,
        Op::StatsAdd,
        Op::StatsGet,
        Op::TimerSqs,
        Op::TimerStored,
        Op::OutboundSend,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Op::CartGet => "dynamodb GetItem cart",
            Op::CartPut => "dynamodb PutItem cart (conditional)",
            Op::ContactGet => "dynamodb GetItem contact",
            Op::ContactPut => "dynamodb PutItem contact (conditional)",
            Op::ContactTouch => "dynamodb UpdateItem contact",
            Op::LinkPut => "dynamodb PutItem link",
            Op::LinkGet => "dynamodb GetItem link",
            Op::StatsAdd => "dynamodb UpdateItem stats",
            Op::StatsGet => "dynamodb Query stats",
            Op::TimerSqs => "sqs SendMessage timer (delay <= 900 s)",
            Op::TimerStored => "dynamodb PutItem timer (delay > 900 s) + sweep share",
            Op::OutboundSend => "sqs SendMessage outbound",
        }
    }
}

#[derive(Default)]
pub struct RequestCounter([AtomicU64; 12]);

impl RequestCounter {
    pub fn new() -> Arc<RequestCounter> {
        Arc::new(RequestCounter::default())
    }

    pub fn hit(&self, op: Op) {
        self.0[op as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self, op: Op) -> u64 {
        self.0[op as usize].load(Ordering::Relaxed)
    }

    pub fn total(&self) -> u64 {
        self.0.iter().map(|a| a.load(Ordering::Relaxed)).sum()
    }

    /// Everything but the stats counters (reported apart: see docs/benchmarks.md).
    pub fn total_without_stats(&self) -> u64 {
        self.total() - self.get(Op::StatsAdd) - self.get(Op::StatsGet)
    }

    pub fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        Op::ALL.iter().map(|op| (op.name(), self.get(*op))).filter(|(_, n)| *n > 0).collect()
    }

    pub fn reset(&self) {
        for a in &self.0 {
            a.store(0, Ordering::Relaxed);
        }
    }
}

/// Wraps any adapter and counts the requests that pass through it.
pub struct Counting<T> {
    pub inner: T,
    pub counter: Arc<RequestCounter>,
}

impl<T> Counting<T> {
    pub fn new(inner: T, counter: Arc<RequestCounter>) -> Counting<T> {
        Counting { inner, counter }
    }
}

#[async_trait]
impl<T: CartStore> CartStore for Counting<T> {
    async fn get_cart(&self, store: &str, cart: &str) -> Result<Option<Cart>, StoreError> {
        self.counter.hit(Op::CartGet);
        self.inner.get_cart(store, cart).await
    }
    async fn put_cart(&self, cart: &Cart) -> Result<u64, StoreError> {
        self.counter.hit(Op::CartPut);
        self.inner.put_cart(cart).await
    }
    async fn get_contact(&self, store: &str, key: &str) -> Result<Option<Contact>, StoreError> {
        self.counter.hit(Op::ContactGet);
        self.inner.get_contact(store, key).await
    }
    async fn put_contact(&self, contact: &Contact) -> Result<u64, StoreError> {
        self.counter.hit(Op::ContactPut);
        self.inner.put_contact(contact).await
    }
    async fn touch_contact(&self, touch: &ContactTouch) -> Result<(), StoreError> {
        self.counter.hit(Op::ContactTouch);
        self.inner.touch_contact(touch).await
    }
    async fn put_link(&self, link: &LinkRecord) -> Result<(), StoreError> {
        self.counter.hit(Op::LinkPut);
        self.inner.put_link(link).await
    }
    async fn get_link(&self, token: &str) -> Result<Option<LinkRecord>, StoreError> {
        self.counter.hit(Op::LinkGet);
        self.inner.get_link(token).await
    }
}

#[async_trait]
impl<T: StatsStore> StatsStore for Counting<T> {
    async fn add(&self, store: &str, deltas: &[(String, i64)]) -> Result<(), StoreError> {
        self.counter.hit(Op::StatsAdd);
        self.inner.add(store, deltas).await
    }
    async fn get(&self, store: &str) -> Result<BTreeMap<String, i64>, StoreError> {
        self.counter.hit(Op::StatsGet);
        self.inner.get(store).await
    }
}

#[async_trait]
impl<T: TimerQueue> TimerQueue for Counting<T> {
    async fn schedule(&self, msg: &TimerMsg, due: Timestamp, now: Timestamp) -> Result<(), QueueError> {
        let delay = due.duration_since(now).as_secs();
        self.counter.hit(if delay <= SQS_MAX_DELAY_SECS { Op::TimerSqs } else { Op::TimerStored });
        self.inner.schedule(msg, due, now).await
    }
}

#[async_trait]
impl<T: OutboundQueue> OutboundQueue for Counting<T> {
    async fn enqueue(&self, msg: &OutboundMsg) -> Result<(), QueueError> {
        self.counter.hit(Op::OutboundSend);
        self.inner.enqueue(msg).await
    }
}

// Shared adapters are passed around as `Arc`s; let an `Arc<T>` stand in for `T`.
#[async_trait]
impl<T: CartStore + ?Sized> CartStore for Arc<T> {
    async fn get_cart(&self, store: &str, cart: &str) -> Result<Option<Cart>, StoreError> {
        (**self).get_cart(store, cart).await
    }
    async fn put_cart(&self, cart: &Cart) -> Result<u64, StoreError> {
        (**self).put_cart(cart).await
    }
    async fn get_contact(&self, store: &str, key: &str) -> Result<Option<Contact>, StoreError> {
        (**self).get_contact(store, key).await
    }
    async fn put_contact(&self, contact: &Contact) -> Result<u64, StoreError> {
        (**self).put_contact(contact).await
    }
    async fn touch_contact(&self, touch: &ContactTouch) -> Result<(), StoreError> {
        (**self).touch_contact(touch).await
    }
    async fn put_link(&self, link: &LinkRecord) -> Result<(), StoreError> {
        (**self).put_link(link).await
    }
    async fn get_link(&self, token: &str) -> Result<Option<LinkRecord>, StoreError> {
        (**self).get_link(token).await
    }
}

#[async_trait]
impl<T: StatsStore + ?Sized> StatsStore for Arc<T> {
    async fn add(&self, store: &str, deltas: &[(String, i64)]) -> Result<(), StoreError> {
        (**self).add(store, deltas).await
    }
    async fn get(&self, store: &str) -> Result<BTreeMap<String, i64>, StoreError> {
        (**self).get(store).await
    }
}

#[async_trait]
impl<T: TimerQueue + ?Sized> TimerQueue for Arc<T> {
    async fn schedule(&self, msg: &TimerMsg, due: Timestamp, now: Timestamp) -> Result<(), QueueError> {
        (**self).schedule(msg, due, now).await
    }
}

#[async_trait]
impl<T: OutboundQueue + ?Sized> OutboundQueue for Arc<T> {
    async fn enqueue(&self, msg: &OutboundMsg) -> Result<(), QueueError> {
        (**self).enqueue(msg).await
    }
}
