//! When a step or a variant is for a cart (`when = {…}` in the store's sequence,
//! docs/sequences.md): every key given must hold; a step whose condition is false is skipped and
//! counted (`steps_skipped.condition`), never silently.

use crate::domain::{Channel, Reason, Temperature};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Condition {
    /// The cart's value (items × unit prices, before shipping and discounts) in the store's
    /// currency, minor units, bounds included. A cart in another currency matches neither bound:
    /// no rate is guessed.
    pub cart_value_min: Option<i64>,
    pub cart_value_max: Option<i64>,
    /// Units in the cart (the sum of quantities), bounds included.
    pub items_min: Option<u32>,
    pub items_max: Option<u32>,
    /// `true`: a first-time buyer; `false`: a returning one (`first_time` in `when`).
    pub first_time: Option<bool>,
    /// ISO 3166 alpha-2 countries (upper case): the country of the shopper's phone number.
    pub countries: Vec<String>,
    /// Primary language subtags (lower case) of the shopper's locale, else the store's.
    pub languages: Vec<String>,
    /// Channels the shopper must have said yes to, every one of them.
    pub consent: Vec<Channel>,
    /// The reason the shopper gave in a reply, any of them.
    pub reasons: Vec<Reason>,
    /// The cart's lead temperature, any of them.
    pub leads: Vec<Temperature>,
    /// Some item in the cart is, in the store's catalogue, tagged with one of these, in one of
    /// these collections, of one of these product types (compared without case). A cart whose
    /// items the catalogue does not know, or a store without a catalogue, meets none.
    pub tags: Vec<String>,
    pub collections: Vec<String>,
    pub product_types: Vec<String>,
}

impl Condition {
    /// Whether the condition names nothing (an empty `when = {}` is refused at load).
    pub fn is_empty(&self) -> bool {
        *self == Condition::default()
    }

    /// Whether judging it needs the store's catalogue (the items' tags, collections, types).
    pub fn needs_catalogue(&self) -> bool {
        !(self.tags.is_empty() && self.collections.is_empty() && self.product_types.is_empty())
    }
}
