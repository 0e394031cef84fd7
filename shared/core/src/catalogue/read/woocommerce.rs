//! WooCommerce's REST API (`catalogue::woocommerce_products`): published products 100 a page
//! up to `X-WP-TotalPages`, and each variable product's variations, with the store's read-only
//! consumer key as HTTP Basic authentication (WooCommerce accepts it over HTTPS only).

use super::{Budget, RefreshError, check_count};
use crate::catalogue::woocommerce_products::{self, PAGE_SIZE};
use crate::config::StoreConfig;
use crate::domain::catalogue::Product;
use crate::ports::{FetchedPage, PageRequest, ProductPages};
use base64::Engine as _;

pub(super) async fn read(pages: &dyn ProductPages, store: &StoreConfig) -> Result<Vec<Product>, RefreshError> {
    let c = &store.catalogue;
    let (site, (key, secret)) = match (&c.woocommerce_site, &c.woocommerce_keys) {
        (Some(site), Some(keys)) => (site, keys),
        _ => return Err(RefreshError::NoSource),
    };
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", key.expose(), secret.expose()));
    let headers = vec![("Authorization".to_string(), format!("Basic {basic}"))];
    let mut budget = Budget::new();
    let get = async |budget: &mut Budget, url: String| -> Result<FetchedPage, RefreshError> {
        budget.request()?;
        let got = pages
            .fetch(&PageRequest { url, headers: headers.clone(), body: None })
            .await
            .map_err(|e| RefreshError::Unreachable(e.to_string()))?;
        if got.status != 200 {
            return Err(RefreshError::Status(got.status));
        }
        Ok(got)
    };
    let mut products = Vec::new();
    let mut page = 1;
    loop {
        let url = format!("{site}/wp-json/wc/v3/products?per_page={PAGE_SIZE}&page={page}&status=publish");
        let got = get(&mut budget, url).await?;
        let raw = woocommerce_products::parse_products(&got.body)?;
        let full = raw.len() >= PAGE_SIZE;
        for p in raw {
            if products.iter().any(|q: &Product| q.id == p.id.to_string()) {
                continue;
            }
            let variations = if p.kind == "variable" {
                let mut all = Vec::new();
                for vpage in 1.. {
                    let url =
                        format!("{site}/wp-json/wc/v3/products/{}/variations?per_page={PAGE_SIZE}&page={vpage}", p.id);
                    let got = get(&mut budget, url).await?;
                    let mut batch = woocommerce_products::parse_variations(&got.body)?;
                    let more = got.total_pages.map_or(batch.len() >= PAGE_SIZE, |t| vpage < t as usize);
                    all.append(&mut batch);
                    if !more {
                        break;
                    }
                }
                all
            } else {
                Vec::new()
            };
            if let Some(product) = woocommerce_products::product(p, variations, store.currency)? {
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
