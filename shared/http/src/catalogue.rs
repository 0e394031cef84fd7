//! The store's catalogue (docs/catalogue.md), with the store's API key:
//! `GET /v1/stores/{store}/catalogue` shows what is stored; `PUT` replaces it with the store's
//! own feed (`application/json` in Shopify's products.json shape, or `text/csv`); `POST
//! …/catalogue/refresh` reads the shop's products now. A feed that does not parse, or is too
//! large, changes nothing and says why.

use crate::AppState;
use crate::auth::own_store;
use crate::error::{ApiError, read_body};
use crate::path::Path;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use cartback_core::catalogue::{CatalogueError, FeedFormat, RefreshError, Summary};
use serde_json::{Value, json};

/// The largest feed accepted in one request (API Gateway's payload limit is 10 MB, a Lambda
/// function's 6 MB): about 5 000 products with descriptions.
pub const MAX_FEED_BYTES: usize = 5 * 1024 * 1024;

fn summary(s: &Summary) -> Value {
    json!({
        "source": s.source,
        "fetched_at": s.fetched_at.to_string(),
        "products": s.products,
        "variants": s.variants,
        "variants_available": s.variants_available,
    })
}

fn rejected(e: CatalogueError) -> ApiError {
    match e {
        CatalogueError::Malformed(m) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_feed", m),
        e @ CatalogueError::TooLarge { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "catalogue_too_large", e.to_string())
        }
    }
}

pub async fn get_catalogue(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    match st.engine.catalogue.summary(&own.id).await? {
        Some(s) => Ok(Json(summary(&s))),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_catalogue",
            "no catalogue yet: upload a feed (PUT) or configure [stores.catalogue] shopify_shop and refresh",
        )),
    }
}

pub async fn put_catalogue(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").trim().to_ascii_lowercase();
    let format = if ct.starts_with("application/json") {
        FeedFormat::Json
    } else if ct.starts_with("text/csv") {
        FeedFormat::Csv
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the feed as application/json (Shopify's products.json shape) or text/csv",
        ));
    };
    let bytes = read_body(&headers, body, MAX_FEED_BYTES).await?;
    let s = st.engine.catalogue.upload(&own, format, &bytes).await?.map_err(rejected)?;
    Ok(Json(summary(&s)))
}

pub async fn refresh(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    match st.engine.catalogue.refresh(&own).await? {
        Ok(s) => Ok(Json(summary(&s))),
        Err(RefreshError::NoSource) => {
            Err(ApiError::new(StatusCode::CONFLICT, "no_source", RefreshError::NoSource.to_string()))
        }
        Err(RefreshError::Catalogue(e)) => Err(rejected(e)),
        // The shop, not this server, failed: a 4xx the caller can act on (fix the shop's URL or
        // try later), not a 5xx that monitoring would count as Cartback's own error.
        Err(e) => Err(ApiError::new(StatusCode::FAILED_DEPENDENCY, "shop_unavailable", e.to_string())),
    }
}
