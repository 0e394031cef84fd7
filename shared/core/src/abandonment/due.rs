//! Due work: a cart's timer fired. One consumer decides and, when a step is due, sends it —
//! exactly once, never wrongly (docs/architecture.md; docs/decisions/0004).
//!
//! Per step that is one read (cart and contact together) and one all-or-nothing write (the
//! claim, which also advances the sequence, arms the next timer, counts the send against the
//! frequency cap and creates the restore link). The claim *is* the record of the send: there
//! is no confirmation write. If the attempt that claimed dies before finishing — before or
//! after the provider call — the queue redelivers its work, which finds the claim and marks it
//! `unknown`: counted, logged, never retried (a duplicate SMS is worse than a missed one).

use crate::abandonment::Dispatch;
use crate::abandonment::lifecycle::{TimerDecision, mark_abandoned, on_timer};
use crate::abandonment::send_policy::{HELD, ORDERED_ELSEWHERE, SendPlan, plan_send_with};
use crate::config::StoreConfig;
use crate::domain::catalogue::Catalogue;
use crate::domain::{ArmedTimer, Cart, CartStatus, Channel, Contact, SendRecord, SendStatus, Stopped};
use crate::engine::counters::{Counter, Deltas, Measure, language_of};
use crate::engine::outbox::Purpose;
use crate::engine::{EngineError, address_contact_key, cart_contact_key, retry_on_conflict};
use crate::messaging::{
    COUPON_CONTACT_WINDOW, ComposeError, ComposeInput, Delivery, add_recommendations, compose_message,
    contact_after_send, coupon_index_record, coupon_validity, coupons_issued_today, needs_coupon, new_link_records,
    recommendations_for,
};
use crate::ports::{ChannelError, OutgoingMessage, TimerMsg};
use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueOutcome {
    /// Fencing: the cart moved on since this work was queued (or is gone).
    Stale,
    /// Nothing to do (ordered, cleared, paused, empty).
    Dropped,
    /// Not idle long enough yet, or the next step is later: the timer was moved.
    Rearmed,
    Suppressed,
    Expired,
    /// This work was already done by an earlier delivery.
    AlreadyDone,
    /// An earlier delivery claimed the send and never finished: marked `unknown`, nothing sent.
    MarkedUnknown,
    Skipped(&'static str),
    Deferred(Timestamp, &'static str),
    Sent {
        provider_id: String,
    },
    /// The provider refused for good; recorded, not retried.
    Failed(String),
}

/// The skip of a step whose channel no provider carries for the store (`ChannelError::Unconfigured`).
pub const NO_PROVIDER: &str = "no_provider";
/// The skip of an e-mail step while the store's e-mail is paused (`engine::email_health`).
pub const EMAIL_PAUSED: &str = "email_paused";

impl Dispatch {
    /// Handles one delivery of due work. `redelivered` says the queue delivered this very
    /// message before and that attempt did not complete (SQS `ApproximateReceiveCount` > 1).
    pub async fn on_due(&self, msg: &TimerMsg, redelivered: bool) -> Result<DueOutcome, EngineError> {
        let store = self.k.config.store(&msg.store).ok_or_else(|| EngineError::UnknownStore(msg.store.clone()))?;
        retry_on_conflict!({ self.try_due(store, msg, redelivered).await })
    }

    async fn try_due(&self, store: &StoreConfig, msg: &TimerMsg, redelivered: bool) -> Result<DueOutcome, EngineError> {
        let now = self.k.clock.now();
        let keys = msg.contact_keys();
        let (cart, mut loaded) = self.carts.load_for_send(&msg.store, &msg.cart, &keys).await?;
        let contact = keys.first().and_then(|k| loaded.iter().position(|c| c.key == *k)).map(|i| loaded.swap_remove(i));
        let Some(mut cart) = cart else { return Ok(DueOutcome::Stale) };
        if let Some(i) = cart.sends.iter().position(|s| s.seq == msg.seq) {
            return self.seen_before(cart, i, msg, redelivered).await;
        }
        if cart.timer.map(|t| t.seq) != Some(msg.seq) {
            return Ok(DueOutcome::Stale);
        }
        // Counter changes the cart carried (stats_buffer.rs) are counted with this work's, once
        // the cart write that clears them has succeeded.
        let mut stats = crate::engine::stats_buffer::take_carried(&mut cart);
        let episode = cart.epoch;
        let outcome = match on_timer(&cart, store, now) {
            // A reply paused the sequence with a step still to come: nothing is sent, and that is
            // counted (`steps.skipped.paused`) once — the timer is disarmed with the count.
            TimerDecision::Drop if cart.paused && (cart.next_step as usize) < store.steps.len() => {
                cart.timer = None;
                stats.push((Counter::StepsSkipped("paused"), 1));
                self.carts.put_cart(cart).await?;
                self.k.count(&msg.store, stats).await;
                return Ok(DueOutcome::Dropped);
            }
            TimerDecision::Drop if stats.is_empty() => return Ok(DueOutcome::Dropped),
            TimerDecision::Drop => {
                // Nothing else will carry them on: written out with the cart, once.
                self.carts.put_cart(cart).await?;
                self.k.count(&msg.store, stats).await;
                return Ok(DueOutcome::Dropped);
            }
            TimerDecision::Rearm(due) => {
                self.k.arm(&*self.timers, &mut cart, due, now).await?;
                DueOutcome::Rearmed
            }
            TimerDecision::Wait { step, due } => {
                mark_abandoned(&mut cart, &mut stats);
                let due = step_time(&cart, contact.as_ref(), store, None, step, due, &mut stats);
                self.k.arm(&*self.timers, &mut cart, due, now).await?;
                DueOutcome::Rearmed
            }
            TimerDecision::Suppress => {
                mark_abandoned(&mut cart, &mut stats);
                cart.status = CartStatus::Suppressed;
                cart.timer = None;
                stats.push((Counter::CartsSuppressed, 1));
                DueOutcome::Suppressed
            }
            TimerDecision::Expire => {
                mark_abandoned(&mut cart, &mut stats);
                cart.status = CartStatus::Expired;
                cart.timer = None;
                DueOutcome::Expired
            }
            TimerDecision::StepDue { step } => {
                mark_abandoned(&mut cart, &mut stats);
                // The timer's contact key is from when it was armed; read again if it changed.
                let key = cart_contact_key(&cart);
                let contact = match (&key, key.as_deref() == keys.first().copied()) {
                    (_, true) => contact,
                    (Some(k), false) => self.carts.get_contact(&msg.store, k).await?,
                    (None, false) => None,
                };
                // Before the claim (the step's own write): a retry publishes the same event id.
                if cart.epoch != episode {
                    self.k.publish(&store.id, || Some(crate::outbound::payloads::abandoned(&cart, now))).await;
                }
                return self.step_due(store, msg, cart, (contact, loaded), step, stats, now).await;
            }
        };
        let abandoned = (cart.epoch != episode && self.k.sends_events(&store.id))
            .then(|| crate::outbound::payloads::abandoned(&cart, now));
        self.carts.put_cart(cart).await?;
        self.k.count(&msg.store, stats).await;
        if let Some(e) = abandoned {
            self.k.events_out.publish(&e).await;
        }
        Ok(outcome)
    }

    /// The work already left a record: a duplicate copy, or a redelivery after a crash.
    async fn seen_before(
        &self,
        mut cart: Cart,
        i: usize,
        msg: &TimerMsg,
        redelivered: bool,
    ) -> Result<DueOutcome, EngineError> {
        if cart.sends[i].status != SendStatus::Sent || !redelivered {
            return Ok(DueOutcome::AlreadyDone);
        }
        let (step, channel) = (cart.sends[i].step, cart.sends[i].channel);
        cart.sends[i].status = SendStatus::Unknown;
        cart.sends[i].note = Some("claimed by an attempt that never finished; not retried".into());
        self.carts.put_cart(cart).await?;
        tracing::warn!(store = %msg.store, cart = %msg.cart, step, channel = %channel, "send claim left open by a failed attempt: marked unknown, not retried");
        self.k.count(&msg.store, vec![(Counter::SendsUnknown, 1)]).await;
        Ok(DueOutcome::MarkedUnknown)
    }

    #[allow(clippy::too_many_arguments)]
    async fn step_due(
        &self,
        store: &StoreConfig,
        msg: &TimerMsg,
        mut cart: Cart,
        (contact, loaded): (Option<Contact>, Vec<Contact>),
        step: u32,
        mut stats: Deltas,
        now: Timestamp,
    ) -> Result<DueOutcome, EngineError> {
        let channel = store.steps[step as usize].channel;
        super::conditions::keep_phone_country(&mut cart, store);
        // A WhatsApp message outside the customer-service window is a template: nothing to pick.
        let recommends = store.steps[step as usize].recommend > 0
            && (channel != Channel::Whatsapp
                || crate::domain::channel::whatsapp_window_open(
                    contact.as_ref().and_then(|c| c.last_whatsapp_inbound_at),
                    now,
                ));
        // The item kinds the conditions ask about are read from the catalogue once for the
        // cart's lines and kept on it; later steps judge them without it.
        let for_conditions =
            store.conditions_need_catalogue() && super::conditions::kept_item_kinds(&cart, store).is_none();
        // A condition on the items cannot be judged without the catalogue: a read that fails is
        // the work's failure, retried as any store error is. Recommendations alone do without.
        let (catalogue, unavailable) = if recommends || for_conditions {
            match self.catalogues.shared(&store.id).await {
                Ok(c) => {
                    if let Some(read) = c.as_deref() {
                        super::conditions::keep_item_kinds(&mut cart, store, read);
                    }
                    (c, false)
                }
                Err(e) if for_conditions => return Err(e.into()),
                Err(e) => {
                    tracing::warn!(store = %store.id, error = %e, "the catalogue could not be read: the message goes without recommendations");
                    (None, true)
                }
            }
        } else {
            (None, false)
        };
        let catalogue = catalogue.as_deref();
        let mut plan = plan_send_with(&cart, contact.as_ref(), store, step, now, catalogue);
        // A "no" belongs to the address: the one this message would go to may have said it
        // through another cart, filed under another contact (an e-mail unsubscribed on an
        // e-mail-only cart, this cart filed under the phone).
        if let SendPlan::Send { channel: to, .. } = plan
            && let Some(k) = address_contact_key(&cart, to)
            && contact.as_ref().is_none_or(|c| c.key != k)
        {
            // Read with the cart when the timer named it (absent there: there is none).
            let address = match loaded.into_iter().find(|c| c.key == k) {
                Some(c) => Some(c),
                None if msg.contact_keys().contains(&k.as_str()) => None,
                None => self.carts.get_contact(&msg.store, &k).await?,
            };
            match address.and_then(|a| a.stopped(to, now)) {
                Some(Stopped::OptedOut) => plan = SendPlan::Skip("opted_out"),
                Some(Stopped::Held) => plan = SendPlan::Skip(HELD),
                None => {}
            }
        }
        // The store's e-mail is paused for its bounce or complaint rate (engine::email_health).
        if let SendPlan::Send { channel: Channel::Email, .. } = plan
            && self.k.email_paused(&msg.store).await?
        {
            plan = SendPlan::Skip(EMAIL_PAUSED);
        }
        match plan {
            SendPlan::Skip(why) => {
                cart.sends.push(record(
                    step,
                    msg.seq,
                    &cart,
                    channel,
                    "".into(),
                    SendStatus::Skipped,
                    now,
                    Some(why.into()),
                ));
                if why == ORDERED_ELSEWHERE {
                    cart.status = CartStatus::Converted;
                    cart.timer = None;
                } else {
                    self.advance(&mut cart, contact.as_ref(), store, catalogue, now, &mut stats).await?;
                }
                self.carts.put_cart(cart).await?;
                stats.push((Counter::StepsSkipped(why), 1));
                self.k.count(&msg.store, stats).await;
                tracing::info!(store = %msg.store, cart = %msg.cart, step, why, "step skipped");
                Ok(DueOutcome::Skipped(why))
            }
            SendPlan::Defer(until, why) => {
                self.k.arm(&*self.timers, &mut cart, until, now).await?;
                self.carts.put_cart(cart).await?;
                stats.push((Counter::StepsDeferred(why), 1));
                self.k.count(&msg.store, stats).await;
                tracing::debug!(store = %msg.store, cart = %msg.cart, step, why, until = %until, "step deferred");
                Ok(DueOutcome::Deferred(until, why))
            }
            SendPlan::Send { variant, channel } => {
                let catalogue = if unavailable { Err(()) } else { Ok(catalogue) };
                self.send_step(store, msg, cart, contact, (step, channel), variant, catalogue, stats, now).await
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_step(
        &self,
        store: &StoreConfig,
        msg: &TimerMsg,
        mut cart: Cart,
        contact: Option<Contact>,
        (step, channel): (u32, Channel),
        variant: usize,
        // `Err`: the catalogue could not be read (the message goes without recommendations).
        catalogue: Result<Option<&Catalogue>, ()>,
        mut stats: Deltas,
        now: Timestamp,
    ) -> Result<DueOutcome, EngineError> {
        let step_cfg = &store.steps[step as usize];
        let variant_name = step_cfg.variants[variant].name.clone();
        // One link per cart, created with its first message; its validity follows the latest
        // message (links.rs).
        let new_token = cart.link_token.is_none().then(|| self.k.token());
        if let Some(t) = &new_token {
            cart.link_token = Some(t.clone());
        }
        let link_url = format!("{}/r/{}", self.k.config.public_url, cart.link_token.as_deref().unwrap_or_default());
        // A discount code, if the variant offers one and the budget allows; otherwise the
        // message goes without it.
        let mut coupon = None;
        if needs_coupon(store, step, variant) {
            match self.coupons.coupon_budget(store, contact.as_ref(), now).await? {
                None => coupon = Some(crate::messaging::new_coupon_code(self.k.random.bytes16())),
                Some(why) => stats.push((Counter::CouponsWithheld(why), 1)),
            }
        }
        // Counted only with a message that went out (below), as the languages are.
        let mut rec_stats = Deltas::new();
        let catalogue_read = catalogue;
        let catalogue = catalogue.unwrap_or(None);
        let input =
            ComposeInput { cart: &cart, cfg: store, step, variant, link: &link_url, coupon: coupon.as_deref(), now };
        let contact_key = cart_contact_key(&cart);
        let delivery = Delivery {
            channel,
            seq: msg.seq,
            public_url: &self.k.config.public_url,
            replies_url: &self.k.config.replies_url,
            contact_key: contact_key.as_deref(),
            last_whatsapp_inbound_at: contact.as_ref().and_then(|c| c.last_whatsapp_inbound_at),
            deliver_by: crate::abandonment::send_policy::deliver_by(&cart, store, channel, now),
        };
        let mut kept = Vec::new();
        let outgoing = match compose_message(&input, &delivery) {
            Ok(mut o) => {
                if step_cfg.recommend > 0 {
                    kept = recommend(&mut o, &input, catalogue_read, &link_url, &mut rec_stats);
                }
                o
            }
            // Too long for the store's cap even shortened: skipped, counted with its cause.
            Err(e @ ComposeError::TooLong { .. }) => {
                let why = "too_long";
                let note = Some(e.to_string());
                cart.sends.push(record(step, msg.seq, &cart, channel, variant_name, SendStatus::Skipped, now, note));
                self.advance(&mut cart, contact.as_ref(), store, catalogue, now, &mut stats).await?;
                self.carts.put_cart(cart).await?;
                stats.push((Counter::StepsSkipped(why), 1));
                self.k.count(&msg.store, stats).await;
                tracing::warn!(store = %msg.store, cart = %msg.cart, step, error = %e, "step skipped: too long");
                return Ok(DueOutcome::Skipped(why));
            }
            Err(e) => {
                let e = e.to_string();
                // Templates are checked at load, so this is a defect: record it, never retry.
                let note = Some(format!("render: {e}"));
                cart.sends.push(record(step, msg.seq, &cart, channel, variant_name, SendStatus::Failed, now, note));
                self.advance(&mut cart, contact.as_ref(), store, catalogue, now, &mut stats).await?;
                self.carts.put_cart(cart).await?;
                self.k.count(&msg.store, stats).await;
                tracing::error!(store = %msg.store, cart = %msg.cart, step, error = %e, "message did not render");
                return Ok(DueOutcome::Failed(e));
            }
        };
        if !self.outbox.has(channel) {
            return Err(EngineError::NoChannel(channel));
        }
        let Some(key) = contact_key else { return Ok(DueOutcome::Stale) };
        let coupon_validity = step_cfg.variants[variant].incentive.as_ref().and_then(coupon_validity);
        // The code's index goes into the claim, so a claim that loses a race leaves no code behind.
        // Kept a month past expiry, so a late lookup says "expired" rather than "unknown".
        let coupon_index = match (&coupon, coupon_validity) {
            (Some(code), Some(valid)) => {
                Some(coupon_index_record(store, &msg.cart, code, now + valid + COUPON_CONTACT_WINDOW))
            }
            _ => None,
        };

        // The claim: one all-or-nothing write of the cart (its send record), the contact (the
        // frequency-cap entry) and the new link records (messaging/claim.rs).
        let issued_coupon = coupon.is_some();
        // The experiment's unit is the cart: counted with its first message of this variant.
        let first_of_variant = !cart.sends.iter().any(|s| s.reached() && s.step == step && s.variant == variant_name);
        let first_message = !cart.was_messaged();
        let language = language_of(cart.customer.locale.as_deref(), &store.locale);
        let mut rec = record(step, msg.seq, &cart, channel, variant_name.clone(), SendStatus::Sent, now, None);
        rec.coupon = coupon;
        rec.recommended = kept;
        cart.sends.push(rec);
        cart.last_message_at = Some(now);
        self.advance(&mut cart, contact.as_ref(), store, catalogue, now, &mut stats).await?;
        let first_for_this_cart = contact.as_ref().and_then(|c| c.latest_cart.as_deref()) != Some(msg.cart.as_str());
        let contact = contact_after_send(contact, &key, &cart, store, now, issued_coupon);
        let records = new_link_records(&cart, store, new_token, coupon_index, first_for_this_cart, now);
        self.carts.claim_send(cart, contact, records).await?;

        let sent = self.outbox.hand_over(Purpose::Step, &outgoing).await;
        if matches!(sent, Ok(_) | Err(ChannelError::Unknown(_))) {
            if first_of_variant {
                stats.push((Counter::Experiment(step, variant_name.clone(), Measure::Carts), 1));
            }
            if first_message {
                stats.push((Counter::CartsMessaged, 1));
            }
            stats.push((Counter::MessagesLanguage(language), 1));
            stats.extend(rec_stats);
        }
        self.after_send(msg, (step, channel), variant_name, issued_coupon, sent, stats, now).await
    }

    /// Counts and records what the provider answered: sent; refused for good (recorded on the
    /// claim, never retried); or failed temporarily (the claim released so the queue's retry
    /// can send).
    #[allow(clippy::too_many_arguments)]
    async fn after_send(
        &self,
        msg: &TimerMsg,
        (step, channel): (u32, Channel),
        variant_name: std::sync::Arc<str>,
        issued_coupon: bool,
        sent: Result<String, ChannelError>,
        mut stats: Deltas,
        now: Timestamp,
    ) -> Result<DueOutcome, EngineError> {
        let ch = channel.as_str();
        match sent {
            Ok(provider_id) => {
                stats.push((Counter::MessagesSent(channel), 1));
                if issued_coupon {
                    stats.push((Counter::CouponsIssued, 1));
                    stats.push((coupons_issued_today(now), 1));
                }
                stats.push((Counter::MessagesStep(step), 1));
                stats.push((Counter::MessagesVariant(step, variant_name.clone()), 1));
                self.k.count(&msg.store, stats).await;
                tracing::info!(store = %msg.store, cart = %msg.cart, step, channel = ch, variant = %variant_name, "message sent");
                Ok(DueOutcome::Sent { provider_id })
            }
            Err(ChannelError::Unknown(e)) => {
                // The provider may have taken it: the claim stands (never resent), marked unknown.
                self.record_outcome(msg, SendStatus::Unknown, &e).await?;
                stats.push((Counter::SendsUnknown, 1));
                self.k.count(&msg.store, stats).await;
                tracing::warn!(store = %msg.store, cart = %msg.cart, step, channel = ch, error = %e, "provider outcome unknown: not resent");
                Ok(DueOutcome::MarkedUnknown)
            }
            Err(ChannelError::Permanent(e)) => {
                self.record_outcome(msg, SendStatus::Failed, &e).await?;
                stats.push((Counter::MessagesFailed(channel), 1));
                self.k.count(&msg.store, stats).await;
                tracing::warn!(store = %msg.store, cart = %msg.cart, step, channel = ch, error = %e, "provider refused the message");
                Ok(DueOutcome::Failed(e))
            }
            Err(ChannelError::Gone(e)) => {
                // The browser dropped the subscription: the message never left, and no later
                // step may try the address again.
                self.record_outcome(msg, SendStatus::Failed, &e).await?;
                self.forget_address(msg, channel).await?;
                stats.push((Counter::MessagesFailed(channel), 1));
                stats.push((Counter::PushSubscriptionsGone, 1));
                self.k.count(&msg.store, stats).await;
                tracing::warn!(store = %msg.store, cart = %msg.cart, step, channel = ch, "the address is gone; forgotten");
                Ok(DueOutcome::Failed(e))
            }
            Err(ChannelError::Unconfigured(e)) => {
                self.unclaim_as_skipped(msg, &e).await?;
                stats.push((Counter::StepsSkipped(NO_PROVIDER), 1));
                self.k.count(&msg.store, stats).await;
                tracing::error!(store = %msg.store, cart = %msg.cart, step, channel = ch, "step skipped: no provider is configured for its channel");
                Ok(DueOutcome::Skipped(NO_PROVIDER))
            }
            Err(ChannelError::Retryable(e)) => {
                // The claim wrote the cart (abandonment, carried changes): counted now, as the
                // redelivery will not count them again.
                self.k.count(&msg.store, stats).await;
                self.release_claim(msg, step, now).await;
                tracing::warn!(store = %msg.store, cart = %msg.cart, step, error = %e, "provider failed temporarily; will retry");
                Err(EngineError::Channel(ChannelError::Retryable(e)))
            }
        }
    }

    /// Moves past the current step: arms the next step's timer (keeping the configured spacing
    /// even when a cart is processed late, so two steps never go back to back), or ends the
    /// sequence.
    async fn advance(
        &self,
        cart: &mut Cart,
        contact: Option<&Contact>,
        store: &StoreConfig,
        catalogue: Option<&Catalogue>,
        now: Timestamp,
        stats: &mut Deltas,
    ) -> Result<(), EngineError> {
        let done = store.steps.get(cart.next_step as usize).map(|s| s.after);
        cart.next_step += 1;
        // Branches of the moment just handled (steps sharing its `after`, each with a `when`)
        // that are not for this cart are passed over now, counted as every skip is, rather than
        // through a timer each: the cart is judged at the moment they are due.
        while let Some(next) = store.steps.get(cart.next_step as usize)
            && Some(next.after) == done
            && !super::conditions::step_fits(
                next,
                &super::conditions::Facts::new(cart, contact, store).with_catalogue(catalogue),
            )
        {
            // Recorded under the work that passed it over (the timer still armed), as a skip at
            // its own due time would be: the cart's history shows every step.
            let seq = cart.timer.map_or(0, |t| t.seq);
            let why = Some(super::send_policy::CONDITION.into());
            let rec = record(cart.next_step, seq, cart, next.channel, "".into(), SendStatus::Skipped, now, why);
            cart.sends.push(rec);
            stats.push((Counter::StepsSkipped(super::send_policy::CONDITION), 1));
            tracing::info!(store = %cart.store, cart = %cart.id, step = cart.next_step, why = super::send_policy::CONDITION, "step skipped");
            cart.next_step += 1;
        }
        match store.steps.get(cart.next_step as usize) {
            Some(next) => {
                let spacing = done.map_or(SignedDuration::ZERO, |d| next.after - d);
                let due = (cart.last_activity + next.after).max(now + spacing);
                let due = step_time(cart, contact, store, catalogue, cart.next_step, due, stats);
                self.k.arm(&*self.timers, cart, due, now).await?;
            }
            None => {
                cart.status = CartStatus::Expired;
                cart.timer = None;
            }
        }
        Ok(())
    }

    /// A refusal (`Failed`) or an unknown outcome, written on the claim (re-reading on
    /// conflicts: an event may have touched the cart meanwhile; the claim itself is ours alone).
    async fn record_outcome(&self, msg: &TimerMsg, status: SendStatus, error: &str) -> Result<(), EngineError> {
        retry_on_conflict!({
            let Some(mut cart) = self.carts.get_cart(&msg.store, &msg.cart).await? else { return Ok(()) };
            let Some(r) = cart.sends.iter_mut().find(|s| s.seq == msg.seq) else { return Ok(()) };
            r.status = status;
            r.note = Some(error.to_string());
            self.carts.put_cart(cart).await?;
            Ok(())
        })
    }

    /// An address its provider says is gone (today a push subscription): taken off the cart, so
    /// later steps on the channel skip it as unreachable.
    async fn forget_address(&self, msg: &TimerMsg, channel: Channel) -> Result<(), EngineError> {
        if channel != Channel::Webpush {
            return Ok(());
        }
        retry_on_conflict!({
            let Some(mut cart) = self.carts.get_cart(&msg.store, &msg.cart).await? else { return Ok(()) };
            if cart.customer.push.is_none() {
                return Ok(());
            }
            std::sync::Arc::make_mut(&mut cart.customer).push = None;
            self.carts.put_cart(cart).await?;
            Ok(())
        })
    }

    /// A claim whose message nothing could carry: recorded as a skip, and what the claim took —
    /// the cart's last-message time, the contact's frequency-cap and coupon-budget entries — is
    /// given back, since nothing reached the shopper. The sequence goes on.
    async fn unclaim_as_skipped(&self, msg: &TimerMsg, note: &str) -> Result<(), EngineError> {
        let mut claimed = None;
        retry_on_conflict!({
            let Some(mut cart) = self.carts.get_cart(&msg.store, &msg.cart).await? else { return Ok(()) };
            let Some(r) = cart.sends.iter_mut().find(|s| s.seq == msg.seq && s.status == SendStatus::Sent) else {
                return Ok(());
            };
            r.status = SendStatus::Skipped;
            r.note = Some(note.to_string());
            claimed = Some((r.at, r.coupon.is_some(), cart_contact_key(&cart)));
            cart.last_message_at = cart.sends.iter().filter(|s| s.status == SendStatus::Sent).map(|s| s.at).max();
            self.carts.put_cart(cart).await?;
            Ok(())
        })?;
        if let Some((at, had_coupon, Some(key))) = claimed {
            self.give_back(msg, &key, at, had_coupon).await;
        }
        Ok(())
    }

    /// Takes an attempt's frequency-cap entry (and its coupon-budget entry) off the contact.
    async fn give_back(&self, msg: &TimerMsg, key: &str, at: Timestamp, had_coupon: bool) {
        let given_back = retry_on_conflict!({
            let Some(mut contact) = self.carts.get_contact(&msg.store, key).await? else { return Ok(()) };
            let before = (contact.recent_sends.len(), contact.coupons_issued.len());
            remove_one(&mut contact.recent_sends, at);
            if had_coupon {
                remove_one(&mut contact.coupons_issued, at);
            }
            if before != (contact.recent_sends.len(), contact.coupons_issued.len()) {
                self.carts.put_contact(contact).await?;
            }
            Ok(())
        });
        if let Err(e) = given_back {
            tracing::warn!(store = %msg.store, cart = %msg.cart, error = %e, "frequency-cap entry of an unsent attempt kept");
        }
    }

    /// Undoes a claim after a temporary provider failure, so the redelivered work can send.
    /// If this fails, the claim stays and the redelivery marks it `unknown` (never a duplicate).
    /// The provider took nothing, so the attempt's frequency-cap entry (and its coupon-budget
    /// entry) is given back too: otherwise an outage of a few retries would use up a shopper's
    /// cap and the step would be skipped as "capped" with nothing ever sent.
    async fn release_claim(&self, msg: &TimerMsg, step: u32, now: Timestamp) {
        let mut claimed = None;
        let released = retry_on_conflict!({
            let Some(mut cart) = self.carts.get_cart(&msg.store, &msg.cart).await? else { return Ok(()) };
            let Some(claim) = cart.sends.iter().find(|s| s.seq == msg.seq && s.status == SendStatus::Sent) else {
                return Ok(());
            };
            claimed = Some((claim.at, claim.coupon.is_some(), cart_contact_key(&cart)));
            cart.sends.retain(|s| s.seq != msg.seq);
            cart.next_step = step;
            cart.last_message_at = cart.sends.iter().filter(|s| s.status == SendStatus::Sent).map(|s| s.at).max();
            if cart.status == CartStatus::Expired {
                cart.status = CartStatus::Abandoned;
            }
            cart.timer = Some(ArmedTimer { seq: msg.seq, due: now });
            self.carts.put_cart(cart).await?;
            Ok(())
        });
        if let Err(e) = released {
            tracing::warn!(store = %msg.store, cart = %msg.cart, error = %e, "claim not released; the redelivery will mark the step unknown");
            return;
        }
        let Some((at, had_coupon, Some(key))) = claimed else { return };
        self.give_back(msg, &key, at, had_coupon).await;
    }
}

/// Removes one entry equal to `at` (the attempt's own), leaving any other send at that instant.
fn remove_one(times: &mut Vec<Timestamp>, at: Timestamp) {
    if let Some(i) = times.iter().position(|t| *t == at) {
        times.remove(i);
    }
}

/// When to wake up for a step due at `due`. If the send-time rules, applied at `due`, would
/// only hold it for the recipient's quiet hours, the timer is set for the end of them: the same
/// send at the same moment, without a wake-up (a read and a write) spent on deferring it. The
/// rules are still checked in full when the timer fires.
fn step_time(
    cart: &Cart,
    contact: Option<&Contact>,
    store: &StoreConfig,
    catalogue: Option<&Catalogue>,
    step: u32,
    due: Timestamp,
    stats: &mut Deltas,
) -> Timestamp {
    match plan_send_with(cart, contact, store, step, due, catalogue) {
        SendPlan::Defer(until, why @ "quiet_hours") => {
            stats.push((Counter::StepsDeferred(why), 1));
            until
        }
        _ => due,
    }
}

#[allow(clippy::too_many_arguments)]
fn record(
    step: u32,
    seq: u64,
    cart: &Cart,
    channel: crate::domain::Channel,
    variant: std::sync::Arc<str>,
    status: SendStatus,
    at: Timestamp,
    note: Option<String>,
) -> SendRecord {
    SendRecord {
        step,
        seq,
        epoch: cart.epoch,
        channel,
        variant,
        status,
        at,
        note,
        provider_id: None,
        coupon: None,
        coupon_redeemed_at: None,
        delivery: None,
        recommended: Vec::new(),
    }
}

/// The products the message recommends, added to it (`add_recommendations`), and what its
/// send record keeps of them: an e-mail's, and a WhatsApp message's inside the
/// customer-service window. When they cannot go, counted `recommendations.none.{cause}` (a
/// template, a text too long, an untitled product, a WhatsApp step sent by SMS).
fn recommend(
    o: &mut OutgoingMessage,
    input: &ComposeInput<'_>,
    catalogue: Result<Option<&Catalogue>, ()>,
    link_url: &str,
    stats: &mut Deltas,
) -> Vec<crate::domain::cart::Recommended> {
    let none = |why: &str| (Counter::Recommendations(format!("none.{why}")), 1);
    // Known before any product is picked: nothing to pick for.
    if let Err(why) = crate::messaging::recommendations_fit(o) {
        stats.push(none(why));
        return Vec::new();
    }
    let n = input.cfg.steps[input.step as usize].recommend;
    let mut picked = Deltas::new();
    let (shown, kept) = recommendations_for(catalogue, input.cart, input.cfg, n, link_url, o.seq, &mut picked);
    match add_recommendations(o, input, &shown) {
        // With none shown, `picked` says why.
        Ok(()) => {
            stats.extend(picked);
            kept
        }
        Err(why) => {
            stats.push(none(why));
            Vec::new()
        }
    }
}
