//! One SQS batch of due timers → partial batch failures: a malformed record is logged and dropped
//! (retrying cannot fix it), a temporary failure is reported so SQS redelivers only that record.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use cartback_core::engine::Engine;
use cartback_core::ports::TimerMsg;

pub async fn handle(engine: &Engine, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = Vec::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let msg: TimerMsg = match record.body.as_deref().map(serde_json::from_str) {
            Some(Ok(m)) => m,
            _ => {
                tracing::error!(message_id = %id, "malformed timer message dropped");
                continue;
            }
        };
        // A receive count above one means an earlier attempt on this message did not finish.
        let redelivered =
            record.attributes.get("ApproximateReceiveCount").and_then(|n| n.parse::<u32>().ok()).is_some_and(|n| n > 1);
        if let Err(e) = engine.on_due(&msg, redelivered).await {
            if e.is_retryable() {
                let mut f = BatchItemFailure::default();
                f.item_identifier = id;
                failures.push(f);
            } else {
                tracing::error!(message_id = %id, store = %msg.store, cart = %msg.cart, error = %e, "due work failed permanently");
            }
        }
    }
    // The event types are non-exhaustive: build from Default, then fill.
    let mut resp = SqsBatchResponse::default();
    resp.batch_item_failures = failures;
    resp
}
