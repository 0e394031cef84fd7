//! A browser's push subscription as the snippet sends it (`PushSubscription.toJSON()`): checked
//! once at the door and kept as one small JSON document, the web push channel's address.
//!
//! The endpoint follows the rule of every outbound endpoint (`outbound::targets::url_problem`:
//! https, or http on a loopback address for a test's push service; never a private address);
//! whether a loopback one may be reached, and what a name resolves to, is decided when a message
//! is sent.

use base64::Engine as _;

/// The longest endpoint kept (browsers' are under 500 characters).
pub const MAX_ENDPOINT: usize = 1024;

/// The subscription as Cartback keeps it: `{"endpoint": …, "p256dh": …, "auth": …}`, the keys
/// in base64url without padding (as `cartback_channels::web_push::send::Subscription` reads it).
/// The error says which part is wrong.
pub fn normalized(endpoint: &str, p256dh: &str, auth: &str) -> Result<String, &'static str> {
    let url = url::Url::parse(endpoint).map_err(|_| "endpoint")?;
    if endpoint.len() > MAX_ENDPOINT || super::targets::url_problem(endpoint).is_some() {
        return Err("endpoint");
    }
    let key = decode(p256dh).filter(|k| k.len() == 65 && k[0] == 4).ok_or("keys.p256dh")?;
    let secret = decode(auth).filter(|a| a.len() == 16).ok_or("keys.auth")?;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    Ok(serde_json::json!({"endpoint": url.as_str(), "p256dh": b64(&key), "auth": b64(&secret)}).to_string())
}

/// The endpoint of a kept subscription (for counting by push service and for the inbox).
pub fn endpoint_host(kept: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(kept).ok()?;
    url::Url::parse(v.get("endpoint")?.as_str()?).ok()?.host_str().map(str::to_string)
}

/// Base64url as browsers write it, with or without padding; standard base64 is accepted too.
fn decode(text: &str) -> Option<Vec<u8>> {
    let t = text.trim().trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(t))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The subscription of RFC 8291's worked example (Appendix A).
    const P256DH: &str = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

    #[test]
    fn a_browsers_subscription_is_kept_whole_and_bad_parts_are_named() {
        let kept = normalized("https://fcm.googleapis.com/fcm/send/abc:def", P256DH, &format!("{AUTH}==")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&kept).unwrap();
        assert_eq!(v["auth"], AUTH);
        assert_eq!(v["p256dh"], P256DH);
        assert_eq!(endpoint_host(&kept).as_deref(), Some("fcm.googleapis.com"));
        assert_eq!(normalized("http://push.example/x", P256DH, AUTH), Err("endpoint"));
        assert_eq!(normalized("https://10.0.0.7/x", P256DH, AUTH), Err("endpoint"));
        assert!(normalized("http://127.0.0.1:9/push/1", P256DH, AUTH).is_ok(), "a test's push service");
        assert_eq!(normalized("not a url", P256DH, AUTH), Err("endpoint"));
        assert_eq!(
            normalized(&format!("https://p.example/{}", "x".repeat(MAX_ENDPOINT)), P256DH, AUTH),
            Err("endpoint")
        );
        assert_eq!(normalized("https://p.example/x", &P256DH[..40], AUTH), Err("keys.p256dh"));
        assert_eq!(normalized("https://p.example/x", P256DH, "AAAA"), Err("keys.auth"));
    }
}
