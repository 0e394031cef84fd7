//! Inbound SMS/WhatsApp: keywords, reasons, answers and hand-offs (docs/architecture.md, "Conversations").

use crate::config::{ReplyText, StoreConfig};
use crate::conversations::Replies;
use crate::conversations::inbox::Opening;
use crate::conversations::keywords::{Keyword, keyword};
use crate::conversations::opt_out::Scope;
use crate::conversations::person::asks_for_person;
use crate::conversations::reasons::{self, Classification};
use crate::conversations::second_reader::{self, SecondReading};
use crate::conversations::verdict::{self, HoldCause, Reading, Verdict};
use crate::conversations::whatsapp_inbound::{RESTORE_BUTTON_PAYLOAD, recommendation_tap};
use crate::domain::conversation::EntryReading;
use crate::domain::pii::mask;
use crate::domain::{Cart, Channel, Contact, Hold, Reason, contact_key};
use crate::engine::counters::{Counter, Deltas};
use crate::engine::{EngineError, retry_on_conflict};
use crate::messaging::{ComposeInput, context};
use crate::ports::Handoff;

/// A WhatsApp tap on a recommended product's button: its cart's token, message and place.
fn tapped(r: &InboundReply) -> Option<(&str, u64, usize)> {
    (r.channel == Channel::Whatsapp).then(|| recommendation_tap(&r.body)).flatten()
}

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

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplyOutcome {
    /// What happened: opted_out, opted_in, help, answered, handed_off, duplicate.
    pub action: &'static str,
    pub reason: Option<Reason>,
    /// The text to answer with, if any.
    pub reply: Option<String>,
    pub cart: Option<String>,
    /// The link the answer carries: the ready cart's (docs/catalogue.md), or a recommended
    /// product's (action `recommendation`, docs/recommendations.md).
    pub link: Option<String>,
}

/// What a reply decided, before it acts: the outcome so far and, for a reply to talk about, its
/// reason and reading (`converse` completes it).
struct Decided {
    outcome: ReplyOutcome,
    classified: Option<(Classification, Reading)>,
}

impl Decided {
    fn plain(outcome: ReplyOutcome) -> Self {
        Decided { outcome, classified: None }
    }
}

/// Opts the contact out of the reading's channels (the reply's, or all of them), settles a hold,
/// and remembers the reply (a later START dated before it is a replay). Whether anything changed.
fn opt_out_by_reply(
    contact: &mut Contact,
    r: &InboundReply,
    source: &'static str,
    scope: Scope,
    now: jiff::Timestamp,
    stats: &mut Deltas,
) -> bool {
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
    changed
}

/// Holds the contact for a person, unless its address already said no or a hold is pending:
/// whether the hold is new.
fn hold(contact: &mut Contact, r: &InboundReply, cause: &str, now: jiff::Timestamp, stats: &mut Deltas) -> bool {
    // A firmer hold over an unsure one takes its place, and its notice is sent: the shopper
    // was answered, never told that the messages had stopped.
    let firmer = cause != HoldCause::Unsure.as_str()
        && contact.hold.as_ref().is_some_and(|h| h.cause == HoldCause::Unsure.as_str());
    let new = !contact.refuses(r.channel) && (contact.hold.is_none() || firmer);
    if new {
        contact.hold = Some(Hold {
            // The deadline stays the first hold's: the "no" may have been that reply.
            since: contact.hold.as_ref().map_or(now, |h| h.since),
            channel: r.channel,
            cause: cause.to_string(),
            reference: r.message_id.clone(),
            conversation: None,
        });
        stats.push((Counter::Holds(format!("held.{cause}")), 1));
    }
    new
}

impl Replies {
    /// A shopper's reply, in five steps: the contact it came from (or nothing, for a message
    /// already handled), its reading (`read`), what it decides (`decide`), what that does to
    /// the cart and the conversation (`act`), and the contact written with what was counted and
    /// published.
    pub async fn on_reply(&self, store: &StoreConfig, r: &InboundReply) -> Result<ReplyOutcome, EngineError> {
        let key = contact_key(&store.id, &r.from);
        let now = self.k.clock.now();
        // The second reader is asked once, whatever the retries below (`second_reader`).
        let mut second: Option<Option<SecondReading>> = None;
        retry_on_conflict!({
            let Some(mut contact) = self.contact_for(store, &key, r, now).await? else {
                return Ok(ReplyOutcome { action: "duplicate", reason: None, reply: None, cart: None, link: None });
            };
            let mut stats = Vec::new();
            // A hold nobody decided in time is the opt-out it stood for, before anything else.
            for ch in contact.settle_hold(now) {
                stats.push((Counter::OptOuts(ch), 1));
                stats.push((Counter::Holds("expired".into()), 1));
            }
            let (carrier, reading) = self.read(store, r, &mut second).await;
            let decided = self.decide(store, r, &mut contact, carrier, reading, now, &mut stats).await?;
            let outcome = self.act(store, r, &mut contact, decided, reading).await?;
            self.carts.put_contact(contact.clone()).await?;
            tracing::info!(store = %store.id, from = %mask(&r.from), action = outcome.action, reason = ?outcome.reason, "reply handled");
            self.publish_reply(store, r, &contact, &outcome, &stats, now).await;
            self.k.count(&store.id, stats).await;
            Ok(outcome)
        })
    }

    /// The contact the reply came from (a new one for a number never seen), with the message
    /// remembered; `None` when this message was handled before.
    async fn contact_for(
        &self,
        store: &StoreConfig,
        key: &str,
        r: &InboundReply,
        now: jiff::Timestamp,
    ) -> Result<Option<Contact>, EngineError> {
        let mut contact = self.carts.get_contact(&store.id, key).await?.unwrap_or_else(|| {
            let mut c = Contact::new(&store.id, key);
            c.phone = Some(crate::domain::pii::Pii::new(r.from.clone()));
            c
        });
        if contact.seen_inbound(&r.message_id) {
            return Ok(None);
        }
        contact.remember_inbound(&r.message_id, now);
        contact.last_inbound_at = Some(now);
        if r.channel == Channel::Whatsapp {
            contact.last_whatsapp_inbound_at = Some(now);
        }
        Ok(Some(contact))
    }

    /// START and HELP are carrier keywords; the WhatsApp template's "Complete my order" button
    /// is neither read nor a keyword; everything else is read once by every reader (`verdict`),
    /// and by the store's second reader when it is wanted — which may add an opt-out, never
    /// remove one, never lift a hold.
    async fn read(
        &self,
        store: &StoreConfig,
        r: &InboundReply,
        second: &mut Option<Option<SecondReading>>,
    ) -> (Option<Keyword>, Option<Reading>) {
        let carrier = keyword(&r.body).filter(|k| *k != Keyword::Stop);
        let tap = r.channel == Channel::Whatsapp && (r.body == RESTORE_BUTTON_PAYLOAD || tapped(r).is_some());
        let mut reading = (carrier.is_none() && !tap).then(|| verdict::read(&r.body));
        if store.reader.is_some()
            && let Some(first) = reading.as_mut().filter(|v| second_reader::wanted(v))
        {
            if second.is_none() {
                *second = Some(self.second_reading(store, &r.body).await);
            }
            if second.as_ref().and_then(Option::as_ref).is_some_and(|s| s.opt_out) {
                first.verdict = Verdict::OptOut { source: "reply_reader", scope: Scope::Channel };
                first.by = "reader";
            }
        }
        (carrier, reading)
    }

    /// What the reply decides for the contact: an opt-out (`reply`, `reply_words`,
    /// `reply_model` in the consent ledger), a wrong number, a hold for a person, START, HELP,
    /// the restore link, or a reason to talk about. Changes only the contact (and `stats`).
    #[allow(clippy::too_many_arguments)]
    async fn decide(
        &self,
        store: &StoreConfig,
        r: &InboundReply,
        contact: &mut Contact,
        carrier: Option<Keyword>,
        reading: Option<Reading>,
        now: jiff::Timestamp,
        stats: &mut Deltas,
    ) -> Result<Decided, EngineError> {
        let lang = contact.locale.clone();
        let text = |t: ReplyText| store.reply_text(t, lang.as_deref());
        Ok(match (carrier, reading) {
            (None, None) => match tapped(r) {
                Some(rec) => Decided::plain(self.recommendation_link(store, r, contact, rec, stats).await?),
                None => Decided::plain(self.restore_link(store, contact).await?),
            },
            (_, Some(Reading { verdict: Verdict::OptOut { source, scope }, .. })) => {
                let changed = opt_out_by_reply(contact, r, source, scope, now, stats);
                // Confirm once: a second STOP gets silence, not another message.
                let reply = changed.then(|| text(ReplyText::Stop));
                Decided::plain(ReplyOutcome { action: "opted_out", reason: None, reply, cart: None, link: None })
            }
            (_, Some(Reading { verdict: Verdict::WrongNumber, .. })) => {
                contact.remember_consent_reply(&r.message_id);
                let changed = contact.opt_out_address(r.channel, now, "wrong_number", &r.message_id);
                for ch in &changed {
                    stats.push((Counter::OptOuts(*ch), 1));
                }
                stats.push((Counter::WrongNumbers, 1));
                contact.hold = None;
                let reply = (!changed.is_empty()).then(|| text(ReplyText::WrongNumber));
                Decided::plain(ReplyOutcome { action: "wrong_number", reason: None, reply, cart: None, link: None })
            }
            (_, Some(v @ Reading { verdict: Verdict::Hold(cause), .. })) => {
                let new = hold(contact, r, cause.as_str(), now, stats);
                let c = reasons::of_prediction(v.prediction);
                if cause == HoldCause::Unsure {
                    // Answered as any reply is, and counted as one.
                    stats.push((Counter::Reasons(c.reason), 1));
                }
                // An unsure hold is answered as any reply is (`converse`).
                let reply = (new && cause != HoldCause::Unsure).then(|| text(ReplyText::Held));
                let outcome = ReplyOutcome {
                    action: "held",
                    reason: Some(c.reason),
                    reply,
                    cart: contact.latest_cart.clone(),
                    link: None,
                };
                Decided { outcome, classified: Some((c, v)) }
            }
            // A START the provider dates at or before the STOP it would reverse: a replay.
            (Some(Keyword::Start), _)
                if r.sent_at.is_some_and(|t| contact.stop_sent_at.is_some_and(|stop| t <= stop)) =>
            {
                contact.remember_consent_reply(&r.message_id);
                tracing::warn!(store = %store.id, from = %mask(&r.from), "a START older than the STOP it would reverse: ignored");
                Decided::plain(ReplyOutcome { action: "stale", reason: None, reply: None, cart: None, link: None })
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
                let reply = Some(text(ReplyText::Start));
                Decided::plain(ReplyOutcome { action: "opted_in", reason: None, reply, cart: None, link: None })
            }
            (Some(_), _) => {
                let reply = Some(text(ReplyText::Help));
                Decided::plain(ReplyOutcome { action: "help", reason: None, reply, cart: None, link: None })
            }
            (None, Some(v)) => {
                let c = reasons::of_prediction(v.prediction);
                stats.push((Counter::Reasons(c.reason), 1));
                // Completed by `converse` once the contact is written.
                let outcome = ReplyOutcome {
                    action: "handed_off",
                    reason: Some(c.reason),
                    reply: None,
                    cart: contact.latest_cart.clone(),
                    link: None,
                };
                Decided { outcome, classified: Some((c, v)) }
            }
        })
    }

    /// The answer to the WhatsApp button: the restore link of the shopper's latest cart, in
    /// their language; the sequence goes on (the shopper is on their way back).
    async fn restore_link(&self, store: &StoreConfig, contact: &Contact) -> Result<ReplyOutcome, EngineError> {
        let cart = match &contact.latest_cart {
            Some(id) => self.carts.get_cart(&store.id, id).await?,
            None => None,
        };
        let link = cart.as_ref().and_then(|c| c.link_token.as_ref());
        let reply = link.map(|t| {
            let link = format!("{}/r/{t}", self.k.config.public_url);
            let lang = crate::domain::locale::built_in(contact.locale.as_deref(), &store.locale);
            crate::text::builtin::phrase("reply_restore", lang, &[("store", &store.name), ("link", &link)])
        });
        Ok(ReplyOutcome { action: "restore", reason: None, reply, cart: contact.latest_cart.clone(), link: None })
    }

    /// A recommended product's button, tapped under a WhatsApp message
    /// (`REC:{token}.{seq}.{index}`): answered with the product's tracked link
    /// (`/r/{token}?rec={seq}.{index}`: opening it is the click, counted and credited as an
    /// e-mail's is) behind a "See the product" button — when the token's cart is this store's and
    /// this number's, and its WhatsApp message `seq` showed that product. Otherwise the restore
    /// link of the contact's latest cart, counted `recommendations.taps_unknown`. A contact who
    /// said no to WhatsApp, or whose messages are held for a person, gets no product: counted
    /// `recommendations.taps_refused`, answered with nothing.
    async fn recommendation_link(
        &self,
        store: &StoreConfig,
        r: &InboundReply,
        contact: &Contact,
        (token, seq, index): (&str, u64, usize),
        stats: &mut Deltas,
    ) -> Result<ReplyOutcome, EngineError> {
        if contact.refuses(Channel::Whatsapp) || contact.hold.is_some() {
            stats.push((Counter::Recommendations("taps_refused".into()), 1));
            return Ok(ReplyOutcome { action: "recommendation", reason: None, reply: None, cart: None, link: None });
        }
        let cart = match self.carts.get_link(token).await?.filter(|l| l.store == store.id) {
            Some(l) => self.carts.get_cart(&store.id, &l.cart).await?,
            None => None,
        };
        let shown = cart.filter(|c| {
            c.customer.phone.as_ref().is_some_and(|p| p.expose() == r.from)
                && c.sends.iter().any(|s| {
                    s.seq == seq && s.channel == Channel::Whatsapp && s.reached() && s.recommended.len() > index
                })
        });
        let Some(cart) = shown else {
            stats.push((Counter::Recommendations("taps_unknown".into()), 1));
            return self.restore_link(store, contact).await;
        };
        stats.push((Counter::Recommendations("taps".into()), 1));
        let restore = format!("{}/r/{token}", self.k.config.public_url);
        let link = crate::messaging::tracked_link(&restore, seq, index);
        let lang = crate::domain::locale::built_in(contact.locale.as_deref(), &store.locale);
        let reply =
            crate::text::builtin::phrase("reply_recommendation", lang, &[("store", &store.name), ("link", &link)]);
        Ok(ReplyOutcome {
            action: "recommendation",
            reason: None,
            reply: Some(reply),
            cart: Some(cart.id),
            link: Some(link),
        })
    }

    /// What the decision does beyond the contact. The reply's effects on the cart come before
    /// the contact is written: the contact remembers the message id, so once it is written a
    /// retry of this webhook is a duplicate and does nothing. Written last, a failure anywhere
    /// before it leaves the retry to do all of it again (pausing is idempotent).
    async fn act(
        &self,
        store: &StoreConfig,
        r: &InboundReply,
        contact: &mut Contact,
        decided: Decided,
        reading: Option<Reading>,
    ) -> Result<ReplyOutcome, EngineError> {
        let Decided { outcome, classified } = decided;
        if let Some((c, v)) = classified {
            return self.converse(store, r, contact, c, outcome, v).await;
        }
        if !matches!(outcome.action, "opted_out" | "wrong_number") {
            return Ok(outcome);
        }
        // STOP also ends the automated sequence of the cart they were messaged about, on every
        // channel: "stop" means stop. Later carts still follow each channel's consent.
        if let Some(id) = &contact.latest_cart {
            self.pause_cart(store, id, None).await?;
        }
        // A "no" read from words (not the carrier keyword) is kept where a person can see it and
        // say the reading was wrong (docs/replies.md, "Corrections").
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
            self.inbox.record_handoff(store, contact, &opening).await?;
        }
        Ok(outcome)
    }

    /// `reply.received`, and `contact.opted_out` for each channel the reply opted out of, to
    /// the store's endpoints (when it has any).
    async fn publish_reply(
        &self,
        store: &StoreConfig,
        r: &InboundReply,
        contact: &Contact,
        outcome: &ReplyOutcome,
        stats: &Deltas,
        now: jiff::Timestamp,
    ) {
        if !self.k.sends_events(&store.id) {
            return;
        }
        let cart = outcome.cart.as_deref().or(contact.latest_cart.as_deref());
        let ev = crate::outbound::payloads::reply_received(
            &store.id,
            &r.message_id,
            r.channel,
            &r.from,
            outcome.action,
            outcome.reason,
            cart,
            now,
        );
        self.k.events_out.publish(&ev).await;
        for (c, _) in stats {
            if let Counter::OptOuts(ch) = c {
                let e = crate::outbound::payloads::opted_out(&store.id, &r.from, *ch, "reply", &r.message_id, now);
                self.k.events_out.publish(&e).await;
            }
        }
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
        // Unsure: held, but answered as any reply is; whatever answers, it goes to the inbox,
        // where a person decides the hold.
        let unsure = reading.verdict == Verdict::Hold(HoldCause::Unsure);
        let held = outcome.action == "held" && !unsure;
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
        // A product question the catalogue answers, before the FAQ (docs/catalogue.md); order
        // status goes to a person with its own rule.
        let mut rule = rule;
        if matches!(rule, None | Some("unsure")) && store.catalogue.answer_questions {
            match self.catalogue_answer(store, cart.as_ref(), contact, &r.body).await? {
                Some(Ok(answered)) if unsure => {
                    outcome.action = "answered";
                    outcome.reply = Some(answered.text);
                    outcome.link = answered.link;
                }
                Some(Ok(answered)) => {
                    outcome.action = "answered";
                    outcome.reply = Some(answered.text);
                    outcome.link = answered.link;
                    return Ok(outcome);
                }
                Some(Err("order_status")) => rule = Some("order_status"),
                _ => {}
            }
        }
        let answered_unsure = unsure && outcome.reply.is_some();
        let answer = match (&cart, store.faq.get(&reason), rule) {
            _ if answered_unsure => None,
            (Some(cart), Some(answers), None) => {
                let (t, lang) = answers.pick(r.channel, cart.customer.locale.as_deref(), &store.locale);
                let link =
                    cart.link_token.as_ref().map(|t| format!("{}/r/{t}", self.k.config.public_url)).unwrap_or_default();
                let ctx = context(
                    &ComposeInput {
                        cart,
                        cfg: store,
                        step: u32::MAX,
                        variant: 0,
                        link: &link,
                        coupon: None,
                        now: self.k.clock.now(),
                    },
                    t,
                    lang,
                );
                t.render(&ctx).ok().filter(|s| !s.is_empty())
            }
            _ => None,
        };
        if let Some(text) = answer {
            outcome.reply = Some(text);
            outcome.action = "answered";
            if !unsure {
                return Ok(outcome);
            }
        }
        let rule = rule.unwrap_or(if unsure { "unsure_hold" } else { "no_answer" });
        if !held && !unsure {
            outcome.action = "handed_off";
        }
        // A shopper already talking with a person is not told again that someone will answer;
        // a held reply is told once what happens next (no more automated messages); an unsure
        // one gets its answer, or, with none, the hold's notice (never "someone will answer
        // you shortly" to what may be a "no").
        let notice = if held {
            outcome.reply.clone()
        } else if unsure {
            outcome.reply.clone().or_else(|| {
                let new = contact.hold.as_ref().is_some_and(|h| h.reference == r.message_id);
                new.then(|| store.reply_text(ReplyText::Held, contact.locale.as_deref()))
            })
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
        let id = self.inbox.record_handoff(store, contact, &opening).await?;
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
            at: self.k.clock.now(),
            inbox_url: Some(format!("{}/inbox/{}#{id}", self.k.config.public_url, store.id)),
            conversation: Some(id),
            guess,
            rule: rule.to_string(),
        };
        self.alerts.handoff(&handoff).await;
        self.k.publish(&store.id, || Some(crate::outbound::payloads::handoff(&handoff))).await;
        Ok(outcome)
    }

    /// The catalogue's answer to the reply, in the shopper's language, with the ready cart when
    /// it found the item in stock: `Ok(text)`, `Err("order_status")`, `Err(why)` for a person;
    /// `None` without a catalogue.
    async fn catalogue_answer(
        &self,
        store: &StoreConfig,
        cart: Option<&Cart>,
        contact: &Contact,
        body: &str,
    ) -> Result<Option<Result<crate::catalogue::Answered, &'static str>>, EngineError> {
        use crate::catalogue::{Line, Policies};
        // Without a catalogue only order status is answered here (the FAQ keeps the rest).
        // A catalogue that cannot be read, or was read in another currency than the store's now,
        // is as none: the reply goes on to the FAQ and a person.
        let stored = match self.catalogues.get_catalogue(&store.id).await {
            Ok(c) => c.filter(|c| c.currency == store.currency),
            Err(e) => {
                tracing::warn!(store = %store.id, error = %e, "catalogue unreadable; the reply goes on without it");
                None
            }
        };
        let has_catalogue = stored.is_some();
        let catalogue = stored.unwrap_or_else(|| {
            crate::domain::catalogue::Catalogue::empty(&store.id, "none", store.currency, self.k.clock.now())
        });
        // Prices in the store's currency: the cart's own, or the catalogue's when the cart is in
        // another (an unknown one then leaves the free-shipping sum to a person).
        let same_currency = cart.is_some_and(|c| c.currency.is_none_or(|cur| cur == store.currency));
        let lines: Vec<Line> = cart
            .map(|c| {
                c.items
                    .iter()
                    .map(|i| Line {
                        sku: i.sku.clone(),
                        quantity: i.quantity,
                        unit_price_minor: if same_currency {
                            i.unit_price_minor
                        } else {
                            catalogue.variant(&i.sku).map_or(-1, |(_, v)| v.price_minor)
                        },
                    })
                    .collect()
            })
            .unwrap_or_default();
        let policies = Policies {
            free_shipping_threshold_minor: store.free_shipping_threshold_minor,
            returns_days: store.catalogue.returns_days,
            shipping_days: store.catalogue.shipping_days.clone(),
        };
        let locale = contact.locale.as_deref().or(cart.and_then(|c| c.customer.locale.as_deref()));
        let lang = crate::domain::locale::built_in(locale, &store.locale);
        if !has_catalogue && crate::catalogue::needs_catalogue(body, &lines, &catalogue, &policies) {
            return Ok(None);
        }
        let code = cart.and_then(Cart::unused_code);
        let cross_sell_skus: Vec<&str> = store.cross_sell.iter().map(|c| c.sku.as_str()).collect();
        let asked = crate::catalogue::Asked {
            body,
            lines: &lines,
            catalogue: &catalogue,
            policies: &policies,
            lang,
            currency: store.currency,
            shop: crate::catalogue::Shop::of(store),
            cross_sell_skus: &cross_sell_skus,
            code,
            contact,
        };
        let (counter, result) = crate::catalogue::answer_reply(&asked);
        self.k.count(&store.id, vec![(Counter::Questions(counter), 1)]).await;
        Ok(Some(result))
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
