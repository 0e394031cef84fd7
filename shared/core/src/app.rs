//! The top of the core: `Ports`, what a host wires (shared/aws/src/wiring.rs,
//! shared/local/src/runtime), and `Engine`, the stages' services built from them once. A host
//! calls a service's use case (`engine.replies.on_reply(…)`), never a port: the ports are
//! private to the services, and the channels sit behind the one `Outbox`.

use crate::abandonment::Dispatch;
use crate::catalogue::Catalogues;
use crate::config::Config;
use crate::conversations::{Inbox, Replies};
use crate::domain::Channel;
use crate::engine::counters::Deltas;
use crate::engine::outbox::Outbox;
use crate::engine::{EngineError, Kernel, stats_buffer};
use crate::feedback::Feedback;
use crate::intake::Intake;
use crate::messaging::{Coupons, Links};
use crate::outbound::DeliveryRecord;
use crate::ports::{
    Alerts, CartStore, CatalogueStore, ChannelSender, Clock, EventsOut, ProductPages, RandomSource, ReplyReader,
    ShopperRecords, StatsStore, TimerQueue,
};
use crate::shopper_data::Rights;
use std::collections::HashMap;
use std::sync::Arc;

/// What a host wires: the ports every use case runs on.
pub struct Ports {
    pub config: Arc<Config>,
    pub carts: Arc<dyn CartStore>,
    pub stats: Arc<dyn StatsStore>,
    pub timers: Arc<dyn TimerQueue>,
    pub channels: HashMap<Channel, Arc<dyn ChannelSender>>,
    pub alerts: Arc<dyn Alerts>,
    /// Signed events to the store's endpoints (`outbound`).
    pub events_out: Arc<dyn EventsOut>,
    /// Finding and deleting a shopper's records (`shopper_data`).
    pub records: Arc<dyn ShopperRecords>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn RandomSource>,
    /// Off in local mode; deferred in the Lambda functions (stats_buffer.rs).
    pub stats_buffer: stats_buffer::StatsBuffer,
    /// The second reader of replies (`conversations::second_reader`), for stores that configure one.
    pub reader: Arc<dyn ReplyReader>,
    /// Each store's catalogue (`catalogue`), and the platform it is read from.
    pub catalogues: Arc<dyn CatalogueStore>,
    pub product_pages: Arc<dyn ProductPages>,
    /// REST hook subscriptions (`hooks`).
    pub hooks: Arc<dyn crate::ports::HookStore>,
}

/// The stages' services, each holding only the ports it needs.
pub struct Engine {
    /// Cart events in: `ingest`, Shopify's checkout aliases.
    pub intake: Intake,
    /// Due timers: `on_due`.
    pub dispatch: Dispatch,
    /// Shoppers' replies: `on_reply`, `on_whatsapp_message`.
    pub replies: Replies,
    /// The merchant's inbox: list, read, answer, close, correct a reading.
    pub inbox: Inbox,
    /// Restore and unsubscribe links opened.
    pub links: Links,
    /// A coupon code looked up.
    pub coupons: Coupons,
    /// Delivery statuses, SES events, unsubscribes, the consent record.
    pub feedback: Feedback,
    /// Data rights: export and erasure.
    pub rights: Rights,
    /// The store's catalogue: uploaded, refreshed, kept in step by product webhooks.
    pub catalogue: Catalogues,
    /// REST hooks for automation tools: subscribe, list, unsubscribe, samples.
    pub hooks: crate::hooks::RestHooks,
    kernel: Arc<Kernel>,
}

impl Engine {
    pub fn new(p: Ports) -> Self {
        let k = Arc::new(Kernel::new(p.config, p.stats, p.stats_buffer, p.clock, p.random, p.events_out));
        let outbox = Arc::new(Outbox::new(p.channels));
        let coupons = Coupons { k: k.clone(), carts: p.carts.clone() };
        // Replies and the inbox read the catalogue often; its copy is reused while unchanged.
        let cached = Arc::new(crate::catalogue::cache::CachedCatalogues::new(p.catalogues));
        let catalogues: Arc<dyn CatalogueStore> = cached.clone();
        let inbox =
            Inbox { k: k.clone(), carts: p.carts.clone(), outbox: outbox.clone(), catalogues: catalogues.clone() };
        Engine {
            intake: Intake { k: k.clone(), carts: p.carts.clone(), timers: p.timers.clone() },
            dispatch: Dispatch {
                k: k.clone(),
                carts: p.carts.clone(),
                timers: p.timers,
                outbox: outbox.clone(),
                coupons: coupons.clone(),
                catalogues: cached,
            },
            replies: Replies {
                k: k.clone(),
                carts: p.carts.clone(),
                alerts: p.alerts,
                reader: p.reader,
                outbox,
                inbox: inbox.clone(),
                catalogues: catalogues.clone(),
            },
            inbox,
            links: Links { k: k.clone(), carts: p.carts.clone() },
            coupons,
            feedback: Feedback { k: k.clone(), carts: p.carts.clone() },
            rights: Rights { k: k.clone(), carts: p.carts, records: p.records },
            catalogue: Catalogues {
                k: k.clone(),
                store: catalogues,
                pages: p.product_pages,
                failed_at: Default::default(),
            },
            hooks: crate::hooks::RestHooks { k: k.clone(), store: p.hooks },
            kernel: k,
        }
    }

    /// The stores' configuration, as loaded.
    pub fn config(&self) -> &Arc<Config> {
        self.kernel.config()
    }

    /// The host's clock's "now" (a virtual clock in tests and simulations).
    pub fn now(&self) -> jiff::Timestamp {
        self.kernel.now()
    }

    /// Counts what an adapter saw (a webhook ignored, a request refused): best effort.
    pub async fn count(&self, store: &str, deltas: Deltas) {
        self.kernel.count(store, deltas).await
    }

    /// Writes the counter changes gathered since the last flush (the Lambda functions, as an
    /// invocation's work ends).
    pub async fn flush_stats(&self) {
        self.kernel.flush_stats().await
    }

    /// The merchant's statistics (`GET /v1/stores/{store}/stats`).
    pub async fn stats_report(&self, store: &str) -> Result<crate::engine::StatsReport, EngineError> {
        self.kernel.stats_report(store).await
    }

    /// The store's counters by day (`GET /v1/stores/{store}/stats/daily`).
    pub async fn stats_daily(
        &self,
        store: &str,
        from: Option<jiff::civil::Date>,
        to: Option<jiff::civil::Date>,
    ) -> Result<Result<crate::engine::DailyReport, crate::engine::DailyRangeError>, EngineError> {
        self.kernel.stats_daily(store, from, to).await
    }

    /// Tries again the deliveries (signed events, hand-offs) whose scheduled retry is due.
    pub async fn retry_deliveries(&self) -> usize {
        self.kernel.retry_deliveries().await
    }

    /// The store's dead letters, newest first.
    pub async fn failed_event_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, EngineError> {
        self.kernel.failed_event_deliveries(store).await
    }

    /// Sends a dead letter again with the same `webhook-id`; `None` when there is no such one.
    pub async fn replay_event_delivery(&self, store: &str, id: &str) -> Result<Option<DeliveryRecord>, EngineError> {
        self.kernel.replay_event_delivery(store, id).await
    }
}
