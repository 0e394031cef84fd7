//! `POST /v1/status/twilio/{store}?cart=…&seq=…`: Twilio's `StatusCallback` for the SMS Cartback
//! sent, signature-checked like the replies route. The query names the send record (Twilio
//! signs the full URL, so it cannot be altered); `MessageStatus` moves it forward.

use crate::AppState;
use crate::error::ApiError;
use crate::path::Path;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use cartback_core::domain::DeliveryStatus;
use cartback_core::feedback::delivery::DeliveryOutcome;
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
    let outcome = st.engine.feedback.on_delivery(&store, cart, seq, status).await?;
    let word = match outcome {
        DeliveryOutcome::Recorded => "recorded",
        DeliveryOutcome::Unchanged => "unchanged",
        DeliveryOutcome::Unknown => "unknown",
    };
    Ok((StatusCode::OK, axum::Json(json!({"status": word}))).into_response())
}
