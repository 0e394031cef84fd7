//! `cartback simulate`: N carts through the whole pipeline on a virtual clock, with a realistic
//! mix of shoppers, then two controlled runs that measure requests per abandoned and per
//! converted cart.

use crate::SyncKind;
use cartback_core::config::condition::Condition;
use cartback_core::config::{Config, StoreConfig, demo_config};
use cartback_core::conversations::replies::InboundReply;
use cartback_core::domain::Channel;
use cartback_core::intake::contract::parse_event;
use cartback_local::adapters::clock::VirtualClock;
use cartback_local::adapters::counting::Op;
use cartback_local::adapters::random::SeededRandom;
use cartback_local::clock_of;
use cartback_local::{LocalOptions, LocalRuntime};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::time::Instant;

enum Action {
    Event(String),
    Reply(&'static str),
}

const ZONES: &[&str] = &["Europe/Istanbul", "Europe/Oslo", "Asia/Tehran", "Europe/London", "America/New_York"];
const REPLIES: &[&str] = &[
    "shipping is too expensive",
    "Kargo çok pahalı",
    "Frakten er for dyr",
    "هزینه ارسال خیلی زیاده",
    "my card was declined",
    "how long does delivery take?",
    "do you have it in size M",
    "hello?",
];

fn cart_event(i: u32, event: u32, kind: &str, at: Timestamp, rng: &SeededRandom) -> String {
    let phone = format!("+4791{:06}", i % 1_000_000);
    let zone = ZONES[(rng.next_u64() % ZONES.len() as u64) as usize];
    let sms = rng.unit() < 0.8;
    let wa = rng.unit() < 0.4;
    let qty = 1 + rng.next_u64() % 3;
    format!(
        r#"{{"event_id":"e{i}_{event}","type":"{kind}","occurred_at":"{at}","cart_id":"c{i}",
        "customer":{{"first_name":"Kari","phone":"{phone}","email":"s{i}@example.com","timezone":"{zone}",
        "consent":{{"sms":{sms},"email":true,"whatsapp":{wa}}}}},
        "cart":{{"currency":"EUR","checkout_url":"https://shop.example/checkouts/c{i}",
        "items":[{{"sku":"MW-SWT-M-NAV","name":"Wool sweater","quantity":{qty},"unit_price":"42.00"}}]}}}}"#
    )
}

fn order_event(i: u32, at: Timestamp) -> String {
    format!(
        r#"{{"event_id":"o{i}","type":"order.completed","occurred_at":"{at}","cart_id":"c{i}",
        "order":{{"order_id":"{i}","total":"42.00","currency":"EUR"}}}}"#
    )
}

/// What the storefront and provider requests of a run cost, apart from the timers' work.
#[derive(Default)]
struct Tally {
    api_requests: u64,
    api_dynamo_requests: u64,
}

async fn play(
    rt: &LocalRuntime,
    store: &StoreConfig,
    mut actions: Vec<(Timestamp, u32, Action)>,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    let dynamo = |rt: &LocalRuntime| rt.counter.total() - rt.counter.get(Op::TimerSqs);
    actions.sort_by_key(|(t, i, _)| (*t, *i));
    for (t, i, action) in actions {
        let now = rt.now();
        if t > now {
            rt.advance(t.duration_since(now)).await;
        }
        let before = dynamo(rt);
        match action {
            Action::Event(json) => {
                let ev = parse_event(json.as_bytes(), store)
                    .map_err(|e| anyhow::anyhow!("generated event refused: {e:?}"))?;
                rt.engine.intake.ingest(store, &ev).await?;
            }
            Action::Reply(text) => {
                let reply = InboundReply {
                    channel: Channel::Sms,
                    from: format!("+4791{:06}", i % 1_000_000),
                    body: text.to_string(),
                    message_id: format!("SM{i}"),
                    sent_at: None,
                };
                rt.engine.replies.on_reply(store, &reply).await?;
            }
        }
        // One API request is one invocation: its statistics are written as it ends.
        rt.engine.flush_stats().await;
        tally.api_requests += 1;
        tally.api_dynamo_requests += dynamo(rt) - before;
    }
    rt.advance(SignedDuration::from_hours(80)).await;
    Ok(tally)
}

/// The shoppers: 30 % order within 20 minutes; of the rest, some come back, reply, say STOP or
/// order later. With `browsing`, each cart also gets one or two more `cart.updated` events in
/// its first minutes (about three storefront events per cart, as a storefront sends them).
fn mix(carts: u32, start: Timestamp, rng: &SeededRandom, browsing: bool) -> Vec<(Timestamp, u32, Action)> {
    let mut actions = Vec::with_capacity(carts as usize * 3);
    for i in 0..carts {
        let t0 = start + SignedDuration::from_secs((rng.next_u64() % 3600) as i64);
        let mins = |m: i64| t0 + SignedDuration::from_mins(m);
        actions.push((t0, i, Action::Event(cart_event(i, 0, "cart.updated", t0, rng))));
        if browsing {
            let more = 1 + u32::from(rng.unit() < 0.6);
            for k in 1..=more {
                let at = mins(i64::from(k) * 2);
                actions.push((at, i, Action::Event(cart_event(i, 10 + k, "cart.updated", at, rng))));
            }
        }
        let r = rng.unit();
        if r < 0.30 {
            let at = if browsing { 6 + (rng.next_u64() % 14) as i64 } else { 2 + (rng.next_u64() % 18) as i64 };
            actions.push((mins(at), i, Action::Event(order_event(i, mins(10)))));
            continue;
        }
        let r2 = rng.unit();
        if r2 < 0.10 {
            actions.push((mins(50), i, Action::Event(cart_event(i, 1, "checkout.started", mins(50), rng))));
        } else if r2 < 0.18 {
            let text = REPLIES[(rng.next_u64() % REPLIES.len() as u64) as usize];
            actions.push((mins(40), i, Action::Reply(text)));
        } else if r2 < 0.21 {
            actions.push((mins(35), i, Action::Reply("STOP")));
        } else if r2 < 0.33 {
            actions.push((mins(120), i, Action::Event(order_event(i, mins(120)))));
        } else if r2 < 0.38 {
            actions.push((mins(26 * 60), i, Action::Event(order_event(i, mins(26 * 60)))));
        }
    }
    actions
}

/// Where `simulate` keeps state.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq, Debug)]
pub enum BackendKind {
    Memory,
    Sqlite,
}

fn options(start: Timestamp, seed: u64) -> LocalOptions {
    LocalOptions {
        virtual_start: Some(start),
        print: false,
        count_requests: true,
        seed: Some(seed),
        duplicate_deliveries: false,
        fault_injection: false,
        chaos: None,
        // Statistics as the Lambda functions write them: the requests counted are the bill's.
        deferred_stats: true,
        meter: None,
        webhooks_reach: Default::default(),
    }
}

fn runtime(config: Config, start: Timestamp, seed: u64) -> LocalRuntime {
    LocalRuntime::new(config, options(start, seed))
}

/// The demo store's configuration; with `conditions`, every step and variant also carries a
/// condition of every kind that every simulated cart meets, merged into the `when` it has (the
/// demo's branches keep their own keys, so the same carts get the same messages). The run then
/// does the same work plus judging them: what conditions cost (issue #34 asks ≥ 0.95× the speed
/// without).
fn config(conditions: bool) -> Config {
    let demo = demo_config();
    if !conditions {
        return demo;
    }
    let stores = demo
        .stores()
        .map(|s| {
            let mut store = (**s).clone();
            let lang = cartback_core::domain::locale::primary(&store.locale).unwrap_or_default();
            let every_cart = |when: &Option<Condition>| {
                let mut w = when.clone().unwrap_or_default();
                w.cart_value_min = w.cart_value_min.or(Some(1));
                w.cart_value_max = w.cart_value_max.or(Some(10_000_000)); // 100 000.00
                w.items_min = w.items_min.or(Some(1));
                w.items_max = w.items_max.or(Some(99));
                w.first_time = w.first_time.or(Some(true));
                if w.countries.is_empty() {
                    w.countries = vec!["NO".into(), "TR".into(), "IR".into(), "GB".into(), "US".into()];
                }
                if w.languages.is_empty() {
                    w.languages = vec![lang.clone(), "nb".into(), "tr".into(), "fa".into()];
                }
                if w.consent.is_empty() {
                    w.consent = vec![Channel::Email];
                }
                // The items' kinds, from the catalogue the run uploads (the simulated sweater).
                if w.leads.is_empty() {
                    w.leads = cartback_core::domain::Temperature::ALL.to_vec();
                }
                if w.tags.is_empty() {
                    w.tags = vec!["knitwear".into()];
                }
                if w.collections.is_empty() {
                    w.collections = vec!["winter-warmers".into()];
                }
                if w.product_types.is_empty() {
                    w.product_types = vec!["Sweaters".into()];
                }
                Some(w)
            };
            for step in &mut store.steps {
                step.when = every_cart(&step.when);
                for v in step.variants.iter_mut().skip(1) {
                    v.when = every_cart(&v.when);
                }
            }
            store.refresh_conditions_on_items();
            store
        })
        .collect();
    Config::new(demo.public_url.clone(), stores).with_replies_url(&demo.replies_url)
}

/// A fresh SQLite data directory, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("cartback-simulate-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        Scratch(d)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sqlite_runtime(
    config: Config,
    start: Timestamp,
    seed: u64,
    sync: SyncKind,
    dir: &Scratch,
) -> anyhow::Result<LocalRuntime> {
    let db = cartback_sqlite::Database::open(&dir.0, sync.into())?;
    let clock = Some(Arc::new(VirtualClock::new(start)));
    let backend = db.backend(clock_of(&clock), false);
    Ok(LocalRuntime::with_backend(config, options(start, seed), backend, clock))
}

pub async fn run(
    carts: u32,
    seed: u64,
    backend: BackendKind,
    sync: SyncKind,
    conditions: bool,
    no_bill: bool,
) -> anyhow::Result<()> {
    let start: Timestamp = "2026-11-23T06:00:00Z".parse()?;
    let scratch = Scratch::new("run");
    let rt = match backend {
        BackendKind::Memory => runtime(config(conditions), start, seed),
        BackendKind::Sqlite => sqlite_runtime(config(conditions), start, seed, sync, &scratch)?,
    };
    let store = rt.engine.config().store("demo").cloned().ok_or_else(|| anyhow::anyhow!("demo store missing"))?;
    // The store's catalogue, as a live store has it: its e-mail step recommends from it, and
    // with `conditions` its items' tags, collections and types are judged on it.
    let products = include_str!("../../docs/examples/products.json").as_bytes();
    rt.engine
        .catalogue
        .upload(&store, cartback_core::catalogue::FeedFormat::Json, products)
        .await?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rng = SeededRandom::new(seed);
    let actions = mix(carts, start, &rng, false);
    // One-time start-up work (libphonenumber's metadata, the time-zone database) is not
    // throughput: pay it before the clock starts, as a warm Lambda or server has.
    std::hint::black_box(cartback_core::domain::phone::normalize_phone("+4791234567"));
    for z in ZONES {
        std::hint::black_box(jiff::tz::TimeZone::get(z).ok());
    }
    let began = Instant::now();
    play(&rt, &store, actions).await?;
    let secs = began.elapsed().as_secs_f64();
    let s = rt.engine.stats_report("demo").await?;
    let adapters = match backend {
        BackendKind::Memory => "in-memory adapters".to_string(),
        BackendKind::Sqlite => format!("SQLite adapters (sync {sync:?}) in {}", scratch.0.display()),
    };
    let when = if conditions { ", a condition on every step" } else { "" };
    println!("simulate: {carts} carts, seed {seed}, one thread, {adapters}, virtual clock{when}");
    println!("  wall time {secs:.3} s → {:.0} carts/s", f64::from(carts) / secs);
    println!(
        "  abandoned {} (episodes {}), suppressed {}",
        s.carts_abandoned, s.abandonment_episodes, s.carts_suppressed
    );
    println!("  messages by channel {:?}", s.messages_by_channel);
    println!("  messages by step    {:?}", s.messages_by_step);
    println!("  skipped {:?}  deferred {:?}", s.steps_skipped, s.steps_deferred);
    println!(
        "  orders: recovered {} (revenue {:?} minor units), converted {}",
        s.orders_recovered, s.revenue_recovered, s.orders_converted
    );
    println!("  opt-outs {:?}, reasons {:?}", s.opt_outs, s.reasons);
    println!("  dead letters {}", rt.dead_letters.load(std::sync::atomic::Ordering::Relaxed));
    println!(
        "  requests: {} store+queue ({} without stats counters) = {:.2} per cart",
        rt.counter.total(),
        rt.counter.total_without_stats(),
        rt.counter.total_without_stats() as f64 / f64::from(carts)
    );

    if no_bill {
        return Ok(());
    }
    bill(carts.min(20_000), seed).await?;

    if backend == BackendKind::Sqlite {
        let n = 2000;
        let ingest = Scratch::new("ingest");
        let rt = sqlite_runtime(demo_config(), start, seed, sync, &ingest)?;
        let bodies: Vec<String> = (0..n).map(|i| cart_event(i, 0, "cart.updated", start, &rng)).collect();
        let began = Instant::now();
        for b in &bodies {
            let ev =
                parse_event(b.as_bytes(), &store).map_err(|e| anyhow::anyhow!("generated event refused: {e:?}"))?;
            rt.engine.intake.ingest(&store, &ev).await?;
        }
        let secs = began.elapsed().as_secs_f64();
        println!(
            "ingest on SQLite (sync {sync:?}): {n} new-cart events in {secs:.3} s → {:.0} events/s, {:.0} µs each",
            f64::from(n) / secs,
            secs * 1e6 / f64::from(n)
        );
    }

    let (median, p99) = ingest_cpu(&store, &rng);
    println!(
        "core CPU per ingested event (parse + validate + decide, 100000 events): median {median:.1} µs, p99 {p99:.1} µs"
    );

    let (abandoned, breakdown) = per_cart(false, seed).await?;
    let (converted, _) = per_cart(true, seed).await?;
    println!("requests per cart (controlled runs of 1000 carts, 3-step 72 h sequence, stats counters excluded):");
    println!("  abandoned, all 3 steps sent: {abandoned:.2}");
    for (op, n) in breakdown {
        println!("      {op}: {:.2}", n as f64 / 1000.0);
    }
    println!("  converted before abandonment: {converted:.2}");
    Ok(())
}

/// Bytes written by a JSON log subscriber (the functions' format).
#[derive(Clone, Default)]
struct LogBytes(Arc<std::sync::atomic::AtomicU64>);

impl std::io::Write for LogBytes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The AWS bill per million carts for the demo's mix, metered (meter.rs, bill.rs), beside the
/// two reference designs under the same prices.
async fn bill(carts: u32, seed: u64) -> anyhow::Result<()> {
    use crate::bill;
    let start: Timestamp = "2026-11-23T06:00:00Z".parse()?;
    let meter = crate::meter::DynamoMeter::new();
    let mut opts = options(start, seed);
    opts.meter = Some(meter.clone());
    let rt = LocalRuntime::new(demo_config(), opts);
    meter.set_clock(rt.clock.clone());
    let store = rt.engine.config().store("demo").cloned().ok_or_else(|| anyhow::anyhow!("demo store missing"))?;
    let rng = SeededRandom::new(seed ^ 0xb111);
    let actions = mix(carts, start, &rng, true);
    let events = actions.iter().filter(|(_, _, a)| matches!(a, Action::Event(_))).count();
    let replies = actions.iter().filter(|(_, _, a)| matches!(a, Action::Reply(_))).count() as u64;
    // The functions' log lines, as they write them (JSON, INFO), counted, not printed.
    let bytes = LogBytes::default();
    let writer = bytes.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let tally = play(&rt, &store, actions).await?;
    drop(guard);
    let c = &rt.counter;
    let s = rt.engine.stats_report("demo").await?;
    let messages: i64 = s.messages_by_channel.values().sum::<i64>() + s.messages_failed.values().sum::<i64>();
    let dynamo_all = c.total() - c.get(Op::TimerSqs) - c.get(Op::TimerSweptBatch);
    let traffic = bill::Traffic {
        carts: u64::from(carts),
        api_requests: tally.api_requests,
        replies,
        api_dynamo_requests: tally.api_dynamo_requests,
        deliveries: c.get(Op::LoadForSend),
        dispatch_dynamo_requests: dynamo_all.saturating_sub(tally.api_dynamo_requests),
        provider_calls: messages as u64,
        sqs_sends: c.get(Op::TimerSqs),
        sweep_batches: c.get(Op::TimerSweptBatch),
        units: meter.units(),
        log_bytes: bytes.0.load(std::sync::atomic::Ordering::Relaxed),
        daily_carts: cartback_aws::fixed_requests::REFERENCE_CARTS_PER_DAY,
        abandoned: s.carts_abandoned.max(0) as u64,
    };
    let ours = bill::cartback(&traffic);
    let invocations = tally.api_requests as f64 + (traffic.deliveries as f64 / 10.0).ceil();
    let steps_due: i64 = messages + s.steps_skipped.values().sum::<i64>();
    let m = bill::Mix {
        carts: f64::from(carts),
        events: events as f64,
        abandoned: s.carts_abandoned as f64,
        steps_due: steps_due as f64,
        messages: messages as f64,
        log_bytes_per_invocation: traffic.log_bytes as f64 / invocations,
        span_hours: 72.0,
    };
    let (eb, hop) = (bill::eventbridge_scheduler(&m), bill::sqs_hop_chain(&m));
    println!(
        "the AWS bill ({}; metered: {carts} carts, {:.2} storefront events and {:.2} due timers per cart, {:.0} % abandoned, {:.2} messages per abandoned cart, {:.2} DynamoDB+SQS requests per cart with statistics):",
        bill::Prices::AS_OF,
        events as f64 / f64::from(carts),
        traffic.deliveries as f64 / f64::from(carts),
        100.0 * s.carts_abandoned as f64 / f64::from(carts),
        messages as f64 / s.carts_abandoned.max(1) as f64,
        (c.total() + (traffic.deliveries as f64 / 10.0).ceil() as u64 * 2) as f64 / f64::from(carts),
    );
    bill::print("Cartback", &ours);
    println!("    DynamoDB per cart, by request (requests, read units, write units with the index copies they made):");
    let requests = c.snapshot();
    for (op, (r, w)) in &traffic.units.by_op {
        let n = requests.get(op).copied().unwrap_or(0);
        let per = |x: u64| x as f64 / f64::from(carts);
        println!("      {op:<40} {:>5.2} requests {:>6.2} RRU {:>6.2} WRU", per(n), per(*r), per(*w));
    }
    bill::print("EventBridge Scheduler, one schedule per step", &eb);
    bill::print("SQS 900-second hop chain", &hop);
    let total = bill::total(&ours);
    println!(
        "  ratios: Cartback / EventBridge Scheduler {:.2}, Cartback / SQS hop chain {:.2}; message delivery (SES, SMS, WhatsApp) is billed per message by the provider, the same in every design, and not included",
        total / bill::total(&eb),
        total / bill::total(&hop)
    );
    print_levers(&traffic, total);
    println!(
        "  deploy profiles: default ${total:.2} per million carts; leanest (FrontDoor=FunctionUrl, PointInTimeRecovery=Disabled, CartRetentionDays=35) ${:.2}",
        crate::bill::leanest_profile(&traffic, total)
    );
    println!(
        "  assumptions: DynamoDB {} ms, SQS {} ms, provider {} ms per request; dispatcher records {} at a time; one sweep a minute at {} carts a day",
        bill::Latency::DYNAMO_MS,
        bill::Latency::SQS_MS,
        bill::Latency::PROVIDER_MS,
        bill::Latency::DISPATCH_CONCURRENCY,
        traffic.daily_carts
    );
    Ok(())
}

/// What $12 would take: each lever left, costed from this run, applied in turn (the running
/// total), with what it gives up and the requests it adds per abandoned cart.
fn print_levers(traffic: &crate::bill::Traffic, total: f64) {
    println!("  what $12 would take (each change costed from this run, applied in turn):");
    let mut running = total;
    for l in crate::bill::levers(traffic) {
        running += l.dollars;
        println!(
            "    {:+6.2} → ${running:>5.2}  {:+4.1} requests per abandoned cart  {} (gives up: {})",
            l.dollars, l.requests_per_abandoned, l.what, l.gives_up
        );
    }
}

/// Times parse + validate + decide for each of 100 000 generated events, one by one.
fn ingest_cpu(store: &StoreConfig, rng: &SeededRandom) -> (f64, f64) {
    let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    let bodies: Vec<String> = (0..100_000).map(|i| cart_event(i, 0, "cart.updated", now, rng)).collect();
    let mut micros: Vec<f64> = Vec::with_capacity(bodies.len());
    for b in &bodies {
        let t = Instant::now();
        if let Ok(ev) = parse_event(b.as_bytes(), store) {
            std::hint::black_box(cartback_core::abandonment::lifecycle::apply_event(None, &ev, store, now));
        }
        micros.push(t.elapsed().as_secs_f64() * 1e6);
    }
    micros.sort_by(f64::total_cmp);
    (micros[micros.len() / 2], micros[micros.len() * 99 / 100])
}

/// Requests per cart for 1000 identical carts: abandoned for good, or ordered after 10 minutes.
pub async fn per_cart(convert: bool, seed: u64) -> anyhow::Result<(f64, Vec<(&'static str, u64)>)> {
    let start: Timestamp = "2026-11-23T09:00:00Z".parse()?;
    let rt = runtime(demo_config(), start, seed);
    let store = rt.engine.config().store("demo").cloned().ok_or_else(|| anyhow::anyhow!("demo store missing"))?;
    let mut actions = Vec::new();
    let n = 1000;
    for i in 0..n {
        let json = format!(
            r#"{{"event_id":"e{i}","type":"cart.updated","occurred_at":"{start}","cart_id":"c{i}",
            "customer":{{"phone":"+4791{i:06}","email":"s{i}@example.com","timezone":"UTC","consent":{{"sms":true,"email":true,"whatsapp":true}}}},
            "cart":{{"currency":"EUR","checkout_url":"https://shop.example/c","items":[{{"sku":"A","name":"A","quantity":1,"unit_price":"10.00"}}]}}}}"#
        );
        actions.push((start, i, Action::Event(json)));
        if convert {
            let at = start + SignedDuration::from_mins(10);
            actions.push((at, i, Action::Event(order_event(i, at))));
        }
    }
    play(&rt, &store, actions).await?;
    let per = rt.counter.total_without_stats() as f64 / f64::from(n);
    let breakdown = rt.counter.snapshot().into_iter().filter(|(k, _)| !k.contains("stats")).collect();
    Ok((per, breakdown))
}
