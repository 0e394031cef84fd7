//! `cartback-scheduler`: EventBridge's function.
//! - The once-a-minute sweep (schedule) that moves timers further out than SQS can hold
//!   (900 s) from the carts into the due-timer queue (docs/decisions/0004). An error fails the
//!   invocation, so the schedule's retry and the "no sweep for 10 minutes" alarm see it; the
//!   checkpoint makes the next run catch up.
//! - SES's sending events (`source: aws.ses`, from the stack's configuration set): deliveries,
//!   permanent bounces and complaints, applied to the send they name (`ses_events`).

use cartback_aws::sweep::Sweeper;
use cartback_aws::wiring::{Deps, Settings};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let deps = Deps::build(Settings::from_env()?).await?;
    let deps = &deps;
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| async move {
        if ev.payload.get("source").and_then(Value::as_str) == Some("aws.ses") {
            let Some(email) = cartback_core::feedback::ses_events::parse(&ev.payload) else {
                return Ok::<_, lambda_runtime::Error>(json!({"ses": "ignored"}));
            };
            let engine = deps.engine().await?;
            let outcome = engine.on_email_event(&email).await?;
            tracing::info!(request_id = %ev.context.request_id, event = ?email.event, outcome = ?outcome, "ses event");
            return Ok(json!({"ses": format!("{outcome:?}").to_lowercase()}));
        }
        let sweeper = Sweeper { dynamo: &deps.dynamo, table: &deps.settings.table, queue: &deps.queue };
        // Delays are computed from the real time, not the rule's scheduled `time`: an invocation
        // that starts late still hands SQS the exact remaining wait.
        let report = sweeper.run(jiff::Timestamp::now()).await?;
        tracing::info!(request_id = %ev.context.request_id, buckets = report.buckets, timers = report.timers, queries = report.queries, batches = report.batches, "sweep");
        Ok(json!({"buckets": report.buckets, "timers": report.timers}))
    }))
    .await
}
