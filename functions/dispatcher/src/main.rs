//! `cartback-dispatcher`: consumes the due-timer queue (SQS): decides what each due cart needs
//! and sends each step exactly once (docs/decisions/0004). Wiring only: the handler is
//! `handler.rs`.

mod handler;

use aws_lambda_events::sqs::SqsEvent;
use cartback_aws::logging;
use cartback_aws::wiring::{Deps, Settings};
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    logging::init();
    let deps = Deps::build(Settings::from_env()?).await?;
    let deps = &deps;
    lambda_runtime::run(service_fn(
        move |ev: LambdaEvent<SqsEvent>| async move { handler::handle(deps, ev.payload).await },
    ))
    .await
}
