//! Shopify's Admin GraphQL API (`catalogue::shopify_graphql`): every variant with its product,
//! page by page on the cursor, with the store's access token. A `THROTTLED` answer is waited out
//! as its cost extension says (what the bucket lacks at its restore rate), three times at most.

use super::{Budget, RefreshError, check_count};
use crate::catalogue::shopify_graphql::{self, Answer};
use crate::config::StoreConfig;
use crate::domain::catalogue::Product;
use crate::ports::{PageRequest, ProductPages};

/// Throttled answers waited out in a row; one more fails the refresh.
const THROTTLE_TRIES: u32 = 3;
/// Longer waits fail the refresh (the next scheduled one tries again).
const MAX_WAIT_SECS: f64 = 10.0;

pub(super) async fn read(pages: &dyn ProductPages, store: &StoreConfig) -> Result<Vec<Product>, RefreshError> {
    let admin = store.catalogue.shopify_admin.as_ref().ok_or(RefreshError::NoSource)?;
    let url = format!("{}/admin/api/{}/graphql.json", admin.origin, admin.api_version);
    let headers = vec![("X-Shopify-Access-Token".to_string(), admin.token.expose().to_string())];
    let mut budget = Budget::new();
    let mut variants = Vec::new();
    let mut cursor: Option<String> = None;
    let mut throttled = 0;
    loop {
        budget.request()?;
        let req = PageRequest {
            url: url.clone(),
            headers: headers.clone(),
            body: Some(shopify_graphql::request_body(cursor.as_deref())),
        };
        let got = pages.fetch(&req).await.map_err(|e| RefreshError::Unreachable(e.to_string()))?;
        if got.status != 200 {
            return Err(RefreshError::Status(got.status));
        }
        match shopify_graphql::parse(&got.body, store.currency)? {
            Answer::Throttled { wait_secs } => {
                throttled += 1;
                if throttled > THROTTLE_TRIES || wait_secs > MAX_WAIT_SECS {
                    return Err(RefreshError::Throttled);
                }
                pages.pause(std::time::Duration::from_secs_f64(wait_secs)).await;
            }
            Answer::Errors(messages) => return Err(RefreshError::Refused(messages.escape_debug().to_string())),
            Answer::Page { variants: mut batch, next } => {
                throttled = 0;
                variants.append(&mut batch);
                if variants.len() > crate::catalogue::limits::MAX_VARIANTS {
                    return Err(crate::catalogue::CatalogueError::TooLarge {
                        what: format!("more than {} variants", crate::catalogue::limits::MAX_VARIANTS),
                        limit: crate::catalogue::limits::MAX_VARIANTS.to_string(),
                    }
                    .into());
                }
                match next {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
        }
    }
    let products = shopify_graphql::products(variants);
    check_count(&products)?;
    Ok(products)
}
