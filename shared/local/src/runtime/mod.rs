//! Local mode's runtime: the whole pipeline in one process — storage, the timer queue and the
//! console channel of a `Backend` (in memory, or durable with `cartback-sqlite`) — driven by a
//! system or virtual clock.

mod backend;

pub use backend::{AlertLog, Backend, LocalQueue, LocalStore, Outbox, Settle};

use crate::adapters::chaos::{Chaos, ChaosChannel, ChaosStore};
use crate::adapters::clock::VirtualClock;
use crate::adapters::console::{ConsoleChannel, MemoryAlerts};
use crate::adapters::counting::{Counting, RequestCounter};
use crate::adapters::faults::{FaultQueue, FaultyChannel, FaultyStore, StoreFaults};
use crate::adapters::memory_queues::{Delivery, MemoryTimerQueue};
use crate::adapters::memory_store::MemoryStore;
use crate::adapters::random::SeededRandom;
use cartback_channels::handoff_webhook::WebhookAlerts;
use cartback_core::app::Engine;
use cartback_core::config::Config;
use cartback_core::domain::Channel;
use cartback_core::ports::{Alerts, CartStore, ChannelSender, Clock, RandomSource, StatsStore, TimerMsg, TimerQueue};
use cartback_core::system::OsRandom;
use cartback_core::system::SystemClock;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The engine's storage and queue ports, counted or not.
type Ports = (Arc<dyn CartStore>, Arc<dyn StatsStore>, Arc<dyn TimerQueue>);

/// Deliveries of one message before it is dead-lettered (SQS maxReceiveCount).
const MAX_RECEIVE_COUNT: u32 = 5;

/// The dispatcher's SQS event source batch size (infra/template.yaml).
pub const DISPATCH_BATCH: usize = 10;

pub struct LocalOptions {
    /// `Some(start)`: a virtual clock starting there; `None`: the system clock.
    pub virtual_start: Option<Timestamp>,
    /// Print each console message and hand-off.
    pub print: bool,
    /// Wrap storage and queues in request counters.
    pub count_requests: bool,
    /// Seeded tokens for reproducible runs; `None` uses the OS generator.
    pub seed: Option<u64>,
    /// Deliver every queued message twice (at-least-once stress for tests).
    pub duplicate_deliveries: bool,
    /// Put the scripted-fault layers (`faults`, `store_faults`) in front of the channel and the
    /// store. Test scaffolding: a deployment has no such layer, so `simulate` leaves it out.
    pub fault_injection: bool,
    /// Faults at random (`cartback chaos`): storage and provider failures, crashes at points of
    /// a step, duplicate deliveries. A crash is a panic, caught per delivery and redelivered.
    pub chaos: Option<Arc<Chaos>>,
    /// Statistics as the Lambda functions write them (engine/stats_buffer.rs): gathered and
    /// written once per dispatcher batch of 10 and per `flush_stats` (one per request), instead
    /// of once per change. `simulate`'s meter uses it.
    pub deferred_stats: bool,
    /// Bills each counted request by the items it reads and writes (`count_requests` only).
    pub meter: Option<Arc<dyn crate::adapters::counting::Meter>>,
    /// Whether hand-off and event webhooks may reach this machine (`cartback serve
    /// --allow-loopback-webhooks`, for a receiver under development): off, the merchant's
    /// endpoints must be on the internet, as on AWS.
    pub webhooks_reach: cartback_channels::outbound_target::Reach,
}

impl Default for LocalOptions {
    fn default() -> Self {
        LocalOptions {
            virtual_start: None,
            print: true,
            count_requests: false,
            seed: None,
            duplicate_deliveries: false,
            fault_injection: true,
            chaos: None,
            deferred_stats: false,
            meter: None,
            webhooks_reach: cartback_channels::outbound_target::Reach::InternetOnly,
        }
    }
}

pub struct LocalRuntime {
    pub engine: Arc<Engine>,
    /// The runtime clock's minute of the last retry of deliveries (`retry_deliveries`).
    last_retry_minute: std::sync::atomic::AtomicI64,
    /// The clock the engine was wired with (virtual in simulations), for a host's own meters.
    pub clock: Arc<dyn cartback_core::ports::Clock>,
    pub store: Arc<dyn LocalStore>,
    pub queue: Arc<dyn LocalQueue>,
    pub outbox: Arc<dyn Outbox>,
    pub alerts: Arc<dyn AlertLog>,
    pub virtual_clock: Option<Arc<VirtualClock>>,
    pub counter: Arc<RequestCounter>,
    /// Scripted provider failures for the next sends (empty: none; no effect without
    /// `LocalOptions::fault_injection`).
    pub faults: Arc<FaultQueue>,
    /// Scripted storage throttling (empty: none).
    pub store_faults: Arc<StoreFaults>,
    pub dead_letters: AtomicU64,
    /// The (store, cart) of each message dead-lettered, in order: what the DLQ would hold.
    pub dead_lettered: std::sync::Mutex<Vec<(String, String)>>,
    duplicate_deliveries: bool,
    chaos: Option<Arc<Chaos>>,
}

impl LocalRuntime {
    /// Everything in memory.
    pub fn new(config: Config, opts: LocalOptions) -> LocalRuntime {
        let clock = opts.virtual_start.map(|s| Arc::new(VirtualClock::new(s)));
        let console = Arc::new(ConsoleChannel::new(clock_of(&clock), opts.print));
        let backend = Backend {
            store: Arc::new(MemoryStore::new()),
            queue: Arc::new(MemoryTimerQueue::default()),
            outbox: console,
            alerts: Arc::new(MemoryAlerts::new(opts.print)),
        };
        LocalRuntime::assemble(config, opts, backend, clock)
    }

    /// On the given backend, whose outbox was built with the same clock (`virtual_clock`, or
    /// the system clock when `None`; `opts.virtual_start` is not used).
    pub fn with_backend(
        config: Config,
        opts: LocalOptions,
        backend: Backend,
        virtual_clock: Option<Arc<VirtualClock>>,
    ) -> LocalRuntime {
        LocalRuntime::assemble(config, opts, backend, virtual_clock)
    }

    fn assemble(
        config: Config,
        opts: LocalOptions,
        backend: Backend,
        virtual_clock: Option<Arc<VirtualClock>>,
    ) -> LocalRuntime {
        let clock = clock_of(&virtual_clock);
        let Backend { store, queue, outbox, alerts } = backend;
        let counter = RequestCounter::new();
        let (carts, stats, timer_port): Ports = if opts.count_requests {
            (
                Arc::new(Counting::metered(store.clone(), counter.clone(), opts.meter.clone())),
                Arc::new(Counting::metered(store.clone(), counter.clone(), opts.meter.clone())),
                Arc::new(Counting::new(queue.clone(), counter.clone())),
            )
        } else {
            (store.clone(), store.clone(), queue.clone())
        };
        let store_faults = Arc::new(StoreFaults::default());
        let carts: Arc<dyn CartStore> = match &opts.chaos {
            Some(chaos) => Arc::new(ChaosStore { inner: carts, chaos: chaos.clone() }),
            None => carts,
        };
        let carts: Arc<dyn CartStore> = if opts.fault_injection {
            Arc::new(FaultyStore { inner: carts, faults: store_faults.clone() })
        } else {
            carts
        };
        let random: Arc<dyn RandomSource> = match opts.seed {
            Some(s) => Arc::new(SeededRandom::new(s)),
            None => Arc::new(OsRandom),
        };
        let faults = Arc::new(FaultQueue::default());
        let sender: Arc<dyn ChannelSender> = if opts.fault_injection {
            Arc::new(FaultyChannel { inner: outbox.clone(), faults: faults.clone() })
        } else {
            outbox.clone()
        };
        let sender: Arc<dyn ChannelSender> = match &opts.chaos {
            Some(chaos) => Arc::new(ChaosChannel { inner: sender, chaos: chaos.clone() }),
            None => sender,
        };
        let channels: HashMap<Channel, Arc<dyn ChannelSender>> =
            Channel::ALL.into_iter().map(|c| (c, sender.clone())).collect();
        let config = Arc::new(config);
        // Hand-offs: in the local log (`/_local/alerts`), and POSTed, signed, to a store's
        // alert_webhook when it has one, as on AWS.
        let notify: Arc<dyn Alerts> = if config.stores().any(|s| s.alert_webhook.is_some()) {
            let log: Arc<dyn Alerts> = alerts.clone();
            let ports = cartback_channels::handoff_webhook::AlertPorts {
                stats: stats.clone(),
                random: random.clone(),
                log: store.clone(),
                clock: clock.clone(),
            };
            Arc::new(WebhookAlerts::new(config.clone(), log, ports, opts.webhooks_reach))
        } else {
            alerts.clone()
        };
        // Signed events, as on AWS, when a store has endpoints or may have REST hooks, and the
        // retries of every delivery (hand-offs too); what waits for a retry, in the backend.
        let hooks: Arc<dyn cartback_core::ports::HookStore> = store.clone();
        let events_out: Arc<dyn cartback_core::ports::EventsOut> = if config.stores().any(|s| s.delivers_webhooks()) {
            let log: Arc<dyn cartback_core::ports::DeliveryLog> = store.clone();
            Arc::new(cartback_channels::event_webhooks::SignedEvents::new(
                config.clone(),
                (log, hooks.clone()),
                stats.clone(),
                clock.clone(),
                opts.webhooks_reach,
            ))
        } else {
            Arc::new(cartback_core::ports::NoEventsOut)
        };
        let records: Arc<dyn cartback_core::ports::ShopperRecords> = store.clone();
        let engine = Arc::new(Engine::new(cartback_core::app::Ports {
            catalogues: store.clone(),
            product_pages: Arc::new(cartback_channels::product_pages::HttpProductPages::default()),
            records,
            hooks,
            events_out,
            config,
            carts,
            stats,
            timers: timer_port,
            channels,
            alerts: notify,
            clock: clock.clone(),
            random,
            stats_buffer: if opts.deferred_stats {
                cartback_core::engine::stats_buffer::StatsBuffer::deferred()
            } else {
                Default::default()
            },
            // A store's `[stores.reader]`, often a model server on this machine (docs/replies.md).
            reader: Arc::new(cartback_channels::reply_reader::LlmReader::default()),
        }));
        LocalRuntime {
            engine,
            clock,
            store,
            queue,
            outbox,
            alerts,
            virtual_clock,
            counter,
            faults,
            store_faults,
            dead_letters: AtomicU64::new(0),
            last_retry_minute: std::sync::atomic::AtomicI64::new(i64::MIN),
            dead_lettered: std::sync::Mutex::new(Vec::new()),
            duplicate_deliveries: opts.duplicate_deliveries,
            chaos: opts.chaos,
        }
    }

    pub fn now(&self) -> Timestamp {
        self.engine.now()
    }

    /// Runs every timer due now, including those that work makes due.
    /// Returns how many deliveries were processed.
    pub async fn run_due(&self) -> usize {
        let mut n = 0;
        while let Some(d) = self.queue.take_due(self.now()) {
            n += 1;
            if d.long && d.attempts == 0 {
                // The AWS sweeper only sees timers the cart still carries: model that exactly.
                if !self.store.has_timer(&d.msg.store, &d.msg.cart, d.msg.seq) {
                    self.queue.settle(&d, Settle::Done);
                    continue;
                }
                self.counter.swept();
            }
            // A defect put in on purpose (`cartback chaos --break lose-timer`): the message is
            // gone, with no dead letter, as a queue that lost it would leave it.
            if let Some(c) = &self.chaos
                && c.broken == Some(crate::adapters::chaos::Broken::LoseTimer)
                && c.roll(0.01)
            {
                c.counts.add("broken_lost_timer");
                self.queue.settle(&d, Settle::Done);
                continue;
            }
            // A duplicate copy (same message delivered twice) is not a redelivery after failure.
            let duplicate = match &self.chaos {
                Some(c) => c.random.unit() < c.rates.duplicate,
                None => self.duplicate_deliveries,
            };
            if duplicate && let Some(c) = &self.chaos {
                c.counts.add("duplicate_delivery");
            }
            let mut how = Settle::Done;
            for _ in 0..if duplicate { 2 } else { 1 } {
                let outcome = if self.chaos.is_some() {
                    // A crash (a panic) ends this delivery as a dying process would: the queue
                    // delivers the message again after its visibility timeout.
                    let (engine, msg, again) = (self.engine.clone(), d.msg.clone(), d.attempts > 0);
                    match tokio::spawn(async move { engine.dispatch.on_due(&msg, again).await }).await {
                        Ok(r) => r.map_err(|e| (e.is_retryable(), e.to_string())),
                        Err(_) => Err((true, "crashed".to_string())),
                    }
                } else {
                    self.engine
                        .dispatch
                        .on_due(&d.msg, d.attempts > 0)
                        .await
                        .map_err(|e| (e.is_retryable(), e.to_string()))
                };
                if let Err((retryable, e)) = outcome {
                    how = self.retry_or_dead_letter(retryable, &d, &e);
                    break;
                }
            }
            self.queue.settle(&d, how);
            // The dispatcher's event source hands it batches of 10: one statistics write each.
            if n % DISPATCH_BATCH == 0 {
                self.engine.flush_stats().await;
            }
        }
        self.retry_deliveries().await;
        self.engine.flush_stats().await;
        n
    }

    /// The deliveries whose scheduled retry is due, as AWS's scheduler retries them: once a
    /// minute of this runtime's clock at most (run_due is called far more often).
    async fn retry_deliveries(&self) {
        let minute = self.now().as_second().div_euclid(60);
        if self.last_retry_minute.swap(minute, Ordering::Relaxed) != minute {
            self.engine.retry_deliveries().await;
            self.engine.catalogue.refresh_due().await;
        }
    }

    /// Like SQS: a failed message becomes visible again after a backoff, and after
    /// `MAX_RECEIVE_COUNT` deliveries it goes to the dead-letter count instead.
    fn retry_or_dead_letter(&self, retryable: bool, d: &Delivery<TimerMsg>, error: &str) -> Settle {
        let attempts = d.attempts;
        if retryable && attempts + 1 < MAX_RECEIVE_COUNT {
            let backoff = SignedDuration::from_secs(30 * (1 << attempts.min(5)));
            Settle::Retry(self.now() + backoff)
        } else {
            self.dead_letters.fetch_add(1, Ordering::Relaxed);
            self.dead_lettered
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((d.msg.store.clone(), d.msg.cart.clone()));
            tracing::error!(error, attempts = attempts + 1, "message dead-lettered");
            Settle::Dead
        }
    }

    /// Virtual clock only: moves time forward by `by`, stopping at every due time on the way so
    /// everything runs at the moment it was due. Returns the new time.
    pub async fn advance(&self, by: SignedDuration) -> Option<Timestamp> {
        let clock = self.virtual_clock.as_ref()?;
        let target = clock.now() + by;
        loop {
            self.run_due().await;
            match self.queue.next_due() {
                Some(t) if t <= target => self.set_clock(clock, t),
                _ => break,
            }
        }
        self.set_clock(clock, target);
        self.run_due().await;
        Some(clock.now())
    }

    fn set_clock(&self, clock: &VirtualClock, t: Timestamp) {
        clock.set(t);
        self.store.save_clock(t);
    }
}

/// The clock local mode runs on: the virtual one if there is one, else the system's.
pub fn clock_of(v: &Option<Arc<VirtualClock>>) -> Arc<dyn Clock> {
    match v {
        Some(v) => v.clone(),
        None => Arc::new(SystemClock),
    }
}
