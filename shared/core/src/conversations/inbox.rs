//! Conversations with a person (docs/conversations.md): a hand-off opens one, later replies of
//! the shopper are added to it, and the store's people list, read, answer and close them.

use crate::conversations::Inbox;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::config::StoreConfig;
use crate::domain::conversation::EntryReading;
use crate::domain::conversation::InboundReply;
use crate::domain::pii::{Pii, mask};
use crate::domain::{Author, Channel, Contact, Conversation, ConversationStatus, Entry, Reason};
use crate::engine::counters::Counter;
use crate::engine::outbox::Purpose;
use crate::engine::{EngineError, retry_on_conflict};
use crate::ports::{ChannelError, OutgoingMessage};

/// The longest answer a person may send (WhatsApp's limit for a text message is 4 096).
pub const ANSWER_MAX_CHARS: usize = 1600;

/// What opened or continued a conversation.
pub struct Opening<'a> {
    pub reply: &'a InboundReply,
    pub reason: Reason,
    pub guess: String,
    pub confidence: f32,
    pub rule: &'static str,
    /// Cartback's own answer to the shopper, added to the transcript.
    pub notice: Option<String>,
    /// How the reply was read, shown with it.
    pub reading: EntryReading,
    /// False for a reply recorded only to be seen (an opt-out in words): a new conversation
    /// opens closed, and nobody is alerted.
    pub open: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error("no such conversation")]
    NotFound,
    #[error("the conversation is closed")]
    Closed,
    #[error("the shopper opted out of {0}: nothing more may be sent there")]
    OptedOut(Channel),
    #[error("the shopper's last WhatsApp message is older than 24 hours: WhatsApp allows only templates now")]
    OutsideWindow,
    #[error("{0}")]
    Invalid(&'static str),
    #[error("the provider is throttling; nothing was sent, try again")]
    Throttled,
    #[error("the provider refused the message: {0}")]
    Refused(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<crate::ports::StoreError> for AnswerError {
    fn from(e: crate::ports::StoreError) -> Self {
        AnswerError::Engine(e.into())
    }
}

/// A conversation's id: derived from the message that opened it, so a retried webhook finds
/// the same conversation instead of opening a second one. 128 bits of a keyed digest: as
/// unguessable as a restore link.
fn conversation_id(store: &str, contact: &str, message_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(crate::domain::contact::deployment_key());
    for part in [store, contact, message_id] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&h.finalize()[..16])
}

/// Where a person's `idempotency_key` is kept in the transcript's `ref_id`: its own space.
pub const IDEMPOTENCY_PREFIX: &str = "idem:";

impl Inbox {
    /// Adds a handed-off reply to the shopper's open conversation, or opens one. Returns its id.
    pub(crate) async fn record_handoff(
        &self,
        store: &StoreConfig,
        contact: &mut Contact,
        o: &Opening<'_>,
    ) -> Result<String, EngineError> {
        let now = self.k.clock.now();
        let expires_at = now + store.conversations.retention;
        let inbound = Entry {
            at: now,
            author: Author::Shopper,
            text: Pii::new(o.reply.body.clone()),
            status: None,
            ref_id: Some(o.reply.message_id.clone()),
            reading: Some(o.reading.clone()),
        };
        // The open conversation on this channel, if it is still there.
        let current =
            match &contact.conversation {
                Some(id) => self.carts.get_conversation(&store.id, id).await?.filter(|c| {
                    c.status == ConversationStatus::Open && c.channel == o.reply.channel && c.expires_at > now
                }),
                None => None,
            };
        let id = retry_on_conflict!({
            let mut c = match &current {
                Some(c) => self.carts.get_conversation(&store.id, &c.id).await?.unwrap_or_else(|| c.clone()),
                None => {
                    let id = conversation_id(&store.id, &contact.key, &o.reply.message_id);
                    match self.carts.get_conversation(&store.id, &id).await? {
                        Some(existing) => existing,
                        None => Conversation {
                            store: store.id.clone(),
                            id,
                            version: 0,
                            contact: contact.key.clone(),
                            to: Pii::new(o.reply.from.clone()),
                            channel: o.reply.channel,
                            cart: contact.latest_cart.clone(),
                            status: if o.open { ConversationStatus::Open } else { ConversationStatus::Closed },
                            reason: o.reason,
                            guess: o.guess.clone(),
                            confidence: o.confidence,
                            handoff_rule: o.rule.to_string(),
                            opened_at: now,
                            updated_at: now,
                            expires_at,
                            messages: Vec::new(),
                            trimmed: 0,
                        },
                    }
                }
            };
            if !c.messages.iter().any(|m| m.ref_id.as_deref() == Some(o.reply.message_id.as_str())) {
                c.push(inbound.clone());
                if let Some(n) = &o.notice {
                    c.push(Entry {
                        at: now,
                        author: Author::Cartback,
                        text: Pii::new(n.clone()),
                        status: Some("sent".into()),
                        ref_id: None,
                        reading: None,
                    });
                }
                c.updated_at = now;
                c.expires_at = expires_at;
                self.carts.put_conversation(c.clone()).await?;
            }
            Ok(c.id)
        })?;
        if current.is_none() && o.open {
            self.k.count(&store.id, vec![(Counter::Conversations("opened"), 1)]).await;
        }
        contact.conversation = Some(id.clone());
        Ok(id)
    }

    /// One page of the store's conversations whose transcripts are still kept, newest first:
    /// those of `status` (or all) after `before`, and the cursor of the next page if there is one.
    pub async fn conversations(
        &self,
        store: &StoreConfig,
        status: Option<crate::domain::ConversationStatus>,
        before: Option<crate::domain::conversation::Cursor>,
    ) -> Result<(Vec<Conversation>, Option<crate::domain::conversation::Cursor>), EngineError> {
        use crate::domain::conversation::{Cursor, LIST_MAX, ListQuery};
        let query = ListQuery { status, now: self.k.clock.now(), before };
        let mut page = self.carts.list_conversations(&store.id, &query).await?;
        let next = (page.len() > LIST_MAX).then(|| {
            page.truncate(LIST_MAX);
            page.last().map(Cursor::of)
        });
        Ok((page, next.flatten()))
    }

    pub async fn conversation(&self, store: &StoreConfig, id: &str) -> Result<Option<Conversation>, EngineError> {
        let now = self.k.clock.now();
        Ok(self.carts.get_conversation(&store.id, id).await?.filter(|c| c.expires_at > now))
    }

    /// Closes a conversation. The cart's automated sequence stays paused: after a person has
    /// talked with the shopper, an automatic reminder would talk over them.
    pub async fn close_conversation(&self, store: &StoreConfig, id: &str) -> Result<Option<Conversation>, EngineError> {
        let closed = retry_on_conflict!({
            let Some(mut c) = self.conversation(store, id).await? else { return Ok(None) };
            if c.status == ConversationStatus::Closed {
                return Ok(Some(c));
            }
            c.status = ConversationStatus::Closed;
            c.updated_at = self.k.clock.now();
            c.version = self.carts.put_conversation(c.clone()).await?;
            Ok(Some(c))
        })?;
        if closed.is_some() {
            self.k.count(&store.id, vec![(Counter::Conversations("closed"), 1)]).await;
        }
        Ok(closed)
    }

    /// Sends a person's answer on the shopper's channel, at most once: the answer is written to
    /// the transcript as `sending` before the provider is called, and an `idempotency_key` seen
    /// before returns that entry without sending again. Never after an opt-out; on WhatsApp only
    /// inside the 24-hour window. Quiet hours do not hold it back: it answers the shopper's own
    /// message (docs/conversations.md).
    pub async fn answer_conversation(
        &self,
        store: &StoreConfig,
        id: &str,
        text: &str,
        idempotency_key: Option<&str>,
    ) -> Result<(Conversation, Entry), AnswerError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AnswerError::Invalid("text is empty"));
        }
        if text.chars().count() > ANSWER_MAX_CHARS {
            return Err(AnswerError::Invalid("text is longer than 1600 characters"));
        }
        let now = self.k.clock.now();
        // The caller's key lives in its own space (`idem:`): it can never equal a shopper's
        // message id (Twilio's `SM…`, WhatsApp's `wamid…`) kept in the same transcript.
        let ref_id = match idempotency_key {
            Some(k) => format!("{IDEMPOTENCY_PREFIX}{k}"),
            None => {
                format!("agent:{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.k.random.bytes16()))
            }
        };
        // Claim: the entry goes in first (retried on a lost race, as `retry_on_conflict` does).
        let mut claimed = Err(AnswerError::Engine(EngineError::Contended));
        for _ in 0..crate::engine::OPTIMISTIC_ATTEMPTS {
            claimed = self.claim_answer(store, id, text, &ref_id, now).await;
            if !matches!(claimed, Err(AnswerError::Engine(EngineError::Store(crate::ports::StoreError::Conflict)))) {
                break;
            }
        }
        let (c, entry, fresh) = claimed?;
        if !fresh {
            return Ok((c, entry));
        }
        if !self.outbox.has(c.channel) {
            return Err(EngineError::NoChannel(c.channel).into());
        }
        let msg = OutgoingMessage::answer(
            c.channel,
            store,
            c.cart.clone().unwrap_or_default(),
            "agent",
            c.to.expose().to_string(),
            text.to_string(),
        );
        let (status, result) = match self.outbox.hand_over(Purpose::PersonAnswer, &msg).await {
            Ok(_) => ("sent", Ok(())),
            Err(ChannelError::Unknown(e)) => ("unknown", {
                tracing::warn!(store = %store.id, to = %mask(c.to.expose()), error = %e, "agent answer outcome unknown; not resent");
                Ok(())
            }),
            Err(ChannelError::Retryable(_)) => ("throttled", Err(AnswerError::Throttled)),
            Err(ChannelError::Permanent(e) | ChannelError::Unconfigured(e) | ChannelError::Gone(e)) => {
                ("failed", Err(AnswerError::Refused(e)))
            }
        };
        let updated = retry_on_conflict!({
            let Some(mut c) = self.carts.get_conversation(&store.id, id).await? else {
                return Err(EngineError::Contended);
            };
            if status == "throttled" {
                // Nothing left: the entry goes, so the same key may try again.
                c.messages.retain(|m| m.ref_id.as_deref() != Some(ref_id.as_str()));
            } else if let Some(m) = c.messages.iter_mut().find(|m| m.ref_id.as_deref() == Some(ref_id.as_str())) {
                m.status = Some(status.to_string());
            }
            c.version = self.carts.put_conversation(c.clone()).await?;
            Ok(c)
        })?;
        self.k
            .count(&store.id, vec![(Counter::Conversations(if status == "sent" { "answered" } else { status }), 1)])
            .await;
        result?;
        let entry =
            updated.messages.iter().find(|m| m.ref_id.as_deref() == Some(ref_id.as_str())).cloned().unwrap_or(entry);
        Ok((updated, entry))
    }

    /// Writes a person's answer into the transcript as `sending`, or finds it by its key.
    /// Returns the conversation, the entry, and whether it is new (and must be sent).
    async fn claim_answer(
        &self,
        store: &StoreConfig,
        id: &str,
        text: &str,
        ref_id: &str,
        now: jiff::Timestamp,
    ) -> Result<(Conversation, Entry, bool), AnswerError> {
        let Some(mut c) = self.conversation(store, id).await? else { return Err(AnswerError::NotFound) };
        if let Some(e) = c.messages.iter().find(|m| m.author == Author::Agent && m.ref_id.as_deref() == Some(ref_id)) {
            return Ok((c.clone(), e.clone(), false));
        }
        if c.status == ConversationStatus::Closed {
            return Err(AnswerError::Closed);
        }
        let contact = self.carts.get_contact(&store.id, &c.contact).await?;
        if contact.as_ref().is_some_and(|k| k.refuses(c.channel)) {
            return Err(AnswerError::OptedOut(c.channel));
        }
        if c.channel == Channel::Whatsapp
            && !crate::domain::channel::whatsapp_window_open(
                contact.as_ref().and_then(|k| k.last_whatsapp_inbound_at),
                now,
            )
        {
            return Err(AnswerError::OutsideWindow);
        }
        let entry = Entry {
            at: now,
            author: Author::Agent,
            text: Pii::new(text.to_string()),
            status: Some("sending".into()),
            ref_id: Some(ref_id.to_string()),
            reading: None,
        };
        c.push(entry.clone());
        c.updated_at = now;
        c.expires_at = now + store.conversations.retention;
        c.version = self.carts.put_conversation(c.clone()).await?;
        Ok((c, entry, true))
    }
}

/// What a person's reading did to the shopper's consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentAfter {
    /// Read as a "no": the phone (or address) is opted out, recorded as `person`.
    OptedOut,
    /// Read as no "no": the hold is lifted and automated messages may resume.
    Released,
    /// Nothing to change (already opted out, or no hold).
    Unchanged,
    /// The hold's deadline had passed: it is an opt-out, which only the shopper's START undoes.
    AlreadyOptedOut,
}

impl ConsentAfter {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentAfter::OptedOut => "opted_out",
            ConsentAfter::Released => "released",
            ConsentAfter::Unchanged => "unchanged",
            ConsentAfter::AlreadyOptedOut => "already_opted_out",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CorrectionError {
    #[error("no such conversation")]
    NotFound,
    #[error("no reply of the shopper with that id in the conversation")]
    NoSuchMessage,
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<crate::ports::StoreError> for CorrectionError {
    fn from(e: crate::ports::StoreError) -> Self {
        CorrectionError::Engine(e.into())
    }
}

impl Inbox {
    /// A person's reading of a shopper's reply (docs/replies.md, "Corrections"): kept beside
    /// Cartback's own (and exported by `cartback replies export-corrections`). An `opt_out`
    /// opts the shopper's address out; any other label lifts a hold on it. A person never
    /// reverses a "no" the shopper gave: only the shopper's START does.
    pub async fn correct_reading(
        &self,
        store: &StoreConfig,
        id: &str,
        message: Option<&str>,
        label: crate::conversations::model::Label,
    ) -> Result<(Conversation, ConsentAfter), CorrectionError> {
        use crate::conversations::model::Label;
        use crate::domain::conversation::Correction;
        let now = self.k.clock.now();
        let mut from = None;
        // Not found inside the retried block: `Ok(Err(…))`, so a conflict alone is retried.
        let c = retry_on_conflict!({
            let Some(mut c) = self.conversation(store, id).await? else { return Ok(Err(CorrectionError::NotFound)) };
            let Some(entry) = c
                .messages
                .iter_mut()
                .rev()
                .filter(|m| m.author == Author::Shopper)
                .find(|m| message.is_none_or(|r| m.ref_id.as_deref() == Some(r)))
            else {
                return Ok(Err(CorrectionError::NoSuchMessage));
            };
            let reading = entry.reading.get_or_insert_with(|| EntryReading {
                label: "unknown".into(),
                by: "none".into(),
                action: "none".into(),
                guess: String::new(),
                confidence: 0.0,
                language: crate::domain::locale::built_in(None, &store.locale).to_string(),
                correction: None,
            });
            from = Some(reading.label.clone());
            let same = reading.correction.as_ref().is_some_and(|k| k.label == label.as_str());
            if !same {
                reading.correction = Some(Correction { label: label.as_str().to_string(), at: now });
                c.updated_at = now;
                c.version = self.carts.put_conversation(c.clone()).await?;
            }
            Ok(Ok(c))
        })??;
        let reference = message
            .map(str::to_string)
            .or_else(|| c.messages.iter().rev().find(|m| m.author == Author::Shopper).and_then(|m| m.ref_id.clone()));
        let reference = reference.unwrap_or_default();
        let mut stats = Vec::new();
        let after = retry_on_conflict!({
            let Some(mut contact) = self.carts.get_contact(&store.id, &c.contact).await? else {
                return Ok(ConsentAfter::Unchanged);
            };
            stats.clear();
            let expired = contact.settle_hold(now);
            let after = if label == Label::OptOut {
                let had_hold = contact.hold.take().is_some();
                let changed = contact.opt_out_address(c.channel, now, "person", &reference);
                for ch in &changed {
                    stats.push((Counter::OptOuts(*ch), 1));
                }
                if had_hold {
                    stats.push((Counter::Holds("decided.opt_out".into()), 1));
                }
                if changed.is_empty() && expired.is_empty() { ConsentAfter::Unchanged } else { ConsentAfter::OptedOut }
            } else if !expired.is_empty() {
                ConsentAfter::AlreadyOptedOut
            } else if contact.hold.take().is_some() {
                stats.push((Counter::Holds("decided.released".into()), 1));
                ConsentAfter::Released
            } else {
                ConsentAfter::Unchanged
            };
            for ch in &expired {
                stats.push((Counter::OptOuts(*ch), 1));
            }
            if !expired.is_empty() {
                stats.push((Counter::Holds("expired".into()), 1));
            }
            if after != ConsentAfter::Unchanged || !expired.is_empty() {
                self.carts.put_contact(contact).await?;
            }
            Ok(after)
        })?;
        if let Some(from) = from.filter(|f| f != label.as_str()) {
            let known = Label::parse(&from).map_or("unknown", |l| l.as_str());
            stats.push((Counter::Corrections(known, label.as_str()), 1));
        }
        tracing::info!(store = %store.id, conversation = %id, label = label.as_str(), consent = after.as_str(), "reading corrected");
        self.k.count(&store.id, stats).await;
        Ok((c, after))
    }
}
