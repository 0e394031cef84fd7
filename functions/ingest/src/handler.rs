//! The ingest function's handler: the storefront-facing routes of the route table
//! (`cartback_http::api_router`), hosted by `cartback_aws::http_host`.

use axum::Router;
use cartback_core::app::Engine;
use std::sync::Arc;

pub fn router(engine: Arc<Engine>) -> Router {
    cartback_http::api_router(engine)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cartback_aws::apigw::request as apigw;
    use cartback_aws::http_host::HttpHost;
    use cartback_aws::wiring::EngineSource;
    use cartback_core::config::{DEMO_API_KEY, DEMO_PUBLISHABLE_KEY, demo_config};
    use cartback_local::{LocalOptions, LocalRuntime};
    use serde_json::{Value, json};

    fn runtime() -> LocalRuntime {
        let opts = LocalOptions {
            virtual_start: Some("2026-11-23T10:00:00Z".parse().unwrap()),
            print: false,
            ..LocalOptions::default()
        };
        LocalRuntime::new(demo_config(), opts)
    }

    #[tokio::test]
    async fn api_gateway_events_are_served_by_the_router() {
        let rt = runtime();
        let host = HttpHost::new(rt.engine.clone(), router);
        let body = include_str!("../../../docs/examples/event.json");
        let bearer = format!("Bearer {DEMO_API_KEY}");
        let auth = [("authorization", bearer.as_str()), ("content-type", "application/json")];
        let resp = host.handle(apigw("POST", "/v1/events", "198.51.100.7", &auth, body)).await;
        assert_eq!(resp.status(), 202);
        let resp = host
            .handle(apigw("POST", "/v1/events", "198.51.100.7", &[("content-type", "application/json")], body))
            .await;
        assert_eq!(resp.status(), 401);
        let resp = host.handle(apigw("GET", "/r/AAAAAAAAAAAAAAAAAAAAAA", "198.51.100.7", &[], "")).await;
        assert_eq!(resp.status(), 404);
        // A replies route is not this function's.
        let resp = host.handle(apigw("POST", "/v1/replies/twilio/demo", "198.51.100.7", &[], "")).await;
        assert_eq!(resp.status(), 404);
        assert_eq!(rt.store.carts_of("demo").len(), 1);
    }

    /// The collect route's rate limit holds across requests (the router is built once per
    /// engine, not per request) and keys on API Gateway's `sourceIp`: a client that sends a new
    /// `X-Forwarded-For` with every request is still one client.
    #[tokio::test]
    async fn the_rate_limiter_survives_between_requests_and_keys_on_the_source_ip() {
        let rt = runtime();
        let host = HttpHost::new(rt.engine.clone(), router);
        let mut statuses = Vec::new();
        for i in 0..70 {
            let body = json!({"event_id": format!("e{i}"), "type": "cart.updated", "cart_id": "web-ratelimit0000001",
                "cart": {"currency": "EUR", "checkout_url": "https://shop.example/cart",
                    "items": [{"sku": "A", "name": "Sweater", "quantity": 1, "unit_price": "349.00"}]}})
            .to_string();
            let forwarded = format!("203.0.113.{i}");
            let headers = [
                ("content-type", "application/json"),
                ("origin", "https://shop.example"),
                ("x-forwarded-for", forwarded.as_str()),
            ];
            let path = format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}");
            statuses.push(host.handle(apigw("POST", &path, "198.51.100.9", &headers, &body)).await.status().as_u16());
        }
        assert!(statuses[..60].iter().all(|s| *s == 202), "{statuses:?}");
        assert_eq!(statuses[69], 429, "{statuses:?}");
        // Another source address has its own bucket.
        let body = json!({"event_id": "other", "type": "cart.updated", "cart_id": "web-ratelimit0000002",
            "cart": {"currency": "EUR", "checkout_url": "https://shop.example/cart",
                    "items": [{"sku": "A", "name": "Sweater", "quantity": 1, "unit_price": "349.00"}]}})
        .to_string();
        let headers = [("content-type", "application/json"), ("origin", "https://shop.example")];
        let path = format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}");
        assert_ne!(host.handle(apigw("POST", &path, "198.51.100.10", &headers, &body)).await.status(), 429);
    }

    struct NoConfiguration;

    #[async_trait::async_trait]
    impl EngineSource for NoConfiguration {
        async fn engine(&self) -> Result<Arc<Engine>, String> {
            Err("no store configuration in table cartback-prod".into())
        }
    }

    #[tokio::test]
    async fn without_a_configuration_the_answer_is_a_json_503_naming_it() {
        let host = HttpHost::new(NoConfiguration, router);
        let resp = host.handle(apigw("GET", "/healthz", "198.51.100.7", &[], "")).await;
        assert_eq!(resp.status(), 503);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16).await.unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "configuration_unavailable");
        assert!(v["error"]["message"].as_str().unwrap().contains("cartback-prod"), "{v}");
    }
}
