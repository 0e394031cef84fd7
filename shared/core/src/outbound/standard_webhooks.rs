//! Signed webhooks out, by the Standard Webhooks scheme (standardwebhooks.com): three headers,
//! `webhook-id` (unique per message, the receiver's idempotency key), `webhook-timestamp` (Unix
//! seconds; receivers refuse ones more than five minutes off) and `webhook-signature`
//! (`v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed by the secret's bytes:
//! the secret is `whsec_` + base64). A test verifies these with the scheme's own reference
//! library.

use crate::domain::secret::Secret;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";
/// A secret shorter than this many bytes is refused at load.
pub const MIN_SECRET_BYTES: usize = 24;

/// The key a `whsec_…` secret stands for, if it is one.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.strip_prefix(SECRET_PREFIX)?;
    base64::engine::general_purpose::STANDARD.decode(b64).ok().filter(|k| k.len() >= MIN_SECRET_BYTES)
}

/// The `webhook-signature` header's value for one message.
pub fn signature(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = secret_key(secret.expose())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())))
}

/// The three headers of one message.
pub fn headers(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> Option<[(&'static str, String); 3]> {
    Some([
        ("webhook-id", id.to_string()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature(secret, id, timestamp, body)?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_whsec_and_enough_base64() {
        assert!(secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_some());
        assert!(secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_none(), "the prefix is required");
        assert!(secret_key("whsec_c2hvcnQ=").is_none(), "too short");
        assert!(secret_key("whsec_not base64!").is_none());
    }

    /// The scheme's published example (standard-webhooks spec, "Signature scheme" section).
    #[test]
    fn the_published_example_signs_the_same() {
        let secret = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
        let body = br#"{"test": 2432232314}"#;
        let sig = signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig.as_deref(), Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }
}
