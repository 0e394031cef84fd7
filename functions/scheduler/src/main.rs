//! `cartback-scheduler`: the once-a-minute sweep (EventBridge schedule) that moves timers
//! further out than SQS can hold (900 s) from the carts into the due-timer queue
//! (docs/decisions/0004). An error fails the invocation, so the schedule's retry and the
//! "no sweep for 10 minutes" alarm see it; the checkpoint makes the next run catch up.

use aws_lambda_events::cloudwatch_events::CloudWatchEvent;
use cartback_aws::sweep::Sweeper;
use cartback_aws::wiring::{Deps, Settings};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let deps = Deps::build(Settings::from_env()?).await?;
    let deps = &deps;
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<CloudWatchEvent>| async move {
        let sweeper = Sweeper { dynamo: &deps.dynamo, table: &deps.settings.table, queue: &deps.queue };
        // Delays are computed from the real time, not the rule's scheduled `time`: an invocation
        // that starts late still hands SQS the exact remaining wait.
        let report = sweeper.run(jiff::Timestamp::now()).await?;
        tracing::info!(request_id = %ev.context.request_id, buckets = report.buckets, timers = report.timers, queries = report.queries, batches = report.batches, "sweep");
        Ok::<_, lambda_runtime::Error>(json!({"buckets": report.buckets, "timers": report.timers}))
    }))
    .await
}
