//! The dispatcher's handler: one SQS batch of due timers through the engine
//! (`cartback_aws::dispatch_batch`: bounded concurrency, a panic contained to its record,
//! partial batch failures). Without a configuration the whole batch fails, so SQS retries it
//! and, after `maxReceiveCount`, dead-letters it.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use cartback_aws::wiring::EngineSource;

pub async fn handle(deps: &impl EngineSource, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let engine = deps.engine().await.map_err(lambda_runtime::Error::from)?;
    Ok(cartback_aws::dispatch_batch::handle(engine, event).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cartback_core::app::Engine;
    use cartback_core::config::demo_config;
    use cartback_local::{LocalOptions, LocalRuntime};
    use serde_json::{Value, json};
    use std::sync::Arc;

    /// The runtime's own SQS fixture with one malformed body.
    fn event() -> SqsEvent {
        let mut fixture: Value =
            serde_json::from_str(include_str!("../../../tests/fixtures/aws/example-sqs-event.json")).unwrap();
        fixture["Records"][0]["body"] = json!("not a timer");
        serde_json::from_value(fixture).unwrap()
    }

    struct NoConfiguration;

    #[async_trait::async_trait]
    impl EngineSource for NoConfiguration {
        async fn engine(&self) -> Result<Arc<Engine>, String> {
            Err("no store configuration".into())
        }
    }

    #[tokio::test]
    async fn a_batch_without_configuration_fails_whole_so_sqs_retries_it() {
        let err = handle(&NoConfiguration, event()).await.unwrap_err();
        assert!(err.to_string().contains("no store configuration"), "{err}");
    }

    #[tokio::test]
    async fn a_malformed_record_is_dropped_not_retried() {
        let opts = LocalOptions { print: false, ..LocalOptions::default() };
        let engine = LocalRuntime::new(demo_config(), opts).engine.clone();
        let out = cartback_aws::dispatch_batch::run(engine.engine().await.unwrap(), event()).await;
        assert!(out.response.batch_item_failures.is_empty(), "{:?}", out.response.batch_item_failures);
        assert_eq!(out.dropped, std::collections::BTreeMap::from([("malformed", 1)]));
        // The same batch through the handler: answered, nothing to retry.
        let resp = handle(&engine, event()).await.unwrap();
        assert!(resp.batch_item_failures.is_empty(), "{:?}", resp.batch_item_failures);
    }
}
