//! After a message, over real HTTP: the e-mail's one-click unsubscribe (RFC 8058) and Twilio's
//! delivery reports (StatusCallback), each verified and applied once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::config::DEMO_TWILIO_AUTH_TOKEN;
use cartback_e2e::{Server, example_event};
use serde_json::Value;

async fn email_sent(s: &Server) -> Value {
    s.post_event(&example_event("e1", "c1", cartback_e2e::START)).await;
    s.advance(25 * 3600).await;
    let out = s.outbox().await;
    out.into_iter().find(|m| m["channel"] == "email").expect("an e-mail")
}

#[tokio::test]
async fn one_click_unsubscribe_opts_out_of_email_only_and_a_get_never_does() {
    let s = Server::start().await;
    let mail = email_sent(&s).await;
    let url = mail["unsubscribe_url"].as_str().expect("List-Unsubscribe URL").to_string();
    let path = &url[url.find("/v1/unsubscribe/").unwrap()..];
    // A link scanner (or a person) opening it sees a button; nothing changes.
    let r = s.http.get(s.url(path)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("<form method=\"post\">"));
    assert_eq!(s.stats().await["opt_outs"].get("email"), None);
    // The mail client's one-click POST.
    let r = s
        .http
        .post(s.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let again = s.http.post(s.url(path)).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(s.stats().await["opt_outs"]["email"], 1, "counted once");
    // A forged or altered token is refused.
    let forged = format!("{}x", path);
    assert_eq!(s.http.post(s.url(&forged)).send().await.unwrap().status().as_u16(), 404);
    let other_store = path.replace("/demo/", "/nope/");
    assert_eq!(s.http.post(s.url(&other_store)).send().await.unwrap().status().as_u16(), 404);
    // The same shopper's next cart: SMS still (consented), no e-mail.
    let now = s.advance(0).await["now"].as_str().unwrap().to_string();
    let (st, r) = s.post_event(&example_event("e2", "c2", &now)).await;
    assert_eq!(st, 202, "{r}");
    s.advance(3 * 24 * 3600).await;
    let later: Vec<Value> = s.outbox().await.into_iter().filter(|m| m["cart_id"] == "c2").collect();
    assert!(later.iter().any(|m| m["channel"] == "sms"), "{later:?}");
    assert!(later.iter().all(|m| m["channel"] != "email"), "an e-mail after unsubscribing: {later:?}");
    assert!(s.stats().await["steps_skipped"]["opted_out"].as_i64().unwrap() >= 1);
}

async fn status(s: &Server, cart: &str, seq: u64, status: &str, sign_with: &str) -> (u16, Value) {
    let path = format!("/v1/status/twilio/demo?cart={cart}&seq={seq}");
    let params = vec![
        ("AccountSid".to_string(), "AC00000000000000000000000000000000".to_string()),
        ("MessageSid".to_string(), "SM0123".to_string()),
        ("MessageStatus".to_string(), status.to_string()),
    ];
    let public = format!("{}{path}", s.rt.engine.config.public_url);
    let sig = cartback_core::twilio::signature(sign_with, &public, &params);
    let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
    let r = s
        .http
        .post(s.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", sig)
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn twilio_delivery_reports_move_a_send_forward_once() {
    let s = Server::start().await;
    s.post_event(&example_event("e1", "c1", cartback_e2e::START)).await;
    s.advance(31 * 60).await;
    let sms = s.outbox().await.into_iter().find(|m| m["channel"] == "sms").expect("an SMS");
    let seq = sms["seq"].as_u64().unwrap();
    let t = DEMO_TWILIO_AUTH_TOKEN;
    assert_eq!(status(&s, "c1", seq, "queued", t).await, (200, serde_json::json!({"status": "ignored"})));
    assert_eq!(status(&s, "c1", seq, "sent", t).await.1["status"], "recorded");
    assert_eq!(status(&s, "c1", seq, "delivered", t).await.1["status"], "recorded");
    // Twilio retries, and callbacks arrive out of order: nothing moves back, nothing counts twice.
    assert_eq!(status(&s, "c1", seq, "delivered", t).await.1["status"], "unchanged");
    assert_eq!(status(&s, "c1", seq, "sent", t).await.1["status"], "unchanged");
    assert_eq!(status(&s, "c1", 999, "delivered", t).await.1["status"], "unknown");
    // Signed with another token, or for another URL: refused.
    assert_eq!(status(&s, "c1", seq, "failed", "wrong-token").await.0, 403);
    let cart = s.rt.store.carts_of("demo").into_iter().find(|c| c.id == "c1").unwrap();
    let send = cart.sends.iter().find(|x| x.seq == seq).unwrap();
    assert_eq!(send.delivery, Some(cartback_core::domain::DeliveryStatus::Delivered));
    assert_eq!(s.stats().await["messages_delivered"]["sms"], 1);
}
