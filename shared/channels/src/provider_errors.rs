//! Provider answers sorted into retryable (nothing was sent; the queue tries again later) and
//! permanent (recorded, never retried). Bodies are read defensively: a provider that answers
//! something unexpected never panics the dispatcher.

use cartback_core::domain::pii::redact_free_text;
use cartback_core::ports::ChannelError;
use serde_json::Value;

/// A transport failure: timeouts and refused connections are retryable.
pub fn transport(provider: &str, e: &reqwest::Error) -> ChannelError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "unreachable"
    } else {
        "request failed"
    };
    ChannelError::Retryable(format!("{provider} {what}"))
}

/// Twilio's error codes that say "do not try again" although the HTTP status alone would not.
/// (21211 invalid To, 21610 the recipient replied STOP, 21614 not a mobile number, 21408 region
/// not enabled, 21612 unreachable route, 30007 filtered as spam.)
const TWILIO_PERMANENT: [i64; 6] = [21211, 21610, 21614, 21408, 21612, 30007];

pub fn twilio(status: u16, body: &str) -> ChannelError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let code = v.get("code").and_then(Value::as_i64);
    let message = v.get("message").and_then(Value::as_str).unwrap_or("no message");
    // Providers quote the number they refused: never let it reach a log.
    let message = redact_free_text(message);
    let detail = format!("twilio {status} (code {}): {message}", code.map_or("-".into(), |c| c.to_string()));
    match status {
        429 | 500..=599 => ChannelError::Retryable(detail),
        _ if code == Some(20429) => ChannelError::Retryable(detail),
        _ if code.is_some_and(|c| TWILIO_PERMANENT.contains(&c)) => ChannelError::Permanent(detail),
        _ => ChannelError::Permanent(detail),
    }
}

/// WhatsApp Cloud API errors (`{"error": {"code", "message", ...}}`): rate limits (4, 80007,
/// 130429, 131048, 131056) and Meta's own failures (1, 2, 131000, 131016) are retryable;
/// everything else — an undeliverable number (131026), outside the 24-hour window (131047), a
/// template that does not exist or was rejected (132000–132999), a shopper who stopped marketing
/// messages (131050) — is permanent.
pub fn whatsapp(status: u16, body: &str) -> ChannelError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let err = v.get("error");
    let code = err.and_then(|e| e.get("code")).and_then(Value::as_i64);
    let message = err.and_then(|e| e.get("message")).and_then(Value::as_str).unwrap_or("no message");
    let message = redact_free_text(message);
    let detail = format!("whatsapp {status} (code {}): {message}", code.map_or("-".into(), |c| c.to_string()));
    let retryable_code = code.is_some_and(|c| [1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056].contains(&c));
    if status == 429 || status >= 500 || retryable_code {
        ChannelError::Retryable(detail)
    } else {
        ChannelError::Permanent(detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retryable(e: &ChannelError) -> bool {
        matches!(e, ChannelError::Retryable(_))
    }

    #[test]
    fn twilio_answers_are_sorted() {
        assert!(retryable(&twilio(429, r#"{"code": 20429, "message": "Too Many Requests"}"#)));
        assert!(retryable(&twilio(503, "<html>oops</html>")));
        assert!(!retryable(&twilio(400, r#"{"code": 21211, "message": "The 'To' number is not valid."}"#)));
        assert!(!retryable(&twilio(400, r#"{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}"#)));
        assert!(!retryable(&twilio(401, "")));
        let ChannelError::Permanent(d) = twilio(400, r#"{"code": 21211, "message": "bad To"}"#) else { panic!() };
        assert!(d.contains("21211") && d.contains("bad To"), "{d}");
        let quoted = r#"{"code": 21211, "message": "The 'To' number +14155552671 is not valid; a@b.co"}"#;
        let ChannelError::Permanent(d) = twilio(400, quoted) else { panic!() };
        assert!(!d.contains("4155552671") && !d.contains("a@b.co"), "{d}");
    }

    #[test]
    fn whatsapp_answers_are_sorted() {
        assert!(retryable(&whatsapp(400, r#"{"error": {"code": 131056, "message": "pair rate limit"}}"#)));
        assert!(retryable(&whatsapp(500, "not json")));
        assert!(retryable(&whatsapp(429, "")));
        assert!(!retryable(&whatsapp(400, r#"{"error": {"code": 131047, "message": "Re-engagement message"}}"#)));
        assert!(!retryable(&whatsapp(
            404,
            r#"{"error": {"code": 132001, "message": "Template name does not exist"}}"#
        )));
        assert!(!retryable(&whatsapp(400, r#"{"error": {"code": 131026, "message": "Message undeliverable"}}"#)));
        assert!(!retryable(&whatsapp(400, r#"[]"#)));
    }
}
