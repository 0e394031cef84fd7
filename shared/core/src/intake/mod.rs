//! Intake: where a cart event enters. The native event contract (`contract`), the storefront
//! mappings onto it (`shopify`, `woocommerce`; the capture snippet posts the contract itself),
//! and applying an event to the cart (`apply`).

pub mod apply;
pub mod checkout_aliases;
pub mod contract;
pub mod shopify;
pub mod snippet;
pub mod woocommerce;
