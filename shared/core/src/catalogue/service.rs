//! The catalogue's use cases: a feed uploaded, the platform read on its schedule, a product
//! webhook applied, and the stored catalogue read. Each replaces or edits the whole stored
//! catalogue on the version it read (a concurrent edit retries, never overwrites), checked
//! against the limits first: a bad feed changes nothing.

use crate::catalogue::read::{self, RefreshError};
use crate::catalogue::{CatalogueError, feed, limits, shopify_products, woocommerce_products};
use crate::config::StoreConfig;
use crate::domain::catalogue::{Catalogue, Product};
use crate::engine::counters::Counter;
use crate::engine::{EngineError, Kernel, retry_on_conflict};
use crate::ports::{CatalogueStore, ProductPages};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Catalogues {
    pub(crate) k: Arc<Kernel>,
    pub(crate) store: Arc<dyn CatalogueStore>,
    pub(crate) pages: Arc<dyn ProductPages>,
    /// When each store's last scheduled refresh failed (this instance's memory): the schedule
    /// waits `RETRY_AFTER_FAILURE` before trying that shop again.
    pub(crate) failed_at: Mutex<HashMap<String, jiff::Timestamp>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Json,
    Csv,
}

impl FeedFormat {
    fn source(self) -> &'static str {
        match self {
            FeedFormat::Json => "feed_json",
            FeedFormat::Csv => "feed_csv",
        }
    }
}

/// What `GET /v1/stores/{store}/catalogue` shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    pub source: String,
    pub fetched_at: jiff::Timestamp,
    pub products: usize,
    pub variants: usize,
    pub variants_available: usize,
}

impl Summary {
    fn of(c: &Catalogue) -> Self {
        Summary {
            source: c.source.clone(),
            fetched_at: c.fetched_at,
            products: c.products.len(),
            variants: c.variant_count(),
            variants_available: c.products.iter().flat_map(|p| &p.variants).filter(|v| v.available).count(),
        }
    }
}

/// After a failed scheduled refresh, the schedule leaves that shop alone this long.
pub const RETRY_AFTER_FAILURE: jiff::SignedDuration = jiff::SignedDuration::from_mins(30);

impl Catalogues {
    pub async fn get(&self, store: &str) -> Result<Option<Catalogue>, EngineError> {
        Ok(self.store.get_catalogue(store).await?)
    }

    pub async fn summary(&self, store: &str) -> Result<Option<Summary>, EngineError> {
        Ok(self.get(store).await?.as_ref().map(Summary::of))
    }

    /// The store's own feed replaces its catalogue; a feed that does not parse changes nothing.
    pub async fn upload(
        &self,
        store: &StoreConfig,
        format: FeedFormat,
        body: &[u8],
    ) -> Result<Result<Summary, CatalogueError>, EngineError> {
        let parsed = match format {
            FeedFormat::Json => feed::parse_json(body, store.currency),
            FeedFormat::Csv => feed::parse_csv(body, store.currency),
        };
        let result = match parsed {
            Ok(products) => self.replace(store, format.source(), products).await?,
            Err(e) => Err(e),
        };
        let counter = match &result {
            Ok(_) => "uploaded".to_string(),
            Err(e) => format!("rejected.{}", error_cause(e)),
        };
        self.k.count(&store.id, vec![(Counter::Catalogue(counter), 1)]).await;
        Ok(result)
    }

    /// The products replace the stored catalogue, on its current version.
    async fn replace(
        &self,
        store: &StoreConfig,
        source: &str,
        products: Vec<Product>,
    ) -> Result<Result<Summary, CatalogueError>, EngineError> {
        let mut c = Catalogue::empty(&store.id, source, store.currency, self.k.clock.now());
        c.products = products;
        if let Err(e) = limits::check(&c) {
            return Ok(Err(e));
        }
        retry_on_conflict!({
            c.version = self.store.catalogue_head(&store.id).await?.map_or(0, |h| h.version);
            self.store.put_catalogue(&c).await?;
            Ok(())
        })?;
        Ok(Ok(Summary::of(&c)))
    }

    /// Reads the store's products from its platform (`catalogue::read`) and replaces the
    /// catalogue with them; a failure keeps the stored catalogue and is counted by cause.
    pub async fn refresh(&self, store: &StoreConfig) -> Result<Result<Summary, RefreshError>, EngineError> {
        let result = match read::read(self.pages.as_ref(), store).await {
            Ok((source, products)) => self.replace(store, source.name(), products).await?.map_err(RefreshError::from),
            Err(e) => Err(e),
        };
        let counter = match &result {
            Ok(_) => "refreshed".to_string(),
            Err(e) => format!("refresh_failed.{}", e.cause()),
        };
        if let Err(e) = &result {
            let error = e.to_string();
            tracing::warn!(store = %store.id, error = %error.escape_debug(), "catalogue refresh failed; the stored catalogue stays");
        }
        self.k.count(&store.id, vec![(Counter::Catalogue(counter), 1)]).await;
        Ok(result)
    }

    /// Refreshes each store whose catalogue is missing or older than its `refresh_every` (and
    /// whose last failure here is `RETRY_AFTER_FAILURE` old): how many were refreshed. Called
    /// by the periodic sweep (scheduler, local runtime).
    pub async fn refresh_due(&self) -> usize {
        let mut done = 0;
        let config = self.k.config.clone();
        let now = self.k.clock.now();
        for store in config.stores().filter(|s| read::Source::of(s).is_some()) {
            let Some(every) = store.catalogue.refresh_every else { continue };
            let failed = self.failed_at.lock().ok().and_then(|m| m.get(&store.id).copied());
            if failed.is_some_and(|at| now.duration_since(at) < RETRY_AFTER_FAILURE) {
                continue;
            }
            let due = match self.store.catalogue_head(&store.id).await {
                Ok(Some(h)) => now.duration_since(h.fetched_at) >= every,
                Ok(None) => true,
                Err(e) => {
                    tracing::warn!(store = %store.id, error = %e, "catalogue unreadable; refresh skipped");
                    false
                }
            };
            if !due {
                continue;
            }
            let ok = matches!(self.refresh(store).await, Ok(Ok(_)));
            if let Ok(mut m) = self.failed_at.lock() {
                if ok {
                    m.remove(&store.id);
                } else {
                    m.insert(store.id.clone(), now);
                }
            }
            done += usize::from(ok);
        }
        done
    }

    /// A Shopify product webhook (`products/create|update|delete`): the product replaced,
    /// added or taken out of the stored catalogue. Whether it applied.
    pub async fn product_webhook(
        &self,
        store: &StoreConfig,
        topic: &str,
        body: &[u8],
    ) -> Result<Result<(), CatalogueError>, EngineError> {
        let shop = store.catalogue.shopify_shop.as_deref();
        // Parsed once, before any read: a body that is not a product changes nothing.
        let change = if topic == "products/delete" {
            shopify_products::deleted_id(body).map(Change::Delete)
        } else {
            shopify_products::parse_product(body, store.currency, shop).map(|p| Change::PutKeepingLists(Box::new(p)))
        };
        let result = match change {
            Ok(change) => self.apply_change(store, "shopify_webhooks", &change).await?,
            Err(e) => Err(e),
        };
        self.count_webhook(store, result.as_ref().map(|w| *w)).await;
        Ok(result.map(|_| ()))
    }

    /// A WooCommerce product webhook (`product.created|updated|restored|deleted`). A simple
    /// product's body is the whole product; a variable product's (or a variation's) does not
    /// carry the variations, so that product is read again from the store's REST API. When that
    /// read fails the change waits for the next scheduled refresh: answered and counted
    /// (`product_webhooks.deferred.{cause}`), never refused (WooCommerce disables a webhook
    /// after five failed deliveries). What was done: `updated`, `deleted` or `deferred.{cause}`.
    pub async fn woocommerce_product_webhook(
        &self,
        store: &StoreConfig,
        topic: &str,
        body: &[u8],
    ) -> Result<Result<String, CatalogueError>, EngineError> {
        let result = match self.woocommerce_change(store, topic, body).await {
            Ok(WooStep::Apply(change)) => {
                self.apply_change(store, "woocommerce_webhooks", &change).await?.map(str::to_string)
            }
            Ok(WooStep::Deferred(cause)) => Ok(format!("deferred.{cause}")),
            Err(e) => Err(e),
        };
        self.count_webhook(store, result.as_ref().map(String::as_str)).await;
        Ok(result)
    }

    /// What a WooCommerce product webhook changes, reading the product again when its body
    /// cannot say (`Deferred` with the cause when the shop cannot be read now).
    async fn woocommerce_change(
        &self,
        store: &StoreConfig,
        topic: &str,
        body: &[u8],
    ) -> Result<WooStep, CatalogueError> {
        use woocommerce_products::WebhookProduct;
        if topic == "product.deleted" {
            // A product or a variation (WooCommerce ids are one sequence: they never collide).
            return Ok(WooStep::Apply(Change::DeleteAny(woocommerce_products::deleted_id(body)?)));
        }
        let change = match woocommerce_products::webhook_product(woocommerce_products::parse_one(body)?) {
            WebhookProduct::ReadAgain(0) => {
                return Err(CatalogueError::Malformed(
                    "WooCommerce product: a variation without its `parent_id`".into(),
                ));
            }
            WebhookProduct::Whole(p) => {
                let id = p.id.to_string();
                match woocommerce_products::product(*p, Vec::new(), store.currency)? {
                    Some(p) => Change::Put(Box::new(p)),
                    None => Change::Delete(id),
                }
            }
            WebhookProduct::ReadAgain(id) => match read::woocommerce_product(self.pages.as_ref(), store, id).await {
                Ok(Some(p)) => Change::Put(Box::new(p)),
                Ok(None) => Change::Delete(id.to_string()),
                Err(RefreshError::Catalogue(e)) => return Err(e),
                Err(e) => return Ok(WooStep::Deferred(e.cause())),
            },
        };
        Ok(WooStep::Apply(change))
    }

    /// `product_webhooks.{what}`, or `rejected.{cause}`.
    async fn count_webhook(&self, store: &StoreConfig, result: Result<&str, &CatalogueError>) {
        let counter = match result {
            Ok(what) => format!("product_webhooks.{what}"),
            Err(e) => format!("rejected.{}", error_cause(e)),
        };
        self.k.count(&store.id, vec![(Counter::Catalogue(counter), 1)]).await;
    }

    /// One product's change applied to the stored catalogue on the version read (a concurrent
    /// webhook's edit is kept: this one reads again); a catalogue of another currency than the
    /// store's now is started again (`source` names it).
    async fn apply_change(
        &self,
        store: &StoreConfig,
        source: &str,
        change: &Change,
    ) -> Result<Result<&'static str, CatalogueError>, EngineError> {
        retry_on_conflict!({
            let fresh = || Catalogue::empty(&store.id, source, store.currency, self.k.clock.now());
            let mut c = match self.store.get_catalogue(&store.id).await? {
                Some(c) if c.currency == store.currency => c,
                Some(old) => Catalogue { version: old.version, ..fresh() },
                None => fresh(),
            };
            let what = change.apply(&mut c.products);
            match limits::check(&c) {
                Ok(_) => {
                    self.store.put_catalogue(&c).await?;
                    Ok(Ok(what))
                }
                Err(e) => Ok(Err(e)),
            }
        })
    }
}

/// A WooCommerce product webhook's outcome before it is applied.
enum WooStep {
    Apply(Change),
    /// The shop could not be read now: the cause (`http_503`, …).
    Deferred(String),
}

/// What a product webhook does to the products.
enum Change {
    Put(Box<Product>),
    /// A Shopify product webhook's product: its body has no collections and no complementary
    /// products (the Admin GraphQL read has them), so the stored product's are kept.
    PutKeepingLists(Box<Product>),
    Delete(String),
    /// A product, or a variation of one (a product left with no variant goes too).
    DeleteAny(String),
}

impl Change {
    fn apply(&self, products: &mut Vec<Product>) -> &'static str {
        match self {
            Change::Put(p) => {
                match products.iter_mut().find(|q| q.id == p.id) {
                    Some(q) => *q = (**p).clone(),
                    None => products.push((**p).clone()),
                }
                "updated"
            }
            Change::PutKeepingLists(p) => {
                match products.iter_mut().find(|q| q.id == p.id) {
                    Some(q) => {
                        let (collections, goes_with) =
                            (std::mem::take(&mut q.collections), std::mem::take(&mut q.goes_with));
                        *q = Product { collections, goes_with, ..(**p).clone() };
                    }
                    None => products.push((**p).clone()),
                }
                "updated"
            }
            Change::Delete(id) => {
                products.retain(|p| p.id != *id);
                "deleted"
            }
            Change::DeleteAny(id) => {
                products.retain(|p| p.id != *id);
                for p in products.iter_mut() {
                    p.variants.retain(|v| v.id != *id);
                }
                products.retain(|p| !p.variants.is_empty());
                "deleted"
            }
        }
    }
}

pub(crate) fn error_cause(e: &CatalogueError) -> &'static str {
    match e {
        CatalogueError::Malformed(_) => "malformed",
        CatalogueError::TooLarge { .. } => "too_large",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: &str, collections: &[&str]) -> Product {
        Product {
            id: id.into(),
            handle: id.into(),
            title: id.into(),
            product_type: String::new(),
            tags: Vec::new(),
            collections: collections.iter().map(|c| c.to_string()).collect(),
            goes_with: collections.iter().map(|_| "9".to_string()).collect(),
            url: None,
            options: Vec::new(),
            facts: Default::default(),
            variants: Vec::new(),
        }
    }

    #[test]
    fn a_shopify_product_webhook_keeps_the_lists_its_body_does_not_carry() {
        let mut products = vec![product("1", &["winter"])];
        let update = Product { title: "New title".into(), ..product("1", &[]) };
        Change::PutKeepingLists(Box::new(update.clone())).apply(&mut products);
        assert_eq!(products[0].title, "New title");
        assert_eq!(
            (products[0].collections.as_slice(), products[0].goes_with.as_slice()),
            (&["winter".to_string()][..], &["9".to_string()][..])
        );
        // A whole product (a feed, a WooCommerce webhook) replaces them.
        Change::Put(Box::new(update)).apply(&mut products);
        assert!(products[0].collections.is_empty() && products[0].goes_with.is_empty());
        Change::PutKeepingLists(Box::new(product("2", &[]))).apply(&mut products);
        assert_eq!(products.len(), 2, "a new product is added as it is");
    }
}
