//! The experiments in a store's counters, compared: each step's variants against its first
//! (the control), and the messaged carts against the holdout (the lift Cartback itself brings).
//!
//! The unit is the abandoned cart, split at random (`abandonment::ab`): per step by variant, once
//! per cart by holdout. Outcomes per cart: an order (yes/no) and its revenue (0 without one), per
//! currency. A variant's orders are those of the carts that got it, whenever they ordered (every
//! step's variants compare on the carts' eventual orders); holdout and treated compare on every
//! order of an abandoned cart. Tests: `sequential_test` (mSPRT, valid when looked at daily), below.
//! Assumptions and how to read it: docs/experiments.md.

use super::counters::{Counter, Group, prefix};
use super::sequential_test::{Comparison, Sample, compare};
use serde::Serialize;
use std::collections::BTreeMap;

/// The error rate of each verdict: the chance that a step with no real difference is ever
/// called, over every look.
pub const ALPHA: f64 = 0.05;
/// Below this many carts in either group, or this many orders in both together, there is no
/// verdict: "not enough data yet" (the normal approximation needs both).
pub const MIN_CARTS: i64 = 100;
pub const MIN_ORDERS: i64 = 10;
/// The mixing prior's spread, relative to the pooled mean: effects of about a fifth of the
/// baseline are what the test is tuned to find fastest.
pub const TAU_RELATIVE: f64 = 0.2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    NotEnoughData,
    NoDifferenceYet,
    Better,
    Worse,
}

/// One outcome compared: the verdict and, once there is enough data, the numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub verdict: Verdict,
    /// The error rate this comparison is held to (`ALPHA` shared among a step's comparisons).
    pub alpha: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
}

/// One group's (a variant's, the holdout's) counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arm {
    pub name: String,
    pub carts: i64,
    /// Messages sent with this variant (a cart messaged again in a later episode counts again;
    /// variants only).
    pub messages: i64,
    /// Restore-link clicks after this group's message (variants only).
    pub clicks: i64,
    /// Clicks on the products this group's message recommended.
    pub recommendation_clicks: i64,
    pub orders: i64,
    pub order_rate: f64,
    /// Minor units per currency.
    pub revenue: BTreeMap<String, i64>,
    /// Minor units per cart, per currency.
    pub revenue_per_cart: BTreeMap<String, f64>,
    #[serde(skip)]
    revenue_squares: BTreeMap<String, i64>,
}

/// A group against the control (or the treated carts against the holdout).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersusControl {
    pub name: String,
    pub orders: Outcome,
    /// Revenue per cart, per currency.
    pub revenue: BTreeMap<String, Outcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepExperiment {
    pub step: u32,
    pub control: String,
    pub variants: Vec<Arm>,
    /// Each other variant against the control.
    pub comparisons: Vec<VersusControl>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldoutLift {
    pub holdout: Arm,
    pub treated: Arm,
    /// Treated against holdout: the lift in orders and revenue per abandoned cart.
    pub lift: VersusControl,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experiments {
    /// Steps with two variants or more.
    pub steps: Vec<StepExperiment>,
    /// When the store keeps a holdout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout: Option<HoldoutLift>,
    /// The on-site offer's variants (docs/on-site.md), when it has two or more: per variant,
    /// `carts` the shoppers it was shown to, `clicks` the codes taken, `orders` and revenue the
    /// orders of the carts that took it. `step` is unused (0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<StepExperiment>,
    /// Every step's results, its variants together (`name` is the step's index): a branch of
    /// the sequence (a step with a `when`, docs/sequences.md) beside the others. Branches reach
    /// different carts by design, so they are shown, not tested against each other; a test runs
    /// within a step, between its variants (`steps`).
    pub by_step: Vec<Arm>,
}

fn arm(name: &str, carts: i64, clicks: i64, orders: i64) -> Arm {
    Arm {
        name: name.to_string(),
        carts,
        messages: 0,
        clicks,
        recommendation_clicks: 0,
        orders,
        order_rate: if carts > 0 { orders as f64 / carts as f64 } else { 0.0 },
        revenue: BTreeMap::new(),
        revenue_per_cart: BTreeMap::new(),
        revenue_squares: BTreeMap::new(),
    }
}

/// A `revenue_{CUR}` or `revenue_sq_{CUR}` counter into its arm (others are not revenue).
fn add_revenue(a: &mut Arm, measure: &str, v: i64) {
    if let Some(cur) = measure.strip_prefix("revenue_sq_") {
        *a.revenue_squares.entry(cur.to_string()).or_default() += v;
    } else if let Some(cur) = measure.strip_prefix("revenue_") {
        *a.revenue.entry(cur.to_string()).or_default() += v;
    }
}

fn finish(mut a: Arm) -> Arm {
    a.order_rate = if a.carts > 0 { a.orders as f64 / a.carts as f64 } else { 0.0 };
    a.revenue_per_cart = a
        .revenue
        .iter()
        .map(|(c, v)| (c.clone(), if a.carts > 0 { *v as f64 / a.carts as f64 } else { 0.0 }))
        .collect();
    a
}

/// `b` against `a` on one outcome per cart.
fn outcome(a: &Arm, b: &Arm, sa: Sample, sb: Sample, alpha: f64) -> Outcome {
    let enough = a.carts >= MIN_CARTS && b.carts >= MIN_CARTS && a.orders + b.orders >= MIN_ORDERS;
    let pooled = (sa.mean * sa.n + sb.mean * sb.n) / (sa.n + sb.n).max(1.0);
    let tau = (TAU_RELATIVE * pooled.abs()).max(f64::MIN_POSITIVE);
    let comparison = if enough { compare(&sa, &sb, tau, alpha) } else { None };
    let verdict = match &comparison {
        None if !enough => Verdict::NotEnoughData,
        None => Verdict::NoDifferenceYet,
        Some(c) if c.p_value >= alpha => Verdict::NoDifferenceYet,
        Some(c) if c.difference > 0.0 => Verdict::Better,
        Some(_) => Verdict::Worse,
    };
    Outcome { verdict, alpha, comparison }
}

fn versus(a: &Arm, b: &Arm, alpha: f64) -> VersusControl {
    let revenue_sample = |x: &Arm, cur: &str| {
        let sum = x.revenue.get(cur).copied().unwrap_or(0) as f64;
        let sq = x.revenue_squares.get(cur).copied().unwrap_or(0) as f64 * 100.0;
        Sample::from_sums(x.carts, sum, sq)
    };
    let currencies: std::collections::BTreeSet<&String> = a.revenue.keys().chain(b.revenue.keys()).collect();
    VersusControl {
        name: b.name.clone(),
        orders: outcome(a, b, Sample::proportion(a.orders, a.carts), Sample::proportion(b.orders, b.carts), alpha),
        revenue: currencies
            .into_iter()
            .map(|cur| (cur.clone(), outcome(a, b, revenue_sample(a, cur), revenue_sample(b, cur), alpha)))
            .collect(),
    }
}

/// Reads `experiment.{step}.{measure}.{variant}` counters into arms, in the order the variants
/// are configured (`variants[step]`; a variant no longer configured is still shown, after them).
pub fn experiments(counters: &BTreeMap<String, i64>, variants: &[Vec<String>]) -> Experiments {
    let mut by_step: BTreeMap<u32, BTreeMap<String, Arm>> = BTreeMap::new();
    for (key, v) in counters.range(prefix::EXPERIMENT.to_string()..) {
        let Some(rest) = key.strip_prefix(prefix::EXPERIMENT) else { break };
        let Some((step, rest)) = rest.split_once('.') else { continue };
        let (Ok(step), Some((measure, variant))) = (step.parse::<u32>(), rest.split_once('.')) else { continue };
        let a = by_step.entry(step).or_default().entry(variant.to_string()).or_insert_with(|| arm(variant, 0, 0, 0));
        match measure {
            "carts" => a.carts += v,
            "clicks" => a.clicks += v,
            "rec_clicks" => a.recommendation_clicks += v,
            "orders" => a.orders += v,
            m => add_revenue(a, m, *v),
        }
    }
    for (key, v) in counters.range(prefix::MESSAGES_VARIANT.to_string()..) {
        let Some(rest) = key.strip_prefix(prefix::MESSAGES_VARIANT) else { break };
        let Some((step, variant)) = rest.split_once('.') else { continue };
        let Ok(step) = step.parse::<u32>() else { continue };
        let a = by_step.entry(step).or_default().entry(variant.to_string()).or_insert_with(|| arm(variant, 0, 0, 0));
        a.messages += v;
    }
    // Configured steps with variants show before their first message ("not enough data yet").
    for (step, names) in variants.iter().enumerate() {
        if names.len() > 1 {
            by_step.entry(step as u32).or_default();
        }
    }
    let results = by_step
        .iter()
        .map(|(step, found)| {
            let mut total = arm(&step.to_string(), 0, 0, 0);
            for a in found.values() {
                total.carts += a.carts;
                total.messages += a.messages;
                total.clicks += a.clicks;
                total.recommendation_clicks += a.recommendation_clicks;
                total.orders += a.orders;
                for (cur, v) in &a.revenue {
                    *total.revenue.entry(cur.clone()).or_default() += v;
                }
            }
            finish(total)
        })
        .collect();
    let mut steps = Vec::new();
    for (step, mut found) in by_step {
        let mut order: Vec<String> = variants.get(step as usize).cloned().unwrap_or_default();
        let retired: Vec<String> = found.keys().filter(|k| !order.contains(k)).cloned().collect();
        order.extend(retired);
        if order.len() < 2 {
            continue;
        }
        let arms: Vec<Arm> =
            order.iter().map(|name| finish(found.remove(name).unwrap_or_else(|| arm(name, 0, 0, 0)))).collect();
        // The step's error rate is shared among its comparisons (Bonferroni).
        let alpha = ALPHA / (arms.len() - 1) as f64;
        let comparisons = arms[1..].iter().map(|b| versus(&arms[0], b, alpha)).collect();
        steps.push(StepExperiment { step, control: arms[0].name.clone(), variants: arms, comparisons });
    }
    Experiments { steps, holdout: holdout(counters), offer: None, by_step: results }
}

/// Reads the on-site offer's `offers.{variant}.{shown|claimed|converted|revenue_…}` counters
/// into arms, in the configured order (`names`, the offer itself first).
pub fn offer_experiment(counters: &BTreeMap<String, i64>, names: &[String]) -> Option<StepExperiment> {
    if names.len() < 2 {
        return None;
    }
    let mut found: BTreeMap<String, Arm> = BTreeMap::new();
    for (key, v) in counters.range(prefix::OFFERS.to_string()..) {
        let Some(rest) = key.strip_prefix(prefix::OFFERS) else { break };
        let Some((variant, measure)) = rest.split_once('.') else { continue };
        let a = found.entry(variant.to_string()).or_insert_with(|| arm(variant, 0, 0, 0));
        match measure {
            "shown" => a.carts += v,
            "claimed" => a.clicks += v,
            "converted" => a.orders += v,
            m => add_revenue(a, m, *v),
        }
    }
    let arms: Vec<Arm> = names.iter().map(|n| finish(found.remove(n).unwrap_or_else(|| arm(n, 0, 0, 0)))).collect();
    let alpha = ALPHA / (arms.len() - 1) as f64;
    let comparisons = arms[1..].iter().map(|b| versus(&arms[0], b, alpha)).collect();
    Some(StepExperiment { step: 0, control: arms[0].name.clone(), variants: arms, comparisons })
}

fn holdout(counters: &BTreeMap<String, i64>) -> Option<HoldoutLift> {
    let n = |c: Counter| counters.get(&c.key()).copied().unwrap_or(0);
    let group = |g: Group| {
        let mut a = arm(g.as_str(), n(Counter::GroupCarts(g)), 0, n(Counter::GroupOrders(g)));
        let revenue_prefix = format!("{}.revenue.", g.as_str());
        let squares_prefix = format!("{}.revenue_sq.", g.as_str());
        for (k, v) in counters.range(format!("{}.", g.as_str())..) {
            if let Some(cur) = k.strip_prefix(&revenue_prefix) {
                a.revenue.insert(cur.to_string(), *v);
            } else if let Some(cur) = k.strip_prefix(&squares_prefix) {
                a.revenue_squares.insert(cur.to_string(), *v);
            } else if !k.starts_with(&format!("{}.", g.as_str())) {
                break;
            }
        }
        finish(a)
    };
    let (h, t) = (group(Group::Holdout), group(Group::Treated));
    if h.carts == 0 {
        return None;
    }
    let lift = versus(&h, &t, ALPHA);
    Some(HoldoutLift { holdout: h, treated: t, lift })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::engine::counters::{Measure, square_hundredths};

    fn add(c: &mut BTreeMap<String, i64>, counter: Counter, v: i64) {
        *c.entry(counter.key()).or_default() += v;
    }

    /// Counters as the engine writes them for a step with variants A and B: `carts` carts each,
    /// `orders` of them ordering for `value` minor units.
    fn step_counters(c: &mut BTreeMap<String, i64>, variant: &str, carts: i64, orders: i64, value: i64) {
        let v: std::sync::Arc<str> = variant.into();
        add(c, Counter::Experiment(0, v.clone(), Measure::Carts), carts);
        add(c, Counter::Experiment(0, v.clone(), Measure::Orders), orders);
        add(c, Counter::Experiment(0, v.clone(), Measure::Revenue("EUR")), orders * value);
        add(c, Counter::Experiment(0, v, Measure::RevenueSquares("EUR")), orders * square_hundredths(value));
    }

    fn ab() -> Vec<Vec<String>> {
        vec![vec!["A".into(), "B".into()]]
    }

    #[test]
    fn a_planted_difference_is_called_and_an_equal_split_is_not() {
        let mut c = BTreeMap::new();
        step_counters(&mut c, "A", 4000, 400, 5000);
        step_counters(&mut c, "B", 4000, 560, 5000);
        let e = experiments(&c, &ab());
        let cmp = &e.steps[0].comparisons[0];
        assert_eq!(cmp.orders.verdict, Verdict::Better, "{cmp:?}");
        assert_eq!(cmp.revenue["EUR"].verdict, Verdict::Better);
        let o = cmp.orders.comparison.unwrap();
        assert!(o.low > 0.0 && o.low < 0.04 && o.high > 0.04, "{o:?}");

        let mut c = BTreeMap::new();
        step_counters(&mut c, "A", 4000, 400, 5000);
        step_counters(&mut c, "B", 4000, 410, 5000);
        let cmp = &experiments(&c, &ab()).steps[0].comparisons[0];
        assert_eq!(cmp.orders.verdict, Verdict::NoDifferenceYet, "{cmp:?}");
        assert!(cmp.orders.comparison.unwrap().low < 0.0);
    }

    #[test]
    fn small_samples_get_no_verdict() {
        let mut c = BTreeMap::new();
        step_counters(&mut c, "A", 99, 2, 5000);
        step_counters(&mut c, "B", 99, 30, 5000);
        let cmp = &experiments(&c, &ab()).steps[0].comparisons[0];
        assert_eq!(cmp.orders.verdict, Verdict::NotEnoughData);
        assert!(cmp.orders.comparison.is_none());
    }

    #[test]
    fn three_variants_share_the_error_rate_and_the_control_is_the_first_configured() {
        let mut c = BTreeMap::new();
        step_counters(&mut c, "C", 1000, 100, 100);
        step_counters(&mut c, "B", 1000, 100, 100);
        step_counters(&mut c, "A", 1000, 100, 100);
        let e = experiments(&c, &[vec!["A".into(), "B".into(), "C".into()]]);
        let s = &e.steps[0];
        assert_eq!(s.control, "A");
        assert_eq!(s.variants.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["A", "B", "C"]);
        assert_eq!(s.comparisons.len(), 2);
        assert!((s.comparisons[0].orders.alpha - 0.025).abs() < 1e-12);
    }

    #[test]
    fn every_step_has_its_results_with_its_variants_together() {
        let mut c = BTreeMap::new();
        step_counters(&mut c, "A", 300, 30, 2000);
        step_counters(&mut c, "B", 100, 20, 4000);
        add(&mut c, Counter::Experiment(2, "A".into(), Measure::Carts), 50);
        add(&mut c, Counter::Experiment(2, "A".into(), Measure::Clicks), 7);
        let e = experiments(&c, &[vec!["A".into(), "B".into()], vec!["A".into()], vec!["A".into()]]);
        let names: Vec<&str> = e.by_step.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["0", "2"], "steps with counters, in order");
        let (s0, s2) = (&e.by_step[0], &e.by_step[1]);
        assert_eq!((s0.carts, s0.orders, s0.revenue["EUR"]), (400, 50, 30 * 2000 + 20 * 4000));
        assert!((s0.order_rate - 0.125).abs() < 1e-12 && (s0.revenue_per_cart["EUR"] - 350.0).abs() < 1e-9);
        assert_eq!((s2.carts, s2.clicks, s2.orders), (50, 7, 0));
    }

    #[test]
    fn a_step_with_one_variant_is_not_an_experiment_and_revenue_per_cart_counts_carts_without_orders() {
        let mut c = BTreeMap::new();
        step_counters(&mut c, "A", 1000, 100, 2000);
        assert!(experiments(&c, &[vec!["A".into()]]).steps.is_empty());

        add(&mut c, Counter::GroupCarts(Group::Holdout), 500);
        add(&mut c, Counter::GroupOrders(Group::Holdout), 20);
        add(&mut c, Counter::GroupRevenue(Group::Holdout, "EUR"), 20 * 3000);
        add(&mut c, Counter::GroupRevenueSquares(Group::Holdout, "EUR"), 20 * square_hundredths(3000));
        add(&mut c, Counter::GroupCarts(Group::Treated), 4500);
        add(&mut c, Counter::GroupOrders(Group::Treated), 450);
        add(&mut c, Counter::GroupRevenue(Group::Treated, "EUR"), 450 * 3000);
        add(&mut c, Counter::GroupRevenueSquares(Group::Treated, "EUR"), 450 * square_hundredths(3000));
        let h = experiments(&c, &[]).holdout.unwrap();
        assert_eq!(h.holdout.revenue_per_cart["EUR"], 120.0);
        assert_eq!(h.treated.revenue_per_cart["EUR"], 300.0);
        assert_eq!(h.lift.orders.verdict, Verdict::Better);
        let lift = h.lift.orders.comparison.unwrap();
        assert!((lift.relative_lift.unwrap() - 1.5).abs() < 1e-9, "{lift:?}");
    }
}
