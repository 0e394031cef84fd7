//! Deliveries to a store's endpoints that could not be made at once (`outbound`): retried on
//! their schedule (`retry_deliveries`, every minute), listed, and sent again on a merchant's
//! request (`GET/POST /v1/stores/{store}/event-deliveries…`).

use crate::engine::{EngineError, Kernel};
use crate::outbound::DeliveryRecord;

/// Wall time one run of `retry_deliveries` may spend before it starts no new store (the
/// scheduler's timeout is 55 s; one retry can take about 10 s).
const RETRY_BUDGET: std::time::Duration = std::time::Duration::from_secs(25);

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
    /// The stores take turns at going first (by minute), and a run stops starting new stores
    /// after `RETRY_BUDGET` of wall time: endpoints that hang cannot push the scheduler past its
    /// timeout, nor keep the same stores waiting every minute.
    pub async fn retry_deliveries(&self) -> usize {
        let now = self.clock.now();
        let started = std::time::Instant::now();
        let stores: Vec<_> = self.config.stores().filter(|s| s.delivers_webhooks()).collect();
        let first = usize::try_from(now.as_second().div_euclid(60)).unwrap_or(0) % stores.len().max(1);
        let mut tried = 0;
        for s in stores.iter().cycle().skip(first).take(stores.len()) {
            if started.elapsed() > RETRY_BUDGET {
                tracing::warn!(store = %s.id, "retry budget spent: this store's deliveries wait for the next run");
                continue;
            }
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
