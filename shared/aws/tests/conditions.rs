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
    let start = "2026-11-23T09:00:00Z";
    for shopper in &scenario::SHOPPERS {
        rig.event(scenario::event(shopper, start)).await;
    }
    rig.sweep_at(ts(start)).await;
    for due in ["09:30", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00"] {
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
