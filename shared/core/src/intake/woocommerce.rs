//! WooCommerce webhooks: the signature check and the mapping of order payloads onto the native
//! event contract, like `shopify`.
//!
//! - Signature: `X-WC-Webhook-Signature` is base64(HMAC-SHA256(webhook secret, raw body)).
//! - WooCommerce has no abandoned-checkout object: an order that is created but not paid
//!   (`pending`, `failed`, `on-hold` awaiting a transfer is treated as paid) *is* the abandoned
//!   checkout, and its `payment_url` takes the shopper back to pay it. Such an order becomes
//!   `checkout.started` on cart `woo-{id}`; once `processing` or `completed`, `order.completed`
//!   on the same cart, which is how a recovery is attributed. Cart activity before checkout
//!   comes from the capture snippet (`clients/web/cartback.js`); its carts are tied to the order
//!   through the shopper's phone or e-mail.
//! - The event id is `woo-{X-WC-Webhook-Delivery-ID}`; WooCommerce sends the same order many
//!   times (`order.updated`), and older states are ignored by their `date_modified_gmt`.
//! - Consent: WooCommerce records none. The order meta fields `_cartback_email_consent` and
//!   `_cartback_sms_consent` ("yes"/"no"), set by a checkout checkbox, are read when present;
//!   otherwise the consent given through the snippet stands.

use serde_json::{Map, Value, json};

pub use crate::intake::shopify::verify;

/// What a delivery becomes.
#[derive(Debug, PartialEq)]
pub enum Mapped {
    Event(Vec<u8>),
    /// A topic or order state Cartback does not use (refunds, cancellations, products…).
    Ignored(&'static str),
    /// An order of the right shape that Cartback cannot use, and why: answered 200 and counted,
    /// since WooCommerce disables a webhook after repeated failed deliveries.
    Unusable(&'static str),
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WooError {
    #[error("the body is not a JSON object: {0}")]
    NotJson(String),
    #[error("a {topic} payload needs `{field}`")]
    Missing { topic: String, field: &'static str },
}

/// WooCommerce's "ping" when a webhook is saved: `webhook_id=N`, form-encoded, unsigned. It must
/// be answered 2xx or WooCommerce refuses to save the webhook.
pub fn is_ping(body: &[u8]) -> bool {
    body.strip_prefix(b"webhook_id=").is_some_and(|rest| !rest.is_empty() && rest.iter().all(u8::is_ascii_digit))
}

use crate::domain::json_fields::text;

/// WooCommerce writes 0 for "none" (a guest's `customer_id`, a line without a product).
fn id_text(v: &Value, key: &str) -> Option<String> {
    crate::domain::json_fields::id_at(v, key).filter(|id| id != "0")
}

/// WooCommerce's `_gmt` dates carry no offset ("2026-11-23T10:00:00").
fn gmt(v: &Value, key: &str) -> Option<String> {
    text(v, key).map(|s| if s.ends_with('Z') || s.contains('+') { s.to_string() } else { format!("{s}Z") })
}

/// The pay-for-order page of an order, as WooCommerce builds it, for payloads that carry no
/// `payment_url` (the REST API v3 order object has none): the site is the delivery's
/// `X-WC-Webhook-Source`, and the order's `order_key` authorises the page.
fn pay_for_order_url(source: Option<&str>, id: &str, v: &Value) -> Option<String> {
    let site = url::Url::parse(source?).ok()?;
    let key = text(v, "order_key")?;
    let mut url = site.join(&format!("checkout/order-pay/{id}/")).ok()?;
    url.query_pairs_mut().append_pair("pay_for_order", "true").append_pair("key", key);
    Some(url.to_string())
}

/// A line item's unit price: WooCommerce writes it as a number (REST API v3) or, in some
/// versions and plugins, as a decimal string.
fn unit_price(li: &Value) -> f64 {
    let price = match li.get("price") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    price.filter(|p| p.is_finite()).unwrap_or(0.0).max(0.0)
}

/// `source`: the delivery's `X-WC-Webhook-Source` (the shop's URL), when sent.
pub fn map(topic: &str, delivery_id: &str, source: Option<&str>, body: &[u8]) -> Result<Mapped, WooError> {
    if !matches!(topic, "order.created" | "order.updated") {
        return Ok(Mapped::Ignored("topic"));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| WooError::NotJson(e.to_string()))?;
    if !v.is_object() {
        return Err(WooError::NotJson("expected an object".into()));
    }
    let missing = |field| WooError::Missing { topic: topic.to_string(), field };
    let kind = match text(&v, "status").ok_or_else(|| missing("status"))? {
        "pending" | "failed" | "checkout-draft" => "checkout.started",
        "processing" | "completed" | "on-hold" => "order.completed",
        _ => return Ok(Mapped::Ignored("status")),
    };
    let id = id_text(&v, "id").ok_or_else(|| missing("id"))?;
    let at = gmt(&v, "date_modified_gmt")
        .or_else(|| gmt(&v, "date_created_gmt"))
        .ok_or_else(|| missing("date_modified_gmt"))?;
    let currency = text(&v, "currency").ok_or_else(|| missing("currency"))?;
    let mut ev = Map::new();
    ev.insert("event_id".into(), json!(format!("woo-{delivery_id}")));
    ev.insert("type".into(), json!(kind));
    ev.insert("occurred_at".into(), json!(at));
    ev.insert("cart_id".into(), json!(format!("woo-{id}")));
    ev.insert("customer".into(), customer(&v));
    if kind == "checkout.started" {
        let Some(url) = text(&v, "payment_url").map(str::to_string).or_else(|| pay_for_order_url(source, &id, &v))
        else {
            return Ok(Mapped::Unusable("no_restore_target"));
        };
        let exp = crate::domain::money::Currency::parse(currency).map(|c| usize::from(c.exponent())).unwrap_or(2);
        let items: Vec<Value> = v
            .get("line_items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|li| {
                let price = unit_price(li);
                json!({
                    "sku": text(li, "sku").map(str::to_string).or_else(|| id_text(li, "variation_id")).or_else(|| id_text(li, "product_id")).unwrap_or_else(|| "item".into()),
                    "name": text(li, "name").unwrap_or("Item"),
                    "quantity": li.get("quantity").cloned().unwrap_or(json!(1)),
                    "unit_price": format!("{price:.exp$}"),
                })
            })
            .collect();
        ev.insert("cart".into(), json!({"currency": currency, "checkout_url": url, "items": items}));
    } else {
        let total = text(&v, "total").ok_or_else(|| missing("total"))?;
        let number = text(&v, "number").map(str::to_string).unwrap_or_else(|| id.clone());
        ev.insert("order".into(), json!({"order_id": number, "total": total, "currency": currency}));
    }
    serde_json::to_vec(&Value::Object(ev)).map(Mapped::Event).map_err(|e| WooError::NotJson(e.to_string()))
}

/// What an order delivery says about the order's progress after it was placed
/// (`intake::order_progress`): `None` for an order not placed yet (pending, failed, a checkout
/// draft) or not an order. WooCommerce has no "shipped" status: `completed` is fulfilled, and
/// the tracking comes from the Shipment Tracking extension's `_wc_shipment_tracking_items` meta
/// where the shop has it (the newest item).
pub fn order_progress(topic: &str, body: &[u8]) -> Option<crate::intake::order_progress::OrderUpdate> {
    use crate::domain::order_note::{OrderNote, OrderProgress, Tracking};
    if !matches!(topic, "order.created" | "order.updated") {
        return None;
    }
    let v: Value = serde_json::from_slice(body).ok()?;
    let progress = match text(&v, "status")? {
        "processing" | "on-hold" => OrderProgress::Received,
        "completed" => OrderProgress::Shipped,
        "cancelled" | "refunded" => OrderProgress::NeedsPerson,
        _ => return None,
    };
    let at = |k: &str| gmt(&v, k).and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let placed_at = at("date_created_gmt")?;
    let updated_at = at("date_modified_gmt").unwrap_or(placed_at);
    // The id `order.completed` carries (`map`): the order's number, as the shopper knows it.
    let id = text(&v, "number").map(str::to_string).or_else(|| id_text(&v, "id"))?;
    let tracking = meta(&v, "_wc_shipment_tracking_items").and_then(Value::as_array).and_then(|items| {
        items.iter().rev().find_map(|t| {
            let number = text(t, "tracking_number").map(str::to_string);
            let url = text(t, "custom_tracking_link")
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(str::to_string);
            let company =
                text(t, "tracking_provider").or_else(|| text(t, "custom_tracking_provider")).map(str::to_string);
            (number.is_some() || url.is_some()).then_some(Tracking { company, number, url })
        })
    });
    let c = customer(&v);
    Some(crate::intake::order_progress::OrderUpdate {
        note: OrderNote { name: Some(format!("#{id}")), id, placed_at, progress, tracking, updated_at },
        phone: c.get("phone").and_then(Value::as_str).map(str::to_string),
        email: c.get("email").and_then(Value::as_str).map(str::to_string),
    })
}

fn meta<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get("meta_data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|m| m.get("key").and_then(Value::as_str) == Some(key))
        .and_then(|m| m.get("value"))
}

/// The billing contact; fields that would fail validation are left out, never fatal.
fn customer(v: &Value) -> Value {
    let billing = v.get("billing").filter(|b| b.is_object()).unwrap_or(&Value::Null);
    let mut c = Map::new();
    if let Some(n) = text(billing, "first_name") {
        c.insert("first_name".into(), json!(n));
    }
    if let Some(id) = id_text(v, "customer_id") {
        c.insert("id".into(), json!(format!("woo-{id}")));
    }
    if let Some(e) = text(billing, "email").filter(|e| e.contains('@')) {
        c.insert("email".into(), json!(e));
    }
    let country = text(billing, "country");
    let phone = text(billing, "phone").and_then(|p| {
        crate::domain::phone::normalize_phone(p)
            .or_else(|| country.and_then(|cc| crate::domain::phone::normalize_national(p, cc)))
    });
    if let Some(p) = phone {
        c.insert("phone".into(), json!(p));
    }
    let mut consent = Map::new();
    for (key, channel) in [("_cartback_email_consent", "email"), ("_cartback_sms_consent", "sms")] {
        match meta(v, key).and_then(Value::as_str) {
            Some("yes" | "1" | "true") => consent.insert(channel.into(), json!(true)),
            Some("no" | "0" | "false") => consent.insert(channel.into(), json!(false)),
            _ => None,
        };
    }
    if !consent.is_empty() {
        c.insert("consent".into(), Value::Object(consent));
    }
    Value::Object(c)
}
