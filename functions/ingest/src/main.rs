//! `cartback-ingest`: the storefront-facing HTTP API (events, restore links, stats) on Lambda.
//!
//! Until the DynamoDB/SQS adapters land (the AWS issue), the engine runs on the in-memory
//! adapters from `CARTBACK_CONFIG` — enough to exercise the Lambda wiring, not for production.

use cartback_core::config::Config;
use cartback_core::local::{LocalOptions, LocalRuntime};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let path = std::env::var("CARTBACK_CONFIG").map_err(|_| "CARTBACK_CONFIG (path of the store TOML) is not set")?;
    let config = Config::load(&path)?;
    let rt = LocalRuntime::new(config, LocalOptions { print: false, ..LocalOptions::default() });
    lambda_http::run(cartback_http::api_router(rt.engine.clone())).await
}
