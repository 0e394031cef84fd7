//! The due-timer queue on SQS: a timer within 900 s is sent with its exact `DelaySeconds`;
//! a longer one is carried by the cart record and swept in later (`sweep`), so it costs
//! nothing here.

use crate::errors::queue_error;
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use cartback_core::ports::{QueueError, TimerMsg, TimerQueue};
use jiff::SignedDuration;
use jiff::Timestamp;

#[derive(Clone)]
pub struct SqsTimerQueue {
    client: Client,
    queue_url: String,
}

impl SqsTimerQueue {
    pub fn new(client: Client, queue_url: impl Into<String>) -> SqsTimerQueue {
        SqsTimerQueue { client, queue_url: queue_url.into() }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }
}

/// SQS's longest `DelaySeconds`.
pub const SQS_MAX_DELAY: SignedDuration = SignedDuration::from_secs(900);

/// Whole seconds until `due`, rounded up so a timer never fires early, within SQS's 0..=900.
pub fn delay_seconds(due: Timestamp, now: Timestamp) -> i32 {
    let d = due.duration_since(now);
    let secs = d.as_secs() + i64::from(d.subsec_nanos() > 0);
    secs.clamp(0, SQS_MAX_DELAY.as_secs()) as i32
}

pub fn body(msg: &TimerMsg) -> Result<String, QueueError> {
    serde_json::to_string(msg).map_err(|e| QueueError::Fatal(format!("timer not serialisable: {e}")))
}

#[async_trait]
impl TimerQueue for SqsTimerQueue {
    async fn schedule(&self, msg: &TimerMsg, due: Timestamp, now: Timestamp) -> Result<(), QueueError> {
        if due.duration_since(now) > SQS_MAX_DELAY {
            return Ok(());
        }
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body(msg)?)
            .delay_seconds(delay_seconds(due, now))
            .send()
            .await
            .map_err(|e| queue_error("SendMessage timer", e))?;
        Ok(())
    }

    fn max_delay(&self) -> SignedDuration {
        SQS_MAX_DELAY
    }
}
