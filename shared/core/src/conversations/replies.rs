//! Inbound SMS/WhatsApp: keywords, reasons, answers and hand-offs (docs/architecture.md, "Conversations").

use crate::config::{ReplyText, StoreConfig};
use crate::conversations::inbox::Opening;
use crate::conversations::keywords::{Keyword, keyword};
use crate::conversations::opt_out::Scope;
use crate::conversations::person::asks_for_person;
use crate::conversations::reasons::{self, Classification};
use crate::conversations::second_reader::{self, SecondReading};
use crate::conversations::verdict::{self, Reading, Verdict};
use crate::conversations::whatsapp_inbound::RESTORE_BUTTON_PAYLOAD;
use crate::domain::conversation::EntryReading;
use crate::domain::pii::mask;
use crate::domain::{Cart, Channel, Contact, Hold, Reason, contact_key};
use crate::engine::counters::Counter;
use crate::engine::{Engine, EngineError, retry_on_conflict};
use crate::messaging::{ComposeInput, context};
use crate::ports::Handoff;

/// The model's best guess as a person reads it: "trust (62 %)".
fn guess_text(reading: &Reading) -> String {
    format!("{} ({:.0} %)", reading.prediction.guess.as_str(), reading.prediction.confidence * 100.0)
}

/// A reading as the transcript keeps it beside the reply.
fn entry_reading(reading: &Reading, action: &str, language: &str) -> EntryReading {
    EntryReading {
        label: reading.label().as_str().to_string(),
        by: reading.by.to_string(),
        action: action.to_string(),
        guess: reading.prediction.guess.as_str().to_string(),
        confidence: reading.prediction.confidence,
        language: language.to_string(),
        correction: None,
    }
}

pub use crate::domain::conversation::InboundReply;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyOutcome {
    /// What happened: opted_out, opted_in, help, answered, handed_off, duplicate.
    pub action: &'static str,
    pub reason: Option<Reason>,
    /// The text to answer with, if any.
    pub reply: Option<String>,
    pub cart: Option<String>,
}

impl Engine {
    pub async fn on_reply(&self, store: &StoreConfig, r: &InboundReply) -> Result<ReplyOutcome, EngineError> {
        let key = contact_key(&store.id, &r.from);
        let now = self.clock.now();
        // The second reader is asked once, whatever the retries below (`second_reader`).
        let mut second: Option<Option<SecondReading>> = None;
        retry_on_conflict!({
            let mut contact = self.carts.get_contact(&store.id, &key).await?.unwrap_or_else(|| {
                let mut c = Contact::new(&store.id, &key);
                c.phone = Some(crate::domain::pii::Pii::new(r.from.clone()));
                c
            });
            if contact.seen_inbound(&r.message_id) {
                return Ok(ReplyOutcome { action: "duplicate", reason: None, reply: None, cart: None });
            }
            contact.remember_inbound(&r.message_id, now);
            contact.last_inbound_at = Some(now);
            if r.channel == Channel::Whatsapp {
                contact.last_whatsapp_inbound_at = Some(now);
            }
            let mut stats = Vec::new();
            // A hold nobody decided in time is the opt-out it stood for, before anything else.
            for ch in contact.settle_hold(now) {
                stats.push((Counter::OptOuts(ch), 1));
                stats.push((Counter::Holds("expired".into()), 1));
            }
            let mut classified = None;
            // START and HELP are keywords; everything else is read once by every reader
            // (`verdict`), which decides: an opt-out (`reply`, `reply_words`, `reply_model` in
            // the consent ledger), a wrong number, a hold for a person, or a reason.
            let carrier = keyword(&r.body).filter(|k| *k != Keyword::Stop);
            // The WhatsApp template's "Complete my order" button: the restore link, in the
            // shopper's language; the sequence goes on (the shopper is on their way back).
            let restore = r.channel == Channel::Whatsapp && r.body == RESTORE_BUTTON_PAYLOAD;
            let mut reading = (carrier.is_none() && !restore).then(|| verdict::read(&r.body));
            if store.reader.is_some()
                && let Some(first) = reading.as_mut().filter(|v| second_reader::wanted(v))
            {
                if second.is_none() {
                    second = Some(self.second_reading(store, &r.body).await);
                }
                // It may add an opt-out, never remove one, never lift a hold.
                if second.as_ref().and_then(Option::as_ref).is_some_and(|s| s.opt_out) {
                    first.verdict = Verdict::OptOut { source: "reply_reader", scope: Scope::Channel };
                    first.by = "reader";
                }
            }
            // No reading: a keyword (START, HELP) or the WhatsApp button.
            let outcome = match (carrier, reading) {
                (None, None) => {
                    let cart = match &contact.latest_cart {
                        Some(id) => self.carts.get_cart(&store.id, id).await?,
                        None => None,
                    };
                    let link = cart.as_ref().and_then(|c| c.link_token.as_ref());
                    let reply = link.map(|t| {
                        let link = format!("{}/r/{t}", self.config.public_url);
                        let lang = crate::domain::locale::built_in(contact.locale.as_deref(), &store.locale);
                        crate::text::builtin::phrase("reply_restore", lang, &[("store", &store.name), ("link", &link)])
                    });
                    ReplyOutcome { action: "restore", reason: None, reply, cart: contact.latest_cart.clone() }
                }
                (_, Some(Reading { verdict: Verdict::OptOut { source, scope }, .. })) => {
                    let channels = match scope {
                        Scope::Channel => vec![r.channel],
                        Scope::All => Channel::ALL.to_vec(),
                    };
                    contact.remember_consent_reply(&r.message_id);
                    if let Some(t) = r.sent_at {
                        contact.stop_sent_at = Some(contact.stop_sent_at.map_or(t, |s| s.max(t)));
                    }
                    let mut changed = false;
                    for ch in channels {
                        if contact.opt_out_logged(ch, now, source, &r.message_id) {
                            changed = true;
                            stats.push((Counter::OptOuts(ch), 1));
                        }
                    }
                    // A "no" settles a hold: nothing is left for a person to decide.
                    if contact.hold.take().is_some() {
                        stats.push((Counter::Holds("decided.opt_out".into()), 1));
                    }
                    // Confirm once: a second STOP gets silence, not another message.
                    ReplyOutcome {
                        action: "opted_out",
                        reason: None,
                        reply: changed.then(|| store.reply_text(ReplyText::Stop, contact.locale.as_deref())),
                        cart: None,
                    }
                }
                (_, Some(Reading { verdict: Verdict::WrongNumber, .. })) => {
                    contact.remember_consent_reply(&r.message_id);
                    let changed = contact.opt_out_address(r.channel, now, "wrong_number", &r.message_id);
                    for ch in &changed {
                        stats.push((Counter::OptOuts(*ch), 1));
                    }
                    stats.push((Counter::WrongNumbers, 1));
                    contact.hold = None;
                    ReplyOutcome {
                        action: "wrong_number",
                        reason: None,
                        reply: (!changed.is_empty())
                            .then(|| store.reply_text(ReplyText::WrongNumber, contact.locale.as_deref())),
                        cart: None,
                    }
                }
                (_, Some(v @ Reading { verdict: Verdict::Hold(cause), .. })) => {
                    // Already a "no" on this address: nothing automated goes there anyway.
                    let new = !contact.refuses(r.channel) && contact.hold.is_none();
                    if new {
                        contact.hold = Some(Hold {
                            since: now,
                            channel: r.channel,
                            cause: cause.as_str().to_string(),
                            reference: r.message_id.clone(),
                            conversation: None,
                        });
                        stats.push((Counter::Holds(format!("held.{}", cause.as_str())), 1));
                    }
                    let c = reasons::of_prediction(v.prediction);
                    classified = Some((c, v));
                    ReplyOutcome {
                        action: "held",
                        reason: Some(c.reason),
                        reply: new.then(|| store.reply_text(ReplyText::Held, contact.locale.as_deref())),
                        cart: contact.latest_cart.clone(),
                    }
                }
                // A START the provider dates at or before the STOP it would reverse: a replay.
                (Some(Keyword::Start), _)
                    if r.sent_at.is_some_and(|t| contact.stop_sent_at.is_some_and(|stop| t <= stop)) =>
                {
                    contact.remember_consent_reply(&r.message_id);
                    tracing::warn!(store = %store.id, from = %mask(&r.from), "a START older than the STOP it would reverse: ignored");
                    ReplyOutcome { action: "stale", reason: None, reply: None, cart: None }
                }
                (Some(Keyword::Start), _) => {
                    contact.remember_consent_reply(&r.message_id);
                    if contact.opt_in(r.channel) {
                        stats.push((Counter::OptIns(r.channel), 1));
                        contact.log_consent(now, r.channel, true, "reply", &r.message_id);
                    }
                    // The shopper's own yes settles a hold on the phone.
                    if contact.hold.take().is_some() {
                        stats.push((Counter::Holds("decided.released".into()), 1));
                    }
                    let reply = store.reply_text(ReplyText::Start, contact.locale.as_deref());
                    ReplyOutcome { action: "opted_in", reason: None, reply: Some(reply), cart: None }
                }
                (Some(_), _) => {
                    let reply = store.reply_text(ReplyText::Help, contact.locale.as_deref());
                    ReplyOutcome { action: "help", reason: None, reply: Some(reply), cart: None }
                }
                (None, Some(v)) => {
                    let c = reasons::of_prediction(v.prediction);
                    stats.push((Counter::Reasons(c.reason), 1));
                    classified = Some((c, v));
                    // Completed by `converse` once the contact is written.
                    ReplyOutcome {
                        action: "handed_off",
                        reason: Some(c.reason),
                        reply: None,
                        cart: contact.latest_cart.clone(),
                    }
                }
            };
            // The reply's effects on the cart come before the contact is written: the contact
            // remembers the message id, so once it is written a retry of this webhook is a
            // duplicate and does nothing. Written last, a failure anywhere before it leaves the
            // retry to do all of it again (pausing is idempotent).
            let outcome = match (classified, outcome.action) {
                (Some((c, v)), _) => self.converse(store, r, &mut contact, c, outcome, v).await?,
                // STOP also ends the automated sequence of the cart they were messaged about, on
                // every channel: "stop" means stop. Later carts still follow each channel's consent.
                (None, "opted_out" | "wrong_number") => {
                    if let Some(id) = &contact.latest_cart {
                        self.pause_cart(store, id, None).await?;
                    }
                    // A "no" read from words (not the carrier keyword) is kept where a person can
                    // see it and say the reading was wrong (docs/replies.md, "Corrections").
                    if let Some(reading) = reading.filter(|v| v.by != "keyword") {
                        let opening = Opening {
                            reply: r,
                            reason: Reason::Other,
                            guess: guess_text(&reading),
                            confidence: reading.prediction.confidence,
                            rule: outcome.action,
                            notice: outcome.reply.clone(),
                            reading: entry_reading(
                                &reading,
                                outcome.action,
                                crate::domain::locale::built_in(contact.locale.as_deref(), &store.locale),
                            ),
                            open: false,
                        };
                        self.record_handoff(store, &mut contact, &opening).await?;
                    }
                    outcome
                }
                _ => outcome,
            };
            self.carts.put_contact(contact.clone()).await?;
            tracing::info!(store = %store.id, from = %mask(&r.from), action = outcome.action, reason = ?outcome.reason, "reply handled");
            if self.sends_events(&store.id) {
                let opted_out: Vec<Channel> = stats
                    .iter()
                    .filter_map(|(c, _)| match c {
                        Counter::OptOuts(ch) => Some(*ch),
                        _ => None,
                    })
                    .collect();
                let cart = outcome.cart.as_deref().or(contact.latest_cart.as_deref());
                let ev = crate::outbound::events::reply_received(
                    &store.id,
                    &r.message_id,
                    r.channel,
                    &r.from,
                    outcome.action,
                    outcome.reason,
                    cart,
                    now,
                );
                self.events_out.publish(&ev).await;
                for ch in opted_out {
                    let source = "reply";
                    let e = crate::outbound::events::opted_out(&store.id, &r.from, ch, source, &r.message_id, now);
                    self.events_out.publish(&e).await;
                }
            }
            self.count(&store.id, stats).await;
            return Ok(outcome);
        })
    }

    /// A free-text reply: pause the latest cart's sequence, record the reason, then answer from
    /// the FAQ when confident and the store's hand-off rules allow it, or open (or continue) a
    /// conversation with a person (docs/conversations.md). A held reply always goes to a person,
    /// with the hold's notice instead of the hand-off's.
    async fn converse(
        &self,
        store: &StoreConfig,
        r: &InboundReply,
        contact: &mut Contact,
        classified: Classification,
        mut outcome: ReplyOutcome,
        reading: Reading,
    ) -> Result<ReplyOutcome, EngineError> {
        let Classification { reason, confident, confidence, .. } = classified;
        let cart = match &contact.latest_cart {
            Some(id) => self.pause_cart(store, id, Some(reason)).await?,
            None => None,
        };
        let policy = &store.conversations;
        let in_conversation = contact.conversation.is_some();
        let held = outcome.action == "held";
        // The store's rules, in order; `None`: the FAQ may answer.
        let rule = if held {
            Some("held")
        } else if policy.handoff_when_asked && asks_for_person(&r.body) {
            Some("asked_for_person")
        } else if cart.as_ref().zip(policy.handoff_above_minor).is_some_and(|(c, min)| c.subtotal_minor() >= min) {
            Some("cart_value")
        } else if policy.handoff_reasons.contains(&reason) {
            Some("reason")
        } else if !confident {
            Some("unsure")
        } else {
            None
        };
        let answer = match (&cart, store.faq.get(&reason), rule) {
            (Some(cart), Some(answers), None) => {
                let (t, lang) = answers.pick(r.channel, cart.customer.locale.as_deref(), &store.locale);
                let link =
                    cart.link_token.as_ref().map(|t| format!("{}/r/{t}", self.config.public_url)).unwrap_or_default();
                let ctx = context(
                    &ComposeInput {
                        cart,
                        cfg: store,
                        step: u32::MAX,
                        variant: 0,
                        link: &link,
                        coupon: None,
                        now: self.clock.now(),
                    },
                    t,
                    lang,
                );
                t.render(&ctx).ok().filter(|s| !s.is_empty())
            }
            _ => None,
        };
        if let Some(text) = answer {
            outcome.action = "answered";
            outcome.reply = Some(text);
            return Ok(outcome);
        }
        let rule = rule.unwrap_or("no_answer");
        if !held {
            outcome.action = "handed_off";
        }
        // A shopper already talking with a person is not told again that someone will answer;
        // a held reply is told once what happens next (no more automated messages).
        let notice = if held {
            outcome.reply.clone()
        } else {
            (!in_conversation).then(|| store.reply_text(ReplyText::Handoff, contact.locale.as_deref()))
        };
        let guess = guess_text(&reading);
        let opening = Opening {
            reply: r,
            reason,
            guess: guess.clone(),
            confidence,
            rule,
            notice: notice.clone(),
            reading: entry_reading(
                &reading,
                outcome.action,
                crate::domain::locale::built_in(contact.locale.as_deref(), &store.locale),
            ),
            open: true,
        };
        let id = self.record_handoff(store, contact, &opening).await?;
        if let Some(h) = contact.hold.as_mut().filter(|h| h.reference == r.message_id) {
            h.conversation = Some(id.clone());
        }
        outcome.reply = notice;
        let handoff = Handoff {
            store: store.id.clone(),
            cart: contact.latest_cart.clone(),
            channel: r.channel,
            from_masked: mask(&r.from),
            text: r.body.clone(),
            reason: reason.as_str().to_string(),
            at: self.clock.now(),
            inbox_url: Some(format!("{}/inbox/{}#{id}", self.config.public_url, store.id)),
            conversation: Some(id),
            guess,
            rule: rule.to_string(),
        };
        self.alerts.handoff(&handoff).await;
        self.publish(&store.id, || Some(crate::outbound::events::handoff(&handoff))).await;
        Ok(outcome)
    }

    async fn pause_cart(
        &self,
        store: &StoreConfig,
        cart_id: &str,
        reason: Option<Reason>,
    ) -> Result<Option<Cart>, EngineError> {
        retry_on_conflict!({
            let Some(mut cart) = self.carts.get_cart(&store.id, cart_id).await? else {
                return Ok(None);
            };
            if cart.paused && (reason.is_none() || cart.reason == reason) {
                return Ok(Some(cart));
            }
            cart.paused = true;
            if reason.is_some() {
                cart.reason = reason;
            }
            match self.carts.put_cart(cart.clone()).await {
                Ok(v) => {
                    cart.version = v;
                    return Ok(Some(cart));
                }
                Err(e) => return Err(e.into()),
            }
        })
    }
}
