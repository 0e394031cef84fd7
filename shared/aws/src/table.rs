//! The table's shape, in one place: every key and attribute name, the key of each kind of item,
//! the timer index and TTL. `docs/dynamodb.md` describes it and `infra/template.yaml` declares
//! it; tests hold both to these names (`tests/table_layout.rs`). `create` builds the table the
//! way the IaC does (tests create one table per test against moto).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// Sparse index of carts whose timer is further out than the queue holds: partition `tb`
/// ("{due minute}#{shard}"), sort `pk`.
pub const TIMER_INDEX: &str = "timers";
pub const TTL: &str = "ttl";
/// Timer-index partitions per minute: spreads a busy minute over several partitions.
pub const TIMER_SHARDS: u64 = 4;

/// The timer index's shards per minute: `CARTBACK_TIMER_SHARDS` (1 to 64; the template's
/// `TimerShards` parameter), else `TIMER_SHARDS`. Every timer due in one minute is written to
/// these partitions, each good for about 1 000 writes a second (docs/scale.md). Raise it freely;
/// lower it only when no timer is older than the change (4 days), as the sweep reads the
/// shards the current value names.
pub fn timer_shards() -> u64 {
    static SHARDS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SHARDS.get_or_init(|| shards_from_env("CARTBACK_TIMER_SHARDS").map_or(TIMER_SHARDS, u64::from))
}

/// A shard count from the environment (the template's parameters): 1 to 64, else `None`.
pub fn shards_from_env(var: &str) -> Option<u32> {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).filter(|n| (1..=64).contains(n))
}

/// Versioned records (carts, contacts): the version every write is conditional on, and the JSON.
pub const VERSION: &str = "v";
pub const BODY: &str = "body";
/// A cart's long timer, for the index: bucket (`{due minute}#{shard}`), fencing seq, due time
/// and the contact key.
pub const TIMER_BUCKET: &str = "tb";

/// The timer index's partition for a due minute (UNIX seconds / 60) and a shard: written by
/// the cart store, read by the sweep — built here only, so the two cannot drift apart.
pub fn timer_bucket(minute: i64, shard: u64) -> String {
    format!("{minute}#{shard}")
}
pub const TIMER_SEQ: &str = "tseq";
pub const TIMER_DUE: &str = "tdue";
pub const TIMER_CONTACT: &str = "tcontact";
/// Link records: the store and cart a key points to, and when it expires.
pub const LINK_STORE: &str = "store";
pub const LINK_CART: &str = "cart";
pub const LINK_EXPIRES: &str = "expires";
/// Stats counters are `c.{name}` attributes of the store's stats item.
pub const COUNTER_PREFIX: &str = "c.";
/// The sweep checkpoint's last minute swept.
pub const SWEPT_MINUTE: &str = "m";
/// The stores' configuration (TOML, secrets as SSM references) and when it was written.
pub const CONFIG_TOML: &str = "toml";
pub const CONFIG_UPDATED_AT: &str = "updated_at";

/// Sort keys, one per kind of item.
pub const SK_CART: &str = "CART";
pub const SK_CONTACT: &str = "CONTACT";
pub const SK_LINK: &str = "LINK";
pub const SK_STATS: &str = "TOTAL";
pub const SK_CHECKPOINT: &str = "CHECKPOINT";
pub const SK_CONFIG: &str = "CONFIG";

/// Partition keys: every store's items under `STORE#{store}#…`, so one store's key never reaches
/// another's. Links are global (their keys are random tokens or store-scoped: `domain::link_key`).
pub fn cart_pk(store: &str, cart: &str) -> String {
    format!("STORE#{store}#CART#{cart}")
}

/// Parses `STORE#{store}#CART#{cart}` back into its parts (store ids never contain `#`).
pub fn parse_cart_pk(pk: &str) -> Option<(&str, &str)> {
    pk.strip_prefix("STORE#")?.split_once("#CART#")
}

pub fn contact_pk(store: &str, key: &str) -> String {
    format!("STORE#{store}#CONTACT#{key}")
}

pub fn link_pk(key: &str) -> String {
    format!("LINK#{key}")
}

/// Every conversation of a store under one partition, so the inbox is one `Query`.
pub fn conversations_pk(store: &str) -> String {
    format!("STORE#{store}#CONVERSATIONS")
}

pub fn conversation_sk(id: &str) -> String {
    format!("CONV#{id}")
}

/// A store's dead letters of signed events out (outbound), one `Query` to list.
pub fn deliveries_pk(store: &str) -> String {
    format!("STORE#{store}#DELIVERIES")
}

pub fn delivery_sk(id: &str) -> String {
    format!("DLV#{id}")
}

/// A store's REST hook subscriptions: one partition, listed by one `Query`.
pub fn hooks_pk(store: &str) -> String {
    format!("STORE#{store}#HOOKS")
}

pub fn hook_sk(id: &str) -> String {
    format!("HOOK#{id}")
}

pub fn stats_pk(store: &str) -> String {
    format!("STORE#{store}#STATS")
}

pub const CHECKPOINT_PK: &str = "SWEEP";
pub const CONFIG_PK: &str = "CONFIG";

pub async fn create(client: &Client, name: &str) -> Result<(), String> {
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(|e| e.to_string())
    };
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder().attribute_name(n).key_type(t).build().map_err(|e| e.to_string())
    };
    let index = GlobalSecondaryIndex::builder()
        .index_name(TIMER_INDEX)
        .key_schema(key(TIMER_BUCKET, KeyType::Hash)?)
        .key_schema(key(PK, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::Include)
                .non_key_attributes(TIMER_SEQ)
                .non_key_attributes(TIMER_DUE)
                .non_key_attributes(TIMER_CONTACT)
                .build(),
        )
        .build()
        .map_err(|e| e.to_string())?;
    client
        .create_table()
        .table_name(name)
        .attribute_definitions(attr(PK)?)
        .attribute_definitions(attr(SK)?)
        .attribute_definitions(attr(TIMER_BUCKET)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?)
        .global_secondary_indexes(index)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .map_err(|e| format!("CreateTable: {}", aws_smithy_types::error::display::DisplayErrorContext(&e)))?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder().enabled(true).attribute_name(TTL).build().map_err(|e| e.to_string())?,
        )
        .send()
        .await
        .map_err(|e| format!("UpdateTimeToLive: {}", aws_smithy_types::error::display::DisplayErrorContext(&e)))?;
    Ok(())
}
