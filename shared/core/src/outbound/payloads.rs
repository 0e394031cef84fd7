//! The five events, built from what they report. Addresses are masked (the payload may travel
//! through third-party tools, like the hand-off's); the merchant's own systems join on the cart
//! and customer ids.

use super::{EventType, OutEvent};
use crate::domain::handoff::Handoff;
use crate::domain::pii::mask;
use crate::domain::{Cart, Channel, Reason};
use jiff::Timestamp;
use serde_json::json;
use sha2::{Digest, Sha256};

/// `evt_` + 128 bits of the SHA-256 of the parts, in hex: the same event gets the same id.
fn event_id(parts: &[&str]) -> String {
    format!("evt_{}", digest128(parts).iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The first 128 bits of the SHA-256 of the parts, each ended by a NUL (so `["ab", "c"]` and
/// `["a", "bc"]` differ): the ids derived from what they name (events, REST hooks).
pub(crate) fn digest128(parts: &[&str]) -> [u8; 16] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize()[..16]);
    out
}

fn customer(cart: &Cart) -> serde_json::Value {
    let c = &cart.customer;
    json!({
        "id": c.id,
        "phone": c.phone.as_ref().map(|p| p.masked()),
        "email": c.email.as_ref().map(|e| e.masked()),
        "locale": c.locale,
    })
}

/// A cart became abandoned (its `epoch`-th abandonment episode).
pub fn abandoned(cart: &Cart, at: Timestamp) -> OutEvent {
    let value = cart.subtotal_minor();
    OutEvent {
        id: event_id(&["cart.abandoned", &cart.store, &cart.id, &cart.epoch.to_string()]),
        kind: EventType::CartAbandoned,
        store: cart.store.clone(),
        at,
        value: cart.currency.map(|c| (c, value)),
        data: json!({
            "store": cart.store,
            "cart_id": cart.id,
            "episode": cart.epoch,
            "value_minor": value,
            "currency": cart.currency.map(|c| c.code()),
            "items": cart.items.iter().map(|i| i.quantity).sum::<u32>(),
            "temperature": cart.temperature.as_str(),
            "holdout": cart.holdout,
            "last_activity": cart.last_activity.to_string(),
            "customer": customer(cart),
        }),
    }
}

/// A messaged cart's order, within the attribution window.
pub fn recovered(cart: &Cart, at: Timestamp) -> Option<OutEvent> {
    let order = cart.order.as_ref()?;
    let messages: Vec<_> = cart
        .sends
        .iter()
        .filter(|s| s.reached())
        .map(|s| json!({"step": s.step, "channel": s.channel.as_str(), "variant": &*s.variant, "at": s.at.to_string()}))
        .collect();
    Some(OutEvent {
        id: event_id(&["cart.recovered", &cart.store, &cart.id, &order.order_id]),
        kind: EventType::CartRecovered,
        store: cart.store.clone(),
        at,
        value: Some((order.total.currency, order.total.minor)),
        data: json!({
            "store": cart.store,
            "cart_id": cart.id,
            "order_id": order.order_id,
            "total_minor": order.total.minor,
            "currency": order.total.currency.code(),
            "ordered_at": order.at.to_string(),
            "messages": messages,
            "customer": customer(cart),
        }),
    })
}

/// A shopper's reply, what Cartback made of it and did.
#[allow(clippy::too_many_arguments)]
pub fn reply_received(
    store: &str,
    message_id: &str,
    channel: Channel,
    from: &str,
    action: &str,
    reason: Option<Reason>,
    cart: Option<&str>,
    at: Timestamp,
) -> OutEvent {
    OutEvent {
        id: event_id(&["reply.received", store, message_id]),
        kind: EventType::ReplyReceived,
        store: store.to_string(),
        at,
        value: None,
        data: json!({
            "store": store,
            "channel": channel.as_str(),
            "from": mask(from),
            "action": action,
            "reason": reason.map(|r| r.as_str()),
            "cart_id": cart,
            "at": at.to_string(),
        }),
    }
}

/// What a person needs to answer a shopper handed off to them (also the `alert_webhook` body).
pub fn handoff_data(h: &Handoff) -> serde_json::Value {
    json!({
        "store": h.store,
        "cart_id": h.cart,
        "channel": h.channel.as_str(),
        "from": h.from_masked,
        "reason": h.reason,
        "text": h.text,
        "at": h.at.to_string(),
        "conversation_id": h.conversation,
        "inbox_url": h.inbox_url,
        "guess": h.guess,
        "rule": h.rule,
    })
}

pub fn handoff(h: &Handoff) -> OutEvent {
    let conversation = h.conversation.as_deref().unwrap_or_default();
    OutEvent {
        id: event_id(&["conversation.handoff", &h.store, conversation, &h.at.to_string()]),
        kind: EventType::ConversationHandoff,
        store: h.store.clone(),
        at: h.at,
        value: None,
        data: handoff_data(h),
    }
}

/// A shopper withdrew consent for a channel. `reference`: what recorded it (the reply's or the
/// delivery report's provider id, the unsubscribe token), so a retry gives the same id.
pub fn opted_out(
    store: &str,
    address: &str,
    channel: Channel,
    source: &str,
    reference: &str,
    at: Timestamp,
) -> OutEvent {
    OutEvent {
        id: event_id(&["contact.opted_out", store, address, channel.as_str(), reference]),
        kind: EventType::ContactOptedOut,
        store: store.to_string(),
        at,
        value: None,
        data: json!({
            "store": store,
            "channel": channel.as_str(),
            "contact": mask(address),
            "source": source,
            "at": at.to_string(),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = event_id(&["cart.abandoned", "s", "c1", "1"]);
        assert_eq!(a, event_id(&["cart.abandoned", "s", "c1", "1"]));
        assert_ne!(a, event_id(&["cart.abandoned", "s", "c1", "2"]));
        assert_ne!(event_id(&["ab", "c"]), event_id(&["a", "bc"]), "parts are separated");
        assert_eq!(a.len(), 4 + 32);
    }

    #[test]
    fn an_opt_out_masks_the_address() {
        let e = opted_out("s", "+4791234567", Channel::Sms, "reply", "SM1", Timestamp::UNIX_EPOCH);
        let body = e.body();
        assert!(!body.contains("+4791234567"), "{body}");
        assert!(body.contains(r#""type":"contact.opted_out""#));
    }
}
