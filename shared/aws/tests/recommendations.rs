//! Recommendations in e-mails (docs/recommendations.md) on DynamoDB and SQS over moto, as the
//! functions run them: the catalogue stored in the table, the scenario of
//! tests/common/recommended_carts.rs (memory and SQLite run it in tests/recommendations.rs), the
//! click through the restore token and the order after it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod moto;
mod rig;

use cartback_core::messaging::links::LinkOutcome;
use rig::{Rig, ts};

#[path = "../../../tests/common/recommended_carts.rs"]
mod scenario;

#[tokio::test]
async fn e_mails_recommend_what_goes_with_the_cart_on_dynamodb() {
    let config = include_str!("../../../docs/cartback.example.toml").replace("id = \"demo\"", "id = \"s\"");
    let Some(mut rig) = Rig::with_config("recommendations", &config).await else { return };
    let store = rig.engine.config().store("s").unwrap().clone();
    let format = cartback_core::catalogue::FeedFormat::Json;
    rig.engine.catalogue.upload(&store, format, scenario::CATALOGUE.as_bytes()).await.unwrap().unwrap();
    let start = "2026-11-23T09:00:00Z";
    for cart in [scenario::ADA, scenario::DENIZ] {
        rig.event(scenario::event(cart, start).to_string()).await;
    }
    rig.sweep_at(ts(start)).await;
    for due in ["2026-11-23T09:30:00Z", "2026-11-24T09:00:00Z"] {
        rig.sweep_at(ts(due)).await;
        rig.dispatch_all().await;
    }
    let outbox = rig.outbox.outbox();
    let email = |cart: &str| outbox.iter().find(|m| m.cart_id == cart && m.step == 1).unwrap().body.clone();
    let ada = email(scenario::ADA);
    let picks = scenario::picks(&ada);
    let titles: Vec<&str> = picks.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, scenario::ADA_PICKS, "{ada}");
    let deniz = email(scenario::DENIZ);
    assert!(deniz.contains("Bunlar da hoşuna gidebilir:") && deniz.contains("≈"), "{deniz}");

    let (path, rec) = picks[0].1.split_once("?rec=").unwrap();
    let token = path.rsplit('/').next().unwrap();
    let opened = rig.engine.links.open_recommendation(token, rec).await.unwrap();
    assert_eq!(opened, LinkOutcome::Redirect(scenario::ADA_FIRST_PAGE.into()));
    assert_eq!(rig.engine.links.open_recommendation(token, "99.0").await.unwrap(), LinkOutcome::NotFound);
    rig.engine.flush_stats().await;
    let order = serde_json::json!({"event_id": "ord-ada", "type": "order.completed", "occurred_at": "2026-11-24T10:00:00Z",
        "cart_id": scenario::ADA, "order": {"order_id": "1001", "total": "108.90", "currency": "EUR"}});
    rig.clock.set(ts("2026-11-24T10:00:00Z"));
    rig.event(order.to_string()).await;

    let stats = rig.engine.stats_report("s").await.unwrap();
    let rec = &stats.recommendations;
    assert_eq!(rec.get("shown").copied(), Some(6), "{rec:?}");
    assert_eq!((rec.get("clicks").copied(), rec.get("orders").copied()), (Some(1), Some(1)), "{rec:?}");
    assert_eq!(rec.get("revenue_EUR").copied(), Some(10_890), "{rec:?}");
}
