//! Shopify's webhooks against the real server: the documented `checkouts/create` sample (its
//! checkout URL moved onto the demo store's domain, a phone and consent added) drives a full
//! recovery, and bad deliveries are refused with nothing stored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use cartback_core::config::DEMO_SHOPIFY_WEBHOOK_SECRET;
use cartback_e2e::Server;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(DEMO_SHOPIFY_WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn deliver(s: &Server, topic: &str, id: &str, body: &[u8], sig: Option<String>) -> (u16, Value) {
    deliver_as(s, "2026-04", topic, id, body, sig).await
}

/// A delivery under an API version (`X-Shopify-API-Version`).
async fn deliver_as(
    s: &Server,
    version: &str,
    topic: &str,
    id: &str,
    body: &[u8],
    sig: Option<String>,
) -> (u16, Value) {
    let mut req = s
        .http
        .post(s.url("/v1/webhooks/shopify/demo"))
        .header("content-type", "application/json")
        .header("x-shopify-topic", topic)
        .header("x-shopify-webhook-id", id)
        .header("x-shopify-api-version", version)
        .body(body.to_vec());
    if let Some(sig) = sig {
        req = req.header("x-shopify-hmac-sha256", sig);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn checkout() -> Vec<u8> {
    let mut v: Value =
        serde_json::from_str(include_str!("fixtures/shopify/shopify_webhook_checkouts_create.sample.json")).unwrap();
    v["abandoned_checkout_url"] = json!("https://shop.example/548380009/checkouts/123123123/recover?key=k");
    v["updated_at"] = json!("2026-11-23T09:00:00Z");
    v["phone"] = json!("+905321234567");
    v["buyer_accepts_marketing"] = json!(true);
    serde_json::to_vec(&v).unwrap()
}

#[tokio::test]
async fn a_shopify_checkout_is_recovered_and_its_order_attributed() {
    let s = Server::start().await;
    let body = checkout();
    let (st, r) = deliver(&s, "checkouts/create", "d1", &body, Some(sign(&body))).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["cart_id"], "shopify-123123123");
    // Shopify's retry of the same delivery changes nothing.
    let (st, r) = deliver(&s, "checkouts/create", "d1", &body, Some(sign(&body))).await;
    assert_eq!((st, r["duplicate"].clone()), (200, json!(true)));
    let cart = &s.rt.store.carts_of("demo")[0];
    assert_eq!(cart.items.len(), 2);
    assert_eq!(cart.items[0].unit_price_minor, 19900);
    assert_eq!(cart.currency.map(|c| c.code()), Some("USD"));

    // Abandoned: the e-mail consent came from buyer_accepts_marketing; no SMS consent was given.
    s.advance(31 * 60).await;
    let out = s.outbox().await;
    assert!(out.iter().all(|m| m["channel"] != "sms"), "an SMS without SMS consent");
    s.advance(24 * 3600).await;
    let out = s.outbox().await;
    assert_eq!(out.iter().filter(|m| m["channel"] == "email").count(), 1, "{out:?}");
    assert_eq!(out[0]["recipient"], "example@email.com");

    let order = json!({"order_number": 1001, "financial_status": "paid", "id": 820982911946154508_u64, "checkout_token": "123123123", "cart_token": null,
                       "total_price": "398.00", "currency": "USD", "email": "example@email.com",
                       "updated_at": "2026-11-24T09:30:00Z"});
    let order = serde_json::to_vec(&order).unwrap();
    let (st, r) = deliver(&s, "orders/create", "d2", &order, Some(sign(&order))).await;
    assert_eq!((st, r["state"].clone()), (200, json!("recovered")), "{r}");
}

#[tokio::test]
async fn a_point_of_sale_order_finds_the_checkout_through_the_customer_id() {
    let s = Server::start().await;
    let body = checkout();
    assert_eq!(deliver(&s, "checkouts/create", "d1", &body, Some(sign(&body))).await.0, 200);
    s.advance(25 * 3600).await;
    assert_eq!(s.outbox().await.len(), 1, "the e-mail step");
    // Paid at the till: no checkout token, no e-mail, no phone; only Shopify's customer id.
    let order = json!({"order_number": 1001, "financial_status": "paid", "id": 820982911946154509_u64, "checkout_token": null, "cart_token": null,
                       "total_price": "398.00", "currency": "USD", "customer": {"id": 603851970716743426_u64},
                       "updated_at": "2026-11-24T09:59:00Z"});
    let order = serde_json::to_vec(&order).unwrap();
    let (st, r) = deliver(&s, "orders/create", "d2", &order, Some(sign(&order))).await;
    assert_eq!(
        (st, r["cart_id"].clone(), r["state"].clone()),
        (200, json!("shopify-123123123"), json!("recovered")),
        "{r}"
    );
    s.advance(72 * 3600).await;
    assert_eq!(s.outbox().await.len(), 1, "a message after the order");
}

#[tokio::test]
async fn bad_deliveries_are_refused_and_store_nothing() {
    let s = Server::start().await;
    let body = checkout();
    let (st, r) = deliver(&s, "checkouts/create", "d1", &body, Some(sign(b"another body"))).await;
    assert_eq!((st, r["error"]["code"].clone()), (401, json!("invalid_signature")));
    let (st, _) = deliver(&s, "checkouts/create", "d1", &body, None).await;
    assert_eq!(st, 401);
    let truncated = &body[..body.len() / 2];
    let (st, _) = deliver(&s, "checkouts/create", "d1", truncated, Some(sign(&body))).await;
    assert_eq!(st, 401, "a truncated body does not match its signature");
    // Signed, but replayed under a topic whose shape it does not have: refused as forged.
    let (st, r) = deliver(&s, "orders/create", "d3", &body, Some(sign(&body))).await;
    assert_eq!((st, r["error"]["code"].clone()), (401, json!("forged_payload")), "{r}");
    let (st, r) = deliver(&s, "checkouts/delete", "d3", &body, Some(sign(&body))).await;
    assert_eq!((st, r["error"]["code"].clone()), (401, json!("forged_payload")), "{r}");
    let big = vec![b' '; 5 * 1024 * 1024];
    let (st, _) = deliver(&s, "checkouts/create", "d4", &big, Some(sign(&big))).await;
    assert_eq!(st, 413);
    assert!(s.rt.store.carts_of("demo").is_empty(), "a refused delivery stored a cart");
    // A topic Cartback does not use is acknowledged (Shopify would retry it for 48 h) and counted.
    let (st, r) = deliver(&s, "customers/update", "d5", b"{}", Some(sign(b"{}"))).await;
    assert_eq!((st, r["status"].clone()), (200, json!("ignored")));
}

#[tokio::test]
async fn a_checkout_without_contact_waits_and_an_order_counts_in_the_currency_paid() {
    let s = Server::start().await;
    let mut v: Value = serde_json::from_slice(&checkout()).unwrap();
    for k in ["email", "phone", "customer", "billing_address", "shipping_address"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v["presentment_currency"] = json!("EUR");
    let body = serde_json::to_vec(&v).unwrap();
    let (st, r) = deliver(&s, "checkouts/create", "d1", &body, Some(sign(&body))).await;
    assert_eq!((st, r["state"].clone()), (200, json!("active")), "{r}");
    s.advance(3 * 24 * 3600).await;
    assert!(s.outbox().await.is_empty(), "nobody to reach, nothing sent");
    // The shop's currency is USD; the shopper paid in EUR. The order counts in EUR.
    let order = json!({"order_number": 1001, "financial_status": "paid", "id": 1, "checkout_token": "123123123", "currency": "USD", "total_price": "430.00",
                       "total_price_set": {"shop_money": {"amount": "430.00", "currency_code": "USD"},
                                           "presentment_money": {"amount": "398.00", "currency_code": "EUR"}},
                       "updated_at": "2026-11-26T08:59:00Z"});
    let order = serde_json::to_vec(&order).unwrap();
    let (st, r) = deliver(&s, "orders/create", "d2", &order, Some(sign(&order))).await;
    assert_eq!((st, r["state"].clone()), (200, json!("converted")), "{r}");
    let cart = &s.rt.store.carts_of("demo")[0];
    let o = cart.order.as_ref().unwrap();
    assert_eq!((o.total.minor, o.total.currency.code()), (39800, "EUR"));
}

/// A verified checkout whose URL is off the store's `allowed_domains` (a misconfiguration, or a
/// checkout domain the merchant forgot to list) is acknowledged, not refused: Shopify removes a
/// subscription that keeps failing, which would silently disconnect the shop. It is counted by
/// cause and stores nothing.
#[tokio::test]
async fn a_verified_checkout_that_cannot_be_used_is_acknowledged_and_counted() {
    let s = Server::start().await;
    let mut v: Value = serde_json::from_slice(&checkout()).unwrap();
    v["abandoned_checkout_url"] = json!("https://checkout.other.example/recover?key=k");
    let body = serde_json::to_vec(&v).unwrap();
    let (st, r) = deliver(&s, "checkouts/create", "d9", &body, Some(sign(&body))).await;
    assert_eq!((st, r["status"].clone()), (200, json!("dropped")), "{r}");
    let cause = r["reasons"][0].as_str().unwrap().to_string();
    assert!(cause.starts_with("cart.checkout_url."), "{r}");
    assert!(s.rt.store.carts_of("demo").is_empty());
    assert_eq!(s.stats().await["webhooks"][format!("shopify.dropped.{cause}")], 1);
}

#[tokio::test]
async fn a_documented_delete_without_token_clears_the_cart_its_create_named() {
    let s = Server::start().await;
    let body = checkout();
    let (st, r) = deliver(&s, "checkouts/create", "d1", &body, Some(sign(&body))).await;
    assert_eq!((st, r["cart_id"].as_str()), (200, Some("shopify-123123123")), "{r}");
    // Shopify's delete sample: the checkout's id and cart_token, no token, no time.
    let delete = include_bytes!("fixtures/shopify/shopify_webhook_checkouts_delete.sample.json");
    let (st, r) = deliver(&s, "checkouts/delete", "d2", delete, Some(sign(delete))).await;
    assert_eq!(
        (st, r["status"].as_str(), r["cart_id"].as_str()),
        (200, Some("accepted"), Some("shopify-123123123")),
        "{r}"
    );
    s.advance(3 * 24 * 3600).await;
    assert!(s.outbox().await.is_empty(), "a deleted checkout was still messaged");
    // A delete for a checkout Cartback never saw: acknowledged, counted, nothing changed.
    let other = br#"{"id": 1, "cart_token": "never-seen"}"#;
    let (st, r) = deliver(&s, "checkouts/delete", "d3", other, Some(sign(other))).await;
    assert_eq!((st, r["status"].as_str()), (200, Some("dropped")), "{r}");
    let stats = s.stats().await;
    assert_eq!(stats["webhooks"]["shopify.dropped.checkout_not_found"], 1, "{stats}");
}

/// Both shapes of a checkout: before 2026-04 a create carries the checkout's `id`, and a delete
/// may name it by that `id` alone; from 2026-04 the create has no `id` (the sample above is of
/// that shape) and the delete is found through `cart_token`. Each delivery's API version is
/// counted, and a header that is not a version is counted as `other`, never echoed.
#[tokio::test]
async fn a_delete_finds_its_checkout_under_either_api_version() {
    let s = Server::start().await;
    let mut v: Value = serde_json::from_slice(&checkout()).unwrap();
    assert!(v.get("id").is_none(), "the 2026-04 sample has no checkout id");
    v["id"] = json!(450789469);
    v["cart_token"] = Value::Null;
    let old = serde_json::to_vec(&v).unwrap();
    let (st, r) = deliver_as(&s, "2025-10", "checkouts/create", "o1", &old, Some(sign(&old))).await;
    assert_eq!((st, r["cart_id"].as_str()), (200, Some("shopify-123123123")), "{r}");
    let delete = br#"{"id": 450789469, "cart_token": null}"#;
    let (st, r) = deliver_as(&s, "2025-10", "checkouts/delete", "o2", delete, Some(sign(delete))).await;
    assert_eq!(
        (st, r["status"].as_str(), r["cart_id"].as_str()),
        (200, Some("accepted"), Some("shopify-123123123")),
        "{r}"
    );

    let new = checkout();
    let mut v: Value = serde_json::from_slice(&new).unwrap();
    v["token"] = json!("t-2026");
    v["cart_token"] = json!("ct-2026");
    let new = serde_json::to_vec(&v).unwrap();
    let (st, r) = deliver(&s, "checkouts/create", "n1", &new, Some(sign(&new))).await;
    assert_eq!((st, r["cart_id"].as_str()), (200, Some("shopify-t-2026")), "{r}");
    let delete = br#"{"id": 981820079255243537, "cart_token": "ct-2026"}"#;
    let (st, r) = deliver_as(&s, "2026-04", "checkouts/delete", "n2", delete, Some(sign(delete))).await;
    assert_eq!(
        (st, r["status"].as_str(), r["cart_id"].as_str()),
        (200, Some("accepted"), Some("shopify-t-2026")),
        "{r}"
    );
    let strange = br#"{"id": 1, "cart_token": "nobody"}"#;
    deliver_as(&s, "2026-04<script>", "checkouts/delete", "n3", strange, Some(sign(strange))).await;

    let stats = s.stats().await;
    let w = &stats["webhooks"];
    assert_eq!(
        (w["shopify.api_version.2025-10"].as_i64(), w["shopify.api_version.2026-04"].as_i64()),
        (Some(2), Some(2)),
        "{stats}"
    );
    assert_eq!(w["shopify.api_version.other"], 1, "{stats}");
    assert!(!stats.to_string().contains("script"), "a header was echoed into the counters: {stats}");
}

#[tokio::test]
async fn a_signed_checkout_dated_in_the_future_is_acknowledged_not_applied() {
    let s = Server::start().await;
    let mut v: Value = serde_json::from_slice(&checkout()).unwrap();
    v["updated_at"] = json!("2030-01-01T00:00:00Z");
    let body = serde_json::to_vec(&v).unwrap();
    let (st, r) = deliver(&s, "checkouts/update", "d1", &body, Some(sign(&body))).await;
    assert_eq!((st, r["status"].as_str()), (200, Some("dropped")), "{r}");
    assert_eq!(r["reasons"][0], "occurred_at.occurred_at_in_future");
    assert!(s.rt.store.carts_of("demo").is_empty(), "a future-dated event was applied");
}
