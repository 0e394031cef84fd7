use crate::abandonment::{EventOutcome, apply_event};
use crate::config::StoreConfig;
use crate::domain::CartStatus;
use crate::domain::link_key::{customer_alias, email_alias, legacy_aliases};
use crate::domain::{Contact, contact_key};
use crate::engine::counters::Counter;
use crate::engine::{EngineError, retry_on_conflict};
use crate::intake::Intake;
use crate::intake::contract::{CartEvent, EventKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestResult {
    pub cart_id: String,
    pub state: CartStatus,
    pub duplicate: bool,
    /// Older than what the cart reflects: accepted, changed nothing.
    pub stale: bool,
}

impl Intake {
    /// Applies one validated event: one read and one conditional write of the cart, plus the
    /// timer it arms, which is fenced by its seq so that a lost race leaves it harmless.
    pub async fn ingest(&self, store: &StoreConfig, ev: &CartEvent) -> Result<IngestResult, EngineError> {
        // An order naming no cart we know: the shopper's cart is found through the contact, and
        // the order applied to it. The first attempt's read is that check's read.
        let mut first_read = Some(self.carts.get_cart(&store.id, &ev.cart_id).await?);
        let mut relinked = None;
        if first_read.as_ref().is_some_and(Option::is_none)
            && ev.kind == EventKind::OrderCompleted
            && let Some(cart) = self.link_order(store, ev).await?
        {
            let mut e = ev.clone();
            e.cart_id = cart;
            relinked = Some(e);
            first_read = None;
        }
        let ev = relinked.as_ref().unwrap_or(ev);
        retry_on_conflict!({
            let now = self.k.clock.now();
            let existing = match first_read.take() {
                Some(read) => read,
                None => self.carts.get_cart(&store.id, &ev.cart_id).await?,
            };
            let d = apply_event(existing, ev, store, now);
            let result = IngestResult {
                cart_id: ev.cart_id.clone(),
                state: d.cart.status,
                duplicate: d.outcome == EventOutcome::Duplicate,
                stale: d.outcome == EventOutcome::Stale,
            };
            if d.outcome != EventOutcome::Applied {
                return Ok(result);
            }
            // Effects first: a timer carrying a seq the cart never commits drops itself. (The
            // contact record is written when a message goes out: replies only follow messages.)
            let mut cart = d.cart;
            if let Some(due) = d.timer_due {
                self.k.arm(&*self.timers, &mut cart, due, now).await?;
            }
            let state = cart.status.as_str();
            let recovered = (ev.kind == crate::intake::contract::EventKind::OrderCompleted
                && cart.status == crate::domain::CartStatus::Recovered
                && self.k.sends_events(&store.id))
            .then(|| crate::outbound::payloads::recovered(&cart, now))
            .flatten();
            let stats = self.k.carry_stats(&mut cart, d.stats);
            let placed = (ev.kind == EventKind::OrderCompleted).then(|| placed_order(ev, &cart)).flatten();
            self.carts.put_cart(cart).await?;
            // What "where is my order?" may be told, until the platform says more.
            // Best effort: the order is applied; a failure here costs only that answer.
            if let Some(update) = &placed
                && let Err(e) = self.order_progress(store, update).await
            {
                tracing::warn!(store = %store.id, error = %e, "the order was not noted for order status");
            }
            if let Some(e) = &recovered {
                self.k.events_out.publish(e).await;
            }
            tracing::debug!(store = %store.id, cart = %ev.cart_id, event = ev.kind.as_str(), state, "event applied");
            self.k.count(&store.id, stats).await;
            Ok(result)
        })
    }

    /// Stamps the order on the shopper's contact records (by phone and by e-mail), so that no
    /// cart of theirs idle since before it gets another message, and returns the cart they were
    /// last messaged about, which the order then recovers: found through the contact's record,
    /// else through the aliases a cart's first message leaves (the e-mail of a cart reached by
    /// phone, the store's customer id). An order matching none of them links nothing and is
    /// recorded under its own id.
    async fn link_order(&self, store: &StoreConfig, ev: &CartEvent) -> Result<Option<String>, EngineError> {
        let Some(customer) = &ev.customer else { return Ok(None) };
        let mut keys: Vec<String> = [&customer.phone, &customer.email]
            .into_iter()
            .flatten()
            .map(|a| contact_key(&store.id, a.expose()))
            .collect();
        keys.dedup();
        let (mut cart, mut stamped) = (None, false);
        for (i, key) in keys.iter().enumerate() {
            retry_on_conflict!({
                let found = self.carts.get_contact(&store.id, key).await?;
                // The phone's record is created when missing: it is the one a phone cart's
                // timer reads. An e-mail record is created only when there is no phone.
                if found.is_none() && i > 0 {
                    return Ok(());
                }
                let mut contact = found.unwrap_or_else(|| Contact::new(&store.id, key));
                if cart.is_none() {
                    cart = contact.latest_cart.clone().filter(|c| *c != ev.cart_id);
                }
                if contact.last_order_at.is_some_and(|t| t >= ev.occurred_at) {
                    return Ok(());
                }
                contact.last_order_at = Some(ev.occurred_at);
                self.carts.put_contact(contact).await?;
                stamped = true;
                Ok(())
            })?;
        }
        let legacy = legacy_aliases(&store.id, customer.email.as_ref().map(|e| e.expose()), customer.id.as_deref());
        let aliases = (customer.email.iter().map(|e| email_alias(&store.id, e.expose())))
            .chain(customer.id.iter().map(|id| customer_alias(&store.id, id)))
            .chain(legacy);
        for token in aliases {
            if cart.is_some() {
                break;
            }
            let alias = self.carts.get_link(&token).await?;
            cart = alias.filter(|a| a.expires_at > ev.occurred_at && a.cart != ev.cart_id).map(|a| a.cart);
        }
        // A redelivered order finds its stamp already there and is not counted twice.
        if stamped {
            let linked = if cart.is_some() { Counter::OrdersLinkedByContact } else { Counter::OrdersUnlinked };
            self.k.count(&store.id, vec![(linked, 1)]).await;
        }
        Ok(cart)
    }
}

/// An order just placed, as the shopper's contacts keep it: the event's customer, else the
/// cart's, names whose it is. Only for a cart Cartback messaged (a reply follows a message):
/// every other order costs no contact reads (the request budget, shared/aws/tests/pipeline.rs).
fn placed_order(ev: &CartEvent, cart: &crate::domain::Cart) -> Option<crate::intake::order_progress::OrderUpdate> {
    use crate::domain::order_note::{OrderNote, OrderProgress};
    if cart.sends.is_empty() {
        return None;
    }
    let order = ev.order.as_ref()?;
    let customer = ev.customer.as_ref().filter(|c| c.phone.is_some() || c.email.is_some()).unwrap_or(&cart.customer);
    Some(crate::intake::order_progress::OrderUpdate {
        note: OrderNote {
            id: order.order_id.clone(),
            name: None,
            placed_at: ev.occurred_at,
            progress: OrderProgress::Received,
            tracking: None,
            updated_at: ev.occurred_at,
        },
        phone: customer.phone.as_ref().map(|p| p.expose().to_string()),
        email: customer.email.as_ref().map(|e| e.expose().to_string()),
    })
}
