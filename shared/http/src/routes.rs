//! The one table of public routes. The routers are built from it, and a test
//! (`tests/routes.rs`) holds it to `docs/openapi.yaml`, to the HTTP API events of
//! `infra/template.yaml` and to docs/deploy-aws.md's function table, both ways, naming any route missing
//! from one of them.

use crate::{
    AppState, cart_events, catalogue, collect, consent, conversations, coupons, email_pause, event_deliveries, on_site,
    rest_hooks, restore, shoppers, stats, twilio_replies, twilio_status, unsubscribe, webhooks, whatsapp_webhook,
};
use axum::Router;
use axum::routing::{MethodRouter, delete, get, options, post, put};

/// The deployed function that serves a route (local mode serves them all in one process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// `cartback-ingest`: storefronts, shoppers' links and the merchant's API.
    Ingest,
    /// `cartback-replies`: what the messaging providers post back.
    Replies,
}

impl Host {
    /// The function's binary and package name (`functions/<name>`, `cartback-<name>`).
    pub fn binary(self) -> &'static str {
        match self {
            Host::Ingest => "cartback-ingest",
            Host::Replies => "cartback-replies",
        }
    }
}

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub host: Host,
    handler: fn() -> MethodRouter<AppState>,
}

macro_rules! route {
    ($method:literal, $path:literal, $host:ident, $handler:expr) => {
        Route { method: $method, path: $path, host: Host::$host, handler: || $handler }
    };
}

/// Every public route: method, path (axum's `{param}` syntax, as OpenAPI and API Gateway write
/// it), the function that serves it, and its handler — one table per function, so each
/// function's binary links only its own handlers (the replies function's reply model, 655 KB,
/// stays out of the ingest function, the storefront's pages and scripts out of the replies one).
pub static INGEST_ROUTES: &[Route] = &[
    route!("POST", "/v1/events", Ingest, post(cart_events::post_event)),
    route!("GET", "/r/{token}", Ingest, get(restore::open)),
    route!("GET", "/v1/stores/{store}/stats", Ingest, get(stats::get_stats)),
    route!("GET", "/v1/stores/{store}/stats/daily", Ingest, get(stats::get_daily)),
    route!("GET", "/v1/stores/{store}/consent", Ingest, get(consent::get_consent)),
    route!("GET", "/v1/stores/{store}/email", Ingest, get(email_pause::get_state)),
    route!("POST", "/v1/stores/{store}/email/resume", Ingest, post(email_pause::resume)),
    route!("GET", "/v1/stores/{store}/catalogue", Ingest, get(catalogue::get_catalogue)),
    route!("PUT", "/v1/stores/{store}/catalogue", Ingest, put(catalogue::put_catalogue)),
    route!("POST", "/v1/stores/{store}/catalogue/refresh", Ingest, post(catalogue::refresh)),
    route!("GET", "/v1/stores/{store}/coupons/{code}", Ingest, get(coupons::check)),
    route!("POST", "/v1/stores/{store}/coupons/{code}/redeem", Ingest, post(coupons::redeem)),
    route!("POST", "/v1/webhooks/shopify/{store}", Ingest, post(webhooks::shopify)),
    route!("POST", "/v1/webhooks/woocommerce/{store}", Ingest, post(webhooks::woocommerce)),
    route!("POST", "/v1/collect/{store}", Ingest, post(collect::collect)),
    route!("OPTIONS", "/v1/collect/{store}", Ingest, options(collect::preflight)),
    route!("GET", "/v1/unsubscribe/{store}/{token}", Ingest, get(unsubscribe::confirm)),
    route!("POST", "/v1/unsubscribe/{store}/{token}", Ingest, post(unsubscribe::one_click)),
    route!("GET", "/v1/on-site/{store}", Ingest, get(on_site::get_on_site)),
    route!("POST", "/v1/on-site/{store}/offer", Ingest, post(crate::offer::post_offer)),
    route!("GET", "/v1/cartback.js", Ingest, get(crate::snippet)),
    route!("GET", "/v1/push/sw.js", Ingest, get(crate::service_worker)),
    route!("GET", "/v1/offer.js", Ingest, get(crate::offer_script)),
    route!("GET", "/healthz", Ingest, get(crate::health)),
    route!("GET", "/v1/stores/{store}/conversations", Ingest, get(conversations::list)),
    route!("GET", "/v1/stores/{store}/conversations/{id}", Ingest, get(conversations::read)),
    route!("POST", "/v1/stores/{store}/conversations/{id}/messages", Ingest, post(conversations::answer)),
    route!("POST", "/v1/stores/{store}/conversations/{id}/readings", Ingest, post(conversations::correct)),
    route!("POST", "/v1/stores/{store}/conversations/{id}/close", Ingest, post(conversations::close)),
    route!("GET", "/v1/stores/{store}/conversations/{id}/context", Ingest, get(conversations::context)),
    route!("POST", "/v1/stores/{store}/conversations/{id}/ready-cart", Ingest, post(conversations::ready_cart)),
    route!("POST", "/v1/stores/{store}/hooks", Ingest, post(rest_hooks::subscribe)),
    route!("GET", "/v1/stores/{store}/hooks", Ingest, get(rest_hooks::list)),
    route!("DELETE", "/v1/stores/{store}/hooks/{id}", Ingest, delete(rest_hooks::unsubscribe)),
    route!("GET", "/v1/stores/{store}/hooks/samples/{type}", Ingest, get(rest_hooks::sample)),
    route!("GET", "/v1/stores/{store}/event-deliveries", Ingest, get(event_deliveries::list)),
    route!("POST", "/v1/stores/{store}/event-deliveries/{id}/replay", Ingest, post(event_deliveries::replay)),
    route!("POST", "/v1/stores/{store}/shoppers/export", Ingest, post(shoppers::export)),
    route!("POST", "/v1/stores/{store}/shoppers/erase", Ingest, post(shoppers::erase)),
    route!("GET", "/inbox/{store}", Ingest, get(crate::inbox_page)),
    route!("GET", "/v1/inbox.js", Ingest, get(crate::inbox_js)),
    route!("GET", "/report/{store}", Ingest, get(crate::report_page)),
    route!("GET", "/v1/report.js", Ingest, get(crate::report_js)),
];

pub static REPLIES_ROUTES: &[Route] = &[
    route!("POST", "/v1/replies/twilio/{store}", Replies, post(twilio_replies::twilio)),
    route!("POST", "/v1/status/twilio/{store}", Replies, post(twilio_status::twilio_status)),
    route!("GET", "/v1/whatsapp/{store}", Replies, get(whatsapp_webhook::verify)),
    route!("POST", "/v1/whatsapp/{store}", Replies, post(whatsapp_webhook::receive)),
    // The WhatsApp webhook's path before it was named for what it receives: a Meta app
    // subscribed to it keeps working.
    route!("GET", "/v1/status/whatsapp/{store}", Replies, get(whatsapp_webhook::verify)),
    route!("POST", "/v1/status/whatsapp/{store}", Replies, post(whatsapp_webhook::receive)),
];

/// Every public route, of both functions.
pub fn routes() -> impl Iterator<Item = &'static Route> {
    INGEST_ROUTES.iter().chain(REPLIES_ROUTES)
}

/// The routes of `tables`, over one state. Two methods on one path merge into one route.
pub(crate) fn build(state: AppState, tables: &[&'static [Route]]) -> Router {
    tables
        .iter()
        .flat_map(|t| t.iter())
        .fold(Router::new(), |router, r| router.route(r.path, (r.handler)()))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_table_holds_its_own_functions_routes() {
        assert!(INGEST_ROUTES.iter().all(|r| r.host == Host::Ingest));
        assert!(REPLIES_ROUTES.iter().all(|r| r.host == Host::Replies));
        assert_eq!(routes().count(), INGEST_ROUTES.len() + REPLIES_ROUTES.len());
    }
}
