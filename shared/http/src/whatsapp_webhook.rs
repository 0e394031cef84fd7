//! The WhatsApp Cloud API webhook, `/v1/whatsapp/{store}`: Meta's subscription handshake
//! (`GET`) and its signed deliveries (`POST`), which carry both the shopper's messages and the
//! statuses of the messages Cartback sent. `/v1/status/whatsapp/{store}`, the path of earlier
//! releases, is kept as an alias: a Meta app subscribed to it keeps working (docs/providers.md).

use crate::AppState;
use crate::error::{ApiError, read_body};
use crate::path::Path;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use cartback_core::engine::counters::Counter;
use cartback_core::feedback::delivery::DeliveryOutcome;
use serde_json::json;

/// `GET /v1/whatsapp/{store}`: Meta's subscription handshake (`hub.mode=subscribe`,
/// `hub.verify_token`, `hub.challenge`): the challenge is echoed for the store's verify token.
pub async fn verify(State(st): State<AppState>, Path(store_id): Path<String>, uri: Uri) -> Result<Response, ApiError> {
    let store = st.engine.config().store(&store_id).cloned().ok_or_else(ApiError::not_found)?;
    let expected = store.whatsapp_verify_token.clone().ok_or_else(ApiError::not_found)?;
    let q: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let token_ok = get("hub.verify_token")
        .is_some_and(|t| bool::from(subtle::ConstantTimeEq::ct_eq(t.as_bytes(), expected.expose().as_bytes())));
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

/// `POST /v1/whatsapp/{store}`: Meta's webhook, signature-checked. Meta sends the
/// statuses of messages and the shopper's own messages to the same callback URL: each status of
/// a message Cartback sent moves its send record forward, and each message (text, quick-reply
/// button, interactive reply) is handled as an SMS reply is, its answer sent back as free-form
/// WhatsApp text (the shopper's message has just opened the 24-hour window).
pub async fn receive(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let store = st.engine.config().store(&store_id).cloned().ok_or_else(ApiError::not_found)?;
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
    let (updates, left_out) = cartback_core::feedback::whatsapp_statuses::statuses(&bytes)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_payload", e))?;
    if left_out > 0 {
        // Statuses of messages Cartback did not send (the store's other WhatsApp tools) or of a
        // kind it does not use: counted (`webhooks.whatsapp_status.ignored`), not lost in silence.
        let n = i64::try_from(left_out).unwrap_or(i64::MAX);
        st.engine.count(&store.id, vec![(Counter::WebhookIgnored("whatsapp_status"), n)]).await;
    }
    let mut recorded = 0;
    for u in &updates {
        if st.engine.feedback.on_delivery(&store, &u.cart, u.seq, u.status).await? == DeliveryOutcome::Recorded {
            recorded += 1;
        }
    }
    let inbound = cartback_core::conversations::whatsapp_inbound::messages(&bytes);
    let mut actions = Vec::new();
    for m in &inbound {
        actions.push(st.engine.replies.on_whatsapp_message(&store, m).await?.action);
    }
    let body = json!({"statuses": updates.len(), "recorded": recorded, "ignored": left_out, "messages": inbound.len(), "actions": actions});
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}
