//! Cartback's HTTP surface: one axum router, hosted by `lambda_http` in AWS and by a plain
//! tokio listener in local mode, so the exact same code answers in both.

mod auth;
mod cart_events;
mod catalogue;
mod collect;
mod consent;
mod conversations;
mod coupons;
mod email_pause;
mod error;
mod event_deliveries;
mod offer;
mod on_site;
mod path;
pub mod rate_limit;
mod rest_hooks;
mod restore;
pub mod routes;
mod shoppers;
mod stats;
mod twilio_form;
mod twilio_replies;
mod twilio_status;
mod unsubscribe;
mod webhooks;
mod whatsapp_webhook;

pub use error::ApiError;
pub use routes::{Host, INGEST_ROUTES, REPLIES_ROUTES, Route, routes};

use axum::Router;
use cartback_core::app::Engine;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    /// The collect route's buckets (per process).
    pub collect_limits: Arc<rate_limit::RateLimiter>,
    /// Snippet phones per store and country calling code (`[stores.snippet]`).
    pub snippet_phones: Arc<rate_limit::RateLimiter>,
}

impl AppState {
    pub fn new(engine: Arc<Engine>) -> AppState {
        AppState { engine, collect_limits: Arc::default(), snippet_phones: Arc::default() }
    }
}

/// The storefront-facing routes: events, restore links, stats (the `ingest` function).
pub fn api_router(engine: Arc<Engine>) -> Router {
    with_fallbacks(routes::build(AppState::new(engine), &[INGEST_ROUTES]))
}

/// The provider-facing routes: inbound replies (the `replies` function).
pub fn replies_router(engine: Arc<Engine>) -> Router {
    with_fallbacks(routes::build(AppState::new(engine), &[REPLIES_ROUTES]))
}

/// Every public route, as local mode serves them, over one state (one set of rate-limit buckets).
pub fn public_router(engine: Arc<Engine>) -> Router {
    with_fallbacks(routes::build(AppState::new(engine), &[INGEST_ROUTES, REPLIES_ROUTES]))
}

/// Unknown routes and methods answer with the same JSON errors as everything else.
fn with_fallbacks(r: Router) -> Router {
    r.fallback(error::not_found).method_not_allowed_fallback(error::method_not_allowed)
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

/// The capture snippet, so a shop can include it straight from its Cartback API (cached a day).
pub const SNIPPET_JS: &str = include_str!("../../../clients/web/cartback.js");

/// The inbox page (docs/conversations.md): static, the store's key typed into it, its script
/// from this origin only.
async fn inbox_page(_store: crate::path::Path<String>) -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; \
                 base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ),
            (axum::http::header::CACHE_CONTROL, "no-store"),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        include_str!("inbox/inbox.html"),
    )
}

/// The report page (docs/http-api.md, the report page): static like the inbox, its charts drawn by its
/// own script from the stats API.
async fn report_page(_store: crate::path::Path<String>) -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; \
                 base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ),
            (axum::http::header::CACHE_CONTROL, "no-store"),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        include_str!("report/report.html"),
    )
}

async fn report_js() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        include_str!("report/report.js"),
    )
}

async fn inbox_js() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        include_str!("inbox/inbox.js"),
    )
}

async fn snippet() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        SNIPPET_JS,
    )
}

/// The on-site offer's dialog (docs/on-site.md), loaded by the snippet only for a store with an
/// offer (cached a day, like the snippet).
pub const OFFER_JS: &str = include_str!("../../../clients/web/offer.js");

async fn offer_script() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        OFFER_JS,
    )
}

/// The web push service worker (docs/web-push.md): the shop's own `/cartback-sw.js` imports it.
pub const SERVICE_WORKER_JS: &str = include_str!("../../../clients/web/cartback-sw.js");

/// Cached an hour: browsers check an imported worker script for updates at most daily anyway.
/// `Service-Worker-Allowed: /` lets a page served by Cartback itself (local mode's /demo-shop)
/// register it for the whole origin.
async fn service_worker() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
            (axum::http::header::HeaderName::from_static("service-worker-allowed"), "/"),
        ],
        SERVICE_WORKER_JS,
    )
}
