//! In-memory storage with the same conditional-write semantics as the DynamoDB adapter.

use crate::domain::{Cart, Contact};
use crate::ports::{CartStore, ContactTouch, LinkRecord, StatsStore, StoreError};
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
pub struct MemoryStore {
    carts: Mutex<HashMap<(String, String), Cart>>,
    contacts: Mutex<HashMap<(String, String), Contact>>,
    links: Mutex<HashMap<String, LinkRecord>>,
    stats: Mutex<HashMap<String, BTreeMap<String, i64>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a half-written record: every write below is a
    // single insert, so the data is still consistent and we keep serving.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Every cart of a store (local mode's inspection and tests).
    pub fn carts_of(&self, store: &str) -> Vec<Cart> {
        lock(&self.carts)
            .values()
            .filter(|c| c.store == store)
            .cloned()
            .collect()
    }
}

#[async_trait]
impl CartStore for MemoryStore {
    async fn get_cart(&self, store: &str, cart: &str) -> Result<Option<Cart>, StoreError> {
        Ok(lock(&self.carts)
            .get(&(store.to_string(), cart.to_string()))
            .cloned())
    }

    async fn put_cart(&self, cart: &Cart) -> Result<u64, StoreError> {
        let mut map = lock(&self.carts);
        let key = (cart.store.clone(), cart.id.clone());
        let stored = map.get(&key).map_or(0, |c| c.version);
        if stored != cart.version {
            return Err(StoreError::Conflict);
        }
        let mut c = cart.clone();
        c.version += 1;
        let v = c.version;
        map.insert(key, c);
        Ok(v)
    }

    async fn get_contact(&self, store: &str, key: &str) -> Result<Option<Contact>, StoreError> {
        Ok(lock(&self.contacts)
            .get(&(store.to_string(), key.to_string()))
            .cloned())
    }

    async fn put_contact(&self, contact: &Contact) -> Result<u64, StoreError> {
        let mut map = lock(&self.contacts);
        let key = (contact.store.clone(), contact.key.clone());
        let stored = map.get(&key).map_or(0, |c| c.version);
        if stored != contact.version {
            return Err(StoreError::Conflict);
        }
        let mut c = contact.clone();
        c.version += 1;
        let v = c.version;
        map.insert(key, c);
        Ok(v)
    }

    async fn touch_contact(&self, t: &ContactTouch) -> Result<(), StoreError> {
        let mut map = lock(&self.contacts);
        let c = map
            .entry((t.store.clone(), t.key.clone()))
            .or_insert_with(|| Contact::new(&t.store, &t.key));
        if t.phone.is_some() {
            c.phone.clone_from(&t.phone);
        }
        if t.email.is_some() {
            c.email.clone_from(&t.email);
        }
        c.latest_cart = Some(t.latest_cart.clone());
        if let Some(before) = t.forget_before {
            c.recent_sends.retain(|s| *s >= before);
        }
        if let Some(at) = t.sent_at {
            c.recent_sends.push(at);
        }
        c.version += 1;
        Ok(())
    }

    async fn put_link(&self, link: &LinkRecord) -> Result<(), StoreError> {
        lock(&self.links).insert(link.token.clone(), link.clone());
        Ok(())
    }

    async fn get_link(&self, token: &str) -> Result<Option<LinkRecord>, StoreError> {
        Ok(lock(&self.links).get(token).cloned())
    }
}

#[async_trait]
impl StatsStore for MemoryStore {
    async fn add(&self, store: &str, deltas: &[(String, i64)]) -> Result<(), StoreError> {
        let mut map = lock(&self.stats);
        let s = map.entry(store.to_string()).or_default();
        for (k, d) in deltas {
            *s.entry(k.clone()).or_insert(0) += d;
        }
        Ok(())
    }

    async fn get(&self, store: &str) -> Result<BTreeMap<String, i64>, StoreError> {
        Ok(lock(&self.stats).get(store).cloned().unwrap_or_default())
    }
}
