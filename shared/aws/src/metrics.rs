//! CloudWatch Embedded Metric Format: each metric is one structured line on stdout, which Lambda
//! ships to CloudWatch Logs and CloudWatch turns into a metric — no API call, no added latency.
//! The engine's counters (the same deltas the stats report adds up) become metrics as they are
//! counted; the dispatcher adds step lateness.

use async_trait::async_trait;
use cartback_core::engine::counters::{name, prefix};
use cartback_core::ports::{StatsStore, StoreError};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const NAMESPACE: &str = "Cartback";

/// Writes EMF lines for one stage (`CARTBACK_STAGE`).
#[derive(Clone, Debug)]
pub struct Emf {
    pub stage: String,
}

impl Emf {
    pub fn from_env() -> Emf {
        Emf { stage: std::env::var("CARTBACK_STAGE").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "dev".into()) }
    }

    /// One metric as an EMF document. Published under [Stage] and, with a dimension, also under
    /// [Stage, dimension], so both the totals and the breakdown can be graphed and alarmed on —
    /// except money, which is only ever summed within one currency.
    pub fn document(&self, name: &str, unit: &str, value: f64, dimension: Option<(&str, &str)>, at_ms: i64) -> Value {
        let mut dims = Vec::new();
        let mut root = Map::new();
        root.insert("Stage".into(), json!(self.stage));
        if dimension.is_none_or(|(k, _)| k != "Currency") {
            dims.push(json!(["Stage"]));
        }
        if let Some((k, v)) = dimension {
            dims.push(json!(["Stage", k]));
            root.insert(k.into(), json!(v));
        }
        root.insert(name.into(), json!(value));
        root.insert(
            "_aws".into(),
            json!({"Timestamp": at_ms, "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": dims, "Metrics": [{"Name": name, "Unit": unit}]}]}),
        );
        Value::Object(root)
    }

    pub fn emit(&self, name: &str, unit: &str, value: f64, dimension: Option<(&str, &str)>) {
        let now = jiff::Timestamp::now().as_millisecond();
        println!("{}", self.document(name, unit, value, dimension, now));
    }
}

/// A metric's name, unit and optional (dimension, value).
pub type MetricSpec<'a> = (&'static str, &'static str, Option<(&'static str, &'a str)>);

/// The metric a counter delta becomes, if it is one the dashboard and alarms use.
pub fn metric_for(key: &str) -> Option<MetricSpec<'_>> {
    let split = |prefix: &str| key.strip_prefix(prefix);
    Some(match key {
        name::CARTS_ABANDONED => ("CartsAbandoned", "Count", None),
        name::ORDERS_RECOVERED => ("OrdersRecovered", "Count", None),
        name::ORDERS_CONVERTED => ("OrdersConverted", "Count", None),
        name::SENDS_UNKNOWN => ("ClaimsUnknown", "Count", None),
        name::HANDOFFS_FAILED => ("HandoffsFailed", "Count", None),
        name::HANDOFFS_DELIVERED => ("HandoffsDelivered", "Count", None),
        // A step whose channel no provider carries (a channel left on `console`): alarmed.
        "steps.skipped.no_provider" => ("StepsUnconfigured", "Count", None),
        // A store's e-mail paused for its SES bounce or complaint rate: alarmed.
        "email.paused" => ("EmailPaused", "Count", None),
        // A signed event whose every scheduled retry failed: a dead letter.
        "events_out.failed" => ("EventsFailed", "Count", None),
        _ => {
            if let Some(ch) = split(prefix::MESSAGES_SENT) {
                ("MessagesSent", "Count", Some(("Channel", ch)))
            } else if let Some(ch) = split(prefix::MESSAGES_FAILED) {
                ("MessagesFailed", "Count", Some(("Channel", ch)))
            } else if let Some(ch) = split(prefix::OPT_OUTS) {
                ("OptOuts", "Count", Some(("Channel", ch)))
            } else if let Some(cur) = split(prefix::REVENUE_RECOVERED) {
                ("RecoveredRevenueMinor", "None", Some(("Currency", cur)))
            } else {
                return None;
            }
        }
    })
}

/// The stats port, with every counted delta also written as a metric.
pub struct EmfStats {
    pub inner: Arc<dyn StatsStore>,
    pub emf: Emf,
}

#[async_trait]
impl StatsStore for EmfStats {
    async fn add(&self, store: &str, day: jiff::civil::Date, deltas: &[(String, i64)]) -> Result<(), StoreError> {
        for (k, d) in deltas {
            if let Some((name, unit, dim)) = metric_for(k) {
                self.emf.emit(name, unit, *d as f64, dim);
            }
        }
        self.inner.add(store, day, deltas).await
    }

    async fn get(&self, store: &str) -> Result<BTreeMap<String, i64>, StoreError> {
        self.inner.get(store).await
    }

    async fn series(
        &self,
        store: &str,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<cartback_core::ports::Series, StoreError> {
        self.inner.series(store, from, to).await
    }

    async fn get_one(&self, store: &str, key: &str) -> Result<i64, StoreError> {
        self.inner.get_one(store, key).await
    }

    async fn get_state(
        &self,
        store: &str,
        keys: &[&str],
    ) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
        self.inner.get_state(store, keys).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_follows_the_emf_specification() {
        let emf = Emf { stage: "prod".into() };
        let d = emf.document("MessagesSent", "Count", 1.0, Some(("Channel", "sms")), 1_700_000_000_000);
        assert_eq!(d["Stage"], "prod");
        assert_eq!(d["Channel"], "sms");
        assert_eq!(d["MessagesSent"], 1.0);
        let m = &d["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(m["Namespace"], "Cartback");
        assert_eq!(m["Dimensions"], json!([["Stage"], ["Stage", "Channel"]]));
        assert_eq!(m["Metrics"][0], json!({"Name": "MessagesSent", "Unit": "Count"}));
        assert_eq!(d["_aws"]["Timestamp"], 1_700_000_000_000_i64);
        // Every dimension named in a dimension set is a root key, as EMF requires.
        for set in m["Dimensions"].as_array().unwrap_or(&vec![]) {
            for k in set.as_array().unwrap_or(&vec![]) {
                assert!(d.get(k.as_str().unwrap_or_default()).is_some(), "{k} missing");
            }
        }
    }

    #[test]
    fn counters_map_to_the_dashboards_metrics() {
        assert_eq!(metric_for("carts.abandoned"), Some(("CartsAbandoned", "Count", None)));
        assert_eq!(
            metric_for("messages.sent.whatsapp"),
            Some(("MessagesSent", "Count", Some(("Channel", "whatsapp"))))
        );
        assert_eq!(
            metric_for("revenue.recovered.EUR"),
            Some(("RecoveredRevenueMinor", "None", Some(("Currency", "EUR"))))
        );
        let emf = Emf { stage: "prod".into() };
        let d = emf.document("RecoveredRevenueMinor", "None", 4200.0, Some(("Currency", "EUR")), 0);
        assert_eq!(
            d["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Stage", "Currency"]]),
            "currencies are never mixed"
        );
        assert_eq!(metric_for("optouts.sms").map(|m| m.0), Some("OptOuts"));
        assert_eq!(metric_for("sends.unknown").map(|m| m.0), Some("ClaimsUnknown"));
        assert_eq!(metric_for("steps.deferred.quiet_hours"), None);
    }
}
