//! Web push as a channel: a composed message (`OutgoingMessage`, its address the kept
//! subscription) sent with the store's VAPID settings, and the push service's answer in the
//! terms every channel answers in (`ChannelError`).

use super::send::{PushFailure, PushMessage, Subscription, Urgency, send as push};
use super::vapid::VapidKey;
use crate::outbound_target::Reach;
use cartback_core::config::providers::Vapid;
use cartback_core::ports::{ChannelError, OutgoingMessage};

pub async fn send(
    (http, reach): (&reqwest::Client, Reach),
    v: &Vapid,
    msg: &OutgoingMessage,
) -> Result<String, ChannelError> {
    let refused = |what: String| ChannelError::Permanent(format!("web push: {what}"));
    let subscription: Subscription =
        serde_json::from_str(&msg.to).map_err(|_| refused("the kept subscription does not read".into()))?;
    let key = VapidKey::from_base64url(v.private_key.expose(), &v.public_key).map_err(|e| refused(e.to_string()))?;
    let payload = cartback_core::messaging::push_payload::payload(msg);
    let topic = cartback_core::messaging::push_payload::topic(&msg.store, &msg.cart);
    let message = PushMessage {
        subscription: &subscription,
        payload: payload.as_bytes(),
        ttl_secs: v.ttl_secs,
        urgency: urgency(v.urgency),
        topic: Some(&topic),
    };
    match push((http, reach), &key, &v.subject, jiff::Timestamp::now().as_second(), &message).await {
        Ok(id) => Ok(id),
        Err(PushFailure::Gone(status)) => {
            Err(ChannelError::Gone(format!("web push {status}: the subscription is gone")))
        }
        Err(PushFailure::Invalid(e)) => Err(refused(e.to_string())),
        Err(PushFailure::Channel(e)) => Err(e),
    }
}

fn urgency(name: &str) -> Urgency {
    match name {
        "very-low" => Urgency::VeryLow,
        "low" => Urgency::Low,
        "high" => Urgency::High,
        _ => Urgency::Normal,
    }
}
