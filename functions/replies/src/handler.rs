//! The replies function's handler: the provider-facing routes of the route table
//! (`cartback_http::replies_router`), hosted by `cartback_aws::http_host`.

use axum::Router;
use cartback_core::app::Engine;
use std::sync::Arc;

pub fn router(engine: Arc<Engine>) -> Router {
    cartback_http::replies_router(engine)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cartback_aws::apigw::request as apigw;
    use cartback_aws::http_host::HttpHost;
    use cartback_core::config::{DEMO_TWILIO_AUTH_TOKEN, demo_config};
    use cartback_core::conversations::twilio_webhook;
    use cartback_local::{LocalOptions, LocalRuntime};

    fn form(params: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
        let owned: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
        (body, owned)
    }

    #[tokio::test]
    async fn a_signed_twilio_reply_through_api_gateway_is_answered_in_twiml() {
        let opts = LocalOptions {
            virtual_start: Some("2026-11-23T10:00:00Z".parse().unwrap()),
            print: false,
            ..LocalOptions::default()
        };
        let rt = LocalRuntime::new(demo_config(), opts);
        let host = HttpHost::new(rt.engine.clone(), router);
        let (body, params) = form(&[("From", "+905321234567"), ("Body", "STOP"), ("MessageSid", "SM1")]);
        // Twilio signs the public URL it posts to (the store's public_url + path).
        let url = format!("{}/v1/replies/twilio/demo", rt.engine.config().public_url);
        let sig = twilio_webhook::signature(DEMO_TWILIO_AUTH_TOKEN, &url, &params);
        let headers = [("content-type", "application/x-www-form-urlencoded"), ("x-twilio-signature", sig.as_str())];
        let resp = host.handle(apigw("POST", "/v1/replies/twilio/demo", "54.172.60.1", &headers, &body)).await;
        assert_eq!(resp.status(), 200);
        let text = axum::body::to_bytes(resp.into_body(), 1 << 16).await.unwrap();
        let text = String::from_utf8_lossy(&text);
        assert!(text.contains("<Response><Message>"), "{text}");

        let forged = [("content-type", "application/x-www-form-urlencoded"), ("x-twilio-signature", "forged")];
        let resp = host.handle(apigw("POST", "/v1/replies/twilio/demo", "54.172.60.1", &forged, &body)).await;
        assert_eq!(resp.status(), 403);
        // An ingest route is not this function's.
        let resp = host.handle(apigw("POST", "/v1/events", "54.172.60.1", &[], "{}")).await;
        assert_eq!(resp.status(), 404);
    }
}
