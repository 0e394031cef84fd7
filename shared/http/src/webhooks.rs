//! `POST /v1/webhooks/shopify/{store}`: Shopify's checkout and order webhooks, signature-checked
//! and mapped onto the native event contract (`cartback_core::shopify`).

use crate::AppState;
use crate::error::{ApiError, read_body};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cartback_core::event::{EventError, parse_event};
use cartback_core::shopify::{self, Mapped};
use serde_json::json;

/// Shopify's largest payloads (hundreds of line items) stay well below this.
pub const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

pub async fn shopify(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    // A store that does not exist and one without a Shopify secret look the same from outside.
    let store = st.engine.config.store(&store_id).cloned().ok_or_else(ApiError::not_found)?;
    let secret = store.shopify_webhook_secret.clone().ok_or_else(ApiError::not_found)?;
    let bytes = read_body(&headers, body, MAX_WEBHOOK_BYTES).await?;
    let unauthorized = |code, m: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, m);
    let sig = header(&headers, "x-shopify-hmac-sha256")
        .ok_or_else(|| unauthorized("missing_signature", "X-Shopify-Hmac-Sha256 is required"))?;
    if !shopify::verify(&secret, &bytes, sig) {
        return Err(unauthorized(
            "invalid_signature",
            "X-Shopify-Hmac-Sha256 does not match the body and this store's Shopify webhook secret",
        ));
    }
    let bad = |m: &str| ApiError::new(StatusCode::BAD_REQUEST, "missing_header", m);
    let topic = header(&headers, "x-shopify-topic").ok_or_else(|| bad("X-Shopify-Topic is required"))?;
    let delivery = header(&headers, "x-shopify-webhook-id").ok_or_else(|| bad("X-Shopify-Webhook-Id is required"))?;
    let mapped = shopify::map(topic, delivery, &bytes)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_payload", e.to_string()))?;
    let Mapped::Event(native) = mapped else {
        // Acknowledged, so Shopify does not retry it for two days; counted for the merchant.
        let _ = st.engine.stats.add(&store.id, &[("webhooks.shopify.ignored".into(), 1)]).await;
        tracing::info!(store = %store.id, topic, "shopify topic ignored");
        return Ok((StatusCode::OK, axum::Json(json!({"status": "ignored", "topic": topic}))).into_response());
    };
    let event = parse_event(&native, &store).map_err(|e| match e {
        EventError::Malformed(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_payload", m),
        EventError::Invalid(fields) => ApiError::invalid(fields),
    })?;
    let r = st.engine.ingest(&store, &event).await?;
    let body = json!({"status": "accepted", "cart_id": r.cart_id, "state": r.state.as_str(), "duplicate": r.duplicate});
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}
