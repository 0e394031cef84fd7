//! The stored catalogue kept in this instance's memory between replies: every free-text reply
//! may consult it, and on DynamoDB a full read is up to 3.5 MB of parts, on SQLite a JSON decode
//! of as much. A read asks only for the head (its version: one small item on DynamoDB, one
//! field on SQLite) and reuses the copy it holds while the version is the same; a write goes
//! through and its catalogue is what the next read returns.

use crate::domain::catalogue::{Catalogue, CatalogueHead};
use crate::ports::{CatalogueStore, StoreError};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct CachedCatalogues {
    inner: Arc<dyn CatalogueStore>,
    held: Mutex<HashMap<String, Arc<Catalogue>>>,
}

impl CachedCatalogues {
    pub fn new(inner: Arc<dyn CatalogueStore>) -> Self {
        CachedCatalogues { inner, held: Mutex::new(HashMap::new()) }
    }

    /// The store's catalogue, shared rather than copied: what a due step reads (its items'
    /// tags for a condition, products to recommend), as often as steps fall due.
    pub async fn shared(&self, store: &str) -> Result<Option<Arc<Catalogue>>, StoreError> {
        let Some(head) = self.inner.catalogue_head(store).await? else {
            self.hold(store, None);
            return Ok(None);
        };
        if let Some(c) = self.held(store).filter(|c| c.version == head.version) {
            return Ok(Some(c));
        }
        let fresh = self.inner.get_catalogue(store).await?.map(Arc::new);
        self.hold(store, fresh.clone());
        Ok(fresh)
    }

    fn held(&self, store: &str) -> Option<Arc<Catalogue>> {
        self.held.lock().ok().and_then(|m| m.get(store).cloned())
    }

    fn hold(&self, store: &str, c: Option<Arc<Catalogue>>) {
        if let Ok(mut m) = self.held.lock() {
            match c {
                Some(c) => m.insert(store.to_string(), c),
                None => m.remove(store),
            };
        }
    }
}

#[async_trait]
impl CatalogueStore for CachedCatalogues {
    async fn get_catalogue(&self, store: &str) -> Result<Option<Catalogue>, StoreError> {
        Ok(self.shared(store).await?.map(|c| (*c).clone()))
    }

    async fn put_catalogue(&self, catalogue: &Catalogue) -> Result<u64, StoreError> {
        let version = self.inner.put_catalogue(catalogue).await?;
        self.hold(&catalogue.store, Some(Arc::new(Catalogue { version, ..catalogue.clone() })));
        Ok(version)
    }

    async fn catalogue_head(&self, store: &str) -> Result<Option<CatalogueHead>, StoreError> {
        self.inner.catalogue_head(store).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A store that counts full reads; another instance's write is a write to it directly.
    #[derive(Default)]
    struct Counting {
        stored: Mutex<Option<Catalogue>>,
        full_reads: AtomicUsize,
    }

    #[async_trait]
    impl CatalogueStore for Counting {
        async fn get_catalogue(&self, _store: &str) -> Result<Option<Catalogue>, StoreError> {
            self.full_reads.fetch_add(1, Ordering::SeqCst);
            Ok(self.stored.lock().unwrap().clone())
        }
        async fn put_catalogue(&self, c: &Catalogue) -> Result<u64, StoreError> {
            let mut s = self.stored.lock().unwrap();
            if s.as_ref().map_or(0, |x| x.version) != c.version {
                return Err(StoreError::Conflict);
            }
            *s = Some(Catalogue { version: c.version + 1, ..c.clone() });
            Ok(c.version + 1)
        }
        async fn catalogue_head(&self, _store: &str) -> Result<Option<CatalogueHead>, StoreError> {
            Ok(self
                .stored
                .lock()
                .unwrap()
                .as_ref()
                .map(|c| CatalogueHead { version: c.version, fetched_at: c.fetched_at }))
        }
    }

    #[tokio::test]
    async fn read_once_while_unchanged_and_again_after_any_write() {
        let eur = crate::domain::money::Currency::parse("EUR").unwrap();
        let inner = Arc::new(Counting::default());
        let cache = CachedCatalogues::new(inner.clone());
        assert_eq!(cache.get_catalogue("s").await.unwrap(), None);
        let c = Catalogue::empty("s", "feed_json", eur, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(cache.put_catalogue(&c).await.unwrap(), 1);
        // Written through this cache: no full read needed.
        let reads = inner.full_reads.load(Ordering::SeqCst);
        for _ in 0..3 {
            assert_eq!(cache.get_catalogue("s").await.unwrap().unwrap().version, 1);
        }
        assert_eq!(inner.full_reads.load(Ordering::SeqCst), reads);
        // Another instance writes: the head's version moves, and the next read is a full one.
        let mut other = inner.get_catalogue("s").await.unwrap().unwrap();
        other.source = "shopify_products_json".into();
        inner.put_catalogue(&other).await.unwrap();
        let got = cache.get_catalogue("s").await.unwrap().unwrap();
        assert_eq!((got.version, got.source.as_str()), (2, "shopify_products_json"));
        assert_eq!(inner.full_reads.load(Ordering::SeqCst), reads + 2);
    }
}
