//! `cartback-dispatcher`: consumes the due-timer queue (SQS): decides what each due cart needs
//! and sends each step exactly once (docs/decisions/0004).

use cartback_aws::wiring::{Deps, Settings};
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let deps = std::sync::Arc::new(Deps::build(Settings::from_env()?).await?);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<aws_lambda_events::sqs::SqsEvent>| {
        let deps = deps.clone();
        async move {
            // Without a configuration the whole batch fails and SQS retries it (then its DLQ).
            let engine = deps.engine().await.map_err(lambda_runtime::Error::from)?;
            Ok::<_, lambda_runtime::Error>(cartback_aws::dispatch_batch::handle(engine, ev.payload).await)
        }
    }))
    .await
}
