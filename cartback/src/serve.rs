//! `cartback serve`.

use crate::ClockKind;
use anyhow::Context;
use cartback_core::config::{Config, DEMO_API_KEY, DEMO_STORE_ID, DEMO_TWILIO_AUTH_TOKEN, demo_config};
use cartback_core::local::{LocalOptions, LocalRuntime};
use cartback_http::{local_router, public_router};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub async fn run(
    config: Option<PathBuf>,
    addr: SocketAddr,
    clock: ClockKind,
    start: Option<jiff::Timestamp>,
) -> anyhow::Result<()> {
    let (cfg, is_demo) = match &config {
        Some(p) => (Config::load(&p.to_string_lossy())?, false),
        None => (demo_config(), true),
    };
    let virtual_start = (clock == ClockKind::Virtual).then(|| start.unwrap_or_else(jiff::Timestamp::now));
    let public_url = cfg.public_url.clone();
    let stores: Vec<String> = cfg.stores().map(|s| s.id.clone()).collect();
    let rt = Arc::new(LocalRuntime::new(cfg, LocalOptions { virtual_start, print: true, ..LocalOptions::default() }));
    let app = public_router(rt.engine.clone()).merge(local_router(rt.clone()));
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr()?;

    println!(
        "Cartback local mode listening on http://{bound}  (clock: {})",
        if virtual_start.is_some() { "virtual" } else { "system" }
    );
    println!("  public_url (restore links, Twilio signatures): {public_url}");
    println!("  stores: {}", stores.join(", "));
    if is_demo {
        println!("  demo store `{DEMO_STORE_ID}`: API key {DEMO_API_KEY}  Twilio auth token {DEMO_TWILIO_AUTH_TOKEN}");
        println!("  restore links may redirect to shop.example only");
    }
    println!(
        "  routes: POST /v1/events  GET /r/{{token}}  GET /v1/stores/{{store}}/stats  POST /v1/replies/twilio/{{store}}"
    );
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
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
