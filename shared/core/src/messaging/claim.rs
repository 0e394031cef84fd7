//! What a send's claim writes besides the cart: the contact after the message (created with the
//! first one, carrying the frequency-cap and coupon-budget entries) and the new link records
//! (the restore link, the discount code's index, and the aliases that let an order naming no
//! cart find this one). All of it goes in one all-or-nothing write (`CartStore::claim_send`),
//! so a claim that loses a race leaves nothing behind.

use crate::config::StoreConfig;
use crate::domain::link_key::{customer_alias, email_alias};
use crate::domain::{Cart, Contact};
use crate::messaging::coupons;
use crate::ports::LinkRecord;
use jiff::{SignedDuration, Timestamp};

/// The shopper's contact record once this message is sent.
pub fn contact_after_send(
    contact: Option<Contact>,
    key: &str,
    cart: &Cart,
    store: &StoreConfig,
    now: Timestamp,
    issued_coupon: bool,
) -> Contact {
    let mut contact = contact.unwrap_or_else(|| Contact::new(&cart.store, key));
    contact.phone.clone_from(&cart.customer.phone);
    contact.email.clone_from(&cart.customer.email);
    if cart.customer.locale.is_some() {
        contact.locale.clone_from(&cart.customer.locale);
    }
    contact.latest_cart = Some(cart.id.clone());
    // Kept for the store's cap window, and at least a day for the jurisdictions' 24-hour caps.
    let keep = store.frequency_cap.window.max(SignedDuration::from_hours(24));
    contact.recent_sends.retain(|t| *t > now - keep);
    contact.recent_sends.push(now);
    if issued_coupon {
        contact.coupons_issued.retain(|t| *t > now - coupons::CONTACT_WINDOW);
        contact.coupons_issued.push(now);
    }
    contact
}

/// The link records this send adds: the restore link when the cart gets its first
/// (`new_token`), the discount code's index, and with the cart's first message the aliases (the
/// e-mail when the cart was reached by phone, the store's customer id). They point at the cart
/// for as long as its link is valid.
pub fn new_link_records(
    cart: &Cart,
    store: &StoreConfig,
    new_token: Option<String>,
    coupon_index: Option<LinkRecord>,
    first_for_this_cart: bool,
    now: Timestamp,
) -> Vec<LinkRecord> {
    let keep_until = now + store.link_ttl + store.steps.last().map_or(SignedDuration::ZERO, |s| s.after);
    let to_this_cart =
        |token| LinkRecord { token, store: cart.store.clone(), cart: cart.id.clone(), expires_at: keep_until };
    let mut aliases = Vec::new();
    if first_for_this_cart {
        let c = &cart.customer;
        if let (Some(_), Some(email)) = (&c.phone, &c.email) {
            aliases.push(email_alias(&cart.store, email.expose()));
        }
        if let Some(id) = &c.id {
            aliases.push(customer_alias(&cart.store, id));
        }
    }
    new_token.map(to_this_cart).into_iter().chain(coupon_index).chain(aliases.into_iter().map(to_this_cart)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::demo_config;
    use crate::domain::samples;

    fn now() -> Timestamp {
        "2026-11-23T10:30:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn the_first_message_creates_the_contact_with_its_cap_and_budget_entries() {
        let config = demo_config();
        let store = config.store("demo").expect("demo store");
        let cart = samples::cart("tr");
        let c = contact_after_send(None, "k1", &cart, store, now(), true);
        assert_eq!((c.key.as_str(), c.latest_cart.as_deref()), ("k1", Some("c1")));
        assert_eq!(c.recent_sends, [now()]);
        assert_eq!(c.coupons_issued, [now()]);
        assert_eq!(c.locale.as_deref(), Some("tr-TR"));
        // Entries older than the cap window are dropped as new ones come.
        let later = now() + SignedDuration::from_hours(48);
        let c = contact_after_send(Some(c), "k1", &cart, store, later, false);
        assert_eq!(c.recent_sends, [later]);
        assert_eq!(c.coupons_issued.len(), 1, "the coupon budget has its own 30-day window");
    }

    #[test]
    fn the_first_message_writes_the_link_and_the_aliases_later_ones_nothing() {
        let config = demo_config();
        let store = config.store("demo").expect("demo store");
        let mut cart = samples::cart("tr");
        cart.customer = std::sync::Arc::new(crate::domain::Customer {
            id: Some("cust_9".into()),
            email: Some(crate::domain::pii::Pii::new("a@example.com".to_string())),
            ..(*cart.customer).clone()
        });
        let records = new_link_records(&cart, store, Some("TOKEN".into()), None, true, now());
        let keys: Vec<&str> = records.iter().map(|r| r.token.as_str()).collect();
        assert_eq!(keys[0], "TOKEN");
        assert!(keys[1].starts_with("email:") && keys[2].starts_with("customer:"), "{keys:?}");
        assert!(records.iter().all(|r| r.cart == "c1" && r.expires_at > now()));
        assert!(new_link_records(&cart, store, None, None, false, now()).is_empty());
    }
}
