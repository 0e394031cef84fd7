//! `cartback-ingest`: the storefront-facing HTTP API (events, restore links, stats) on Lambda,
//! the same axum router local mode serves, over DynamoDB and SQS.

use cartback_aws::wiring::{Deps, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let deps = Deps::build(Settings::from_env()?).await?;
    cartback_aws::http_host::run(deps, cartback_http::api_router).await
}

#[cfg(test)]
mod tests {
    use cartback_core::config::{DEMO_API_KEY, demo_config};
    use cartback_local::{LocalOptions, LocalRuntime};
    use serde_json::{Value, json};
    use tower::ServiceExt;

    /// API Gateway HTTP API v2 events (the runtime's own fixture) reach the same router.
    fn apigw(method: &str, path: &str, headers: Value, body: &str) -> lambda_http::Request {
        let mut ev: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/aws/example-apigw-v2-request-no-authorizer.json"
        ))
        .unwrap();
        ev["rawPath"] = json!(path);
        ev["requestContext"]["http"]["method"] = json!(method);
        ev["requestContext"]["http"]["path"] = json!(path);
        for (k, v) in headers.as_object().unwrap() {
            ev["headers"][k] = v.clone();
        }
        ev["headers"]["content-length"] = json!(body.len().to_string());
        ev["body"] = json!(body);
        lambda_http::request::from_str(&ev.to_string()).unwrap()
    }

    #[tokio::test]
    async fn api_gateway_events_are_served_by_the_router() {
        let rt = LocalRuntime::new(
            demo_config(),
            LocalOptions {
                virtual_start: Some("2026-11-23T10:00:00Z".parse().unwrap()),
                print: false,
                ..LocalOptions::default()
            },
        );
        let app = cartback_http::api_router(rt.engine.clone());
        let body = include_str!("../../../docs/examples/event.json");
        let headers = json!({"authorization": format!("Bearer {DEMO_API_KEY}"), "content-type": "application/json"});
        let resp = app.clone().oneshot(apigw("POST", "/v1/events", headers, body)).await.unwrap();
        assert_eq!(resp.status(), 202);
        let resp = app
            .clone()
            .oneshot(apigw("POST", "/v1/events", json!({"content-type": "application/json"}), body))
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        let resp = app.oneshot(apigw("GET", "/r/AAAAAAAAAAAAAAAAAAAAAA", json!({}), "")).await.unwrap();
        assert_eq!(resp.status(), 404);
        assert_eq!(rt.store.carts_of("demo").len(), 1);
    }
}
