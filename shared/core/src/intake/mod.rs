//! Intake: where a cart event enters. The native event contract (`contract`), the storefront
//! mappings onto it (`shopify`, `woocommerce`; the capture snippet posts the contract itself),
//! and applying an event to the cart (`apply`).

pub mod apply;
pub mod checkout_aliases;
pub mod contract;
pub mod order_progress;
pub mod shopify;
pub mod snippet;
pub mod woocommerce;

use crate::engine::Kernel;
use crate::ports::{CartStore, TimerQueue};
use std::sync::Arc;

/// Intake's use cases: applying a cart event (`apply`), Shopify's checkout aliases
/// (`checkout_aliases`). Holds the carts and the timer queue (an event arms or moves the cart's
/// one timer).
pub struct Intake {
    pub(crate) k: Arc<Kernel>,
    pub(crate) carts: Arc<dyn CartStore>,
    pub(crate) timers: Arc<dyn TimerQueue>,
}
