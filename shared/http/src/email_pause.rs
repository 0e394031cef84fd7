//! The store's e-mail pause (`engine::email_health`), with the store's API key:
//! `GET /v1/stores/{store}/email` says whether e-mail is paused and the rates of the last seven
//! days; `POST /v1/stores/{store}/email/resume` lifts the pause once the merchant has cleaned
//! the list (a second call changes nothing).

use crate::AppState;
use crate::auth::own_store;
use crate::error::ApiError;
use crate::path::Path;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use cartback_core::engine::email_health::{self as health, Window};
use serde_json::{Value, json};

fn state(paused: bool, w: Window) -> Value {
    json!({
        "email": if paused { "paused" } else { "sending" },
        "window_days": health::WINDOW_DAYS,
        "sent": w.sent,
        "bounces": w.bounces,
        "complaints": w.complaints,
        "thresholds": {"bounce_rate": health::BOUNCE_RATE, "complaint_rate": health::COMPLAINT_RATE, "min_sent": health::MIN_SENT},
    })
}

pub async fn get_state(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    let (paused, w) = st.engine.feedback.email_state(&own).await?;
    Ok(Json(state(paused, w)))
}

pub async fn resume(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    let lifted = st.engine.feedback.resume_email(&own).await?;
    let (paused, w) = st.engine.feedback.email_state(&own).await?;
    let mut v = state(paused, w);
    v["resumed"] = json!(lifted > 0);
    Ok(Json(v))
}
