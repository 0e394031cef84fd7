//! The durable single-node backend of local mode: every port of the engine — carts, contacts,
//! sends (on the cart record), restore links, counters, the timer queue and the console outbox —
//! in one SQLite file (WAL), behind the same traits as the in-memory and AWS adapters.
//!
//! One connection, one writer: `cartback serve` is one process, and the file is opened with an
//! exclusive lock so a second process is refused instead of interleaving with the first.

mod alerts;
mod cart_store;
mod db;
mod keys;
mod outbox;
mod queue;
pub mod schema;

pub use alerts::SqliteAlerts;
pub use cart_store::SqliteStore;
pub use db::{Database, OpenError, Sync};
pub use outbox::SqliteOutbox;
pub use queue::SqliteQueue;
