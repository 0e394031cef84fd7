//! Deliveries to a store's endpoints that could not be made at once (`outbound`): retried on
//! their schedule (`retry_deliveries`, every minute), listed, and sent again on a merchant's
//! request (`GET/POST /v1/stores/{store}/event-deliveries…`).

use crate::engine::{EngineError, Kernel};
use crate::outbound::DeliveryRecord;

impl Kernel {
    /// The store's dead letters, newest first.
    pub async fn failed_event_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, EngineError> {
        Ok(self.events_out.failed(store).await?)
    }

    /// Sends a dead letter again with the same `webhook-id`; `None` when there is no such one.
    pub async fn replay_event_delivery(&self, store: &str, id: &str) -> Result<Option<DeliveryRecord>, EngineError> {
        Ok(self.events_out.replay(store, id).await?)
    }

    /// Tries again every delivery whose scheduled retry is due, for each store with somewhere
    /// to deliver (the scheduler's minute on AWS, local mode's pump). Returns how many were
    /// tried; a store whose deliveries cannot be read is logged, and the next run tries again.
    pub async fn retry_deliveries(&self) -> usize {
        let now = self.clock.now();
        let mut tried = 0;
        for s in self.config.stores().filter(|s| !s.event_webhooks.is_empty() || s.alert_webhook.is_some()) {
            match self.events_out.retry_due(&s.id, now).await {
                Ok(n) => tried += n,
                Err(e) => {
                    tracing::error!(store = %s.id, error = %e, "scheduled deliveries not retried; the next run tries again")
                }
            }
        }
        tried
    }
}
