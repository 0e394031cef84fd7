//! Store API keys: `Authorization: Bearer <key>`.

use crate::error::ApiError;
use axum::http::{HeaderMap, StatusCode, header};
use cartback_core::config::{Config, StoreConfig};
use std::sync::Arc;

/// The store named in the path, when the request's key is that store's. Another store's key
/// gets the same answer as a store that does not exist (404), so keys cannot probe store ids.
pub fn own_store(config: &Config, store: &str, headers: &HeaderMap) -> Result<Arc<StoreConfig>, ApiError> {
    let own = store_for_request(config, headers)?;
    if own.id != store {
        return Err(ApiError::not_found());
    }
    Ok(own.clone())
}

pub fn store_for_request<'a>(config: &'a Config, headers: &HeaderMap) -> Result<&'a Arc<StoreConfig>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "send the store's API key as `Authorization: Bearer <key>`",
        ));
    };
    let key = value
        .to_str()
        .ok()
        // The scheme is case-insensitive (RFC 9110 §11.1): `Bearer`, `bearer`, `BEARER`.
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim())
        .filter(|k| !k.is_empty());
    key.and_then(|k| config.store_for_key(k))
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "invalid_api_key", "the API key is not valid"))
}
