//! Store API keys: `Authorization: Bearer <key>`.

use crate::error::ApiError;
use axum::http::{HeaderMap, StatusCode, header};
use cartback_core::config::{Config, StoreConfig};
use std::sync::Arc;

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
