//! Conditions on steps (`when`, docs/sequences.md) on DynamoDB and SQS over moto, as the
//! functions run them: the scenario of tests/common/conditioned_store.rs (memory and SQLite run
//! it in tests/conditions.rs), every timer swept and dispatched at its time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod moto;
mod rig;

use rig::{Rig, ts};

#[path = "../../../tests/common/conditioned_store.rs"]
mod scenario;

#[tokio::test]
async fn each_cart_gets_the_steps_its_conditions_allow_on_dynamodb() {
    let Some(mut rig) = Rig::with_config("conditions", scenario::CONFIG).await else { return };
    let store = rig.engine.config().store("s").unwrap().clone();
    let format = cartback_core::catalogue::FeedFormat::Json;
    rig.engine.catalogue.upload(&store, format, scenario::CATALOGUE.as_bytes()).await.unwrap().unwrap();
    let start = "2026-11-23T09:00:00Z";
    for shopper in &scenario::SHOPPERS {
        rig.event(scenario::event(shopper, start)).await;
    }
    rig.sweep_at(ts(start)).await;
    for due in ["09:30", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00", "18:00", "19:00"] {
        rig.sweep_at(ts(&format!("2026-11-23T{due}:00Z"))).await;
        rig.dispatch_all().await;
    }
    let outbox = rig.outbox.outbox();
    for shopper in &scenario::SHOPPERS {
        let got: Vec<&str> = outbox
            .iter()
            .filter(|m| m.recipient == shopper.email)
            .map(|m| m.body.split(" http").next().unwrap_or_default())
            .collect();
        assert_eq!(got, shopper.expected, "{}", shopper.cart);
    }
    let stats = rig.engine.stats_report("s").await.unwrap();
    assert_eq!(stats.steps_skipped.get("condition").copied(), Some(scenario::skipped()), "{:?}", stats.steps_skipped);
}

/// The demo store's branches (docs/sequences.md) on DynamoDB and SQS: at 24 h a cart of 200.00
/// EUR or more gets Lena's note (step 2), a smaller one the cross-sell (step 1); at 72 h a
/// first-time buyer WhatsApp with free shipping (step 3), a returning one without (step 4). The
/// same carts as tests/conditions.rs runs on memory and SQLite.
#[tokio::test]
async fn the_demo_stores_branches_on_dynamodb() {
    let config = include_str!("../../../docs/cartback.example.toml").replace("id = \"demo\"", "id = \"s\"");
    let Some(mut rig) = Rig::with_config("branches", &config).await else { return };
    let start = "2026-11-23T09:00:00Z";
    let cart = |id: &str, currency: &str, price: &str, qty: u32, orders: u32, whatsapp: bool, phone: &str| {
        serde_json::json!({
            "event_id": format!("ev-{id}"), "type": "cart.updated", "occurred_at": start, "cart_id": id,
            "customer": {"first_name": "Kim", "email": format!("{id}@example.com"), "phone": phone, "timezone": "UTC",
                         "locale": "en", "orders_count": orders, "consent": {"sms": false, "email": true, "whatsapp": whatsapp}},
            "cart": {"currency": currency, "checkout_url": format!("https://shop.example/c/{id}"),
                     "items": [{"sku": "X", "name": "Coat", "quantity": qty, "unit_price": price}]}
        })
        .to_string()
    };
    rig.event(cart("big", "EUR", "180.00", 2, 4, true, "+4791000001")).await;
    rig.event(cart("small", "EUR", "35.00", 1, 0, true, "+4791000002")).await;
    rig.event(cart("lira", "TRY", "10000.00", 1, 0, false, "+4791000003")).await;
    rig.sweep_at(ts(start)).await;
    for due in ["2026-11-23T09:30:00Z", "2026-11-24T09:00:00Z", "2026-11-26T09:00:00Z"] {
        rig.sweep_at(ts(due)).await;
        rig.dispatch_all().await;
    }
    let outbox = rig.outbox.outbox();
    let steps = |id: &str| -> Vec<u32> { outbox.iter().filter(|m| m.cart_id == id).map(|m| m.step).collect() };
    assert_eq!(steps("big"), [2, 4]);
    assert_eq!(steps("small"), [1, 3]);
    assert_eq!(steps("lira"), [2], "10 000.00 TRY at the store's 0.027 is 270.00 EUR");
    let stats = rig.engine.stats_report("s").await.unwrap();
    assert_eq!(stats.steps_skipped.get("condition").copied(), Some(5), "{:?}", stats.steps_skipped);
}
