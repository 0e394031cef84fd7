//! `cartback chaos`: carts through the whole pipeline on a virtual clock while faults are
//! injected at random (`cartback_local::adapters::chaos`): duplicate deliveries, crashes before
//! the claim, after it and after the provider took the message, store throttles and conflicts,
//! provider throttles, timeouts after the provider took the message, permanent refusals. Events
//! and replies arrive at least once (a share twice; a store failure is retried by the sender).
//! Then the invariants are checked over the whole history, against every message the provider
//! took: none twice for a (cart, step), none after the cart's order or the shopper's STOP was
//! ingested, none in quiet hours, at most one SMS per abandonment episode, and no sequence lost
//! (each abandoned cart ends recovered, converted, expired, suppressed, paused by the shopper,
//! or with a step recorded unknown or failed; a message dead-lettered after its retries is
//! counted, as the DLQ alarm would show it). Exits non-zero if any invariant breaks.

use crate::simulate::BackendKind;
use cartback_core::config::{StoreConfig, demo_config};
use cartback_core::conversations::replies::InboundReply;
use cartback_core::domain::{CartStatus, Channel, SendStatus};
use cartback_core::engine::EngineError;
use cartback_core::intake::contract::parse_event;
use cartback_local::adapters::chaos::{Broken, Chaos, ChaosCounts, ChaosRates, Taken};
use cartback_local::adapters::clock::VirtualClock;
use cartback_local::adapters::random::SeededRandom;
use cartback_local::{LocalOptions, LocalRuntime, clock_of};
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The fault mix issue #15 names.
pub const RATES: ChaosRates = ChaosRates {
    duplicate: 0.10,
    crash: 0.05,
    store: 0.05,
    throttle: 0.10,
    timeout_after_accept: 0.03,
    permanent: 0.02,
};

const ZONES: &[&str] = &["Europe/Istanbul", "Europe/Oslo", "Asia/Tehran", "Europe/London", "America/New_York"];

/// Defects put in on purpose, one per invariant, to show each check can fail.
#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq, Debug)]
pub enum BreakKind {
    /// Call the provider twice for one message in a thousand.
    DuplicateSend,
    /// The engine runs with the store's quiet hours widened to the whole day; the checker holds
    /// it to the store's real ones.
    QuietHours,
    /// One order event in ten never reaches the engine (a lost webhook); the shopper did order.
    DropOrder,
    /// One STOP in three never reaches the engine; the shopper did reply it.
    DropStop,
    /// The provider adapter sends one e-mail in ten as an SMS (a misrouted channel).
    SmsForEmail,
    /// The queue loses one due timer in a hundred, with no dead letter.
    LoseTimer,
    /// One e-mail unsubscribe in three never reaches the engine.
    DropUnsubscribe,
    /// One erasure in three never reaches the engine.
    DropErasure,
}

enum Action {
    Event(String),
    Stop,
    /// The shopper's one-click e-mail unsubscribe.
    Unsubscribe,
    /// The merchant erases the shopper's data (by phone and e-mail).
    Erase,
}

/// What the driver knows of each cart, to check the history against.
#[derive(Default, Clone)]
struct Truth {
    zone: &'static str,
    ordered_at: Option<Timestamp>,
    stopped_at: Option<Timestamp>,
    unsubscribed_at: Option<Timestamp>,
    erased_at: Option<Timestamp>,
}

/// The configuration the engine runs with: the demo store's, or, for a planted defect, one
/// changed as the defect says (the checker holds the run to the real one).
fn engine_config(broken: Option<BreakKind>) -> anyhow::Result<cartback_core::config::Config> {
    let demo = demo_config();
    let mut store = (**demo.store("demo").ok_or_else(|| anyhow::anyhow!("no demo store"))?).clone();
    match broken {
        Some(BreakKind::QuietHours) => {
            store.quiet_hours.start = jiff::civil::time(0, 0, 0, 0);
            store.quiet_hours.end = jiff::civil::time(23, 59, 59, 999_999_999);
        }
        _ => return Ok(demo),
    }
    Ok(cartback_core::config::Config::new(demo.public_url.clone(), vec![store]))
}

fn cart_event(i: u32, n: u32, kind: &str, at: Timestamp, zone: &str, rng: &SeededRandom) -> String {
    let sms = rng.unit() < 0.8;
    format!(
        r#"{{"event_id":"e{i}_{n}","type":"{kind}","occurred_at":"{at}","cart_id":"c{i}",
        "customer":{{"first_name":"Kari","phone":"+4791{i:06}","email":"s{i}@example.com","timezone":"{zone}",
        "consent":{{"sms":{sms},"email":true,"whatsapp":true}}}},
        "cart":{{"currency":"EUR","checkout_url":"https://shop.example/checkouts/c{i}",
        "items":[{{"sku":"SW-1","name":"Wool sweater","quantity":1,"unit_price":"42.00"}}]}}}}"#
    )
}

fn order_event(i: u32, at: Timestamp) -> String {
    format!(
        r#"{{"event_id":"o{i}","type":"order.completed","occurred_at":"{at}","cart_id":"c{i}",
        "order":{{"order_id":"{i}","total":"42.00","currency":"EUR"}}}}"#
    )
}

/// Retries what a sender retries (a store that is unavailable, or a crash answered 5xx), as a
/// storefront or Twilio does with a webhook; the engine must make the repeat harmless.
async fn at_least_once<F, Fut>(mut f: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), EngineError>> + Send + 'static,
{
    for _ in 0..50 {
        match tokio::spawn(f()).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) if e.is_retryable() => continue,
            Ok(Err(e)) => anyhow::bail!("refused: {e}"),
            Err(_) => continue, // crashed: the sender gets a 5xx and sends again
        }
    }
    anyhow::bail!("still failing after 50 attempts")
}

pub async fn run(
    carts: u32,
    seed: u64,
    backend: BackendKind,
    broken: Option<BreakKind>,
    history: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    // The injected crashes are panics: counted, not printed.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let chaos = info.payload().downcast_ref::<String>().is_some_and(|s| s.starts_with("chaos: "));
        if !chaos {
            default_hook(info);
        }
    }));
    let start: Timestamp = "2026-11-23T06:00:00Z".parse()?;
    let chaos = Arc::new(Chaos {
        rates: RATES,
        random: SeededRandom::new(seed ^ 0x00c4_a05c),
        counts: ChaosCounts::default(),
        taken: Taken::default(),
        clock: std::sync::OnceLock::new(),
        broken: match broken {
            Some(BreakKind::DuplicateSend) => Some(Broken::DuplicateSend),
            Some(BreakKind::LoseTimer) => Some(Broken::LoseTimer),
            Some(BreakKind::SmsForEmail) => Some(Broken::SmsForEmail),
            _ => None,
        },
    });
    let opts = LocalOptions {
        virtual_start: Some(start),
        print: false,
        count_requests: false,
        seed: Some(seed),
        duplicate_deliveries: false,
        fault_injection: false,
        chaos: Some(chaos.clone()),
        deferred_stats: false,
        meter: None,
        webhooks_reach: Default::default(),
    };
    let dir = std::env::temp_dir().join(format!("cartback-chaos-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rt = match backend {
        BackendKind::Memory => LocalRuntime::new(engine_config(broken)?, opts),
        BackendKind::Sqlite => {
            let db = cartback_sqlite::Database::open(&dir, cartback_sqlite::Sync::Normal)?;
            let clock = Some(Arc::new(VirtualClock::new(start)));
            let backend = db.backend(clock_of(&clock), false);
            LocalRuntime::with_backend(engine_config(broken)?, opts, backend, clock)
        }
    };
    let rt = Arc::new(rt);
    let _ = chaos.clock.set(rt.clock.clone());
    let store = Arc::new(rt.engine.config().store("demo").cloned().ok_or_else(|| anyhow::anyhow!("no demo store"))?);
    // What the store really is (the checker's reference), whatever the engine was given.
    let real = demo_config().store("demo").cloned().ok_or_else(|| anyhow::anyhow!("no demo store"))?;
    let rng = SeededRandom::new(seed);
    let mut truth: Vec<Truth> = Vec::with_capacity(carts as usize);
    let mut actions: Vec<(Timestamp, u32, Action)> = Vec::with_capacity(carts as usize * 2);
    for i in 0..carts {
        let zone = ZONES[(rng.next_u64() % ZONES.len() as u64) as usize];
        truth.push(Truth { zone, ..Truth::default() });
        let t0 = start + SignedDuration::from_secs((rng.next_u64() % 3600) as i64);
        let mins = |m: i64| t0 + SignedDuration::from_mins(m);
        actions.push((t0, i, Action::Event(cart_event(i, 0, "cart.updated", t0, zone, &rng))));
        let r = rng.unit();
        if r < 0.25 {
            actions.push((mins(2 + (rng.next_u64() % 18) as i64), i, Action::Event(order_event(i, mins(10)))));
        } else if r < 0.35 {
            actions.push((mins(50), i, Action::Event(cart_event(i, 1, "checkout.started", mins(50), zone, &rng))));
        } else if r < 0.43 {
            actions.push((mins(35 + (rng.next_u64() % 600) as i64), i, Action::Stop));
        } else if r < 0.55 {
            actions.push((mins(120), i, Action::Event(order_event(i, mins(120)))));
        } else if r < 0.60 {
            actions.push((mins(26 * 60), i, Action::Event(order_event(i, mins(26 * 60)))));
        } else if r < 0.66 {
            actions.push((mins(35 + (rng.next_u64() % 3000) as i64), i, Action::Unsubscribe));
        } else if r < 0.70 {
            actions.push((mins(35 + (rng.next_u64() % 3000) as i64), i, Action::Erase));
        }
    }
    actions.sort_by_key(|(t, i, _)| (*t, *i));
    let began = std::time::Instant::now();
    for (t, i, action) in actions {
        let now = rt.now();
        if t > now {
            rt.advance(t.duration_since(now)).await;
        }
        // At least once in: a share of events and replies arrive twice.
        let copies = if rng.unit() < RATES.duplicate { 2 } else { 1 };
        // A planted defect: the event or reply is lost on its way (the truth still has it).
        let lost = match &action {
            Action::Event(json) if json.contains("order.completed") => {
                broken == Some(BreakKind::DropOrder) && rng.unit() < 0.1
            }
            Action::Stop => broken == Some(BreakKind::DropStop) && rng.unit() < 0.34,
            Action::Unsubscribe => broken == Some(BreakKind::DropUnsubscribe) && rng.unit() < 0.34,
            Action::Erase => broken == Some(BreakKind::DropErasure) && rng.unit() < 0.34,
            Action::Event(_) => false,
        };
        if lost {
            chaos.counts.add("broken_lost_on_the_way");
            let t = &mut truth[i as usize];
            let at = Some(rt.now());
            match &action {
                Action::Stop => t.stopped_at = at,
                Action::Unsubscribe => t.unsubscribed_at = at,
                Action::Erase => t.erased_at = at,
                Action::Event(_) => t.ordered_at = at,
            }
            continue;
        }
        for _ in 0..copies {
            match &action {
                Action::Event(json) => {
                    let ev = parse_event(json.as_bytes(), &store).map_err(|e| anyhow::anyhow!("{e:?}"))?;
                    let (rt2, store2) = (rt.clone(), store.clone());
                    at_least_once(move || {
                        let (rt, store, ev) = (rt2.clone(), store2.clone(), ev.clone());
                        async move { rt.engine.intake.ingest(&store, &ev).await.map(|_| ()) }
                    })
                    .await?;
                    if json.contains("order.completed") {
                        truth[i as usize].ordered_at.get_or_insert(rt.now());
                    }
                }
                Action::Stop => {
                    let reply = InboundReply {
                        channel: Channel::Sms,
                        from: format!("+4791{i:06}"),
                        body: "STOP".into(),
                        message_id: format!("SM{i}"),
                        sent_at: None,
                    };
                    let (rt2, store2) = (rt.clone(), store.clone());
                    at_least_once(move || {
                        let (rt, store, reply) = (rt2.clone(), store2.clone(), reply.clone());
                        async move { rt.engine.replies.on_reply(&store, &reply).await.map(|_| ()) }
                    })
                    .await?;
                    truth[i as usize].stopped_at.get_or_insert(rt.now());
                }
                Action::Unsubscribe => {
                    // The link names the cart's contact (the phone's); the opt-out is the e-mail's.
                    let key = cartback_core::domain::contact_key(&store.id, &format!("+4791{i:06}"));
                    let (rt2, store2) = (rt.clone(), store.clone());
                    at_least_once(move || {
                        let (rt, store, key) = (rt2.clone(), store2.clone(), key.clone());
                        async move { rt.engine.feedback.unsubscribe(&store, &key, Channel::Email).await.map(|_| ()) }
                    })
                    .await?;
                    truth[i as usize].unsubscribed_at.get_or_insert(rt.now());
                }
                Action::Erase => {
                    let q = cartback_core::shopper_data::ShopperQuery {
                        email: Some(format!("s{i}@example.com")),
                        phone: Some(format!("+4791{i:06}")),
                    };
                    let (rt2, store2) = (rt.clone(), store.clone());
                    at_least_once(move || {
                        let (rt, store, q) = (rt2.clone(), store2.clone(), q.clone());
                        async move { rt.engine.rights.erase_shopper(&store, &q).await.map(|_| ()) }
                    })
                    .await?;
                    truth[i as usize].erased_at.get_or_insert(rt.now());
                }
            }
        }
    }
    rt.advance(SignedDuration::from_hours(96)).await;
    let secs = began.elapsed().as_secs_f64();
    if let Some(path) = history {
        write_history(path, &rt, &real, &chaos, &truth).await?;
    }
    let broken_count = check(&rt, &real, &chaos, &truth, carts, backend, secs).await?;
    let _ = std::fs::remove_dir_all(&dir);
    if broken_count > 0 {
        anyhow::bail!("{broken_count} invariant violation(s)");
    }
    Ok(())
}

async fn check(
    rt: &LocalRuntime,
    store: &StoreConfig,
    chaos: &Chaos,
    truth: &[Truth],
    carts: u32,
    backend: BackendKind,
    secs: f64,
) -> anyhow::Result<u64> {
    let taken = chaos.taken.all();
    let index = |cart: &str| cart.strip_prefix('c').and_then(|n| n.parse::<usize>().ok());
    let mut first_sent: HashMap<&str, Timestamp> = HashMap::new();
    for m in &taken {
        first_sent.entry(m.cart.as_str()).and_modify(|t| *t = (*t).min(m.at)).or_insert(m.at);
    }
    let mut per_step: HashMap<(String, u32), u32> = HashMap::new();
    let mut sms_per_cart: HashMap<String, u32> = HashMap::new();
    let (mut duplicates, mut after_order, mut after_stop) = (0u64, 0u64, 0u64);
    for m in &taken {
        let n = per_step.entry((m.cart.clone(), m.step)).or_default();
        *n += 1;
        if *n > 1 {
            duplicates += 1;
        }
        if m.channel == Channel::Sms {
            *sms_per_cart.entry(m.cart.clone()).or_default() += 1;
        }
        let Some(t) = index(&m.cart).and_then(|i| truth.get(i)) else { continue };
        if t.ordered_at.is_some_and(|o| m.at > o) {
            after_order += 1;
        }
        // STOP opts the phone out (SMS and WhatsApp), and ends the sequence of the cart it was
        // messaged about on every channel; a cart not yet messaged keeps its e-mail steps.
        let messaged_before = |s: Timestamp| first_sent.get(m.cart.as_str()).is_some_and(|f| *f <= s);
        if t.stopped_at.is_some_and(|s| m.at > s && (m.channel.uses_phone() || messaged_before(s))) {
            after_stop += 1;
        }
    }
    let final_carts = rt.store.carts_of(&store.id);
    let dead_lettered = dead_lettered_carts(rt, &store.id);
    let (mut sms_over, mut lost) = (0u64, 0u64);
    let mut ends: BTreeMap<&'static str, u64> = BTreeMap::new();
    for c in &final_carts {
        let episodes = c.sends.iter().map(|s| s.epoch).collect::<std::collections::BTreeSet<_>>().len().max(1);
        if sms_per_cart.get(&c.id).copied().unwrap_or(0) as usize > episodes {
            sms_over += 1;
        }
        let explicit = c.sends.iter().any(|s| matches!(s.status, SendStatus::Unknown | SendStatus::Failed));
        let end = match c.status {
            CartStatus::Abandoned if c.paused => "paused",
            CartStatus::Abandoned | CartStatus::Active if explicit => "unknown_or_failed_step",
            // Its timer went to the dead-letter queue: an alarm on AWS, a record here.
            CartStatus::Abandoned | CartStatus::Active if dead_lettered.contains(c.id.as_str()) => "dead_lettered",
            // Stopped without any record: lost.
            CartStatus::Abandoned | CartStatus::Active => {
                lost += 1;
                "unfinished"
            }
            s => s.as_str(),
        };
        *ends.entry(end).or_default() += 1;
    }
    let dead = rt.dead_letters.load(std::sync::atomic::Ordering::Relaxed);
    println!("chaos: {carts} carts, {backend:?} adapters, virtual clock, {secs:.1} s");
    println!("  faults injected:");
    for (k, v) in chaos.counts.snapshot() {
        println!("    {k:32} {v}");
    }
    println!("  messages the providers took: {}", taken.len());
    println!("  carts by how they ended: {ends:?}");
    println!("  dead-lettered after {} deliveries: {dead}", 5);
    let checks = [
        ("duplicate sends of a (cart, step)", duplicates, taken.len()),
        ("sends after the order was ingested", after_order, taken.len()),
        ("sends after the shopper's STOP", after_stop, taken.len()),
        ("carts with more SMS than abandonment episodes", sms_over, final_carts.len()),
        ("sequences lost (unfinished, no dead letter of the cart)", lost, final_carts.len()),
    ];
    println!("  invariants:");
    let mut broken = 0;
    for (name, n, over) in checks {
        println!("    {:56} {n:>6} of {over} checked  {}", name, if n == 0 { "ok" } else { "BROKEN" });
        broken += n;
    }
    Ok(broken)
}

/// The carts whose timers were dead-lettered (the runtime's record of the DLQ).
fn dead_lettered_carts(rt: &LocalRuntime, store: &str) -> std::collections::HashSet<String> {
    let dead = rt.dead_lettered.lock().unwrap_or_else(|e| e.into_inner());
    dead.iter().filter(|(s, _)| s == store).map(|(_, c)| c.clone()).collect()
}

fn rfc3339(t: Option<Timestamp>) -> serde_json::Value {
    t.map_or(serde_json::Value::Null, |t| serde_json::Value::String(t.to_string()))
}

/// The run as the independent checker reads it (tests/references/chaos_check.py): the store's
/// real window, each cart's truth and end, every message the providers took, the dead letters.
/// Only facts are written, no verdict of the engine's.
async fn write_history(
    path: &std::path::Path,
    rt: &LocalRuntime,
    store: &StoreConfig,
    chaos: &Chaos,
    truth: &[Truth],
) -> anyhow::Result<()> {
    use serde_json::json;
    let finals: HashMap<String, cartback_core::domain::Cart> =
        rt.store.carts_of(&store.id).into_iter().map(|c| (c.id.clone(), c)).collect();
    let carts: Vec<serde_json::Value> = truth
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let id = format!("c{i}");
            let end = finals.get(&id).map(|c| {
                json!({
                    "status": c.status.as_str(),
                    "paused": c.paused,
                    "episodes": c.sends.iter().map(|s| s.epoch).collect::<std::collections::BTreeSet<_>>().len().max(1),
                    "unknown_or_failed_step": c.sends.iter().any(|s| matches!(s.status, SendStatus::Unknown | SendStatus::Failed)),
                })
            });
            // An erased shopper's cart is gone: it ended there.
            let end = end.or_else(|| {
                t.erased_at.map(|_| json!({"status": "erased", "paused": false, "episodes": 1, "unknown_or_failed_step": false}))
            });
            json!({
                "id": id, "zone": t.zone, "phone": format!("+4791{i:06}"), "email": format!("s{i}@example.com"),
                "ordered_at": rfc3339(t.ordered_at), "stopped_at": rfc3339(t.stopped_at),
                "unsubscribed_at": rfc3339(t.unsubscribed_at), "erased_at": rfc3339(t.erased_at),
                "final": end,
            })
        })
        .collect();
    let messages: Vec<serde_json::Value> = chaos
        .taken
        .all()
        .iter()
        .filter(|m| m.store == store.id)
        .map(|m| json!({"cart": m.cart, "step": m.step, "channel": m.channel.as_str(), "to": m.to, "at": m.at.to_string()}))
        .collect();
    let mut dead: Vec<String> = dead_lettered_carts(rt, &store.id).into_iter().collect();
    dead.sort();
    // What is left of each erased shopper: their cart, or a contact still holding an address.
    let mut erased_left = Vec::new();
    for (i, _) in truth.iter().enumerate().filter(|(_, t)| t.erased_at.is_some()) {
        let id = format!("c{i}");
        if finals.contains_key(&id) {
            erased_left.push(json!({"cart": id, "where": "carts", "what": "the cart"}));
        }
        for address in [format!("+4791{i:06}"), format!("s{i}@example.com")] {
            let key = cartback_core::domain::contact_key(&store.id, &address);
            let contact = rt.store.get_contact(&store.id, &key).await?;
            if contact.is_some_and(|c| c.phone.is_some() || c.email.is_some() || c.latest_cart.is_some()) {
                erased_left.push(json!({"cart": id, "where": "contacts", "what": "an address or its cart"}));
            }
        }
    }
    let q = &store.quiet_hours;
    let doc = json!({
        "v": 1,
        "store": {"timezone": store.timezone, "quiet_hours": format!("{}-{}", q.start.strftime("%H:%M"), q.end.strftime("%H:%M"))},
        "carts": carts,
        "messages": messages,
        "dead_lettered": dead,
        "erased_left": erased_left,
    });
    std::fs::write(path, serde_json::to_vec(&doc)?).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    Ok(())
}
