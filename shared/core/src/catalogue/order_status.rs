//! "Where is my order?" answered from the shopper's own newest order as the platform last
//! described it (`domain::order_note`): confirmed, shipped or partly shipped, with its tracking.
//! A cancelled, refunded or held order, or none known, goes to a person.

use crate::domain::Contact;
use crate::domain::order_note::OrderProgress;
use crate::text::builtin::phrase;

pub fn answer(contact: &Contact, lang: &str) -> Option<String> {
    let order = contact.orders.first()?;
    let name = order.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
    let tracking = order
        .tracking
        .as_ref()
        .map(|t| {
            let parts: Vec<&str> =
                [t.company.as_deref(), t.number.as_deref(), t.url.as_deref()].into_iter().flatten().collect();
            format!(" ({})", parts.join(" "))
        })
        .unwrap_or_default();
    let key = match order.progress {
        OrderProgress::Received => "cat_order_received",
        OrderProgress::Shipped => "cat_order_shipped",
        OrderProgress::PartlyShipped => "cat_order_partly_shipped",
        OrderProgress::NeedsPerson => return None,
    };
    Some(phrase(key, lang, &[("name", &name), ("tracking", &tracking)]))
}
