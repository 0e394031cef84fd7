//! A validated cart event: what every way in (the native contract, Shopify, WooCommerce, the
//! snippet) becomes before it is applied to a cart (`intake::contract` parses it).

use crate::domain::money::{Currency, Money};
use crate::domain::{Customer, Item};
use jiff::Timestamp;

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
