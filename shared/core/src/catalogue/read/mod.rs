//! Reading a store's catalogue from its platform (`Catalogues::refresh`): which source the
//! store's configuration names, and one reader per source, each bounded in pages, products and
//! time, each leaving the stored catalogue alone when it fails.

mod shopify_admin;
mod shopify_storefront;
mod woocommerce;

use crate::catalogue::{CatalogueError, limits};
use crate::config::StoreConfig;
use crate::domain::catalogue::Product;
use crate::ports::ProductPages;

/// A refresh stops after this long (the scheduler's timeout is 55 s): a slow shop fails it.
pub const REFRESH_BUDGET: std::time::Duration = std::time::Duration::from_secs(40);
/// The most requests one refresh makes (pages, and a WooCommerce product's variations).
pub const MAX_REQUESTS: usize = 400;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RefreshError {
    #[error("the store has no platform to read its catalogue from ([stores.catalogue])")]
    NoSource,
    #[error("the shop could not be reached: {0}")]
    Unreachable(String),
    #[error("the shop answered HTTP {0}")]
    Status(u16),
    #[error("the shop listed no products; the stored catalogue is kept")]
    Empty,
    #[error("the shop's next page is on another origin: {0}")]
    OtherOrigin(String),
    #[error("the platform refused the query: {0}")]
    Refused(String),
    #[error("the platform kept throttling the reads")]
    Throttled,
    #[error("stopped after {0}")]
    OverBudget(String),
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
}

impl RefreshError {
    pub(crate) fn cause(&self) -> String {
        match self {
            RefreshError::NoSource => "no_source".into(),
            RefreshError::Unreachable(_) => "unreachable".into(),
            RefreshError::Status(s) => format!("http_{s}"),
            RefreshError::Empty => "empty".into(),
            RefreshError::OtherOrigin(_) => "other_origin".into(),
            RefreshError::Refused(_) => "refused".into(),
            RefreshError::Throttled => "throttled".into(),
            RefreshError::OverBudget(_) => "over_budget".into(),
            RefreshError::Catalogue(e) => super::service::error_cause(e).into(),
        }
    }
}

/// Where a store's products are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Shopify's public `/products.json`.
    ShopifyStorefront,
    /// Shopify's Admin GraphQL API, with the store's token.
    ShopifyAdmin,
    /// WooCommerce's REST API, with the store's consumer key.
    WooCommerce,
}

impl Source {
    pub fn of(store: &StoreConfig) -> Option<Source> {
        let c = &store.catalogue;
        if c.shopify_admin.is_some() {
            Some(Source::ShopifyAdmin)
        } else if c.shopify_shop.is_some() {
            Some(Source::ShopifyStorefront)
        } else if c.woocommerce_site.is_some() && c.woocommerce_keys.is_some() {
            Some(Source::WooCommerce)
        } else {
            None
        }
    }

    /// The stored catalogue's `source`.
    pub fn name(self) -> &'static str {
        match self {
            Source::ShopifyStorefront => "shopify_products_json",
            Source::ShopifyAdmin => "shopify_admin_graphql",
            Source::WooCommerce => "woocommerce_rest",
        }
    }
}

/// Requests made and time spent, against the refresh's bounds.
pub(crate) struct Budget {
    started: std::time::Instant,
    requests: usize,
}

impl Budget {
    pub(crate) fn new() -> Self {
        Budget { started: std::time::Instant::now(), requests: 0 }
    }

    /// Counts one more request; `Err` once a bound is reached.
    pub(crate) fn request(&mut self) -> Result<(), RefreshError> {
        if self.started.elapsed() > REFRESH_BUDGET {
            return Err(RefreshError::OverBudget(format!("{} s", REFRESH_BUDGET.as_secs())));
        }
        self.requests += 1;
        if self.requests > MAX_REQUESTS {
            return Err(RefreshError::OverBudget(format!("{MAX_REQUESTS} requests")));
        }
        Ok(())
    }
}

/// `Err` once there are more products than a catalogue may hold.
pub(crate) fn check_count(products: &[Product]) -> Result<(), RefreshError> {
    if products.len() > limits::MAX_PRODUCTS {
        return Err(CatalogueError::TooLarge {
            what: format!("more than {} products", limits::MAX_PRODUCTS),
            limit: limits::MAX_PRODUCTS.to_string(),
        }
        .into());
    }
    Ok(())
}

/// The store's products from its platform, and the source they came from.
pub async fn read(pages: &dyn ProductPages, store: &StoreConfig) -> Result<(Source, Vec<Product>), RefreshError> {
    let source = Source::of(store).ok_or(RefreshError::NoSource)?;
    let products = match source {
        Source::ShopifyStorefront => shopify_storefront::read(pages, store).await?,
        Source::ShopifyAdmin => shopify_admin::read(pages, store).await?,
        Source::WooCommerce => woocommerce::read(pages, store).await?,
    };
    if products.is_empty() {
        return Err(RefreshError::Empty);
    }
    Ok((source, products))
}

/// One WooCommerce product read again from the store's REST API (a product webhook named a
/// variable product or one of its variations): `None` when the shop no longer sells it.
pub async fn woocommerce_product(
    pages: &dyn ProductPages,
    store: &StoreConfig,
    id: u64,
) -> Result<Option<Product>, RefreshError> {
    woocommerce::read_one(pages, store, id).await
}
