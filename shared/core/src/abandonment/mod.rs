//! Abandonment: where it is decided that a cart is abandoned and whether, when and on which
//! channel a step may go. `lifecycle` decides on each event and timer, `send_policy` (with
//! `quiet_hours`, `compliance` and the A/B split `ab`) decides a send, and `due` runs a due
//! timer through both. Pure decisions except `due`, which is the use case over the ports.

pub mod ab;
pub mod compliance;
pub mod due;
pub mod lifecycle;
pub mod number_zones;
pub mod quiet_hours;
pub mod send_policy;

// The stage's front: applying an event to a cart, for intake.
pub use lifecycle::{EventOutcome, apply_event};
