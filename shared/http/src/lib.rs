//! Cartback's HTTP surface: one axum router, hosted by `lambda_http` in AWS and by a plain
//! tokio listener in local mode, so the exact same code answers in both.

mod auth;
mod collect;
mod consent;
mod coupons;
mod error;
mod events;
mod local;
pub mod rate_limit;
mod replies;
mod restore;
mod stats;
mod status;
mod twilio_form;
mod unsubscribe;
mod webhooks;

pub use error::ApiError;
pub use local::local_router;

use axum::Router;
use axum::routing::{get, post};
use cartback_core::engine::Engine;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    /// The collect route's buckets (per process).
    pub collect_limits: Arc<rate_limit::RateLimiter>,
}

impl AppState {
    pub fn new(engine: Arc<Engine>) -> AppState {
        AppState { engine, collect_limits: Arc::default() }
    }
}

/// The storefront-facing routes: events, restore links, stats (the `ingest` function).
pub fn api_router(engine: Arc<Engine>) -> Router {
    with_fallbacks(api_routes(AppState::new(engine)))
}

/// The provider-facing routes: inbound replies (the `replies` function).
pub fn replies_router(engine: Arc<Engine>) -> Router {
    with_fallbacks(replies_routes(AppState::new(engine)))
}

/// Every public route, as local mode serves them, over one state (one set of rate-limit buckets).
pub fn public_router(engine: Arc<Engine>) -> Router {
    let state = AppState::new(engine);
    with_fallbacks(api_routes(state.clone()).merge(replies_routes(state)))
}

/// Unknown routes and methods answer with the same JSON errors as everything else.
fn with_fallbacks(r: Router) -> Router {
    r.fallback(error::not_found).method_not_allowed_fallback(error::method_not_allowed)
}

fn api_routes(state: AppState) -> Router {
    Router::new()
        .route("/v1/events", post(events::post_event))
        .route("/r/{token}", get(restore::open))
        .route("/v1/stores/{store}/stats", get(stats::get_stats))
        .route("/v1/stores/{store}/consent", get(consent::get_consent))
        .route("/v1/stores/{store}/coupons/{code}", get(coupons::check))
        .route("/v1/stores/{store}/coupons/{code}/redeem", post(coupons::redeem))
        .route("/v1/webhooks/shopify/{store}", post(webhooks::shopify))
        .route("/v1/webhooks/woocommerce/{store}", post(webhooks::woocommerce))
        .route("/v1/collect/{store}", post(collect::collect).options(collect::preflight))
        .route("/v1/unsubscribe/{store}/{token}", get(unsubscribe::confirm).post(unsubscribe::one_click))
        .route("/v1/cartback.js", get(snippet))
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .with_state(state)
}

/// The capture snippet, so a shop can include it straight from its Cartback API (cached a day).
pub const SNIPPET_JS: &str = include_str!("../../../clients/web/cartback.js");

async fn snippet() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        SNIPPET_JS,
    )
}

fn replies_routes(state: AppState) -> Router {
    Router::new()
        .route("/v1/replies/twilio/{store}", post(replies::twilio))
        .route("/v1/status/twilio/{store}", post(status::twilio_status))
        .route("/v1/status/whatsapp/{store}", get(status::whatsapp_verify).post(status::whatsapp_status))
        .with_state(state)
}
