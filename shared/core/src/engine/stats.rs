//! The merchant's report, built from the store's counters.

use super::{Engine, EngineError};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupStats {
    pub carts: i64,
    pub orders: i64,
    pub conversion_rate: f64,
}

/// Abandoned carts and their recoveries by how far the shopper got (browsing, cart, checkout).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LeadStats {
    /// Carts whose shopper became reachable at this temperature.
    pub captured: i64,
    pub abandoned: i64,
    pub recovered: i64,
    pub recovery_rate: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatsReport {
    pub store: String,
    pub carts_tracked: i64,
    pub carts_abandoned: i64,
    pub abandonment_episodes: i64,
    pub carts_suppressed: i64,
    pub messages_by_channel: BTreeMap<String, i64>,
    pub messages_by_step: BTreeMap<String, i64>,
    pub messages_by_variant: BTreeMap<String, i64>,
    pub messages_failed: BTreeMap<String, i64>,
    /// Delivery reports from the providers, per channel.
    pub messages_delivered: BTreeMap<String, i64>,
    /// Discount codes sent, redeemed, and withheld by the budget (`contact`, `store_daily`).
    pub coupons_issued: i64,
    pub coupons_redeemed: i64,
    pub coupons_withheld: BTreeMap<String, i64>,
    pub messages_undelivered: BTreeMap<String, i64>,
    pub sends_unknown: i64,
    pub steps_skipped: BTreeMap<String, i64>,
    pub steps_deferred: BTreeMap<String, i64>,
    pub clicks: i64,
    pub orders_recovered: i64,
    /// Minor units per currency.
    pub revenue_recovered: BTreeMap<String, i64>,
    pub orders_converted: i64,
    /// Recovered orders per abandoned cart.
    pub recovery_rate: f64,
    pub opt_outs: BTreeMap<String, i64>,
    pub reasons: BTreeMap<String, i64>,
    /// `cold` (browsing), `warm` (cart), `hot` (checkout), by the temperature at abandonment.
    pub lead_temperature: BTreeMap<&'static str, LeadStats>,
    pub holdout: GroupStats,
    pub treated: GroupStats,
}

fn with_prefix(c: &BTreeMap<String, i64>, prefix: &str) -> BTreeMap<String, i64> {
    c.iter().filter_map(|(k, v)| k.strip_prefix(prefix).map(|rest| (rest.to_string(), *v))).collect()
}

fn rate(n: i64, d: i64) -> f64 {
    if d == 0 { 0.0 } else { (n as f64 / d as f64 * 10_000.0).round() / 10_000.0 }
}

impl Engine {
    pub async fn stats_report(&self, store: &str) -> Result<StatsReport, EngineError> {
        let c = self.stats.get(store).await?;
        let g = |k: &str| c.get(k).copied().unwrap_or(0);
        let group = |name: &str| {
            let carts = g(&format!("{name}.carts"));
            let orders = g(&format!("{name}.orders"));
            GroupStats { carts, orders, conversion_rate: rate(orders, carts) }
        };
        Ok(StatsReport {
            store: store.to_string(),
            carts_tracked: g("carts.tracked"),
            carts_abandoned: g("carts.abandoned"),
            abandonment_episodes: g("carts.abandoned_episodes"),
            carts_suppressed: g("carts.suppressed"),
            messages_by_channel: with_prefix(&c, "messages.sent."),
            messages_by_step: with_prefix(&c, "messages.step."),
            messages_by_variant: with_prefix(&c, "messages.variant."),
            messages_failed: with_prefix(&c, "messages.failed."),
            messages_delivered: with_prefix(&c, "messages.delivered."),
            coupons_issued: g("coupons.issued"),
            coupons_redeemed: g("coupons.redeemed"),
            coupons_withheld: with_prefix(&c, "coupons.withheld."),
            messages_undelivered: with_prefix(&c, "messages.undelivered."),
            sends_unknown: g("sends.unknown"),
            steps_skipped: with_prefix(&c, "steps.skipped."),
            steps_deferred: with_prefix(&c, "steps.deferred."),
            clicks: g("clicks"),
            orders_recovered: g("orders.recovered"),
            revenue_recovered: with_prefix(&c, "revenue.recovered."),
            orders_converted: g("orders.converted"),
            recovery_rate: rate(g("orders.recovered"), g("carts.abandoned")),
            opt_outs: with_prefix(&c, "optouts."),
            reasons: with_prefix(&c, "reasons."),
            lead_temperature: crate::domain::Temperature::ALL
                .iter()
                .map(|t| {
                    let abandoned = g(&format!("leads.abandoned.{}", t.as_str()));
                    let recovered = g(&format!("leads.recovered.{}", t.as_str()));
                    let captured = g(&format!("leads.captured.{}", t.as_str()));
                    (
                        t.as_str(),
                        LeadStats { captured, abandoned, recovered, recovery_rate: rate(recovered, abandoned) },
                    )
                })
                .collect(),
            holdout: group("holdout"),
            treated: group("treated"),
        })
    }
}
