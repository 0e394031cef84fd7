//! The deployment's secret in AWS: an SSM SecureString, `/cartback/{stage}/deployment_key`
//! (base64 of 32 random bytes). `cartback store` creates it when it is missing; the functions
//! read it with the configuration. Contact keys and unsubscribe links are keyed by it
//! (`cartback_core::domain::contact`), and `cartback migrate-contact-keys` moves contacts
//! written by the first versions, under unkeyed keys, to keyed ones.

use crate::dynamo::{DynamoStore, key, link_item};
use crate::errors::store_error;
use crate::store_config::StoreConfigError;
use crate::table::{BODY, SK, SK_CONTACT, VERSION, contact_pk};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};
use aws_sdk_ssm::error::ProvideErrorMetadata;
use aws_sdk_ssm::types::ParameterType;
use base64::Engine as _;
use cartback_core::domain::Contact;
use cartback_core::domain::contact::{LEGACY_LINK_TTL, legacy_link, migrate_key};
use cartback_core::ports::{LinkRecord, RandomSource, StoreError};

pub fn parameter(stage: &str) -> String {
    format!("/cartback/{stage}/deployment_key")
}

/// Creates the secret if the stage has none; says whether it did.
pub async fn ensure(ssm: &aws_sdk_ssm::Client, stage: &str) -> Result<bool, StoreConfigError> {
    let name = parameter(stage);
    let random = cartback_core::system::OsRandom;
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(&random.bytes16());
    bytes[16..].copy_from_slice(&random.bytes16());
    let put = ssm
        .put_parameter()
        .name(&name)
        .value(base64::engine::general_purpose::STANDARD.encode(bytes))
        .r#type(ParameterType::SecureString)
        // Never replaced: every contact key in the table was derived from it.
        .overwrite(false)
        .description("Cartback: the secret contact keys and unsubscribe links are keyed by. Never change it.")
        .send()
        .await;
    match put {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_parameter_already_exists()) => Ok(false),
        Err(e) => Err(StoreConfigError::Ssm(format!("{name}: {}", e.code().unwrap_or("request failed")))),
    }
}

/// Reads the secret; a stage without one is an error that says how to create it.
pub async fn load(ssm: &aws_sdk_ssm::Client, stage: &str) -> Result<[u8; 32], StoreConfigError> {
    let name = parameter(stage);
    let out = ssm.get_parameter().name(&name).with_decryption(true).send().await.map_err(|e| {
        if e.as_service_error().is_some_and(|s| s.is_parameter_not_found()) {
            StoreConfigError::Ssm(format!(
                "no deployment key at {name}: run `cartback store` once for this stage (it creates it)"
            ))
        } else {
            StoreConfigError::Ssm(format!("{name}: {}", e.code().unwrap_or("request failed")))
        }
    })?;
    let text = out.parameter.and_then(|p| p.value).unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| StoreConfigError::Ssm(format!("{name} is not base64 of 32 bytes")))
}

impl DynamoStore {
    /// Moves every contact stored under a legacy key to its keyed one: per contact one
    /// transaction that writes the new item (if absent), deletes the old (if unchanged) and
    /// records where the old key went (for unsubscribe links already sent). Safe to run again
    /// and while the functions run: a contact changed meanwhile is skipped and moved next time.
    /// Returns (moved, skipped).
    pub async fn migrate_contact_keys(&self, secret: &[u8; 32]) -> Result<(usize, usize), StoreError> {
        let (mut moved, mut skipped) = (0, 0);
        let scan = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("#sk = :contact")
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":contact", AttributeValue::S(SK_CONTACT.into()));
        let mut pages = crate::pages::Pages::new("Scan contacts", scan);
        while let Some(items) = pages.next().await? {
            for item in items {
                let Some(mut contact) = item
                    .get(BODY)
                    .and_then(|b| crate::dynamo::body_json(b).ok())
                    .and_then(|b| serde_json::from_str::<Contact>(&b).ok())
                else {
                    continue;
                };
                let Some(new) = migrate_key(&contact, secret) else { continue };
                let old = std::mem::replace(&mut contact.key, new.clone());
                // The item's version attribute, not the body's (written before its increment).
                let Some(old_version) =
                    item.get(VERSION).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<u64>().ok())
                else {
                    continue;
                };
                contact.version = 0;
                let put_new = self.put_of(self.contact_item(&contact)?, 0)?;
                let delete_old = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(contact_pk(&contact.store, &old), SK_CONTACT)))
                    .condition_expression(format!("{VERSION} = :v"))
                    .expression_attribute_values(":v", AttributeValue::N(old_version.to_string()))
                    .build()
                    .map_err(|e| StoreError::Fatal(e.to_string()))?;
                let link = LinkRecord {
                    token: legacy_link(&contact.store, &old),
                    store: contact.store.clone(),
                    cart: new,
                    expires_at: jiff::Timestamp::now() + LEGACY_LINK_TTL,
                };
                let put_link = aws_sdk_dynamodb::types::Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(link_item(&link)))
                    .build()
                    .map_err(|e| StoreError::Fatal(e.to_string()))?;
                let out = self
                    .client
                    .transact_write_items()
                    .transact_items(put_new)
                    .transact_items(TransactWriteItem::builder().delete(delete_old).build())
                    .transact_items(TransactWriteItem::builder().put(put_link).build())
                    .send()
                    .await;
                match out {
                    Ok(_) => moved += 1,
                    Err(e) if e.code() == Some("TransactionCanceledException") => skipped += 1,
                    Err(e) => return Err(store_error("TransactWriteItems contact key", e)),
                }
            }
        }
        Ok((moved, skipped))
    }
}
