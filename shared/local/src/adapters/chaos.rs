//! Faults at random, for the chaos run (`cartback chaos`): a storage wrapper that throttles or
//! conflicts a share of calls and crashes (panics) a share of claims before they are written,
//! and a channel wrapper that throttles, refuses, times out after the provider took the message,
//! and crashes before or after the provider call. Every message the provider took is kept in
//! `Taken`, the ground truth the run's invariants are checked against. Each fault is counted.

use crate::adapters::random::SeededRandom;
use async_trait::async_trait;
use cartback_core::domain::{Cart, Channel, Contact, Conversation};
use cartback_core::ports::{CartStore, ChannelError, ChannelSender, LinkRecord, OutgoingMessage, StoreError};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The share of each fault, per call (`0.05` = 5 %).
#[derive(Debug, Clone, Copy)]
pub struct ChaosRates {
    /// Deliveries of due work delivered twice.
    pub duplicate: f64,
    /// Steps crashed: a third before the claim is written, a third after it (before the
    /// provider call), a third after the provider took the message.
    pub crash: f64,
    /// Store calls throttled or in conflict.
    pub store: f64,
    /// Provider answers 429.
    pub throttle: f64,
    /// Provider takes the message, then the answer times out.
    pub timeout_after_accept: f64,
    /// Provider refuses for good.
    pub permanent: f64,
}

/// What the chaos layer did, by kind.
#[derive(Default)]
pub struct ChaosCounts(Mutex<BTreeMap<&'static str, u64>>);

impl ChaosCounts {
    pub fn add(&self, kind: &'static str) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()).entry(kind).or_default() += 1;
    }
    pub fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// One message the provider took.
#[derive(Debug, Clone)]
pub struct TakenMessage {
    pub store: String,
    pub cart: String,
    /// The address it went to (phone or e-mail).
    pub to: String,
    pub step: u32,
    pub channel: Channel,
    pub at: Timestamp,
}

#[derive(Default)]
pub struct Taken(Mutex<Vec<TakenMessage>>);

impl Taken {
    pub fn all(&self) -> Vec<TakenMessage> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

pub struct Chaos {
    pub rates: ChaosRates,
    pub random: SeededRandom,
    pub counts: ChaosCounts,
    pub taken: Taken,
    /// The run's clock (set once the runtime that owns it exists).
    pub clock: std::sync::OnceLock<Arc<dyn cartback_core::ports::Clock>>,
    /// A defect put in on purpose (`cartback chaos --break`), to show an invariant catches it.
    pub broken: Option<Broken>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// The provider is called twice for one message in a thousand.
    DuplicateSend,
    /// The queue loses one due timer in a hundred without dead-lettering it.
    LoseTimer,
    /// One e-mail in ten goes out as an SMS as well (a misrouted channel).
    SmsForEmail,
}

impl Chaos {
    pub fn roll(&self, p: f64) -> bool {
        p > 0.0 && self.random.unit() < p
    }
}

/// A panic that stands for the process dying at that point: the queue delivers the work again.
fn crash(at: &str) -> ! {
    std::panic::panic_any(format!("chaos: crashed {at}"))
}

pub struct ChaosChannel {
    pub inner: Arc<dyn ChannelSender>,
    pub chaos: Arc<Chaos>,
}

#[async_trait]
impl ChannelSender for ChaosChannel {
    async fn send(&self, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        let c = &self.chaos;
        if c.roll(c.rates.crash / 3.0) {
            c.counts.add("crash_after_claim");
            crash("after the claim, before the provider call");
        }
        if c.roll(c.rates.throttle) {
            c.counts.add("provider_throttle");
            return Err(ChannelError::Retryable("chaos: 429".into()));
        }
        if c.roll(c.rates.permanent) {
            c.counts.add("provider_permanent");
            return Err(ChannelError::Permanent("chaos: invalid number".into()));
        }
        let id = self.take(msg).await?;
        if c.broken == Some(Broken::SmsForEmail) && msg.channel == Channel::Email && c.roll(0.1) {
            c.counts.add("broken_sms_for_email");
            self.take(&OutgoingMessage { channel: Channel::Sms, ..msg.clone() }).await?;
        }
        if c.broken == Some(Broken::DuplicateSend) && c.roll(0.001) {
            c.counts.add("broken_duplicate_send");
            self.take(msg).await?;
        }
        if c.roll(c.rates.timeout_after_accept) {
            c.counts.add("provider_timeout_after_accept");
            return Err(ChannelError::Unknown("chaos: timed out after the provider took it".into()));
        }
        if c.roll(c.rates.crash / 3.0) {
            c.counts.add("crash_after_provider");
            crash("after the provider took the message");
        }
        Ok(id)
    }
}

impl ChaosChannel {
    async fn take(&self, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        let id = self.inner.send(msg).await?;
        let m = TakenMessage {
            store: msg.store.clone(),
            cart: msg.cart.clone(),
            to: msg.to.clone(),
            step: msg.step,
            channel: msg.channel,
            at: self.chaos.clock.get().map_or(Timestamp::UNIX_EPOCH, |c| c.now()),
        };
        self.chaos.taken.0.lock().unwrap_or_else(|e| e.into_inner()).push(m);
        Ok(id)
    }
}

pub struct ChaosStore {
    pub inner: Arc<dyn CartStore>,
    pub chaos: Arc<Chaos>,
}

impl ChaosStore {
    fn fault(&self, op: &'static str) -> Result<(), StoreError> {
        let c = &self.chaos;
        if !c.roll(c.rates.store) {
            return Ok(());
        }
        if c.random.unit() < 0.5 {
            c.counts.add("store_throttle");
            Err(StoreError::Unavailable(format!("chaos: {op} throttled")))
        } else {
            c.counts.add("store_conflict");
            Err(StoreError::Conflict)
        }
    }
}

#[async_trait]
impl CartStore for ChaosStore {
    async fn get_cart(&self, store: &str, cart: &str) -> Result<Option<Cart>, StoreError> {
        self.fault("get_cart")?;
        self.inner.get_cart(store, cart).await
    }
    async fn put_cart(&self, cart: Cart) -> Result<u64, StoreError> {
        self.fault("put_cart")?;
        self.inner.put_cart(cart).await
    }
    async fn get_contact(&self, store: &str, key: &str) -> Result<Option<Contact>, StoreError> {
        self.fault("get_contact")?;
        self.inner.get_contact(store, key).await
    }
    async fn put_contact(&self, contact: Contact) -> Result<u64, StoreError> {
        self.fault("put_contact")?;
        self.inner.put_contact(contact).await
    }
    async fn get_conversation(&self, store: &str, id: &str) -> Result<Option<Conversation>, StoreError> {
        self.fault("get_conversation")?;
        self.inner.get_conversation(store, id).await
    }
    async fn put_conversation(&self, c: Conversation) -> Result<u64, StoreError> {
        self.fault("put_conversation")?;
        self.inner.put_conversation(c).await
    }
    async fn list_conversations(
        &self,
        store: &str,
        query: &cartback_core::domain::conversation::ListQuery,
    ) -> Result<Vec<Conversation>, StoreError> {
        self.fault("list_conversations")?;
        self.inner.list_conversations(store, query).await
    }
    async fn put_link(&self, link: &LinkRecord) -> Result<(), StoreError> {
        self.fault("put_link")?;
        self.inner.put_link(link).await
    }
    async fn get_link(&self, token: &str) -> Result<Option<LinkRecord>, StoreError> {
        self.fault("get_link")?;
        self.inner.get_link(token).await
    }
    async fn load_for_send(
        &self,
        store: &str,
        cart: &str,
        contact_keys: &[&str],
    ) -> Result<(Option<Cart>, Vec<Contact>), StoreError> {
        self.fault("load_for_send")?;
        self.inner.load_for_send(store, cart, contact_keys).await
    }
    async fn claim_send(&self, cart: Cart, contact: Contact, links: Vec<LinkRecord>) -> Result<u64, StoreError> {
        let c = &self.chaos;
        if c.roll(c.rates.crash / 3.0) {
            c.counts.add("crash_before_claim");
            crash("before the claim was written");
        }
        self.fault("claim_send")?;
        self.inner.claim_send(cart, contact, links).await
    }
}
