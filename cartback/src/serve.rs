//! `cartback serve`.

use crate::{ClockKind, Storage};
use anyhow::Context;
use cartback_core::config::{
    Config, DEMO_API_KEY, DEMO_PUBLISHABLE_KEY, DEMO_SHOPIFY_WEBHOOK_SECRET, DEMO_STORE_ID, DEMO_TWILIO_AUTH_TOKEN,
    DEMO_WOOCOMMERCE_WEBHOOK_SECRET, demo_config,
};
use cartback_core::domain::contact::set_deployment_key;
use cartback_http::public_router;
use cartback_local::adapters::clock::VirtualClock;
use cartback_local::local_router;
use cartback_local::{LocalOptions, LocalRuntime, clock_of};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where a virtual clock starts without `--start`: the time the examples in `docs/examples` are
/// dated (`occurred_at`). Were it today, the example event would be days old (abandoned long
/// ago, its SMS window missed) and the tour's SMS would depend on the hour it is pasted at
/// (quiet hours); fixed, the tour answers the same on any day.
pub const EXAMPLES_TIME: &str = "2026-11-23T10:00:00Z";

fn examples_time() -> jiff::Timestamp {
    EXAMPLES_TIME.parse().unwrap_or_else(|_| unreachable!("EXAMPLES_TIME is a valid RFC 3339 time"))
}

/// `--start`: an RFC 3339 time, or `now` for the system clock's time.
pub fn parse_start(s: &str) -> Result<jiff::Timestamp, String> {
    if s.eq_ignore_ascii_case("now") {
        return Ok(jiff::Timestamp::now());
    }
    s.parse().map_err(|e| format!("`{s}` is neither `now` nor an RFC 3339 time with an offset: {e}"))
}

pub async fn run(
    config: Option<PathBuf>,
    addr: SocketAddr,
    clock: ClockKind,
    start: Option<jiff::Timestamp>,
    storage: Storage,
    allow_loopback_webhooks: bool,
) -> anyhow::Result<()> {
    let (cfg, is_demo) = match &config {
        Some(p) => (Config::load(&p.to_string_lossy())?, false),
        None => (demo_config(), true),
    };
    let virtual_start = (clock == ClockKind::Virtual).then(|| start.unwrap_or_else(examples_time));
    let public_url = cfg.public_url.clone();
    let stores: Vec<String> = cfg.stores().map(|s| s.id.clone()).collect();
    use cartback_local::WebhooksReach as Reach;
    let webhooks_reach = if allow_loopback_webhooks { Reach::AlsoLoopback } else { Reach::InternetOnly };
    let opts = LocalOptions { virtual_start, print: true, webhooks_reach, ..LocalOptions::default() };
    let (rt, state) = if storage.memory {
        // Nothing outlives the process: a fresh secret each run.
        let random = cartback_core::system::OsRandom;
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(&cartback_core::ports::RandomSource::bytes16(&random));
        key[16..].copy_from_slice(&cartback_core::ports::RandomSource::bytes16(&random));
        set_deployment_key(key).map_err(anyhow::Error::msg)?;
        (LocalRuntime::new(cfg, opts), "in memory (forgotten on exit)".to_string())
    } else {
        let db = cartback_sqlite::Database::open(&storage.data_dir, storage.sync.into())?;
        set_deployment_key(db.deployment_key()).map_err(anyhow::Error::msg)?;
        // A data directory's virtual time never goes backwards.
        let start = virtual_start.map(|s| db.saved_clock().map_or(s, |saved| saved.max(s)));
        let clock = start.map(|s| Arc::new(VirtualClock::new(s)));
        let backend = db.backend(clock_of(&clock), true);
        let sync = if storage.sync == crate::SyncKind::Full { "fsync per commit" } else { "fsync at checkpoints" };
        let state = format!("{} ({sync})", db.path().display());
        (LocalRuntime::with_backend(cfg, opts, backend, clock), state)
    };
    let rt = Arc::new(rt);
    let app = public_router(rt.engine.clone()).merge(local_router(rt.clone()));
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;

    println!(
        "Cartback local mode listening on http://{bound}  (clock: {})",
        if rt.virtual_clock.is_some() { format!("virtual, now {}", rt.now()) } else { "system".into() }
    );
    println!("  state: {state}");
    println!("  public_url (restore links, Twilio signatures): {public_url}");
    println!("  stores: {}", stores.join(", "));
    if is_demo {
        println!("  demo store `{DEMO_STORE_ID}`: API key {DEMO_API_KEY}  Twilio auth token {DEMO_TWILIO_AUTH_TOKEN}");
        println!("  Shopify webhook secret {DEMO_SHOPIFY_WEBHOOK_SECRET} (POST /v1/webhooks/shopify/{DEMO_STORE_ID})");
        println!(
            "  WooCommerce webhook secret {DEMO_WOOCOMMERCE_WEBHOOK_SECRET} (POST /v1/webhooks/woocommerce/{DEMO_STORE_ID})"
        );
        println!("  publishable key {DEMO_PUBLISHABLE_KEY} (capture snippet; demo shop at http://{bound}/demo-shop)");
        println!("  restore links and the snippet: shop.example, 127.0.0.1 and localhost only");
    }
    let routes: Vec<String> = cartback_http::routes().map(|r| format!("{} {}", r.method, r.path)).collect();
    for (i, chunk) in routes.chunks(3).enumerate() {
        println!("  {}{}", if i == 0 { "routes: " } else { "        " }, chunk.join("  "));
    }
    println!("          POST /_local/clock/advance  GET /_local/outbox  GET /_local/alerts");

    if virtual_start.is_none() {
        // The system clock moves by itself: look for due work every second.
        let pump = rt.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                pump.run_due().await;
            }
        });
    }
    // The peer address keys the collect route's per-client rate limit.
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_virtual_clock_starts_when_the_example_event_happened() {
        let event: serde_json::Value =
            serde_json::from_str(include_str!("../../docs/examples/event.json")).expect("the example is JSON");
        assert_eq!(event["occurred_at"], EXAMPLES_TIME);
        assert_eq!(examples_time().to_string(), EXAMPLES_TIME);
    }

    #[test]
    fn start_accepts_now_and_rfc3339_and_names_what_it_refuses() {
        let before = jiff::Timestamp::now();
        assert!(parse_start("now").expect("now") >= before);
        assert_eq!(parse_start("2026-01-02T03:04:05Z").expect("a time").to_string(), "2026-01-02T03:04:05Z");
        let err = parse_start("tomorrow").expect_err("not a time");
        assert!(err.contains("`tomorrow`"), "{err}");
    }
}
