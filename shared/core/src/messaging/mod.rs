//! Messaging: what a step sends. `compose` renders a message from its template (or the
//! built-in texts, `text`) with the restore link (`links`), the unsubscribe link
//! (`unsubscribe_link`) and the incentive (`coupons`); `claim` is the all-or-nothing write that
//! reserves a send before the outbox hands it over (`engine::outbox`).

pub mod claim;
pub mod compose;
pub mod coupons;
pub mod links;
pub mod offer_codes;
pub mod push_payload;
pub mod recommendations;
pub mod sms_length_check;
pub mod unsubscribe_link;

// The stage's front: what the stages above it (abandonment's dispatch, conversations) use. The
// files behind it are the stage's own (tests/architecture.rs).
pub use claim::{contact_after_send, new_link_records};
pub use compose::{
    ComposeError, ComposeInput, Delivery, add_recommendations, compose as compose_message, context, needs_coupon,
    recommendations_fit,
};
pub(crate) use coupons::index_record as coupon_index_record;
pub use coupons::{
    CONTACT_WINDOW as COUPON_CONTACT_WINDOW, issued_today as coupons_issued_today, new_code as new_coupon_code,
    validity as coupon_validity,
};
pub use offer_codes::counter as offer_counter;
pub use recommendations::{for_message as recommendations_for, recommendation_tap, tracked_link};

use crate::engine::Kernel;
use crate::ports::CartStore;
use std::sync::Arc;

/// The links a message carries, opened: the restore link (`links`) and the unsubscribe link's
/// contact (`unsubscribe_link`). Holds the carts (and their link records).
pub struct Links {
    pub(crate) k: Arc<Kernel>,
    pub(crate) carts: Arc<dyn CartStore>,
}

/// Coupons: the merchant's lookup of a code, and the budget a step checks before it issues one
/// (`coupons`). Holds the carts (and the code index).
#[derive(Clone)]
pub struct Coupons {
    pub(crate) k: Arc<Kernel>,
    pub(crate) carts: Arc<dyn CartStore>,
}
