//! Discount codes: issued one per message within the store's budget, looked up and redeemed by
//! the storefront exactly once, refused once expired.
//!
//! Records: the code's index is a link record keyed `coupon:{store}:{code}` (written before the
//! send's claim, so a crash leaves at worst an index entry for a code nobody received), and the
//! code's state lives on the send record that offered it (`SendRecord::coupon`), which carries
//! the redemption under the cart's version condition: two redemptions racing cannot both win.

use crate::config::{Incentive, StoreConfig};
use crate::domain::Contact;
use crate::engine::counters::Counter;
use crate::engine::{EngineError, retry_on_conflict};
use crate::messaging::Coupons;
use crate::ports::LinkRecord;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// The window of the per-contact budget.
pub const CONTACT_WINDOW: SignedDuration = SignedDuration::from_hours(30 * 24);

use crate::domain::link_key;

/// A coupon code people can type: "CB-" and 12 characters of Crockford base32 (60 random bits).
pub fn new_code(random: [u8; 16]) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bits = [0u8; 8];
    bits.copy_from_slice(&random[..8]);
    let bits = u64::from_le_bytes(bits);
    let code: String = (0..12).map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char).collect();
    format!("CB-{code}")
}

/// Codes are "CB-" and 12 characters of Crockford base32 (60 random bits).
pub fn well_formed(code: &str) -> bool {
    code.strip_prefix("CB-")
        .is_some_and(|r| r.len() == 12 && r.bytes().all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CouponState {
    Valid,
    Redeemed,
    Expired,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CouponView {
    pub code: String,
    pub status: CouponState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<u8>,
    /// Fixed discounts: the amount in the store's currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redeemed_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cart_id: Option<String>,
}

impl CouponView {
    fn unknown(code: &str) -> CouponView {
        CouponView {
            code: code.to_string(),
            status: CouponState::Unknown,
            kind: None,
            percent: None,
            amount: None,
            currency: None,
            expires_at: None,
            redeemed_at: None,
            cart_id: None,
        }
    }
}

/// How long a code offered by this incentive is valid.
pub fn validity(incentive: &Incentive) -> Option<SignedDuration> {
    match incentive {
        Incentive::PercentOff { expires, .. } | Incentive::FixedOff { expires, .. } => Some(*expires),
        _ => None,
    }
}

impl Coupons {
    /// Whether one more code may go out now: the contact's 30-day allowance and the store's
    /// daily one. Returns the reason when not (the message then goes without the discount).
    pub(crate) async fn coupon_budget(
        &self,
        store: &StoreConfig,
        contact: Option<&Contact>,
        now: Timestamp,
    ) -> Result<Option<&'static str>, EngineError> {
        let b = &store.coupon_budget;
        let recent = contact.map_or(0, |c| c.coupons_issued.iter().filter(|t| **t > now - CONTACT_WINDOW).count());
        if recent >= b.per_contact_30d as usize {
            return Ok(Some("contact"));
        }
        if let Some(per_day) = b.per_day {
            let issued = self.k.stats.get_one(&store.id, &issued_today(now).key()).await?;
            if issued >= i64::from(per_day) {
                return Ok(Some("store_daily"));
            }
        }
        Ok(None)
    }

    /// The state of a code, and with `redeem`, its redemption (exactly once: a second call
    /// answers `redeemed`).
    pub async fn coupon(&self, store: &StoreConfig, code: &str, redeem: bool) -> Result<CouponView, EngineError> {
        if !well_formed(code) {
            return Ok(CouponView::unknown(code));
        }
        let Some(link) = self.carts.get_link(&link_key::coupon(&store.id, code)).await? else {
            return Ok(CouponView::unknown(code));
        };
        retry_on_conflict!({
            let now = self.k.clock.now();
            let Some(mut cart) = self.carts.get_cart(&store.id, &link.cart).await? else {
                return Ok(CouponView::unknown(code));
            };
            // The code of a message (its send record) or of the on-site offer (the cart's claim).
            let offer = cart.offer.as_ref().filter(|o| o.code == code).cloned();
            let (incentive, expires_at, redeemed_at) =
                match cart.sends.iter().find(|s| s.coupon.as_deref() == Some(code)) {
                    Some(send) => {
                        let incentive = store
                            .steps
                            .get(send.step as usize)
                            .and_then(|s| s.variants.iter().find(|v| v.name == send.variant))
                            .and_then(|v| v.incentive.clone());
                        let expires_at =
                            incentive.as_ref().and_then(validity).map(|d| send.at + d).unwrap_or(link.expires_at);
                        (incentive, expires_at, send.coupon_redeemed_at)
                    }
                    None => match &offer {
                        Some(o) => (super::offer_codes::incentive_of(store, o), o.expires_at, o.redeemed_at),
                        None => return Ok(CouponView::unknown(code)),
                    },
                };
            let mut view = CouponView {
                code: code.to_string(),
                status: CouponState::Valid,
                kind: None,
                percent: None,
                amount: None,
                currency: None,
                expires_at: Some(expires_at),
                redeemed_at,
                cart_id: Some(cart.id.clone()),
            };
            match incentive {
                Some(Incentive::PercentOff { percent, .. }) => {
                    view.kind = Some("percent_off");
                    view.percent = Some(percent);
                }
                Some(Incentive::FixedOff { amount_minor, .. }) => {
                    view.kind = Some("fixed_off");
                    view.amount = Some(store.currency.format_amount(amount_minor));
                    view.currency = Some(store.currency.code());
                }
                _ => {}
            }
            view.status = if redeemed_at.is_some() {
                CouponState::Redeemed
            } else if now >= expires_at {
                CouponState::Expired
            } else {
                CouponState::Valid
            };
            if !redeem || view.status != CouponState::Valid {
                return Ok(view);
            }
            match (cart.sends.iter_mut().find(|s| s.coupon.as_deref() == Some(code)), cart.offer.as_mut()) {
                (Some(send), _) => send.coupon_redeemed_at = Some(now),
                (None, Some(o)) => o.redeemed_at = Some(now),
                (None, None) => return Ok(view),
            }
            match self.carts.put_cart(cart).await {
                Ok(_) => {
                    self.k.count(&store.id, vec![(Counter::CouponsRedeemed, 1)]).await;
                    tracing::info!(store = %store.id, "coupon redeemed");
                    view.redeemed_at = Some(now);
                    return Ok(view);
                }
                Err(e) => return Err(e.into()),
            }
        })
    }
}

/// The store's counter of codes issued on the (UTC) day of `now`.
pub fn issued_today(now: Timestamp) -> Counter {
    Counter::CouponsIssuedOn(now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
}

/// The index entry that lets the storefront find a code: written with the send's claim.
pub(crate) fn index_record(store: &StoreConfig, cart: &str, code: &str, until: Timestamp) -> LinkRecord {
    LinkRecord {
        token: link_key::coupon(&store.id, code),
        store: store.id.clone(),
        cart: cart.to_string(),
        expires_at: until,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_keys_are_utc_dates() {
        let t: jiff::Timestamp = "2026-11-23T23:59:59Z".parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(super::issued_today(t).key(), "coupons.issued.2026-11-23");
        assert!(super::well_formed("CB-2GA2BX2G026D"));
        assert!(!super::well_formed("CB-2GA2BX2G026"));
        assert!(!super::well_formed("CB-2GA2BX2G026U"), "U is not Crockford base32");
    }
}
