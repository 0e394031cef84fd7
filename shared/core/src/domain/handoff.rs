//! A reply that needs a person: what the hand-off alert and the `conversation.handoff` event
//! carry.

use crate::domain::Channel;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A reply that needs a human.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    pub store: String,
    pub cart: Option<String>,
    pub channel: Channel,
    /// Masked address: an alert may travel through third-party chat tools.
    pub from_masked: String,
    pub text: String,
    pub reason: String,
    pub at: Timestamp,
    /// The conversation the reply opened or continued (docs/conversations.md).
    #[serde(default)]
    pub conversation: Option<String>,
    /// The inbox page showing it: `{public_url}/inbox/{store}#{conversation}`.
    #[serde(default)]
    pub inbox_url: Option<String>,
    /// The reply model's best guess, with its probability in percent: `trust (41 %)`.
    #[serde(default)]
    pub guess: String,
    /// Why it went to a person: `asked_for_person`, `cart_value`, `reason`, `unsure`, `no_answer`.
    #[serde(default)]
    pub rule: String,
}
