//! `POST /v1/status/twilio/{store}?cart=…&seq=…`: Twilio's `StatusCallback` for the SMS Cartback
//! sent, signature-checked like the replies route. The query names the send record (Twilio
//! signs the full URL, so it cannot be altered); `MessageStatus` moves it forward.

use crate::AppState;
use crate::error::{ApiError, read_body};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use cartback_core::domain::DeliveryStatus;
use cartback_core::engine::DeliveryOutcome;
use cartback_core::twilio;
use serde_json::json;

const MAX_FORM_BYTES: usize = 64 * 1024;

pub async fn twilio_status(
    State(st): State<AppState>,
    Path(store_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let forbidden = |code, msg: &str| ApiError::new(StatusCode::FORBIDDEN, code, msg);
    let store = st.engine.config.store(&store_id).cloned();
    let bytes = read_body(&headers, body, MAX_FORM_BYTES).await?;
    let Some(sig) = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()) else {
        return Err(forbidden("missing_signature", "X-Twilio-Signature is required"));
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let url = format!("{}{}", st.engine.config.public_url, path_and_query);
    let Some(store) = store.filter(|s| twilio::verify(&s.twilio_auth_token, &url, &params, sig)) else {
        return Err(forbidden("invalid_signature", "X-Twilio-Signature does not match this request"));
    };
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
