//! REST hooks for automation tools (docs/automation.md), with the store's API key:
//! - `POST /v1/stores/{store}/hooks` `{"target_url", "events": [...]}` (or `"event"`; Zapier's
//!   `hookUrl` is read as `target_url`) subscribes: `201` with the subscription, `200` with the
//!   existing one when the same URL and events are subscribed already;
//! - `GET /v1/stores/{store}/hooks` lists them; `DELETE /v1/stores/{store}/hooks/{id}`
//!   unsubscribes (`204`, `404` when there is no such one);
//! - `GET /v1/stores/{store}/hooks/samples/{type}` answers a one-element array with a sample
//!   event of the type, shaped like a delivery's body (the tools' setup screens).

use crate::AppState;
use crate::auth::own_store;
use crate::error::{ApiError, read_body};
use crate::path::Path;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cartback_core::hooks::HookError;
use cartback_core::outbound::hooks::HookSubscription;
use serde_json::{Value, json};

fn view(h: &HookSubscription) -> Value {
    json!({
        "id": h.id,
        "target_url": h.target_url,
        "events": h.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        "created_at": h.created_at.to_string(),
    })
}

fn invalid(m: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_subscription", m)
}

pub async fn subscribe(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let own = own_store(st.engine.config(), &store, &headers)?;
    let bytes = read_body(&headers, body, 8 * 1024).await?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| invalid("the body must be a JSON object"))?;
    let url = ["target_url", "hookUrl"].iter().find_map(|k| v.get(*k)).cloned().unwrap_or(Value::Null);
    let Value::String(url) = url else { return Err(invalid("target_url: a URL is required")) };
    let events: Vec<String> = match (v.get("events"), v.get("event")) {
        (Some(Value::Array(a)), _) => a
            .iter()
            .map(|e| e.as_str().map(str::to_string).ok_or_else(|| invalid("events: strings")))
            .collect::<Result<_, _>>()?,
        (Some(Value::String(one)), _) | (None, Some(Value::String(one))) => vec![one.clone()],
        (None, None) => Vec::new(),
        _ => return Err(invalid("events: an array of event types")),
    };
    match st.engine.hooks.subscribe(&own, &url, &events).await? {
        Ok((hook, created)) => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            Ok((status, Json(view(&hook))).into_response())
        }
        Err(e @ (HookError::NoSecret | HookError::TooMany)) => {
            let code = if e == HookError::NoSecret { "no_event_webhook_secret" } else { "too_many_hooks" };
            Err(ApiError::new(StatusCode::CONFLICT, code, e.to_string()))
        }
        Err(e) => Err(invalid(e.to_string())),
    }
}

pub async fn list(
    State(st): State<AppState>,
    Path(store): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    own_store(st.engine.config(), &store, &headers)?;
    let hooks = st.engine.hooks.list(&store).await?;
    Ok(Json(json!({"hooks": hooks.iter().map(view).collect::<Vec<_>>()})))
}

pub async fn unsubscribe(
    State(st): State<AppState>,
    Path((store, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    own_store(st.engine.config(), &store, &headers)?;
    if st.engine.hooks.unsubscribe(&store, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "hook_not_found", "no subscription with this id"))
    }
}

pub async fn sample(
    State(st): State<AppState>,
    Path((store, kind)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    own_store(st.engine.config(), &store, &headers)?;
    let e = st.engine.hooks.sample(&store, &kind).ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "unknown_event_type", format!("no event type `{}`", kind.escape_debug()))
    })?;
    let body: Value = serde_json::from_str(&e.body()).unwrap_or(Value::Null);
    Ok(Json(Value::Array(vec![body])))
}
