//! Signed events out, end to end: the local-mode server with a store whose endpoints are real
//! HTTP servers. A high-value abandonment reaches the alert endpoint (a low one does not), every
//! message verifies with the Standard Webhooks scheme's reference library (`standardwebhooks`),
//! a STOP gives `reply.received` and `contact.opted_out`, an order `cart.recovered`; an endpoint
//! that keeps failing leaves a dead letter that the API lists and replays with the same
//! `webhook-id`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use cartback_e2e::{DEMO_API_KEY, START, Server, example_event, order_event};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

type Seen = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// An endpoint answering every POST with `status` (changeable), recording what it got.
async fn endpoint(status: u16) -> (String, Seen, Arc<AtomicU16>) {
    let seen: Seen = Arc::default();
    let code = Arc::new(AtomicU16::new(status));
    let (log, c) = (seen.clone(), code.clone());
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (log, c) = (log.clone(), c.clone());
            async move {
                log.lock().unwrap().push((headers, body.to_vec()));
                StatusCode::from_u16(c.load(Ordering::SeqCst)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen, code)
}

fn config(all: &str, alerts: &str, failing: &str) -> cartback_core::config::Config {
    let section = format!(
        r#"event_webhook_secret = "{SECRET}"
[[stores.event_webhooks]]
url = "{all}"
[[stores.event_webhooks]]
url = "{alerts}"
events = ["cart.abandoned"]
min_cart_value = "500.00"
[[stores.event_webhooks]]
url = "{failing}"
events = ["cart.recovered"]
"#
    );
    let text = include_str!("../docs/cartback.example.toml").replacen(
        "[stores.quiet_hours]",
        &format!("{section}\n[stores.quiet_hours]"),
        1,
    );
    cartback_core::config::Config::from_toml("test.toml", &text).unwrap()
}

/// The messages an endpoint got, verified by the reference library: (webhook-id, body).
fn verified(seen: &Seen) -> Vec<(String, Value)> {
    let verifier = standardwebhooks::Webhook::new(SECRET).unwrap();
    seen.lock()
        .unwrap()
        .iter()
        .map(|(h, body)| {
            verifier.verify(body, h).expect("signed as Standard Webhooks specifies");
            (h["webhook-id"].to_str().unwrap().to_string(), serde_json::from_slice(body).unwrap())
        })
        .collect()
}

fn cart(event: &str, cart: &str, phone: &str, price: &str) -> Value {
    let mut e = example_event(event, cart, START);
    e["customer"]["phone"] = json!(phone);
    e["customer"]["id"] = json!(format!("cust_{cart}"));
    e["customer"]["email"] = json!(format!("{cart}@example.com"));
    e["cart"]["currency"] = json!("EUR");
    e["cart"]["items"][0]["unit_price"] = json!(price);
    e
}

#[tokio::test]
async fn events_reach_the_endpoints_that_want_them_signed_and_failures_can_be_replayed() {
    let (all_url, all, _) = endpoint(200).await;
    let (alert_url, alerts, _) = endpoint(200).await;
    let (failing_url, failing, failing_status) = endpoint(500).await;
    let s = Server::with_config(config(&all_url, &alert_url, &failing_url)).await;
    // Two carts of 2 items: 2 × 349.90 EUR (high value) and 2 × 10.00 EUR.
    assert_eq!(s.post_event(&cart("e1", "c_big", "+905321234560", "349.90")).await.0, 202);
    assert_eq!(s.post_event(&cart("e2", "c_small", "+905321234561", "10.00")).await.0, 202);
    s.advance(31 * 60).await;

    let got = verified(&all);
    let abandoned: Vec<&Value> = got.iter().map(|(_, b)| b).filter(|b| b["type"] == "cart.abandoned").collect();
    assert_eq!(abandoned.len(), 2, "{got:?}");
    let alerted = verified(&alerts);
    assert_eq!(alerted.len(), 1, "only the high-value cart is an alert");
    let a = &alerted[0].1;
    assert_eq!(a["data"]["cart_id"], "c_big");
    assert_eq!(a["data"]["value_minor"], 69980);
    assert_eq!(a["data"]["currency"], "EUR");
    assert_eq!(a["data"]["episode"], 1);
    let raw = String::from_utf8(alerts.lock().unwrap()[0].1.clone()).unwrap();
    assert!(!raw.contains("+905321234560") && !raw.contains("c_big@example.com"), "addresses are masked: {raw}");
    assert!(alerted[0].0.starts_with("evt_") && alerted[0].0.len() == 36);

    // A STOP: the reply and the opt-out; a provider's retry of the same reply adds nothing.
    let before = all.lock().unwrap().len();
    assert_eq!(s.twilio_reply("+905321234561", "STOP", "SMevt0001").await.0, 200);
    assert_eq!(s.twilio_reply("+905321234561", "STOP", "SMevt0001").await.0, 200);
    let got = verified(&all);
    let new: Vec<&Value> = got[before..].iter().map(|(_, b)| b).collect();
    assert_eq!(
        new.iter().map(|b| b["type"].as_str().unwrap()).collect::<Vec<_>>(),
        ["reply.received", "contact.opted_out"]
    );
    assert_eq!(new[0]["data"]["action"], "opted_out");
    assert_eq!(new[0]["data"]["cart_id"], "c_small");
    assert_eq!(new[1]["data"]["channel"], "sms");
    assert_eq!(new[1]["data"]["contact"], "+905*******61");

    // The order recovers the big cart: to the all-events endpoint, and to the failing one.
    let now = s.advance(0).await["now"].as_str().unwrap().to_string();
    assert_eq!(s.post_event(&order_event("e3", "c_big", &now, "699.80", "EUR")).await.0, 202);
    let got = verified(&all);
    let (rec_id, rec) = got.iter().find(|(_, b)| b["type"] == "cart.recovered").unwrap();
    assert_eq!(rec["data"]["order_id"], "1001");
    assert_eq!(rec["data"]["total_minor"], 69980);
    assert_eq!(rec["data"]["messages"][0]["channel"], "sms");
    let tried = verified(&failing);
    assert_eq!(tried.len(), 3, "three tries");
    assert!(tried.iter().all(|(id, _)| id == rec_id), "the same webhook-id on every try");

    // Waiting for its scheduled retry (issue #31: not a dead letter after three quick tries),
    // listed, and replayed by the merchant once the endpoint is back.
    let http = reqwest::Client::new();
    let list: Value = http
        .get(s.url("/v1/stores/demo/event-deliveries"))
        .bearer_auth(DEMO_API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let d = &list["deliveries"][0];
    assert_eq!(list["deliveries"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(
        (d["type"].as_str(), d["attempts"].as_u64(), d["state"].as_str()),
        (Some("cart.recovered"), Some(3), Some("retrying"))
    );
    assert_eq!(d["last_error"], "HTTP 500 after 3 tries");
    assert!(d["next_attempt_at"].is_string(), "{d}");
    let id = d["id"].as_str().unwrap();
    failing_status.store(200, Ordering::SeqCst);
    let r = http
        .post(s.url(&format!("/v1/stores/demo/event-deliveries/{id}/replay")))
        .bearer_auth(DEMO_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let replayed: Value = r.json().await.unwrap();
    assert_eq!((replayed["state"].as_str(), replayed["attempts"].as_u64()), (Some("replayed"), Some(4)));
    let tried = verified(&failing);
    assert_eq!(tried.len(), 4);
    assert_eq!(&tried[3].0, rec_id, "a replay keeps the webhook-id: the receiver deduplicates it");
    assert_eq!(tried[3].1, *rec);
    // Replayed, it leaves the schedule: its retry's minute passes without another POST.
    s.advance(120).await;
    assert_eq!(verified(&failing).len(), 4, "a replayed delivery was retried again");

    let r = http
        .post(s.url("/v1/stores/demo/event-deliveries/dlv_nope_0/replay"))
        .bearer_auth(DEMO_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .get(s.url("/v1/stores/demo/event-deliveries"))
        .bearer_auth("cbk_other_0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let stats = s.stats().await;
    assert_eq!(stats["events_out"]["retrying"], 1);
    assert_eq!(stats["events_out"].get("failed"), None, "{}", stats["events_out"]);
    assert_eq!(stats["events_out"]["replayed"], 1);
    assert!(stats["events_out"]["delivered"].as_i64().unwrap() >= 6, "{}", stats["events_out"]);
}

#[test]
fn the_configuration_refuses_what_could_not_work() {
    let bad = |section: &str| {
        let text = include_str!("../docs/cartback.example.toml").replacen(
            "[stores.quiet_hours]",
            &format!("{section}\n[stores.quiet_hours]"),
            1,
        );
        cartback_core::config::Config::from_toml("t.toml", &text).unwrap_err().to_string()
    };
    let e = bad("[[stores.event_webhooks]]\nurl = \"https://hooks.example/x\"\n");
    assert!(e.contains("event_webhook_secret") && e.contains("required"), "{e}");
    let e = bad(&format!(
        "event_webhook_secret = \"{SECRET}\"\n[[stores.event_webhooks]]\nurl = \"http://hooks.example/x\"\nevents = [\"cart.lost\"]\nmin_cart_value = \"lots\"\n"
    ));
    assert!(e.contains("is not an https URL"), "{e}");
    assert!(e.contains("`cart.lost` is not an event"), "{e}");
    assert!(e.contains("min_cart_value"), "{e}");
}
