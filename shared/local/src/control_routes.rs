//! `/_local/*`: local mode's control routes. Mounted only by `cartback serve`. They move the
//! clock and show every message sent (addresses and texts), so they answer only callers on
//! this machine (a loopback peer address): `cartback serve --addr 0.0.0.0:8787` shares the API,
//! never the outbox.

use crate::runtime::LocalRuntime;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cartback_http::ApiError;
use jiff::SignedDuration;
use serde_json::{Value, json};
use std::sync::Arc;

/// At most a year per call: enough for any sequence, small enough to stay responsive.
const MAX_ADVANCE_SECS: i64 = 366 * 86_400;

pub fn local_router(rt: Arc<LocalRuntime>) -> Router {
    Router::new()
        .route("/_local/clock/advance", post(advance))
        .route("/_local/clock", get(now))
        .route("/_local/outbox", get(outbox))
        .route("/_local/alerts", get(alerts))
        .route_layer(axum::middleware::from_fn(loopback_only))
        .route("/demo-shop", get(demo_shop))
        .with_state(rt)
}

/// Refuses a control request from another machine, and one a web page could have made: a
/// request without a peer address (an in-process test) is this machine's; a `Host` that is not
/// a loopback name or address is a DNS-rebinding page's (its own name resolving to 127.0.0.1),
/// and any `Origin` is another page's (a cross-site `text/plain` POST needs no preflight) —
/// curl, scripts and the tests send none.
async fn loopback_only(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    if peer.is_some_and(|ip| !ip.is_loopback()) {
        return ApiError::new(StatusCode::FORBIDDEN, "local_only", "the /_local routes answer only this machine")
            .into_response();
    }
    let host = req.headers().get(axum::http::header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_none_or(loopback_host) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "local_only",
            "the /_local routes answer only a loopback Host (localhost, 127.0.0.1, [::1])",
        )
        .into_response();
    }
    // A page of this very server (the demo shop, the browser tests) is same-origin: its
    // `Origin` names the loopback host the request was sent to.
    let origin = req.headers().get(axum::http::header::ORIGIN).and_then(|o| o.to_str().ok());
    let same_origin = |o: &str| {
        let authority = o.strip_prefix("http://").or_else(|| o.strip_prefix("https://"));
        authority.is_some_and(|a| Some(a) == host && loopback_host(a))
    };
    if req.headers().contains_key(axum::http::header::ORIGIN) && !origin.is_some_and(same_origin) {
        return ApiError::new(StatusCode::FORBIDDEN, "cross_site", "the /_local routes refuse requests from web pages")
            .into_response();
    }
    next.run(req).await
}

/// `localhost`, a loopback IPv4 or IPv6 address, with or without a port.
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host
            .rsplit_once(':')
            .map_or(host, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { host }),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A one-page shop wired with the capture snippet: `cartback serve`, then open /demo-shop.
async fn demo_shop() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("../../../clients/web/demo-shop.html"))
}

async fn now(State(rt): State<Arc<LocalRuntime>>) -> Json<Value> {
    Json(json!({"now": rt.now(), "virtual": rt.virtual_clock.is_some()}))
}

async fn advance(State(rt): State<Arc<LocalRuntime>>, body: axum::body::Bytes) -> Result<Json<Value>, ApiError> {
    let invalid = |m: &str| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", m);
    let v: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    let seconds = v
        .get("seconds")
        .and_then(Value::as_i64)
        .filter(|s| (0..=MAX_ADVANCE_SECS).contains(s))
        .ok_or_else(|| invalid("`seconds` must be a whole number from 0 to 31622400"))?;
    if rt.virtual_clock.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "clock_not_virtual",
            "start `cartback serve --clock virtual` to move time",
        ));
    }
    let before = rt.outbox.count();
    let now = rt.advance(SignedDuration::from_secs(seconds)).await.unwrap_or_else(|| rt.now());
    Ok(Json(json!({"now": now, "messages_sent": rt.outbox.count() - before})))
}

async fn outbox(State(rt): State<Arc<LocalRuntime>>) -> Json<Value> {
    Json(json!({"messages": rt.outbox.latest()}))
}

async fn alerts(State(rt): State<Arc<LocalRuntime>>) -> Json<Value> {
    Json(json!({"handoffs": rt.alerts.all()}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{LocalOptions, LocalRuntime};
    use axum::extract::ConnectInfo;
    use tower::ServiceExt;

    async fn outbox_from(ip: [u8; 4]) -> u16 {
        let rt = Arc::new(LocalRuntime::new(cartback_core::config::demo_config(), LocalOptions::default()));
        let mut req = axum::http::Request::get("/_local/outbox").body(axum::body::Body::empty()).unwrap();
        req.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::from((ip, 40000))));
        local_router(rt).oneshot(req).await.unwrap().status().as_u16()
    }

    #[tokio::test]
    async fn the_outbox_answers_this_machine_only() {
        assert_eq!(outbox_from([127, 0, 0, 1]).await, 200);
        assert_eq!(outbox_from([192, 168, 1, 20]).await, 403);
    }
}
