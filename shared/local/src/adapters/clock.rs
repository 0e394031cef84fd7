use cartback_core::ports::Clock;
use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;

/// A clock that moves only when told: tests and `--clock virtual`.
pub struct VirtualClock(Mutex<Timestamp>);

impl VirtualClock {
    pub fn new(start: Timestamp) -> VirtualClock {
        VirtualClock(Mutex::new(start))
    }

    pub fn set(&self, t: Timestamp) {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if t > *g {
            *g = t;
        }
    }

    pub fn advance(&self, d: SignedDuration) -> Timestamp {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *g += d;
        *g
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
