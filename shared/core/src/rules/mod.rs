//! Pure decisions: no I/O, no clock — everything they need is passed in.

pub mod ab;
pub mod classify;
pub mod compliance;
pub mod keywords;
pub mod lifecycle;
pub mod quiet_hours;
pub mod send_policy;
