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
    /// How many of the oldest entries were dropped to keep the transcript within its bounds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub trimmed: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Closed,
}

/// A transcript keeps its newest entries within these bounds: a DynamoDB item stops at 400 KB,
/// and a conversation that outgrew it could take no more messages (nor hand-offs). The oldest
/// go first; `Conversation::trimmed` counts them.
pub const TRANSCRIPT_MAX_ENTRIES: usize = 300;
pub const TRANSCRIPT_MAX_TEXT_BYTES: usize = 160 * 1024;

impl Conversation {
    /// Adds an entry, dropping the oldest beyond the transcript's bounds.
    pub fn push(&mut self, entry: Entry) {
        self.messages.push(entry);
        let mut bytes: usize = self.messages.iter().map(|m| m.text.expose().len()).sum();
        let mut drop = self.messages.len().saturating_sub(TRANSCRIPT_MAX_ENTRIES);
        for m in &self.messages[..drop] {
            bytes -= m.text.expose().len();
        }
        while bytes > TRANSCRIPT_MAX_TEXT_BYTES && drop + 1 < self.messages.len() {
            bytes -= self.messages[drop].text.expose().len();
            drop += 1;
        }
        if drop > 0 {
            self.messages.drain(..drop);
            self.trimmed += drop as u32;
        }
    }
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
    /// A shopper's reply: how Cartback read it, and a person's correction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<EntryReading>,
}

/// How Cartback read a reply (`conversations::verdict`), shown in the inbox with who decided,
/// and what a person said it was (docs/replies.md, "Corrections").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryReading {
    /// What it was taken for: a reply label (`opt_out`, `trust`, …).
    pub label: String,
    /// `keyword`, `rules`, `caution`, `model`.
    pub by: String,
    /// What was done: `opted_out`, `wrong_number`, `held`, `answered`, `handed_off`.
    pub action: String,
    /// The model's best guess and its probability.
    pub guess: String,
    pub confidence: f32,
    /// The shopper's language as Cartback answered them (`en`, `tr`, `nb`, `fa`): the corpus
    /// file a correction belongs to.
    #[serde(default)]
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<Correction>,
}

/// A person's reading of a reply: its label, and when it was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub label: String,
    pub at: Timestamp,
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

/// Conversations in one page of a listing.
pub const LIST_MAX: usize = 200;

/// Which of a store's conversations a listing wants: those of one status (or all), still kept
/// at `now`, older than where the previous page ended. Pages run newest update first, ties by
/// id (descending), so a cursor names one place in the order.
#[derive(Clone, Debug)]
pub struct ListQuery {
    pub status: Option<ConversationStatus>,
    pub now: Timestamp,
    pub before: Option<Cursor>,
}

/// Where a page ended: the last conversation's update time and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub updated_at: Timestamp,
    pub id: String,
}

impl Cursor {
    pub fn of(c: &Conversation) -> Cursor {
        Cursor { updated_at: c.updated_at, id: c.id.clone() }
    }

    /// `{nanoseconds}.{id}`, as the listing's `next` gives it.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.updated_at.as_nanosecond(), self.id)
    }

    pub fn parse(s: &str) -> Option<Cursor> {
        let (ns, id) = s.split_once('.')?;
        let updated_at = Timestamp::from_nanosecond(ns.parse().ok()?).ok()?;
        (!id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
            .then(|| Cursor { updated_at, id: id.to_string() })
    }
}

impl ListQuery {
    /// Whether `c` belongs on this listing's pages at or after the cursor.
    pub fn wants(&self, c: &Conversation) -> bool {
        c.expires_at > self.now
            && self.status.is_none_or(|s| c.status == s)
            && self.before.as_ref().is_none_or(|b| (c.updated_at, c.id.as_str()) < (b.updated_at, b.id.as_str()))
    }

    /// The page of `all` (any order): the conversations wanted, in the listing's order, at most
    /// one more than `LIST_MAX` (the one more says another page follows).
    pub fn page(&self, all: impl IntoIterator<Item = Conversation>) -> Vec<Conversation> {
        let mut out: Vec<Conversation> = all.into_iter().filter(|c| self.wants(c)).collect();
        out.sort_by(|a, b| (b.updated_at, &b.id).cmp(&(a.updated_at, &a.id)));
        out.truncate(LIST_MAX + 1);
        out
    }
}

/// A shopper's message, as a provider's webhook delivers it.
#[derive(Debug, Clone)]
pub struct InboundReply {
    pub channel: Channel,
    /// E.164.
    pub from: String,
    pub body: String,
    /// The provider's message id (Twilio MessageSid, WhatsApp message id).
    pub message_id: String,
    /// When the provider says the shopper sent it, if its webhook says (WhatsApp's `timestamp`;
    /// Twilio's inbound webhook carries no time): a START older than the STOP it would reverse
    /// changes nothing.
    pub sent_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_written_and_refuses_anything_else() {
        let c = Cursor { updated_at: "2026-11-30T10:00:00.123456789Z".parse().unwrap(), id: "Ab-_9".into() };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        for bad in ["", "x", "1.", ".a", "1.a/b", "1.a.b", "1e3.a", "99999999999999999999999999.a"] {
            assert_eq!(Cursor::parse(bad), None, "{bad:?}");
        }
    }
}

#[cfg(test)]
mod transcript_tests {
    use super::*;
    use crate::domain::pii::Pii;

    fn conversation() -> Conversation {
        let t = jiff::Timestamp::UNIX_EPOCH;
        Conversation {
            store: "s".into(),
            id: "c".into(),
            version: 0,
            contact: "k".into(),
            to: Pii::new("+4791234567"),
            channel: crate::domain::Channel::Sms,
            cart: None,
            status: ConversationStatus::Open,
            reason: crate::domain::Reason::Other,
            guess: String::new(),
            confidence: 0.0,
            handoff_rule: String::new(),
            opened_at: t,
            updated_at: t,
            expires_at: t,
            messages: Vec::new(),
            trimmed: 0,
        }
    }

    fn entry(text: String) -> Entry {
        Entry {
            at: jiff::Timestamp::UNIX_EPOCH,
            author: Author::Shopper,
            text: Pii::new(text),
            status: None,
            ref_id: None,
            reading: None,
        }
    }

    /// Issue #28: a transcript without a bound would outgrow a DynamoDB item (400 KB).
    #[test]
    fn a_transcript_keeps_its_newest_entries_within_bounds() {
        let mut c = conversation();
        for i in 0..TRANSCRIPT_MAX_ENTRIES + 25 {
            c.push(entry(format!("message {i}")));
        }
        assert_eq!(c.messages.len(), TRANSCRIPT_MAX_ENTRIES);
        assert_eq!(c.trimmed, 25);
        assert_eq!(c.messages[0].text.expose(), "message 25");
        // 1 600-character answers: the text bound holds first.
        let mut c = conversation();
        for _ in 0..200 {
            c.push(entry("x".repeat(1600)));
        }
        let bytes: usize = c.messages.iter().map(|m| m.text.expose().len()).sum();
        assert!(bytes <= TRANSCRIPT_MAX_TEXT_BYTES && c.messages.len() == TRANSCRIPT_MAX_TEXT_BYTES / 1600, "{bytes}");
        assert_eq!(c.trimmed as usize + c.messages.len(), 200);
        let json = serde_json::to_vec(&c).unwrap();
        assert!(json.len() < 300 * 1024, "{} bytes", json.len());
    }
}
