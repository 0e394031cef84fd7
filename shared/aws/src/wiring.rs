//! What every Lambda function's `main` needs: typed settings from the environment (all missing
//! variables reported at once), the SDK clients built once, and the engine over the AWS adapters.

use crate::{DynamoStore, SqsTimerQueue};
use cartback_core::adapters::clock::SystemClock;
use cartback_core::adapters::console::{ConsoleChannel, MemoryAlerts};
use cartback_core::adapters::random::OsRandom;
use cartback_core::config::{Config, ConfigError};
use cartback_core::domain::Channel;
use cartback_core::engine::Engine;
use cartback_core::ports::{ChannelSender, Clock};
use std::collections::HashMap;
use std::sync::Arc;
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
    /// `CARTBACK_CONFIG`: path of the store configuration (TOML) packaged with the function.
    pub config_path: String,
}

impl Settings {
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
            config_path: take("CARTBACK_CONFIG"),
        };
        if missing.is_empty() { Ok(s) } else { Err(WiringError::Missing(missing)) }
    }
}

/// The engine over DynamoDB and SQS, and the clients, built once per container. No network I/O
/// happens here: the SDK resolves credentials lazily on the first request.
pub struct Deps {
    pub engine: Arc<Engine>,
    pub dynamo: aws_sdk_dynamodb::Client,
    pub queue: SqsTimerQueue,
    pub settings: Settings,
}

impl Deps {
    pub async fn build(settings: Settings) -> Result<Deps, WiringError> {
        let config = Config::load(&settings.config_path)?;
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let dynamo = aws_sdk_dynamodb::Client::new(&aws);
        let sqs = aws_sdk_sqs::Client::new(&aws);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = Arc::new(DynamoStore::new(dynamo.clone(), &settings.table, clock.clone()));
        // Until the provider channels land (Twilio, SES, WhatsApp), messages are written to the
        // function's log with the address masked.
        let console = Arc::new(ConsoleChannel::new(clock.clone(), true));
        let channels: HashMap<Channel, Arc<dyn ChannelSender>> =
            Channel::ALL.into_iter().map(|c| (c, console.clone() as Arc<dyn ChannelSender>)).collect();
        let engine = Arc::new(Engine {
            config: Arc::new(config),
            carts: store.clone(),
            stats: store,
            timers: Arc::new(SqsTimerQueue::new(sqs.clone(), &settings.queue_url)),
            channels,
            alerts: Arc::new(MemoryAlerts::new(true)),
            clock,
            random: Arc::new(OsRandom),
        });
        Ok(Deps { engine, dynamo, queue: SqsTimerQueue::new(sqs, &settings.queue_url), settings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_missing_variable_at_once() {
        let err = Settings::from_lookup(|k| (k == "CARTBACK_TABLE").then(|| "t".to_string())).unwrap_err();
        assert_eq!(err.to_string(), "missing environment variable(s): CARTBACK_QUEUE_URL, CARTBACK_CONFIG");
        let ok = Settings::from_lookup(|k| Some(format!("v-{k}"))).unwrap();
        assert_eq!(ok.table, "v-CARTBACK_TABLE");
    }
}
