//! The catalogue's use cases: a feed uploaded, the platform read on its schedule, a product
//! webhook applied, and the stored catalogue read. Each replaces or edits the whole stored
//! catalogue, checked against the limits first: a bad feed changes nothing.

use crate::catalogue::{CatalogueError, feed, limits, shopify_products};
use crate::config::StoreConfig;
use crate::domain::catalogue::Catalogue;
use crate::engine::counters::Counter;
use crate::engine::{EngineError, Kernel};
use crate::ports::{CatalogueStore, ProductPages};
use std::sync::Arc;

pub struct Catalogues {
    pub(crate) k: Arc<Kernel>,
    pub(crate) store: Arc<dyn CatalogueStore>,
    pub(crate) pages: Arc<dyn ProductPages>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Json,
    Csv,
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

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RefreshError {
    #[error("the store has no platform to read its catalogue from ([stores.catalogue] shopify_shop)")]
    NoSource,
    #[error("the shop could not be reached: {0}")]
    Unreachable(String),
    #[error("the shop answered HTTP {0}")]
    Status(u16),
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
}

impl RefreshError {
    fn cause(&self) -> String {
        match self {
            RefreshError::NoSource => "no_source".into(),
            RefreshError::Unreachable(_) => "unreachable".into(),
            RefreshError::Status(s) => format!("http_{s}"),
            RefreshError::Catalogue(CatalogueError::Malformed(_)) => "malformed".into(),
            RefreshError::Catalogue(CatalogueError::TooLarge { .. }) => "too_large".into(),
        }
    }
}

/// The most pages read in one refresh: 20 × 250 products, `limits::MAX_PRODUCTS`.
pub const MAX_PAGES: usize = 20;
const PAGE_SIZE: usize = 250;

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
        let source = match format {
            FeedFormat::Json => "feed_json",
            FeedFormat::Csv => "feed_csv",
        };
        let result = match parsed {
            Ok(products) => self.replace(store, source, products).await?,
            Err(e) => Err(e),
        };
        let counter = match &result {
            Ok(_) => "uploaded".to_string(),
            Err(e) => format!("rejected.{}", error_cause(e)),
        };
        self.k.count(&store.id, vec![(Counter::Catalogue(counter), 1)]).await;
        Ok(result)
    }

    async fn replace(
        &self,
        store: &StoreConfig,
        source: &str,
        products: Vec<crate::domain::catalogue::Product>,
    ) -> Result<Result<Summary, CatalogueError>, EngineError> {
        let c = Catalogue {
            store: store.id.clone(),
            source: source.to_string(),
            fetched_at: self.k.clock.now(),
            currency: store.currency,
            products,
        };
        if let Err(e) = limits::check(&c) {
            return Ok(Err(e));
        }
        self.store.put_catalogue(&c).await?;
        Ok(Ok(Summary::of(&c)))
    }

    /// Reads the shop's products (`/products.json`, 250 a page, following `Link: rel="next"`
    /// when the shop gives one) and replaces the catalogue with them.
    pub async fn refresh(&self, store: &StoreConfig) -> Result<Result<Summary, RefreshError>, EngineError> {
        let result = match self.read_shop(store).await {
            Ok(products) => self.replace(store, "shopify_products_json", products).await?.map_err(RefreshError::from),
            Err(e) => Err(e),
        };
        let counter = match &result {
            Ok(_) => "refreshed".to_string(),
            Err(e) => format!("refresh_failed.{}", e.cause()),
        };
        if let Err(e) = &result {
            tracing::warn!(store = %store.id, error = %e, "catalogue refresh failed; the stored catalogue stays");
        }
        self.k.count(&store.id, vec![(Counter::Catalogue(counter), 1)]).await;
        Ok(result)
    }

    async fn read_shop(&self, store: &StoreConfig) -> Result<Vec<crate::domain::catalogue::Product>, RefreshError> {
        let shop = store.catalogue.shopify_shop.as_deref().ok_or(RefreshError::NoSource)?;
        let mut products = Vec::new();
        let mut url = format!("{shop}/products.json?limit={PAGE_SIZE}");
        for page in 1..=MAX_PAGES {
            let got = self.pages.get(&url, &[]).await.map_err(|e| RefreshError::Unreachable(e.to_string()))?;
            if got.status != 200 {
                return Err(RefreshError::Status(got.status));
            }
            let mut batch = shopify_products::parse_page(&got.body, store.currency, Some(shop))?;
            let full = batch.len() >= PAGE_SIZE;
            products.append(&mut batch);
            if products.len() > limits::MAX_PRODUCTS {
                return Err(CatalogueError::TooLarge {
                    what: format!("more than {} products", limits::MAX_PRODUCTS),
                    limit: limits::MAX_PRODUCTS.to_string(),
                }
                .into());
            }
            url = match (got.next, full) {
                (Some(next), _) => next,
                (None, true) => format!("{shop}/products.json?limit={PAGE_SIZE}&page={}", page + 1),
                (None, false) => return Ok(products),
            };
        }
        Err(CatalogueError::TooLarge { what: format!("more than {MAX_PAGES} pages"), limit: MAX_PAGES.to_string() }
            .into())
    }

    /// Refreshes each store whose catalogue is missing or older than its `refresh_every`:
    /// how many were refreshed. Called by the periodic sweep (scheduler, local runtime).
    pub async fn refresh_due(&self) -> usize {
        let mut done = 0;
        let config = self.k.config.clone();
        for store in config.stores().filter(|s| s.catalogue.shopify_shop.is_some()) {
            let Some(every) = store.catalogue.refresh_every else { continue };
            let due = match self.store.catalogue_fetched_at(&store.id).await {
                Ok(Some(at)) => self.k.clock.now().duration_since(at) >= every,
                Ok(None) => true,
                Err(e) => {
                    tracing::warn!(store = %store.id, error = %e, "catalogue unreadable; refresh skipped");
                    false
                }
            };
            if due && matches!(self.refresh(store).await, Ok(Ok(_))) {
                done += 1;
            }
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
        let mut c = self.store.get_catalogue(&store.id).await?.unwrap_or_else(|| Catalogue {
            store: store.id.clone(),
            source: "shopify_webhooks".into(),
            fetched_at: self.k.clock.now(),
            currency: store.currency,
            products: Vec::new(),
        });
        let applied = if topic == "products/delete" {
            shopify_products::deleted_id(body).map(|id| {
                c.products.retain(|p| p.id != id);
                "deleted"
            })
        } else {
            shopify_products::parse_product(body, store.currency, shop).map(|p| {
                match c.products.iter_mut().find(|q| q.id == p.id) {
                    Some(q) => *q = p,
                    None => c.products.push(p),
                }
                "updated"
            })
        };
        let result = match applied {
            Ok(what) => match limits::check(&c) {
                Ok(_) => {
                    self.store.put_catalogue(&c).await?;
                    Ok(what.to_string())
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let counter = match &result {
            Ok(what) => format!("product_webhooks.{what}"),
            Err(e) => format!("rejected.{}", error_cause(e)),
        };
        self.k.count(&store.id, vec![(Counter::Catalogue(counter), 1)]).await;
        Ok(result.map(|_| ()))
    }
}

fn error_cause(e: &CatalogueError) -> &'static str {
    match e {
        CatalogueError::Malformed(_) => "malformed",
        CatalogueError::TooLarge { .. } => "too_large",
    }
}
