//! A shopper's data rights over HTTP, end to end in local mode: a shopper with two carts, an
//! SMS, a STOP and a conversation with a person; the export holds all of it; the erasure leaves
//! only the suppression record — and the opt-out still holds for the next cart — while the
//! counters stay; nothing of the shopper is in the server's log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_e2e::{DEMO_API_KEY, LogCapture, START, Server, example_event};
use serde_json::{Value, json};

async fn rights(s: &Server, action: &str, body: Value, key: &str) -> (u16, Value) {
    let r = s
        .http
        .post(s.url(&format!("/v1/stores/demo/shoppers/{action}")))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn export_then_erase_leaves_the_suppression_record_and_the_opt_out_holds() {
    let logs = LogCapture::default();
    let writer = logs.clone();
    tracing_subscriber::fmt().json().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).init();
    let s = Server::start().await;
    // The example shopper (+905321234567, a@example.com): two carts, the first messaged.
    assert_eq!(s.post_event(&example_event("e1", "c1", START)).await.0, 202);
    s.advance(31 * 60).await;
    assert_eq!(s.twilio_reply("+905321234567", "Can I talk to a real person?", "SMr1").await.0, 200);
    assert_eq!(s.twilio_reply("+905321234567", "STOP", "SMr2").await.0, 200);
    let at = s.advance(0).await["now"].as_str().unwrap().to_string();
    assert_eq!(s.post_event(&example_event("e2", "c2", &at)).await.0, 202);
    let before = s.stats().await;

    let (st, doc) = rights(&s, "export", json!({"email": "A@example.com"}), DEMO_API_KEY).await;
    assert_eq!(st, 200, "{doc}");
    let ids: Vec<&str> = doc["carts"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_eq!(doc["conversations"].as_array().unwrap().len(), 1);
    assert!(!doc["links"].as_array().unwrap().is_empty());
    let contact = &doc["contacts"][0];
    assert_eq!(contact["phone"], "+905321234567", "the shopper's own data, in clear");
    assert!(contact["consent_log"].as_array().unwrap().iter().any(|e| e["granted"] == false));

    let (st, report) = rights(&s, "erase", json!({"phone": "+90 532 123 45 67"}), DEMO_API_KEY).await;
    assert_eq!(st, 200, "{report}");
    assert_eq!(report["carts"], 2);
    assert_eq!(report["suppression_records"], 1);
    let (_, after) =
        rights(&s, "export", json!({"email": "a@example.com", "phone": "+905321234567"}), DEMO_API_KEY).await;
    assert_eq!(after["carts"], json!([]));
    assert_eq!(after["conversations"], json!([]));
    assert_eq!(after["links"], json!([]));
    let kept = after["contacts"].as_array().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["phone"], Value::Null);
    assert_eq!(kept[0]["email"], Value::Null);
    assert_eq!(kept[0]["opted_out"], json!(["sms"]));
    // Counters stay: they hold no personal data.
    assert_eq!(s.stats().await["carts_tracked"], before["carts_tracked"]);

    // The same shopper comes back with a new cart, SMS consent ticked: still no SMS.
    let sent_before = s.outbox().await.len();
    let at = s.advance(0).await["now"].as_str().unwrap().to_string();
    assert_eq!(s.post_event(&example_event("e3", "c3", &at)).await.0, 202);
    s.advance(31 * 60).await;
    let new: Vec<Value> = s.outbox().await.into_iter().skip(sent_before).collect();
    assert!(new.iter().all(|m| m["channel"] != "sms"), "{new:?}");

    // Bad requests, another store's key.
    assert_eq!(rights(&s, "erase", json!({}), DEMO_API_KEY).await.0, 422);
    assert_eq!(rights(&s, "export", json!({"phone": "12"}), DEMO_API_KEY).await.0, 422);
    assert_eq!(rights(&s, "export", json!({"email": 5}), DEMO_API_KEY).await.0, 422);
    assert_eq!(
        rights(&s, "export", json!({"email": format!("{}@example.com", "a".repeat(250))}), DEMO_API_KEY).await.0,
        422
    );
    assert_eq!(rights(&s, "erase", json!({"email": "a@example.com"}), "cbk_other_0123456789abcdef").await.0, 401);

    let text = logs.text();
    assert!(text.contains("shopper erased"), "the erasure is logged");
    for pii in ["905321234567", "a@example.com", "A@example.com", "Ayşe"] {
        assert!(!text.contains(pii), "{pii} in the log");
    }
}
