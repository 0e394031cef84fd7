//! `cartback-dispatcher`: consumes the due-timer queue (SQS): decides what each due cart
//! needs and sends each step exactly once (docs/decisions/0004).
//!
//! Until the DynamoDB/SQS adapters land (the AWS issue), the engine runs on the in-memory
//! adapters from `CARTBACK_CONFIG` — enough to exercise the Lambda wiring, not for production.

mod handler;

use cartback_core::config::Config;
use cartback_core::local::{LocalOptions, LocalRuntime};
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let path = std::env::var("CARTBACK_CONFIG").map_err(|_| "CARTBACK_CONFIG (path of the store TOML) is not set")?;
    let rt = LocalRuntime::new(Config::load(&path)?, LocalOptions { print: false, ..LocalOptions::default() });
    let engine = rt.engine.clone();
    lambda_runtime::run(service_fn(|ev: LambdaEvent<aws_lambda_events::sqs::SqsEvent>| {
        let engine = engine.clone();
        async move { Ok::<_, lambda_runtime::Error>(handler::handle(&engine, ev.payload).await) }
    }))
    .await
}
