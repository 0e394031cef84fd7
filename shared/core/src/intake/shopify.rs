//! Shopify webhooks: the signature check, and the mapping of checkout and order payloads onto
//! the native event contract, so they go through exactly the same validation and engine as
//! `POST /v1/events`.
//!
//! - Signature: `X-Shopify-Hmac-Sha256` is base64(HMAC-SHA256(store's webhook secret, raw body)),
//!   compared in constant time.
//! - Identity: a checkout's cart is `shopify-{token}` (the checkout token, always present); an
//!   order names it through `checkout_token`, or, when that is null (POS, draft and app orders),
//!   is `shopify-order-{id}` and the engine links it through the shopper's phone or e-mail. The delivery's `X-Shopify-Webhook-Id` is the event
//!   id, so Shopify's retries of one delivery are applied once.
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
    /// A native event body (JSON) for `parse_event`.
    Event(Vec<u8>),
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
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

fn id_text(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

pub fn map(topic: &str, webhook_id: &str, body: &[u8]) -> Result<Mapped, ShopifyError> {
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
    let at = text(&v, "updated_at").or_else(|| text(&v, "created_at")).ok_or_else(|| missing("updated_at"))?;
    let mut ev = Map::new();
    ev.insert("event_id".into(), json!(format!("shopify-{webhook_id}")));
    ev.insert("type".into(), json!(kind));
    ev.insert("occurred_at".into(), json!(at));
    ev.insert("cart_id".into(), json!(cart_id));
    if let Some(c) = customer(&v) {
        ev.insert("customer".into(), c);
    }
    let currency =
        text(&v, "presentment_currency").or_else(|| text(&v, "currency")).ok_or_else(|| missing("currency"))?;
    match kind {
        "checkout.started" => {
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
                        text(&v, "currency").unwrap_or(currency),
                    ),
                };
            let order_id =
                id_text(&v, "id").or_else(|| text(&v, "name").map(str::to_string)).ok_or_else(|| missing("id"))?;
            ev.insert("order".into(), json!({"order_id": order_id, "total": total, "currency": currency}));
        }
        _ => {}
    }
    serde_json::to_vec(&Value::Object(ev)).map(Mapped::Event).map_err(|e| ShopifyError::NotJson(e.to_string()))
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
        assert_eq!(map("products/update", "w", b"{}"), Ok(Mapped::Ignored));
        let Ok(Mapped::Event(ev)) = map(
            "checkouts/delete",
            "w1",
            br#"{"token": "t1", "updated_at": "2026-11-23T10:00:00Z", "currency": "EUR"}"#,
        ) else {
            panic!("not mapped")
        };
        let ev: Value = serde_json::from_slice(&ev).unwrap_or_default();
        assert_eq!(
            (ev["type"].as_str(), ev["cart_id"].as_str(), ev["event_id"].as_str()),
            (Some("cart.cleared"), Some("shopify-t1"), Some("shopify-w1"))
        );
        assert!(matches!(
            map("orders/create", "w", br#"{"token": "t1"}"#),
            Err(ShopifyError::Missing { field: "checkout_token or id", .. })
        ));
        let order =
            br#"{"id": 820982911946154508, "checkout_token": null, "cart_token": null, "email": "jon@example.com",
                         "created_at": "2026-11-23T10:00:00Z", "currency": "USD", "total_price": "10.00"}"#;
        let Ok(Mapped::Event(ev)) = map("orders/create", "w2", order) else { panic!("not mapped") };
        let ev: Value = serde_json::from_slice(&ev).unwrap_or_default();
        assert_eq!(ev["cart_id"], "shopify-order-820982911946154508");
        assert_eq!(ev["customer"]["email"], "jon@example.com");
        assert!(matches!(map("checkouts/create", "w", b"[1]"), Err(ShopifyError::NotJson(_))));
    }

    #[test]
    fn a_malformed_phone_is_dropped_not_fatal() {
        let body = br#"{"token": "t", "updated_at": "2026-11-23T10:00:00Z", "currency": "EUR", "phone": "call me",
                        "email": "a@b.co", "abandoned_checkout_url": "https://shop.example/c", "line_items": []}"#;
        let Ok(Mapped::Event(ev)) = map("checkouts/update", "w", body) else { panic!("not mapped") };
        let ev: Value = serde_json::from_slice(&ev).unwrap_or_default();
        assert!(ev["customer"].get("phone").is_none());
        assert_eq!(ev["customer"]["email"], "a@b.co");
    }
}
