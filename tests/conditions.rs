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
    for shopper in &scenario::SHOPPERS {
        let (status, body) = s.post_raw_event(scenario::event(shopper, START).into_bytes(), Some(KEY)).await;
        assert_eq!(status, 202, "{body}");
    }
    for _ in 0..7 {
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
