//! A sample of each event, as automation tools show on their setup screens (Zapier's "perform
//! list", Make's and n8n's sample data): built by the same constructors as the real events
//! (`payloads`), from a made-up cart and shopper, so a sample has exactly a real event's shape.

use super::{EventType, OutEvent, payloads};
use crate::domain::handoff::Handoff;
use crate::domain::{Cart, Channel, Reason};
use jiff::Timestamp;

/// A sample of `kind` for `store`, dated `at`.
pub fn sample(kind: EventType, store: &str, at: Timestamp) -> OutEvent {
    let cart = sample_cart(store, at);
    match kind {
        EventType::CartAbandoned => payloads::abandoned(&cart, at),
        #[allow(clippy::expect_used)] // the sample cart has its order
        EventType::CartRecovered => payloads::recovered(&cart, at).expect("the sample cart has an order"),
        EventType::ReplyReceived => payloads::reply_received(
            store,
            "SMsample0000000000000000000000000",
            Channel::Sms,
            "+4791234567",
            "reason",
            Some(Reason::UnexpectedFees),
            Some(&cart.id),
            at,
        ),
        EventType::ConversationHandoff => payloads::handoff(&Handoff {
            store: store.to_string(),
            cart: Some(cart.id.clone()),
            channel: Channel::Sms,
            from_masked: crate::domain::pii::mask("+4791234567"),
            text: "Can I pay with Vipps?".into(),
            reason: "payment_problem".into(),
            at,
            conversation: Some("cv_sample".into()),
            inbox_url: None,
            guess: "payment_problem (88 %)".into(),
            rule: "reason".into(),
        }),
        EventType::ContactOptedOut => payloads::opted_out(store, "+4791234567", Channel::Sms, "reply", "sample", at),
    }
}

fn sample_cart(store: &str, at: Timestamp) -> Cart {
    use crate::domain::cart::{Item, OrderRecord};
    use crate::domain::money::{Currency, Money};
    let mut cart = Cart::new(store, "sample-cart-1", at, false);
    let c = std::sync::Arc::make_mut(&mut cart.customer);
    c.id = Some("sample-customer-1".into());
    c.first_name = Some("Kari".into());
    c.phone = Some(crate::domain::pii::Pii::new("+4791234567"));
    c.email = Some(crate::domain::pii::Pii::new("kari@example.com"));
    c.locale = Some("nb".into());
    #[allow(clippy::expect_used)] // a literal ISO 4217 code
    let eur = Currency::parse("EUR").expect("EUR is a currency");
    cart.currency = Some(eur);
    cart.items = std::sync::Arc::new(vec![Item {
        sku: "SWEATER-M".into(),
        name: "Wool sweater".into(),
        quantity: 1,
        unit_price_minor: 34_900,
        url: None,
        image_url: None,
    }]);
    cart.order =
        Some(OrderRecord { order_id: "sample-order-1001".into(), total: Money { minor: 34_900, currency: eur }, at });
    cart
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_sample_of_its_kind() {
        for kind in EventType::ALL {
            let e = sample(kind, "demo", Timestamp::UNIX_EPOCH);
            assert_eq!(e.kind, kind);
            assert_eq!(e.store, "demo");
            // Addresses are masked, as in the real events.
            assert!(!e.body().contains("91234567") && !e.body().contains("kari@"), "{}", e.body());
        }
    }
}
