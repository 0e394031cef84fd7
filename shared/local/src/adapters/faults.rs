//! Fault injection for local mode and tests: a channel wrapper that fails the next sends as
//! scripted, the way a provider does (429/5xx → retryable, invalid number → permanent), and a
//! storage wrapper that throttles the next call of a named operation.

use async_trait::async_trait;
use cartback_core::domain::{Cart, Contact, Conversation};
use cartback_core::ports::{CartStore, ChannelError, ChannelSender, LinkRecord, OutgoingMessage, StoreError};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A throttle: nothing was taken.
    Retryable,
    Permanent,
    /// The provider took the message, then the answer was lost (a timeout): it went out.
    TakenThenTimedOut,
    /// Nothing carries the channel (AWS's log-only stand-in for a channel left on `console`).
    Unconfigured,
}

#[derive(Default)]
pub struct FaultQueue(Mutex<VecDeque<Fault>>);

impl FaultQueue {
    pub fn push(&self, f: Fault) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push_back(f);
    }

    fn next(&self) -> Option<Fault> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).pop_front()
    }
}

pub struct FaultyChannel {
    pub inner: Arc<dyn ChannelSender>,
    pub faults: Arc<FaultQueue>,
}

#[async_trait]
impl ChannelSender for FaultyChannel {
    async fn send(&self, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        match self.faults.next() {
            Some(Fault::Retryable) => Err(ChannelError::Retryable("injected: 503 from provider".into())),
            Some(Fault::Permanent) => Err(ChannelError::Permanent("injected: invalid number".into())),
            Some(Fault::Unconfigured) => Err(ChannelError::Unconfigured("injected: sms is on console".into())),
            Some(Fault::TakenThenTimedOut) => {
                self.inner.send(msg).await?;
                Err(ChannelError::Unknown("injected: timed out after the provider took it".into()))
            }
            None => self.inner.send(msg).await,
        }
    }
}

/// Storage faults for tests and local mode: the named operation fails the next time it runs,
/// as DynamoDB does when throttled (`ProvisionedThroughputExceededException` → `Unavailable`).
#[derive(Default)]
pub struct StoreFaults(Mutex<Vec<(&'static str, bool)>>);

impl StoreFaults {
    /// Fails the next call of `op` (a `CartStore` method name) with `StoreError::Unavailable`.
    pub fn throttle_next(&self, op: &'static str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push((op, false));
    }

    /// Fails the next call of `op` with `StoreError::Conflict`, as a concurrent writer would.
    pub fn conflict_next(&self, op: &'static str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push((op, true));
    }

    fn check(&self, op: &'static str) -> Result<(), StoreError> {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let Some(i) = g.iter().position(|(o, _)| *o == op) else { return Ok(()) };
        let (_, conflict) = g.remove(i);
        if conflict {
            Err(StoreError::Conflict)
        } else {
            Err(StoreError::Unavailable(format!("injected: {op} throttled (ProvisionedThroughputExceededException)")))
        }
    }
}

pub struct FaultyStore {
    pub inner: Arc<dyn CartStore>,
    pub faults: Arc<StoreFaults>,
}

#[async_trait]
impl CartStore for FaultyStore {
    async fn get_cart(&self, store: &str, cart: &str) -> Result<Option<Cart>, StoreError> {
        self.faults.check("get_cart")?;
        self.inner.get_cart(store, cart).await
    }
    async fn put_cart(&self, cart: Cart) -> Result<u64, StoreError> {
        self.faults.check("put_cart")?;
        self.inner.put_cart(cart).await
    }
    async fn get_contact(&self, store: &str, key: &str) -> Result<Option<Contact>, StoreError> {
        self.faults.check("get_contact")?;
        self.inner.get_contact(store, key).await
    }
    async fn put_contact(&self, contact: Contact) -> Result<u64, StoreError> {
        self.faults.check("put_contact")?;
        self.inner.put_contact(contact).await
    }
    async fn get_conversation(&self, store: &str, id: &str) -> Result<Option<Conversation>, StoreError> {
        self.faults.check("get_conversation")?;
        self.inner.get_conversation(store, id).await
    }
    async fn put_conversation(&self, c: Conversation) -> Result<u64, StoreError> {
        self.faults.check("put_conversation")?;
        self.inner.put_conversation(c).await
    }
    async fn list_conversations(
        &self,
        store: &str,
        query: &cartback_core::domain::conversation::ListQuery,
    ) -> Result<Vec<Conversation>, StoreError> {
        self.faults.check("list_conversations")?;
        self.inner.list_conversations(store, query).await
    }
    async fn put_link(&self, link: &LinkRecord) -> Result<(), StoreError> {
        self.faults.check("put_link")?;
        self.inner.put_link(link).await
    }
    async fn get_link(&self, token: &str) -> Result<Option<LinkRecord>, StoreError> {
        self.faults.check("get_link")?;
        self.inner.get_link(token).await
    }
    async fn load_for_send(
        &self,
        store: &str,
        cart: &str,
        contact_keys: &[&str],
    ) -> Result<(Option<Cart>, Vec<Contact>), StoreError> {
        self.faults.check("load_for_send")?;
        self.inner.load_for_send(store, cart, contact_keys).await
    }
    async fn claim_send(&self, cart: Cart, contact: Contact, links: Vec<LinkRecord>) -> Result<u64, StoreError> {
        self.faults.check("claim_send")?;
        self.inner.claim_send(cart, contact, links).await
    }
}
