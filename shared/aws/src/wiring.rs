//! What every Lambda function's `main` needs: typed settings from the environment (all missing
//! variables reported at once), the SDK clients built once, and the engine over the AWS adapters.

use crate::eum_sms::EumSms;
use crate::log_only::{LogOnlyChannel, LoggedHandoffs};
use crate::ses::SesEmail;
use crate::{DynamoStore, SqsTimerQueue};
use cartback_channels::handoff_webhook::WebhookAlerts;
use cartback_channels::{Endpoints, ProviderChannel};
use cartback_core::app::Engine;
use cartback_core::config::{Config, ConfigError};
use cartback_core::domain::Channel;
use cartback_core::ports::{Alerts, ChannelSender, Clock, TimerQueue};
use cartback_core::system::OsRandom;
use cartback_core::system::SystemClock;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum WiringError {
    #[error("missing environment variable(s): {}", .0.join(", "))]
    Missing(Vec<&'static str>),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// The functions' settings, from the environment the IaC sets.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `CARTBACK_TABLE`: the DynamoDB table.
    pub table: String,
    /// `CARTBACK_QUEUE_URL`: the due-timer queue.
    pub queue_url: String,
    /// `CARTBACK_STAGE`: the stack's stage, naming its SSM parameters (`/cartback/{stage}/…`).
    pub stage: String,
    /// `CARTBACK_CONFIG` (optional): a configuration file packaged with the function. Without
    /// it, the configuration is read from the table and SSM (`cartback store` writes it).
    pub config_path: Option<String>,
    /// `CARTBACK_ABANDON_AFTER_MINUTES` (optional): the stack's default idle time for stores
    /// whose configuration does not set `abandon_after`.
    pub abandon_after_minutes: Option<u32>,
    /// `CARTBACK_TWILIO_URL`, `CARTBACK_META_GRAPH_URL` (optional): the providers' API bases,
    /// for a regional endpoint or a test double.
    pub twilio_url: Option<String>,
    pub meta_graph_url: Option<String>,
    /// `CARTBACK_SES_CONFIGURATION_SET` (optional): publishes SES events back to the stack.
    pub ses_configuration_set: Option<String>,
    /// `CARTBACK_QUEUE_MAX_DELAY_SECONDS` (optional, 60..=900, default 900): timers further out
    /// wait on the cart for the sweep. Only the end-to-end test lowers it, to run the sweep path
    /// in a minute.
    pub queue_max_delay_seconds: Option<i64>,
}

/// Where endpoints chosen by merchants and browsers (hand-offs, events out, push services) may
/// be: on the internet only — in Lambda, loopback is the Runtime API. Only the end-to-end test on
/// this machine, whose fakes listen on loopback, sets `CARTBACK_TEST_WEBHOOKS_TO_LOOPBACK=1`; the
/// template never does.
fn outbound_reach() -> cartback_channels::outbound_target::Reach {
    if std::env::var("CARTBACK_TEST_WEBHOOKS_TO_LOOPBACK").is_ok_and(|v| v == "1") {
        cartback_channels::outbound_target::Reach::AlsoLoopback
    } else {
        cartback_channels::outbound_target::Reach::InternetOnly
    }
}

impl Settings {
    pub fn endpoints(&self) -> Endpoints {
        let mut e = Endpoints { push_reach: outbound_reach(), ..Endpoints::default() };
        if let Some(u) = &self.twilio_url {
            e.twilio = u.trim_end_matches('/').to_string();
        }
        if let Some(u) = &self.meta_graph_url {
            e.meta_graph = u.trim_end_matches('/').to_string();
        }
        e
    }

    pub fn from_env() -> Result<Settings, WiringError> {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, WiringError> {
        let mut missing = Vec::new();
        let mut take = |k: &'static str| {
            get(k).filter(|v| !v.is_empty()).unwrap_or_else(|| {
                missing.push(k);
                String::new()
            })
        };
        let s = Settings {
            table: take("CARTBACK_TABLE"),
            queue_url: take("CARTBACK_QUEUE_URL"),
            stage: take("CARTBACK_STAGE"),
            config_path: get("CARTBACK_CONFIG").filter(|v| !v.is_empty()),
            abandon_after_minutes: get("CARTBACK_ABANDON_AFTER_MINUTES").and_then(|v| v.parse().ok()),
            twilio_url: get("CARTBACK_TWILIO_URL").filter(|v| !v.is_empty()),
            meta_graph_url: get("CARTBACK_META_GRAPH_URL").filter(|v| !v.is_empty()),
            ses_configuration_set: get("CARTBACK_SES_CONFIGURATION_SET").filter(|v| !v.is_empty()),
            queue_max_delay_seconds: get("CARTBACK_QUEUE_MAX_DELAY_SECONDS").and_then(|v| v.parse().ok()),
        };
        if missing.is_empty() { Ok(s) } else { Err(WiringError::Missing(missing)) }
    }
}

/// The send clients' retry policy: none (one attempt; the queue retries only what is safe).
pub fn send_retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::disabled()
}

/// A store that leaves a channel on `console` in AWS gets its messages written to the function's
/// log, address masked and text left out: useful for a dry run, never a silent loss.
fn console() -> Arc<dyn ChannelSender> {
    Arc::new(LogOnlyChannel::default())
}

/// Where a handler gets the engine: the container's `Deps` (configuration cached, refreshed
/// after `CONFIG_TTL`), or a fixed engine in tests.
#[async_trait::async_trait]
pub trait EngineSource: Send + Sync {
    async fn engine(&self) -> Result<Arc<Engine>, String>;
}

#[async_trait::async_trait]
impl EngineSource for Deps {
    async fn engine(&self) -> Result<Arc<Engine>, String> {
        Deps::engine(self).await
    }
}

#[async_trait::async_trait]
impl EngineSource for Arc<Engine> {
    async fn engine(&self) -> Result<Arc<Engine>, String> {
        Ok(self.clone())
    }
}

/// How long a container keeps the configuration and secrets before reading them again.
pub const CONFIG_TTL: Duration = Duration::from_secs(300);

/// The clients, built once per container. No network I/O happens here: the SDK resolves
/// credentials lazily, and the configuration is read at first use (`engine`).
pub struct Deps {
    pub dynamo: aws_sdk_dynamodb::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub queue: SqsTimerQueue,
    pub settings: Settings,
    /// Every channel, through each store's configured provider (console where none).
    pub channel: Arc<dyn ChannelSender>,
    /// Where every hand-off is recorded: one log line each, nothing kept in memory (then POSTed
    /// to the store's `alert_webhook`, when it has one).
    pub alerts: Arc<dyn Alerts>,
    cached: tokio::sync::Mutex<Option<(Arc<Engine>, Instant)>>,
    key_set: std::sync::atomic::AtomicBool,
}

impl Deps {
    pub async fn build(settings: Settings) -> Result<Deps, WiringError> {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let mut deps = Deps::with_clients(
            settings.clone(),
            aws_sdk_dynamodb::Client::new(&aws),
            aws_sdk_ssm::Client::new(&aws),
            aws_sdk_sqs::Client::new(&aws),
        );
        // Sends make one attempt: the SDK's own retries would resend after a timeout or a 5xx,
        // when the provider may already have taken the message (errors::channel_error).
        let ses = aws_sdk_sesv2::config::Builder::from(&aws).retry_config(send_retries()).build();
        let sms = aws_sdk_pinpointsmsvoicev2::config::Builder::from(&aws).retry_config(send_retries()).build();
        deps.channel = Arc::new(
            ProviderChannel::new(settings.endpoints(), console())
                .with_ses(Arc::new(
                    SesEmail::new(aws_sdk_sesv2::Client::from_conf(ses))
                        .with_configuration_set(settings.ses_configuration_set.clone()),
                ))
                .with_aws_sms(Arc::new(EumSms::new(aws_sdk_pinpointsmsvoicev2::Client::from_conf(sms)))),
        );
        Ok(deps)
    }

    pub fn with_clients(
        settings: Settings,
        dynamo: aws_sdk_dynamodb::Client,
        ssm: aws_sdk_ssm::Client,
        sqs: aws_sdk_sqs::Client,
    ) -> Deps {
        let mut queue = SqsTimerQueue::new(sqs, &settings.queue_url);
        if let Some(secs) = settings.queue_max_delay_seconds {
            queue = queue.with_max_delay(jiff::SignedDuration::from_secs(secs));
        }
        let channel = Arc::new(ProviderChannel::new(settings.endpoints(), console()));
        let alerts = Arc::new(LoggedHandoffs::default());
        Deps {
            dynamo,
            ssm,
            queue,
            settings,
            channel,
            alerts,
            cached: tokio::sync::Mutex::new(None),
            key_set: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The engine with the current configuration: read at first use, then again after
    /// `CONFIG_TTL`. If a refresh fails, the last good configuration keeps serving (and the
    /// failure is logged); if there never was one, the error is returned.
    pub async fn engine(&self) -> Result<Arc<Engine>, String> {
        let mut g = self.cached.lock().await;
        if let Some((engine, at)) = g.as_ref()
            && at.elapsed() < CONFIG_TTL
        {
            return Ok(engine.clone());
        }
        match self.load_config().await {
            Ok(config) => {
                if let Err(e) = self.use_deployment_key().await {
                    return match g.as_ref() {
                        Some((engine, _)) => Ok(engine.clone()),
                        None => Err(e),
                    };
                }
                let engine = self.engine_for(config);
                *g = Some((engine.clone(), Instant::now()));
                Ok(engine)
            }
            Err(e) => match g.as_mut() {
                Some((engine, at)) => {
                    tracing::error!(error = %e, "configuration refresh failed; serving the last good one");
                    *at = Instant::now();
                    Ok(engine.clone())
                }
                None => Err(e),
            },
        }
    }

    /// Reads the stage's secret for contact keys and unsubscribe links (once per container) and
    /// sets it for the process. An empty stage (unit tests, offline) keeps the built-in key.
    async fn use_deployment_key(&self) -> Result<(), String> {
        if self.settings.stage.is_empty() || self.key_set.load(std::sync::atomic::Ordering::Acquire) {
            return Ok(());
        }
        let key = crate::deployment_key::load(&self.ssm, &self.settings.stage).await.map_err(|e| e.to_string())?;
        cartback_core::domain::contact::set_deployment_key(key)?;
        self.key_set.store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    async fn load_config(&self) -> Result<Config, String> {
        match &self.settings.config_path {
            Some(path) => Config::load(path).map_err(|e| e.to_string()),
            None => crate::store_config::load(
                &self.dynamo,
                &self.ssm,
                &self.settings.table,
                self.settings.abandon_after_minutes,
            )
            .await
            .map_err(|e| e.to_string()),
        }
    }

    fn engine_for(&self, config: Config) -> Arc<Engine> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = Arc::new(
            DynamoStore::new(self.dynamo.clone(), &self.settings.table, clock.clone())
                .with_long_timer_after(self.queue.max_delay()),
        );
        let channels: HashMap<Channel, Arc<dyn ChannelSender>> =
            Channel::ALL.into_iter().map(|c| (c, self.channel.clone())).collect();
        let config = Arc::new(config);
        let stats: Arc<dyn cartback_core::ports::StatsStore> =
            Arc::new(crate::metrics::EmfStats { inner: store.clone(), emf: crate::metrics::Emf::from_env() });
        let random: Arc<dyn cartback_core::ports::RandomSource> = Arc::new(OsRandom);
        // Hand-offs: logged, then POSTed (signed) to the store's alert_webhook when it has one,
        // on the internet only (`outbound_reach`).
        let reach = outbound_reach();
        // Deliveries whose first tries fail wait in the table for their scheduled retries.
        let log: Arc<dyn cartback_core::ports::DeliveryLog> = store.clone();
        let ports = cartback_channels::handoff_webhook::AlertPorts {
            stats: stats.clone(),
            random: random.clone(),
            log: log.clone(),
            clock: clock.clone(),
        };
        let alerts = WebhookAlerts::new(config.clone(), self.alerts.clone(), ports, reach);
        // Signed events to the stores' endpoints, and every delivery's retries.
        let hooks: Arc<dyn cartback_core::ports::HookStore> = store.clone();
        let events_out = cartback_channels::event_webhooks::SignedEvents::new(
            config.clone(),
            (log, hooks.clone()),
            stats.clone(),
            clock.clone(),
            reach,
        );
        let records: Arc<dyn cartback_core::ports::ShopperRecords> = store.clone();
        Arc::new(Engine::new(cartback_core::app::Ports {
            catalogues: store.clone(),
            product_pages: Arc::new(cartback_channels::product_pages::HttpProductPages::default()),
            records,
            hooks,
            events_out: Arc::new(events_out),
            config,
            carts: store,
            stats,
            timers: Arc::new(self.queue.clone()),
            channels,
            alerts: Arc::new(alerts),
            clock,
            random,
            // Each function flushes when an invocation's work is done (http_host,
            // dispatch_batch, the scheduler): statistics off the hot path.
            stats_buffer: cartback_core::engine::stats_buffer::StatsBuffer::deferred(),
            reader: std::sync::Arc::new(cartback_channels::reply_reader::LlmReader::default()),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline_deps(config_path: Option<String>) -> Deps {
        let region = aws_config::Region::new("us-east-1");
        let dynamo = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::Config::builder().behavior_version_latest().region(region.clone()).build(),
        );
        let ssm = aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::Config::builder().behavior_version_latest().region(region.clone()).build(),
        );
        let sqs = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::Config::builder().behavior_version_latest().region(region).build(),
        );
        let settings = Settings {
            table: "t".into(),
            queue_url: "q".into(),
            stage: String::new(),
            config_path,
            abandon_after_minutes: None,
            twilio_url: None,
            meta_graph_url: None,
            ses_configuration_set: None,
            queue_max_delay_seconds: None,
        };
        Deps::with_clients(settings, dynamo, ssm, sqs)
    }

    #[tokio::test]
    async fn the_engine_is_built_at_first_use_and_kept() {
        let deps = offline_deps(Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cartback.example.toml").into()));
        let a = deps.engine().await.unwrap();
        let b = deps.engine().await.unwrap();
        assert!(Arc::ptr_eq(&a, &b), "rebuilt within the TTL");
        assert!(a.config().store("demo").is_some());
    }

    #[tokio::test]
    async fn without_any_configuration_the_error_says_what_to_do() {
        let deps = offline_deps(Some("/nonexistent/cartback.toml".into()));
        let err = deps.engine().await.err().unwrap();
        assert!(err.contains("/nonexistent/cartback.toml"), "{err}");
    }

    #[test]
    fn reports_every_missing_variable_at_once() {
        let err = Settings::from_lookup(|k| (k == "CARTBACK_TABLE").then(|| "t".to_string())).unwrap_err();
        assert_eq!(err.to_string(), "missing environment variable(s): CARTBACK_QUEUE_URL, CARTBACK_STAGE");
        let ok = Settings::from_lookup(|k| Some(format!("v-{k}"))).unwrap();
        assert_eq!(ok.table, "v-CARTBACK_TABLE");
    }
}
