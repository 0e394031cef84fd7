//! Adapters that need nothing but memory: the local mode's storage and queues, the console
//! channel, clocks, random sources, and the request-counting wrapper.

pub mod clock;
pub mod console;
pub mod counting;
pub mod faults;
pub mod memory_queues;
pub mod memory_store;
pub mod random;
