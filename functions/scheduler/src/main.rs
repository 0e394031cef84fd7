//! `cartback-scheduler`: EventBridge's function. It schedules no message (the dispatcher sends):
//! it runs the once-a-minute sweep of long timers into the timer queue, and applies SES's
//! sending events to the sends they name. Wiring only: the handler is `handler.rs`.

mod handler;

use cartback_aws::logging;
use cartback_aws::wiring::{Deps, Settings};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let deps = Deps::build(Settings::from_env()?).await?;
    let deps = &deps;
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| async move {
        handler::handle(deps, &ev.context.request_id, ev.payload).await
    }))
    .await
}
