//! Conditions on steps (`when`, docs/sequences.md) through the whole pipeline on memory and on
//! SQLite: three shoppers, one step per kind of condition; each gets exactly the steps their
//! cart meets, and every other step is counted skipped for its condition. The same scenario on
//! DynamoDB: shared/aws/tests/conditions.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/conditioned_store.rs"]
mod scenario;

use cartback_core::config::Config;
use cartback_e2e::{START, Server};
use serde_json::Value;

const KEY: &str = "cbk_test_0123456789abcdef";

async fn run(s: &Server) {
    let put = s
        .http
        .put(s.url("/v1/stores/s/catalogue"))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body(scenario::CATALOGUE)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
    for shopper in &scenario::SHOPPERS {
        let (status, body) = s.post_raw_event(scenario::event(shopper, START).into_bytes(), Some(KEY)).await;
        assert_eq!(status, 202, "{body}");
    }
    for _ in 0..scenario::STEPS + 1 {
        s.advance(3600).await;
    }
    let outbox = s.outbox().await;
    for shopper in &scenario::SHOPPERS {
        let got: Vec<String> = outbox
            .iter()
            .filter(|m| m["recipient"] == shopper.email)
            .map(|m| m["body"].as_str().unwrap_or_default().split(" http").next().unwrap_or_default().to_string())
            .collect();
        assert_eq!(got, shopper.expected, "{}", shopper.cart);
    }
    let stats: Value =
        s.http.get(s.url("/v1/stores/s/stats")).bearer_auth(KEY).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats["steps_skipped"]["condition"], scenario::skipped(), "{}", stats["steps_skipped"]);
}

#[tokio::test]
async fn each_cart_gets_the_steps_its_conditions_allow_in_memory() {
    run(&Server::with_config(Config::from_toml("t.toml", scenario::CONFIG).unwrap()).await).await;
}

#[tokio::test]
async fn each_cart_gets_the_steps_its_conditions_allow_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cartback-conditions-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    run(&Server::with_sqlite_config(&dir, Config::from_toml("t.toml", scenario::CONFIG).unwrap()).await).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The demo store's branches (docs/cartback.example.toml, docs/sequences.md): at 24 h a cart of
/// 200.00 EUR or more gets Lena's note (step 2) instead of the cross-sell e-mail (step 1), a cart
/// in lira valued at the store's own rate; at 72 h a first-time buyer gets WhatsApp with free
/// shipping (step 3), a returning one the same last call without it (step 4).
async fn branches(s: &Server) {
    let cart = |id: &str, currency: &str, price: &str, qty: u32, orders: u32, whatsapp: bool, phone: &str| {
        serde_json::json!({
            "event_id": format!("ev-{id}"), "type": "cart.updated", "occurred_at": START, "cart_id": id,
            "customer": {"first_name": "Kim", "email": format!("{id}@example.com"), "phone": phone, "timezone": "UTC",
                         "locale": "en", "orders_count": orders, "consent": {"sms": false, "email": true, "whatsapp": whatsapp}},
            "cart": {"currency": currency, "checkout_url": format!("https://shop.example/c/{id}"),
                     "items": [{"sku": "X", "name": "Coat", "quantity": qty, "unit_price": price}]}
        })
    };
    for ev in [
        cart("big", "EUR", "180.00", 2, 4, true, "+4791000001"),
        cart("small", "EUR", "35.00", 1, 0, true, "+4791000002"),
        cart("lira", "TRY", "10000.00", 1, 0, false, "+4791000003"),
    ] {
        let (status, body) = s.post_event(&ev).await;
        assert_eq!(status, 202, "{body}");
    }
    for _ in 0..10 {
        s.advance(8 * 3600).await;
    }
    let outbox = s.outbox().await;
    let steps = |id: &str| -> Vec<(u64, String)> {
        outbox
            .iter()
            .filter(|m| m["cart_id"] == id)
            .map(|m| (m["step"].as_u64().unwrap(), m["body"].as_str().unwrap().to_string()))
            .collect()
    };
    let (big, small, lira) = (steps("big"), steps("small"), steps("lira"));
    assert_eq!(big.iter().map(|m| m.0).collect::<Vec<_>>(), [2, 4], "{big:?}");
    assert!(big[0].1.contains("I'm Lena from Demo Shop") && big[0].1.contains("360.00 EUR"), "{}", big[0].1);
    assert!(!big[1].1.contains("Shipping is on us"), "no free shipping for a returning customer: {}", big[1].1);
    assert_eq!(small.iter().map(|m| m.0).collect::<Vec<_>>(), [1, 3], "{small:?}");
    assert!(small[1].1.contains("Shipping is on us"), "{}", small[1].1);
    assert_eq!(lira.iter().map(|m| m.0).collect::<Vec<_>>(), [2], "10 000.00 TRY at 0.027 is 270.00 EUR: {lira:?}");
    // big: steps 1 and 3 (each at its time); small: 2 and 4 (passed over with the branch before
    // them); lira: 1 (at its time), and after Lena's note its sequence ends (nothing left it
    // could be reached on: no WhatsApp consent, no push subscription).
    let stats = s.stats().await;
    assert_eq!(stats["steps_skipped"]["condition"], 5, "{}", stats["steps_skipped"]);
    assert_eq!(stats["steps_skipped"]["no_consent"], 3, "the SMS step, no SMS consent: {}", stats["steps_skipped"]);
    let by_step = &stats["experiments"]["by_step"];
    let carts = |i: &str| {
        by_step.as_array().unwrap().iter().find(|a| a["name"] == i).map_or(0, |a| a["carts"].as_i64().unwrap())
    };
    assert_eq!([carts("1"), carts("2"), carts("3"), carts("4")], [1, 2, 1, 1], "{by_step}");
}

#[tokio::test]
async fn the_demo_stores_branches_in_memory() {
    branches(&Server::start().await).await;
}

#[tokio::test]
async fn the_demo_stores_branches_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cartback-branches-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    branches(&Server::with_sqlite(&dir).await).await;
    let _ = std::fs::remove_dir_all(&dir);
}
