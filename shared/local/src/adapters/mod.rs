//! Adapters that need nothing but memory: local mode's storage and queues, the console channel,
//! the virtual clock, the seeded random source, fault injection and the request counter.

pub mod chaos;
pub mod clock;
pub mod console;
pub mod counting;
pub mod faults;
pub mod memory_queues;
pub mod memory_store;
pub mod random;
