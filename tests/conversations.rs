//! Conversations with a person over HTTP in local mode: a hand-off opens one, the merchant's
//! person lists, reads, answers (at most once, never after an opt-out) and closes it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_e2e::{DEMO_API_KEY, START, Server, example_event};
use serde_json::{Value, json};

const AYSE: &str = "+905321234567";

async fn get(s: &Server, path: &str, key: &str) -> (u16, Value) {
    let r = s.http.get(s.url(path)).bearer_auth(key).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn post(s: &Server, path: &str, body: Value) -> (u16, Value) {
    let r = s.http.post(s.url(path)).bearer_auth(DEMO_API_KEY).json(&body).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A shopper messaged about a cart asks for a person; returns the conversation's id.
async fn handed_off(s: &Server) -> String {
    s.post_event(&example_event("evt_01", "c_1", START)).await;
    s.advance(30 * 60).await;
    let (st, _) = s.twilio_reply(AYSE, "Beden tablosu yanlış mı? Biriyle görüşebilir miyim?", "SM1").await;
    assert_eq!(st, 200);
    let (st, list) = get(s, "/v1/stores/demo/conversations", DEMO_API_KEY).await;
    assert_eq!(st, 200, "{list}");
    let convs = list["conversations"].as_array().unwrap();
    assert_eq!(convs.len(), 1, "{list}");
    assert_eq!(convs[0]["rule"], "asked_for_person");
    assert_eq!(convs[0]["channel"], "sms");
    assert_eq!(convs[0]["cart_id"], "c_1");
    assert!(!convs[0]["shopper"].as_str().unwrap().contains("5321234567"), "masked: {list}");
    convs[0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_agent_answers_through_the_api_once_and_closes() {
    let s = Server::start().await;
    let id = handed_off(&s).await;
    let (st, c) = get(&s, &format!("/v1/stores/demo/conversations/{id}"), DEMO_API_KEY).await;
    assert_eq!(st, 200);
    let authors: Vec<&str> =
        c["transcript"].as_array().unwrap().iter().map(|m| m["author"].as_str().unwrap()).collect();
    assert_eq!(authors, ["shopper", "cartback"], "{c}");
    let sent_before = s.outbox().await.len();

    let answer = json!({"text": "Merhaba Ayşe, M beden size olur. Kargo yarın çıkar.", "idempotency_key": "k-1"});
    let (st, a) = post(&s, &format!("/v1/stores/demo/conversations/{id}/messages"), answer.clone()).await;
    assert_eq!(st, 201, "{a}");
    assert_eq!(a["message"]["status"], "sent");
    // The same key again: the first answer, nothing sent twice.
    let (st, again) = post(&s, &format!("/v1/stores/demo/conversations/{id}/messages"), answer).await;
    assert!(st == 201 || st == 202, "{again}");
    let out = s.outbox().await;
    assert_eq!(out.len(), sent_before + 1, "{out:?}");
    let last = out.last().unwrap();
    assert_eq!(last["channel"], "sms");
    assert_eq!((last["recipient"].as_str(), last["cart_id"].as_str()), (Some(AYSE), Some("c_1")), "{last}");
    assert_eq!(last["variant"], "agent");
    assert!(last["body"].as_str().unwrap().contains("M beden size olur"));

    // The shopper writes again: the same conversation, and no second "someone will answer".
    let (_, twiml) = s.twilio_reply(AYSE, "Teşekkürler, sipariş veriyorum", "SM2").await;
    assert!(!twiml.contains("yanıt verecek"), "{twiml}");
    let (_, c) = get(&s, &format!("/v1/stores/demo/conversations/{id}"), DEMO_API_KEY).await;
    let authors: Vec<&str> =
        c["transcript"].as_array().unwrap().iter().map(|m| m["author"].as_str().unwrap()).collect();
    assert_eq!(authors, ["shopper", "cartback", "agent", "shopper"], "{c}");

    let (st, closed) = post(&s, &format!("/v1/stores/demo/conversations/{id}/close"), json!({})).await;
    assert_eq!((st, closed["status"].as_str()), (200, Some("closed")));
    let (st, e) = post(&s, &format!("/v1/stores/demo/conversations/{id}/messages"), json!({"text": "hi"})).await;
    assert_eq!((st, e["error"]["code"].as_str()), (409, Some("conversation_closed")), "{e}");
    let (_, open) = get(&s, "/v1/stores/demo/conversations", DEMO_API_KEY).await;
    assert_eq!(open["conversations"].as_array().unwrap().len(), 0);
    let (_, all) = get(&s, "/v1/stores/demo/conversations?status=all", DEMO_API_KEY).await;
    assert_eq!(all["conversations"].as_array().unwrap().len(), 1);
    assert!(all["next"].is_null(), "one page: {all}");
    // Paging by cursor (the adapters' contract tests walk 202 of them): past the one
    // conversation there is nothing; a cursor not given by the API is refused.
    let updated = nanos_of(all["conversations"][0]["updated_at"].as_str().unwrap());
    let (st, past) =
        get(&s, &format!("/v1/stores/demo/conversations?status=all&before={updated}.{id}"), DEMO_API_KEY).await;
    assert_eq!((st, past["conversations"].as_array().map(Vec::len)), (200, Some(0)), "{past}");
    for bad in ["x", "12.", ".abc", "1.a%2Fb", "99999999999999999999999999.a"] {
        let (st, e) = get(&s, &format!("/v1/stores/demo/conversations?before={bad}"), DEMO_API_KEY).await;
        assert_eq!((st, e["error"]["code"].as_str()), (400, Some("invalid_cursor")), "{bad}: {e}");
    }
    let stats = s.stats().await;
    assert_eq!(stats["conversations"]["opened"], 1, "{stats}");
    assert_eq!(stats["conversations"]["answered"], 1, "{stats}");
    assert_eq!(stats["conversations"]["closed"], 1, "{stats}");
}

#[tokio::test]
async fn never_after_an_opt_out_and_never_for_another_store_or_without_a_key() {
    let s = Server::start().await;
    let id = handed_off(&s).await;
    let (st, _) = get(&s, &format!("/v1/stores/demo/conversations/{id}"), "wrong-key").await;
    assert_eq!(st, 401);
    let (st, _) = get(&s, "/v1/stores/other/conversations", DEMO_API_KEY).await;
    assert_eq!(st, 404);
    let (st, e) = post(&s, "/v1/stores/demo/conversations/AAAAAAAAAAAAAAAAAAAAAA/messages", json!({"text": "x"})).await;
    assert_eq!((st, e["error"]["code"].as_str()), (404, Some("conversation_not_found")));
    let (st, e) = post(&s, &format!("/v1/stores/demo/conversations/{id}/messages"), json!({"text": "  "})).await;
    assert_eq!((st, e["error"]["code"].as_str()), (422, Some("invalid_answer")));
    let sent = s.outbox().await.len();
    s.twilio_reply(AYSE, "STOP", "SM3").await;
    let (st, e) = post(&s, &format!("/v1/stores/demo/conversations/{id}/messages"), json!({"text": "Sorry!"})).await;
    assert_eq!((st, e["error"]["code"].as_str()), (409, Some("opted_out")), "{e}");
    assert_eq!(s.outbox().await.len(), sent, "nothing sent after STOP");
}

#[tokio::test]
async fn the_inbox_page_is_served_with_its_script_and_a_strict_policy() {
    let s = Server::start().await;
    let r = s.http.get(s.url("/inbox/demo")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"<script src="../v1/inbox.js">"#));
    assert!(!html.contains("http://") && !html.contains("https://"), "no external resources");
    let js = s.http.get(s.url("/v1/inbox.js")).send().await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.text().await.unwrap().contains("textContent"));
}

#[tokio::test]
async fn a_transcript_is_gone_after_its_retention() {
    let s = Server::start().await;
    let id = handed_off(&s).await;
    s.advance(89 * 24 * 3600).await;
    let (st, _) = get(&s, &format!("/v1/stores/demo/conversations/{id}"), DEMO_API_KEY).await;
    assert_eq!(st, 200, "kept 90 days (the default) after its last message");
    s.advance(2 * 24 * 3600).await;
    let (st, e) = get(&s, &format!("/v1/stores/demo/conversations/{id}"), DEMO_API_KEY).await;
    assert_eq!((st, e["error"]["code"].as_str()), (404, Some("conversation_not_found")), "{e}");
    let (_, all) = get(&s, "/v1/stores/demo/conversations?status=all", DEMO_API_KEY).await;
    assert_eq!(all["conversations"].as_array().unwrap().len(), 0);
    let (st, _) = post(&s, &format!("/v1/stores/demo/conversations/{id}/messages"), json!({"text": "hello?"})).await;
    assert_eq!(st, 404, "nothing is sent from an expired conversation");
}

fn config_with_conversations(section: &str) -> cartback_core::config::Config {
    let text = include_str!("../docs/cartback.example.toml").replacen(
        "[stores.quiet_hours]",
        &format!("[stores.conversations]\n{section}\n\n[stores.quiet_hours]"),
        1,
    );
    cartback_core::config::Config::from_toml("test.toml", &text).unwrap()
}

/// The store's rules: a reason the FAQ could answer still goes to a person when the store says
/// so, and so does any reply about a cart worth more than the threshold.
#[tokio::test]
async fn the_stores_handoff_rules_override_the_faq() {
    for (section, rule) in
        [("handoff_reasons = [\"unexpected_fees\"]", "reason"), ("handoff_above = \"40.00\"", "cart_value")]
    {
        let s = Server::with_config(config_with_conversations(section)).await;
        s.post_event(&example_event("evt_01", "c_1", START)).await;
        s.advance(30 * 60).await;
        // The FAQ has an answer for this reason (the free-shipping one), and would send it.
        let (_, twiml) = s.twilio_reply(AYSE, "kargo çok pahalı", "SM1").await;
        assert!(twiml.contains("kısa süre içinde yanıt verecek"), "{section}: {twiml}");
        let (_, list) = get(&s, "/v1/stores/demo/conversations", DEMO_API_KEY).await;
        assert_eq!(list["conversations"][0]["rule"], rule, "{section}: {list}");
        assert_eq!(list["conversations"][0]["reason"], "unexpected_fees");
    }
    let bad = include_str!("../docs/cartback.example.toml").replacen(
        "[stores.quiet_hours]",
        "[stores.conversations]\nretention = \"2h\"\nhandoff_reasons = [\"bored\"]\n\n[stores.quiet_hours]",
        1,
    );
    let err = cartback_core::config::Config::from_toml("test.toml", &bad).unwrap_err().to_string();
    assert!(err.contains("stores[0].conversations.retention") && err.contains("handoff_reasons[0]"), "{err}");
}

/// An RFC 3339 time as nanoseconds since the epoch (the cursor's first part).
fn nanos_of(rfc3339: &str) -> i128 {
    rfc3339.parse::<jiff::Timestamp>().map(|t| t.as_nanosecond()).unwrap_or_default()
}
