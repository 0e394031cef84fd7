//! The store's failed signed events (docs/http-api.md, "Signed events out"), with its API key:
//! `GET …/event-deliveries` lists the dead letters (newest first), `POST
//! …/event-deliveries/{id}/replay` sends one again with the same `webhook-id` and answers the
//! record as it is after the try (`state`: `replayed`, or still `failed` with the new error).

use crate::AppState;
use crate::auth::own_store;
use crate::error::ApiError;
use crate::path::Path;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use cartback_core::outbound::DeliveryRecord;
use serde_json::{Value, json};

/// The record without its body: the event's payload is the merchant's to fetch by replaying.
fn summary(d: &DeliveryRecord) -> Value {
    json!({
        "id": d.id,
        "event_id": d.event_id,
        "type": d.kind.as_str(),
        "url": d.url,
        "attempts": d.attempts,
        "last_error": d.last_error,
        "state": d.state,
        "target": d.target,
        "retries": d.retries,
        "next_attempt_at": d.next_attempt_at.map(|t| t.to_string()),
        "first_failed_at": d.first_failed_at.to_string(),
        "updated_at": d.updated_at.to_string(),
    })
}

pub async fn list(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    own_store(st.engine.config(), &store, &headers)?;
    let all = st.engine.failed_event_deliveries(&store).await?;
    Ok(Json(json!({ "deliveries": all.iter().map(summary).collect::<Vec<_>>() })))
}

pub async fn replay(
    State(st): State<AppState>,
    Path((store, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    own_store(st.engine.config(), &store, &headers)?;
    let d =
        st.engine.replay_event_delivery(&store, &id).await?.ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, "delivery_not_found", "no failed delivery with this id")
        })?;
    Ok(Json(summary(&d)))
}
