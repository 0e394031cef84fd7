//! `GET /v1/stores/{store}/consent?phone=…` (or `?email=…`), with the store's API key: the
//! consent evidence kept for one shopper — opt-outs, each change with its time and source, and
//! what the storefront reported for their latest cart (with the consent text version).

use crate::AppState;
use crate::auth::own_store;
use crate::error::ApiError;
use crate::path::Path;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use cartback_core::domain::phone::normalize_phone;
use cartback_core::feedback::delivery::ConsentRecord;

pub async fn get_consent(
    State(st): State<AppState>,
    Path(store): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<ConsentRecord>, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    let params: Vec<(String, String)> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string());
    let invalid = |m: &str| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", m);
    let address = match (get("phone"), get("email")) {
        (Some(p), None) => normalize_phone(&p).ok_or_else(|| invalid("`phone` must be in E.164 form"))?,
        (None, Some(e)) if e.contains('@') && e.len() <= 254 => e.to_ascii_lowercase(),
        (None, Some(_)) => return Err(invalid("`email` is not an e-mail address")),
        _ => return Err(invalid("give exactly one of `phone` or `email`")),
    };
    match st.engine.feedback.consent_record(&own, &address).await? {
        Some(r) => Ok(Json(r)),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, "contact_not_found", "nothing is kept for this address")),
    }
}
