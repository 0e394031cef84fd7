//! `cartback-scheduler`: the once-a-minute sweep (EventBridge) that moves timers further out
//! than SQS can hold (900 s) from the carts into the due-timer queue (docs/decisions/0004).
//!
//! In-memory adapters hold any delay, so until the DynamoDB adapter lands (the AWS issue) there
//! is nothing to sweep: the function accepts the scheduled event and reports that.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    lambda_runtime::run(service_fn(|ev: LambdaEvent<Value>| async move {
        tracing::info!(request_id = %ev.context.request_id, "sweep: no long-delay timer store configured");
        Ok::<_, lambda_runtime::Error>(json!({"swept": 0}))
    }))
    .await
}
