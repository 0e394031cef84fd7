//! The native event contract (`POST /v1/events`): parsing and validation.
//!
//! Validation walks the JSON by hand so that every bad field is reported at once, each with a
//! stable code, instead of stopping at the first as a derived deserializer would.

use crate::config::StoreConfig;
use crate::domain::{Consent, Customer, Item};
use crate::money::{Currency, Money, MoneyError};
use crate::pii::Pii;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

pub const MAX_BODY_BYTES: usize = 64 * 1024;
pub const MAX_ITEMS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    CartUpdated,
    CheckoutStarted,
    ContactCaptured,
    OrderCompleted,
    CartCleared,
}

impl EventKind {
    pub fn parse(s: &str) -> Option<EventKind> {
        Some(match s {
            "cart.updated" => EventKind::CartUpdated,
            "checkout.started" => EventKind::CheckoutStarted,
            "contact.captured" => EventKind::ContactCaptured,
            "order.completed" => EventKind::OrderCompleted,
            "cart.cleared" => EventKind::CartCleared,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            EventKind::CartUpdated => "cart.updated",
            EventKind::CheckoutStarted => "checkout.started",
            EventKind::ContactCaptured => "contact.captured",
            EventKind::OrderCompleted => "order.completed",
            EventKind::CartCleared => "cart.cleared",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CartSnapshot {
    pub currency: Currency,
    pub checkout_url: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderInfo {
    pub order_id: String,
    pub total: Money,
}

/// A validated event.
#[derive(Debug, Clone, PartialEq)]
pub struct CartEvent {
    pub event_id: String,
    pub kind: EventKind,
    pub occurred_at: Timestamp,
    pub cart_id: String,
    pub customer: Option<Customer>,
    pub cart: Option<CartSnapshot>,
    pub order: Option<OrderInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// Not JSON at all.
    Malformed(String),
    /// JSON, but fields are missing or wrong; every one is listed.
    Invalid(Vec<FieldError>),
}

struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), code, message: message.into() });
    }

    /// A required string of 1..=max characters.
    fn string(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
        max: usize,
        required: bool,
    ) -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.add(path, "missing_field", format!("`{path}` is required"));
                }
                None
            }
            Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= max => Some(s.clone()),
            Some(Value::String(_)) => {
                self.add(path, "invalid_field", format!("`{path}` must be 1 to {max} characters"));
                None
            }
            Some(_) => {
                self.add(path, "invalid_field", format!("`{path}` must be a string"));
                None
            }
        }
    }
}

pub fn parse_event(body: &[u8], store: &StoreConfig) -> Result<CartEvent, EventError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| EventError::Malformed(e.to_string()))?;
    let Value::Object(obj) = value else {
        return Err(EventError::Invalid(vec![FieldError {
            field: "".into(),
            code: "invalid_body",
            message: "the body must be a JSON object".into(),
        }]));
    };
    let mut e = Errors(Vec::new());
    let event_id = e.string(&obj, "event_id", "event_id", 128, true);
    let cart_id = e.string(&obj, "cart_id", "cart_id", 128, true);
    let kind = match e.string(&obj, "type", "type", 64, true) {
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
        e.string(&obj, "occurred_at", "occurred_at", 64, true).and_then(|s| match s.parse::<Timestamp>() {
            Ok(t) => Some(t),
            Err(_) => {
                e.add("occurred_at", "invalid_timestamp", format!("`{s}` is not an RFC 3339 timestamp with an offset"));
                None
            }
        });
    let customer = match obj.get("customer") {
        None | Some(Value::Null) => None,
        Some(Value::Object(c)) => Some(customer(c, &mut e)),
        Some(_) => {
            e.add("customer", "invalid_field", "`customer` must be an object");
            None
        }
    };
    let needs_cart = matches!(kind, Some(EventKind::CartUpdated | EventKind::CheckoutStarted));
    let cart = match obj.get("cart") {
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
    let order = match obj.get("order") {
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

fn customer(c: &Map<String, Value>, e: &mut Errors) -> Customer {
    let id = e.string(c, "id", "customer.id", 128, false);
    let first_name = e.string(c, "first_name", "customer.first_name", 100, false);
    let email = e.string(c, "email", "customer.email", 254, false).and_then(|m| {
        let ok = m
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
            && !m.chars().any(char::is_whitespace);
        if ok {
            Some(Pii::new(m.to_ascii_lowercase()))
        } else {
            e.add("customer.email", "invalid_email", "`customer.email` is not an e-mail address");
            None
        }
    });
    let phone = e.string(c, "phone", "customer.phone", 32, false).and_then(|p| match normalize_phone(&p) {
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
    let locale = e.string(c, "locale", "customer.locale", 35, false).and_then(|l| {
        if l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            Some(l)
        } else {
            e.add("customer.locale", "invalid_field", "`customer.locale` must be a language tag like tr-TR");
            None
        }
    });
    let timezone = e.string(c, "timezone", "customer.timezone", 64, false).and_then(|t| {
        if jiff::tz::TimeZone::get(&t).is_ok() {
            Some(t)
        } else {
            e.add("customer.timezone", "invalid_timezone", format!("`{t}` is not an IANA time zone"));
            None
        }
    });
    let mut consent = Consent::default();
    match c.get("consent") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let slot = match k.as_str() {
                    "sms" => &mut consent.sms,
                    "email" => &mut consent.email,
                    "whatsapp" => &mut consent.whatsapp,
                    _ => {
                        e.add(
                            format!("customer.consent.{k}"),
                            "invalid_field",
                            "consent channels are sms, email and whatsapp",
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
    Customer { id, first_name, email, phone, locale, timezone, consent }
}

pub use crate::phone::normalize_phone;

fn money(e: &mut Errors, v: Option<&Value>, path: &str, currency: Option<Currency>) -> Option<i64> {
    match v {
        None | Some(Value::Null) => {
            e.add(path, "missing_field", format!("`{path}` is required"));
            None
        }
        Some(Value::String(s)) => {
            let c = currency?;
            match c.parse_amount(s) {
                Ok(m) => Some(m),
                Err(err @ MoneyError::TooManyDecimals { .. }) => {
                    e.add(path, "invalid_amount", err.to_string());
                    None
                }
                Err(err) => {
                    e.add(path, "invalid_amount", err.to_string());
                    None
                }
            }
        }
        Some(_) => {
            e.add(path, "invalid_amount", format!("`{path}` must be a decimal string like \"349.90\""));
            None
        }
    }
}

fn currency(e: &mut Errors, obj: &Map<String, Value>, path: &str) -> Option<Currency> {
    let s = e.string(obj, "currency", path, 3, true)?;
    match Currency::parse(&s) {
        Ok(c) => Some(c),
        Err(err) => {
            e.add(path, "invalid_currency", err.to_string());
            None
        }
    }
}

fn cart(c: &Map<String, Value>, store: &StoreConfig, e: &mut Errors) -> Option<CartSnapshot> {
    let cur = currency(e, c, "cart.currency");
    let checkout_url = e.string(c, "checkout_url", "cart.checkout_url", 2048, true).and_then(|u| {
        if store.allows_url(&u) {
            Some(u)
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
    let items = match c.get("items") {
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
            for (i, v) in list.iter().enumerate() {
                let at = format!("cart.items[{i}]");
                let Value::Object(it) = v else {
                    e.add(at, "invalid_field", "each item must be an object");
                    continue;
                };
                let sku = e.string(it, "sku", &format!("{at}.sku"), 128, true);
                let name = e.string(it, "name", &format!("{at}.name"), 200, true);
                let quantity = match it.get("quantity") {
                    Some(Value::Number(n)) => match n.as_u64() {
                        Some(q) if (1..=10_000).contains(&q) => u32::try_from(q).ok(),
                        _ => {
                            e.add(
                                format!("{at}.quantity"),
                                "invalid_field",
                                "quantity must be a whole number from 1 to 10000",
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
                            "quantity must be a whole number from 1 to 10000",
                        );
                        None
                    }
                };
                let price = money(e, it.get("unit_price"), &format!("{at}.unit_price"), cur);
                let url = e.string(it, "url", &format!("{at}.url"), 2048, false);
                let image_url = e.string(it, "image_url", &format!("{at}.image_url"), 2048, false);
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

fn order(o: &Map<String, Value>, e: &mut Errors) -> Option<OrderInfo> {
    let order_id = e.string(o, "order_id", "order.order_id", 128, true);
    let cur = currency(e, o, "order.currency");
    let total = money(e, o.get("total"), "order.total", cur);
    Some(OrderInfo { order_id: order_id?, total: Money { minor: total?, currency: cur? } })
}
