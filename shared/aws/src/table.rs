//! The table's shape, in one place: key names, the timer index, TTL. `create` builds it the way
//! the IaC does (tests create one table per test against moto).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// Sparse index of carts whose timer is further out than SQS can hold: partition `tb`
/// ("{due minute}#{shard}"), sort `pk`.
pub const TIMER_INDEX: &str = "timers";
pub const TTL: &str = "ttl";
/// Timer-index partitions per minute: spreads a busy minute over several partitions.
pub const TIMER_SHARDS: u64 = 4;

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
        .key_schema(key("tb", KeyType::Hash)?)
        .key_schema(key(PK, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::Include)
                .non_key_attributes("tseq")
                .non_key_attributes("tdue")
                .non_key_attributes("tcontact")
                .build(),
        )
        .build()
        .map_err(|e| e.to_string())?;
    client
        .create_table()
        .table_name(name)
        .attribute_definitions(attr(PK)?)
        .attribute_definitions(attr(SK)?)
        .attribute_definitions(attr("tb")?)
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
