//! `POST /v1/events`: the native event API.

use crate::AppState;
use crate::auth::store_for_request;
use crate::error::{ApiError, read_body};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cartback_core::intake::contract::{EventError, FieldError, MAX_BODY_BYTES, parse_event};
use jiff::SignedDuration;

/// Storefront clocks drift; an event this far in the future is refused rather than trusted.
pub(crate) const MAX_CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);

pub async fn post_event(State(st): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let store = store_for_request(st.engine.config(), &headers)?.clone();
    // A body without a Content-Type is refused too: an event must say it is JSON, so that a
    // form post from another site's page (which browsers send without a preflight) never lands.
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the event as application/json",
        ));
    }
    let bytes = read_body(&headers, body, MAX_BODY_BYTES).await?;
    let event = parse_event(&bytes, &store).map_err(|e| match e {
        EventError::Malformed(m) => {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {m}"))
        }
        EventError::Invalid(fields) => ApiError::invalid(fields),
    })?;
    if event.occurred_at > st.engine.now() + MAX_CLOCK_SKEW {
        return Err(ApiError::invalid(vec![FieldError {
            field: "occurred_at".into(),
            code: "occurred_at_in_future",
            message: "`occurred_at` is more than 5 minutes in the future; check the sender's clock".into(),
        }]));
    }
    let r = st.engine.intake.ingest(&store, &event).await?;
    let body = Accepted {
        status: "accepted",
        cart_id: &r.cart_id,
        state: r.state.as_str(),
        duplicate: r.duplicate.then_some(true),
        stale: r.stale.then_some(true),
    };
    Ok((StatusCode::ACCEPTED, axum::Json(body)).into_response())
}

/// The 202 body, fields in the documented order.
#[derive(serde::Serialize)]
struct Accepted<'a> {
    status: &'static str,
    cart_id: &'a str,
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale: Option<bool>,
}
