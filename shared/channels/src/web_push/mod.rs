//! Web push, the fourth channel's wire format: a message encrypted for one browser subscription
//! (RFC 8291, `aes128gcm` content coding of RFC 8188) and the application server's signed
//! claim (VAPID, RFC 8292), both with `ring`, which the HTTPS stack already links.
//!
//! Checked against independent implementations in `tests/references/web_push.py`: Mozilla's
//! `http_ece` decrypts what `ece::encrypt` writes, and the VAPID header is verified with
//! `cryptography` and `py_vapid`.

pub mod channel;
pub mod ece;
pub mod send;
pub mod vapid;

use base64::Engine as _;

/// Why a web push message cannot be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebPushError {
    #[error("the subscription's `p256dh` is not an uncompressed P-256 point (65 bytes, base64url)")]
    BadClientKey,
    #[error("the subscription's `auth` secret is not 16 bytes (base64url)")]
    BadAuthSecret,
    #[error("the payload is {0} bytes; web push carries at most {max}", max = ece::MAX_PLAINTEXT)]
    TooLarge(usize),
    #[error("the VAPID key pair is not a P-256 key pair (32-byte private, 65-byte public, base64url)")]
    BadVapidKey,
    #[error("the push endpoint is not an https URL with a host")]
    BadEndpoint,
    /// The subscription came from a browser: its endpoint is the shopper's to choose, so it must
    /// be a push service on the internet, never an address inside the network.
    #[error("the push endpoint is refused: {0}")]
    EndpointRefused(String),
    #[error("the system's random source failed")]
    Random,
}

pub(crate) fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Base64url as browsers and push libraries write it: with or without padding.
pub(crate) fn unb64url(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim().trim_end_matches('=')).ok()
}
