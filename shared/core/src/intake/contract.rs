//! The native event contract (`POST /v1/events`): parsing and validation.
//!
//! One parser: the body is read once into borrowed, lenient shapes (`contract/shapes.rs`), and
//! the checks below walk them so that every bad field is reported at once, each with a stable
//! code, instead of stopping at the first as a derived deserializer would.

use crate::config::StoreConfig;
use crate::domain::money::{Currency, Money};
use crate::domain::pii::Pii;
use crate::domain::{Consent, Customer, Item};
use jiff::Timestamp;
use serde::Serialize;

pub mod limits;
#[cfg(test)]
mod reference_walk;
mod shapes;

use shapes::{Leaf, List, Shape};

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

// The field checks (the reference walk in the tests reads them too).

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

/// A field's path, for its error message.
fn at(path: &'static str) -> impl Fn() -> String {
    move || path.to_string()
}

struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), code, message: message.into() });
    }

    /// A string of 1..=max characters at `path`. The path is only spelled out for an error:
    /// the happy path allocates nothing but the value.
    fn string(&mut self, v: Leaf<'_>, path: impl Fn() -> String, max: usize, required: bool) -> Option<String> {
        match v {
            Leaf::Null => {
                if required {
                    let p = path();
                    self.add(p.clone(), "missing_field", format!("`{p}` is required"));
                }
                None
            }
            Leaf::Str(s) if within(&s, max) => Some(s.into_owned()),
            Leaf::Str(_) => {
                let p = path();
                self.add(
                    p.clone(),
                    "invalid_field",
                    format!("`{p}` must be 1 to {max} characters, none of them control or direction characters"),
                );
                None
            }
            _ => {
                let p = path();
                self.add(p.clone(), "invalid_field", format!("`{p}` must be a string"));
                None
            }
        }
    }
}

/// Parses and validates an event in one pass: the body is read into the contract's shapes
/// (`contract/shapes.rs`), then every field is checked, and every problem found is reported,
/// each with a stable code.
pub fn parse_event(body: &[u8], store: &StoreConfig) -> Result<CartEvent, EventError> {
    let shape: Shape<shapes::Event<'_>> =
        serde_json::from_slice(body).map_err(|e| EventError::Malformed(e.to_string()))?;
    let Shape::Object(ev) = shape else {
        return Err(EventError::Invalid(vec![FieldError {
            field: "".into(),
            code: "invalid_body",
            message: "the body must be a JSON object".into(),
        }]));
    };
    let mut e = Errors(Vec::new());
    let event_id = e.string(ev.event_id, at("event_id"), max::ID, true);
    let cart_id = e.string(ev.cart_id, at("cart_id"), max::ID, true);
    let kind = match e.string(ev.kind, at("type"), max::KIND, true) {
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
        e.string(ev.occurred_at, at("occurred_at"), max::TIMESTAMP, true).and_then(|s| match s.parse::<Timestamp>() {
            Ok(t) => Some(t),
            Err(_) => {
                e.add("occurred_at", "invalid_timestamp", format!("`{s}` is not an RFC 3339 timestamp with an offset"));
                None
            }
        });
    let customer = match ev.customer {
        Shape::Null => None,
        Shape::Object(c) => Some(customer(c, &mut e)),
        Shape::Other => {
            e.add("customer", "invalid_field", "`customer` must be an object");
            None
        }
    };
    let needs_cart = matches!(kind, Some(EventKind::CartUpdated | EventKind::CheckoutStarted));
    let cart = match ev.cart {
        Shape::Null => {
            if needs_cart {
                e.add("cart", "missing_field", "`cart` is required for cart.updated and checkout.started");
            }
            None
        }
        Shape::Object(c) => cart(c, store, &mut e),
        Shape::Other => {
            e.add("cart", "invalid_field", "`cart` must be an object");
            None
        }
    };
    let order = match ev.order {
        Shape::Null => {
            if kind == Some(EventKind::OrderCompleted) {
                e.add("order", "missing_field", "`order` is required for order.completed");
            }
            None
        }
        Shape::Object(o) => order(o, &mut e),
        Shape::Other => {
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

fn customer(c: shapes::Customer<'_>, e: &mut Errors) -> Customer {
    let id = e.string(c.id, at("customer.id"), max::ID, false);
    let first_name = e.string(c.first_name, at("customer.first_name"), max::FIRST_NAME, false);
    let email = e.string(c.email, at("customer.email"), max::EMAIL, false).and_then(|m| {
        if email_ok(&m) {
            Some(Pii::new(m.to_ascii_lowercase()))
        } else {
            e.add("customer.email", "invalid_email", "`customer.email` is not an e-mail address");
            None
        }
    });
    let phone = e.string(c.phone, at("customer.phone"), max::PHONE, false).and_then(|p| match normalize_phone(&p) {
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
    let locale = e.string(c.locale, at("customer.locale"), max::LOCALE, false).and_then(|l| {
        if locale_ok(&l) {
            Some(l)
        } else {
            e.add("customer.locale", "invalid_field", "`customer.locale` must be a language tag like tr-TR");
            None
        }
    });
    let timezone = e.string(c.timezone, at("customer.timezone"), max::TIMEZONE, false).and_then(|t| {
        if timezone_ok(&t) {
            Some(t)
        } else {
            e.add("customer.timezone", "invalid_timezone", format!("`{t}` is not an IANA time zone"));
            None
        }
    });
    let consent_version = e.string(c.consent_version, at("customer.consent_version"), max::CONSENT_VERSION, false);
    let orders_count = match c.orders_count {
        Leaf::Null => None,
        Leaf::Whole(n) if n <= u64::from(MAX_ORDERS_COUNT) => u32::try_from(n).ok(),
        _ => {
            e.add(
                "customer.orders_count",
                "invalid_field",
                format!("`customer.orders_count` must be a whole number from 0 to {}", max::MAX_ORDERS_COUNT),
            );
            None
        }
    };
    let mut consent = Consent::default();
    match c.consent {
        Shape::Null => {}
        Shape::Object(shapes::Entries(m)) => {
            for (k, v) in m {
                let slot = match k.as_ref() {
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
                    Leaf::Bool(b) => *slot = Some(b),
                    _ => e.add(format!("customer.consent.{k}"), "invalid_field", "consent must be true or false"),
                }
            }
        }
        Shape::Other => e.add("customer.consent", "invalid_field", "`customer.consent` must be an object"),
    }
    let push = push_subscription(c.push_subscription, e);
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

/// `customer.push_subscription`, as the browser's `PushSubscription.toJSON()` gives it.
fn push_subscription(s: Shape<shapes::PushSubscription<'_>>, e: &mut Errors) -> Option<Pii> {
    let s = match s {
        Shape::Null => return None,
        Shape::Object(s) => s,
        Shape::Other => {
            e.add("customer.push_subscription", "invalid_field", "`customer.push_subscription` must be an object");
            return None;
        }
    };
    let mut keys = match s.keys {
        Shape::Object(shapes::Entries(m)) => m,
        _ => Default::default(),
    };
    let mut key = |name: &str| match keys.remove(name) {
        Some(Leaf::Str(v)) => v.into_owned(),
        _ => String::new(),
    };
    let (p256dh, auth) = (key("p256dh"), key("auth"));
    let endpoint = e.string(s.endpoint, at("customer.push_subscription.endpoint"), max::URL, true)?;
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
}

pub use crate::domain::phone::normalize_phone;

fn money(e: &mut Errors, v: Leaf<'_>, path: impl Fn() -> String, currency: Option<Currency>) -> Option<i64> {
    match v {
        Leaf::Null => {
            let p = path();
            e.add(p.clone(), "missing_field", format!("`{p}` is required"));
            None
        }
        Leaf::Str(s) => match currency?.parse_amount(&s) {
            Ok(m) => Some(m),
            Err(err) => {
                e.add(path(), "invalid_amount", err.to_string());
                None
            }
        },
        _ => {
            let p = path();
            e.add(p.clone(), "invalid_amount", format!("`{p}` must be a decimal string like \"349.90\""));
            None
        }
    }
}

fn currency(e: &mut Errors, v: Leaf<'_>, prefix: &str) -> Option<Currency> {
    let s = e.string(v, || format!("{prefix}currency"), 3, true)?;
    match Currency::parse(&s) {
        Ok(c) => Some(c),
        Err(err) => {
            e.add(format!("{prefix}currency"), "invalid_currency", err.to_string());
            None
        }
    }
}

fn cart(c: shapes::Cart<'_>, store: &StoreConfig, e: &mut Errors) -> Option<CartSnapshot> {
    let cur = currency(e, c.currency, "cart.");
    let checkout_url = e.string(c.checkout_url, at("cart.checkout_url"), max::URL, true).and_then(|u| {
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
    let items = match c.items {
        List::Items(list) if list.len() > MAX_ITEMS => {
            e.add(
                "cart.items",
                "too_many_items",
                format!("a cart holds at most {MAX_ITEMS} items; this one has {}", list.len()),
            );
            None
        }
        List::Items(list) => {
            let mut items = Vec::with_capacity(list.len());
            for (i, v) in list.into_iter().enumerate() {
                if let Some(it) = item(v, i, cur, e) {
                    items.push(it);
                }
            }
            Some(items)
        }
        List::Null => {
            e.add("cart.items", "missing_field", "`cart.items` is required (an empty list empties the cart)");
            None
        }
        List::Other => {
            e.add("cart.items", "invalid_field", "`cart.items` must be a list");
            None
        }
    };
    Some(CartSnapshot { currency: cur?, checkout_url: checkout_url?, items: items? })
}

/// The `i`th item; its errors are named `cart.items[i].…`, a path only spelled out for an error.
fn item(v: Shape<shapes::Item<'_>>, i: usize, cur: Option<Currency>, e: &mut Errors) -> Option<Item> {
    let at = || format!("cart.items[{i}]");
    let Shape::Object(it) = v else {
        e.add(at(), "invalid_field", "each item must be an object");
        return None;
    };
    let sku = e.string(it.sku, || format!("{}.sku", at()), max::ID, true);
    let name = e.string(it.name, || format!("{}.name", at()), max::ITEM_NAME, true);
    let quantity = match it.quantity.0 {
        Some(Leaf::Whole(n)) if quantity_ok(n).is_some() => quantity_ok(n),
        None => {
            let at = at();
            e.add(format!("{at}.quantity"), "missing_field", format!("`{at}.quantity` is required"));
            None
        }
        Some(_) => {
            e.add(
                format!("{}.quantity", at()),
                "invalid_field",
                format!("quantity must be a whole number from 1 to {}", max::MAX_QUANTITY),
            );
            None
        }
    };
    let price = money(e, it.unit_price, || format!("{}.unit_price", at()), cur);
    let url = e.string(it.url, || format!("{}.url", at()), max::URL, false);
    let image_url = e.string(it.image_url, || format!("{}.image_url", at()), max::URL, false);
    Some(Item { sku: sku?, name: name?, quantity: quantity?, unit_price_minor: price?, url, image_url })
}

fn order(o: shapes::Order<'_>, e: &mut Errors) -> Option<OrderInfo> {
    let order_id = e.string(o.order_id, at("order.order_id"), max::ID, true);
    let cur = currency(e, o.currency, "order.");
    let total = money(e, o.total, at("order.total"), cur);
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
