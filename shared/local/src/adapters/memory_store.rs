//! In-memory storage with the same conditional-write semantics as the DynamoDB adapter.

use async_trait::async_trait;
use cartback_core::domain::catalogue::Catalogue;
use cartback_core::domain::conversation::{LIST_MAX, ListQuery};
use cartback_core::domain::{Cart, Contact, Conversation};
use cartback_core::outbound::DeliveryRecord;
use cartback_core::ports::{
    CartStore, CatalogueStore, DeliveryLog, LinkRecord, Series, ShopperRecords, StatsStore, StoreError,
};
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

/// Records by store, then by id: lookups borrow the caller's `&str`s instead of building keys.
/// Boxed, so growing a map moves pointers rather than whole records. The standard library's
/// randomly keyed SipHash, not a fast unkeyed hash: browser cart ids (`web-…`) are chosen by
/// whoever holds the public snippet key, and with a fixed hash they could be picked to collide
/// and turn every lookup into a scan (it costs about 5 % of local mode's time).
type ByStore<T> = HashMap<String, HashMap<String, Box<T>>>;

#[derive(Default)]
pub struct MemoryStore {
    catalogues: Mutex<HashMap<String, Catalogue>>,
    carts: Mutex<ByStore<Cart>>,
    contacts: Mutex<ByStore<Contact>>,
    links: Mutex<HashMap<String, LinkRecord>>,
    conversations: Mutex<ByStore<Conversation>>,
    stats: Mutex<HashMap<String, BTreeMap<String, i64>>>,
    deliveries: Mutex<HashMap<(String, String), DeliveryRecord>>,
    hooks: Mutex<HashMap<String, Vec<cartback_core::outbound::hooks::HookSubscription>>>,
    /// Per store, per day (always locked after `stats`).
    series: Mutex<HashMap<String, Series>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a half-written record: every write below is a
    // single insert, so the data is still consistent and we keep serving.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn version_of<T>(map: &ByStore<T>, store: &str, id: &str, version: fn(&T) -> u64) -> u64 {
    map.get(store).and_then(|m| m.get(id)).map_or(0, |r| version(r))
}

/// Stores `record` with the next version. The caller has checked the condition.
fn store_next<T>(
    map: &mut ByStore<T>,
    mut record: T,
    keys: fn(&T) -> (&str, &str),
    version: fn(&mut T) -> &mut u64,
) -> u64 {
    *version(&mut record) += 1;
    let v = *version(&mut record);
    let (store, id) = keys(&record);
    // Look up by borrowed keys first: the owned keys are only built for a new record.
    if let Some(slot) = map.get_mut(store).and_then(|m| m.get_mut(id)) {
        **slot = record;
        return v;
    }
    let (store, id) = (store.to_string(), id.to_string());
    map.entry(store).or_default().insert(id, Box::new(record));
    v
}

fn cart_keys(c: &Cart) -> (&str, &str) {
    (&c.store, &c.id)
}

fn contact_keys(c: &Contact) -> (&str, &str) {
    (&c.store, &c.key)
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Whether the cart still carries this timer (what a sweep of the timer index would find).
    pub fn has_timer(&self, store: &str, cart: &str, seq: u64) -> bool {
        lock(&self.carts).get(store).and_then(|m| m.get(cart)).and_then(|c| c.timer).is_some_and(|t| t.seq == seq)
    }

    /// Every cart of a store (local mode's inspection and tests).
    pub fn carts_of(&self, store: &str) -> Vec<Cart> {
        lock(&self.carts).get(store).map(|m| m.values().map(|c| (**c).clone()).collect()).unwrap_or_default()
    }
}

#[async_trait]
impl CartStore for MemoryStore {
    async fn get_cart(&self, store: &str, cart: &str) -> Result<Option<Cart>, StoreError> {
        Ok(lock(&self.carts).get(store).and_then(|m| m.get(cart)).map(|c| (**c).clone()))
    }

    async fn put_cart(&self, cart: Cart) -> Result<u64, StoreError> {
        let mut map = lock(&self.carts);
        if version_of(&map, &cart.store, &cart.id, |c| c.version) != cart.version {
            return Err(StoreError::Conflict);
        }
        Ok(store_next(&mut map, cart, cart_keys, |c| &mut c.version))
    }

    async fn get_conversation(&self, store: &str, id: &str) -> Result<Option<Conversation>, StoreError> {
        Ok(lock(&self.conversations).get(store).and_then(|m| m.get(id)).map(|c| (**c).clone()))
    }

    async fn put_conversation(&self, c: Conversation) -> Result<u64, StoreError> {
        let mut map = lock(&self.conversations);
        if version_of(&map, &c.store, &c.id, |c| c.version) != c.version {
            return Err(StoreError::Conflict);
        }
        Ok(store_next(&mut map, c, |c| (&c.store, &c.id), |c| &mut c.version))
    }

    async fn list_conversations(&self, store: &str, query: &ListQuery) -> Result<Vec<Conversation>, StoreError> {
        let all: Vec<Conversation> = lock(&self.conversations)
            .get(store)
            .map(|m| m.values().filter(|c| query.wants(c)).map(|c| (**c).clone()).collect())
            .unwrap_or_default();
        Ok(query.page(all))
    }

    async fn get_contact(&self, store: &str, key: &str) -> Result<Option<Contact>, StoreError> {
        Ok(lock(&self.contacts).get(store).and_then(|m| m.get(key)).map(|c| (**c).clone()))
    }

    async fn put_contact(&self, contact: Contact) -> Result<u64, StoreError> {
        let mut map = lock(&self.contacts);
        if version_of(&map, &contact.store, &contact.key, |c| c.version) != contact.version {
            return Err(StoreError::Conflict);
        }
        Ok(store_next(&mut map, contact, contact_keys, |c| &mut c.version))
    }

    async fn put_link(&self, link: &LinkRecord) -> Result<(), StoreError> {
        lock(&self.links).insert(link.token.clone(), link.clone());
        Ok(())
    }

    async fn get_link(&self, token: &str) -> Result<Option<LinkRecord>, StoreError> {
        Ok(lock(&self.links).get(token).cloned())
    }

    async fn load_for_send(
        &self,
        store: &str,
        cart: &str,
        contact_keys: &[&str],
    ) -> Result<(Option<Cart>, Vec<Contact>), StoreError> {
        let cart = self.get_cart(store, cart).await?;
        let mut contacts = Vec::new();
        for k in contact_keys {
            contacts.extend(self.get_contact(store, k).await?);
        }
        Ok((cart, contacts))
    }

    async fn claim_send(&self, cart: Cart, contact: Contact, links: Vec<LinkRecord>) -> Result<u64, StoreError> {
        // All or nothing: both conditions are checked under both locks before anything is written.
        let mut carts = lock(&self.carts);
        let mut contacts = lock(&self.contacts);
        if version_of(&carts, &cart.store, &cart.id, |c| c.version) != cart.version
            || version_of(&contacts, &contact.store, &contact.key, |c| c.version) != contact.version
        {
            return Err(StoreError::Conflict);
        }
        let v = store_next(&mut carts, cart, cart_keys, |c| &mut c.version);
        store_next(&mut contacts, contact, contact_keys, |c| &mut c.version);
        if !links.is_empty() {
            let mut map = lock(&self.links);
            for l in links {
                map.insert(l.token.clone(), l);
            }
        }
        Ok(v)
    }
}

#[async_trait]
impl StatsStore for MemoryStore {
    async fn add(&self, store: &str, day: Date, deltas: &[(String, i64)]) -> Result<(), StoreError> {
        let mut map = lock(&self.stats);
        let mut series = lock(&self.series);
        let s = map.entry(store.to_string()).or_default();
        let d = series.entry(store.to_string()).or_default().entry(day).or_default();
        // All or nothing: a counter that would overflow refuses the whole change.
        let mut next = Vec::with_capacity(deltas.len());
        for (k, delta) in deltas {
            let v = s.get(k).copied().unwrap_or(0).checked_add(*delta).ok_or_else(|| overflow(k))?;
            let on_day = d.get(k).copied().unwrap_or(0).checked_add(*delta).ok_or_else(|| overflow(k))?;
            next.push((k, v, on_day));
        }
        for (k, v, on_day) in next {
            s.insert(k.clone(), v);
            d.insert(k.clone(), on_day);
        }
        Ok(())
    }

    async fn series(&self, store: &str, from: Date, to: Date) -> Result<Series, StoreError> {
        Ok(lock(&self.series)
            .get(store)
            .map(|days| days.range(from..=to).map(|(d, c)| (*d, c.clone())).collect())
            .unwrap_or_default())
    }

    async fn get(&self, store: &str) -> Result<BTreeMap<String, i64>, StoreError> {
        Ok(lock(&self.stats).get(store).cloned().unwrap_or_default())
    }

    async fn get_one(&self, store: &str, key: &str) -> Result<i64, StoreError> {
        Ok(lock(&self.stats).get(store).and_then(|s| s.get(key)).copied().unwrap_or(0))
    }
}

#[async_trait]
impl ShopperRecords for MemoryStore {
    async fn all_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        Ok(lock(&self.deliveries).values().filter(|d| d.store == store).cloned().collect())
    }

    async fn delete_delivery(&self, store: &str, id: &str) -> Result<(), StoreError> {
        lock(&self.deliveries).remove(&(store.to_string(), id.to_string()));
        Ok(())
    }

    async fn carts_where(
        &self,
        store: &str,
        matches: &(dyn for<'c> Fn(&'c Cart) -> bool + Send + Sync),
    ) -> Result<Vec<Cart>, StoreError> {
        let carts = lock(&self.carts);
        Ok(carts
            .get(store)
            .map(|m| m.values().filter(|c| matches(c)).map(|c| (**c).clone()).collect())
            .unwrap_or_default())
    }

    async fn conversations_where(
        &self,
        store: &str,
        matches: &(dyn for<'c> Fn(&'c Conversation) -> bool + Send + Sync),
    ) -> Result<Vec<Conversation>, StoreError> {
        let conversations = lock(&self.conversations);
        Ok(conversations
            .get(store)
            .map(|m| m.values().filter(|c| matches(c)).map(|c| (**c).clone()).collect())
            .unwrap_or_default())
    }

    async fn delete_cart(&self, store: &str, id: &str) -> Result<(), StoreError> {
        if let Some(m) = lock(&self.carts).get_mut(store) {
            m.remove(id);
        }
        Ok(())
    }

    async fn delete_contact(&self, store: &str, key: &str) -> Result<(), StoreError> {
        if let Some(m) = lock(&self.contacts).get_mut(store) {
            m.remove(key);
        }
        Ok(())
    }

    async fn delete_link(&self, token: &str) -> Result<(), StoreError> {
        lock(&self.links).remove(token);
        Ok(())
    }

    async fn delete_conversation(&self, store: &str, id: &str) -> Result<(), StoreError> {
        if let Some(m) = lock(&self.conversations).get_mut(store) {
            m.remove(id);
        }
        Ok(())
    }
}

#[async_trait]
impl cartback_core::ports::HookStore for MemoryStore {
    async fn put_hook(&self, h: &cartback_core::outbound::hooks::HookSubscription) -> Result<(), StoreError> {
        let mut all = lock(&self.hooks);
        let list = all.entry(h.store.clone()).or_default();
        match list.iter_mut().find(|x| x.id == h.id) {
            Some(x) => *x = h.clone(),
            None => list.push(h.clone()),
        }
        Ok(())
    }

    async fn list_hooks(
        &self,
        store: &str,
    ) -> Result<Vec<cartback_core::outbound::hooks::HookSubscription>, StoreError> {
        let mut out = lock(&self.hooks).get(store).cloned().unwrap_or_default();
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    async fn delete_hook(&self, store: &str, id: &str) -> Result<bool, StoreError> {
        let mut all = lock(&self.hooks);
        let Some(list) = all.get_mut(store) else { return Ok(false) };
        let before = list.len();
        list.retain(|h| h.id != id);
        Ok(list.len() != before)
    }
}

#[async_trait]
impl DeliveryLog for MemoryStore {
    async fn put_delivery(&self, d: &DeliveryRecord) -> Result<(), StoreError> {
        lock(&self.deliveries).insert((d.store.clone(), d.id.clone()), d.clone());
        Ok(())
    }

    async fn get_delivery(&self, store: &str, id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        Ok(lock(&self.deliveries).get(&(store.to_string(), id.to_string())).cloned())
    }

    async fn list_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        let mut out: Vec<DeliveryRecord> =
            lock(&self.deliveries).values().filter(|d| d.store == store).cloned().collect();
        out.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then_with(|| a.id.cmp(&b.id)));
        out.truncate(LIST_MAX);
        Ok(out)
    }

    async fn retrying_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        Ok(lock(&self.deliveries)
            .values()
            .filter(|d| d.store == store && d.state == cartback_core::outbound::DeliveryState::Retrying)
            .cloned()
            .collect())
    }
}

/// A counter change that would leave the 64-bit range: refused, so a report never wraps.
pub fn overflow(name: &str) -> StoreError {
    StoreError::Fatal(format!("counter `{name}` would overflow: the change was refused"))
}

#[async_trait]
impl CatalogueStore for MemoryStore {
    async fn get_catalogue(&self, store: &str) -> Result<Option<Catalogue>, StoreError> {
        Ok(lock(&self.catalogues).get(store).cloned())
    }

    /// The version without copying the products: asked before every recommending e-mail.
    async fn catalogue_head(
        &self,
        store: &str,
    ) -> Result<Option<cartback_core::domain::catalogue::CatalogueHead>, StoreError> {
        Ok(lock(&self.catalogues)
            .get(store)
            .map(|c| cartback_core::domain::catalogue::CatalogueHead { version: c.version, fetched_at: c.fetched_at }))
    }

    async fn put_catalogue(&self, catalogue: &Catalogue) -> Result<u64, StoreError> {
        let mut all = lock(&self.catalogues);
        if all.get(&catalogue.store).map_or(0, |c| c.version) != catalogue.version {
            return Err(StoreError::Conflict);
        }
        let stored = Catalogue { version: catalogue.version + 1, ..catalogue.clone() };
        all.insert(catalogue.store.clone(), stored);
        Ok(catalogue.version + 1)
    }
}
