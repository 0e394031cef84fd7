//! Statistics off the hot path. Counting a message, an order or a reason used to be one write
//! to one item per store, inside the work it counted. In deferred mode (the Lambda functions and
//! `simulate`'s meter), counter changes are instead:
//! - gathered per invocation and written once per store when it ends (`Engine::flush_stats`):
//!   a dispatcher batch of up to 10 due carts costs one write, not one per change;
//! - for an event that arms the cart's timer, carried in the cart write the event makes anyway
//!   (`Cart::pending_stats`) and added by the dispatcher that handles the timer, so ingesting an
//!   event costs no statistics write at all;
//! - written to one of several shard items per store (the DynamoDB adapter), so no single item
//!   takes every change.
//!
//! Bound: a change is in the stats route's answer when the invocation that made it ends (at most
//! the function's timeout), and for carried changes when the cart's timer is handled (its
//! `abandon_after` plus the sweep's minute). Counters the engine itself reads (the coupon budget's
//! daily count) are written at once, as before. In local mode the buffer is off: every change
//! is written at once, as the local stats route has always answered.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct StatsBuffer {
    deferred: bool,
    pending: Mutex<HashMap<String, BTreeMap<String, i64>>>,
}

impl StatsBuffer {
    /// Changes are gathered and written by `Engine::flush_stats`.
    pub fn deferred() -> StatsBuffer {
        StatsBuffer { deferred: true, pending: Mutex::default() }
    }

    pub fn is_deferred(&self) -> bool {
        self.deferred
    }

    pub(crate) fn add(&self, store: &str, deltas: &[(String, i64)]) {
        let mut g = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let m = g.entry(store.to_string()).or_default();
        for (k, d) in deltas {
            *m.entry(k.clone()).or_insert(0) += d;
        }
    }

    /// Everything gathered, per store, without the changes that cancelled out.
    pub(crate) fn take(&self) -> Vec<(String, Vec<(String, i64)>)> {
        let mut g = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        g.drain()
            .map(|(store, m)| (store, m.into_iter().filter(|(_, d)| *d != 0).collect::<Vec<_>>()))
            .filter(|(_, d)| !d.is_empty())
            .collect()
    }
}

/// Counters the engine reads back while working must be exact at once: the coupon budget's
/// daily count (`Counter::CouponsIssuedOn`), the second reader's calls, and the e-mail rates
/// and pauses (`email_health`).
pub(crate) fn is_read_back(key: &str) -> bool {
    key.starts_with(super::counters::prefix::COUPONS_ISSUED_ON)
        || key.starts_with(super::counters::READER_CALLS_ON)
        || key.starts_with(super::email_health::PREFIX)
}

/// The changes a cart carried (`Cart::pending_stats`), taken out of it to be counted.
pub(crate) fn take_carried(cart: &mut crate::domain::Cart) -> super::counters::Deltas {
    std::mem::take(&mut cart.pending_stats)
        .into_iter()
        .map(|(k, n)| (super::counters::Counter::Carried(k), n))
        .collect()
}
