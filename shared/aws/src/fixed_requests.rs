//! Requests the AWS shape makes whatever the traffic, and the volume they are shared over when
//! stated per cart (the bill's `daily_carts`, the request budget in docs/benchmarks.md).

/// The volume per-cart figures assume: one million carts a day.
pub const REFERENCE_CARTS_PER_DAY: f64 = 1_000_000.0;

/// The scheduler sweeps once a minute.
pub const SWEEPS_PER_DAY: f64 = 1440.0;

/// Lambda's SQS event source polls with long polling (up to 20 s a `ReceiveMessage`) on at
/// least five connections when the queue is idle (AWS Lambda Developer Guide, "Using Lambda with
/// Amazon SQS": scaling): 5 × 3 a minute × 1 440 minutes.
pub const IDLE_RECEIVES_PER_DAY: f64 = 5.0 * 3.0 * 1440.0;

/// A fixed daily count of requests, per cart at the reference volume.
pub fn per_cart(requests_per_day: f64) -> f64 {
    requests_per_day / REFERENCE_CARTS_PER_DAY
}
