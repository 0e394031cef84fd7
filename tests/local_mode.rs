//! The whole product over HTTP in local mode with the virtual clock (the README's walkthrough).

use cartback_e2e::{START, Server, example_event, order_event};
use serde_json::Value;

fn link_path(body: &str) -> String {
    let at = body.find("/r/").expect("restore link in message");
    body[at..].split_whitespace().next().expect("token").to_string()
}

#[tokio::test]
async fn sms_after_30_minutes_then_stop_means_silence_forever() {
    let s = Server::start().await;
    let (st, _) = s.post_event(&example_event("evt_01", "c_123", START)).await;
    assert_eq!(st, 202);
    s.advance(29 * 60).await;
    assert!(s.outbox().await.is_empty(), "a message before abandon_after");
    let adv = s.advance(60).await;
    assert_eq!(adv["messages_sent"], 1);
    let out = s.outbox().await;
    assert_eq!(out.len(), 1);
    let sms = &out[0];
    assert_eq!(sms["channel"], "sms");
    assert_eq!(sms["recipient"], "+905321234567");
    assert_eq!(sms["store"], "demo");
    assert_eq!(sms["cart_id"], "c_123");
    assert_eq!(sms["step"], 0);
    assert_eq!(sms["sent_at"], "2026-11-23T09:30:00Z");
    let body = sms["body"].as_str().unwrap();
    assert!(body.contains("Ayşe"), "{body}");
    // "ş" is outside GSM-7: the whole SMS is UCS-2, and its cost is reported.
    assert_eq!(sms["encoding"], "UCS-2");
    let units = body.encode_utf16().count();
    assert_eq!(sms["segments"], if units <= 70 { 1 } else { units.div_ceil(67) });
    // Ayşe's locale is tr-TR: the built-in Turkish text, with her 10 % code.
    assert!(body.starts_with("Ayşe, Demo Shop sepetin: http://"), "{body}");
    assert!(body.contains("%10 indirim: CB-"), "{body}");

    // The restore link works: 302 to the store's checkout, nowhere else.
    let r = s.http.get(s.url(&link_path(body))).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "https://shop.example/checkouts/abc");
    assert_eq!(r.headers()["cache-control"], "no-store");

    let (st, twiml) = s.twilio_reply("+905321234567", "Stop", "SM1").await;
    assert_eq!(st, 200);
    // Ayşe shops in Turkish, so the confirmation is Turkish too.
    assert!(twiml.contains("<Message>") && twiml.contains("artık mesaj almayacaksınız"), "{twiml}");
    // A second STOP (or Twilio retrying the first) is not confirmed again.
    let (_, twiml2) = s.twilio_reply("+905321234567", "STOP", "SM2").await;
    assert!(!twiml2.contains("<Message>"), "{twiml2}");
    let (_, again) = s.twilio_reply("+905321234567", "Stop", "SM1").await;
    assert!(!again.contains("<Message>"), "{again}");

    s.advance(72 * 3600).await;
    assert_eq!(s.outbox().await.len(), 1, "a message after STOP");
    let stats = s.stats().await;
    assert_eq!(stats["opt_outs"]["sms"], 1);

    // A later cart of the same shopper: SMS stays off (opted out), e-mail follows its own consent.
    let mut later = example_event("evt_03", "c_456", "2026-11-26T09:30:00Z");
    later["customer"]["timezone"] = Value::String("UTC".into());
    assert_eq!(s.post_event(&later).await.0, 202);
    s.advance(80 * 3600).await;
    let channels: Vec<String> = s.outbox().await.iter().map(|m| m["channel"].as_str().unwrap().to_string()).collect();
    assert_eq!(channels, ["sms", "email"]);
    assert_eq!(s.stats().await["steps_skipped"]["opted_out"], 1);
}

#[tokio::test]
async fn order_after_the_sms_is_recovered_revenue() {
    let s = Server::start().await;
    s.post_event(&example_event("evt_01", "c_123", START)).await;
    s.advance(30 * 60).await;
    assert_eq!(s.outbox().await.len(), 1);
    s.advance(15 * 60).await;
    let (st, v) = s.post_event(&order_event("evt_02", "c_123", "2026-11-23T09:45:00Z", "699.80", "TRY")).await;
    assert_eq!(st, 202);
    assert_eq!(v["state"], "recovered");
    s.advance(80 * 3600).await;
    assert_eq!(s.outbox().await.len(), 1, "a message after the order");
    let stats = s.stats().await;
    assert_eq!(stats["orders_recovered"], 1);
    assert_eq!(stats["revenue_recovered"]["TRY"], 69980);
    assert_eq!(stats["carts_abandoned"], 1);
    assert_eq!(stats["messages_by_channel"]["sms"], 1);
    assert_eq!(stats["recovery_rate"], 1.0);
}

#[tokio::test]
async fn order_before_abandonment_is_converted_and_silent() {
    let s = Server::start().await;
    s.post_event(&example_event("evt_01", "c_9", START)).await;
    s.advance(10 * 60).await;
    let (_, v) = s.post_event(&order_event("evt_02", "c_9", "2026-11-23T09:10:00Z", "699.80", "TRY")).await;
    assert_eq!(v["state"], "converted");
    s.advance(80 * 3600).await;
    assert!(s.outbox().await.is_empty());
    let stats = s.stats().await;
    assert_eq!(stats["orders_converted"], 1);
    assert_eq!(stats["orders_recovered"], 0);
}

#[tokio::test]
async fn full_sequence_sms_email_whatsapp_with_spacing() {
    let s = Server::start().await;
    let mut ev = example_event("evt_01", "c_all", START);
    ev["customer"]["consent"]["whatsapp"] = Value::Bool(true);
    ev["customer"]["timezone"] = Value::String("UTC".into());
    s.post_event(&ev).await;
    s.advance(80 * 3600).await;
    let out = s.outbox().await;
    let channels: Vec<&str> = out.iter().map(|m| m["channel"].as_str().unwrap()).collect();
    assert_eq!(channels, ["sms", "email", "whatsapp"]);
    let times: Vec<&str> = out.iter().map(|m| m["sent_at"].as_str().unwrap()).collect();
    assert_eq!(times, ["2026-11-23T09:30:00Z", "2026-11-24T09:00:00Z", "2026-11-26T09:00:00Z"]);
    assert!(out[1]["body"].as_str().unwrap().contains("Kazak"));
}

#[tokio::test]
async fn free_text_reply_pauses_records_reason_and_answers() {
    let s = Server::start().await;
    s.post_event(&example_event("evt_01", "c_1", START)).await;
    s.advance(30 * 60).await;
    let (st, twiml) = s.twilio_reply("+905321234567", "shipping is too expensive", "SM9").await;
    assert_eq!(st, 200);
    // The demo store's answer, in Ayşe's Turkish (`faq_translations.tr`), amounts as Turks write them.
    assert!(twiml.contains("50,00 EUR üzeri siparişlerde kargo bedava"), "{twiml}");
    s.advance(80 * 3600).await;
    assert_eq!(s.outbox().await.len(), 1, "the sequence went on after a human reply");
    let stats = s.stats().await;
    assert_eq!(stats["reasons"]["unexpected_fees"], 1);
    let (_, twiml) = s.twilio_reply("+905321234567", "hmm ok, let me think", "SM10").await;
    assert!(twiml.contains("kısa süre içinde yanıt verecek"), "{twiml}");
    let alerts: Value = s.http.get(s.url("/_local/alerts")).send().await.unwrap().json().await.unwrap();
    let h = &alerts["handoffs"][0];
    assert_eq!(h["reason"], "other");
    // It opened a conversation for a person, named in the hand-off with its inbox link.
    let id = h["conversation"].as_str().expect("the hand-off names its conversation");
    assert_eq!(id.len(), 22);
    assert!(h["inbox_url"].as_str().unwrap().ends_with(&format!("/inbox/demo#{id}")), "{h}");
    assert_eq!(h["rule"], "unsure");
    // The next reply joins the same conversation, and is not told again that someone will answer.
    let (_, twiml) = s.twilio_reply("+905321234567", "can I talk to a real person?", "SM12").await;
    assert!(!twiml.contains("kısa süre içinde yanıt verecek"), "{twiml}");
    let alerts: Value = s.http.get(s.url("/_local/alerts")).send().await.unwrap().json().await.unwrap();
    let h2 = &alerts["handoffs"][1];
    assert_eq!(h2["conversation"], id);
    assert_eq!(h2["rule"], "asked_for_person");
    assert!(!h["from_masked"].as_str().unwrap().contains("5321234567"));
    let (_, help) = s.twilio_reply("+905321234567", "HELP", "SM11").await;
    assert!(help.contains("Reply STOP"), "{help}");
}

#[tokio::test]
async fn returning_shopper_resumes_at_the_next_step() {
    let s = Server::start().await;
    let mut ev = example_event("e1", "c_r", START);
    ev["customer"]["timezone"] = Value::String("UTC".into());
    s.post_event(&ev).await;
    s.advance(30 * 60).await; // SMS
    s.advance(30 * 60).await;
    let mut back = example_event("e2", "c_r", "2026-11-23T10:00:00Z");
    back["customer"]["timezone"] = Value::String("UTC".into());
    let (_, v) = s.post_event(&back).await;
    assert_eq!(v["state"], "active");
    s.advance(80 * 3600).await;
    let channels: Vec<String> = s.outbox().await.iter().map(|m| m["channel"].as_str().unwrap().to_string()).collect();
    // Never the SMS again (no restart, one SMS per episode); e-mail resumes 24 h after the return.
    assert_eq!(channels, ["sms", "email"]);
    assert_eq!(s.outbox().await[1]["sent_at"], "2026-11-24T10:00:00Z");
}

#[tokio::test]
async fn advance_validates_and_local_routes_answer() {
    let s = Server::start().await;
    for body in [r#"{"seconds": -1}"#, r#"{"seconds": "x"}"#, r#"{}"#] {
        let r = s.http.post(s.url("/_local/clock/advance")).body(body).send().await.unwrap();
        assert_eq!(r.status(), 422, "{body}");
    }
    let r = s.http.post(s.url("/_local/clock/advance")).body("{").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = s.http.get(s.url("/_local/clock")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["now"], START);
}

/// Local mode sends hand-offs to a store's `alert_webhook` like a deployment does: signed, and
/// checked here by the Standard Webhooks scheme's own rules (HMAC-SHA256 over
/// `{id}.{timestamp}.{body}` under the secret's bytes), computed independently of Cartback's code.
#[tokio::test]
async fn a_handoff_reaches_the_stores_alert_webhook_signed() {
    use axum::http::HeaderMap;
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    type Received = std::sync::Arc<std::sync::Mutex<Vec<(HeaderMap, Vec<u8>)>>>;
    let received: Received = Default::default();
    let log = received.clone();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push((headers, body.to_vec()));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });

    let secret_bytes = b"cartback-test-alert-secret-0123456789";
    let secret = format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(secret_bytes));
    let demo = cartback_core::config::demo_config();
    let mut store = (**demo.store("demo").unwrap()).clone();
    store.alert_webhook =
        Some(cartback_core::config::AlertWebhook { url, secret: cartback_core::config::Secret(secret) });
    let s = Server::with_config(cartback_core::config::Config::new(demo.public_url.clone(), vec![store])).await;
    s.post_event(&example_event("evt_01", "c_1", START)).await;
    s.advance(30 * 60).await;
    let (_, twiml) = s.twilio_reply("+905321234567", "hmm ok, let me think", "SM10").await;
    assert!(twiml.contains("kısa süre içinde yanıt verecek"), "{twiml}");

    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    let h = |k: &str| headers[k].to_str().unwrap().to_string();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret_bytes).unwrap();
    mac.update(format!("{}.{}.", h("webhook-id"), h("webhook-timestamp")).as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
    assert_eq!(h("webhook-signature"), expected);
    let msg: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(msg["type"], "conversation.handoff");
    assert_eq!(msg["data"]["cart_id"], "c_1");
    assert!(!msg["data"]["from"].as_str().unwrap().contains("5321234567"), "the shopper's number is masked");
    assert_eq!(s.stats().await["handoffs"]["delivered"], 1);
}
