//! The contract as it was read before the one parser: a field-by-field walk over a
//! `serde_json::Value` tree. Kept only in the tests, as the reference the one parser
//! (`contract.rs` over `contract/shapes.rs`) must answer exactly like — the event, or every
//! error with its code, message and order — on every single edit of every kind of event and on
//! generated ones.

use super::limits as max;
use super::{
    CartEvent, CartSnapshot, EventError, EventKind, FieldError, MAX_ITEMS, MAX_ORDERS_COUNT, OrderInfo, email_ok,
    locale_ok, normalize_phone, quantity_ok, timezone_ok, within,
};
use crate::config::StoreConfig;
use crate::domain::money::{Currency, Money};
use crate::domain::pii::Pii;
use crate::domain::{Consent, Customer, Item};
use jiff::Timestamp;
use serde_json::{Map, Value};

struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), code, message: message.into() });
    }

    /// A string of 1..=max characters at `{prefix}{key}`, taken out of the object. The path is
    /// only spelled out for an error: the happy path allocates nothing but the value.
    fn string(
        &mut self,
        obj: &mut Map<String, Value>,
        prefix: &str,
        key: &str,
        max: usize,
        required: bool,
    ) -> Option<String> {
        let path = || format!("{prefix}{key}");
        match obj.remove(key) {
            None | Some(Value::Null) => {
                if required {
                    let p = path();
                    self.add(p.clone(), "missing_field", format!("`{p}` is required"));
                }
                None
            }
            Some(Value::String(s)) if within(&s, max) => Some(s),
            Some(Value::String(_)) => {
                let p = path();
                self.add(
                    p.clone(),
                    "invalid_field",
                    format!("`{p}` must be 1 to {max} characters, none of them control or direction characters"),
                );
                None
            }
            Some(_) => {
                let p = path();
                self.add(p.clone(), "invalid_field", format!("`{p}` must be a string"));
                None
            }
        }
    }
}

/// The field-by-field walk over the JSON value: every problem found, each with a stable code.
pub(super) fn parse_reporting(body: &[u8], store: &StoreConfig) -> Result<CartEvent, EventError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| EventError::Malformed(e.to_string()))?;
    let Value::Object(mut obj) = value else {
        return Err(EventError::Invalid(vec![FieldError {
            field: "".into(),
            code: "invalid_body",
            message: "the body must be a JSON object".into(),
        }]));
    };
    let mut e = Errors(Vec::new());
    let event_id = e.string(&mut obj, "", "event_id", max::ID, true);
    let cart_id = e.string(&mut obj, "", "cart_id", max::ID, true);
    let kind = match e.string(&mut obj, "", "type", max::KIND, true) {
        Some(t) => {
            let k = EventKind::parse(&t);
            if k.is_none() {
                e.add(
                    "type",
                    "unknown_event_type",
                    format!("`{t}` is not one of cart.updated, checkout.started, contact.captured, order.completed, cart.cleared"),
                );
            }
            k
        }
        None => None,
    };
    let occurred_at =
        e.string(&mut obj, "", "occurred_at", max::TIMESTAMP, true).and_then(|s| match s.parse::<Timestamp>() {
            Ok(t) => Some(t),
            Err(_) => {
                e.add("occurred_at", "invalid_timestamp", format!("`{s}` is not an RFC 3339 timestamp with an offset"));
                None
            }
        });
    let customer = match obj.get_mut("customer") {
        None | Some(Value::Null) => None,
        Some(Value::Object(c)) => Some(customer(c, &mut e)),
        Some(_) => {
            e.add("customer", "invalid_field", "`customer` must be an object");
            None
        }
    };
    let needs_cart = matches!(kind, Some(EventKind::CartUpdated | EventKind::CheckoutStarted));
    let cart = match obj.get_mut("cart") {
        None | Some(Value::Null) => {
            if needs_cart {
                e.add("cart", "missing_field", "`cart` is required for cart.updated and checkout.started");
            }
            None
        }
        Some(Value::Object(c)) => cart(c, store, &mut e),
        Some(_) => {
            e.add("cart", "invalid_field", "`cart` must be an object");
            None
        }
    };
    let order = match obj.get_mut("order") {
        None | Some(Value::Null) => {
            if kind == Some(EventKind::OrderCompleted) {
                e.add("order", "missing_field", "`order` is required for order.completed");
            }
            None
        }
        Some(Value::Object(o)) => order(o, &mut e),
        Some(_) => {
            e.add("order", "invalid_field", "`order` must be an object");
            None
        }
    };
    if !e.0.is_empty() {
        return Err(EventError::Invalid(e.0));
    }
    match (event_id, kind, occurred_at, cart_id) {
        (Some(event_id), Some(kind), Some(occurred_at), Some(cart_id)) => {
            Ok(CartEvent { event_id, kind, occurred_at, cart_id, customer, cart, order })
        }
        // Unreachable in practice: every None above recorded an error.
        _ => Err(EventError::Invalid(vec![FieldError {
            field: "".into(),
            code: "invalid_body",
            message: "required fields are missing".into(),
        }])),
    }
}

fn customer(c: &mut Map<String, Value>, e: &mut Errors) -> Customer {
    let id = e.string(c, "customer.", "id", max::ID, false);
    let first_name = e.string(c, "customer.", "first_name", max::FIRST_NAME, false);
    let email = e.string(c, "customer.", "email", max::EMAIL, false).and_then(|m| {
        if email_ok(&m) {
            Some(Pii::new(m.to_ascii_lowercase()))
        } else {
            e.add("customer.email", "invalid_email", "`customer.email` is not an e-mail address");
            None
        }
    });
    let phone = e.string(c, "customer.", "phone", max::PHONE, false).and_then(|p| match normalize_phone(&p) {
        Some(n) => Some(Pii::new(n)),
        None => {
            e.add(
                "customer.phone",
                "invalid_phone",
                "`customer.phone` is not a valid phone number in E.164 form (+ and country code)",
            );
            None
        }
    });
    let locale = e.string(c, "customer.", "locale", max::LOCALE, false).and_then(|l| {
        if locale_ok(&l) {
            Some(l)
        } else {
            e.add("customer.locale", "invalid_field", "`customer.locale` must be a language tag like tr-TR");
            None
        }
    });
    let timezone = e.string(c, "customer.", "timezone", max::TIMEZONE, false).and_then(|t| {
        if timezone_ok(&t) {
            Some(t)
        } else {
            e.add("customer.timezone", "invalid_timezone", format!("`{t}` is not an IANA time zone"));
            None
        }
    });
    let consent_version = e.string(c, "customer.", "consent_version", max::CONSENT_VERSION, false);
    let orders_count = match c.get("orders_count") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n <= u64::from(MAX_ORDERS_COUNT)) => {
            n.as_u64().and_then(|n| u32::try_from(n).ok())
        }
        Some(_) => {
            e.add(
                "customer.orders_count",
                "invalid_field",
                format!("`customer.orders_count` must be a whole number from 0 to {}", max::MAX_ORDERS_COUNT),
            );
            None
        }
    };
    let mut consent = Consent::default();
    match c.get("consent") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let slot = match k.as_str() {
                    "sms" => &mut consent.sms,
                    "email" => &mut consent.email,
                    "whatsapp" => &mut consent.whatsapp,
                    "webpush" => &mut consent.webpush,
                    _ => {
                        e.add(
                            format!("customer.consent.{k}"),
                            "invalid_field",
                            "consent channels are sms, email, whatsapp and webpush",
                        );
                        continue;
                    }
                };
                match v {
                    Value::Bool(b) => *slot = Some(*b),
                    _ => e.add(format!("customer.consent.{k}"), "invalid_field", "consent must be true or false"),
                }
            }
        }
        Some(_) => e.add("customer.consent", "invalid_field", "`customer.consent` must be an object"),
    }
    let push = match c.get_mut("push_subscription") {
        None | Some(Value::Null) => None,
        Some(Value::Object(s)) => {
            let key = |name: &str| {
                s.get("keys").and_then(|k| k.get(name)).and_then(Value::as_str).unwrap_or_default().to_string()
            };
            let (p256dh, auth) = (key("p256dh"), key("auth"));
            e.string(s, "customer.push_subscription.", "endpoint", max::URL, true).and_then(|endpoint| {
                match crate::outbound::push_subscription::normalized(&endpoint, &p256dh, &auth) {
                    Ok(kept) => Some(Pii::new(kept)),
                    Err(part) => {
                        let why = match part {
                            "endpoint" => "must be the push service's https URL",
                            "keys.p256dh" => "must be the browser's P-256 public key (65 bytes, base64url)",
                            _ => "must be the browser's 16-byte auth secret (base64url)",
                        };
                        e.add(
                            format!("customer.push_subscription.{part}"),
                            "invalid_field",
                            format!("`customer.push_subscription.{part}` {why}"),
                        );
                        None
                    }
                }
            })
        }
        Some(_) => {
            e.add("customer.push_subscription", "invalid_field", "`customer.push_subscription` must be an object");
            None
        }
    };
    Customer {
        id,
        first_name,
        email,
        phone,
        locale,
        timezone,
        consent,
        consent_version,
        orders_count,
        push,
        phone_country: None,
    }
}

fn money(e: &mut Errors, v: Option<&Value>, at: &str, key: &str, currency: Option<Currency>) -> Option<i64> {
    let path = || format!("{at}{key}");
    match v {
        None | Some(Value::Null) => {
            let p = path();
            e.add(p.clone(), "missing_field", format!("`{p}` is required"));
            None
        }
        Some(Value::String(s)) => match currency?.parse_amount(s) {
            Ok(m) => Some(m),
            Err(err) => {
                e.add(path(), "invalid_amount", err.to_string());
                None
            }
        },
        Some(_) => {
            let p = path();
            e.add(p.clone(), "invalid_amount", format!("`{p}` must be a decimal string like \"349.90\""));
            None
        }
    }
}

fn currency(e: &mut Errors, obj: &mut Map<String, Value>, prefix: &str) -> Option<Currency> {
    let s = e.string(obj, prefix, "currency", 3, true)?;
    match Currency::parse(&s) {
        Ok(c) => Some(c),
        Err(err) => {
            e.add(format!("{prefix}currency"), "invalid_currency", err.to_string());
            None
        }
    }
}

fn cart(c: &mut Map<String, Value>, store: &StoreConfig, e: &mut Errors) -> Option<CartSnapshot> {
    let cur = currency(e, c, "cart.");
    let checkout_url = e.string(c, "cart.", "checkout_url", max::URL, true).and_then(|u| {
        if let Some(checked) = store.checked_url(&u) {
            Some(checked)
        } else {
            e.add(
                "cart.checkout_url",
                "checkout_url_not_allowed",
                format!(
                    "`cart.checkout_url` must be an http(s) URL on one of the store's allowed domains ({})",
                    store.allowed_domains.join(", ")
                ),
            );
            None
        }
    });
    let items = match c.get_mut("items") {
        Some(Value::Array(list)) if list.len() > MAX_ITEMS => {
            e.add(
                "cart.items",
                "too_many_items",
                format!("a cart holds at most {MAX_ITEMS} items; this one has {}", list.len()),
            );
            None
        }
        Some(Value::Array(list)) => {
            let mut items = Vec::with_capacity(list.len());
            for (i, v) in list.iter_mut().enumerate() {
                let prefix = format!("cart.items[{i}].");
                let at = &prefix[..prefix.len() - 1];
                let Value::Object(it) = v else {
                    e.add(at, "invalid_field", "each item must be an object");
                    continue;
                };
                let sku = e.string(it, &prefix, "sku", max::ID, true);
                let name = e.string(it, &prefix, "name", max::ITEM_NAME, true);
                let quantity = match it.get("quantity") {
                    Some(Value::Number(n)) => match n.as_u64().and_then(quantity_ok) {
                        Some(q) => Some(q),
                        None => {
                            e.add(
                                format!("{at}.quantity"),
                                "invalid_field",
                                format!("quantity must be a whole number from 1 to {}", max::MAX_QUANTITY),
                            );
                            None
                        }
                    },
                    None => {
                        e.add(format!("{at}.quantity"), "missing_field", format!("`{at}.quantity` is required"));
                        None
                    }
                    Some(_) => {
                        e.add(
                            format!("{at}.quantity"),
                            "invalid_field",
                            format!("quantity must be a whole number from 1 to {}", max::MAX_QUANTITY),
                        );
                        None
                    }
                };
                let price = money(e, it.get("unit_price"), at, ".unit_price", cur);
                let url = e.string(it, &prefix, "url", max::URL, false);
                let image_url = e.string(it, &prefix, "image_url", max::URL, false);
                if let (Some(sku), Some(name), Some(quantity), Some(unit_price_minor)) = (sku, name, quantity, price) {
                    items.push(Item { sku, name, quantity, unit_price_minor, url, image_url });
                }
            }
            Some(items)
        }
        None | Some(Value::Null) => {
            e.add("cart.items", "missing_field", "`cart.items` is required (an empty list empties the cart)");
            None
        }
        Some(_) => {
            e.add("cart.items", "invalid_field", "`cart.items` must be a list");
            None
        }
    };
    Some(CartSnapshot { currency: cur?, checkout_url: checkout_url?, items: items? })
}

fn order(o: &mut Map<String, Value>, e: &mut Errors) -> Option<OrderInfo> {
    let order_id = e.string(o, "order.", "order_id", max::ID, true);
    let cur = currency(e, o, "order.");
    let total = money(e, o.get("total"), "order", ".total", cur);
    Some(OrderInfo { order_id: order_id?, total: Money { minor: total?, currency: cur? } })
}

#[cfg(test)]
mod tests {
    use super::super::parse_event as parse;
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
        /// Whatever the body, the parser answers exactly as the reference walk: the same event,
        /// or the same errors in the same order.
        #[test]
        fn the_parser_agrees_with_the_walk(
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
            prop_assert_eq!(parse(&body, store), parse_reporting(&body, store), "{}", v);
        }
    }

    fn check(v: &Value) -> bool {
        let cfg = demo_config();
        let store = cfg.store("demo").expect("demo store");
        let body = serde_json::to_vec(v).expect("serializes");
        parse(&body, store) == parse_reporting(&body, store)
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
                    assert!(check(&v), "the parser and the walk disagree on {v}");
                }
            }
        }
    }

    #[test]
    fn valid_events_parse_and_match() {
        let cfg = demo_config();
        let store = cfg.store("demo").expect("demo store");
        for kind in KINDS {
            let body = serde_json::to_vec(&base(kind)).expect("serializes");
            let parsed = parse(&body, store);
            assert!(parsed.is_ok(), "{kind}: {parsed:?}");
            assert_eq!(parsed, parse_reporting(&body, store));
        }
    }

    /// What a map-based reading does with the shapes a derived deserializer treats apart: an
    /// array in an object's place, a repeated key (the last wins, at every level), escaped
    /// keys and values, a `null` quantity (invalid, not missing), bytes that are not JSON (the
    /// same message from the same parser).
    #[test]
    fn edge_shapes_agree() {
        let cfg = demo_config();
        let store = cfg.store("demo").expect("demo store");
        let bodies: &[&[u8]] = &[
            br#"["e","cart.cleared","2026-11-23T10:00:00Z","c"]"#,
            br#"{"event_id":"a","event_id":"b","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c"}"#,
            br#"{"event_id":"a","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c","customer":{"email":"x@y.zz","email":"bad"}}"#,
            br#"{"event_id":"a","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c","customer":"x","customer":{"id":"u"}}"#,
            br#"{"event_id":"a","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c","customer":{"consent":{"sms":true,"sms":null,"fax":1,"email":false}}}"#,
            br#"{"ev\u0065nt_id":"\u0061\n","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c\u00e7"}"#,
            br#"{"event_id":"a","type":"cart.updated","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c","cart":{"currency":"EUR","checkout_url":"https://shop.example/c","items":[{"sku":"A","name":"n","quantity":null,"unit_price":"1"},{"sku":"B","name":"n","unit_price":"1"},7,{"sku":"C","name":"n","quantity":1.0,"unit_price":1}]}}"#,
            br#"{"event_id":"a","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c","customer":{"orders_count":-1}}"#,
            br#"{"event_id":"a","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c","customer":{"orders_count":18446744073709551616}}"#,
            br#"{"event_id":"a","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c","extra":{"deep":[[[{"x":[1,2,{"y":null}]}]]]}}"#,
            br#"{"event_id":"a","#,
            br#"{"event_id":"a"} x"#,
            br#"{"event_id":"\ud800"}"#,
            br#"{"event_id":1e999}"#,
            b"",
            b"null",
            b"\"text\"",
        ];
        for body in bodies {
            assert_eq!(parse(body, store), parse_reporting(body, store), "{}", String::from_utf8_lossy(body));
        }
        // Values the contract does not read are decoded as a `Value` would be, so what only a
        // decoded value reveals (nesting past 128 levels, a number too large for a float, a
        // lone surrogate) makes the body malformed here too, with the same message.
        let skipped: &[&[u8]] = &[
            br#"{"event_id":"a","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c","x":"\ud800"}"#,
            br#"{"event_id":"a","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":"c","x":1e999}"#,
            b"{\"event_id\":\"a\",\"type\":\"cart.cleared\",\"occurred_at\":\"2026-11-23T10:00:00Z\",\"cart_id\":\"c\",\"x\":\"\xff\"}",
            br#"{"event_id":"a","type":"cart.cleared","occurred_at":"2026-11-23T10:00:00Z","cart_id":["\ud800",1e999]}"#,
        ];
        for body in skipped {
            assert_eq!(parse(body, store), parse_reporting(body, store), "{}", String::from_utf8_lossy(body));
        }
        // A body of nothing but brackets, as large as the API takes.
        let n = (super::super::MAX_BODY_BYTES - 16) / 2;
        let deep = format!("{{\"x\":{}1{}}}", "[".repeat(n), "]".repeat(n));
        assert!(matches!(parse_reporting(deep.as_bytes(), store), Err(EventError::Malformed(_))));
        assert_eq!(parse(deep.as_bytes(), store), parse_reporting(deep.as_bytes(), store));
        let top = format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(parse(top.as_bytes(), store), parse_reporting(top.as_bytes(), store));
    }
}
