//! Token buckets for the public collect route: per client address within a store, and per store.
//! In memory, per process: in AWS each Lambda instance keeps its own (API Gateway's stage
//! throttling bounds the total); locally there is one process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Requests that may arrive at once.
    pub burst: f64,
    /// Requests per second sustained.
    pub per_second: f64,
}

/// Per client address: a shopper's tab sends a few events a minute; a page reload storm or a
/// script hammering the key is cut off after the burst.
pub const PER_CLIENT: Limit = Limit { burst: 60.0, per_second: 1.0 };
/// Per store, all clients together.
pub const PER_STORE: Limit = Limit { burst: 3_000.0, per_second: 200.0 };

/// Idle buckets are forgotten once this many are held, so a spray of addresses cannot grow
/// memory without bound.
const MAX_BUCKETS: usize = 50_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimiter {
    client: Limit,
    store: Limit,
    buckets: Mutex<HashMap<(String, String), Bucket>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new(PER_CLIENT, PER_STORE)
    }
}

impl RateLimiter {
    pub fn new(client: Limit, store: Limit) -> RateLimiter {
        RateLimiter { client, store, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `client` of `store`, or says after how many seconds one is free.
    pub fn check(&self, store: &str, client: &str, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            let (c, s) = (self.client, self.store);
            buckets.retain(|(_, who), b| {
                let l = if who.is_empty() { s } else { c };
                refill(*b, l, now).tokens < l.burst
            });
        }
        let store_key = (store.to_string(), String::new());
        let client_key = (store.to_string(), client.to_string());
        let s = refill(buckets.get(&store_key).copied().unwrap_or(full(self.store, now)), self.store, now);
        let c = refill(buckets.get(&client_key).copied().unwrap_or(full(self.client, now)), self.client, now);
        let wait = |b: Bucket, l: Limit| ((1.0 - b.tokens) / l.per_second).ceil().max(1.0) as u64;
        if c.tokens < 1.0 {
            buckets.insert(client_key, c);
            return Err(wait(c, self.client));
        }
        if s.tokens < 1.0 {
            buckets.insert(store_key, s);
            return Err(wait(s, self.store));
        }
        buckets.insert(client_key, Bucket { tokens: c.tokens - 1.0, at: now });
        buckets.insert(store_key, Bucket { tokens: s.tokens - 1.0, at: now });
        Ok(())
    }
}

impl RateLimiter {
    /// Takes one token from the bucket `key` under `limit` (a per-store setting), or says no.
    pub fn take(&self, key: (&str, &str), limit: Limit, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| refill(*b, limit, now).tokens < limit.burst);
        }
        let key = (key.0.to_string(), key.1.to_string());
        let b = refill(buckets.get(&key).copied().unwrap_or(full(limit, now)), limit, now);
        let ok = b.tokens >= 1.0;
        buckets.insert(key, Bucket { tokens: if ok { b.tokens - 1.0 } else { b.tokens }, at: now });
        ok
    }
}

fn full(l: Limit, now: Instant) -> Bucket {
    Bucket { tokens: l.burst, at: now }
}

fn refill(b: Bucket, l: Limit, now: Instant) -> Bucket {
    let secs = now.saturating_duration_since(b.at).as_secs_f64();
    Bucket { tokens: (b.tokens + secs * l.per_second).min(l.burst), at: now }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_client_gets_its_burst_then_waits_and_others_are_unaffected() {
        let rl = RateLimiter::new(Limit { burst: 3.0, per_second: 1.0 }, Limit { burst: 5.0, per_second: 0.5 });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(rl.check("s", "a", t0), Ok(()));
        }
        assert_eq!(rl.check("s", "a", t0), Err(1));
        assert_eq!(rl.check("s", "b", t0), Ok(()), "another client is not limited by a");
        assert_eq!(rl.check("other", "a", t0), Ok(()), "nor another store");
        assert_eq!(rl.check("s", "a", t0 + Duration::from_secs(1)), Ok(()));
        // The store's own bucket: 5 at once across its clients (3 + 1 + 1 taken so far).
        assert_eq!(rl.check("s", "c", t0 + Duration::from_secs(1)), Err(1));
        assert_eq!(rl.check("s", "c", t0 + Duration::from_secs(2)), Ok(()));
    }
}
