//! Messaging: what a step sends. `compose` renders a message from its `template` (or the
//! `builtin` texts) with the restore link (`links`) and incentive (`coupons`); `sms_segments`
//! counts what an SMS costs.

pub mod builtin;
pub mod claim;
pub mod compose;
pub mod coupons;
pub mod gsm_fold;
pub mod links;
pub mod sms_segments;
pub mod template;
