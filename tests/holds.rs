//! Replies that may be a "no" (issue #29, docs/replies.md "When a reply may be a no"), over HTTP
//! in local mode: a held reply stops every automated text to the phone until a person decides
//! in the inbox (release, or opt out), or until its deadline, when it is an opt-out; a wrong
//! number takes the number off; every reading is in the transcript and can be corrected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_e2e::{DEMO_API_KEY, START, Server, example_event};
use serde_json::{Value, json};

const AYSE: &str = "+905321234567";

async fn get(s: &Server, path: &str) -> (u16, Value) {
    let r = s.http.get(s.url(path)).bearer_auth(DEMO_API_KEY).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn post(s: &Server, path: &str, body: Value) -> (u16, Value) {
    let r = s.http.post(s.url(path)).bearer_auth(DEMO_API_KEY).json(&body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Ayşe's cart, its first SMS, and her reply; returns the TwiML answer.
async fn replied(s: &Server, text: &str) -> String {
    s.post_event(&example_event("evt_01", "c_1", START)).await;
    s.advance(30 * 60).await;
    assert_eq!(s.outbox().await.len(), 1);
    let (st, twiml) = s.twilio_reply(AYSE, text, "SM1").await;
    assert_eq!(st, 200);
    twiml
}

/// A new cart a day later, its steps run for three days: the texts it got.
async fn next_cart_texts(s: &Server, n: u32) -> usize {
    let now = s.advance(0).await["now"].as_str().unwrap().to_string();
    let before = s.outbox().await.len();
    s.post_event(&example_event(&format!("evt_n{n}"), &format!("c_n{n}"), &now)).await;
    for _ in 0..3 {
        s.advance(24 * 3600).await;
    }
    s.outbox().await[before..].iter().filter(|m| m["channel"] != "email").count()
}

async fn conversation(s: &Server) -> Value {
    let (_, list) = get(s, "/v1/stores/demo/conversations?status=all").await;
    let id = list["conversations"][0]["id"].as_str().expect("a conversation").to_string();
    get(s, &format!("/v1/stores/demo/conversations/{id}")).await.1
}

#[tokio::test]
async fn a_held_reply_stops_texts_until_a_person_releases_it() {
    let s = Server::start().await;
    let twiml = replied(&s, "numaramı nereden buldunuz?").await;
    // Told what happens next, in her Turkish: no "someone will answer you shortly".
    assert!(twiml.contains("otomatik mesajları durdurduk"), "{twiml}");
    assert!(!twiml.contains("kısa süre içinde yanıt verecek"), "{twiml}");
    let stats = s.stats().await;
    assert_eq!(stats["holds"]["held.words"], 1, "{stats}");
    let (_, consent) = get(&s, "/v1/stores/demo/consent?phone=%2B905321234567").await;
    assert_eq!(consent["hold"]["cause"], "words", "{consent}");
    assert_eq!(next_cart_texts(&s, 1).await, 0, "a text went to a held phone");
    assert!(s.stats().await["steps_skipped"]["held"].as_i64().unwrap() >= 1);

    let c = conversation(&s).await;
    assert_eq!(c["rule"], "held");
    let reply = &c["transcript"][0];
    assert_eq!(reply["reading"]["action"], "held", "{c}");
    assert_eq!(reply["reading"]["by"], "caution");
    assert_eq!(reply["reading"]["language"], "tr");
    let id = c["id"].as_str().unwrap();
    // A person reads it as a question about trust, not a "no": texts may go again.
    let (st, r) = post(&s, &format!("/v1/stores/demo/conversations/{id}/readings"), json!({"label": "trust"})).await;
    assert_eq!((st, r["consent"].as_str()), (200, Some("released")), "{r}");
    assert_eq!(r["conversation"]["transcript"][0]["reading"]["correction"]["label"], "trust");
    let (_, consent) = get(&s, "/v1/stores/demo/consent?phone=%2B905321234567").await;
    assert!(consent.get("hold").is_none(), "{consent}");
    assert_eq!(next_cart_texts(&s, 2).await, 1, "the released phone got no text");
    assert_eq!(s.stats().await["holds"]["decided.released"], 1);
}

#[tokio::test]
async fn a_person_reads_a_held_reply_as_a_no() {
    let s = Server::start().await;
    replied(&s, "yeter artık").await;
    let c = conversation(&s).await;
    let (id, msg) = (c["id"].as_str().unwrap(), c["transcript"][0]["id"].as_str().unwrap());
    let body = json!({"label": "opt_out", "message": msg});
    let (st, r) = post(&s, &format!("/v1/stores/demo/conversations/{id}/readings"), body.clone()).await;
    assert_eq!((st, r["consent"].as_str()), (200, Some("opted_out")), "{r}");
    // The same reading again changes nothing.
    let (_, again) = post(&s, &format!("/v1/stores/demo/conversations/{id}/readings"), body).await;
    assert_eq!(again["consent"], "unchanged");
    let (_, consent) = get(&s, "/v1/stores/demo/consent?phone=%2B905321234567").await;
    let sources: Vec<&str> =
        consent["changes"].as_array().unwrap().iter().map(|c| c["source"].as_str().unwrap()).collect();
    assert!(sources.contains(&"person"), "{consent}");
    assert_eq!(next_cart_texts(&s, 1).await, 0);
    // Bad readings: clear errors, nothing changed.
    let (st, e) = post(&s, &format!("/v1/stores/demo/conversations/{id}/readings"), json!({"label": "maybe"})).await;
    assert_eq!((st, e["error"]["code"].as_str()), (422, Some("invalid_reading")), "{e}");
    let (st, e) = post(
        &s,
        &format!("/v1/stores/demo/conversations/{id}/readings"),
        json!({"label": "trust", "message": "SM-none"}),
    )
    .await;
    assert_eq!((st, e["error"]["code"].as_str()), (404, Some("message_not_found")), "{e}");
    let (st, _) = post(&s, "/v1/stores/demo/conversations/nope/readings", json!({"label": "trust"})).await;
    assert_eq!(st, 404);
}

/// Nobody decides: ten business days later the hold is the opt-out it stood for.
#[tokio::test]
async fn an_undecided_hold_becomes_an_opt_out_after_ten_business_days() {
    let s = Server::start().await;
    replied(&s, "who gave you my number??").await;
    for _ in 0..15 {
        s.advance(24 * 3600).await;
    }
    let (_, consent) = get(&s, "/v1/stores/demo/consent?phone=%2B905321234567").await;
    assert!(consent.get("hold").is_none(), "{consent}");
    let expired: Vec<&Value> =
        consent["changes"].as_array().unwrap().iter().filter(|c| c["source"] == "hold_expired").collect();
    assert_eq!(expired.len(), 2, "SMS and WhatsApp: {consent}");
    // 2026-11-23 (Monday) 09:30 + 10 business days: Monday 2026-12-07.
    assert_eq!(expired[0]["at"], "2026-12-07T09:30:00Z", "{consent}");
    assert_eq!(next_cart_texts(&s, 1).await, 0);
    // A person's "not a no" after the deadline cannot undo it; only her START can.
    let c = conversation(&s).await;
    let id = c["id"].as_str().unwrap();
    let (_, r) = post(&s, &format!("/v1/stores/demo/conversations/{id}/readings"), json!({"label": "trust"})).await;
    assert_eq!(r["consent"], "already_opted_out", "{r}");
}

#[tokio::test]
async fn a_wrong_number_is_taken_off_and_said_so() {
    let s = Server::start().await;
    let twiml = replied(&s, "yanlış numara, ben Ayşe değilim").await;
    assert!(twiml.contains("Bu numaraya bizden artık mesaj gelmeyecek"), "{twiml}");
    let (_, consent) = get(&s, "/v1/stores/demo/consent?phone=%2B905321234567").await;
    let wrong: Vec<&str> = consent["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["source"] == "wrong_number")
        .map(|c| c["channel"].as_str().unwrap())
        .collect();
    assert_eq!(wrong, ["sms", "whatsapp"], "{consent}");
    assert_eq!(s.stats().await["wrong_numbers"], 1);
    assert_eq!(next_cart_texts(&s, 1).await, 0);
    // Kept where a person can see it, in a conversation that opened closed (no alert).
    let c = conversation(&s).await;
    assert_eq!(c["status"], "closed");
    assert_eq!(c["transcript"][0]["reading"]["action"], "wrong_number");
    let alerts: Value = s.http.get(s.url("/_local/alerts")).send().await.unwrap().json().await.unwrap();
    assert_eq!(alerts["handoffs"].as_array().map_or(0, Vec::len), 0, "{alerts}");
}

/// A reply with a little of an opt-out in the model's reading (docs/replies.md: from 0.06 to
/// 0.2) is answered as any reply is — here the FAQ's answer about customs duty — and yet held:
/// no text to the phone on her next cart until a person, who finds it in the inbox, decides.
#[tokio::test]
async fn an_unsure_reply_is_answered_and_held_until_a_person_decides() {
    let s = Server::start().await;
    let text = "Merhaba, yurtdışından geliyorsa gümrük vergisi çıkar mı acaba?";
    let reading = cartback_core::conversations::verdict::read(text);
    assert_eq!(
        reading.verdict,
        cartback_core::conversations::verdict::Verdict::Hold(cartback_core::conversations::verdict::HoldCause::Unsure),
        "{reading:?}"
    );
    let twiml = replied(&s, text).await;
    assert!(twiml.contains("kargo bedava"), "the FAQ's answer, in Turkish: {twiml}");
    assert!(!twiml.contains("kısa süre içinde yanıt verecek"), "{twiml}");
    let stats = s.stats().await;
    assert_eq!(stats["holds"]["held.unsure"], 1, "{stats}");
    let (_, consent) = get(&s, "/v1/stores/demo/consent?phone=%2B905321234567").await;
    assert_eq!(consent["hold"]["cause"], "unsure", "{consent}");
    assert_eq!(next_cart_texts(&s, 1).await, 0, "a text went to a phone held unsure");

    let c = conversation(&s).await;
    assert_eq!(c["rule"], "unsure_hold", "{c}");
    assert_eq!(c["transcript"][0]["reading"]["action"], "answered", "{c}");
    // Her next reply, annoyed: the hold firms up and she is told, once, that messages stopped.
    let (st, twiml) = s.twilio_reply(AYSE, "numaramı nereden buldunuz?", "SM2").await;
    assert_eq!(st, 200);
    assert!(twiml.contains("otomatik mesajları durdurduk"), "{twiml}");
    let (_, consent) = get(&s, "/v1/stores/demo/consent?phone=%2B905321234567").await;
    assert_eq!(consent["hold"]["cause"], "words", "{consent}");
    let id = c["id"].as_str().unwrap();
    let (st, r) = post(&s, &format!("/v1/stores/demo/conversations/{id}/readings"), json!({"label": "trust"})).await;
    assert_eq!((st, r["consent"].as_str()), (200, Some("released")), "{r}");
    assert_eq!(next_cart_texts(&s, 2).await, 1, "the released phone got no text");
}
