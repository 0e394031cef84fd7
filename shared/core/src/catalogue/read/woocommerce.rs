//! WooCommerce's REST API (`catalogue::woocommerce_products`): published products 100 a page
//! up to `X-WP-TotalPages`, and each variable product's variations, with the store's read-only
//! consumer key as HTTP Basic authentication (WooCommerce accepts it over HTTPS only).

use super::{Budget, RefreshError, check_count};
use crate::catalogue::woocommerce_products::{self, PAGE_SIZE, RawProduct};
use crate::config::StoreConfig;
use crate::domain::catalogue::Product;
use crate::ports::{FetchedPage, PageRequest, ProductPages};
use base64::Engine as _;

/// The store's REST API with its key.
struct Rest<'a> {
    pages: &'a dyn ProductPages,
    site: &'a str,
    headers: Vec<(String, String)>,
}

impl<'a> Rest<'a> {
    fn of(pages: &'a dyn ProductPages, store: &'a StoreConfig) -> Result<Self, RefreshError> {
        let c = &store.catalogue;
        let (site, (key, secret)) = match (&c.woocommerce_site, &c.woocommerce_keys) {
            (Some(site), Some(keys)) => (site, keys),
            _ => return Err(RefreshError::NoSource),
        };
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", key.expose(), secret.expose()));
        Ok(Rest { pages, site, headers: vec![("Authorization".to_string(), format!("Basic {basic}"))] })
    }

    /// One GET; its status as it came.
    async fn fetch(&self, budget: &mut Budget, path: String) -> Result<FetchedPage, RefreshError> {
        budget.request()?;
        let url = format!("{}/wp-json/wc/v3/{path}", self.site);
        self.pages
            .fetch(&PageRequest { url, headers: self.headers.clone(), body: None })
            .await
            .map_err(|e| RefreshError::Unreachable(e.to_string()))
    }

    /// One GET that must answer 200.
    async fn get(&self, budget: &mut Budget, path: String) -> Result<FetchedPage, RefreshError> {
        let got = self.fetch(budget, path).await?;
        if got.status != 200 {
            return Err(RefreshError::Status(got.status));
        }
        Ok(got)
    }

    /// A variable product's variations, every page.
    async fn variations(
        &self,
        budget: &mut Budget,
        id: u64,
    ) -> Result<Vec<woocommerce_products::RawVariation>, RefreshError> {
        let mut all = Vec::new();
        for page in 1.. {
            let got = self.get(budget, format!("products/{id}/variations?per_page={PAGE_SIZE}&page={page}")).await?;
            let mut batch = woocommerce_products::parse_variations(&got.body)?;
            let more = got.total_pages.map_or(batch.len() >= PAGE_SIZE, |t| page < t as usize);
            all.append(&mut batch);
            if !more {
                break;
            }
        }
        Ok(all)
    }

    /// The product as Cartback keeps it (`None`: nothing of it can be bought).
    async fn product(
        &self,
        budget: &mut Budget,
        p: RawProduct,
        store: &StoreConfig,
    ) -> Result<Option<Product>, RefreshError> {
        let variations = if p.kind == "variable" { self.variations(budget, p.id).await? } else { Vec::new() };
        Ok(woocommerce_products::product(p, variations, store.currency)?)
    }
}

pub(super) async fn read(pages: &dyn ProductPages, store: &StoreConfig) -> Result<Vec<Product>, RefreshError> {
    let rest = Rest::of(pages, store)?;
    let mut budget = Budget::new();
    let mut products = Vec::new();
    let mut page = 1;
    loop {
        let got = rest.get(&mut budget, format!("products?per_page={PAGE_SIZE}&page={page}&status=publish")).await?;
        let raw = woocommerce_products::parse_products(&got.body)?;
        let full = raw.len() >= PAGE_SIZE;
        for p in raw {
            if products.iter().any(|q: &Product| q.id == p.id.to_string()) {
                continue;
            }
            if let Some(product) = rest.product(&mut budget, p, store).await? {
                products.push(product);
            }
        }
        check_count(&products)?;
        let more = got.total_pages.map_or(full, |t| page < t as usize);
        if !more {
            break;
        }
        page += 1;
    }
    Ok(products)
}

/// One product read again (a product webhook named it): `None` when the shop no longer has it
/// (404) or nothing of it can be bought.
pub(super) async fn read_one(
    pages: &dyn ProductPages,
    store: &StoreConfig,
    id: u64,
) -> Result<Option<Product>, RefreshError> {
    let rest = Rest::of(pages, store)?;
    let mut budget = Budget::new();
    let got = rest.fetch(&mut budget, format!("products/{id}")).await?;
    match got.status {
        200 => {}
        404 => return Ok(None),
        s => return Err(RefreshError::Status(s)),
    }
    let p = woocommerce_products::parse_one(&got.body)?;
    rest.product(&mut budget, p, store).await
}
