//! `BatchGetItem` can leave keys unprocessed under load. The dispatcher's read of a due cart
//! asks again for those (with backoff) and, if DynamoDB still leaves them, fails with a
//! retryable error, so SQS delivers the due work again: an unprocessed cart is never read as a
//! missing one (which would drop the step as stale). Tested over the wire against a DynamoDB
//! endpoint of our own that answers with unprocessed keys, through the real SDK.
#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use cartback_aws::DynamoStore;
use cartback_aws::dynamo::BATCH_GET_ATTEMPTS;
use cartback_core::domain::Cart;
use cartback_core::ports::{CartStore, Clock, StoreError};
use cartback_core::system::SystemClock;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

const TABLE: &str = "cartback-test";

/// A DynamoDB endpoint that leaves every key unprocessed for the first `stingy` calls, then
/// answers with the cart.
async fn endpoint(stingy: u32) -> (String, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    let app = Router::new().route(
        "/",
        post(move |headers: HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
                assert_eq!(target, "DynamoDB_20120810.BatchGetItem");
                let req: Value = serde_json::from_str(&body).unwrap();
                let keys = req["RequestItems"][TABLE].clone();
                let n = seen.fetch_add(1, Ordering::SeqCst);
                let answer = if n < stingy {
                    json!({"Responses": {TABLE: []}, "UnprocessedKeys": {TABLE: keys}})
                } else {
                    let cart = Cart::new("s", "c1", "2026-11-23T09:00:00Z".parse().unwrap(), false);
                    let item = json!({"pk": {"S": "STORE#s#CART#c1"}, "sk": {"S": "CART"}, "v": {"N": "3"},
                        "body": {"S": serde_json::to_string(&cart).unwrap()}});
                    json!({"Responses": {TABLE: [item]}, "UnprocessedKeys": {}})
                };
                (StatusCode::OK, [("content-type", "application/x-amz-json-1.0")], answer.to_string())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, calls)
}

fn store(url: &str) -> DynamoStore {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version_latest()
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "test"))
        .build();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), TABLE, clock)
}

#[tokio::test]
async fn keys_left_unprocessed_are_asked_again() {
    let (url, calls) = endpoint(2).await;
    let (cart, contacts) = store(&url).load_for_send("s", "c1", &["k1"]).await.unwrap();
    assert_eq!(cart.map(|c| c.version), Some(3));
    assert!(contacts.is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn keys_still_unprocessed_are_a_retryable_error_never_a_missing_cart() {
    let (url, calls) = endpoint(u32::MAX).await;
    let err = store(&url).load_for_send("s", "c1", &["k1"]).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(err.is_retryable());
    assert!(err.to_string().contains("unprocessed"), "{err}");
    assert_eq!(calls.load(Ordering::SeqCst), BATCH_GET_ATTEMPTS);
}
