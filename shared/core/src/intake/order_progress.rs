//! An order's progress after it was placed (Shopify's `orders/updated`, `orders/fulfilled`,
//! `orders/partially_fulfilled`, `orders/cancelled`, `orders/paid`): whether it shipped and its
//! tracking, kept on the shopper's contact records so that "where is my order?" can be answered
//! with the shopper's own order and nothing more (`domain::order_note`).

use crate::config::StoreConfig;
use crate::domain::contact_key;
use crate::domain::order_note::{OrderNote, OrderProgress, Tracking, note_order};
use crate::engine::counters::Counter;
use crate::engine::{EngineError, retry_on_conflict};
use crate::intake::Intake;
use serde_json::Value;

/// The Shopify topics that carry an order's progress.
pub const SHOPIFY_TOPICS: [&str; 5] =
    ["orders/updated", "orders/fulfilled", "orders/partially_fulfilled", "orders/cancelled", "orders/paid"];

/// What an order webhook says about the order, and whose it is.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderUpdate {
    pub note: OrderNote,
    /// The shopper's phone (E.164) and e-mail, as the order names them.
    pub phone: Option<String>,
    pub email: Option<String>,
}

use crate::domain::json_fields::text;

/// Reads a Shopify order payload; `Err` names what is missing.
pub fn from_shopify(v: &Value) -> Result<OrderUpdate, &'static str> {
    let id = crate::domain::json_fields::id_at(v, "id").ok_or("id")?;
    let at = |k: &str| text(v, k).and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let placed_at = at("created_at").ok_or("created_at")?;
    let updated_at = at("updated_at").unwrap_or(placed_at);
    let refunded = matches!(text(v, "financial_status"), Some("refunded" | "voided" | "partially_refunded"));
    let progress = if at("cancelled_at").is_some() || refunded {
        OrderProgress::NeedsPerson
    } else {
        match text(v, "fulfillment_status") {
            Some("fulfilled") => OrderProgress::Shipped,
            Some("partial") => OrderProgress::PartlyShipped,
            _ => OrderProgress::Received,
        }
    };
    // The newest fulfillment that says how to follow it.
    let tracking = v.get("fulfillments").and_then(Value::as_array).and_then(|fs| {
        fs.iter().rev().find_map(|f| {
            let url = text(f, "tracking_url")
                .or_else(|| {
                    f.get("tracking_urls").and_then(Value::as_array).and_then(|u| u.first()).and_then(Value::as_str)
                })
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(str::to_string);
            let number = text(f, "tracking_number").map(str::to_string);
            (url.is_some() || number.is_some()).then(|| Tracking {
                company: text(f, "tracking_company").map(str::to_string),
                number,
                url,
            })
        })
    });
    let customer = v.get("customer").filter(|c| c.is_object());
    let email = text(v, "email").or_else(|| customer.and_then(|c| text(c, "email"))).filter(|e| e.contains('@'));
    // The shopper's own phone only: a billing address's may be whoever paid.
    let phone = text(v, "phone")
        .or_else(|| customer.and_then(|c| text(c, "phone")))
        .and_then(crate::domain::phone::normalize_phone);
    Ok(OrderUpdate {
        note: OrderNote { id, name: text(v, "name").map(str::to_string), placed_at, progress, tracking, updated_at },
        phone,
        email: email.map(str::to_string),
    })
}

impl Intake {
    /// Puts the order's progress on the shopper's contact records that exist (by phone, by
    /// e-mail): how many were changed. An order for nobody Cartback knows is counted, not kept.
    pub async fn order_progress(&self, store: &StoreConfig, u: &OrderUpdate) -> Result<usize, EngineError> {
        // As for events: a state dated in the future would make every real update after it look
        // older (a storefront's clock, not the shopper's order). Counted, not kept.
        if u.note.updated_at > self.k.clock.now() + jiff::SignedDuration::from_mins(5) {
            self.k.count(&store.id, vec![(Counter::OrderProgress("in_future"), 1)]).await;
            return Ok(0);
        }
        let mut keys: Vec<String> =
            [&u.phone, &u.email].into_iter().flatten().map(|a| contact_key(&store.id, a)).collect();
        keys.dedup();
        let (mut changed, mut known) = (0, 0);
        for key in &keys {
            retry_on_conflict!({
                let Some(mut contact) = self.carts.get_contact(&store.id, key).await? else { return Ok(()) };
                known += 1;
                if note_order(&mut contact.orders, u.note.clone()) {
                    self.carts.put_contact(contact).await?;
                    changed += 1;
                }
                Ok(())
            })?;
        }
        // A redelivery, or a state older than the one kept, changes nothing: `unchanged`.
        let what = match (known, changed) {
            (0, _) => "unknown_shopper",
            (_, 0) => "unchanged",
            _ => u.note.progress.as_str(),
        };
        self.k.count(&store.id, vec![(Counter::OrderProgress(what), 1)]).await;
        Ok(changed)
    }
}
