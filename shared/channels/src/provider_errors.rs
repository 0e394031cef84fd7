//! Provider answers sorted into retryable (the answer guarantees nothing was taken: the queue
//! tries again later), unknown (the request left and may have been taken: recorded, never
//! resent) and permanent (refused: recorded, never retried). Bodies are read defensively: a
//! provider that answers something unexpected never panics the dispatcher.

use cartback_core::domain::pii::redact_free_text;
use cartback_core::ports::ChannelError;
use serde_json::Value;

/// A transport failure. A connection that never opened (refused, unresolvable, connect
/// timeout) sent nothing and is retryable; any failure after that — above all a timeout waiting
/// for the answer — may follow a message the provider took, so it is unknown.
pub fn transport(provider: &str, e: &reqwest::Error) -> ChannelError {
    if e.is_connect() {
        return ChannelError::Retryable(format!("{provider} unreachable"));
    }
    let what =
        if e.is_timeout() { "timed out after the request was sent" } else { "failed after the request was sent" };
    ChannelError::Unknown(format!("{provider} {what}"))
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
        429 => ChannelError::Retryable(detail),
        _ if code == Some(20429) => ChannelError::Retryable(detail),
        // 21611: the sender's queue is full; nothing was queued — try later (Twilio error docs).
        _ if code == Some(21611) => ChannelError::Retryable(detail),
        // Twilio may have queued the message before failing to answer.
        500..=599 => ChannelError::Unknown(detail),
        _ if code.is_some_and(|c| TWILIO_PERMANENT.contains(&c)) => ChannelError::Permanent(detail),
        _ => ChannelError::Permanent(detail),
    }
}

/// WhatsApp Cloud API errors (`{"error": {"code", "message", ...}}`): rate limits (4, 80007,
/// 130429, 131048, 131056, and HTTP 429) are retryable; Meta's own failures (1, 2, 131000,
/// 131016, and HTTP 5xx) are unknown — the message may have gone; everything else — an undeliverable number (131026), outside the 24-hour window (131047), a
/// template that does not exist or was rejected (132000–132999), a shopper who stopped marketing
/// messages (131050) — is permanent.
pub fn whatsapp(status: u16, body: &str) -> ChannelError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let err = v.get("error");
    let code = err.and_then(|e| e.get("code")).and_then(Value::as_i64);
    let message = err.and_then(|e| e.get("message")).and_then(Value::as_str).unwrap_or("no message");
    let message = redact_free_text(message);
    let detail = format!("whatsapp {status} (code {}): {message}", code.map_or("-".into(), |c| c.to_string()));
    let rate_limited = code.is_some_and(|c| [4, 80007, 130429, 131048, 131056].contains(&c));
    // 190: the access token expired or was revoked (Graph API error codes). Nothing was sent, and
    // every message of the store would fail the same way until the token is renewed: hold them
    // (retryable, so they wait in the queue and reach the dead-letter queue and its alarm if
    // nobody acts) rather than drop each one for good.
    if code == Some(190) {
        tracing::error!("whatsapp access token expired or revoked: messages are held until it is renewed");
        return ChannelError::Retryable(detail);
    }
    let meta_failed = code.is_some_and(|c| [1, 2, 131000, 131016].contains(&c));
    if status == 429 || rate_limited {
        ChannelError::Retryable(detail)
    } else if status >= 500 || meta_failed {
        ChannelError::Unknown(detail)
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

    fn unknown(e: &ChannelError) -> bool {
        matches!(e, ChannelError::Unknown(_))
    }

    #[test]
    fn twilio_answers_are_sorted() {
        assert!(retryable(&twilio(429, r#"{"code": 20429, "message": "Too Many Requests"}"#)));
        assert!(retryable(&twilio(400, r#"{"code": 20429, "message": "Too Many Requests"}"#)));
        // A 5xx does not say the message was not queued: unknown, never resent.
        assert!(unknown(&twilio(503, "<html>oops</html>")));
        assert!(unknown(&twilio(500, r#"{"code": 20500, "message": "Internal Server Error"}"#)));
        assert!(!retryable(&twilio(400, r#"{"code": 21211, "message": "The 'To' number is not valid."}"#)));
        assert!(!retryable(&twilio(400, r#"{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}"#)));
        assert!(!retryable(&twilio(401, "")));
        // The sender's queue is full (Twilio error 21611): nothing queued, try again later.
        assert!(retryable(&twilio(
            400,
            r#"{"code": 21611, "message": "This 'From' number has exceeded the maximum number of queued messages"}"#
        )));
        let ChannelError::Permanent(d) = twilio(400, r#"{"code": 21211, "message": "bad To"}"#) else { panic!() };
        assert!(d.contains("21211") && d.contains("bad To"), "{d}");
        let quoted = r#"{"code": 21211, "message": "The 'To' number +14155552671 is not valid; a@b.co"}"#;
        let ChannelError::Permanent(d) = twilio(400, quoted) else { panic!() };
        assert!(!d.contains("4155552671") && !d.contains("a@b.co"), "{d}");
    }

    #[test]
    fn whatsapp_answers_are_sorted() {
        assert!(retryable(&whatsapp(400, r#"{"error": {"code": 131056, "message": "pair rate limit"}}"#)));
        assert!(unknown(&whatsapp(500, "not json")));
        assert!(unknown(&whatsapp(400, r#"{"error": {"code": 131000, "message": "Something went wrong"}}"#)));
        assert!(retryable(&whatsapp(400, r#"{"error": {"code": 130429, "message": "Rate limit hit"}}"#)));
        assert!(retryable(&whatsapp(429, "")));
        // An expired token (Graph API error 190, OAuthException): held, not dropped.
        let expired = r#"{"error": {"message": "Error validating access token: Session has expired", "type": "OAuthException", "code": 190, "error_subcode": 463}}"#;
        assert!(retryable(&whatsapp(401, expired)));
        assert!(!retryable(&whatsapp(400, r#"{"error": {"code": 131047, "message": "Re-engagement message"}}"#)));
        assert!(!retryable(&whatsapp(
            404,
            r#"{"error": {"code": 132001, "message": "Template name does not exist"}}"#
        )));
        assert!(!retryable(&whatsapp(400, r#"{"error": {"code": 131026, "message": "Message undeliverable"}}"#)));
        assert!(!retryable(&whatsapp(400, r#"[]"#)));
    }
}
