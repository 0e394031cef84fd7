//! `cartback-replies`: the provider-facing webhooks (inbound SMS replies) on Lambda,
//! the same axum router local mode serves, over DynamoDB and SQS.

use cartback_aws::wiring::{Deps, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let deps = Deps::build(Settings::from_env()?).await?;
    cartback_aws::http_host::run(deps, cartback_http::replies_router).await
}
