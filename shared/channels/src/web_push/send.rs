//! One push message handed to the browser's push service (RFC 8030 §5): the body encrypted for
//! the subscription (`ece`), the store's VAPID claim (`vapid`), how long the service may hold it
//! (`TTL`) and how urgent it is (`Urgency`). A `Topic` lets a newer message of the same topic
//! replace one the browser has not collected yet (a cart's next step, never both).
//!
//! The answers, as push services document them: `201 Created` taken (its `Location` names the
//! message); `404`/`410` the subscription is gone for good (the browser unsubscribed or expired
//! it: the caller deletes it); `429` try later; `413` too large, `400`/`401`/`403` refused (a bad
//! request or VAPID claim: not retried); a `5xx` or a lost answer may follow a message the service
//! took, so it is never resent.

use super::vapid::VapidKey;
use super::{WebPushError, ece, unb64url};
use crate::provider_errors;
use cartback_core::ports::ChannelError;

/// A browser's subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Subscription {
    pub endpoint: String,
    /// The browser's P-256 public key, base64url.
    pub p256dh: String,
    /// The browser's 16-byte auth secret, base64url.
    pub auth: String,
}

/// RFC 8030 §5.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    VeryLow,
    Low,
    Normal,
    High,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::VeryLow => "very-low",
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::High => "high",
        }
    }
}

pub struct PushMessage<'a> {
    pub subscription: &'a Subscription,
    /// What the service worker receives (Cartback's: a small JSON document).
    pub payload: &'a [u8],
    /// Seconds the push service may hold it for an offline browser (0: now or never).
    pub ttl_secs: u32,
    pub urgency: Urgency,
    /// At most 32 base64url characters (RFC 8030 §5.4).
    pub topic: Option<&'a str>,
}

/// Why a push did not go.
#[derive(Debug, thiserror::Error)]
pub enum PushFailure {
    /// `404` or `410`: the subscription no longer exists; delete it, never retry.
    #[error("web push: the subscription is gone (HTTP {0})")]
    Gone(u16),
    #[error("web push: {0}")]
    Invalid(#[from] WebPushError),
    #[error(transparent)]
    Channel(ChannelError),
}

/// Pads bodies to a multiple of this, so that their lengths say less about the text.
const PAD_TO: usize = 64;

/// Sends one message; the push service's message id (its `Location`) when taken. `http` must be
/// `outbound_target::client(…, reach)`, which refuses to connect inside the network whatever a
/// name resolves to; the endpoint is checked here first, before anything is built.
pub async fn send(
    (http, reach): (&reqwest::Client, crate::outbound_target::Reach),
    key: &VapidKey,
    subject: &str,
    now_secs: i64,
    msg: &PushMessage<'_>,
) -> Result<String, PushFailure> {
    let s = msg.subscription;
    if let Some(why) = crate::outbound_target::refusal(&s.endpoint, reach) {
        return Err(WebPushError::EndpointRefused(why).into());
    }
    let p256dh = unb64url(&s.p256dh).ok_or(WebPushError::BadClientKey)?;
    let auth = unb64url(&s.auth).ok_or(WebPushError::BadAuthSecret)?;
    let body = ece::encrypt(&p256dh, &auth, msg.payload, PAD_TO)?;
    let authorization = key.authorization(&s.endpoint, subject, now_secs)?;
    let mut req = http
        .post(&s.endpoint)
        .header("authorization", authorization)
        .header("ttl", msg.ttl_secs.to_string())
        .header("urgency", msg.urgency.as_str())
        .header("content-encoding", "aes128gcm")
        .header("content-type", "application/octet-stream");
    if let Some(topic) =
        msg.topic.filter(|t| t.len() <= 32 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        req = req.header("topic", topic);
    }
    let resp =
        req.body(body).send().await.map_err(|e| PushFailure::Channel(provider_errors::transport("web push", &e)))?;
    let status = resp.status().as_u16();
    let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    let detail = |what: &str| format!("web push {status}: {what}");
    match status {
        200..=299 => Ok(location.unwrap_or_else(|| "webpush-accepted".into())),
        404 | 410 => Err(PushFailure::Gone(status)),
        429 => Err(PushFailure::Channel(ChannelError::Retryable(detail("throttled")))),
        413 => Err(PushFailure::Channel(ChannelError::Permanent(detail("payload too large")))),
        400..=499 => Err(PushFailure::Channel(ChannelError::Permanent(detail("refused (request or VAPID claim)")))),
        _ => Err(PushFailure::Channel(ChannelError::Unknown(detail("the service failed after the request was sent")))),
    }
}
