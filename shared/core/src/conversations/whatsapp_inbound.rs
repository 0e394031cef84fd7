//! The shopper's side of WhatsApp: the `messages` of Meta's webhook (the same callback URL and
//! signature as the statuses, `feedback::whatsapp_statuses`). A text, a tap on a template's
//! quick-reply button and an interactive reply each become an `InboundReply`, handled as an
//! SMS reply is (keywords, opt-outs, reasons, FAQ, hand-off); other types (images, locations,
//! reactions) carry no words to act on and are left out.

use crate::domain::Channel;
use crate::domain::conversation::InboundReply;
use crate::domain::phone::normalize_phone;
pub use crate::messaging::recommendation_tap;
use serde_json::Value;

/// The payload a template's "Stop promotions" quick-reply button carries: an opt-out of
/// WhatsApp, whatever the button's label says in the shopper's language.
pub const STOP_BUTTON_PAYLOAD: &str = "STOP";
/// The payload of its "Complete my order" button: answered with the cart's restore link.
pub const RESTORE_BUTTON_PAYLOAD: &str = "RESTORE";
/// The reply buttons under an answer (`whatsapp_answer`): "Order status" and "Talk to a person"
/// come back as these ids, read as what they say whatever the label's language.
pub const ORDER_STATUS_BUTTON_ID: &str = "ORDER_STATUS";
pub const PERSON_BUTTON_ID: &str = "PERSON";

/// What a tap on one of Cartback's own reply buttons means, as the words the readers act on.
fn button_meaning(id: &str) -> Option<&'static str> {
    match id {
        STOP_BUTTON_PAYLOAD => Some(STOP_BUTTON_PAYLOAD),
        RESTORE_BUTTON_PAYLOAD => Some(RESTORE_BUTTON_PAYLOAD),
        ORDER_STATUS_BUTTON_ID => Some("where is my order?"),
        PERSON_BUTTON_ID => Some("I want to talk to a person"),
        _ => None,
    }
}

/// The messages in a webhook delivery, oldest first.
pub fn messages(body: &[u8]) -> Vec<InboundReply> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else { return Vec::new() };
    let mut out = Vec::new();
    let entries = v.get("entry").and_then(Value::as_array).into_iter().flatten();
    for change in entries.filter_map(|e| e.get("changes")?.as_array()).flatten() {
        let msgs = change.get("value").and_then(|v| v.get("messages")).and_then(Value::as_array);
        for m in msgs.into_iter().flatten() {
            let text =
                |path: &[&str]| path.iter().try_fold(m, |v, k| v.get(*k)).and_then(Value::as_str).map(str::to_string);
            let body = match m.get("type").and_then(Value::as_str) {
                Some("text") => text(&["text", "body"]),
                // A quick-reply button: its payload when it is ours ("STOP"), else its label.
                Some("button") => text(&["button", "payload"])
                    .filter(|p| p == STOP_BUTTON_PAYLOAD || p == RESTORE_BUTTON_PAYLOAD)
                    .or_else(|| text(&["button", "text"])),
                // A reply button: ours by its id (a recommended product's id as it is), else its
                // label.
                Some("interactive") => text(&["interactive", "button_reply", "id"])
                    .and_then(|id| match button_meaning(&id) {
                        Some(meaning) => Some(meaning.to_string()),
                        None => recommendation_tap(&id).is_some().then_some(id),
                    })
                    .or_else(|| text(&["interactive", "button_reply", "title"]))
                    .or_else(|| text(&["interactive", "list_reply", "title"])),
                _ => None,
            };
            let (Some(body), Some(id), Some(from)) = (body, text(&["id"]), text(&["from"])) else { continue };
            // Meta writes the number without its `+`.
            let Some(from) = normalize_phone(&format!("+{}", from.trim_start_matches('+'))) else { continue };
            // Meta's `timestamp`: Unix seconds, as a string.
            let sent_at = text(&["timestamp"])
                .and_then(|t| t.parse::<i64>().ok())
                .and_then(|t| jiff::Timestamp::from_second(t).ok());
            out.push(InboundReply { channel: Channel::Whatsapp, from, body, message_id: id, sent_at });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tap on "Order status" or "Talk to a person" is never held as a maybe-"no": its words
    /// are Cartback's own, and the shopper asked for what they say.
    #[test]
    fn the_buttons_words_are_never_held() {
        for id in [ORDER_STATUS_BUTTON_ID, PERSON_BUTTON_ID] {
            let words = button_meaning(id).unwrap_or_default();
            let reading = crate::conversations::verdict::read(words);
            assert_eq!(reading.verdict, crate::conversations::verdict::Verdict::Reason, "{id}: {reading:?}");
        }
    }

    #[test]
    fn metas_documented_text_message_is_read() {
        let body = include_bytes!("../../../../tests/fixtures/whatsapp/meta_whatsapp_inbound_text_message.json");
        let got = messages(body);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].from.as_str(), got[0].body.as_str(), got[0].channel),
            ("+16505551234", "Does it come in another color?", Channel::Whatsapp)
        );
        assert!(got[0].message_id.starts_with("wamid."));
        // Meta's own time of the message (the documented sample's `timestamp`).
        assert_eq!(got[0].sent_at.map(|t| t.as_second()), Some(1749416383));
    }

    #[test]
    fn buttons_and_interactive_replies_are_read_and_the_rest_left_out() {
        let body = br#"{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
            "messages": [
              {"from": "905321234567", "id": "wamid.1", "type": "button", "button": {"text": "Promosyonlari durdur", "payload": "STOP"}},
              {"from": "905321234567", "id": "wamid.2", "type": "button", "button": {"text": "Complete my order", "payload": "RESTORE"}},
              {"from": "905321234567", "id": "wamid.3", "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "b1", "title": "Yes"}}},
              {"from": "905321234567", "id": "wamid.4", "type": "image", "image": {"id": "m1"}},
              {"from": "905321234567", "id": "wamid.6", "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "ORDER_STATUS", "title": "Where is it"}}},
              {"from": "905321234567", "id": "wamid.7", "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "PERSON", "title": "A person"}}},
              {"from": "905321234567", "id": "wamid.8", "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "REC:AbC-_1.3.1", "title": "Wool Scarf"}}},
              {"from": "905321234567", "id": "wamid.9", "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "REC:AbC.3.x", "title": "Odd"}}},
              {"from": "not a number", "id": "wamid.5", "type": "text", "text": {"body": "hi"}}
            ]}}]}]}"#;
        let bodies: Vec<String> = messages(body).into_iter().map(|m| m.body).collect();
        assert_eq!(
            bodies,
            ["STOP", "RESTORE", "Yes", "where is my order?", "I want to talk to a person", "REC:AbC-_1.3.1", "Odd"]
        );
        assert_eq!(recommendation_tap("REC:AbC-_1.3.1"), Some(("AbC-_1", 3, 1)));
        for not_ours in [
            "REC:3.1",
            "REC:t.3",
            "REC:.3.1",
            "REC:t.3.1.2",
            "rec:t.3.1",
            "REC:t.+3.1",
            "REC:t/x.3.1",
            "REC:t.99999999999999999999.0",
        ] {
            assert_eq!(recommendation_tap(not_ours), None, "{not_ours}");
        }
        assert!(messages(b"not json").is_empty());
    }
}
