//! The stores' configuration in a deployed stack: one DynamoDB item (`CONFIG`/`CONFIG`) holds the
//! configuration TOML, and its secrets (`api_key`, `twilio_auth_token`) are references to SSM
//! Parameter Store SecureStrings, `ssm:/cartback/{stage}/{store}/{name}`. `cartback store`
//! writes both; the functions read them at first use and keep them a few minutes
//! (`engine_cache`). Nothing secret is in the template, the environment or the table.

use crate::table::{CONFIG_PK, CONFIG_TOML, CONFIG_UPDATED_AT, PK, SK, SK_CONFIG};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_ssm::types::ParameterType;
use cartback_core::config::Config;
use thiserror::Error;
use toml::Value;

pub use cartback_core::config::SECRET_FIELDS;

const PREFIX: &str = "ssm:";

#[derive(Debug, Error)]
pub enum StoreConfigError {
    #[error("no store configuration in table {0} yet: run `cartback store --table {0} --config FILE`")]
    Missing(String),
    #[error("{0}")]
    Invalid(String),
    #[error("DynamoDB: {0}")]
    Dynamo(String),
    #[error("SSM Parameter Store: {0}")]
    Ssm(String),
}

/// An AWS error in one line: its code and message (the full context goes to debug logs).
fn short<E: ProvideErrorMetadata + std::fmt::Debug>(e: &E) -> String {
    tracing::debug!(error = ?e, "AWS call failed");
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => "the request failed (no response; check the region, credentials and network)".to_string(),
    }
}

fn key() -> std::collections::HashMap<String, AttributeValue> {
    [(PK.to_string(), AttributeValue::S(CONFIG_PK.into())), (SK.to_string(), AttributeValue::S(SK_CONFIG.into()))]
        .into()
}

fn parse(text: &str) -> Result<Value, StoreConfigError> {
    toml::from_str::<toml::Table>(text)
        .map(Value::Table)
        .map_err(|e| StoreConfigError::Invalid(format!("not TOML: {e}")))
}

fn stores_mut(doc: &mut Value) -> impl Iterator<Item = &mut toml::Table> {
    doc.get_mut("stores").and_then(Value::as_array_mut).into_iter().flatten().filter_map(Value::as_table_mut)
}

/// A secret field of a store's table: `name`, or `section.name` in a sub-table.
fn field<'a>(s: &'a toml::Table, f: &str) -> Option<&'a str> {
    match f.split_once('.') {
        Some((section, name)) => s.get(section)?.as_table()?.get(name)?.as_str(),
        None => s.get(f)?.as_str(),
    }
}

fn set_field(s: &mut toml::Table, f: &str, v: String) {
    match f.split_once('.') {
        Some((section, name)) => {
            if let Some(t) = s.get_mut(section).and_then(Value::as_table_mut) {
                t.insert(name.to_string(), Value::String(v));
            }
        }
        None => {
            s.insert(f.to_string(), Value::String(v));
        }
    }
}

/// The SSM parameter that holds one secret of one store.
pub fn parameter_name(stage: &str, store: &str, field: &str) -> String {
    format!("/cartback/{stage}/{store}/{field}")
}

/// Reads the configuration and its secrets: one `GetItem`, one `GetParameters` per ten secrets.
/// `abandon_after_minutes` is the stack's default for stores that do not set `abandon_after`.
pub async fn load(
    dynamo: &aws_sdk_dynamodb::Client,
    ssm: &aws_sdk_ssm::Client,
    table: &str,
    abandon_after_minutes: Option<u32>,
) -> Result<Config, StoreConfigError> {
    let item = dynamo
        .get_item()
        .table_name(table)
        .set_key(Some(key()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| StoreConfigError::Dynamo(short(&e)))?
        .item
        .ok_or_else(|| StoreConfigError::Missing(table.to_string()))?;
    let text = item
        .get(CONFIG_TOML)
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreConfigError::Missing(table.to_string()))?;
    let mut doc = parse(text)?;
    if let Some(m) = abandon_after_minutes {
        for s in stores_mut(&mut doc) {
            s.entry("abandon_after").or_insert_with(|| Value::String(format!("{m}m")));
        }
    }
    let names: Vec<String> = stores_mut(&mut doc)
        .flat_map(|s| SECRET_FIELDS.iter().filter_map(|f| field(s, f).map(str::to_string)).collect::<Vec<_>>())
        .filter_map(|v| v.strip_prefix(PREFIX).map(str::to_string))
        .collect();
    let mut values = std::collections::HashMap::new();
    for chunk in names.chunks(10) {
        let out = ssm
            .get_parameters()
            .set_names(Some(chunk.to_vec()))
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| StoreConfigError::Ssm(short(&e)))?;
        if let Some(bad) = out.invalid_parameters.filter(|v| !v.is_empty()) {
            return Err(StoreConfigError::Ssm(format!("missing parameter(s): {}", bad.join(", "))));
        }
        for p in out.parameters.unwrap_or_default() {
            if let (Some(n), Some(v)) = (p.name, p.value) {
                values.insert(n, v);
            }
        }
    }
    for s in stores_mut(&mut doc) {
        for f in SECRET_FIELDS {
            if let Some(name) = field(s, f).and_then(|v| v.strip_prefix(PREFIX)) {
                let v = values
                    .get(name)
                    .cloned()
                    .ok_or_else(|| StoreConfigError::Ssm(format!("missing parameter {name}")))?;
                set_field(s, f, v);
            }
        }
    }
    let resolved = toml::to_string(&doc).map_err(|e| StoreConfigError::Invalid(e.to_string()))?;
    Config::from_toml(&format!("dynamodb:{table}/CONFIG"), &resolved)
        .map_err(|e| StoreConfigError::Invalid(e.to_string()))
}

/// What `put` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PutReport {
    pub stores: Vec<String>,
    pub secrets: Vec<String>,
    pub kept: Vec<String>,
}

/// Validates a configuration file, moves its secrets into SSM SecureStrings, and merges its
/// stores into the stack's configuration (stores not in the file are kept; its top-level keys,
/// such as `public_url`, replace the stored ones). Nothing is written if the file is invalid.
pub async fn put(
    dynamo: &aws_sdk_dynamodb::Client,
    ssm: &aws_sdk_ssm::Client,
    table: &str,
    stage: &str,
    file: &str,
    text: &str,
) -> Result<PutReport, StoreConfigError> {
    Config::from_toml(file, text).map_err(|e| StoreConfigError::Invalid(e.to_string()))?;
    // Read what is deployed first: a wrong table fails before any secret is written.
    let existing = dynamo
        .get_item()
        .table_name(table)
        .set_key(Some(key()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| StoreConfigError::Dynamo(short(&e)))?
        .item
        .and_then(|i| i.get(CONFIG_TOML).and_then(|v| v.as_s().ok()).cloned());
    let mut doc = parse(text)?;
    let mut report = PutReport::default();
    for s in stores_mut(&mut doc) {
        let id = s.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        for f in SECRET_FIELDS {
            let Some(v) = field(s, f).filter(|v| !v.starts_with(PREFIX)).map(str::to_string) else {
                continue;
            };
            let name = parameter_name(stage, &id, f);
            ssm.put_parameter()
                .name(&name)
                .value(v)
                .r#type(ParameterType::SecureString)
                .overwrite(true)
                .description(format!("Cartback store {id}: {f}"))
                .send()
                .await
                .map_err(|e| StoreConfigError::Ssm(short(&e)))?;
            set_field(s, f, format!("{PREFIX}{name}"));
            report.secrets.push(name);
        }
        report.stores.push(id);
    }
    // Merge with what is deployed: other stores stay.
    if let Some(old) = existing {
        let mut old = parse(&old)?;
        for s in stores_mut(&mut old) {
            let id = s.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
            if !report.stores.contains(&id) {
                report.kept.push(id);
                if let Some(list) = doc.get_mut("stores").and_then(Value::as_array_mut) {
                    list.push(Value::Table(s.clone()));
                }
            }
        }
    }
    let merged = toml::to_string(&doc).map_err(|e| StoreConfigError::Invalid(e.to_string()))?;
    dynamo
        .put_item()
        .table_name(table)
        .set_item(Some(key()))
        .item(CONFIG_TOML, AttributeValue::S(merged))
        .item(CONFIG_UPDATED_AT, AttributeValue::S(jiff::Timestamp::now().to_string()))
        .send()
        .await
        .map_err(|e| StoreConfigError::Dynamo(short(&e)))?;
    Ok(report)
}
