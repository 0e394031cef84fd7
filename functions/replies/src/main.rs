//! `cartback-replies`: the provider-facing webhooks (inbound SMS replies, Twilio and WhatsApp
//! delivery statuses) on Lambda, over DynamoDB and SQS. Wiring only: the handler is
//! `handler.rs`.

mod handler;

use cartback_aws::http_host::{self, HttpHost};
use cartback_aws::logging;
use cartback_aws::wiring::{Deps, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    logging::init();
    let deps = Deps::build(Settings::from_env()?).await?;
    http_host::run(HttpHost::new(deps, handler::router)).await
}
