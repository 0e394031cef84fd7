//! What `cartback doctor` concludes from what it read: pure decisions, tested here, apart from
//! the calls that gather the facts (`doctor.rs`).

use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    /// Works, but will cost messages or money, or could not be checked.
    Warn,
    /// Broken: something a shopper or the merchant will miss.
    Fix,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub area: &'static str,
    pub text: String,
}

impl Finding {
    pub fn ok(area: &'static str, text: impl Into<String>) -> Self {
        Finding { level: Level::Ok, area, text: text.into() }
    }
    pub fn warn(area: &'static str, text: impl Into<String>) -> Self {
        Finding { level: Level::Warn, area, text: text.into() }
    }
    pub fn fix(area: &'static str, text: impl Into<String>) -> Self {
        Finding { level: Level::Fix, area, text: text.into() }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.level {
            Level::Ok => "ok  ",
            Level::Warn => "WARN",
            Level::Fix => "FIX ",
        };
        write!(f, "  {tag}  {}: {}", self.area, self.text)
    }
}

/// Text from outside (a provider's answer, a stack's value) as it may be printed: control and
/// direction characters escaped.
pub fn shown(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() || cartback_core::domain::pii::unprintable(c) {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// The smallest `MaximumConcurrency` an SQS event source takes.
const MIN_MAX_CONCURRENCY: i64 = 2;
/// Below this quota the account is a new one's (AWS starts them at 10–50, the usual is 1 000).
const SMALL_QUOTA: i64 = 100;

/// The account's Lambda concurrency against the stack's parameters.
pub fn concurrency(quota: i64, unreserved: Option<i64>, params: &BTreeMap<String, String>) -> Vec<Finding> {
    let number = |k: &str| params.get(k).and_then(|v| v.trim().parse::<i64>().ok());
    let max = number("DispatcherMaxConcurrency").unwrap_or(10);
    let mut out = Vec::new();
    if let Some(reserved) = number("DispatcherReservedConcurrency")
        && reserved < max
    {
        out.push(Finding::fix(
            "lambda",
            format!(
                "DispatcherReservedConcurrency {reserved} is below DispatcherMaxConcurrency {max}: the queue hands the dispatcher more batches than it may run, and throttled batches end in the timers' dead-letter queue. Set it to at least {max}, or leave it empty"
            ),
        ));
    }
    if max >= quota {
        out.push(Finding::fix(
            "lambda",
            format!(
                "DispatcherMaxConcurrency {max} takes the account's whole concurrency quota ({quota}): while messages go out, storefront events and replies are throttled (429). Lower it to {} or raise the quota (Service Quotas → AWS Lambda → Concurrent executions)",
                (quota / 2).max(MIN_MAX_CONCURRENCY)
            ),
        ));
    } else if quota < SMALL_QUOTA {
        out.push(Finding::warn(
            "lambda",
            format!(
                "the account's concurrency quota is {quota} (new accounts start at 10–50): the dispatcher takes up to {max} of it and the API's functions share the rest, so a busy minute throttles storefront events. Ask for 1000 (Service Quotas → AWS Lambda → Concurrent executions)"
            ),
        ));
    }
    if out.is_empty() {
        let free = unreserved.map(|u| format!(", {u} unreserved")).unwrap_or_default();
        out.push(Finding::ok(
            "lambda",
            format!("concurrency quota {quota}{free}; the dispatcher takes at most {max} at once"),
        ));
    }
    out
}

/// Two base URLs name the same place: scheme and host in any case, no trailing slash.
pub fn same_base(a: &str, b: &str) -> bool {
    let norm = |u: &str| {
        let u = u.trim().trim_end_matches('/');
        match u.split_once("://") {
            Some((scheme, rest)) => {
                let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
                format!("{}://{}/{path}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase())
            }
            None => u.to_string(),
        }
    };
    norm(a) == norm(b)
}

/// The SES identities that may carry mail from `from` (`Name <a@b.example>` or `a@b.example`):
/// the address itself, then its domain.
pub fn ses_identities(from: &str) -> Vec<String> {
    let address = match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from,
    }
    .trim();
    let mut out = vec![address.to_string()];
    if let Some((_, domain)) = address.rsplit_once('@') {
        out.push(domain.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_new_accounts_quota_is_a_warning_and_a_dispatcher_that_takes_it_all_is_to_fix() {
        let warn = concurrency(50, Some(50), &params(&[("DispatcherMaxConcurrency", "10")]));
        assert_eq!(warn.iter().map(|f| f.level).collect::<Vec<_>>(), [Level::Warn], "{warn:?}");
        let fix = concurrency(10, Some(10), &params(&[("DispatcherMaxConcurrency", "10")]));
        assert_eq!(fix[0].level, Level::Fix);
        assert!(fix[0].text.contains("Lower it to 5"), "{}", fix[0].text);
        let ok = concurrency(1000, Some(1000), &params(&[("DispatcherMaxConcurrency", "10")]));
        assert_eq!(
            ok,
            [Finding::ok("lambda", "concurrency quota 1000, 1000 unreserved; the dispatcher takes at most 10 at once")]
        );
        // The parameter left out reads as the template's default, 10.
        assert_eq!(concurrency(10, None, &params(&[]))[0].level, Level::Fix);
    }

    #[test]
    fn a_reservation_below_the_queues_pace_is_to_fix() {
        let p = params(&[("DispatcherMaxConcurrency", "10"), ("DispatcherReservedConcurrency", "5")]);
        let f = concurrency(1000, Some(995), &p);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Fix);
        assert!(f[0].text.contains("at least 10"));
        let p = params(&[("DispatcherMaxConcurrency", "10"), ("DispatcherReservedConcurrency", "")]);
        assert_eq!(concurrency(1000, Some(1000), &p)[0].level, Level::Ok);
    }

    #[test]
    fn base_urls_compare_by_place() {
        assert!(same_base(
            "https://AbC.execute-api.us-east-1.amazonaws.com/",
            "https://abc.execute-api.us-east-1.amazonaws.com"
        ));
        assert!(!same_base("https://shop.example", "https://abc.execute-api.us-east-1.amazonaws.com"));
        assert!(!same_base("https://a.example/x", "https://a.example/X"));
    }

    #[test]
    fn a_sender_is_found_by_address_then_domain() {
        assert_eq!(ses_identities("E2E Shop <shop@shop.example>"), ["shop@shop.example", "shop.example"]);
        assert_eq!(ses_identities("shop@shop.example"), ["shop@shop.example", "shop.example"]);
    }

    #[test]
    fn outside_text_is_printed_escaped() {
        assert_eq!(shown("a\u{1b}[31m\u{202e}b"), "a\\u{1b}[31m\\u{202e}b");
    }
}
