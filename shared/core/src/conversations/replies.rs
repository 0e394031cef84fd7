//! Inbound SMS/WhatsApp: keywords, reasons, answers and hand-offs (docs/architecture.md, "Conversations").

use crate::config::{ReplyText, StoreConfig};
use crate::conversations::inbox::Opening;
use crate::conversations::keywords::{Keyword, keyword};
use crate::conversations::model::{Label, ReplyModel};
use crate::conversations::opt_out::{self, Scope};
use crate::conversations::person::asks_for_person;
use crate::conversations::reasons::{self, Classification, classify};
use crate::conversations::whatsapp_inbound::RESTORE_BUTTON_PAYLOAD;
use crate::domain::pii::mask;
use crate::domain::{Cart, Channel, Contact, Reason, contact_key};
use crate::engine::counters::Counter;
use crate::engine::{Engine, EngineError, retry_on_conflict};
use crate::messaging::compose::{ComposeInput, context};
use crate::ports::Handoff;

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
    pub sent_at: Option<jiff::Timestamp>,
}

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
            let mut classified = None;
            // A carrier keyword; else an opt-out in plain words (of this channel, or of all when
            // the words say so) or one the reply model reads with confidence. Recorded in the
            // consent ledger as `reply`, `reply_words` or `reply_model`.
            let carrier = keyword(&r.body);
            let rules = carrier.is_none().then(|| opt_out::read(&r.body));
            let plain = rules.as_ref().and_then(|r| r.scope);
            // The rules and the model read a text once: for an opt-out here, for the reason below.
            let understood =
                rules.filter(|r| r.scope.is_none()).map(|rules| ReplyModel::builtin().understand_read(&r.body, &rules));
            let modelled = understood.is_some_and(|p| p.label == Label::OptOut);
            let kw = carrier.or((plain.is_some() || modelled).then_some(Keyword::Stop));
            // The WhatsApp template's "Complete my order" button: the restore link, in the
            // shopper's language; the sequence goes on (the shopper is on their way back).
            let restore = r.channel == Channel::Whatsapp && r.body == RESTORE_BUTTON_PAYLOAD;
            let kw = if restore { None } else { kw };
            let outcome = match kw {
                None if restore => {
                    let cart = match &contact.latest_cart {
                        Some(id) => self.carts.get_cart(&store.id, id).await?,
                        None => None,
                    };
                    let link = cart.as_ref().and_then(|c| c.link_token.as_ref());
                    let reply = link.map(|t| {
                        let link = format!("{}/r/{t}", self.config.public_url);
                        let lang = crate::domain::locale::built_in(contact.locale.as_deref(), &store.locale);
                        crate::messaging::builtin::phrase(
                            "reply_restore",
                            lang,
                            &[("store", &store.name), ("link", &link)],
                        )
                    });
                    ReplyOutcome { action: "restore", reason: None, reply, cart: contact.latest_cart.clone() }
                }
                Some(Keyword::Stop) => {
                    let (source, channels) = match plain {
                        None if modelled => ("reply_model", vec![r.channel]),
                        None => ("reply", vec![r.channel]),
                        Some(Scope::Channel) => ("reply_words", vec![r.channel]),
                        Some(Scope::All) => ("reply_words", Channel::ALL.to_vec()),
                    };
                    contact.remember_consent_reply(&r.message_id);
                    if let Some(t) = r.sent_at {
                        contact.stop_sent_at = Some(contact.stop_sent_at.map_or(t, |s| s.max(t)));
                    }
                    let mut changed = false;
                    for ch in channels {
                        if contact.opt_out(ch) {
                            changed = true;
                            stats.push((Counter::OptOuts(ch), 1));
                            contact.log_consent(now, ch, false, source, &r.message_id);
                        }
                    }
                    // Confirm once: a second STOP gets silence, not another message.
                    ReplyOutcome {
                        action: "opted_out",
                        reason: None,
                        reply: changed.then(|| store.reply_text(ReplyText::Stop, contact.locale.as_deref())),
                        cart: None,
                    }
                }
                // A START the provider dates at or before the STOP it would reverse: a replay.
                Some(Keyword::Start)
                    if r.sent_at.is_some_and(|t| contact.stop_sent_at.is_some_and(|stop| t <= stop)) =>
                {
                    contact.remember_consent_reply(&r.message_id);
                    tracing::warn!(store = %store.id, from = %mask(&r.from), "a START older than the STOP it would reverse: ignored");
                    ReplyOutcome { action: "stale", reason: None, reply: None, cart: None }
                }
                Some(Keyword::Start) => {
                    contact.remember_consent_reply(&r.message_id);
                    if contact.opt_in(r.channel) {
                        stats.push((Counter::OptIns(r.channel), 1));
                        contact.log_consent(now, r.channel, true, "reply", &r.message_id);
                    }
                    let reply = store.reply_text(ReplyText::Start, contact.locale.as_deref());
                    ReplyOutcome { action: "opted_in", reason: None, reply: Some(reply), cart: None }
                }
                Some(Keyword::Help) => {
                    let reply = store.reply_text(ReplyText::Help, contact.locale.as_deref());
                    ReplyOutcome { action: "help", reason: None, reply: Some(reply), cart: None }
                }
                None => {
                    let c = understood.map_or_else(|| classify(&r.body), reasons::of_prediction);
                    stats.push((Counter::Reasons(c.reason), 1));
                    classified = Some(c);
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
                (Some(c), _) => self.converse(store, r, &mut contact, c, outcome).await?,
                // STOP also ends the automated sequence of the cart they were messaged about, on
                // every channel: "stop" means stop. Later carts still follow each channel's consent.
                (None, "opted_out") => {
                    if let Some(id) = &contact.latest_cart {
                        self.pause_cart(store, id, None).await?;
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
    /// conversation with a person (docs/conversations.md).
    async fn converse(
        &self,
        store: &StoreConfig,
        r: &InboundReply,
        contact: &mut Contact,
        classified: Classification,
        mut outcome: ReplyOutcome,
    ) -> Result<ReplyOutcome, EngineError> {
        let Classification { reason, confident, guess, confidence } = classified;
        let cart = match &contact.latest_cart {
            Some(id) => self.pause_cart(store, id, Some(reason)).await?,
            None => None,
        };
        let policy = &store.conversations;
        let in_conversation = contact.conversation.is_some();
        // The store's rules, in order; `None`: the FAQ may answer.
        let rule = if policy.handoff_when_asked && asks_for_person(&r.body) {
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
        outcome.action = "handed_off";
        // A shopper already talking with a person is not told again that someone will answer.
        let notice = (!in_conversation).then(|| store.reply_text(ReplyText::Handoff, contact.locale.as_deref()));
        let guess = format!("{} ({:.0} %)", guess.as_str(), confidence * 100.0);
        let opening = Opening { reply: r, reason, guess: guess.clone(), confidence, rule, notice: notice.clone() };
        let id = self.record_handoff(store, contact, &opening).await?;
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
