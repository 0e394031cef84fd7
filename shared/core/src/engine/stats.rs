//! The merchant's report, built from the store's counters.

use super::counters::{Counter, Group, prefix};
use super::experiments::{Experiments, experiments};
use super::{EngineError, Kernel};
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
    /// Carts that got at least one message.
    pub carts_messaged: i64,
    pub messages_by_channel: BTreeMap<String, i64>,
    pub messages_by_step: BTreeMap<String, i64>,
    pub messages_by_variant: BTreeMap<String, i64>,
    /// Messages and recovered orders by the shopper's language (primary subtag; `und` unknown).
    pub messages_by_language: BTreeMap<String, i64>,
    pub recovered_by_language: BTreeMap<String, i64>,
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
    /// Replies held for a person (`held.{cause}`) and how holds ended (`decided.opt_out`,
    /// `decided.released`, `expired`): docs/replies.md.
    pub holds: BTreeMap<String, i64>,
    /// "Wrong number" replies: numbers taken off.
    pub wrong_numbers: i64,
    /// The catalogue kept in step: `refreshed`, `uploaded`, `rejected.{cause}`,
    /// `refresh_failed.{cause}`, `product_webhooks.{updated|deleted}` (docs/catalogue.md).
    pub catalogue: BTreeMap<String, i64>,
    /// Shoppers' questions: `answered` from the catalogue, `order_status`, `person.{why}`.
    pub questions: BTreeMap<String, i64>,
    /// Products recommended in e-mails: `shown`, `picked.{why}`, `none.{cause}`, `clicks`,
    /// `orders`, `revenue_{currency}` (docs/recommendations.md).
    pub recommendations: BTreeMap<String, i64>,
    /// Orders' progress kept for "where is my order?" (`received`, `shipped`, …, `unknown_shopper`).
    pub order_progress: BTreeMap<String, i64>,
    /// A person's corrections of readings, `{automated label}.{their label}`.
    pub corrections: BTreeMap<String, i64>,
    /// The second reader (docs/replies.md): `calls.{date}`, `read`, `opt_out`, `over_budget`,
    /// `error.{cause}`.
    pub reader: BTreeMap<String, i64>,
    /// `cold` (browsing), `warm` (cart), `hot` (checkout), by the temperature at abandonment.
    pub lead_temperature: BTreeMap<&'static str, LeadStats>,
    pub holdout: GroupStats,
    pub treated: GroupStats,
    /// Storefront deliveries acknowledged but not used: `{platform}.ignored` (topics and order
    /// states Cartback does not use) and `{platform}.dropped.{cause}` (verified deliveries it
    /// could not use, e.g. a checkout URL off `allowed_domains`).
    pub webhooks: BTreeMap<String, i64>,
    /// What the capture snippet sent that was left out or made neutral (`dropped.{cause}`).
    pub snippet: BTreeMap<String, i64>,
    /// Hand-offs POSTed to the store's `alert_webhook` (`delivered`) and those that were not
    /// after retries (`failed`).
    pub handoffs: BTreeMap<String, i64>,
    /// Conversations with a person: `opened`, `answered`, `unknown`, `failed`, `throttled`,
    /// `closed` (docs/conversations.md).
    pub conversations: BTreeMap<String, i64>,
    /// Signed events to the store's endpoints: `delivered`, `failed` (dead letters), `replayed`.
    pub events_out: BTreeMap<String, i64>,
    /// The on-site offer by variant: `shown`, `dismissed`, `claimed`, `withheld`, `converted`
    /// (docs/on-site.md).
    pub offers: BTreeMap<String, BTreeMap<String, i64>>,
    /// Each step's variants compared with its first, and the messaged carts with the holdout:
    /// verdicts that stay valid when read every day (engine/experiments.rs,
    /// docs/experiments.md).
    pub experiments: Experiments,
}

fn with_prefix(c: &BTreeMap<String, i64>, prefix: &str) -> BTreeMap<String, i64> {
    c.iter().filter_map(|(k, v)| k.strip_prefix(prefix).map(|rest| (rest.to_string(), *v))).collect()
}

/// `offers.{variant}.{what}` by variant (the revenue sums stay in the experiment).
fn offers(c: &BTreeMap<String, i64>) -> BTreeMap<String, BTreeMap<String, i64>> {
    let mut out: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (k, v) in with_prefix(c, prefix::OFFERS) {
        if let Some((variant, what)) = k.split_once('.')
            && !what.starts_with("revenue")
        {
            out.entry(variant.to_string()).or_default().insert(what.to_string(), v);
        }
    }
    out
}

fn rate(n: i64, d: i64) -> f64 {
    if d == 0 { 0.0 } else { (n as f64 / d as f64 * 10_000.0).round() / 10_000.0 }
}

impl Kernel {
    pub async fn stats_report(&self, store: &str) -> Result<StatsReport, EngineError> {
        let c = self.stats.get(store).await?;
        let variant_names: Vec<Vec<String>> = self.config.store(store).map_or_else(Vec::new, |s| {
            s.steps.iter().map(|st| st.variants.iter().map(|v| v.name.to_string()).collect()).collect()
        });
        let g = |k: &str| c.get(k).copied().unwrap_or(0);
        let n = |counter: Counter| g(&counter.key());
        let group = |grp: Group| {
            let carts = n(Counter::GroupCarts(grp));
            let orders = n(Counter::GroupOrders(grp));
            GroupStats { carts, orders, conversion_rate: rate(orders, carts) }
        };
        Ok(StatsReport {
            store: store.to_string(),
            carts_tracked: n(Counter::CartsTracked),
            carts_abandoned: n(Counter::CartsAbandoned),
            abandonment_episodes: n(Counter::AbandonmentEpisodes),
            carts_suppressed: n(Counter::CartsSuppressed),
            carts_messaged: n(Counter::CartsMessaged),
            messages_by_language: with_prefix(&c, prefix::MESSAGES_LANGUAGE),
            recovered_by_language: with_prefix(&c, prefix::RECOVERED_LANGUAGE),
            messages_by_channel: with_prefix(&c, prefix::MESSAGES_SENT),
            messages_by_step: with_prefix(&c, prefix::MESSAGES_STEP),
            messages_by_variant: with_prefix(&c, prefix::MESSAGES_VARIANT),
            messages_failed: with_prefix(&c, prefix::MESSAGES_FAILED),
            messages_delivered: with_prefix(&c, prefix::MESSAGES_DELIVERED),
            coupons_issued: n(Counter::CouponsIssued),
            coupons_redeemed: n(Counter::CouponsRedeemed),
            coupons_withheld: with_prefix(&c, prefix::COUPONS_WITHHELD),
            messages_undelivered: with_prefix(&c, prefix::MESSAGES_UNDELIVERED),
            sends_unknown: n(Counter::SendsUnknown),
            steps_skipped: with_prefix(&c, prefix::STEPS_SKIPPED),
            steps_deferred: with_prefix(&c, prefix::STEPS_DEFERRED),
            clicks: n(Counter::Clicks),
            orders_recovered: n(Counter::OrdersRecovered),
            revenue_recovered: with_prefix(&c, prefix::REVENUE_RECOVERED),
            orders_converted: n(Counter::OrdersConverted),
            recovery_rate: rate(n(Counter::OrdersRecovered), n(Counter::CartsAbandoned)),
            opt_outs: with_prefix(&c, prefix::OPT_OUTS),
            reasons: with_prefix(&c, prefix::REASONS),
            holds: with_prefix(&c, prefix::HOLDS),
            wrong_numbers: g("wrong_numbers"),
            catalogue: with_prefix(&c, prefix::CATALOGUE),
            questions: with_prefix(&c, prefix::QUESTIONS),
            recommendations: with_prefix(&c, prefix::RECOMMENDATIONS),
            order_progress: with_prefix(&c, prefix::ORDER_PROGRESS),
            corrections: with_prefix(&c, prefix::CORRECTIONS),
            reader: with_prefix(&c, prefix::READER),
            lead_temperature: crate::domain::Temperature::ALL
                .iter()
                .map(|t| {
                    let abandoned = n(Counter::LeadsAbandoned(*t));
                    let recovered = n(Counter::LeadsRecovered(*t));
                    let captured = n(Counter::LeadsCaptured(*t));
                    (
                        t.as_str(),
                        LeadStats { captured, abandoned, recovered, recovery_rate: rate(recovered, abandoned) },
                    )
                })
                .collect(),
            webhooks: with_prefix(&c, prefix::WEBHOOKS),
            snippet: with_prefix(&c, prefix::SNIPPET),
            handoffs: with_prefix(&c, prefix::HANDOFFS),
            conversations: with_prefix(&c, prefix::CONVERSATIONS),
            events_out: with_prefix(&c, prefix::EVENTS_OUT),
            holdout: group(Group::Holdout),
            treated: group(Group::Treated),
            offers: offers(&c),
            experiments: {
                let mut e = experiments(&c, &variant_names);
                let names: Vec<String> = self
                    .config
                    .store(store)
                    .and_then(|s| s.on_site.offer.as_ref())
                    .map_or_else(Vec::new, |o| o.variants.iter().map(|v| v.name.to_string()).collect());
                e.offer = super::experiments::offer_experiment(&c, &names);
                e
            },
        })
    }
}

/// One day of the store's counters (in its zone), as the report page draws them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DayStats {
    pub date: jiff::civil::Date,
    pub carts_tracked: i64,
    pub carts_abandoned: i64,
    pub carts_messaged: i64,
    /// Messages sent, every channel.
    pub messages: i64,
    pub clicks: i64,
    pub orders_recovered: i64,
    /// Minor units per currency.
    pub revenue_recovered: BTreeMap<String, i64>,
    pub orders_converted: i64,
    /// Opt-outs, every channel.
    pub opt_outs: i64,
}

/// The store's counters per day from `from` to `to`, every day present (zeros on quiet ones).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DailyReport {
    pub store: String,
    /// The zone the days are in: the store's `timezone`.
    pub timezone: String,
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    pub days: Vec<DayStats>,
}

/// Why a daily report cannot be given.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DailyRangeError {
    #[error("`from` ({from}) is after `to` ({to})")]
    Reversed { from: jiff::civil::Date, to: jiff::civil::Date },
    #[error("at most {max} days at once ({days} asked)")]
    TooLong { days: i64, max: i64 },
}

fn day_stats(date: jiff::civil::Date, c: &BTreeMap<String, i64>) -> DayStats {
    let g = |counter: Counter| c.get(&counter.key()).copied().unwrap_or(0);
    let sum = |p: &str| with_prefix(c, p).values().sum::<i64>();
    DayStats {
        date,
        carts_tracked: g(Counter::CartsTracked),
        carts_abandoned: g(Counter::CartsAbandoned),
        carts_messaged: g(Counter::CartsMessaged),
        messages: sum(prefix::MESSAGES_SENT),
        clicks: g(Counter::Clicks),
        orders_recovered: g(Counter::OrdersRecovered),
        revenue_recovered: with_prefix(c, prefix::REVENUE_RECOVERED),
        orders_converted: g(Counter::OrdersConverted),
        opt_outs: sum(prefix::OPT_OUTS),
    }
}

impl Kernel {
    /// The days `from..=to` (default: the 30 days to the store's today), at most
    /// `ports::SERIES_DAYS` + 1 of them.
    pub async fn stats_daily(
        &self,
        store: &str,
        from: Option<jiff::civil::Date>,
        to: Option<jiff::civil::Date>,
    ) -> Result<Result<DailyReport, DailyRangeError>, EngineError> {
        let to = to.unwrap_or_else(|| self.config.stats_day(store, self.clock.now()));
        let from = from.unwrap_or_else(|| to.checked_sub(jiff::Span::new().days(29)).unwrap_or(to));
        if from > to {
            return Ok(Err(DailyRangeError::Reversed { from, to }));
        }
        let days = (to - from).get_days() as i64 + 1;
        let max = crate::ports::SERIES_DAYS + 1;
        if days > max {
            return Ok(Err(DailyRangeError::TooLong { days, max }));
        }
        let series = self.stats.series(store, from, to).await?;
        let empty = BTreeMap::new();
        let days = (0..days)
            .filter_map(|i| from.checked_add(jiff::Span::new().days(i)).ok())
            .map(|d| day_stats(d, series.get(&d).unwrap_or(&empty)))
            .collect();
        let timezone = self.config.store(store).map_or_else(|| "UTC".to_string(), |s| s.timezone.clone());
        Ok(Ok(DailyReport { store: store.to_string(), timezone, from, to, days }))
    }
}
