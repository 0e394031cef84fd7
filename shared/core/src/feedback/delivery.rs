//! After a message: the provider's delivery reports, and one-click unsubscribes.

use crate::config::StoreConfig;
use crate::domain::{Channel, Contact, DeliveryStatus};
use crate::engine::counters::Counter;
use crate::engine::{EngineError, retry_on_conflict};
use crate::feedback::Feedback;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Recorded,
    /// A report older than or equal to what is recorded (callbacks arrive out of order).
    Unchanged,
    /// No such cart or send (already expired, or a forged reference).
    Unknown,
}

impl Feedback {
    /// Records a delivery report on the send it belongs to. Reports only move forward
    /// (sent → delivered/undelivered/failed), so duplicates and late arrivals change nothing.
    pub async fn on_delivery(
        &self,
        store: &StoreConfig,
        cart_id: &str,
        seq: u64,
        status: DeliveryStatus,
    ) -> Result<DeliveryOutcome, EngineError> {
        retry_on_conflict!({
            let Some(mut cart) = self.carts.get_cart(&store.id, cart_id).await? else {
                return Ok(DeliveryOutcome::Unknown);
            };
            let Some(send) = cart.sends.iter_mut().find(|s| s.seq == seq) else {
                return Ok(DeliveryOutcome::Unknown);
            };
            if send.delivery.is_some_and(|d| d.is_final() || d >= status) {
                return Ok(DeliveryOutcome::Unchanged);
            }
            send.delivery = Some(status);
            let channel = send.channel;
            match self.carts.put_cart(cart).await {
                Ok(_) => {
                    if let Some(counter) = Counter::delivery(status, channel) {
                        self.k.count(&store.id, vec![(counter, 1)]).await;
                    }
                    tracing::info!(store = %store.id, cart = %cart_id, seq, channel = %channel, status = status.as_str(), "delivery report");
                    return Ok(DeliveryOutcome::Recorded);
                }
                Err(e) => return Err(e.into()),
            }
        })
    }

    /// Opts a contact out of one channel (the one-click unsubscribe of an e-mail). Returns
    /// whether anything changed: a second click is harmless.
    pub async fn unsubscribe(
        &self,
        store: &StoreConfig,
        contact_key: &str,
        channel: Channel,
    ) -> Result<bool, EngineError> {
        self.opt_out(store, contact_key, channel, "unsubscribe_link").await
    }

    /// An SES sending event: a delivery or permanent bounce moves the send forward; a complaint
    /// (marked as spam) opts the shopper out of e-mail at once.
    pub async fn on_email_event(
        &self,
        ev: &crate::feedback::ses_events::SesEvent,
    ) -> Result<DeliveryOutcome, EngineError> {
        let Some(store) = self.k.config.store(&ev.store).cloned() else { return Ok(DeliveryOutcome::Unknown) };
        if let Some(status) = ev.event.delivery() {
            let outcome = self.on_delivery(&store, &ev.cart, ev.seq, status).await?;
            // A bounce counts once: SES may deliver its event twice, the send records it once.
            if status == DeliveryStatus::Failed && outcome == DeliveryOutcome::Recorded {
                self.reputation(&store, Counter::EmailBounces).await;
            }
            return Ok(outcome);
        }
        let Some(cart) = self.carts.get_cart(&store.id, &ev.cart).await? else { return Ok(DeliveryOutcome::Unknown) };
        let Some(key) = crate::engine::cart_contact_key(&cart) else { return Ok(DeliveryOutcome::Unknown) };
        let changed = self.opt_out(&store, &key, Channel::Email, "complaint").await?;
        // Counted when it opts the shopper out: a repeated event changes nothing (a shopper
        // already out who complains anyway is not counted — they get no more mail from us).
        if changed {
            self.reputation(&store, Counter::EmailComplaints).await;
        }
        Ok(if changed { DeliveryOutcome::Recorded } else { DeliveryOutcome::Unchanged })
    }

    /// Counts a bounce or complaint and pauses the store's e-mail if a rate has reached SES's
    /// review threshold (`engine::email_health`). Best effort: the event itself is recorded.
    async fn reputation(&self, store: &StoreConfig, counter: Counter) {
        self.k.count(&store.id, vec![(counter, 1)]).await;
        if let Err(e) = self.k.review_email(&store.id).await {
            tracing::error!(store = %store.id, error = %e, "e-mail rates not reviewed: a pause they call for may be missing");
        }
    }

    /// The merchant lifts the store's e-mail pause (after cleaning the list): returns how many
    /// pauses were open (0: it was not paused).
    pub async fn resume_email(&self, store: &StoreConfig) -> Result<i64, EngineError> {
        Ok(self.k.resume_email(&store.id).await?)
    }

    /// The store's e-mail state: paused or not, and the window's counts.
    pub async fn email_state(
        &self,
        store: &StoreConfig,
    ) -> Result<(bool, crate::engine::email_health::Window), EngineError> {
        Ok((self.k.email_paused(&store.id).await?, self.k.email_window(&store.id).await?))
    }

    /// Opts the contact out of `channel` and, when the address the channel reaches has a
    /// contact of its own (an e-mail on a cart filed under the phone), that one too: a "no"
    /// belongs to the address, whatever cart it came through (send_policy checks the address's
    /// record before every message).
    async fn opt_out(
        &self,
        store: &StoreConfig,
        contact_key: &str,
        channel: Channel,
        source: &str,
    ) -> Result<bool, EngineError> {
        let (changed, address) = self.opt_out_one(store, contact_key, channel, source, None).await?;
        if let Some(a) = address {
            let own = crate::domain::contact_key(&store.id, &a);
            if own != contact_key {
                self.opt_out_one(store, &own, channel, source, Some(&a)).await?;
            }
        }
        Ok(changed)
    }

    /// One contact's opt-out; returns whether it changed and the address it concerns. With
    /// `address` (the address's own record, after the first) a contact is created if missing,
    /// and nothing is counted or announced again.
    async fn opt_out_one(
        &self,
        store: &StoreConfig,
        contact_key: &str,
        channel: Channel,
        source: &str,
        address: Option<&str>,
    ) -> Result<(bool, Option<String>), EngineError> {
        retry_on_conflict!({
            let mut contact = self.carts.get_contact(&store.id, contact_key).await?.unwrap_or_else(|| {
                let mut c = Contact::new(&store.id, contact_key);
                let pii = address.map(crate::domain::pii::Pii::new);
                if channel.uses_phone() {
                    c.phone = pii
                } else {
                    c.email = pii
                }
                c
            });
            let reaches = match channel {
                Channel::Email => contact.email.as_ref(),
                _ => contact.phone.as_ref(),
            }
            .map(|a| a.expose().to_string());
            if !contact.opt_out(channel) {
                return Ok((false, reaches));
            }
            let now = self.k.clock.now();
            contact.log_consent(now, channel, false, source, "");
            let announced = reaches.clone().unwrap_or_default();
            match self.carts.put_contact(contact).await {
                Ok(_) if address.is_some() => return Ok((true, reaches)), // counted with the first
                Ok(_) => {
                    self.k.count(&store.id, vec![(Counter::OptOuts(channel), 1)]).await;
                    let reference = now.as_second().to_string();
                    self.k
                        .publish(&store.id, || {
                            Some(crate::outbound::payloads::opted_out(
                                &store.id, &announced, channel, source, &reference, now,
                            ))
                        })
                        .await;
                    tracing::info!(store = %store.id, channel = %channel, source, "opted out");
                    return Ok((true, reaches));
                }
                Err(e) => return Err(e.into()),
            }
        })
    }
}

/// The consent evidence for one shopper: what they changed themselves (replies, unsubscribe
/// links) and what the storefront reported for their latest cart.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsentRecord {
    pub opted_out: Vec<Channel>,
    pub changes: Vec<crate::domain::ConsentChange>,
    /// A reply held for a person (docs/replies.md): nothing automated goes to the phone until
    /// someone decides, or the deadline, when it is an opt-out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold: Option<HoldView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_cart: Option<String>,
    pub cart_changes: Vec<crate::domain::ConsentChange>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct HoldView {
    pub since: jiff::Timestamp,
    pub deadline: jiff::Timestamp,
    pub cause: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
}

impl Feedback {
    /// The record kept under a shopper's address (phone in E.164, or e-mail): `None` when
    /// nothing was ever sent to or received from it.
    pub async fn consent_record(
        &self,
        store: &StoreConfig,
        address: &str,
    ) -> Result<Option<ConsentRecord>, EngineError> {
        let key = crate::domain::contact_key(&store.id, address);
        let Some(mut contact) = self.carts.get_contact(&store.id, &key).await? else { return Ok(None) };
        // A hold past its deadline is the opt-out it stood for, shown so even before the record
        // is next written (`Contact::settle_hold`).
        contact.settle_hold(self.k.clock.now());
        let hold = contact.hold.as_ref().map(|h| HoldView {
            since: h.since,
            deadline: h.deadline(),
            cause: h.cause.clone(),
            conversation: h.conversation.clone(),
        });
        let cart_changes = match &contact.latest_cart {
            Some(id) => self.carts.get_cart(&store.id, id).await?.map(|c| c.consent_log.to_vec()).unwrap_or_default(),
            None => Vec::new(),
        };
        Ok(Some(ConsentRecord {
            opted_out: contact.opted_out.clone(),
            changes: contact.consent_log.clone(),
            hold,
            latest_cart: contact.latest_cart.clone(),
            cart_changes,
        }))
    }
}
