//! Issue #28's hostile findings, each as its attack over real HTTP in local mode: every test here
//! failed on the tree before the fix (the commit that added this file says how each was fixed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::config::{DEMO_API_KEY, DEMO_PUBLISHABLE_KEY};
use cartback_e2e::{START, Server, example_event};
use serde_json::{Value, json};

const AYSE: &str = "+905321234567";
const ORIGIN: &str = "https://www.shop.example";

async fn collect(s: &Server, body: &Value) -> (u16, Value) {
    let r = s
        .http
        .post(s.url(&format!("/v1/collect/demo?key={DEMO_PUBLISHABLE_KEY}")))
        .header("content-type", "text/plain;charset=UTF-8")
        .header("origin", ORIGIN)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn post(s: &Server, path: &str, body: Value) -> (u16, Value) {
    let r = s.http.post(s.url(path)).bearer_auth(DEMO_API_KEY).json(&body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// 6. Homoglyph STOPs opt out, they do not go to a person.
#[tokio::test]
async fn homoglyph_stops_opt_out() {
    for (i, stop) in ["ЅТОР", "ѕтор", "𝐒𝐓𝐎𝐏", "ⓈⓉⓄⓅ", "ЅТОР please", "𝕤𝕥𝕠𝕡 texting me"].iter().enumerate()
    {
        let s = Server::start().await;
        assert_eq!(s.post_event(&example_event("e1", "c1", START)).await.0, 202);
        s.advance(31 * 60).await;
        let (st, _) = s.twilio_reply(AYSE, stop, &format!("SMh{i}")).await;
        assert_eq!(st, 200);
        let consent = s.consent("phone=%2B905321234567").await;
        assert_eq!(consent["opted_out"], json!(["sms"]), "{stop}: {consent}");
    }
}

/// 4. A snippet cart id carrying a newline and ESC is refused before it can reach a log line or
/// the console; nothing is written.
#[tokio::test]
async fn a_snippet_cart_id_with_control_characters_is_refused() {
    let s = Server::start().await;
    for id in
        ["web-AbCdEfGhIjKlMnOp\n2026 INFO forged", "web-AbCdEfGhIjKlMnOp\u{1b}[2J", "web-AbCdEfGhIjKlMnOp\u{202e}x"]
    {
        let ev = json!({"event_id": "e1", "type": "cart.updated", "cart_id": id,
                        "cart": {"currency": "EUR", "checkout_url": "https://shop.example/c",
                                 "items": [{"sku": "A", "name": "Sweater", "quantity": 1, "unit_price": "9.00"}]}});
        let (st, r) = collect(&s, &ev).await;
        assert_eq!(st, 422, "{id:?}: {r}");
        assert!(r.to_string().contains("control or direction"), "{r}");
    }
    assert!(s.rt.store.carts_of("demo").is_empty());
}

/// 5. A domain glued to punctuation in the snippet's first name or product name never reaches
/// a message.
#[tokio::test]
async fn snippet_text_carries_no_domain_into_a_message() {
    let s = Server::start().await;
    let cart = json!({"event_id": "e1", "type": "cart.updated", "cart_id": "web-AbCdEfGhIjKlMnOpQrStUv",
                      "cart": {"currency": "EUR", "checkout_url": "https://shop.example/c",
                               "items": [{"sku": "A", "name": "Claim refund at bit.ly/r3fund", "quantity": 1, "unit_price": "9.00"}]}});
    let (st, r) = collect(&s, &cart).await;
    assert_eq!((st, r["dropped"].clone()), (202, json!(["cart.items.name"])), "{r}");
    let contact = json!({"event_id": "e2", "type": "contact.captured", "cart_id": "web-AbCdEfGhIjKlMnOpQrStUv",
                         "customer": {"first_name": "Hi evil.com'x", "email": "kari@example.com", "consent": {"email": true}}});
    let (st, r) = collect(&s, &contact).await;
    assert_eq!((st, r["dropped"].clone()), (202, json!(["customer.first_name"])), "{r}");
    s.advance(3 * 24 * 3600).await;
    let out = s.outbox().await;
    assert!(!out.is_empty());
    for m in &out {
        let text = m.to_string();
        assert!(!text.contains("evil.com") && !text.contains("bit.ly"), "{text}");
    }
}

/// 8. The /_local control routes refuse a DNS-rebinding Host and a cross-site page; a page of
/// the server itself (same origin) and curl (no Origin) still work.
#[tokio::test]
async fn local_control_routes_refuse_foreign_hosts_and_other_sites() {
    let s = Server::start().await;
    let port = s.base.rsplit(':').next().unwrap().to_string();
    let get = |host: String, origin: Option<&'static str>| {
        let mut req = s.http.get(s.url("/_local/outbox")).header("host", host);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    assert_eq!(get(format!("attacker.example:{port}"), None).await.unwrap().status().as_u16(), 403);
    assert_eq!(get("0x7f000001".into(), None).await.unwrap().status().as_u16(), 403);
    assert_eq!(
        get(format!("127.0.0.1:{port}"), Some("https://attacker.example")).await.unwrap().status().as_u16(),
        403
    );
    let post = s
        .http
        .post(s.url("/_local/clock/advance"))
        .header("origin", "http://attacker.example")
        .header("content-type", "text/plain")
        .body(r#"{"seconds": 60}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 403);
    assert_eq!(get(format!("localhost:{port}"), None).await.unwrap().status().as_u16(), 200);
    assert_eq!(get(format!("[::1]:{port}"), None).await.unwrap().status().as_u16(), 200);
    let same = s.base.clone();
    let r = s.http.get(s.url("/_local/outbox")).header("origin", same).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

/// 9. An answer whose idempotency key equals the shopper's own message id is sent, not taken
/// for a duplicate of that message.
#[tokio::test]
async fn an_idempotency_key_cannot_collide_with_a_message_id() {
    let s = Server::start().await;
    s.post_event(&example_event("e1", "c1", START)).await;
    s.advance(30 * 60).await;
    assert_eq!(s.twilio_reply(AYSE, "Can I talk to a real person please?", "SMcollide").await.0, 200);
    let list: Value = s
        .http
        .get(s.url("/v1/stores/demo/conversations"))
        .bearer_auth(DEMO_API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = list["conversations"][0]["id"].as_str().unwrap().to_string();
    let before = s.outbox().await.len();
    let answer = json!({"text": "Hello, happy to help.", "idempotency_key": "SMcollide"});
    let (st, a) = post(&s, &format!("/v1/stores/demo/conversations/{id}/messages"), answer).await;
    assert_eq!(st, 201, "{a}");
    assert_eq!(a["message"]["status"], "sent", "{a}");
    assert_eq!(s.outbox().await.len(), before + 1);
}

/// 3. A signed YES captured while subscribed, replayed after STOP and after enough other replies
/// to push its id out of the remembered window, does not re-subscribe.
#[tokio::test]
async fn a_replayed_start_does_not_resubscribe() {
    let s = Server::start().await;
    s.post_event(&example_event("e1", "c1", START)).await;
    s.advance(31 * 60).await;
    assert_eq!(s.twilio_reply(AYSE, "YES", "SMyes").await.0, 200);
    assert_eq!(s.twilio_reply(AYSE, "STOP", "SMstop").await.0, 200);
    for i in 0..cartback_core::domain::contact::INBOUND_MEMORY_MAX + 5 {
        assert_eq!(s.twilio_reply(AYSE, "ok", &format!("SMother{i}")).await.0, 200);
    }
    let (st, body) = s.twilio_reply(AYSE, "YES", "SMyes").await;
    assert_eq!(st, 200);
    assert!(!body.contains("subscribed again"), "{body}");
    let consent = s.consent("phone=%2B905321234567").await;
    assert_eq!(consent["opted_out"], json!(["sms"]), "{consent}");
}
