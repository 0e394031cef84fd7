//! The answer to a shopper's WhatsApp message: handled as any reply (`replies`), its answer sent
//! back through the outbox as free-form text — with a "Complete my order" button that opens the
//! ready cart when the answer carries one, else, under an answer Cartback gave, reply buttons for
//! "Order status", "Complete my order" and "Talk to a person" (their taps come back as
//! `whatsapp_inbound`'s ids).

use crate::config::StoreConfig;
use crate::conversations::Replies;
use crate::conversations::replies::ReplyOutcome;
use crate::conversations::whatsapp_inbound::{ORDER_STATUS_BUTTON_ID, PERSON_BUTTON_ID, RESTORE_BUTTON_PAYLOAD};
use crate::domain::Channel;
use crate::domain::conversation::InboundReply;
use crate::engine::EngineError;
use crate::engine::counters::Counter;
use crate::engine::outbox::Purpose;
use crate::ports::{Interactive, OutgoingMessage, ReplyButton};
use crate::text::builtin::phrase;

pub use crate::domain::channel::WHATSAPP_BUTTON_TITLE_MAX as BUTTON_TITLE_MAX;

/// A built-in label within Meta's limit (the built-in texts are checked against it; a longer
/// one would have Meta refuse the whole message).
fn label(key: &str, lang: &str) -> String {
    phrase(key, lang, &[]).chars().take(BUTTON_TITLE_MAX).collect()
}

/// The buttons an answer goes with, in the shopper's language: `None` for answers that are not
/// Cartback's own (an opt-out's confirmation, a hand-off's notice). "Talk to a person" only where
/// asking for one hands off (`handoff_when_asked`); three buttons at most (Meta's limit).
fn buttons(store: &StoreConfig, outcome: &ReplyOutcome, lang: &str) -> Option<Interactive> {
    if let Some(url) = &outcome.link {
        let key = if outcome.action == "recommendation" { "wa_view_product" } else { "wa_complete_order" };
        return Some(Interactive::Link { label: label(key, lang), url: url.clone() });
    }
    if outcome.action != "answered" {
        return None;
    }
    let button = |id: &str, key: &str| ReplyButton { id: id.to_string(), title: label(key, lang) };
    let mut list = vec![button(ORDER_STATUS_BUTTON_ID, "wa_order_status")];
    if outcome.cart.is_some() {
        list.push(button(RESTORE_BUTTON_PAYLOAD, "wa_complete_order"));
    }
    if store.conversations.handoff_when_asked {
        list.push(button(PERSON_BUTTON_ID, "wa_person"));
    }
    Some(Interactive::Replies(list))
}

impl Replies {
    /// A shopper's WhatsApp message, handled as any reply; its answer goes back as free-form
    /// text (the message has just opened the 24-hour window). A failed answer is logged and
    /// counted (`conversations.reply_answer_failed`), not returned: the message itself was
    /// handled, and failing the webhook would only make Meta deliver it again.
    pub async fn on_whatsapp_message(
        &self,
        store: &StoreConfig,
        m: &InboundReply,
    ) -> Result<ReplyOutcome, EngineError> {
        let outcome = self.on_reply(store, m).await?;
        let Some(text) = &outcome.reply else { return Ok(outcome) };
        if !self.outbox.has(Channel::Whatsapp) {
            return Ok(outcome);
        }
        let cart = outcome.cart.clone().unwrap_or_default();
        let mut msg = OutgoingMessage::answer(Channel::Whatsapp, store, cart, "reply", m.from.clone(), text.clone());
        let contact = self.carts.get_contact(&store.id, &crate::domain::contact_key(&store.id, &m.from)).await?;
        let lang = crate::domain::locale::built_in(contact.as_ref().and_then(|c| c.locale.as_deref()), &store.locale);
        msg.interactive = buttons(store, &outcome, lang);
        if let Err(e) = self.outbox.hand_over(Purpose::ReplyAnswer, &msg).await {
            tracing::warn!(store = %store.id, error = %e, "answer to a WhatsApp message not sent");
            self.k.count(&store.id, vec![(Counter::Conversations("reply_answer_failed"), 1)]).await;
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_label_fits_a_whatsapp_button() {
        for lang in crate::domain::locale::BUILT_IN {
            for key in ["wa_complete_order", "wa_order_status", "wa_person", "wa_view_product"] {
                let text = phrase(key, lang, &[]);
                assert!(!text.is_empty() && text.chars().count() <= BUTTON_TITLE_MAX, "{key} in {lang}: {text:?}");
            }
        }
    }
}
