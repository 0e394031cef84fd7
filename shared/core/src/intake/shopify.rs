//! Shopify webhooks: the signature check, and the mapping of checkout and order payloads onto
//! the native event contract, so they go through exactly the same validation and engine as
//! `POST /v1/events`.
//!
//! - Signature: `X-Shopify-Hmac-Sha256` is base64(HMAC-SHA256(store's webhook secret, raw body)),
//!   compared in constant time.
//! - Identity: a checkout's cart is `shopify-{token}` (the checkout token); an order names it
//!   through `checkout_token`, or, when that is null (POS, draft and app orders), is
//!   `shopify-order-{id}` and the engine links it through the shopper's phone or e-mail.
//! - Replays: the topic and webhook id are headers, outside the signature, so neither can be
//!   trusted alone. The event id is a digest of the signed body (`shopify-b{sha256}`): Shopify's
//!   retries of a delivery, and any replay of a body already applied under another topic or
//!   webhook id, are duplicates. And a body must have its topic's shape (`ShopifyError::Forged`):
//!   a checkout is not an order, and a full checkout is not a delete.
//! - `checkouts/delete` may carry only the checkout's `id` and `cart_token` (Shopify's own sample
//!   has no `token`): `checkouts/create` therefore records those two as aliases of the cart
//!   (`Mapped::Event::aliases`), and a delete without `token` is `Mapped::ClearByAlias`, resolved
//!   by the route through them. It needs no `updated_at` or currency: the delivery's
//!   `X-Shopify-Triggered-At` (or the receipt time) dates it.
//! - Fields that fail validation (a malformed phone, say) are dropped rather than refusing the
//!   whole delivery: Shopify retries refused webhooks for 48 hours and then disables them.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Whether `header` is Shopify's signature of `body` under `secret`.
pub fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(header.trim()) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    given.len() == expected.len() && bool::from(given.as_slice().ct_eq(expected.as_slice()))
}

/// What a delivery becomes.
#[derive(Debug, PartialEq)]
pub enum Mapped {
    /// A native event body (JSON) for `parse_event`, and the checkout's other identifiers to
    /// record as aliases of its cart once it is accepted (`checkouts/create` only).
    Event { native: Vec<u8>, aliases: Vec<Alias> },
    /// A `checkouts/delete` without `token`: the cart is the one an alias names (tried in
    /// order); the route builds the `cart.cleared` event with `native_clear`.
    ClearByAlias { aliases: Vec<Alias>, event_id: String, occurred_at: String },
    /// An order's progress (`intake::order_progress`): applied to the shopper's contacts.
    OrderProgress(crate::intake::order_progress::OrderUpdate),
    /// A topic Cartback does not use: acknowledged and counted, never an error (Shopify would
    /// retry it for two days).
    Ignored,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShopifyError {
    #[error("the body is not a JSON object: {0}")]
    NotJson(String),
    #[error("a {topic} payload needs `{field}`")]
    Missing { topic: String, field: &'static str },
    /// A signed body under a topic whose shape it does not have: a captured body replayed with
    /// another `X-Shopify-Topic`.
    #[error("the body is not a {topic} payload ({why})")]
    Forged { topic: String, why: &'static str },
}

/// Whether `v` has the shape of `topic`'s payload. Orders carry an order number and a financial
/// status and never an abandoned-checkout URL; checkouts the reverse; a delete names the
/// checkout without its contents.
fn shape(topic: &str, v: &Value) -> Result<(), &'static str> {
    let has = |k: &str| v.get(k).is_some_and(|x| !x.is_null());
    let order_like = has("order_number") || has("financial_status");
    let full_checkout = has("abandoned_checkout_url")
        || v.get("line_items").and_then(Value::as_array).is_some_and(|items| !items.is_empty());
    match topic {
        "orders/create" if !order_like => Err("no order_number or financial_status"),
        "orders/create" if has("abandoned_checkout_url") => Err("a checkout's abandoned_checkout_url"),
        "checkouts/create" | "checkouts/update" if order_like => Err("an order's fields"),
        "checkouts/delete" if order_like => Err("an order's fields"),
        "checkouts/delete" if full_checkout => Err("a whole checkout, not a deletion"),
        _ => Ok(()),
    }
}

/// The event id of a delivery: its signed body's digest, whatever the unsigned headers say.
fn body_event_id(body: &[u8]) -> String {
    use sha2::Digest;
    let d = Sha256::digest(body);
    let hex: String = d.iter().take(20).map(|b| format!("{b:02x}")).collect();
    format!("shopify-b{hex}")
}

/// `X-Shopify-API-Version` as a counter's name: `2026-04`, `unstable`, or `other` for anything
/// else (never an arbitrary string from the request), `none` when absent. From 2026-04 on,
/// checkouts carry no `id` and orders no `checkout_id` (Shopify's changelog, "Removed Checkout
/// ID from checkout and order webhooks"): carts are found by `token`, `checkout_token` and
/// `cart_token`, and the `id` alias serves older subscriptions only.
pub fn api_version(header: Option<&str>) -> String {
    match header {
        None => "none".into(),
        Some(v) if v == "unstable" => v.into(),
        Some(v) if v.len() == 7 && v.as_bytes()[4] == b'-' && v.chars().filter(char::is_ascii_digit).count() == 6 => {
            v.into()
        }
        Some(_) => "other".into(),
    }
}

/// Another identifier of a checkout than its token: `cart_token` or the checkout's `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub kind: &'static str,
    pub value: String,
}

fn aliases(v: &Value) -> Vec<Alias> {
    [("cart_token", "cart_token"), ("checkout", "id")]
        .into_iter()
        .filter_map(|(kind, key)| id_text(v, key).map(|value| Alias { kind, value }))
        .collect()
}

/// The `cart.cleared` event for a delete resolved through an alias.
pub fn native_clear(event_id: &str, occurred_at: &str, cart_id: &str) -> Vec<u8> {
    json!({"event_id": event_id, "type": "cart.cleared", "occurred_at": occurred_at, "cart_id": cart_id})
        .to_string()
        .into_bytes()
}

use crate::domain::json_fields::{id_at as id_text, text};

/// `received_at` dates a delete that carries no time of its own (`X-Shopify-Triggered-At`, or
/// when it arrived).
pub fn map(topic: &str, received_at: &str, body: &[u8]) -> Result<Mapped, ShopifyError> {
    if crate::intake::order_progress::SHOPIFY_TOPICS.contains(&topic) {
        let v: Value = serde_json::from_slice(body).map_err(|e| ShopifyError::NotJson(e.to_string()))?;
        shape("orders/create", &v).map_err(|why| ShopifyError::Forged { topic: topic.to_string(), why })?;
        return crate::intake::order_progress::from_shopify(&v)
            .map(Mapped::OrderProgress)
            .map_err(|field| ShopifyError::Missing { topic: topic.to_string(), field });
    }
    let kind = match topic {
        "checkouts/create" | "checkouts/update" => "checkout.started",
        "checkouts/delete" => "cart.cleared",
        "orders/create" => "order.completed",
        _ => return Ok(Mapped::Ignored),
    };
    let v: Value = serde_json::from_slice(body).map_err(|e| ShopifyError::NotJson(e.to_string()))?;
    if !v.is_object() {
        return Err(ShopifyError::NotJson("expected an object".into()));
    }
    let missing = |field| ShopifyError::Missing { topic: topic.to_string(), field };
    shape(topic, &v).map_err(|why| ShopifyError::Forged { topic: topic.to_string(), why })?;
    let event_id = body_event_id(body);
    if topic == "checkouts/delete" && id_text(&v, "token").is_none() {
        let aliases = aliases(&v);
        if aliases.is_empty() {
            return Err(missing("token, cart_token or id"));
        }
        let at = text(&v, "updated_at").unwrap_or(received_at).to_string();
        return Ok(Mapped::ClearByAlias { aliases, event_id, occurred_at: at });
    }
    let cart_id = if kind == "order.completed" {
        // Orders from the POS, drafts or an app carry no checkout token: the order's own id
        // names its cart, and the engine ties it to the shopper's cart through the contact.
        match id_text(&v, "checkout_token") {
            Some(token) => format!("shopify-{token}"),
            None => format!("shopify-order-{}", id_text(&v, "id").ok_or_else(|| missing("checkout_token or id"))?),
        }
    } else {
        format!("shopify-{}", id_text(&v, "token").ok_or_else(|| missing("token"))?)
    };
    let at = text(&v, "updated_at").or_else(|| text(&v, "created_at"));
    let at = if kind == "cart.cleared" { at.unwrap_or(received_at) } else { at.ok_or_else(|| missing("updated_at"))? };
    let mut ev = Map::new();
    ev.insert("event_id".into(), json!(event_id));
    ev.insert("type".into(), json!(kind));
    ev.insert("occurred_at".into(), json!(at));
    ev.insert("cart_id".into(), json!(cart_id));
    if let Some(c) = customer(&v) {
        ev.insert("customer".into(), c);
    }
    let currency = text(&v, "presentment_currency").or_else(|| text(&v, "currency"));
    let currency = || currency.ok_or_else(|| missing("currency"));
    match kind {
        "checkout.started" => {
            let currency = currency()?;
            let url = text(&v, "abandoned_checkout_url").ok_or_else(|| missing("abandoned_checkout_url"))?;
            let items: Vec<Value> = v
                .get("line_items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|li| {
                    json!({
                        "sku": text(li, "sku").map(str::to_string).or_else(|| id_text(li, "variant_id")).unwrap_or_else(|| "item".into()),
                        "name": text(li, "presentment_title").or_else(|| text(li, "title")).unwrap_or("Item"),
                        "quantity": li.get("quantity").cloned().unwrap_or(json!(1)),
                        "unit_price": text(li, "price").unwrap_or("0"),
                    })
                })
                .collect();
            ev.insert("cart".into(), json!({"currency": currency, "checkout_url": url, "items": items}));
        }
        "order.completed" => {
            // `total_price` is in the shop's currency; the shopper paid the presentment amount,
            // which is what their checkout (and so the cart) was priced in.
            let presentment = v.get("total_price_set").and_then(|s| s.get("presentment_money"));
            let (total, currency) =
                match presentment.and_then(|m| Some((text(m, "amount")?, text(m, "currency_code")?))) {
                    Some(pair) => pair,
                    None => (
                        text(&v, "total_price").ok_or_else(|| missing("total_price"))?,
                        text(&v, "currency").map_or_else(currency, Ok)?,
                    ),
                };
            let order_id =
                id_text(&v, "id").or_else(|| text(&v, "name").map(str::to_string)).ok_or_else(|| missing("id"))?;
            ev.insert("order".into(), json!({"order_id": order_id, "total": total, "currency": currency}));
        }
        _ => {}
    }
    let aliases = if topic == "checkouts/create" { aliases(&v) } else { Vec::new() };
    let native = serde_json::to_vec(&Value::Object(ev)).map_err(|e| ShopifyError::NotJson(e.to_string()))?;
    Ok(Mapped::Event { native, aliases })
}

/// The shopper as Shopify knows them; invalid fields are left out (see the module comment).
fn customer(v: &Value) -> Option<Value> {
    let cust = v.get("customer").filter(|c| c.is_object());
    let billing = v.get("billing_address").filter(|c| c.is_object());
    let from = |key: &str| cust.and_then(|c| text(c, key)).or_else(|| billing.and_then(|b| text(b, key)));
    let mut c = Map::new();
    if let Some(n) = from("first_name") {
        c.insert("first_name".into(), json!(n));
    }
    if let Some(id) = cust.and_then(|c| id_text(c, "id")) {
        c.insert("id".into(), json!(format!("shopify-{id}")));
    }
    let email = text(v, "email").or_else(|| cust.and_then(|c| text(c, "email")));
    if let Some(e) = email.filter(|e| e.contains('@')) {
        c.insert("email".into(), json!(e));
    }
    let phone = text(v, "phone")
        .or_else(|| cust.and_then(|c| text(c, "phone")))
        .or_else(|| billing.and_then(|b| text(b, "phone")));
    if let Some(p) = phone.and_then(crate::domain::phone::normalize_phone) {
        c.insert("phone".into(), json!(p));
    }
    if let Some(n) = cust.and_then(|c| c.get("orders_count")).and_then(Value::as_u64) {
        c.insert("orders_count".into(), json!(n.min(u64::from(super::contract::MAX_ORDERS_COUNT))));
    }
    if let Some(l) = text(v, "customer_locale") {
        c.insert("locale".into(), json!(l));
    }
    let subscribed = |k: &str| {
        cust.and_then(|c| c.get(k)).and_then(|m| m.get("state")).and_then(Value::as_str) == Some("subscribed")
    };
    let email_ok = v.get("buyer_accepts_marketing").and_then(Value::as_bool).unwrap_or(false)
        || subscribed("email_marketing_consent");
    let sms_ok = subscribed("sms_marketing_consent");
    // Shopify records no WhatsApp consent: none is assumed.
    c.insert("consent".into(), json!({"email": email_ok, "sms": sms_ok, "whatsapp": false}));
    Some(Value::Object(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-11-30T12:00:00Z";

    #[test]
    fn a_delete_without_token_is_found_through_the_aliases_create_recorded() {
        let create = br#"{"token": "t9", "cart_token": "ct9", "id": 981820079255243537,
            "updated_at": "2026-11-23T10:00:00Z", "currency": "EUR", "email": "a@b.co",
            "abandoned_checkout_url": "https://shop.example/c", "line_items": []}"#;
        let Ok(Mapped::Event { aliases, .. }) = map("checkouts/create", NOW, create) else { panic!() };
        let kinds: Vec<(&str, &str)> = aliases.iter().map(|a| (a.kind, a.value.as_str())).collect();
        assert_eq!(kinds, [("cart_token", "ct9"), ("checkout", "981820079255243537")]);
        // The shape of Shopify's checkouts/delete sample: `id` and `cart_token`, no token, time
        // or currency.
        let delete = br#"{"id": 981820079255243537, "cart_token": "ct9", "presentment_currency": null}"#;
        let Ok(Mapped::ClearByAlias { aliases, event_id, occurred_at }) = map("checkouts/delete", NOW, delete) else {
            panic!("not mapped")
        };
        assert_eq!((aliases.len(), event_id.starts_with("shopify-b"), occurred_at.as_str()), (2, true, NOW));
        let ev: Value = serde_json::from_slice(&native_clear(&event_id, &occurred_at, "shopify-t9")).unwrap();
        assert_eq!((ev["type"].as_str(), ev["cart_id"].as_str()), (Some("cart.cleared"), Some("shopify-t9")));
        assert!(matches!(
            map("checkouts/delete", NOW, br#"{"note": "x"}"#),
            Err(ShopifyError::Missing { field: "token, cart_token or id", .. })
        ));
    }

    #[test]
    fn a_signed_body_replayed_under_another_topic_is_forged_or_a_duplicate() {
        let checkout = br#"{"token": "t1", "cart_token": "ct", "updated_at": "2026-11-23T10:00:00Z", "currency": "EUR",
            "abandoned_checkout_url": "https://shop.example/c", "line_items": [{"title": "A", "price": "1.00"}]}"#;
        let Ok(Mapped::Event { native, .. }) = map("checkouts/create", NOW, checkout) else { panic!() };
        // The same body as a delete or an order: not their shape.
        for topic in ["checkouts/delete", "orders/create"] {
            assert!(matches!(map(topic, NOW, checkout), Err(ShopifyError::Forged { .. })), "{topic}");
        }
        // As an update (same shape): the same event id, so the engine sees a duplicate.
        let Ok(Mapped::Event { native: again, .. }) = map("checkouts/update", NOW, checkout) else { panic!() };
        let id = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap()["event_id"].clone();
        assert_eq!(id(&native), id(&again));
        // An order is not a checkout either.
        let order = br#"{"id": 1, "order_number": 1001, "financial_status": "paid", "checkout_token": "t1",
            "created_at": "2026-11-23T10:00:00Z", "currency": "EUR", "total_price": "1.00"}"#;
        assert!(matches!(map("checkouts/update", NOW, order), Err(ShopifyError::Forged { .. })));
    }

    #[test]
    fn shopifys_own_test_vector_verifies() {
        // Shopify/shopify-api-js webhook validation test (tests/fixtures/signature-vectors.json).
        let body = br#"{"foo": "bar"}"#;
        assert!(verify("test_secret_key", body, "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="));
        assert!(!verify("test_secret_key", br#"{"foo": "baz"}"#, "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="));
        assert!(!verify("other_secret", body, "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="));
        assert!(!verify("test_secret_key", body, "not base64!"));
        assert!(!verify("test_secret_key", body, ""));
    }

    #[test]
    fn topics_map_onto_native_events() {
        assert_eq!(map("products/update", NOW, b"{}"), Ok(Mapped::Ignored));
        let Ok(Mapped::Event { native: ev, .. }) = map(
            "checkouts/delete",
            NOW,
            br#"{"token": "t1", "updated_at": "2026-11-23T10:00:00Z", "currency": "EUR"}"#,
        ) else {
            panic!("not mapped")
        };
        let ev: Value = serde_json::from_slice(&ev).unwrap_or_default();
        assert_eq!(
            (ev["type"].as_str(), ev["cart_id"].as_str(), ev["event_id"].as_str()),
            // The first 20 bytes of the body's SHA-256, as Python's hashlib computes it.
            (Some("cart.cleared"), Some("shopify-t1"), Some("shopify-b535f891ff35c1b0be92a2bdfe7ee44d044de847f"))
        );
        assert!(matches!(
            map("orders/create", NOW, br#"{"token": "t1", "order_number": 1001}"#),
            Err(ShopifyError::Missing { field: "checkout_token or id", .. })
        ));
        let order =
            br#"{"id": 820982911946154508, "checkout_token": null, "cart_token": null, "email": "jon@example.com",
                         "created_at": "2026-11-23T10:00:00Z", "currency": "USD", "total_price": "10.00",
                         "order_number": 1001, "financial_status": "paid"}"#;
        let Ok(Mapped::Event { native: ev, .. }) = map("orders/create", NOW, order) else { panic!("not mapped") };
        let ev: Value = serde_json::from_slice(&ev).unwrap_or_default();
        assert_eq!(ev["cart_id"], "shopify-order-820982911946154508");
        assert_eq!(ev["customer"]["email"], "jon@example.com");
        assert!(matches!(map("checkouts/create", NOW, b"[1]"), Err(ShopifyError::NotJson(_))));
    }

    #[test]
    fn a_malformed_phone_is_dropped_not_fatal() {
        let body = br#"{"token": "t", "updated_at": "2026-11-23T10:00:00Z", "currency": "EUR", "phone": "call me",
                        "email": "a@b.co", "abandoned_checkout_url": "https://shop.example/c", "line_items": []}"#;
        let Ok(Mapped::Event { native: ev, aliases }) = map("checkouts/update", NOW, body) else {
            panic!("not mapped")
        };
        assert!(aliases.is_empty(), "only checkouts/create records aliases");
        let ev: Value = serde_json::from_slice(&ev).unwrap_or_default();
        assert!(ev["customer"].get("phone").is_none());
        assert_eq!(ev["customer"]["email"], "a@b.co");
    }
}
