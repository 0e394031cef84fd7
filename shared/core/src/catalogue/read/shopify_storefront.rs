//! Shopify's public `/products.json`: 250 a page, following `Link: rel="next"` on the shop's
//! own origin when the shop gives one (page numbers otherwise).

use super::{Budget, RefreshError, check_count};
use crate::catalogue::shopify_products;
use crate::config::StoreConfig;
use crate::domain::catalogue::Product;
use crate::ports::{PageRequest, ProductPages};

const PAGE_SIZE: usize = 250;

pub(super) async fn read(pages: &dyn ProductPages, store: &StoreConfig) -> Result<Vec<Product>, RefreshError> {
    let shop = store.catalogue.shopify_shop.as_deref().ok_or(RefreshError::NoSource)?;
    let mut budget = Budget::new();
    let mut products = Vec::new();
    let mut url = format!("{shop}/products.json?limit={PAGE_SIZE}");
    for page in 1.. {
        budget.request()?;
        let got = pages.fetch(&PageRequest::get(&url)).await.map_err(|e| RefreshError::Unreachable(e.to_string()))?;
        if got.status != 200 {
            return Err(RefreshError::Status(got.status));
        }
        let mut batch = shopify_products::parse_page(&got.body, store.currency, Some(shop))?;
        let full = batch.len() >= PAGE_SIZE;
        // Page numbers can list a product twice when the shop changes while it is read.
        batch.retain(|p| !products.iter().any(|q: &Product| q.id == p.id));
        // A shop that ignores the page asked for sends the same page again: nothing new, stop.
        if full && batch.is_empty() {
            break;
        }
        products.append(&mut batch);
        check_count(&products)?;
        url = match (got.next, full) {
            // The shop's own pages only: a `Link` elsewhere is not followed.
            (Some(next), _) if next.starts_with(&format!("{shop}/")) => next,
            (Some(next), _) => return Err(RefreshError::OtherOrigin(next.escape_debug().to_string())),
            (None, true) => format!("{shop}/products.json?limit={PAGE_SIZE}&page={}", page + 1),
            (None, false) => break,
        };
    }
    Ok(products)
}
