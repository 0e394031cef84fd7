//! Domain types: what a cart, a contact and a send are, and the value types they are made of
//! (money, phone numbers, personal data, locales). No I/O here.

pub mod cart;
pub mod cart_event;
pub mod catalogue;
pub mod channel;
pub mod contact;
pub mod conversation;
pub mod fnv;
pub mod handoff;
pub mod json_fields;
pub mod link_key;
pub mod locale;
pub mod money;
pub mod order_note;
pub mod phone;
pub mod pii;
pub mod reason;
pub mod samples;
pub mod secret;

pub use cart::{
    ArmedTimer, CONSENT_LOG_LEN, Cart, CartStatus, Consent, ConsentChange, Customer, DeliveryStatus, Item, ItemKinds,
    OfferClaim, OrderRecord, SendRecord, SendStatus, Temperature,
};
pub use channel::Channel;
pub use contact::{Contact, Hold, Stopped, contact_key, contact_key_uncached};
pub use conversation::{Author, Conversation, ConversationStatus, Entry};
pub use reason::Reason;
