//! The AWS bill per million carts, line by line, from a metered run (`meter.rs`), and the same
//! prices applied to two reference designs, so the ratios are computed, not claimed
//! (docs/benchmarks.md, "The bill").

use crate::meter::Units;
use cartback_aws::dynamo::{CART_RETENTION, CONTACT_RETENTION};

/// Prices: us-east-1, on-demand, as published on 2026-11-30.
pub struct Prices;

impl Prices {
    pub const AS_OF: &'static str = "us-east-1, on-demand list prices as of 2026-11-30";
    /// API Gateway HTTP API, per million requests (first 300 million a month).
    pub const HTTP_API: f64 = 1.00;
    /// Lambda, per million requests.
    pub const LAMBDA_REQUESTS: f64 = 0.20;
    /// Lambda on arm64 (the template's architecture), per GB-second.
    pub const LAMBDA_GB_S: f64 = 0.000_013_333_4;
    /// DynamoDB on-demand, per million write and read request units (since 2024-11-01).
    pub const DYNAMO_WRU: f64 = 0.625;
    pub const DYNAMO_RRU: f64 = 0.125;
    /// DynamoDB standard table storage, per GB-month.
    pub const DYNAMO_GB_MONTH: f64 = 0.25;
    /// DynamoDB point-in-time recovery (continuous backups; the template enables it), per
    /// GB-month of table data.
    pub const DYNAMO_PITR_GB_MONTH: f64 = 0.20;
    /// SQS standard queue, per million requests (64 KB each).
    pub const SQS: f64 = 0.40;
    /// CloudWatch Logs standard ingestion, per GB.
    pub const LOGS_GB: f64 = 0.50;
    /// CloudWatch Logs storage, per GB-month of compressed log data.
    pub const LOGS_STORED_GB_MONTH: f64 = 0.03;
    /// X-Ray, per million traces recorded.
    pub const XRAY_TRACES: f64 = 5.00;
    /// EventBridge Scheduler, per million invocations.
    pub const SCHEDULER: f64 = 1.00;
}

/// Assumptions the bill states: what each request costs in Lambda time.
pub struct Latency;

impl Latency {
    pub const DYNAMO_MS: f64 = 5.0;
    pub const SQS_MS: f64 = 8.0;
    /// An HTTPS call to Twilio, SES or Meta.
    pub const PROVIDER_MS: f64 = 120.0;
    /// Start-up of each invocation's work (routing, configuration from cache).
    pub const INVOCATION_MS: f64 = 1.0;
    /// The dispatcher's records in flight per batch.
    pub const DISPATCH_CONCURRENCY: f64 = 8.0;
    /// Stored log data's size against what was ingested (CloudWatch stores it compressed; JSON
    /// lines compress about 1:6).
    pub const LOG_COMPRESSION: f64 = 0.15;
}

/// The deployment the bill prices (its facts are read from it, not copied here).
const TEMPLATE: &str = include_str!("../../infra/template.yaml");

/// The days the functions' and the API's logs are kept: the template's `LogRetentionDays`
/// default.
pub fn log_retention_days() -> f64 {
    TEMPLATE
        .lines()
        .skip_while(|l| l.trim() != "LogRetentionDays:")
        .find_map(|l| l.trim().strip_prefix("Default: "))
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0)
}

/// Every function's memory, in GB: the template's `Globals.Function.MemorySize` (MB).
pub fn memory_gb() -> f64 {
    TEMPLATE
        .lines()
        .find_map(|l| l.strip_prefix("    MemorySize: "))
        .and_then(|m| m.trim().parse::<f64>().ok())
        .map_or(0.0, |mb| mb / 1024.0)
}

/// The API's access-log line as the template's `AccessLogSettings.Format` writes it, with
/// typical values: its bytes are ingested once per request.
pub fn access_log_line() -> String {
    let format = TEMPLATE
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("Format: '").and_then(|f| f.strip_suffix('\'')))
        .unwrap_or_default();
    [
        ("$context.requestId", "J9mFqgVLoAMEbvQ="),
        ("$context.identity.sourceIp", "203.0.113.195"),
        ("$context.httpMethod", "POST"),
        ("$context.path", "/v1/stores/demo/events"),
        ("$context.status", "202"),
        ("$context.responseLatency", "23"),
    ]
    .iter()
    .fold(format.to_string(), |line, (var, value)| line.replace(var, value))
}

/// Traces X-Ray records a day for a function invoked `per_day` times a day, evenly, with active
/// tracing: Lambda's fixed sampling, the first request each second and 5 % of the rest.
pub fn traces_per_day(per_day: f64) -> f64 {
    let rate = per_day / 86_400.0;
    86_400.0 * (rate.min(1.0) + 0.05 * (rate - 1.0).max(0.0))
}

/// What a metered run did.
pub struct Traffic {
    pub carts: u64,
    /// Storefront events and provider webhooks: one HTTP API request and one ingest or replies
    /// invocation each.
    pub api_requests: u64,
    /// Of them, the provider webhooks (the replies function's invocations).
    pub replies: u64,
    /// DynamoDB requests made while handling them (reads, writes, statistics).
    pub api_dynamo_requests: u64,
    /// Due timers handled by the dispatcher, its DynamoDB requests, and provider calls.
    pub deliveries: u64,
    pub dispatch_dynamo_requests: u64,
    pub provider_calls: u64,
    /// SQS: timers sent directly (≤ 900 s) and the sweep's SendMessageBatch calls.
    pub sqs_sends: u64,
    pub sweep_batches: u64,
    pub units: Units,
    /// Log bytes the functions wrote (JSON lines, INFO), measured in the run.
    pub log_bytes: u64,
    /// The simulated days, for the scheduler's one sweep a minute (spread over the volume).
    pub daily_carts: f64,
    /// Carts abandoned (for requests per abandoned cart).
    pub abandoned: u64,
}

pub struct Line {
    pub what: String,
    pub quantity: f64,
    pub unit: &'static str,
    pub dollars: f64,
}

fn line(what: impl Into<String>, quantity: f64, unit: &'static str, price_per_million: f64) -> Line {
    Line { what: what.into(), quantity, unit, dollars: quantity * price_per_million / 1e6 }
}

/// Everything per million carts.
pub fn cartback(t: &Traffic) -> Vec<Line> {
    let per = 1e6 / t.carts as f64;
    let dispatch_batches = (t.deliveries as f64 / 10.0).ceil();
    // The scheduler sweeps once a minute whatever the volume; its share at `daily_carts`.
    let sweeps = 1440.0 / t.daily_carts * t.carts as f64;
    let invocations = t.api_requests as f64 + dispatch_batches + sweeps;
    let api_ms = t.api_requests as f64 * Latency::INVOCATION_MS + t.api_dynamo_requests as f64 * Latency::DYNAMO_MS;
    let dispatch_ms = (t.deliveries as f64 * Latency::INVOCATION_MS
        + t.dispatch_dynamo_requests as f64 * Latency::DYNAMO_MS
        + t.provider_calls as f64 * Latency::PROVIDER_MS)
        / Latency::DISPATCH_CONCURRENCY
        + dispatch_batches * Latency::SQS_MS;
    let sweep_ms =
        sweeps * (Latency::INVOCATION_MS + Latency::DYNAMO_MS * 2.0) + t.sweep_batches as f64 * Latency::SQS_MS;
    let gb_s = (api_ms + dispatch_ms + sweep_ms + t.sqs_sends as f64 * Latency::SQS_MS) / 1000.0 * memory_gb();
    let u = &t.units;
    let esm = dispatch_batches * 2.0; // ReceiveMessage + DeleteMessageBatch per batch of 10
    let table_gb_months = Storage::of(u).total();
    // Each function traced on its own, at the volume of `daily_carts` a day.
    let day = t.daily_carts / t.carts as f64;
    let traces_a_day = traces_per_day((t.api_requests - t.replies) as f64 * day)
        + traces_per_day(t.replies as f64 * day)
        + traces_per_day(dispatch_batches * day)
        + traces_per_day(1440.0);
    let traces = traces_a_day / t.daily_carts * 1e6;
    let access_log_bytes = access_log_line().len();
    let access_log_gb = access_log_gb(t);
    let log_days = log_retention_days();
    let log_gb = t.log_bytes as f64 / 1e9 + access_log_gb;
    vec![
        line("API Gateway HTTP API requests", t.api_requests as f64 * per, "requests", Prices::HTTP_API),
        line(
            "Lambda invocations (ingest, replies, dispatcher batches of 10, sweeps)",
            invocations * per,
            "requests",
            Prices::LAMBDA_REQUESTS,
        ),
        line(format!("Lambda compute (arm64, {} GB)", memory_gb()), gb_s * per, "GB-s", Prices::LAMBDA_GB_S * 1e6),
        line(
            format!(
                "DynamoDB writes ({} of them the timer index, {} in transactions, {} statistics)",
                fmt_units(u.index_write as f64 * per),
                fmt_units(u.transaction_write as f64 * per),
                fmt_units(u.stats_write as f64 * per)
            ),
            u.write as f64 * per,
            "WRU",
            Prices::DYNAMO_WRU,
        ),
        line(
            format!("DynamoDB reads, strongly consistent ({} statistics)", fmt_units(u.stats_read as f64 * per)),
            u.read as f64 * per,
            "RRU",
            Prices::DYNAMO_RRU,
        ),
        line(
            format!(
                "DynamoDB storage (carts {} d, contacts {} d, links {} d; TTL deletes free)",
                days(CART_RETENTION),
                days(CONTACT_RETENTION),
                LINK_DAYS
            ),
            table_gb_months * per,
            "GB-month",
            Prices::DYNAMO_GB_MONTH * 1e6,
        ),
        line(
            "DynamoDB point-in-time recovery (the same table data)",
            table_gb_months * per,
            "GB-month",
            Prices::DYNAMO_PITR_GB_MONTH * 1e6,
        ),
        line(
            "SQS requests (timer sends, sweep batches, the event source's receives and deletes)",
            (t.sqs_sends as f64 + t.sweep_batches as f64 + esm) * per,
            "requests",
            Prices::SQS,
        ),
        line(
            format!(
                "CloudWatch Logs ingestion (functions' JSON lines, measured; API access log, {} B a request)",
                access_log_bytes
            ),
            log_gb * per,
            "GB",
            Prices::LOGS_GB * 1e6,
        ),
        line(
            format!("CloudWatch Logs storage ({} d, stored at {} of the size)", log_days, Latency::LOG_COMPRESSION),
            log_gb * Latency::LOG_COMPRESSION * months(log_days) * per,
            "GB-month",
            Prices::LOGS_STORED_GB_MONTH * 1e6,
        ),
        // The template's default is PassThrough (none); what Active would add is stated.
        line(
            format!(
                "X-Ray traces (Tracing: PassThrough, the default; Active would record {:.0} and add ${:.2})",
                traces,
                traces * Prices::XRAY_TRACES / 1e6
            ),
            0.0,
            "traces",
            Prices::XRAY_TRACES,
        ),
    ]
}

fn fmt_units(x: f64) -> String {
    format!("{:.0}", x)
}

/// The shape of the traffic the references see: the same carts, events, steps and messages.
pub struct Mix {
    pub carts: f64,
    pub events: f64,
    pub abandoned: f64,
    pub steps_due: f64,
    pub messages: f64,
    pub log_bytes_per_invocation: f64,
    /// Hours from abandonment to the last step.
    pub span_hours: f64,
}

/// One EventBridge Scheduler schedule per step (aws-samples' design): each event one API
/// request, one Lambda invocation and one write; each due step one schedule invocation, one
/// Lambda invocation, one read, one write, and the provider call. Creating and deleting
/// schedules is free.
pub fn eventbridge_scheduler(m: &Mix) -> Vec<Line> {
    let per = 1e6 / m.carts;
    let invocations = m.events + m.steps_due;
    let ms = m.events * (Latency::INVOCATION_MS + Latency::DYNAMO_MS)
        + m.steps_due * (Latency::INVOCATION_MS + 2.0 * Latency::DYNAMO_MS)
        + m.messages * Latency::PROVIDER_MS;
    vec![
        line("API Gateway HTTP API requests", m.events * per, "requests", Prices::HTTP_API),
        line("Lambda invocations", invocations * per, "requests", Prices::LAMBDA_REQUESTS),
        line("Lambda compute", ms / 1000.0 * memory_gb() * per, "GB-s", Prices::LAMBDA_GB_S * 1e6),
        line("EventBridge Scheduler invocations", m.steps_due * per, "invocations", Prices::SCHEDULER),
        line("DynamoDB writes (a 1 KB cart item)", (m.events + m.steps_due) * per, "WRU", Prices::DYNAMO_WRU),
        line("DynamoDB reads", m.steps_due * per, "RRU", Prices::DYNAMO_RRU),
        line(
            "CloudWatch Logs ingestion",
            invocations * m.log_bytes_per_invocation / 1e9 * per,
            "GB",
            Prices::LOGS_GB * 1e6,
        ),
    ]
}

/// A 900-second SQS hop chain: each event one API request, one invocation, one write and a
/// new timer message; an abandoned cart's timer hops every 15 minutes until its last step (each
/// hop one SendMessage, a tenth of a receive, a delete and an invocation, and a read to see
/// whether the cart was ordered), and each due step as above.
pub fn sqs_hop_chain(m: &Mix) -> Vec<Line> {
    let per = 1e6 / m.carts;
    let hops = m.abandoned * m.span_hours * 4.0 + (m.carts - m.abandoned);
    let invocations = m.events + (hops + m.steps_due) / 10.0;
    let ms = m.events * (Latency::INVOCATION_MS + Latency::DYNAMO_MS + Latency::SQS_MS)
        + hops * (Latency::DYNAMO_MS + Latency::SQS_MS) / Latency::DISPATCH_CONCURRENCY
        + m.steps_due * 2.0 * Latency::DYNAMO_MS
        + m.messages * Latency::PROVIDER_MS / Latency::DISPATCH_CONCURRENCY;
    vec![
        line("API Gateway HTTP API requests", m.events * per, "requests", Prices::HTTP_API),
        line("Lambda invocations", invocations * per, "requests", Prices::LAMBDA_REQUESTS),
        line("Lambda compute", ms / 1000.0 * memory_gb() * per, "GB-s", Prices::LAMBDA_GB_S * 1e6),
        line(
            "SQS requests (sends, receives and deletes by 10)",
            (m.events + hops * 1.2 + m.steps_due * 0.2) * per,
            "requests",
            Prices::SQS,
        ),
        line("DynamoDB writes (a 1 KB cart item)", (m.events + m.steps_due) * per, "WRU", Prices::DYNAMO_WRU),
        line("DynamoDB reads (one per hop and step)", (hops + m.steps_due) * per, "RRU", Prices::DYNAMO_RRU),
        line(
            "CloudWatch Logs ingestion",
            invocations * m.log_bytes_per_invocation / 1e9 * per,
            "GB",
            Prices::LOGS_GB * 1e6,
        ),
    ]
}

/// A change that would lower the bill, costed from the same metered run, and what Cartback would
/// give up for it (docs/benchmarks.md, "What $12 would take").
pub struct Lever {
    pub what: &'static str,
    pub gives_up: &'static str,
    /// Dollars per million carts: negative is a saving.
    pub dollars: f64,
    /// DynamoDB + SQS requests per abandoned cart it adds (negative: removes).
    pub requests_per_abandoned: f64,
}

/// The levers left, each applied alone to the metered run `t` whose bill is `ours`. The first
/// keeps every promise Cartback makes; each after it trades one away.
pub fn levers(t: &Traffic) -> Vec<Lever> {
    let per = 1e6 / t.carts as f64;
    let u = &t.units;
    let messages_per_abandoned = t.provider_calls as f64 / t.abandoned.max(1) as f64;
    // Timers further out than the queue holds: delivered, but not sent to the queue directly.
    let long_timers = t.deliveries.saturating_sub(t.sqs_sends) as f64;
    let storage = Storage::of(u);
    let pitr = storage.total() * per * Prices::DYNAMO_PITR_GB_MONTH;
    let storage_and_backups = storage.total() * per * (Prices::DYNAMO_GB_MONTH + Prices::DYNAMO_PITR_GB_MONTH);
    let cart_share = storage.carts / storage.total().max(f64::MIN_POSITIVE);
    let api = t.api_requests as f64 * per * Prices::HTTP_API / 1e6;
    let access_log = access_log_gb(t) * per * Prices::LOGS_GB;
    let sweep_batches_per_abandoned = t.sweep_batches as f64 / t.abandoned.max(1) as f64;
    vec![
        Lever {
            what: "long timers as one EventBridge Scheduler schedule each (target: the queue) instead of the timer index",
            gives_up: "nothing promised; a second store of timers kept in step with the cart (a schedule written per reset)",
            dollars: -(u.index_write as f64 * per * Prices::DYNAMO_WRU / 1e6)
                + long_timers * per * (Prices::SCHEDULER + Prices::SQS) / 1e6
                - t.sweep_batches as f64 * per * Prices::SQS / 1e6,
            requests_per_abandoned: -sweep_batches_per_abandoned,
        },
        Lever {
            what: "each send claim as separate conditional writes (contact, cart, links) instead of one transaction",
            gives_up: "an atomic claim: a crash between the writes counts a capped send that never went out",
            dollars: -(u.transaction_write as f64 / 2.0 * per * Prices::DYNAMO_WRU / 1e6),
            requests_per_abandoned: 2.0 * messages_per_abandoned,
        },
        Lever {
            what: "storefront events and webhooks through a Lambda function URL instead of the HTTP API",
            gives_up: "the API's route throttle and access log, and a custom domain without CloudFront",
            dollars: -api - access_log,
            requests_per_abandoned: 0.0,
        },
        Lever {
            what: "no point-in-time recovery",
            gives_up: "restoring the table to any second of the last 35 days",
            dollars: -pitr,
            requests_per_abandoned: 0.0,
        },
        Lever {
            what: "carts kept 35 days after the last activity instead of 120",
            gives_up: "a shopper's cart, its messages and their evidence in exports and disputes after 35 days",
            dollars: -storage_and_backups * cart_share * (days(CART_RETENTION) - 35.0) / days(CART_RETENTION),
            requests_per_abandoned: 0.0,
        },
    ]
}

/// The bill per million carts under the leanest deploy options the template offers
/// (`FrontDoor=FunctionUrl`, `PointInTimeRecovery=Disabled`, `CartRetentionDays=35`), from the
/// metered run `t` whose default bill is `total`: no API Gateway request charge and no access
/// log (the function URLs are free; their invocations are billed as before), no backup charge
/// at all, and carts' storage for 35 days instead of 120.
pub fn leanest_profile(t: &Traffic, total: f64) -> f64 {
    let per = 1e6 / t.carts as f64;
    let storage = Storage::of(&t.units);
    let pitr = storage.total() * per * Prices::DYNAMO_PITR_GB_MONTH;
    let retention = days(CART_RETENTION);
    let min = cartback_aws::dynamo::MIN_CART_RETENTION_DAYS as f64;
    let carts_saved = storage.carts * per * Prices::DYNAMO_GB_MONTH * (retention - min) / retention;
    let api = t.api_requests as f64 * per * Prices::HTTP_API / 1e6;
    let access_log = access_log_gb(t) * per * Prices::LOGS_GB;
    total - pitr - carts_saved - api - access_log
}

/// The API's access log ingested in the run, in GB: one line per request.
fn access_log_gb(t: &Traffic) -> f64 {
    t.api_requests as f64 * access_log_line().len() as f64 / 1e9
}

/// Links live as long as the store's `link_ttl` (default 7 days).
const LINK_DAYS: f64 = 7.0;

fn days(d: jiff::SignedDuration) -> f64 {
    d.as_secs_f64() / 86_400.0
}

/// Billing months (of 30.4 days) in `days`.
fn months(days: f64) -> f64 {
    days / 30.4
}

/// The table's data over the run, in GB-months: every item kept for its retention (the DynamoDB
/// adapter's TTLs), at its size at the end of the run.
struct Storage {
    carts: f64,
    contacts: f64,
    links: f64,
}

impl Storage {
    fn of(u: &Units) -> Storage {
        Storage {
            carts: u.cart_bytes.values().sum::<usize>() as f64 / 1e9 * months(days(CART_RETENTION)),
            contacts: u.contact_bytes.values().sum::<usize>() as f64 / 1e9 * months(days(CONTACT_RETENTION)),
            links: u.link_bytes as f64 / 1e9 * months(LINK_DAYS),
        }
    }

    fn total(&self) -> f64 {
        self.carts + self.contacts + self.links
    }
}

pub fn total(lines: &[Line]) -> f64 {
    lines.iter().map(|l| l.dollars).sum()
}

pub fn print(title: &str, lines: &[Line]) {
    println!("  {title}: ${:.2} per million carts", total(lines));
    for l in lines {
        println!("    {:<96} {:>14.1} {:<11} ${:>7.3}", l.what, l.quantity, l.unit, l.dollars);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_log_line_is_the_templates_format_filled_in() {
        let line = access_log_line();
        assert!(!line.contains('$'), "a variable of the format has no sample value: {line}");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        assert_eq!(v["path"], "/v1/stores/demo/events", "{line}");
        assert!((100..200).contains(&line.len()), "{}", line.len());
    }

    fn traffic() -> Traffic {
        let mut units =
            Units { write: 1_900, index_write: 500, transaction_write: 800, read: 1_000, ..Units::default() };
        units.cart_bytes.insert(("s".into(), "c".into()), 1_000 * 100);
        units.contact_bytes.insert(("s".into(), "k".into()), 300 * 100);
        units.link_bytes = 100 * 100;
        Traffic {
            carts: 100,
            api_requests: 310,
            replies: 10,
            api_dynamo_requests: 600,
            deliveries: 290,
            dispatch_dynamo_requests: 700,
            provider_calls: 134,
            sqs_sends: 40,
            sweep_batches: 25,
            units,
            log_bytes: 400 * 100,
            daily_carts: 1e6,
            abandoned: 71,
        }
    }

    #[test]
    fn each_lever_is_the_lines_it_removes_from_the_same_bill() {
        let t = traffic();
        let ours = cartback(&t);
        let l = levers(&t);
        let by = |needle: &str| l.iter().find(|x| x.what.contains(needle)).map(|x| x.dollars).unwrap_or(f64::NAN);
        let line = |prefix: &str| ours.iter().find(|x| x.what.starts_with(prefix)).map(|x| x.dollars).unwrap_or(0.0);
        // Per million carts (10 000 × these 100): 500 index units → $3.125 less, 250 long timers
        // → $3.50 of schedule invocations and queue sends, 25 sweep sends → $0.10 less.
        assert!((by("EventBridge") - (-3.125 + 3.5 - 0.1)).abs() < 1e-9, "{}", by("EventBridge"));
        // Half the transaction's doubled 800 units: 400 × 10 000 at $0.625 a million.
        assert!((by("separate conditional") + 2.5).abs() < 1e-9);
        assert!((by("point-in-time") + line("DynamoDB point-in-time")).abs() < 1e-12);
        assert!(by("function URL") < -line("API Gateway") + 1e-12 && by("function URL") > -line("API Gateway") - 0.3);
        // Carts are the larger share of storage; 85 of their 120 days go.
        let storage = line("DynamoDB storage") + line("DynamoDB point-in-time");
        assert!(by("35 days") < 0.0 && -by("35 days") < storage * 85.0 / 120.0);
        let claims = l.iter().find(|x| x.what.contains("separate")).map_or(0.0, |x| x.requests_per_abandoned);
        assert!((claims - 2.0 * 134.0 / 71.0).abs() < 1e-9);
    }

    /// The leanest profile removes the whole API Gateway line (and the access log it writes),
    /// the whole point-in-time line and 85 of 120 days of the carts' storage line, and nothing
    /// else.
    #[test]
    fn the_leanest_profile_is_the_default_bill_less_the_api_backups_and_old_carts() {
        let t = traffic();
        let ours = cartback(&t);
        let total = total(&ours);
        let line = |prefix: &str| ours.iter().find(|x| x.what.starts_with(prefix)).map(|x| x.dollars).unwrap_or(0.0);
        let lean = leanest_profile(&t, total);
        let saved = total - lean;
        let pitr = line("DynamoDB point-in-time");
        let api = line("API Gateway");
        assert!(pitr > 0.0 && api > 0.0 && saved > pitr + api, "saved {saved}, backups {pitr}, API {api}");
        // The access log is part of the logs line; at most that line more.
        let at_most = pitr + api + line("DynamoDB storage") * 85.0 / 120.0 + line("CloudWatch Logs");
        assert!(saved < at_most + 1e-12, "saved {saved}");
    }

    #[test]
    fn the_memory_is_the_templates() {
        assert_eq!(memory_gb(), 0.25);
    }

    #[test]
    fn the_log_retention_is_the_templates_default() {
        assert_eq!(log_retention_days(), 30.0);
    }

    #[test]
    fn xray_samples_one_request_a_second_and_five_percent_of_the_rest() {
        // Half a request a second: every one traced.
        assert!((traces_per_day(43_200.0) - 43_200.0).abs() < 1e-6);
        // 21 a second: 1 + 5 % of 20 = 2 a second.
        assert!((traces_per_day(21.0 * 86_400.0) - 2.0 * 86_400.0).abs() < 1e-6);
        assert_eq!(traces_per_day(0.0), 0.0);
    }
}
