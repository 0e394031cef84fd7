//! A store's catalogue in the table: its compact JSON split into parts under 400 KB (DynamoDB's
//! item limit), written under a new generation before the head item points at it (on the
//! version it was read at, like a cart), so a reader sees the old catalogue or the new one, never
//! half of each; a read that meets a switch reads again. The old generation's parts are deleted
//! after the switch. Reading: the head (`GetItem`) and its parts (one `Query`).

use crate::dynamo::{DynamoStore, key};
use crate::errors::store_error;
use crate::pages::Pages;
use crate::table::{PK, SK, VERSION};
use async_trait::async_trait;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use cartback_core::domain::catalogue::{Catalogue, CatalogueHead};
use cartback_core::ports::{CatalogueStore, StoreError};

/// Bytes per part: under the 400 KB item limit with room for the keys.
pub const PART_BYTES: usize = 350_000;
const SK_HEAD: &str = "HEAD";
const GENERATION: &str = "generation";
const PARTS: &str = "parts";
const DATA: &str = "data";
const FETCHED_AT: &str = "fetched_at";

pub fn catalogue_pk(store: &str) -> String {
    format!("STORE#{store}#CATALOGUE")
}

fn part_sk(generation: &str, i: usize) -> String {
    format!("PART#{generation}#{i:04}")
}

fn corrupt(detail: &str) -> StoreError {
    StoreError::Fatal(format!("stored catalogue is unreadable: {detail}"))
}

impl DynamoStore {
    /// The head's generation and part count, if a catalogue was stored.
    async fn generation_head(&self, store: &str) -> Result<Option<(String, usize, u64)>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(catalogue_pk(store), SK_HEAD)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem catalogue head", e))?;
        let Some(item) = out.item else { return Ok(None) };
        let generation = match item.get(GENERATION) {
            Some(AttributeValue::S(g)) => g.clone(),
            _ => return Err(corrupt("no generation")),
        };
        let parts = match item.get(PARTS) {
            Some(AttributeValue::N(n)) => n.parse::<usize>().map_err(|e| corrupt(&e.to_string()))?,
            _ => return Err(corrupt("no part count")),
        };
        let version = match item.get(VERSION) {
            Some(AttributeValue::N(n)) => n.parse::<u64>().map_err(|e| corrupt(&e.to_string()))?,
            _ => return Err(corrupt("no version")),
        };
        Ok(Some((generation, parts, version)))
    }

    /// One read: the head, then its generation's parts; `Conflict` when they were replaced
    /// meanwhile.
    async fn read_catalogue(&self, store: &str) -> Result<Option<Catalogue>, StoreError> {
        let Some((generation, parts, version)) = self.generation_head(store).await? else { return Ok(None) };
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :gen)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", AttributeValue::S(catalogue_pk(store)))
            .expression_attribute_values(":gen", AttributeValue::S(format!("PART#{generation}#")))
            .consistent_read(true);
        let mut pages = Pages::new("Query catalogue parts", query);
        let mut bytes = Vec::new();
        let mut seen = 0usize;
        while let Some(items) = pages.next().await? {
            for item in items {
                match item.get(DATA) {
                    Some(AttributeValue::B(b)) => bytes.extend_from_slice(b.as_ref()),
                    _ => return Err(corrupt("a part without data")),
                }
                seen += 1;
            }
        }
        if seen != parts {
            return Err(StoreError::Conflict);
        }
        // The head's version is the one a write must name (the body keeps the one it was read at).
        let mut c: Catalogue = serde_json::from_slice(&bytes).map_err(|e| corrupt(&e.to_string()))?;
        c.version = version;
        Ok(Some(c))
    }
}

#[async_trait]
impl CatalogueStore for DynamoStore {
    async fn get_catalogue(&self, store: &str) -> Result<Option<Catalogue>, StoreError> {
        // A write that switched the head and deleted the old parts during this read leaves it
        // short: read again from the new head (once; a second miss is an error).
        match self.read_catalogue(store).await {
            Err(StoreError::Conflict) => match self.read_catalogue(store).await {
                Err(StoreError::Conflict) => Err(corrupt("its parts changed twice while read")),
                other => other,
            },
            other => other,
        }
    }

    async fn catalogue_head(&self, store: &str) -> Result<Option<CatalogueHead>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(catalogue_pk(store), SK_HEAD)))
            .projection_expression("#f, #v")
            .expression_attribute_names("#f", FETCHED_AT)
            .expression_attribute_names("#v", VERSION)
            .send()
            .await
            .map_err(|e| store_error("GetItem catalogue head", e))?;
        let Some(item) = out.item else { return Ok(None) };
        let fetched_at = match item.get(FETCHED_AT) {
            Some(AttributeValue::S(t)) => t.parse().map_err(|e: jiff::Error| corrupt(&e.to_string()))?,
            _ => return Err(corrupt("no fetched_at")),
        };
        let version = match item.get(VERSION) {
            Some(AttributeValue::N(v)) => v.parse::<u64>().map_err(|e| corrupt(&e.to_string()))?,
            _ => return Err(corrupt("no version")),
        };
        Ok(Some(CatalogueHead { version, fetched_at }))
    }

    async fn put_catalogue(&self, catalogue: &Catalogue) -> Result<u64, StoreError> {
        let bytes = serde_json::to_vec(catalogue).map_err(|e| StoreError::Fatal(e.to_string()))?;
        let old = self.generation_head(&catalogue.store).await?;
        // Unique per write: the wall clock's nanoseconds.
        let generation = format!("{:020}", jiff::Timestamp::now().as_nanosecond());
        let chunks: Vec<&[u8]> = bytes.chunks(PART_BYTES).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let mut item = key(catalogue_pk(&catalogue.store), &part_sk(&generation, i));
            item.insert(DATA.into(), AttributeValue::B(Blob::new(chunk.to_vec())));
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .send()
                .await
                .map_err(|e| store_error("PutItem catalogue part", e))?;
        }
        let mut head = key(catalogue_pk(&catalogue.store), SK_HEAD);
        head.insert(GENERATION.into(), AttributeValue::S(generation.clone()));
        head.insert(PARTS.into(), AttributeValue::N(chunks.len().to_string()));
        head.insert(FETCHED_AT.into(), AttributeValue::S(catalogue.fetched_at.to_string()));
        head.insert(VERSION.into(), AttributeValue::N((catalogue.version + 1).to_string()));
        // The head switches only from the version this was read at: a concurrent edit loses
        // the race as a conflict (and its parts are taken back), never silently.
        let version = match self.conditional_put("catalogue head", head, catalogue.version).await {
            Ok(v) => v,
            Err(e) => {
                self.delete_parts(&catalogue.store, &generation, chunks.len()).await;
                return Err(e);
            }
        };
        if let Some((old_generation, old_parts, _)) = old.filter(|(g, _, _)| *g != generation) {
            self.delete_parts(&catalogue.store, &old_generation, old_parts).await;
        }
        Ok(version)
    }
}

impl DynamoStore {
    /// Deletes a generation's parts, best effort: a part left behind is never read (no head
    /// names its generation); a failure is logged for the operator.
    async fn delete_parts(&self, store: &str, generation: &str, parts: usize) {
        for i in 0..parts {
            if let Err(e) = self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key(catalogue_pk(store), &part_sk(generation, i))))
                .send()
                .await
            {
                tracing::warn!(store = %store, error = %store_error("DeleteItem catalogue part", e), "a catalogue part was not deleted");
            }
        }
    }
}
