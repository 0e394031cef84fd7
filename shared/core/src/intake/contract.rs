//! The native event contract (`POST /v1/events`): parsing and validation.
//!
//! Validation walks the JSON by hand so that every bad field is reported at once, each with a
//! stable code, instead of stopping at the first as a derived deserializer would.

use crate::config::StoreConfig;
use crate::domain::money::{Currency, Money};
use crate::domain::pii::Pii;
use crate::domain::{Consent, Customer, Item};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

pub mod limits;

use limits as max;
pub use limits::{MAX_BODY_BYTES, MAX_ITEMS, MAX_ORDERS_COUNT};

pub use crate::domain::cart_event::{CartEvent, CartSnapshot, EventKind, OrderInfo};

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

mod fast;

// The field checks, shared by the typed fast path (`fast.rs`) and the error-reporting walk.

/// 1 to `max` characters (not bytes).
fn within(s: &str, max: usize) -> bool {
    !s.is_empty() && (s.len() <= max || s.chars().count() <= max) && !s.chars().any(crate::domain::pii::unprintable)
}

/// One mailbox, `local@domain`, as RFC 5321/5322 allow it unquoted (with RFC 6531's Unicode
/// letters): a dot-atom local part of at most 64 characters and a domain of at least two
/// labels (letters, digits, inner hyphens; at most 63 each, 253 in all). Commas, angle
/// brackets, quotes, spaces and control characters never pass: an address is put into the
/// `To` header, and a comma or a `<` there would add recipients.
pub(crate) fn email_ok(m: &str) -> bool {
    let Some((local, domain)) = m.rsplit_once('@') else { return false };
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let local_ok = local.chars().count() <= 64 && local.split('.').all(|p| !p.is_empty() && p.chars().all(atext));
    let label_ok = |l: &str| {
        (1..=63).contains(&l.chars().count())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    local_ok && domain.len() <= 253 && domain.split('.').count() >= 2 && domain.split('.').all(label_ok)
}

fn locale_ok(l: &str) -> bool {
    l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn timezone_ok(t: &str) -> bool {
    jiff::tz::TimeZone::get(t).is_ok()
}

fn quantity_ok(q: u64) -> Option<u32> {
    if (1..=max::MAX_QUANTITY).contains(&q) { u32::try_from(q).ok() } else { None }
}

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

/// Parses and validates an event. A well-formed, valid event takes the typed fast path; anything
/// else goes through the walk that names every bad field.
pub fn parse_event(body: &[u8], store: &StoreConfig) -> Result<CartEvent, EventError> {
    match fast::parse(body, store) {
        Some(ev) => Ok(ev),
        None => parse_reporting(body, store),
    }
}

/// The field-by-field walk over the JSON value: every problem found, each with a stable code.
pub fn parse_reporting(body: &[u8], store: &StoreConfig) -> Result<CartEvent, EventError> {
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
    Customer { id, first_name, email, phone, locale, timezone, consent, consent_version, orders_count }
}

pub use crate::domain::phone::normalize_phone;

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
    use super::email_ok;

    #[test]
    fn an_email_is_one_mailbox_and_nothing_a_header_could_split() {
        for ok in ["a@example.com", "first.last+tag@sub.example.co", "ayşe@örnek.com.tr", "o'neil@example.ie"] {
            assert!(email_ok(ok), "{ok}");
        }
        for bad in [
            "a@b.co, victim@example.com",
            "Name <a@example.com>",
            "a\u{0}@example.com",
            "a@exam\u{0}ple.com",
            "\"quoted\"@example.com",
            "a b@example.com",
            "a@example",
            "a@-example.com",
            "a@example..com",
            ".a@example.com",
            "a..b@example.com",
            "a@b@example.com",
            "a@example.com\r\nBcc: x@evil.example",
            "@example.com",
            "a@",
        ] {
            assert!(!email_ok(bad), "{bad:?}");
        }
        assert!(!email_ok(&format!("{}@example.com", "a".repeat(65))));
    }
}
