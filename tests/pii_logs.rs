//! Privacy: phone numbers and e-mail addresses never reach the logs in clear text. Every log
//! line of a full scenario (events, abandonment, sends on every channel, replies, STOP, a
//! hand-off, bad input) is captured at TRACE level and searched for them.

use cartback_e2e::{LogCapture as Capture, START, Server, example_event, order_event};
use serde_json::Value;

#[tokio::test]
async fn no_phone_or_email_in_any_log_line() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt().json().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).init();

    let s = Server::start().await;
    let mut ev = example_event("e1", "c1", START);
    ev["customer"]["consent"]["whatsapp"] = Value::Bool(true);
    ev["customer"]["timezone"] = Value::String("UTC".into());
    assert_eq!(s.post_event(&ev).await.0, 202);
    let mut bad = example_event("e2", "c2", START);
    bad["customer"]["phone"] = Value::String("+90 532 bad".into());
    bad["customer"]["email"] = Value::String("not-an-email@".into());
    assert_eq!(s.post_event(&bad).await.0, 422);
    s.advance(30 * 60).await;
    s.twilio_reply("+905321234567", "my card was declined, a@example.com", "SM1").await;
    s.twilio_reply("+905321234567", "who are you", "SM2").await;
    s.twilio_reply("+905321234567", "STOP", "SM3").await;
    s.twilio_reply("+905321234567", "START", "SM4").await;
    s.advance(80 * 3600).await;
    s.post_event(&order_event("e3", "c1", "2026-11-26T17:30:00Z", "699.80", "TRY")).await;
    assert!(!s.outbox().await.is_empty());

    let logs = capture.text();
    let lines = logs.lines().count();
    assert!(lines >= 5, "the scenario should have logged something; got {lines} lines");
    for needle in ["905321234567", "+90 532", "a@example.com", "not-an-email@", "5321234567"] {
        assert!(
            !logs.contains(needle),
            "`{needle}` appears in the logs:\n{}",
            logs.lines().find(|l| l.contains(needle)).unwrap_or("")
        );
    }
    // A generic sweep too: no "+" followed by 8 or more digits, no address before an "@".
    for line in logs.lines() {
        let b = line.as_bytes();
        let phone_like = b
            .iter()
            .enumerate()
            .any(|(i, c)| *c == b'+' && b[i + 1..].iter().take_while(|d| d.is_ascii_digit()).count() >= 8);
        assert!(!phone_like, "a phone-like number in: {line}");
        for (i, _) in line.match_indices('@') {
            assert!(line[..i].ends_with("***"), "an e-mail-like address in: {line}");
        }
    }
}
