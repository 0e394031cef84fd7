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
    /// The longest delay handed to SQS; further out, the cart carries the timer for the sweep.
    /// SQS's own limit in production; a test lowers it to run the sweep path in seconds.
    max_delay: SignedDuration,
}

impl SqsTimerQueue {
    pub fn new(client: Client, queue_url: impl Into<String>) -> SqsTimerQueue {
        SqsTimerQueue { client, queue_url: queue_url.into(), max_delay: SQS_MAX_DELAY }
    }

    /// A shorter maximum delay (clamped to 60..=900 s: the sweep works in whole minutes).
    pub fn with_max_delay(mut self, max: SignedDuration) -> SqsTimerQueue {
        self.max_delay = max.clamp(SignedDuration::from_secs(60), SQS_MAX_DELAY);
        self
    }

    /// How many minutes ahead of its due minute the sweep moves a bucket into the queue: the
    /// longest wait SQS is given stays within `max_delay` (14 for SQS's 900 s).
    pub fn sweep_lead_minutes(&self) -> i64 {
        self.max_delay.as_secs() / 60 - 1
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
        if due.duration_since(now) > self.max_delay {
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
        self.max_delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue() -> SqsTimerQueue {
        let conf = aws_sdk_sqs::Config::builder()
            .behavior_version_latest()
            .region(aws_sdk_sqs::config::Region::new("us-east-1"))
            .build();
        SqsTimerQueue::new(Client::from_conf(conf), "q")
    }

    #[test]
    fn the_sweep_lead_keeps_every_wait_within_the_maximum_delay() {
        assert_eq!(queue().sweep_lead_minutes(), 14);
        let short = queue().with_max_delay(SignedDuration::from_secs(60));
        assert_eq!((short.max_delay(), short.sweep_lead_minutes()), (SignedDuration::from_secs(60), 0));
        assert_eq!(queue().with_max_delay(SignedDuration::from_secs(5)).max_delay().as_secs(), 60);
        assert_eq!(queue().with_max_delay(SignedDuration::from_secs(5000)).max_delay(), SQS_MAX_DELAY);
    }
}
