//! Counts every storage and queue request, named after the AWS call the production adapter
//! makes for it, so simulations report what a cart costs in billable requests.

use async_trait::async_trait;
use cartback_core::domain::{Cart, Contact, Conversation};
use cartback_core::ports::{CartStore, LinkRecord, QueueError, Series, StatsStore, StoreError, TimerMsg, TimerQueue};
use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    CartGet,
    CartPut,
    ContactGet,
    ContactPut,
    LinkPut,
    LinkGet,
    LoadForSend,
    ClaimSend,
    StatsAdd,
    StatsGet,
    TimerSqs,
    /// Timers beyond the queue's reach ride on the cart record; the sweeper moves them into
    /// SQS with `SendMessageBatch`, ten to a request: counted as one request per ten timers.
    TimerSweptBatch,
    ConversationGet,
    ConversationPut,
    ConversationList,
}

impl Op {
    const ALL: [Op; 15] = [
        Op::CartGet,
        Op::CartPut,
        Op::ContactGet,
        Op::ContactPut,
        Op::LinkPut,
        Op::LinkGet,
        Op::LoadForSend,
        Op::ClaimSend,
        Op::StatsAdd,
        Op::StatsGet,
        Op::TimerSqs,
        Op::TimerSweptBatch,
        Op::ConversationGet,
        Op::ConversationPut,
        Op::ConversationList,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Op::CartGet => "dynamodb GetItem cart",
            Op::CartPut => "dynamodb PutItem cart (conditional)",
            Op::ContactGet => "dynamodb GetItem contact",
            Op::ContactPut => "dynamodb PutItem contact (conditional)",
            Op::LinkPut => "dynamodb PutItem link",
            Op::LinkGet => "dynamodb GetItem link",
            Op::LoadForSend => "dynamodb BatchGetItem cart+contact",
            Op::ClaimSend => "dynamodb TransactWriteItems claim",
            Op::StatsAdd => "dynamodb UpdateItem stats",
            Op::StatsGet => "dynamodb Query stats",
            Op::TimerSqs => "sqs SendMessage timer (delay <= 900 s)",
            Op::TimerSweptBatch => "sqs SendMessageBatch swept timers (1 per 10)",
            Op::ConversationGet => "dynamodb GetItem conversation",
            Op::ConversationPut => "dynamodb PutItem conversation (conditional)",
            Op::ConversationList => "dynamodb Query conversations",
        }
    }
}

#[derive(Default)]
pub struct RequestCounter {
    hits: [AtomicU64; Op::ALL.len()],
    swept: AtomicU64,
}

impl RequestCounter {
    pub fn new() -> Arc<RequestCounter> {
        Arc::new(RequestCounter::default())
    }

    pub fn hit(&self, op: Op) {
        self.hits[op as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// A long timer the sweeper moved into the queue: every tenth costs a `SendMessageBatch`.
    pub fn swept(&self) {
        if self.swept.fetch_add(1, Ordering::Relaxed).is_multiple_of(10) {
            self.hit(Op::TimerSweptBatch);
        }
    }

    pub fn get(&self, op: Op) -> u64 {
        self.hits[op as usize].load(Ordering::Relaxed)
    }

    pub fn total(&self) -> u64 {
        self.hits.iter().map(|a| a.load(Ordering::Relaxed)).sum()
    }

    /// Everything but the stats counters (reported apart: see docs/benchmarks.md).
    pub fn total_without_stats(&self) -> u64 {
        self.total() - self.get(Op::StatsAdd) - self.get(Op::StatsGet)
    }

    pub fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        Op::ALL.iter().map(|op| (op.name(), self.get(*op))).filter(|(_, n)| *n > 0).collect()
    }
}

/// What each request reads and writes, for a meter that bills it as the production adapter's
/// items would be billed (`cartback simulate` sizes them with the DynamoDB adapter's layout).
pub trait Meter: Send + Sync {
    /// A request that read these records (absent ones cost the minimum).
    fn read(&self, op: Op, carts: &[&Cart], contacts: &[&Contact]);
    /// A request that wrote these records (`ClaimSend` is a transaction).
    fn write(&self, op: Op, carts: &[&Cart], contacts: &[&Contact], links: &[&LinkRecord]);
    /// A statistics write, to `day`'s items.
    fn stats(&self, op: Op, store: &str, day: Date, deltas: &[(String, i64)]);
    /// A statistics read: every item (`None`), or one read-back counter's days.
    fn stats_read(&self, store: &str, key: Option<&str>);
}

/// Wraps any adapter and counts the requests that pass through it.
pub struct Counting<T: ?Sized> {
    pub inner: Arc<T>,
    pub counter: Arc<RequestCounter>,
    pub meter: Option<Arc<dyn Meter>>,
}

impl<T: ?Sized> Counting<T> {
    pub fn new(inner: Arc<T>, counter: Arc<RequestCounter>) -> Counting<T> {
        Counting { inner, counter, meter: None }
    }

    pub fn metered(inner: Arc<T>, counter: Arc<RequestCounter>, meter: Option<Arc<dyn Meter>>) -> Counting<T> {
        Counting { inner, counter, meter }
    }
}

#[async_trait]
impl<T: CartStore + ?Sized> CartStore for Counting<T> {
    async fn get_cart(&self, store: &str, cart: &str) -> Result<Option<Cart>, StoreError> {
        self.counter.hit(Op::CartGet);
        let got = self.inner.get_cart(store, cart).await;
        if let (Some(m), Ok(c)) = (&self.meter, &got) {
            m.read(Op::CartGet, &c.iter().collect::<Vec<_>>(), &[]);
        }
        got
    }
    async fn put_cart(&self, cart: Cart) -> Result<u64, StoreError> {
        self.counter.hit(Op::CartPut);
        if let Some(m) = &self.meter {
            m.write(Op::CartPut, &[&cart], &[], &[]);
        }
        self.inner.put_cart(cart).await
    }
    async fn get_contact(&self, store: &str, key: &str) -> Result<Option<Contact>, StoreError> {
        self.counter.hit(Op::ContactGet);
        let got = self.inner.get_contact(store, key).await;
        if let (Some(m), Ok(c)) = (&self.meter, &got) {
            m.read(Op::ContactGet, &[], &c.iter().collect::<Vec<_>>());
        }
        got
    }
    async fn put_contact(&self, contact: Contact) -> Result<u64, StoreError> {
        self.counter.hit(Op::ContactPut);
        if let Some(m) = &self.meter {
            m.write(Op::ContactPut, &[], &[&contact], &[]);
        }
        self.inner.put_contact(contact).await
    }
    async fn get_conversation(&self, store: &str, id: &str) -> Result<Option<Conversation>, StoreError> {
        self.counter.hit(Op::ConversationGet);
        self.inner.get_conversation(store, id).await
    }
    async fn put_conversation(&self, c: Conversation) -> Result<u64, StoreError> {
        self.counter.hit(Op::ConversationPut);
        self.inner.put_conversation(c).await
    }
    async fn list_conversations(
        &self,
        store: &str,
        query: &cartback_core::domain::conversation::ListQuery,
    ) -> Result<Vec<Conversation>, StoreError> {
        self.counter.hit(Op::ConversationList);
        self.inner.list_conversations(store, query).await
    }
    async fn put_link(&self, link: &LinkRecord) -> Result<(), StoreError> {
        self.counter.hit(Op::LinkPut);
        if let Some(m) = &self.meter {
            m.write(Op::LinkPut, &[], &[], &[link]);
        }
        self.inner.put_link(link).await
    }
    async fn get_link(&self, token: &str) -> Result<Option<LinkRecord>, StoreError> {
        self.counter.hit(Op::LinkGet);
        if let Some(m) = &self.meter {
            m.read(Op::LinkGet, &[], &[]);
        }
        self.inner.get_link(token).await
    }
    async fn load_for_send(
        &self,
        store: &str,
        cart: &str,
        contact_keys: &[&str],
    ) -> Result<(Option<Cart>, Vec<Contact>), StoreError> {
        self.counter.hit(Op::LoadForSend);
        let got = self.inner.load_for_send(store, cart, contact_keys).await;
        if let (Some(m), Ok((c, k))) = (&self.meter, &got) {
            m.read(Op::LoadForSend, &c.iter().collect::<Vec<_>>(), &k.iter().collect::<Vec<_>>());
        }
        got
    }
    async fn claim_send(&self, cart: Cart, contact: Contact, links: Vec<LinkRecord>) -> Result<u64, StoreError> {
        self.counter.hit(Op::ClaimSend);
        if let Some(m) = &self.meter {
            m.write(Op::ClaimSend, &[&cart], &[&contact], &links.iter().collect::<Vec<_>>());
        }
        self.inner.claim_send(cart, contact, links).await
    }
}

#[async_trait]
impl<T: StatsStore + ?Sized> StatsStore for Counting<T> {
    async fn add(&self, store: &str, day: Date, deltas: &[(String, i64)]) -> Result<(), StoreError> {
        self.counter.hit(Op::StatsAdd);
        if let Some(m) = &self.meter {
            m.stats(Op::StatsAdd, store, day, deltas);
        }
        self.inner.add(store, day, deltas).await
    }
    async fn series(&self, store: &str, from: Date, to: Date) -> Result<Series, StoreError> {
        self.counter.hit(Op::StatsGet);
        self.inner.series(store, from, to).await
    }
    async fn get(&self, store: &str) -> Result<BTreeMap<String, i64>, StoreError> {
        self.counter.hit(Op::StatsGet);
        if let Some(m) = &self.meter {
            m.stats_read(store, None);
        }
        self.inner.get(store).await
    }
    async fn get_one(&self, store: &str, key: &str) -> Result<i64, StoreError> {
        self.counter.hit(Op::StatsGet);
        if let Some(m) = &self.meter {
            m.stats_read(store, Some(key));
        }
        self.inner.get_one(store, key).await
    }
    /// One request where the adapter keeps the state together (DynamoDB's one item).
    async fn get_state(&self, store: &str, keys: &[&str]) -> Result<BTreeMap<String, i64>, StoreError> {
        self.counter.hit(Op::StatsGet);
        if let Some(m) = &self.meter {
            m.stats_read(store, keys.first().copied());
        }
        self.inner.get_state(store, keys).await
    }
}

#[async_trait]
impl<T: TimerQueue + ?Sized> TimerQueue for Counting<T> {
    async fn schedule(&self, msg: &TimerMsg, due: Timestamp, now: Timestamp) -> Result<(), QueueError> {
        // Longer timers cost nothing here: the cart write carries them, and the sweep that
        // delivers them is counted when it happens (`RequestCounter::swept`).
        if due.duration_since(now) <= self.inner.max_delay() {
            self.counter.hit(Op::TimerSqs);
        }
        self.inner.schedule(msg, due, now).await
    }

    fn max_delay(&self) -> jiff::SignedDuration {
        self.inner.max_delay()
    }
}
