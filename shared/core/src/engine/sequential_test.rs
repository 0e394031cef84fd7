//! Comparing two groups so that a merchant may look every day: the mixture sequential
//! probability ratio test (mSPRT; Robbins 1970, as used for A/B tests by Johari, Pekelis and
//! Walsh, "Always valid inference", 2017).
//!
//! The difference of the two groups' means, `d = mean_b - mean_a`, is treated as normal with
//! variance `V = var_a/n_a + var_b/n_b` (the central limit theorem: the groups are large and the
//! outcome per cart is an order count or a revenue). Against "no difference", the likelihood
//! ratio mixed over a normal prior `N(0, tau²)` on the true difference is
//!
//! ```text
//! Λ = sqrt(V / (V + tau²)) · exp(tau² d² / (2 V (V + tau²)))
//! ```
//!
//! `Λ` is a martingale under "no difference", so by Ville's inequality the chance that it ever
//! reaches `1/alpha`, at any of any number of looks, is at most `alpha`: the always-valid p-value
//! is `min(1, 1/Λ)`, and the always-valid interval is every difference `theta` the same test
//! would not reject (`d ± half_width`). Checked against an independent computation with `scipy`
//! (numerical integration and root finding, `tests/references/experiments.py`).

use serde::Serialize;

/// One group's outcome per unit (per cart): how many units, the mean and the variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub n: f64,
    pub mean: f64,
    pub variance: f64,
}

impl Sample {
    /// A yes/no outcome: `successes` of `n`.
    pub fn proportion(successes: i64, n: i64) -> Sample {
        let n = n.max(0) as f64;
        let p = if n > 0.0 { (successes.max(0) as f64 / n).min(1.0) } else { 0.0 };
        Sample { n, mean: p, variance: p * (1.0 - p) }
    }

    /// A measured outcome from its sum and sum of squares over `n` units.
    pub fn from_sums(n: i64, sum: f64, sum_of_squares: f64) -> Sample {
        let n = n.max(0) as f64;
        if n == 0.0 {
            return Sample { n, mean: 0.0, variance: 0.0 };
        }
        let mean = sum / n;
        Sample { n, mean, variance: (sum_of_squares / n - mean * mean).max(0.0) }
    }
}

/// The comparison of `b` against `a`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// `mean_b - mean_a`.
    pub difference: f64,
    /// The always-valid interval for the difference, at the test's confidence.
    pub low: f64,
    pub high: f64,
    /// `difference / mean_a`, when `a`'s mean is not zero.
    pub relative_lift: Option<f64>,
    /// The always-valid p-value: `min(1, 1/Λ)`.
    pub p_value: f64,
}

/// The mixture likelihood ratio `Λ` for an observed difference `d` with variance `v`.
pub fn mixture_ratio(d: f64, v: f64, tau2: f64) -> f64 {
    ((v / (v + tau2)).ln() / 2.0 + tau2 * d * d / (2.0 * v * (v + tau2))).exp()
}

/// Half the width of the always-valid `1 - alpha` interval.
pub fn half_width(v: f64, tau2: f64, alpha: f64) -> f64 {
    (v * (v + tau2) / tau2 * (2.0 * (1.0 / alpha).ln() + ((v + tau2) / v).ln())).sqrt()
}

/// Compares `b` with `a`, the mixing prior's standard deviation `tau` (in the outcome's units).
/// `None` when the difference has no spread to test (both groups constant or empty).
pub fn compare(a: &Sample, b: &Sample, tau: f64, alpha: f64) -> Option<Comparison> {
    if a.n <= 0.0 || b.n <= 0.0 || tau <= 0.0 {
        return None;
    }
    let v = a.variance / a.n + b.variance / b.n;
    if v <= 0.0 || !v.is_finite() {
        return None;
    }
    let tau2 = tau * tau;
    let d = b.mean - a.mean;
    let w = half_width(v, tau2, alpha);
    Some(Comparison {
        difference: d,
        low: d - w,
        high: d + w,
        relative_lift: (a.mean != 0.0).then(|| d / a.mean),
        p_value: (1.0 / mixture_ratio(d, v, tau2)).min(1.0),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A small deterministic generator (SplitMix64), so the simulations are the same every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
        fn binomial(&mut self, n: u32, p: f64) -> i64 {
            (0..n).filter(|_| self.next() < p).count() as i64
        }
    }

    /// Two groups with the same true rate, looked at every day for 60 days (50 carts a day in
    /// each): how often is a difference ever called at alpha = 0.05? The mSPRT must stay at or
    /// under 5 % (Ville); a fixed-horizon z-test read every day does not — the reason for the
    /// sequential test.
    fn peeking(rate_a: f64, rate_b: f64, runs: u32, seed: u64) -> (f64, f64) {
        let mut rng = Rng(seed);
        let (mut msprt_calls, mut naive_calls) = (0, 0);
        for _ in 0..runs {
            let (mut xa, mut xb, mut n) = (0, 0, 0);
            let (mut called, mut naive) = (false, false);
            for _day in 0..60 {
                xa += rng.binomial(50, rate_a);
                xb += rng.binomial(50, rate_b);
                n += 50;
                let (a, b) = (Sample::proportion(xa, n), Sample::proportion(xb, n));
                let tau = 0.2 * (a.mean + b.mean) / 2.0;
                if let Some(c) = compare(&a, &b, tau.max(1e-3), 0.05) {
                    called |= c.p_value < 0.05;
                    let z = c.difference / (a.variance / a.n + b.variance / b.n).sqrt();
                    naive |= z.abs() > 1.959_964;
                }
            }
            msprt_calls += u32::from(called);
            naive_calls += u32::from(naive);
        }
        (f64::from(msprt_calls) / f64::from(runs), f64::from(naive_calls) / f64::from(runs))
    }

    #[test]
    fn an_a_a_test_looked_at_daily_is_called_at_most_alpha_of_the_time() {
        let (msprt, naive) = peeking(0.10, 0.10, 1000, 7);
        eprintln!("A/A, 1000 runs, 60 daily looks: mSPRT called {msprt}, daily z-test {naive}");
        assert!(msprt <= 0.05, "mSPRT false positives {msprt}");
        assert!(naive > 0.10, "a daily z-test calls noise {naive} of the time");
    }

    #[test]
    fn a_planted_difference_is_found() {
        // 10 % against 13.5 %: 3 000 carts a group after 60 days.
        let (power, naive) = peeking(0.10, 0.135, 200, 11);
        eprintln!("10 % vs 13.5 %, 200 runs: mSPRT power {power} (daily z-test {naive})");
        assert!(power >= 0.8, "power {power}");
    }

    #[test]
    fn the_interval_holds_the_true_difference_and_excludes_zero_when_significant() {
        let a = Sample::proportion(300, 3000);
        let b = Sample::proportion(420, 3000);
        let c = compare(&a, &b, 0.02, 0.05).unwrap();
        assert!((c.difference - 0.04).abs() < 1e-12);
        assert!(c.low > 0.0 && c.high < 0.1, "{c:?}");
        assert!(c.p_value < 0.05);
        assert!((c.relative_lift.unwrap() - 0.4).abs() < 1e-12);
        // The interval's edges are where the test's p-value is exactly alpha.
        let v = a.variance / a.n + b.variance / b.n;
        let at_edge = 1.0 / mixture_ratio(c.difference - c.low, v, 0.02 * 0.02);
        assert!((at_edge - 0.05).abs() < 1e-9, "{at_edge}");
    }

    #[test]
    fn nothing_to_compare_is_none() {
        assert!(compare(&Sample::proportion(0, 0), &Sample::proportion(1, 10), 0.1, 0.05).is_none());
        assert!(compare(&Sample::proportion(0, 10), &Sample::proportion(0, 10), 0.1, 0.05).is_none());
    }

    #[test]
    fn sums_give_the_mean_and_variance() {
        let s = Sample::from_sums(4, 10.0, 30.0); // 1, 2, 3, 4
        assert_eq!(s.mean, 2.5);
        assert!((s.variance - 1.25).abs() < 1e-12);
    }
}
