//! Amazon SES's sending events, as EventBridge delivers them (`source: aws.ses`): each e-mail
//! Cartback sends carries message tags naming its send (`cartback_store`, `cartback_cart` as
//! base64url, `cartback_seq`), and the events come back with them. A delivery or a bounce
//! moves the send record forward; a complaint (the shopper marked it as spam) opts them out of
//! e-mail at once.

use crate::domain::DeliveryStatus;
use base64::Engine as _;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailEvent {
    Delivered,
    /// A permanent bounce; transient ones are SES's to retry and are not reported.
    Bounced,
    Complaint,
}

impl EmailEvent {
    pub fn delivery(&self) -> Option<DeliveryStatus> {
        match self {
            EmailEvent::Delivered => Some(DeliveryStatus::Delivered),
            EmailEvent::Bounced => Some(DeliveryStatus::Failed),
            EmailEvent::Complaint => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesEvent {
    pub store: String,
    pub cart: String,
    pub seq: u64,
    pub event: EmailEvent,
}

/// SES's limit on a message tag's value ("MessageTag": "The value … must be less than 256
/// characters").
pub const TAG_VALUE_MAX: usize = 255;

/// The message tags a send carries (SES allows letters, digits, `_` and `-` in values). A cart
/// id whose encoding would pass SES's limit (over 191 bytes) goes untagged rather than failing
/// the send: its deliveries and bounces then come back unmatched (`parse` returns `None`).
pub fn tags(store: &str, cart: &str, seq: u64) -> Vec<(&'static str, String)> {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let all = [("cartback_store", b64(store)), ("cartback_cart", b64(cart)), ("cartback_seq", seq.to_string())];
    let fits = all.iter().all(|(_, v)| v.len() <= TAG_VALUE_MAX);
    all.into_iter().filter(|(k, _)| fits || *k == "cartback_store").collect()
}

/// The store an SES event's tags name, even when it names no send (so its count has a home).
pub fn store_of(event: &Value) -> Option<String> {
    let tag = event.get("detail")?.get("mail")?.get("tags")?.get("cartback_store")?.get(0)?.as_str()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag).ok()?;
    String::from_utf8(bytes).ok()
}

/// The event in an EventBridge delivery from SES, or `None` for anything else.
pub fn parse(event: &Value) -> Option<SesEvent> {
    read(event).ok()
}

/// The event in an EventBridge delivery from SES, or why it names no send of Cartback's, for its
/// count: `event_type` (a kind Cartback does not use: opens, clicks, transient bounces…),
/// `untagged` (e.g. a cart id too long for a tag), or `not_ses`.
pub fn read(event: &Value) -> Result<SesEvent, &'static str> {
    if event.get("source").and_then(Value::as_str) != Some("aws.ses") {
        return Err("not_ses");
    }
    let detail = event.get("detail").ok_or("event_type")?;
    let kind = match detail.get("eventType").and_then(Value::as_str) {
        Some("Delivery") => EmailEvent::Delivered,
        Some("Complaint") => EmailEvent::Complaint,
        Some("Bounce")
            if detail.get("bounce").and_then(|b| b.get("bounceType")).and_then(Value::as_str) == Some("Permanent") =>
        {
            EmailEvent::Bounced
        }
        _ => return Err("event_type"),
    };
    let send = || {
        let tags = detail.get("mail")?.get("tags")?;
        let tag = |k: &str| tags.get(k)?.get(0)?.as_str().map(str::to_string);
        let decode = |s: String| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).ok().and_then(|b| String::from_utf8(b).ok())
        };
        Some(SesEvent {
            store: store_of(event)?,
            cart: decode(tag("cartback_cart")?)?,
            seq: tag("cartback_seq")?.parse().ok()?,
            event: kind,
        })
    };
    send().ok_or("untagged")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, extra: Value) -> Value {
        let t = tags("demo", "c 1/x", 9);
        let mut detail = json!({"eventType": kind, "mail": {"messageId": "m1", "tags": {
            "ses:configuration-set": ["cartback"], t[0].0: [t[0].1], t[1].0: [t[1].1], t[2].0: [t[2].1]}}});
        if let (Some(d), Some(e)) = (detail.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        json!({"version": "0", "source": "aws.ses", "detail-type": format!("Email {kind}"), "detail": detail})
    }

    #[test]
    fn ses_events_name_their_send() {
        let d = parse(&event("Delivery", json!({}))).unwrap();
        assert_eq!((d.store.as_str(), d.cart.as_str(), d.seq, d.event), ("demo", "c 1/x", 9, EmailEvent::Delivered));
        let b = parse(&event("Bounce", json!({"bounce": {"bounceType": "Permanent"}}))).unwrap();
        assert_eq!(b.event, EmailEvent::Bounced);
        assert_eq!(parse(&event("Bounce", json!({"bounce": {"bounceType": "Transient"}}))), None);
        assert_eq!(parse(&event("Complaint", json!({}))).unwrap().event, EmailEvent::Complaint);
        assert_eq!(parse(&event("Open", json!({}))), None);
        assert_eq!(parse(&json!({"source": "aws.events", "detail-type": "Scheduled Event"})), None);
        let mut untagged = event("Delivery", json!({}));
        untagged["detail"]["mail"]["tags"] = json!({});
        assert_eq!(parse(&untagged), None);
        assert_eq!(read(&untagged).unwrap_err(), "untagged");
        assert_eq!(store_of(&untagged), None);
        assert_eq!(read(&event("Open", json!({}))).unwrap_err(), "event_type");
        assert_eq!(read(&event("Bounce", json!({"bounce": {"bounceType": "Transient"}}))).unwrap_err(), "event_type");
        assert_eq!(read(&json!({"source": "aws.events"})).unwrap_err(), "not_ses");
        // A cart id too long for a tag: only the store is named.
        let long = "c".repeat(200);
        let t = tags("demo", &long, 3);
        assert_eq!(t.len(), 1);
        let mut store_only = event("Delivery", json!({}));
        store_only["detail"]["mail"]["tags"] = json!({"cartback_store": [t[0].1]});
        assert_eq!(parse(&store_only), None);
        assert_eq!((read(&store_only).unwrap_err(), store_of(&store_only).as_deref()), ("untagged", Some("demo")));
    }

    /// SES refuses a tag value of 256 characters or more: the longest cart id the contract
    /// allows, in four-byte characters, would be 683; it is left out, never sent too long.
    #[test]
    fn tags_stay_within_ses_limits() {
        let long = "😀".repeat(128);
        let t = tags("demo", &long, 1);
        assert!(
            t.iter().all(|(_, v)| v.len() <= TAG_VALUE_MAX
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        );
        assert_eq!(t.iter().map(|(k, _)| *k).collect::<Vec<_>>(), ["cartback_store"]);
        assert_eq!(tags("demo", &"a".repeat(128), 1).len(), 3);
    }
}
