//! The typed fast path for valid events: a borrowed, derived deserializer instead of a
//! `serde_json::Value` tree (no map nodes, no key strings), then the same field checks as the
//! reporting walk. It answers only "valid, here is the event"; on any doubt — a type mismatch, a
//! missing or unknown consent key, a failed check — it returns `None` and the walk produces the
//! errors. A differential property test holds the two paths to the same results.

use super::limits as max;
use super::{
    CartEvent, CartSnapshot, EventKind, MAX_ITEMS, OrderInfo, email_ok, locale_ok, normalize_phone, quantity_ok,
    timezone_ok, within,
};
use crate::config::StoreConfig;
use crate::domain::money::{Currency, Money};
use crate::domain::pii::Pii;
use crate::domain::{Consent, Customer, Item};
use jiff::Timestamp;
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::marker::PhantomData;

/// `T` from a JSON object only: derived struct deserializers also accept an array of the field
/// values in order, which the walk refuses.
struct Obj<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Only<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Only<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Only(PhantomData)).map(Obj)
    }
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    event_id: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    occurred_at: Cow<'a, str>,
    #[serde(borrow)]
    cart_id: Cow<'a, str>,
    #[serde(default, borrow)]
    customer: Option<Obj<CustomerIn<'a>>>,
    #[serde(default, borrow)]
    cart: Option<Obj<CartIn<'a>>>,
    #[serde(default, borrow)]
    order: Option<Obj<OrderIn<'a>>>,
}

#[derive(Deserialize)]
struct CustomerIn<'a> {
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    first_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    email: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    phone: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    locale: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    timezone: Option<Cow<'a, str>>,
    /// A map rather than a struct: a `null` value must fail here (the walk refuses it), and
    /// keys are checked by hand.
    #[serde(default, borrow)]
    consent: Option<BTreeMap<Cow<'a, str>, bool>>,
    #[serde(default, borrow)]
    consent_version: Option<Cow<'a, str>>,
    #[serde(default)]
    orders_count: Option<u32>,
}

#[derive(Deserialize)]
struct CartIn<'a> {
    #[serde(borrow)]
    currency: Cow<'a, str>,
    #[serde(borrow)]
    checkout_url: Cow<'a, str>,
    #[serde(borrow)]
    items: Vec<Obj<ItemIn<'a>>>,
}

#[derive(Deserialize)]
struct ItemIn<'a> {
    #[serde(borrow)]
    sku: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    quantity: u64,
    #[serde(borrow)]
    unit_price: Cow<'a, str>,
    #[serde(default, borrow)]
    url: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    image_url: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct OrderIn<'a> {
    #[serde(borrow)]
    order_id: Cow<'a, str>,
    #[serde(borrow)]
    currency: Cow<'a, str>,
    #[serde(borrow)]
    total: Cow<'a, str>,
}

/// A string of 1..=max characters.
fn text(s: Cow<'_, str>, max: usize) -> Option<String> {
    within(&s, max).then(|| s.into_owned())
}

/// An optional string: absent or null is fine, present must be 1..=max characters.
fn optional(s: Option<Cow<'_, str>>, max: usize) -> Result<Option<String>, ()> {
    match s {
        None => Ok(None),
        Some(s) => text(s, max).map(Some).ok_or(()),
    }
}

pub(super) fn parse(body: &[u8], store: &StoreConfig) -> Option<CartEvent> {
    let Obj(ev): Obj<Event<'_>> = serde_json::from_slice(body).ok()?;
    let event_id = text(ev.event_id, max::ID)?;
    let cart_id = text(ev.cart_id, max::ID)?;
    if !within(&ev.kind, max::KIND) || !within(&ev.occurred_at, max::TIMESTAMP) {
        return None;
    }
    let kind = EventKind::parse(&ev.kind)?;
    let occurred_at: Timestamp = ev.occurred_at.parse().ok()?;
    let customer = match ev.customer {
        Some(Obj(c)) => Some(customer(c)?),
        None => None,
    };
    let cart = match ev.cart {
        Some(Obj(c)) => Some(cart(c, store)?),
        None if matches!(kind, EventKind::CartUpdated | EventKind::CheckoutStarted) => return None,
        None => None,
    };
    let order = match ev.order {
        Some(Obj(o)) => Some(order(o)?),
        None if kind == EventKind::OrderCompleted => return None,
        None => None,
    };
    Some(CartEvent { event_id, kind, occurred_at, cart_id, customer, cart, order })
}

fn customer(c: CustomerIn<'_>) -> Option<Customer> {
    let id = optional(c.id, max::ID).ok()?;
    let first_name = optional(c.first_name, max::FIRST_NAME).ok()?;
    let email = match optional(c.email, max::EMAIL).ok()? {
        Some(m) if email_ok(&m) => Some(Pii::new(m.to_ascii_lowercase())),
        Some(_) => return None,
        None => None,
    };
    let phone = match optional(c.phone, max::PHONE).ok()? {
        Some(p) => Some(Pii::new(normalize_phone(&p)?)),
        None => None,
    };
    let locale = optional(c.locale, max::LOCALE).ok()?;
    if locale.as_deref().is_some_and(|l| !locale_ok(l)) {
        return None;
    }
    let timezone = optional(c.timezone, max::TIMEZONE).ok()?;
    if timezone.as_deref().is_some_and(|t| !timezone_ok(t)) {
        return None;
    }
    let mut consent = Consent::default();
    for (k, v) in c.consent.unwrap_or_default() {
        match k.as_ref() {
            "sms" => consent.sms = Some(v),
            "email" => consent.email = Some(v),
            "whatsapp" => consent.whatsapp = Some(v),
            _ => return None,
        }
    }
    let consent_version = optional(c.consent_version, max::CONSENT_VERSION).ok()?;
    if c.orders_count.is_some_and(|n| n > super::MAX_ORDERS_COUNT) {
        return None;
    }
    let orders_count = c.orders_count;
    Some(Customer { id, first_name, email, phone, locale, timezone, consent, consent_version, orders_count })
}

fn cart(c: CartIn<'_>, store: &StoreConfig) -> Option<CartSnapshot> {
    if !within(&c.currency, 3) {
        return None;
    }
    let currency = Currency::parse(&c.currency).ok()?;
    let checkout_url = store.checked_url(&text(c.checkout_url, max::URL)?)?;
    if c.items.len() > MAX_ITEMS {
        return None;
    }
    let mut items = Vec::with_capacity(c.items.len());
    for Obj(it) in c.items {
        items.push(Item {
            sku: text(it.sku, max::ID)?,
            name: text(it.name, max::ITEM_NAME)?,
            quantity: quantity_ok(it.quantity)?,
            unit_price_minor: currency.parse_amount(&it.unit_price).ok()?,
            url: optional(it.url, max::URL).ok()?,
            image_url: optional(it.image_url, max::URL).ok()?,
        });
    }
    Some(CartSnapshot { currency, checkout_url, items })
}

fn order(o: OrderIn<'_>) -> Option<OrderInfo> {
    let order_id = text(o.order_id, max::ID)?;
    if !within(&o.currency, 3) {
        return None;
    }
    let currency = Currency::parse(&o.currency).ok()?;
    let minor = currency.parse_amount(&o.total).ok()?;
    Some(OrderInfo { order_id, total: Money { minor, currency } })
}

#[cfg(test)]
mod tests {
    use super::super::parse_reporting;
    use super::*;
    use crate::config::demo_config;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn base(kind: &str) -> Value {
        json!({
            "event_id": "evt_1", "type": kind, "occurred_at": "2026-11-23T10:00:00+03:00", "cart_id": "c_1",
            "customer": {"id": "u1", "first_name": "Ayşe", "email": "Ayse@Example.com", "phone": "+905321234567",
                         "locale": "tr-TR", "timezone": "Europe/Istanbul",
                         "consent": {"sms": true, "email": false, "whatsapp": true}},
            "cart": {"currency": "TRY", "checkout_url": "https://shop.example/checkouts/c_1",
                     "items": [{"sku": "A", "name": "Wool \"sweater\"", "quantity": 2, "unit_price": "349.90",
                                "url": "https://shop.example/a", "image_url": "https://shop.example/a.jpg"},
                               {"sku": "B", "name": "Socks", "quantity": 1, "unit_price": "50"}]},
            "order": {"order_id": "o1", "total": "749.80", "currency": "TRY"}
        })
    }

    const PATHS: &[&[&str]] = &[
        &["event_id"],
        &["type"],
        &["occurred_at"],
        &["cart_id"],
        &["customer"],
        &["customer", "email"],
        &["customer", "phone"],
        &["customer", "first_name"],
        &["customer", "id"],
        &["customer", "locale"],
        &["customer", "timezone"],
        &["customer", "consent"],
        &["customer", "consent", "sms"],
        &["cart"],
        &["cart", "currency"],
        &["cart", "checkout_url"],
        &["cart", "items"],
        &["cart", "items", "0"],
        &["cart", "items", "0", "quantity"],
        &["cart", "items", "0", "unit_price"],
        &["cart", "items", "1", "sku"],
        &["cart", "items", "0", "url"],
        &["order"],
        &["order", "total"],
        &["order", "currency"],
        &["order", "order_id"],
        &["extra"],
    ];

    fn values() -> Vec<Value> {
        vec![
            Value::Null,
            json!(true),
            json!(3),
            json!(2.5),
            json!(-1),
            json!(0),
            json!(10_001),
            json!(1e2),
            json!(""),
            json!("x"),
            json!("é".repeat(129)),
            json!("a".repeat(3000)),
            json!([]),
            json!({}),
            json!(["a"]),
            json!("+4791234567"),
            json!("+4700000000"),
            json!("+47 912 34 567"),
            json!("a@b.co"),
            json!("a@b"),
            json!("UTC"),
            json!("Mars/Base"),
            json!("EUR"),
            json!("XYZ"),
            json!("eu"),
            json!("12.34"),
            json!("1.234"),
            json!("https://evil.example/x"),
            json!("order.completed"),
            json!("cart.updated"),
            json!("cart.cleared"),
            json!("2026-11-23T10:00:00Z"),
            json!("2026-11-23 10:00"),
            json!({"sms": true}),
            json!({"fax": true}),
            json!({"sms": null}),
            json!("nb_NO"),
            json!("tr TR"),
            json!(["evt", "cart.updated", "2026-11-23T10:00:00Z", "c"]),
        ]
    }

    fn set(v: &mut Value, path: &[&str], to: Option<Value>) {
        let (last, parents) = path.split_last().expect("non-empty path");
        let mut cur = v;
        for p in parents {
            cur = match (cur, p.parse::<usize>()) {
                (Value::Array(a), Ok(i)) if i < a.len() => &mut a[i],
                (Value::Object(o), _) if o.contains_key(*p) => &mut o[*p],
                _ => return,
            };
        }
        match (cur, last.parse::<usize>(), to) {
            (Value::Array(a), Ok(i), Some(x)) if i < a.len() => a[i] = x,
            (Value::Array(a), Ok(i), None) if i < a.len() => {
                a.remove(i);
            }
            (Value::Object(o), _, Some(x)) => {
                o.insert(last.to_string(), x);
            }
            (Value::Object(o), _, None) => {
                o.remove(*last);
            }
            _ => {}
        }
    }

    const KINDS: &[&str] = &["cart.updated", "checkout.started", "contact.captured", "order.completed", "cart.cleared"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// Whatever the body, the fast path either declines or agrees with the reporting walk.
        #[test]
        fn fast_path_agrees_with_the_walk(
            kind in 0usize..KINDS.len(),
            edits in proptest::collection::vec((0usize..PATHS.len(), 0usize..60), 0..4),
            drop_order in any::<bool>(),
        ) {
            let cfg = demo_config();
            let store = cfg.store("demo").expect("demo store");
            let mut v = base(KINDS[kind]);
            if drop_order {
                set(&mut v, &["order"], None);
            }
            let pool = values();
            for (p, x) in edits {
                // Indexes past the pool remove the field instead.
                set(&mut v, PATHS[p], pool.get(x).cloned());
            }
            let body = serde_json::to_vec(&v).expect("serializes");
            let walk = parse_reporting(&body, store);
            match parse(&body, store) {
                Some(ev) => prop_assert_eq!(Ok(ev), walk),
                None => prop_assert!(walk.is_err() || body.is_empty(), "fast path declined a valid event: {}", v),
            }
        }
    }

    fn check(v: &Value) -> bool {
        let cfg = demo_config();
        let store = cfg.store("demo").expect("demo store");
        let body = serde_json::to_vec(v).expect("serializes");
        let walk = parse_reporting(&body, store);
        match parse(&body, store) {
            Some(ev) => Ok(ev) == walk,
            None => walk.is_err(),
        }
    }

    /// Every single edit (each field set to each value, or removed) of every kind of event.
    #[test]
    fn every_single_edit_agrees() {
        let pool = values();
        for kind in KINDS {
            for path in PATHS {
                for x in 0..=pool.len() {
                    let mut v = base(kind);
                    set(&mut v, path, pool.get(x).cloned());
                    assert!(check(&v), "fast path and walk disagree on {v}");
                }
            }
        }
    }

    #[test]
    fn valid_events_take_the_fast_path_and_match() {
        let cfg = demo_config();
        let store = cfg.store("demo").expect("demo store");
        for kind in KINDS {
            let body = serde_json::to_vec(&base(kind)).expect("serializes");
            let fast = parse(&body, store);
            assert!(fast.is_some(), "{kind} declined");
            assert_eq!(fast.map(Ok), Some(parse_reporting(&body, store)));
        }
    }

    #[test]
    fn arrays_and_duplicates_go_to_the_walk() {
        let cfg = demo_config();
        let store = cfg.store("demo").expect("demo store");
        let arr = br#"["e","cart.cleared","2026-11-23T10:00:00Z","c"]"#;
        assert!(parse(arr, store).is_none());
        assert!(parse_reporting(arr, store).is_err());
        let dup = br#"{"event_id":"a","event_id":"b","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c"}"#;
        assert!(parse(dup, store).is_none());
        assert_eq!(parse_reporting(dup, store).map(|e| e.event_id), Ok("b".to_string()));
    }
}
