//! The answer to a shopper's WhatsApp message: handled as any reply (`replies`), its answer sent
//! back through the outbox as free-form text.

use crate::config::StoreConfig;
use crate::conversations::Replies;
use crate::conversations::replies::ReplyOutcome;
use crate::domain::Channel;
use crate::domain::conversation::InboundReply;
use crate::engine::EngineError;
use crate::engine::counters::Counter;
use crate::engine::outbox::Purpose;
use crate::ports::OutgoingMessage;

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
        let msg = OutgoingMessage::answer(Channel::Whatsapp, store, cart, "reply", m.from.clone(), text.clone());
        if let Err(e) = self.outbox.hand_over(Purpose::ReplyAnswer, &msg).await {
            tracing::warn!(store = %store.id, error = %e, "answer to a WhatsApp message not sent");
            self.k.count(&store.id, vec![(Counter::Conversations("reply_answer_failed"), 1)]).await;
        }
        Ok(outcome)
    }
}
