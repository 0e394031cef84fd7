//! What a shopper may be told about their own order ("where is my order?"): its name as the
//! shop shows it, whether it has shipped and how to track it. Kept on the shopper's contact
//! records (by phone and by e-mail), the newest few, from the platform's order webhooks; nothing
//! else of the order (no address, no items).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The most orders a contact keeps.
pub const MAX_ORDER_NOTES: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderProgress {
    /// Placed (and paid, where the platform says so), not shipped yet.
    Received,
    PartlyShipped,
    Shipped,
    /// Cancelled, refunded or on hold: a person explains these.
    NeedsPerson,
}

impl OrderProgress {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderProgress::Received => "received",
            OrderProgress::PartlyShipped => "partly_shipped",
            OrderProgress::Shipped => "shipped",
            OrderProgress::NeedsPerson => "needs_person",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderNote {
    /// The platform's order id (matches later updates).
    pub id: String,
    /// The name the shopper knows ("#1001"), once the platform has said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub placed_at: Timestamp,
    pub progress: OrderProgress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Tracking>,
    /// The platform's time of this state: an older update changes nothing.
    pub updated_at: Timestamp,
}

/// `note` put in `notes` (replacing the same order's older state), newest orders first, at most
/// `MAX_ORDER_NOTES`. Whether anything changed.
pub fn note_order(notes: &mut Vec<OrderNote>, note: OrderNote) -> bool {
    match notes.iter_mut().find(|n| n.id == note.id) {
        Some(n) if n.updated_at >= note.updated_at => return false,
        Some(n) => {
            let name = note.name.clone().or(n.name.take());
            let placed_at = n.placed_at.min(note.placed_at);
            *n = OrderNote { name, placed_at, ..note };
        }
        None => notes.push(note),
    }
    notes.sort_by_key(|n| std::cmp::Reverse(n.placed_at));
    notes.truncate(MAX_ORDER_NOTES);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: &str, placed: i64, updated: i64, progress: OrderProgress) -> OrderNote {
        OrderNote {
            id: id.into(),
            name: None,
            placed_at: Timestamp::from_second(placed).unwrap(),
            progress,
            tracking: None,
            updated_at: Timestamp::from_second(updated).unwrap(),
        }
    }

    #[test]
    fn newer_states_replace_older_ones_and_only_the_newest_orders_stay() {
        let mut notes = Vec::new();
        assert!(note_order(&mut notes, note("1", 100, 100, OrderProgress::Received)));
        let mut shipped = note("1", 100, 200, OrderProgress::Shipped);
        shipped.name = Some("#1001".into());
        assert!(note_order(&mut notes, shipped));
        // A late, older delivery of the first state changes nothing.
        assert!(!note_order(&mut notes, note("1", 100, 150, OrderProgress::Received)));
        assert_eq!((notes[0].progress, notes[0].name.as_deref()), (OrderProgress::Shipped, Some("#1001")));
        for (i, id) in ["2", "3", "4"].iter().enumerate() {
            note_order(&mut notes, note(id, 300 + i as i64, 300, OrderProgress::Received));
        }
        let ids: Vec<&str> = notes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["4", "3", "2"]);
    }
}
