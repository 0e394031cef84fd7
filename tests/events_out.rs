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

async fn api(s: &Server, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = s.http.request(method.parse().unwrap(), s.url(path)).bearer_auth(DEMO_API_KEY);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

/// REST hooks (docs/automation.md), the pattern Zapier, Make and n8n use: subscribed through
/// the API, delivered signed like a configured endpoint (checked with `standardwebhooks`), the
/// same subscription twice is one, a sample has a delivery's shape, an endpoint's `410 Gone`
/// unsubscribes it, a failure is retried on the schedule and dropped once unsubscribed, and every
/// refusal says why.
#[tokio::test]
async fn rest_hooks_subscribe_deliver_and_unsubscribe() {
    let (all_url, _, _) = endpoint(200).await;
    let (alert_url, _, _) = endpoint(200).await;
    let (failing_url, _, _) = endpoint(500).await;
    let (zap_url, zap, _) = endpoint(200).await;
    let (gone_url, gone, _) = endpoint(410).await;
    let (flaky_url, flaky, flaky_status) = endpoint(503).await;
    let s = Server::with_config(config(&all_url, &alert_url, &failing_url)).await;

    let (st, hook) =
        api(&s, "POST", "/v1/stores/demo/hooks", Some(json!({"hookUrl": zap_url, "event": "cart.abandoned"}))).await;
    assert_eq!(st, 201, "{hook}");
    assert!(hook["id"].as_str().unwrap().starts_with("hk_"));
    assert_eq!(hook["events"], json!(["cart.abandoned"]));
    // Zapier retries a subscribe that timed out: the same subscription, not a second.
    let (st, again) =
        api(&s, "POST", "/v1/stores/demo/hooks", Some(json!({"target_url": zap_url, "events": ["cart.abandoned"]})))
            .await;
    assert_eq!((st, &again["id"]), (200, &hook["id"]));
    let both = json!({"target_url": gone_url, "events": ["cart.abandoned", "contact.opted_out"]});
    assert_eq!(api(&s, "POST", "/v1/stores/demo/hooks", Some(both)).await.0, 201);
    let (st, flaky_hook) =
        api(&s, "POST", "/v1/stores/demo/hooks", Some(json!({"target_url": flaky_url, "events": ["cart.abandoned"]})))
            .await;
    assert_eq!(st, 201);
    let (_, list) = api(&s, "GET", "/v1/stores/demo/hooks", None).await;
    assert_eq!(list["hooks"].as_array().unwrap().len(), 3);

    // Refusals, each with its reason; nothing stored by them.
    for (body, code, says) in [
        (json!({"target_url": "http://10.0.0.5/hook", "event": "cart.abandoned"}), 422, "target_url"),
        (json!({"target_url": "ftp://x.example/h", "event": "cart.abandoned"}), 422, "target_url"),
        (json!({"target_url": zap_url, "event": "cart.exploded"}), 422, "cart.exploded"),
        (json!({"target_url": zap_url, "events": []}), 422, "events: name at least one"),
        (json!({"events": ["cart.abandoned"]}), 422, "target_url"),
    ] {
        let (st, r) = api(&s, "POST", "/v1/stores/demo/hooks", Some(body.clone())).await;
        let message = r["error"]["message"].as_str().unwrap_or_default();
        assert!(st == code && message.contains(says), "{body} → {st} {r}");
    }
    assert_eq!(api(&s, "GET", "/v1/stores/demo/hooks", None).await.1["hooks"].as_array().unwrap().len(), 3);

    // A cart abandoned: delivered to the hooks that want it, signed with the store's secret.
    assert_eq!(s.post_event(&cart("h1", "c_hook", "+905321234562", "20.00")).await.0, 202);
    s.advance(31 * 60).await;
    let got = verified(&zap);
    assert_eq!(got.iter().map(|(_, b)| b["type"].as_str().unwrap()).collect::<Vec<_>>(), ["cart.abandoned"]);
    assert_eq!(got[0].1["data"]["cart_id"], "c_hook");
    // Its sample has exactly its shape.
    let (st, sample) = api(&s, "GET", "/v1/stores/demo/hooks/samples/cart.abandoned", None).await;
    assert_eq!(st, 200);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&sample[0]), keys(&got[0].1));
    assert_eq!(keys(&sample[0]["data"]), keys(&got[0].1["data"]));
    assert_eq!(api(&s, "GET", "/v1/stores/demo/hooks/samples/cart.exploded", None).await.0, 404);
    // The endpoint that answered 410 Gone is unsubscribed (REST Hook convention).
    assert_eq!(gone.lock().unwrap().len(), 1);
    let (_, list) = api(&s, "GET", "/v1/stores/demo/hooks", None).await;
    let mut left: Vec<&str> =
        list["hooks"].as_array().unwrap().iter().map(|h| h["target_url"].as_str().unwrap()).collect();
    left.sort();
    let mut want = [zap_url.as_str(), flaky_url.as_str()];
    want.sort();
    assert_eq!(left, want);
    // The flaky one failed its quick tries: on the retry schedule. Unsubscribed before its
    // retry, the retry is dropped (counted), not sent.
    let tries = flaky.lock().unwrap().len();
    assert!(tries >= 1);
    let (st, _) =
        api(&s, "DELETE", &format!("/v1/stores/demo/hooks/{}", flaky_hook["id"].as_str().unwrap()), None).await;
    assert_eq!(st, 204);
    flaky_status.store(200, Ordering::SeqCst);
    s.advance(10 * 60).await;
    assert_eq!(flaky.lock().unwrap().len(), tries, "a removed subscription's retry is not sent");
    let (st, _) =
        api(&s, "DELETE", &format!("/v1/stores/demo/hooks/{}", flaky_hook["id"].as_str().unwrap()), None).await;
    assert_eq!(st, 404);
    let stats = s.stats().await;
    let e = &stats["events_out"];
    assert_eq!((e["hooks.subscribed"].as_u64(), e["hooks.gone"].as_u64()), (Some(3), Some(1)), "{e}");
    assert_eq!(e["hooks.unsubscribed_before_delivery"], 1, "{e}");
    // A 410 from a hook is an unsubscription, not a failure: no dead letter, no alarm.
    assert_eq!(e.get("failed"), None, "{e}");
    let (_, dead) = api(&s, "GET", "/v1/stores/demo/event-deliveries", None).await;
    let left: Vec<&str> =
        dead["deliveries"].as_array().unwrap().iter().map(|d| d["last_error"].as_str().unwrap()).collect();
    assert_eq!(left, ["the subscription was removed; not sent again"], "{dead}");
    // Another store's key sees nothing of these.
    let r = s.http.get(s.url("/v1/stores/demo/hooks")).bearer_auth("cbk_wrong").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

/// A store with an `event_webhook_secret` and no configured endpoint: its REST hooks alone get
/// the events (nothing else asks for them to be built).
#[tokio::test]
async fn rest_hooks_alone_get_the_events() {
    let (zap_url, zap, _) = endpoint(200).await;
    let text = include_str!("../docs/cartback.example.toml").replacen(
        "[stores.quiet_hours]",
        &format!("event_webhook_secret = \"{SECRET}\"\n[stores.quiet_hours]"),
        1,
    );
    let s = Server::with_config(cartback_core::config::Config::from_toml("test.toml", &text).unwrap()).await;
    let body = json!({"target_url": zap_url, "events": ["cart.abandoned", "contact.opted_out"]});
    let (st, first) = api(&s, "POST", "/v1/stores/demo/hooks", Some(body.clone())).await;
    assert_eq!(st, 201);
    // Subscribing the same again, even at once, is the same subscription: its id is what it is.
    let (a, b) = tokio::join!(
        api(&s, "POST", "/v1/stores/demo/hooks", Some(body.clone())),
        api(&s, "POST", "/v1/stores/demo/hooks", Some(body))
    );
    assert_eq!((&a.1["id"], &b.1["id"]), (&first["id"], &first["id"]));
    assert_eq!(api(&s, "GET", "/v1/stores/demo/hooks", None).await.1["hooks"].as_array().unwrap().len(), 1);
    assert_eq!(s.post_event(&cart("a1", "c_alone", "+905321234563", "20.00")).await.0, 202);
    s.advance(31 * 60).await;
    assert_eq!(s.twilio_reply("+905321234563", "STOP", "SMalone01").await.0, 200);
    let types: Vec<String> = verified(&zap).into_iter().map(|(_, b)| b["type"].as_str().unwrap().to_string()).collect();
    assert_eq!(types, ["cart.abandoned", "contact.opted_out"]);
}
