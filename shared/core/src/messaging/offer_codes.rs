//! The on-site offer's code (`[stores.on_site.offer]`, docs/on-site.md): one per browser cart,
//! from the same budget as the codes in messages (the contact's 30 days, the store's day), kept
//! on the cart (`Cart::offer`) with its index, and looked up and redeemed like any other code.

use crate::config::{Incentive, StoreConfig};
use crate::domain::OfferClaim;
use crate::engine::counters::Counter;
use crate::engine::{EngineError, cart_contact_key, retry_on_conflict};
use crate::messaging::Coupons;
use crate::messaging::coupons::{index_record, issued_today, new_code, validity};
use serde::Serialize;

/// What the shopper is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OfferOutcome {
    /// The code (the same one again for a cart that already took it).
    Given { code: String, expires_at: jiff::Timestamp, variant: String },
    /// The budget allows no code now (`contact`: this shopper's 30 days; `store_daily`).
    Withheld { reason: &'static str },
}

/// The counter of an offer's variant: `offers.{variant}.{what}` (`shown`, `dismissed`,
/// `claimed`, `converted`, `withheld`).
pub fn counter(variant: &str, what: &str) -> Counter {
    Counter::Carried(format!("{}{variant}.{what}", crate::engine::counters::prefix::OFFERS))
}

impl Coupons {
    /// Gives the cart's shopper the offer's code for `variant`, within the coupon budget. The
    /// cart (with the shopper's address, written by the contact capture before) must exist:
    /// `None` when it does not, or the store has no such offer or variant.
    pub async fn claim_offer(
        &self,
        store: &StoreConfig,
        cart_id: &str,
        variant: &str,
    ) -> Result<Option<OfferOutcome>, EngineError> {
        let Some(v) = store.on_site.offer.as_ref().and_then(|o| o.variants.iter().find(|v| &*v.name == variant)) else {
            return Ok(None);
        };
        let expires = validity(&v.incentive).unwrap_or(jiff::SignedDuration::from_hours(24));
        let outcome = retry_on_conflict!({
            let now = self.k.clock.now();
            let Some(mut cart) = self.carts.get_cart(&store.id, cart_id).await? else { return Ok(None) };
            if let Some(o) = &cart.offer {
                let (code, expires_at, variant) = (o.code.clone(), o.expires_at, o.variant.clone());
                return Ok(Some(OfferOutcome::Given { code, expires_at, variant }));
            }
            let Some(key) = cart_contact_key(&cart) else { return Ok(None) };
            let contact = self.carts.get_contact(&store.id, &key).await?;
            if let Some(reason) = self.coupon_budget(store, contact.as_ref(), now).await? {
                return Ok(Some(OfferOutcome::Withheld { reason }));
            }
            let code = new_code(self.k.random.bytes16());
            let expires_at = now + expires;
            cart.offer = Some(OfferClaim {
                variant: variant.to_string(),
                code: code.clone(),
                at: now,
                expires_at,
                redeemed_at: None,
            });
            let mut contact = contact.unwrap_or_else(|| crate::domain::Contact::new(&store.id, &key));
            // As a send would: the contact names its address and this cart (the consent record
            // shows the cart's ledger through it).
            contact.phone.clone_from(&cart.customer.phone);
            contact.email.clone_from(&cart.customer.email);
            contact.latest_cart = Some(cart.id.clone());
            contact.coupons_issued.retain(|t| *t > now - super::COUPON_CONTACT_WINDOW);
            contact.coupons_issued.push(now);
            let index = index_record(store, &cart.id, &code, expires_at);
            self.carts.claim_send(cart, contact, vec![index]).await?;
            let counts = vec![(Counter::CouponsIssued, 1), (issued_today(now), 1), (counter(variant, "claimed"), 1)];
            self.k.count(&store.id, counts).await;
            Ok(Some(OfferOutcome::Given { code, expires_at, variant: variant.to_string() }))
        })?;
        if let Some(OfferOutcome::Withheld { reason }) = &outcome {
            let counts = vec![(Counter::CouponsWithheld(reason), 1), (counter(variant, "withheld"), 1)];
            self.k.count(&store.id, counts).await;
        }
        Ok(outcome)
    }
}

/// The offer's incentive for a claim, as the store has it now.
pub fn incentive_of(store: &StoreConfig, claim: &OfferClaim) -> Option<Incentive> {
    let offer = store.on_site.offer.as_ref()?;
    offer.variants.iter().find(|v| *v.name == *claim.variant).map(|v| v.incentive.clone())
}
