//! "Where is my order?" answered from the shopper's own newest order as the platform last
//! described it (`domain::order_note`): confirmed, shipped or partly shipped, with its tracking.
//! A cancelled, refunded or held order, or none known, goes to a person.

use crate::domain::Contact;
use crate::domain::order_note::OrderProgress;
use crate::text::builtin::phrase;

/// `question` is the shopper's text: one that names an order number other than the newest
/// order's goes to a person (the answer would be about another order).
pub fn answer(contact: &Contact, question: &str, lang: &str) -> Option<String> {
    let order = contact.orders.first()?;
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let own = [Some(order.id.as_str()), order.name.as_deref()].into_iter().flatten().map(digits).collect::<Vec<_>>();
    let folded = crate::catalogue::understand::words::Words::new(question);
    let other = folded.tokens.iter().any(|t| t.len() >= 3 && t.parse::<u64>().is_ok() && !own.contains(t));
    if other {
        return None;
    }
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
