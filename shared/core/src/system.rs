//! The two adapters every host uses, Lambda and local mode alike: the system clock and the
//! operating system's random source. Standard library only.

use crate::ports::{Clock, RandomSource};
use jiff::Timestamp;

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// The operating system's CSPRNG: for real tokens.
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn bytes16(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        // getrandom fails only on exotic platforms without an entropy source; refuse to run there.
        if let Err(e) = getrandom::fill(&mut b) {
            panic!("no operating-system randomness available: {e}");
        }
        b
    }
}
