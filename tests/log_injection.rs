//! The text log (local mode's format) cannot be forged from outside: a store id in a request
//! path is the caller's text, and a newline or an escape sequence in it must never reach a log
//! line raw. Every route that takes `{store}` is called with such an id, without credentials,
//! and the captured log is checked line by line.

use cartback_e2e::{LogCapture as Capture, Server};

#[tokio::test]
async fn a_hostile_store_id_never_reaches_the_text_log_raw() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .init();
    let s = Server::start().await;
    let evil = "demo%0A2026-11-23T10%3A00%3A00Z%20INFO%20forged%1B%5B31m";
    let routes = cartback_http::routes().filter(|r| r.path.contains("{store}"));
    let mut called = 0;
    for r in routes {
        let path =
            r.path.replace("{store}", evil).replace("{token}", "AAAAAAAAAAAAAAAAAAAAAA").replace("{code}", "CB-X");
        let method = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let resp = s
            .http
            .request(method, s.url(&path))
            .header("x-twilio-signature", "forged")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("From=%2B905321234567&Body=hi")
            .send()
            .await;
        if resp.is_ok() {
            called += 1;
        }
    }
    assert!(called >= 10, "only {called} routes answered");
    let logs = capture.text();
    assert!(!logs.contains('\u{1b}'), "an escape sequence reached the log:\n{logs}");
    for line in logs.lines() {
        assert!(!line.starts_with("2026-11-23T10:00:00Z INFO forged"), "a forged log line:\n{logs}");
        assert!(!line.contains("forged"), "the caller's text reached the log:\n{line}");
    }
}
