//! WooCommerce's webhooks against the real server: an unpaid order (WooCommerce's abandoned
//! checkout) is recovered through its pay-for-order page and attributed when it is paid; the
//! save-time ping is acknowledged; bad deliveries are refused with nothing stored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::config::DEMO_WOOCOMMERCE_WEBHOOK_SECRET;
use cartback_e2e::Server;
use serde_json::{Value, json};

fn sign(body: &[u8]) -> String {
    cartback_e2e::hmac_base64(DEMO_WOOCOMMERCE_WEBHOOK_SECRET, body)
}

async fn deliver(s: &Server, topic: &str, id: &str, body: &[u8], sig: Option<String>) -> (u16, Value) {
    let mut req = s
        .http
        .post(s.url("/v1/webhooks/woocommerce/demo"))
        .header("content-type", "application/json")
        .header("x-wc-webhook-source", "https://shop.example/")
        .header("x-wc-webhook-topic", topic)
        .header("x-wc-webhook-resource", "order")
        .header("x-wc-webhook-id", "12")
        .header("x-wc-webhook-delivery-id", id)
        .body(body.to_vec());
    if let Some(sig) = sig {
        req = req.header("x-wc-webhook-signature", sig);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn order(status: &str, modified: &str) -> Vec<u8> {
    let mut v: Value = serde_json::from_str(include_str!("fixtures/woocommerce/order_pending.json")).unwrap();
    v["status"] = json!(status);
    v["date_modified_gmt"] = json!(modified);
    serde_json::to_vec(&v).unwrap()
}

#[tokio::test]
async fn an_unpaid_woocommerce_order_is_recovered_and_attributed_when_paid() {
    let s = Server::start().await;
    let body = order("pending", "2026-11-23T09:00:00");
    let (st, r) = deliver(&s, "order.created", "101", &body, Some(sign(&body))).await;
    assert_eq!((st, r["cart_id"].clone(), r["state"].clone()), (200, json!("woo-727"), json!("active")), "{r}");
    let (st, r) = deliver(&s, "order.created", "101", &body, Some(sign(&body))).await;
    assert_eq!((st, r["duplicate"].clone()), (200, json!(true)));
    let cart = &s.rt.store.carts_of("demo")[0];
    let prices: Vec<(i64, u32)> = cart.items.iter().map(|i| (i.unit_price_minor, i.quantity)).collect();
    assert_eq!(prices, [(300, 2), (1200, 1)]);
    assert_eq!(cart.customer.phone.as_ref().map(|p| p.expose().to_string()), Some("+14155552671".into()));

    // Abandoned at 09:30 UTC: 01:30 in San Francisco. The shopper's zone is unknown and a +1
    // number may be anywhere from Newfoundland to Hawaii, so the SMS waits until all of them
    // allow it: 08:00 in Honolulu, 18:00 UTC (docs/references.md, "zones"). Then it goes to the
    // billing phone.
    s.advance(31 * 60).await;
    assert!(s.outbox().await.iter().all(|m| m["channel"] != "sms"), "texted at night in the US");
    s.advance(8 * 3600 + 30 * 60).await;
    let out = s.outbox().await;
    let sms: Vec<&Value> = out.iter().filter(|m| m["channel"] == "sms").collect();
    assert_eq!(sms.len(), 1, "{out:?}");
    assert_eq!(sms[0]["recipient"], "+14155552671");
    assert!(sms[0]["body"].as_str().unwrap().contains("John"), "{}", sms[0]["body"]);

    // The restore link goes back to WooCommerce's pay-for-order page.
    let link = sms[0]["body"].as_str().unwrap().split_whitespace().find(|w| w.contains("/r/")).unwrap().to_string();
    let path = &link[link.find("/r/").unwrap()..];
    let r = s.http.get(s.url(path)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("https://shop.example/checkout/order-pay/727/"));

    // Paid: the same order, now `processing`, recovers the cart.
    let paid = order("processing", "2026-11-23T09:31:00");
    let (st, r) = deliver(&s, "order.updated", "102", &paid, Some(sign(&paid))).await;
    assert_eq!((st, r["state"].clone()), (200, json!("recovered")), "{r}");
    // An older state arriving late (`pending`, modified earlier) changes nothing.
    let late = order("pending", "2026-11-23T09:05:00");
    let (st, r) = deliver(&s, "order.updated", "103", &late, Some(sign(&late))).await;
    assert_eq!((st, r["state"].clone()), (200, json!("recovered")), "{r}");
    let stats: Value = s
        .http
        .get(s.url("/v1/stores/demo/stats"))
        .bearer_auth(cartback_core::config::DEMO_API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["orders_recovered"], 1);
    assert_eq!(stats["revenue_recovered"]["USD"], 2935);
}

#[tokio::test]
async fn woocommerces_ping_is_acknowledged_and_bad_deliveries_are_refused() {
    let s = Server::start().await;
    // Saving a webhook in WooCommerce sends this, unsigned; it must get a 2xx.
    let (st, r) = deliver(&s, "", "1", b"webhook_id=12", None).await;
    assert_eq!((st, r["status"].clone()), (200, json!("ping")));
    let body = order("pending", "2026-11-23T09:00:00");
    let (st, r) = deliver(&s, "order.created", "1", &body, None).await;
    assert_eq!((st, r["error"]["code"].clone()), (401, json!("missing_signature")));
    let (st, r) = deliver(&s, "order.created", "1", &body, Some(sign(b"other"))).await;
    assert_eq!((st, r["error"]["code"].clone()), (401, json!("invalid_signature")));
    let (st, _) = deliver(&s, "order.created", "1", &body[..body.len() / 2], Some(sign(&body))).await;
    assert_eq!(st, 401, "a truncated body does not match its signature");
    let truncated = &body[..body.len() / 2];
    let (st, r) = deliver(&s, "order.created", "1", truncated, Some(sign(truncated))).await;
    assert_eq!((st, r["error"]["code"].clone()), (422, json!("invalid_payload")), "{r}");
    let big = vec![b' '; 5 * 1024 * 1024];
    let (st, _) = deliver(&s, "order.created", "1", &big, Some(sign(&big))).await;
    assert_eq!(st, 413);
    // A product payload under an order topic: no status, a clear 422.
    let product = br#"{"id": 93, "name": "Woo Single #1", "price": "3.00"}"#;
    let (st, r) = deliver(&s, "order.created", "2", product, Some(sign(product))).await;
    assert_eq!((st, r["error"]["code"].clone()), (422, json!("invalid_payload")), "{r}");
    // A currency the amounts cannot be in (JPY has no cents): verified and of the right shape,
    // so acknowledged (WooCommerce disables webhooks that keep failing), dropped, counted.
    let mut yen: Value = serde_json::from_slice(&order("processing", "2026-11-23T09:00:00")).unwrap();
    yen["currency"] = json!("JPY");
    let yen = serde_json::to_vec(&yen).unwrap();
    let (st, r) = deliver(&s, "order.created", "3", &yen, Some(sign(&yen))).await;
    assert_eq!((st, r["status"].clone()), (200, json!("dropped")), "{r}");
    assert!(r["reasons"][0].as_str().unwrap().starts_with("order."), "{r}");
    assert!(s.rt.store.carts_of("demo").is_empty(), "a refused delivery stored a cart");
    let stats = s.stats().await;
    let dropped: i64 = stats["webhooks"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("woocommerce.dropped.order."))
        .map(|(_, v)| v.as_i64().unwrap())
        .sum();
    assert_eq!(dropped, 1, "{stats}");
    // Topics and states Cartback does not use are acknowledged and counted.
    let (st, r) = deliver(&s, "coupon.updated", "4", product, Some(sign(product))).await;
    assert_eq!((st, r["reason"].clone()), (200, json!("topic")));
    let custom = order("awaiting-shipment", "2026-11-23T09:00:00");
    let (st, r) = deliver(&s, "order.updated", "5", &custom, Some(sign(&custom))).await;
    assert_eq!((st, r["reason"].clone()), (200, json!("order_status")));
    // A refund is no recovery event, but it is the order's progress ("where is my order?" then
    // goes to a person): applied, not ignored.
    let refunded = order("refunded", "2026-11-23T09:00:00");
    let (st, r) = deliver(&s, "order.updated", "6", &refunded, Some(sign(&refunded))).await;
    assert_eq!((st, r["status"].clone()), (200, json!("applied")));
    // No secret configured for a store, or no such store: 404, like any unknown resource.
    let r = s.http.post(s.url("/v1/webhooks/woocommerce/nope")).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

/// WooCommerce's own REST API v3 order object, as its documentation shows it: no `payment_url`,
/// a national phone number and numeric prices. Delivered as an unpaid order, it is accepted:
/// the pay-for-order page is built from the delivery's `X-WC-Webhook-Source` and `order_key`.
#[tokio::test]
async fn the_documented_order_object_is_accepted_without_payment_url() {
    let s = Server::start().await;
    let mut v: Value = serde_json::from_slice(&order("pending", "2026-11-23T09:00:00")).unwrap();
    v.as_object_mut().unwrap().remove("payment_url");
    v["billing"]["phone"] = json!("(555) 555-5555");
    v["billing"]["country"] = json!("US");
    v["line_items"][0]["price"] = json!(3);
    v["line_items"][1]["price"] = json!("12.00");
    let body = serde_json::to_vec(&v).unwrap();
    let (st, r) = deliver(&s, "order.created", "201", &body, Some(sign(&body))).await;
    assert_eq!((st, r["status"].clone(), r["cart_id"].clone()), (200, json!("accepted"), json!("woo-727")), "{r}");
    let cart = &s.rt.store.carts_of("demo")[0];
    assert_eq!(
        cart.checkout_url.as_deref(),
        Some("https://shop.example/checkout/order-pay/727/?pay_for_order=true&key=wc_order_58d2d042d1d")
    );
    let prices: Vec<i64> = cart.items.iter().map(|i| i.unit_price_minor).collect();
    assert_eq!(prices, [300, 1200]);
    // 555-01xx numbers are fictional: the phone is dropped, the order is not.
    assert!(cart.customer.phone.is_none());

    // Without a payment_url or an order_key there is no page to send the shopper back to: the
    // delivery is acknowledged, dropped and counted, not refused.
    v.as_object_mut().unwrap().remove("order_key");
    v["id"] = json!(728);
    let body = serde_json::to_vec(&v).unwrap();
    let (st, r) = deliver(&s, "order.created", "202", &body, Some(sign(&body))).await;
    assert_eq!(
        (st, r["status"].clone(), r["reasons"].clone()),
        (200, json!("dropped"), json!(["no_restore_target"])),
        "{r}"
    );
    assert_eq!(s.stats().await["webhooks"]["woocommerce.dropped.no_restore_target"], 1);
}
