//! The outbox: the one place in Cartback that hands a message to a channel (issue #30). It sits
//! in the shared kernel, beneath the three stages that send. Every
//! message reaches it through a use case that has already decided it may go — a sequence step
//! after the send policy and the claim (`abandonment::due`), a person's answer after its
//! transcript claim and the opt-out check (`conversations::inbox`), the answer to a shopper's
//! own WhatsApp message (`conversations::replies`). The channels are private to it, so an
//! adapter or a new caller cannot send around those gates.

use crate::domain::Channel;
use crate::ports::{ChannelError, ChannelSender, OutgoingMessage};
use std::collections::HashMap;
use std::sync::Arc;

/// Why a message is handed over: names the gate it passed, for the log line and the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A sequence step, after the send policy and the claim.
    Step,
    /// A person's answer in the inbox, after its transcript claim.
    PersonAnswer,
    /// The answer to the shopper's own message (its 24-hour window just opened).
    ReplyAnswer,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Step => "step",
            Purpose::PersonAnswer => "person_answer",
            Purpose::ReplyAnswer => "reply_answer",
        }
    }
}

pub struct Outbox {
    channels: HashMap<Channel, Arc<dyn ChannelSender>>,
}

impl Outbox {
    pub fn new(channels: HashMap<Channel, Arc<dyn ChannelSender>>) -> Self {
        Outbox { channels }
    }

    /// Whether a sender is wired for `channel` (a host without one answers `NoChannel`).
    pub fn has(&self, channel: Channel) -> bool {
        self.channels.contains_key(&channel)
    }

    /// Hands `msg` to its channel's sender (the callers check `has` before they claim, so a
    /// missing sender here is refused for good, never retried). Crate-private: only the core's
    /// use cases, after their gates, reach it.
    pub(crate) async fn hand_over(&self, purpose: Purpose, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        let Some(sender) = self.channels.get(&msg.channel) else {
            return Err(ChannelError::Permanent(format!("no {} sender is wired", msg.channel.as_str())));
        };
        tracing::debug!(store = %msg.store, channel = msg.channel.as_str(), purpose = purpose.as_str(), "handing a message to its channel");
        sender.send(msg).await
    }
}
