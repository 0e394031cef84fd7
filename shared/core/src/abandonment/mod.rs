//! Abandonment: where it is decided that a cart is abandoned and whether, when and on which
//! channel a step may go. `lifecycle` decides on each event and timer, `send_policy` (with
//! `quiet_hours`, `compliance` and the A/B split `ab`) decides a send, and `due` runs a due
//! timer through both. Pure decisions except `due`, which is the use case over the ports.

pub mod ab;
pub mod compliance;
pub mod conditions;
pub mod due;
pub mod lifecycle;
pub mod number_zones;
pub mod quiet_hours;
pub mod send_policy;

// The stage's front: applying an event to a cart, for intake.
pub use lifecycle::{EventOutcome, apply_event};

use crate::engine::Kernel;
use crate::engine::outbox::Outbox;
use crate::messaging::Coupons;
use crate::ports::{CartStore, TimerQueue};
use std::sync::Arc;

/// Abandonment's use case: a due timer run through the lifecycle and the send policy, and the
/// step it allows claimed and handed to the outbox (`due`). Holds the carts, the timer queue,
/// the outbox, and the coupon budget (`messaging::Coupons`).
pub struct Dispatch {
    pub(crate) k: Arc<Kernel>,
    pub(crate) carts: Arc<dyn CartStore>,
    pub(crate) timers: Arc<dyn TimerQueue>,
    pub(crate) outbox: Arc<Outbox>,
    pub(crate) coupons: Coupons,
    /// The store's catalogue, read only for a step that recommends products or a condition on
    /// the items' tags, collections or types.
    pub(crate) catalogues: Arc<crate::catalogue::CachedCatalogues>,
}
