//! Cartback's core: the abandoned-cart recovery engine without any cloud dependency.
//!
//! - `domain`: carts, contacts, sends; `money`, `pii`: value types.
//! - `config`: store configuration (TOML), checked at load.
//! - `event`: the native event contract, validated.
//! - `rules`: pure decisions (lifecycle, quiet hours, send policy, A/B, keywords, reasons).
//! - `ports`: the traits adapters implement; `adapters`: in-memory ones and the counter.
//! - `engine`: the use cases over the ports; `local`: the one-process runtime.

pub mod adapters;
pub mod builtin;
pub mod compose;
pub mod config;
pub mod domain;
pub mod engine;
pub mod event;
pub mod local;
pub mod locale;
pub mod money;
pub mod phone;
pub mod pii;
pub mod ports;
pub mod rules;
pub mod samples;
pub mod ses_events;
pub mod shopify;
pub mod sms;
pub mod template;
pub mod twilio;
pub mod unsubscribe;
pub mod whatsapp;
pub mod woocommerce;
