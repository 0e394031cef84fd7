//! After a message, over real HTTP: the e-mail's one-click unsubscribe (RFC 8058) and Twilio's
//! delivery reports (StatusCallback), each verified and applied once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cartback_core::config::DEMO_TWILIO_AUTH_TOKEN;
use cartback_e2e::{Server, example_event, meta_sign};
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

/// The attack: the contact key in `List-Unsubscribe` was an unkeyed hash of store and phone, so
/// trying the numbers of a range recovered the shopper's. Now it is keyed by the deployment's
/// secret: the same trial finds nothing, and a link sent before still works after the
/// migration's record (shared/sqlite/tests/open.rs, shared/aws/tests/contact_keys.rs).
#[tokio::test]
async fn the_unsubscribe_link_cannot_be_turned_back_into_the_phone() {
    use cartback_core::domain::contact::legacy_contact_key;
    let s = Server::start().await;
    let mail = email_sent(&s).await;
    let url = mail["unsubscribe_url"].as_str().expect("List-Unsubscribe URL").to_string();
    let token = url.rsplit('/').next().unwrap();
    let key = token.split('.').next().unwrap();
    // The dictionary attack on the old scheme: every number around the shopper's.
    let found = (30_000..40_000).map(|i| format!("+9053212{i:05}")).find(|p| legacy_contact_key("demo", p) == key);
    assert_eq!(found, None, "the link's key is the unkeyed hash of a phone");
}

async fn status(s: &Server, cart: &str, seq: u64, status: &str, sign_with: &str) -> (u16, Value) {
    let path = format!("/v1/status/twilio/demo?cart={cart}&seq={seq}");
    let params = vec![
        ("AccountSid".to_string(), "AC00000000000000000000000000000000".to_string()),
        ("MessageSid".to_string(), "SM0123".to_string()),
        ("MessageStatus".to_string(), status.to_string()),
    ];
    let public = format!("{}{path}", s.rt.engine.config().public_url);
    let sig = cartback_core::conversations::twilio_webhook::signature(sign_with, &public, &params);
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

async fn coupon(s: &Server, code: &str, redeem: bool, key: &str) -> (u16, Value) {
    let path = if redeem {
        format!("/v1/stores/demo/coupons/{code}/redeem")
    } else {
        format!("/v1/stores/demo/coupons/{code}")
    };
    let req = if redeem { s.http.post(s.url(&path)) } else { s.http.get(s.url(&path)) };
    let r = req.bearer_auth(key).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn code_in(body: &str) -> String {
    let at = body.find("CB-").expect("a code in the message");
    body[at..at + 15].to_string()
}

#[tokio::test]
async fn a_code_in_a_message_is_checked_redeemed_once_and_expires() {
    let s = Server::start().await;
    let key = cartback_core::config::DEMO_API_KEY;
    s.post_event(&example_event("e1", "c1", cartback_e2e::START)).await;
    s.advance(31 * 60).await;
    let sms = s.outbox().await.into_iter().find(|m| m["channel"] == "sms").unwrap();
    let code = code_in(sms["body"].as_str().unwrap());
    let (st, v) = coupon(&s, &code, false, key).await;
    assert_eq!(
        (st, v["status"].as_str(), v["kind"].as_str(), v["percent"].as_u64()),
        (200, Some("valid"), Some("percent_off"), Some(10)),
        "{v}"
    );
    assert_eq!(v["cart_id"], "c1");
    // Exactly once, even when the storefront asks twice at the same moment.
    let (a, b) = tokio::join!(coupon(&s, &code, true, key), coupon(&s, &code, true, key));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    assert_eq!(coupon(&s, &code, false, key).await.1["status"], "redeemed");
    // Unknown codes, malformed codes, and another store's key.
    assert_eq!(coupon(&s, "CB-000000000000", false, key).await.0, 404);
    assert_eq!(coupon(&s, "nope", true, key).await.0, 404);
    assert_eq!(coupon(&s, &code, false, "wrong-key-0123456789").await.0, 401);
    assert_eq!(s.stats().await["coupons_redeemed"], 1);
}

#[tokio::test]
async fn an_expired_code_is_refused_and_the_budget_holds_per_contact() {
    let s = Server::start().await;
    let key = cartback_core::config::DEMO_API_KEY;
    // Three carts of the same shopper, each abandoned: the demo allows 2 codes per contact in 30 days.
    let mut codes = Vec::new();
    for i in 1..=3 {
        let now = s.advance(0).await["now"].as_str().unwrap().to_string();
        s.post_event(&example_event(&format!("e{i}"), &format!("c{i}"), &now)).await;
        s.advance(31 * 60).await;
        let sms: Vec<Value> = s.outbox().await.into_iter().filter(|m| m["cart_id"] == format!("c{i}")).collect();
        codes.push(sms.first().map(|m| m["body"].as_str().unwrap().contains("CB-")));
        s.advance(24 * 3600).await;
    }
    assert_eq!(codes, [Some(true), Some(true), Some(false)], "the third message came without a code");
    assert_eq!(s.stats().await["coupons_withheld"]["contact"], 1);
    // The first code's 2 hours are long gone.
    let first = s.outbox().await.into_iter().find(|m| m["cart_id"] == "c1" && m["channel"] == "sms").unwrap();
    let code = code_in(first["body"].as_str().unwrap());
    assert_eq!(coupon(&s, &code, false, key).await.1["status"], "expired");
    let (st, v) = coupon(&s, &code, true, key).await;
    assert_eq!((st, v["error"]["code"].as_str()), (410, Some("coupon_expired")));
}

#[tokio::test]
async fn the_consent_ledger_keeps_every_change_with_its_source() {
    let s = Server::start().await;
    let key = cartback_core::config::DEMO_API_KEY;
    let mut ev = example_event("e1", "c1", cartback_e2e::START);
    ev["customer"]["consent_version"] = serde_json::json!("checkout-2026-10");
    s.post_event(&ev).await;
    s.advance(31 * 60).await;
    s.twilio_reply("+905321234567", "STOP", "SM-stop-1").await;
    let get = |q: &'static str| s.http.get(s.url(&format!("/v1/stores/demo/consent?{q}"))).bearer_auth(key).send();
    let r = get("phone=%2B905321234567").await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["opted_out"], serde_json::json!(["sms"]));
    assert_eq!(v["changes"][0]["source"], "reply");
    assert_eq!(v["changes"][0]["granted"], false);
    assert_eq!(v["changes"][0]["reference"], "SM-stop-1");
    let from_events: Vec<(String, bool, String)> = v["cart_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["channel"].as_str().unwrap().into(),
                c["granted"].as_bool().unwrap(),
                c["text_version"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        from_events,
        [
            ("sms".into(), true, "checkout-2026-10".into()),
            ("email".into(), true, "checkout-2026-10".into()),
            ("whatsapp".into(), false, "checkout-2026-10".into())
        ]
    );
    assert_eq!(v["cart_changes"][0]["at"], cartback_e2e::START);
    assert_eq!(get("phone=%2B4791234567").await.unwrap().status().as_u16(), 404);
    assert_eq!(get("phone=12").await.unwrap().status().as_u16(), 422);
    assert_eq!(get("").await.unwrap().status().as_u16(), 422);
}

#[tokio::test]
async fn whatsapp_statuses_are_verified_and_recorded() {
    use hmac::{Hmac, Mac};
    let s = Server::start().await;
    let mut ev = example_event("e1", "c1", cartback_e2e::START);
    ev["customer"]["consent"]["whatsapp"] = serde_json::json!(true);
    s.post_event(&ev).await;
    s.advance(73 * 3600).await;
    let wa = s.outbox().await.into_iter().find(|m| m["channel"] == "whatsapp").expect("a WhatsApp message");
    let seq = wa["seq"].as_u64().unwrap();
    // Meta's subscription handshake.
    let r = s
        .http
        .get(s.url(
            "/v1/whatsapp/demo?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=demo_whatsapp_verify_token",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (200, "1158201444".to_string()));
    let r = s
        .http
        .get(s.url("/v1/status/whatsapp/demo?hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // A signed delivery with the message's status.
    let body = format!(
        r#"{{"object": "whatsapp_business_account", "entry": [{{"id": "1", "changes": [{{"field": "messages", "value": {{
            "messaging_product": "whatsapp", "statuses": [{{"id": "wamid.X", "status": "delivered", "timestamp": "1764000000",
            "recipient_id": "905321234567", "biz_opaque_callback_data": "cart=c1&seq={seq}"}},
            {{"id": "wamid.other", "status": "delivered", "recipient_id": "905321234567"}}]}}}}]}}]}}"#
    );
    let sign = |secret: &str, b: &str| {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(b.as_bytes());
        let bytes = mac.finalize().into_bytes();
        format!("sha256={}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
    };
    let post = |sig: String| {
        s.http.post(s.url("/v1/status/whatsapp/demo")).header("x-hub-signature-256", sig).body(body.clone()).send()
    };
    let r = post(sign("wrong", &body)).await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = post(sign("demo_whatsapp_app_secret", &body)).await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["statuses"].as_u64(), v["recorded"].as_u64()), (Some(1), Some(1)));
    let again: Value = post(sign("demo_whatsapp_app_secret", &body)).await.unwrap().json().await.unwrap();
    assert_eq!(again["recorded"], 0, "a retried delivery changes nothing");
    assert_eq!(s.stats().await["messages_delivered"]["whatsapp"], 1);
    // Another tool's message on the same number: counted, not lost in silence.
    assert_eq!((v["ignored"].as_u64(), again["ignored"].as_u64()), (Some(1), Some(1)));
    assert_eq!(s.stats().await["webhooks"]["whatsapp_status.ignored"], 2);
}

#[tokio::test]
async fn ses_events_record_delivery_and_a_complaint_opts_out_of_email() {
    use cartback_core::feedback::ses_events::{parse, tags};
    let s = Server::start().await;
    let mail = email_sent(&s).await;
    let seq = mail["seq"].as_u64().unwrap();
    let event = |kind: &str, extra: Value| {
        let t = tags("demo", "c1", seq);
        let mut detail = serde_json::json!({"eventType": kind, "mail": {"messageId": "0100018c-ses", "tags": {
            t[0].0: [t[0].1], t[1].0: [t[1].1], t[2].0: [t[2].1]}}});
        if let (Some(d), Some(e)) = (detail.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        parse(&serde_json::json!({"source": "aws.ses", "detail-type": "Email", "detail": detail})).unwrap()
    };
    use cartback_core::feedback::delivery::DeliveryOutcome;
    assert_eq!(
        s.rt.engine.feedback.on_email_event(&event("Delivery", serde_json::json!({}))).await.unwrap(),
        DeliveryOutcome::Recorded
    );
    assert_eq!(
        s.rt.engine.feedback.on_email_event(&event("Delivery", serde_json::json!({}))).await.unwrap(),
        DeliveryOutcome::Unchanged
    );
    assert_eq!(
        s.rt.engine.feedback.on_email_event(&event("Complaint", serde_json::json!({}))).await.unwrap(),
        DeliveryOutcome::Recorded
    );
    let stats = s.stats().await;
    assert_eq!(
        (stats["messages_delivered"]["email"].as_i64(), stats["opt_outs"]["email"].as_i64()),
        (Some(1), Some(1))
    );
    let v = s.consent("phone=%2B905321234567").await;
    assert_eq!(v["opted_out"], serde_json::json!(["email"]));
    assert_eq!(v["changes"][0]["source"], "complaint");
}

/// Meta's documented inbound text message, as the shopper's answer to the WhatsApp step: it is
/// verified, handled like an SMS reply (here: a question nobody configured an answer for, so a
/// hand-off), answered on WhatsApp as free-form text, de-duplicated by its id; a "Stop
/// promotions" button opts out of WhatsApp; and an SMS reply opens no WhatsApp window.
#[tokio::test]
async fn whatsapp_replies_are_received_answered_and_honoured() {
    let s = Server::start().await;
    let mut ev = example_event("e1", "c1", cartback_e2e::START);
    ev["customer"]["phone"] = serde_json::json!("+16505551234");
    ev["customer"]["consent"]["whatsapp"] = serde_json::json!(true);
    s.post_event(&ev).await;
    s.advance(31 * 60).await;
    let fixture = include_bytes!("fixtures/whatsapp/meta_whatsapp_inbound_text_message.json").to_vec();
    let post = |body: Vec<u8>| {
        s.http.post(s.url("/v1/whatsapp/demo")).header("x-hub-signature-256", meta_sign(&body)).body(body).send()
    };
    let v: Value = post(fixture.clone()).await.unwrap().json().await.unwrap();
    assert_eq!((v["messages"].as_u64(), v["actions"][0].as_str()), (Some(1), Some("handed_off")), "{v}");
    let answer = s.outbox().await.into_iter().rfind(|m| m["channel"] == "whatsapp").expect("an answer on WhatsApp");
    assert_eq!(answer["recipient"], "+16505551234");
    assert_eq!(s.rt.alerts.all().len(), 1, "the hand-off");
    // Meta retries the delivery: nothing happens twice.
    let v: Value = post(fixture).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "duplicate");
    assert_eq!(s.rt.alerts.all().len(), 1);
    // The template's "Complete my order" button: the restore link, in the shopper's language.
    let restore = br#"{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
        "messages": [{"from": "16505551234", "id": "wamid.restore", "type": "button",
                      "button": {"text": "Siparisimi tamamla", "payload": "RESTORE"}}]}}]}]}"#
        .to_vec();
    let v: Value = post(restore).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "restore", "{v}");
    let answer = s.outbox().await.into_iter().rfind(|m| m["channel"] == "whatsapp").unwrap();
    assert!(answer["body"].as_str().unwrap().contains("/r/"), "{answer}");
    assert_eq!(s.rt.alerts.all().len(), 1, "a button tap is not handed to a person");
    // The template's "Stop promotions" button.
    let stop = br#"{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
        "messages": [{"from": "16505551234", "id": "wamid.stop", "type": "button",
                      "button": {"text": "Stop promotions", "payload": "STOP"}}]}}]}]}"#
        .to_vec();
    let v: Value = post(stop).await.unwrap().json().await.unwrap();
    assert_eq!(v["actions"][0], "opted_out", "{v}");
    let consent = s.consent("phone=%2B16505551234").await;
    assert_eq!(consent["opted_out"], serde_json::json!(["whatsapp"]), "{consent}");
}

/// Twilio's SharedKey signing: `X-Twilio-Webhooks-Signature-Settings` names the algorithm
/// (HMAC-SHA256 here) and the request is signed with the SharedKey secret, not the auth token
/// (twilio-python's `RequestValidator`, `get_signature_algorithm`).
#[tokio::test]
async fn shared_key_signatures_with_hmac_sha256_are_accepted_only_with_the_shared_key() {
    use cartback_core::conversations::twilio_webhook::{Algorithm, signature_with};
    let text = include_str!("../docs/cartback.example.toml").replacen(
        "twilio_auth_token = \"demo_twilio_auth_token\"",
        "twilio_auth_token = \"demo_twilio_auth_token\"\ntwilio_webhook_shared_key = \"sk_e2e_secret\"",
        1,
    );
    let s = Server::with_config(cartback_core::config::Config::from_toml("t.toml", &text).unwrap()).await;
    let params = vec![
        ("Body".to_string(), "hello".to_string()),
        ("From".to_string(), "+905321234567".to_string()),
        ("MessageSid".to_string(), "SMsk1".to_string()),
    ];
    let url = format!("{}/v1/replies/twilio/demo", s.rt.engine.config().public_url);
    let send = |sig: String, settings: &'static str| {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
        s.http
            .post(s.url("/v1/replies/twilio/demo"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("X-Twilio-Signature", sig)
            .header("X-Twilio-Webhooks-Signature-Settings", settings)
            .body(body)
            .send()
    };
    let good = signature_with(Algorithm::HmacSha256, "sk_e2e_secret", &url, &params);
    let r = send(good, "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256").await.unwrap();
    assert_eq!(r.status(), 200);
    // Signed with the auth token instead of the shared key: refused.
    let wrong_key = signature_with(Algorithm::HmacSha256, "demo_twilio_auth_token", &url, &params);
    let r = send(wrong_key, "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256").await.unwrap();
    assert_eq!(r.status(), 403);
    let r = send("x".into(), "algorithm=HMAC_MD5").await.unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unsupported_signature", "{body}");
}

/// A Norwegian shopper named Zoë (ë is not GSM-7): her name no longer turns the SMS into four
/// UCS-2 segments that the cap of three drops in silence. Names from every script the built-in
/// texts serve reach the phone, within the cap; what cannot fit is skipped and counted.
#[tokio::test]
async fn zoe_in_oslo_gets_an_sms() {
    for (i, name) in ["Zoë", "Chloë", "Łukasz", "Dāvis", "Ola 🌲", "Zoë-Åse Kristiansen-Nordmann"].iter().enumerate()
    {
        let s = Server::start().await;
        let mut ev = example_event(&format!("e{i}"), "c_no", cartback_e2e::START);
        ev["customer"]["first_name"] = serde_json::json!(name);
        ev["customer"]["phone"] = serde_json::json!("+4791234567");
        ev["customer"]["locale"] = serde_json::json!("nb-NO");
        ev["customer"]["timezone"] = serde_json::json!("Europe/Oslo");
        s.post_event(&ev).await;
        s.advance(31 * 60).await;
        let out = s.outbox().await;
        let sms = out.iter().find(|m| m["channel"] == "sms").unwrap_or_else(|| panic!("{name}: no SMS: {out:?}"));
        let segments = sms["segments"].as_u64().unwrap();
        assert!(segments <= 3, "{name}: {sms}");
        let stats = s.stats().await;
        assert!(stats["steps_skipped"].get("too_long").is_none(), "{name}: {stats}");
    }
}

/// What cannot fit even shortened is skipped, recorded on the cart and counted with its cause:
/// never lost in silence.
#[tokio::test]
async fn an_sms_that_cannot_fit_is_skipped_and_counted() {
    let text = include_str!("../docs/cartback.example.toml").replacen(
        "twilio_auth_token = \"demo_twilio_auth_token\"",
        "twilio_auth_token = \"demo_twilio_auth_token\"\nmax_sms_segments = 1",
        1,
    );
    let s = Server::with_config(cartback_core::config::Config::from_toml("t.toml", &text).unwrap()).await;
    // Ayşe's Turkish text fits one GSM-7 segment once her name is spelled "Ayse"; a Persian text
    // (UCS-2, over 70 characters) cannot.
    let mut ev = example_event("e1", "c1", cartback_e2e::START);
    ev["customer"]["locale"] = serde_json::json!("fa-IR");
    s.post_event(&ev).await;
    s.advance(31 * 60).await;
    let out = s.outbox().await;
    assert!(out.iter().all(|m| m["channel"] != "sms"), "{out:?}");
    let stats = s.stats().await;
    assert_eq!(stats["steps_skipped"]["too_long"], 1, "{stats}");
    assert!(stats["messages_failed"].as_object().is_none_or(|m| m.is_empty()), "{stats}");
}

/// A store whose SES bounce rate reaches 5 % of its e-mails over seven days (SES's review
/// threshold) has its e-mail paused: the next e-mail step is skipped and counted with its cause,
/// `GET …/email` says so, SMS still goes; the merchant's resume lifts it and the next cart's
/// e-mail goes out. On memory and on SQLite.
#[tokio::test]
async fn a_stores_email_is_paused_at_the_bounce_rate_and_resumed_by_the_merchant() {
    email_pause_story(&Server::start().await).await;
    let dir = std::env::temp_dir().join(format!("cartback-email-pause-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    email_pause_story(&Server::with_sqlite(&dir).await).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn email_pause_story(s: &Server) {
    use cartback_core::feedback::delivery::DeliveryOutcome;
    use cartback_core::feedback::ses_events::{parse, tags};
    let shopper = |i: u32, at: &str| {
        let mut ev = example_event(&format!("e{i}"), &format!("c{i}"), at);
        ev["customer"]["email"] = serde_json::json!(format!("s{i}@example.com"));
        ev["customer"]["phone"] = serde_json::json!(format!("+9053212345{i:02}"));
        ev
    };
    for i in 1..=5 {
        s.post_event(&shopper(i, cartback_e2e::START)).await;
    }
    s.advance(25 * 3600).await;
    let mails: Vec<Value> = s.outbox().await.into_iter().filter(|m| m["channel"] == "email").collect();
    assert_eq!(mails.len(), 5, "{mails:?}");
    // The store's earlier mail this week: 95 more, so these five bounces are 5 % of 100.
    let engine = &s.rt.engine;
    let day = engine.config().stats_day("demo", s.rt.clock.now());
    s.rt.store.add("demo", day, &[("messages.sent.email".to_string(), 95)]).await.unwrap();
    let state = |s: &Server| {
        let url = s.url("/v1/stores/demo/email");
        let http = s.http.clone();
        async move {
            let r = http.get(url).bearer_auth(cartback_e2e::DEMO_API_KEY).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    for (n, i) in (1..=5u32).enumerate() {
        let cart = format!("c{i}");
        let mail = s.outbox().await.into_iter().find(|m| m["channel"] == "email" && m["cart_id"] == cart.as_str());
        let seq = mail.as_ref().and_then(|m| m["seq"].as_u64()).unwrap_or_else(|| panic!("{cart}: {mail:?}"));
        let t = tags("demo", &cart, seq);
        let detail = serde_json::json!({"eventType": "Bounce", "bounce": {"bounceType": "Permanent"},
            "mail": {"messageId": "0100018c-ses", "tags": {t[0].0: [t[0].1], t[1].0: [t[1].1], t[2].0: [t[2].1]}}});
        let ev = parse(&serde_json::json!({"source": "aws.ses", "detail-type": "Email", "detail": detail})).unwrap();
        assert_eq!(engine.feedback.on_email_event(&ev).await.unwrap(), DeliveryOutcome::Recorded);
        // SES delivers at least once: the same bounce again counts nothing.
        assert_eq!(engine.feedback.on_email_event(&ev).await.unwrap(), DeliveryOutcome::Unchanged);
        let v = state(s).await;
        assert_eq!(v["bounces"], n as i64 + 1);
        assert_eq!(v["email"], if n < 4 { "sending" } else { "paused" }, "after {} bounces: {v}", n + 1);
    }
    let v = state(s).await;
    assert_eq!((v["sent"].as_i64(), v["bounces"].as_i64(), v["complaints"].as_i64()), (Some(100), Some(5), Some(0)));
    // A new shopper's cart while paused: the SMS goes, the e-mail step is skipped with its cause.
    let now = s.advance(0).await["now"].as_str().unwrap().to_string();
    let before = s.outbox().await.len();
    s.post_event(&shopper(6, &now)).await;
    s.advance(25 * 3600).await;
    let new: Vec<Value> = s.outbox().await.into_iter().skip(before).collect();
    assert!(new.iter().any(|m| m["channel"] == "sms") && !new.iter().any(|m| m["channel"] == "email"), "{new:?}");
    assert_eq!(s.stats().await["steps_skipped"]["email_paused"], 1);
    // The merchant cleans the list and resumes; a second resume changes nothing.
    let resume = || s.http.post(s.url("/v1/stores/demo/email/resume")).bearer_auth(cartback_e2e::DEMO_API_KEY).send();
    let v: Value = resume().await.unwrap().json().await.unwrap();
    assert_eq!((v["email"].as_str(), v["resumed"].as_bool()), (Some("sending"), Some(true)), "{v}");
    let v: Value = resume().await.unwrap().json().await.unwrap();
    assert_eq!(v["resumed"], false);
    assert_eq!(resume().await.unwrap().status().as_u16(), 200);
    let wrong = s.http.post(s.url("/v1/stores/demo/email/resume")).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let now = s.advance(0).await["now"].as_str().unwrap().to_string();
    let before = s.outbox().await.len();
    s.post_event(&shopper(7, &now)).await;
    s.advance(25 * 3600).await;
    let new: Vec<Value> = s.outbox().await.into_iter().skip(before).collect();
    let mail = new.iter().find(|m| m["channel"] == "email").unwrap_or_else(|| panic!("resumed: {new:?}"));
    // The resume started the window again: this bounce is 1 of 1 e-mail since, below the
    // volume a rate needs — the bounces that caused the pause do not cause the next one.
    let t = tags("demo", "c7", mail["seq"].as_u64().unwrap());
    let detail = serde_json::json!({"eventType": "Bounce", "bounce": {"bounceType": "Permanent"},
        "mail": {"messageId": "0100018c-ses", "tags": {t[0].0: [t[0].1], t[1].0: [t[1].1], t[2].0: [t[2].1]}}});
    let ev = parse(&serde_json::json!({"source": "aws.ses", "detail-type": "Email", "detail": detail})).unwrap();
    assert_eq!(engine.feedback.on_email_event(&ev).await.unwrap(), DeliveryOutcome::Recorded);
    let v = state(s).await;
    assert_eq!(
        (v["email"].as_str(), v["sent"].as_i64(), v["bounces"].as_i64()),
        (Some("sending"), Some(1), Some(1)),
        "{v}"
    );
}

/// With `FrontDoor=FunctionUrl` the replies function has its own host: Twilio signs the URL it
/// posts to, `replies_url`, and a signature over `public_url` (the ingest function's host) is
/// refused.
#[tokio::test]
async fn twilio_signatures_are_checked_over_the_replies_url_when_it_is_set() {
    let config = cartback_core::config::demo_config().with_replies_url("https://replies.example/");
    let s = Server::with_config(config).await;
    let params = vec![
        ("Body".to_string(), "hello".to_string()),
        ("From".to_string(), "+905321234567".to_string()),
        ("MessageSid".to_string(), "SM1".to_string()),
    ];
    let token = cartback_core::config::DEMO_TWILIO_AUTH_TOKEN;
    let over = |base: &str| {
        cartback_core::conversations::twilio_webhook::signature(
            token,
            &format!("{base}/v1/replies/twilio/demo"),
            &params,
        )
    };
    let public = s.rt.engine.config().public_url.clone();
    assert_eq!(s.twilio_raw(&params, Some(&over(&public))).await.0, 403);
    assert_eq!(s.twilio_raw(&params, Some(&over("https://replies.example"))).await.0, 200);
}
