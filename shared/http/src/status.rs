//! `POST /v1/status/twilio/{store}?cart=…&seq=…`: Twilio's `StatusCallback` for the SMS Cartback
//! sent, signature-checked like the replies route. The query names the send record (Twilio
//! signs the full URL, so it cannot be altered); `MessageStatus` moves it forward.

use crate::AppState;
use crate::error::{ApiError, read_body};
use crate::path::Path;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use cartback_core::domain::DeliveryStatus;
use cartback_core::engine::DeliveryOutcome;
use serde_json::json;

pub async fn twilio_status(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (store, params) = crate::twilio_form::verified(&st, &store_id, &uri, &headers, body).await?;
    let query: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let q = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let (Some(cart), Some(seq)) = (q("cart"), q("seq").and_then(|s| s.parse::<u64>().ok())) else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_reference", "`cart` and `seq` name the message"));
    };
    let raw = params.iter().find(|(k, _)| k == "MessageStatus").map_or("", |(_, v)| v.as_str());
    // queued, sending, accepted, scheduled…: steps on the way that change nothing here.
    let Some(status) = DeliveryStatus::parse(raw) else {
        return Ok((StatusCode::OK, axum::Json(json!({"status": "ignored"}))).into_response());
    };
    let outcome = st.engine.on_delivery(&store, cart, seq, status).await?;
    let word = match outcome {
        DeliveryOutcome::Recorded => "recorded",
        DeliveryOutcome::Unchanged => "unchanged",
        DeliveryOutcome::Unknown => "unknown",
    };
    Ok((StatusCode::OK, axum::Json(json!({"status": word}))).into_response())
}

/// `GET /v1/status/whatsapp/{store}`: Meta's subscription handshake (`hub.mode=subscribe`,
/// `hub.verify_token`, `hub.challenge`): the challenge is echoed for the store's verify token.
pub async fn whatsapp_verify(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let store = st.engine.config.store(&store_id).cloned().ok_or_else(ApiError::not_found)?;
    let expected = store.whatsapp_verify_token.clone().ok_or_else(ApiError::not_found)?;
    let q: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let token_ok = get("hub.verify_token")
        .is_some_and(|t| bool::from(subtle::ConstantTimeEq::ct_eq(t.as_bytes(), expected.as_bytes())));
    match (get("hub.mode"), get("hub.challenge")) {
        (Some("subscribe"), Some(challenge)) if token_ok => {
            Ok(([(axum::http::header::CONTENT_TYPE, "text/plain")], challenge.to_string()).into_response())
        }
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "verification_failed",
            "hub.mode, hub.verify_token or hub.challenge is wrong",
        )),
    }
}

/// `POST /v1/status/whatsapp/{store}`: Meta's message statuses, signature-checked; each status
/// of a message Cartback sent moves its send record forward.
pub async fn whatsapp_status(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let store = st.engine.config.store(&store_id).cloned().ok_or_else(ApiError::not_found)?;
    let secret = store.whatsapp_app_secret.clone().ok_or_else(ApiError::not_found)?;
    let bytes = read_body(&headers, body, 1024 * 1024).await?;
    let unauthorized = |code, m: &str| ApiError::new(StatusCode::UNAUTHORIZED, code, m);
    let sig = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("missing_signature", "X-Hub-Signature-256 is required"))?;
    if !cartback_core::feedback::whatsapp_statuses::verify(secret.expose(), &bytes, sig) {
        return Err(unauthorized(
            "invalid_signature",
            "X-Hub-Signature-256 does not match the body and the app secret",
        ));
    }
    let updates = cartback_core::feedback::whatsapp_statuses::statuses(&bytes)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_payload", e))?;
    let mut recorded = 0;
    for u in &updates {
        if st.engine.on_delivery(&store, &u.cart, u.seq, u.status).await? == DeliveryOutcome::Recorded {
            recorded += 1;
        }
    }
    Ok((StatusCode::OK, axum::Json(json!({"statuses": updates.len(), "recorded": recorded}))).into_response())
}
