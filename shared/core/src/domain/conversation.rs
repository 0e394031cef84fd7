//! A conversation: what a shopper and the store's people said to each other after a reply was
//! handed off (docs/conversations.md). One per hand-off, appended to while it is open.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::pii::Pii;
use crate::domain::{Channel, Reason};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub store: String,
    /// 128-bit random, base64url: unguessable, names the conversation in the API and the inbox.
    pub id: String,
    pub version: u64,
    /// The shopper's contact key (a keyed hash): where consent and the 24-hour window live.
    pub contact: String,
    /// The shopper's address on `channel`. Never logged; never in an API answer in clear.
    pub to: Pii,
    pub channel: Channel,
    pub cart: Option<String>,
    pub status: ConversationStatus,
    /// The reason recorded for the reply that opened it.
    pub reason: Reason,
    /// The reply model's best guess and its probability, for the person who answers.
    pub guess: String,
    pub confidence: f32,
    /// Why it went to a person: `asked_for_person`, `cart_value`, `reason`, `unsure`, `no_answer`.
    pub handoff_rule: String,
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
    /// The transcript is deleted after this (the store's `conversations.retention_days`, from the
    /// last message).
    pub expires_at: Timestamp,
    pub messages: Vec<Entry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Closed,
}

/// One message of the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub at: Timestamp,
    pub author: Author,
    /// The text. Personal data: kept in the record, never logged.
    pub text: Pii,
    /// Outbound: `sent`, `unknown` (the provider's answer was lost: never resent), `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The provider's message id (inbound and outbound), or the caller's idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Shopper,
    /// Cartback's automatic answer (the hand-off notice, an FAQ answer).
    Cartback,
    /// The store's person, through the API or the inbox.
    Agent,
}

/// Conversations kept at most (per store, open or closed) in one listing answer.
pub const LIST_MAX: usize = 200;
