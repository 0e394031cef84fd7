//! The signed events that could not be delivered (`outbound`): listed and sent again on a
//! merchant's request (`GET/POST /v1/stores/{store}/event-deliveries…`).

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
}
