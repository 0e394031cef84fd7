//! Local mode: the whole pipeline in one process. The runtime that drives the engine on a system
//! or virtual clock and emulates the SQS timer queue (backoff, dead letters), the in-memory
//! adapters, the console channel, fault injection and the request counter, and the `/_local/*`
//! control routes. `cartback-sqlite` implements this crate's `Backend` durably. Nothing here
//! is linked into a Lambda function.

pub mod adapters;
pub mod control_routes;
pub mod runtime;

pub use cartback_channels::outbound_target::Reach as WebhooksReach;
pub use control_routes::local_router;
pub use runtime::{AlertLog, Backend, LocalOptions, LocalQueue, LocalRuntime, LocalStore, Outbox, Settle, clock_of};
