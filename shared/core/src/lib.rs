//! Cartback's core: the abandoned-cart recovery engine without any cloud dependency, laid out by
//! pipeline stage (docs/architecture.md):
//!
//! - `domain`: carts, contacts, channels, reasons, and value types (money, phone, pii, locale).
//! - `config`: store configuration (TOML), checked at load.
//! - `intake`: the event contract, storefront mappings, applying an event.
//! - `abandonment`: deciding abandonment and each send; the due-timer use case.
//! - `messaging`: composing, templates, built-in texts, SMS segments, links, coupons.
//! - `conversations`: keywords, reasons, replies and hand-offs.
//! - `feedback`: delivery statuses, SES and WhatsApp events, unsubscribe.
//! - `engine`: the `Engine` every use case runs on, and the stats report.
//! - `ports`: the traits adapters implement.
//! - `system`: the system clock and random source every host uses.
//!
//! Local mode (the one-process runtime, in-memory adapters) is the `cartback-local` crate.

pub mod abandonment;
pub mod app;
pub mod catalogue;
pub mod config;
pub mod conversations;
pub mod domain;
pub mod engine;
pub mod feedback;
pub mod hooks;
pub mod intake;
pub mod messaging;
pub mod outbound;
pub mod ports;
pub mod shopper_data;
pub mod system;
pub mod text;
