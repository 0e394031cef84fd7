//! The DynamoDB adapter for the storage ports: one table, every key namespaced by store
//! (docs/dynamodb.md). Records are stored as a version number plus a JSON body, so the
//! conditional writes of the core (`v = :expected`) map one to one onto DynamoDB conditions.

use crate::errors::store_error;
use crate::pages::Pages;
use crate::sqs::SQS_MAX_DELAY;
pub use crate::table::cart_pk;
use crate::table::{
    BODY, COUNTER_PREFIX, LINK_CART, LINK_EXPIRES, LINK_STORE, PK, SK, SK_CART, SK_CONTACT, SK_LINK, SK_STATS,
    TIMER_BUCKET, TIMER_CONTACT, TIMER_DUE, TIMER_SEQ, TTL, VERSION, contact_pk, conversation_sk, conversations_pk,
    deliveries_pk, delivery_sk, hook_sk, hooks_pk, link_pk, stats_pk,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem};
use cartback_core::domain::conversation::{LIST_MAX, ListQuery};
use cartback_core::domain::{Cart, Contact, Conversation};
use cartback_core::outbound::DeliveryRecord;
use cartback_core::ports::{CartStore, Clock, DeliveryLog, LinkRecord, Series, ShopperRecords, StatsStore, StoreError};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub type Item = HashMap<String, AttributeValue>;

/// Carts are kept this long after the shopper's last activity (sequence + attribution + margin),
/// unless the stack's `CartRetentionDays` says otherwise (`cart_retention`).
pub const CART_RETENTION: SignedDuration = SignedDuration::from_hours(24 * 120);

/// The shortest cart retention a deployer may choose: the longest sequence and attribution
/// window a store can configure end well inside it.
pub const MIN_CART_RETENTION_DAYS: i64 = 35;

/// How long carts are kept: `CARTBACK_CART_RETENTION_DAYS` (the template's `CartRetentionDays`,
/// 35 to 3650), else `CART_RETENTION`. Read once.
pub fn cart_retention() -> SignedDuration {
    static ONCE: std::sync::OnceLock<SignedDuration> = std::sync::OnceLock::new();
    *ONCE.get_or_init(|| {
        std::env::var("CARTBACK_CART_RETENTION_DAYS")
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|d| (MIN_CART_RETENTION_DAYS..=3650).contains(d))
            .map_or(CART_RETENTION, |d| SignedDuration::from_hours(24 * d))
    })
}
/// Contacts keep their opt-outs and frequency-cap history this long after the last change.
pub const CONTACT_RETENTION: SignedDuration = SignedDuration::from_hours(24 * 400);

/// Tries of a `BatchGetItem` that leaves keys unprocessed, before the work goes back to the queue.
pub const BATCH_GET_ATTEMPTS: u32 = 5;

/// Exponential backoff between them: 25, 50, 100, 200 ms (0.4 s in all, well inside the
/// dispatcher's timeout).
fn batch_get_backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(25 << (attempt.saturating_sub(1)).min(4))
}

pub struct DynamoStore {
    pub(crate) client: Client,
    pub(crate) table: String,
    clock: Arc<dyn Clock>,
    long_timer_after: jiff::SignedDuration,
    /// Statistics are spread over this many items per store (`STATS_SHARDS`).
    stats_shards: u32,
    next_shard: std::sync::atomic::AtomicU32,
}

/// Items a store's statistics are spread over: no one item takes every write (DynamoDB allows
/// about 1 000 write units per second per partition; docs/scale.md).
pub const STATS_SHARDS: u32 = 8;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Fatal(format!("stored {what} is unreadable: {detail}"))
}

/// The version and JSON body of a stored record.
fn decode<T: serde::de::DeserializeOwned>(what: &str, item: &Item) -> Result<(u64, T), StoreError> {
    let v = match item.get(VERSION) {
        Some(AttributeValue::N(x)) => x.parse::<u64>().map_err(|e| corrupt(what, e))?,
        _ => return Err(corrupt(what, "no version")),
    };
    let json = item
        .get(BODY)
        .map(body_json)
        .transpose()
        .map_err(|e| corrupt(what, e))?
        .ok_or_else(|| corrupt(what, "no body"))?;
    let body = serde_json::from_str(&json).map_err(|e| corrupt(what, e))?;
    Ok((v, body))
}

/// A record's body as stored: its JSON, deflate-compressed, as binary. A cart's JSON of 1.5 to
/// 3 KB becomes 0.5 to 1 KB: one write unit instead of two or three (docs/benchmarks.md).
pub fn body_value(json: &str) -> AttributeValue {
    use std::io::Write;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::with_capacity(json.len() / 2), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(json.as_bytes());
    let bytes = enc.finish().unwrap_or_default();
    AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(bytes))
}

/// The JSON of a stored body: compressed binary, or a string as earlier versions wrote it.
pub fn body_json(v: &AttributeValue) -> Result<String, String> {
    use std::io::Read;
    match v {
        AttributeValue::S(s) => Ok(s.clone()),
        AttributeValue::B(b) => {
            // A body is at most DynamoDB's 400 KB item; a larger inflation is not ours.
            let mut out = String::new();
            flate2::read::DeflateDecoder::new(b.as_ref())
                .take(4 * 1024 * 1024)
                .read_to_string(&mut out)
                .map_err(|e| format!("body does not inflate: {e}"))?;
            Ok(out)
        }
        _ => Err("body is neither text nor binary".into()),
    }
}

/// `attribute_not_exists(pk)` for a new record, `v = :v` for an update.
fn version_condition(expected: u64) -> (String, Option<(String, AttributeValue)>) {
    if expected == 0 {
        (format!("attribute_not_exists({PK})"), None)
    } else {
        (format!("{VERSION} = :v"), Some((":v".to_string(), n(expected))))
    }
}

fn is_conditional<R>(e: &SdkError<impl aws_sdk_dynamodb::error::ProvideErrorMetadata, R>) -> bool {
    matches!(e, SdkError::ServiceError(s) if s.err().code() == Some("ConditionalCheckFailedException"))
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>, clock: Arc<dyn Clock>) -> DynamoStore {
        // Each instance starts at its own shard, so concurrent functions spread their writes.
        // `CARTBACK_STATS_SHARDS` (1 to 64) raises the count for a store with very high traffic.
        let first =
            (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos()))
                % STATS_SHARDS;
        DynamoStore {
            client,
            table: table.into(),
            clock,
            long_timer_after: SQS_MAX_DELAY,
            stats_shards: crate::table::shards_from_env("CARTBACK_STATS_SHARDS").unwrap_or(STATS_SHARDS),
            next_shard: std::sync::atomic::AtomicU32::new(first),
        }
    }

    /// A different shard count (at least 1). Reads sum every item, whatever the count was.
    pub fn with_stats_shards(mut self, shards: u32) -> DynamoStore {
        self.stats_shards = shards.max(1);
        self
    }

    /// Timers further out than the queue's `max_delay` go into the timer index for the sweep.
    pub fn with_long_timer_after(mut self, queue_max_delay: jiff::SignedDuration) -> DynamoStore {
        self.long_timer_after = queue_max_delay;
        self
    }

    fn cart_item(&self, cart: &Cart) -> Result<Item, StoreError> {
        cart_item_at(cart, self.clock.now(), self.long_timer_after)
    }

    pub(crate) fn contact_item(&self, contact: &Contact) -> Result<Item, StoreError> {
        contact_item_at(contact, self.clock.now())
    }

    pub(crate) async fn conditional_put(&self, what: &str, item: Item, expected: u64) -> Result<u64, StoreError> {
        let (cond, value) = version_condition(expected);
        let mut req = self.client.put_item().table_name(&self.table).set_item(Some(item)).condition_expression(cond);
        if let Some((k, v)) = value {
            req = req.expression_attribute_values(k, v);
        }
        match req.send().await {
            Ok(_) => Ok(expected + 1),
            Err(e) if is_conditional(&e) => Err(StoreError::Conflict),
            Err(e) => Err(store_error(&format!("PutItem {what}"), e)),
        }
    }

    async fn get_item(&self, what: &str, key: Item) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error(&format!("GetItem {what}"), e))?;
        Ok(out.item)
    }

    pub(crate) fn put_of(&self, item: Item, expected: u64) -> Result<TransactWriteItem, StoreError> {
        let (cond, value) = version_condition(expected);
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item)).condition_expression(cond);
        if let Some((k, v)) = value {
            put = put.expression_attribute_values(k, v);
        }
        let put = put.build().map_err(|e| StoreError::Fatal(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

/// A cart's item as written at `now` (the layout the meter in `cartback simulate` sizes).
pub fn cart_item_at(
    cart: &Cart,
    now: jiff::Timestamp,
    long_timer_after: jiff::SignedDuration,
) -> Result<Item, StoreError> {
    let body = serde_json::to_string(cart).map_err(|e| StoreError::Fatal(format!("cart not serialisable: {e}")))?;
    let mut item = key(cart_pk(&cart.store, &cart.id), SK_CART);
    item.insert(VERSION.into(), n(cart.version + 1));
    item.insert(BODY.into(), body_value(&body));
    item.insert(TTL.into(), n((cart.last_activity + cart_retention()).as_second()));
    // A timer further out than SQS can hold goes into the sparse timer index for the sweep.
    if let Some(t) = cart.timer
        && t.due.duration_since(now) > long_timer_after
    {
        let shard = shard_of(&cart.store, &cart.id);
        item.insert(TIMER_BUCKET.into(), s(crate::table::timer_bucket(t.due.as_second().div_euclid(60), shard)));
        item.insert(TIMER_SEQ.into(), n(t.seq));
        item.insert(TIMER_DUE.into(), n(t.due.as_second()));
        if let Some(c) = cartback_core::engine::timer_contact_keys(cart) {
            item.insert(TIMER_CONTACT.into(), s(c));
        }
    }
    Ok(item)
}

/// A contact's item as written at `now`.
pub fn contact_item_at(contact: &Contact, now: jiff::Timestamp) -> Result<Item, StoreError> {
    let body =
        serde_json::to_string(contact).map_err(|e| StoreError::Fatal(format!("contact not serialisable: {e}")))?;
    let mut item = key(contact_pk(&contact.store, &contact.key), SK_CONTACT);
    item.insert(VERSION.into(), n(contact.version + 1));
    item.insert(BODY.into(), body_value(&body));
    item.insert(TTL.into(), n((now + CONTACT_RETENTION).as_second()));
    Ok(item)
}

pub fn link_item(link: &LinkRecord) -> Item {
    let mut item = key(link_pk(&link.token), SK_LINK);
    item.insert(LINK_STORE.into(), s(&link.store));
    item.insert(LINK_CART.into(), s(&link.cart));
    item.insert(LINK_EXPIRES.into(), n(link.expires_at.as_second()));
    item.insert(TTL.into(), n(link.expires_at.as_second()));
    item
}

/// Which timer-index partition a cart's timers go to.
pub fn shard_of(store: &str, cart: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in store.bytes().chain([0]).chain(cart.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h % crate::table::timer_shards()
}

#[async_trait]
impl CartStore for DynamoStore {
    async fn get_cart(&self, store: &str, cart: &str) -> Result<Option<Cart>, StoreError> {
        let Some(item) = self.get_item("cart", key(cart_pk(store, cart), SK_CART)).await? else { return Ok(None) };
        let (v, mut c): (u64, Cart) = decode("cart", &item)?;
        c.version = v;
        Ok(Some(c))
    }

    async fn put_cart(&self, cart: Cart) -> Result<u64, StoreError> {
        let item = self.cart_item(&cart)?;
        self.conditional_put("cart", item, cart.version).await
    }

    async fn get_contact(&self, store: &str, key_: &str) -> Result<Option<Contact>, StoreError> {
        let Some(item) = self.get_item("contact", key(contact_pk(store, key_), SK_CONTACT)).await? else {
            return Ok(None);
        };
        let (v, mut c): (u64, Contact) = decode("contact", &item)?;
        c.version = v;
        Ok(Some(c))
    }

    async fn put_contact(&self, contact: Contact) -> Result<u64, StoreError> {
        let item = self.contact_item(&contact)?;
        self.conditional_put("contact", item, contact.version).await
    }

    async fn get_conversation(&self, store: &str, id: &str) -> Result<Option<Conversation>, StoreError> {
        let k = key(conversations_pk(store), &conversation_sk(id));
        let Some(item) = self.get_item("conversation", k).await? else { return Ok(None) };
        let (v, mut c): (u64, Conversation) = decode("conversation", &item)?;
        c.version = v;
        Ok(Some(c))
    }

    async fn put_conversation(&self, c: Conversation) -> Result<u64, StoreError> {
        let body =
            serde_json::to_string(&c).map_err(|e| StoreError::Fatal(format!("conversation not serialisable: {e}")))?;
        let mut item = key(conversations_pk(&c.store), &conversation_sk(&c.id));
        item.insert(VERSION.into(), n(c.version + 1));
        item.insert(BODY.into(), body_value(&body));
        // The transcript's retention: DynamoDB's TTL deletes the item after `expires_at`.
        item.insert(TTL.into(), n(c.expires_at.as_second()));
        self.conditional_put("conversation", item, c.version).await
    }

    /// The store's conversation partition is read whole (transcripts expire, so it stays
    /// small) and paged here.
    async fn list_conversations(&self, store: &str, query: &ListQuery) -> Result<Vec<Conversation>, StoreError> {
        Ok(query.page(self.all_conversations(store).await?))
    }

    async fn put_link(&self, link: &LinkRecord) -> Result<(), StoreError> {
        let item = link_item(link);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| store_error("PutItem link", e))?;
        Ok(())
    }

    async fn get_link(&self, token: &str) -> Result<Option<LinkRecord>, StoreError> {
        let Some(item) = self.get_item("link", key(link_pk(token), SK_LINK)).await? else { return Ok(None) };
        let text = |k: &str| match item.get(k) {
            Some(AttributeValue::S(v)) => Ok(v.clone()),
            _ => Err(corrupt("link", k)),
        };
        let expires = match item.get(LINK_EXPIRES) {
            Some(AttributeValue::N(v)) => v.parse::<i64>().map_err(|e| corrupt("link", e))?,
            _ => return Err(corrupt("link", "expires")),
        };
        Ok(Some(LinkRecord {
            token: token.to_string(),
            store: text(LINK_STORE)?,
            cart: text(LINK_CART)?,
            expires_at: Timestamp::from_second(expires).map_err(|e| corrupt("link", e))?,
        }))
    }

    async fn load_for_send(
        &self,
        store: &str,
        cart: &str,
        contact_keys: &[&str],
    ) -> Result<(Option<Cart>, Vec<Contact>), StoreError> {
        let mut keys = vec![key(cart_pk(store, cart), SK_CART)];
        for k in contact_keys {
            keys.push(key(contact_pk(store, k), SK_CONTACT));
        }
        let mut found: Vec<Item> = Vec::new();
        let mut pending = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .build()
            .map_err(|e| StoreError::Fatal(e.to_string()))?;
        // BatchGetItem may leave keys unprocessed under load; ask again for those only, backing
        // off as AWS advises. Keys still unprocessed after that are an error the queue retries:
        // read as "missing", they would make the due work stale and lose the step.
        let mut unprocessed = 0;
        for attempt in 0..BATCH_GET_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(batch_get_backoff(attempt)).await;
            }
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, pending.clone())
                .send()
                .await
                .map_err(|e| store_error("BatchGetItem cart+contact", e))?;
            if let Some(mut r) = out.responses
                && let Some(items) = r.remove(&self.table)
            {
                found.extend(items);
            }
            match out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)) {
                Some(rest) if !rest.keys.is_empty() => {
                    unprocessed = rest.keys.len();
                    pending = rest;
                }
                _ => {
                    unprocessed = 0;
                    break;
                }
            }
        }
        if unprocessed > 0 {
            return Err(StoreError::Unavailable(format!(
                "BatchGetItem cart+contact: {unprocessed} key(s) still unprocessed after {BATCH_GET_ATTEMPTS} attempts"
            )));
        }
        let mut cart_out = None;
        let mut contacts = Vec::new();
        for item in found {
            match item.get(SK) {
                Some(AttributeValue::S(sk)) if sk == SK_CART => {
                    let (v, mut c): (u64, Cart) = decode("cart", &item)?;
                    c.version = v;
                    cart_out = Some(c);
                }
                Some(AttributeValue::S(sk)) if sk == SK_CONTACT => {
                    let (v, mut c): (u64, Contact) = decode("contact", &item)?;
                    c.version = v;
                    contacts.push(c);
                }
                _ => {}
            }
        }
        Ok((cart_out, contacts))
    }

    async fn claim_send(&self, cart: Cart, contact: Contact, links: Vec<LinkRecord>) -> Result<u64, StoreError> {
        let mut items = vec![
            self.put_of(self.cart_item(&cart)?, cart.version)?,
            self.put_of(self.contact_item(&contact)?, contact.version)?,
        ];
        for l in &links {
            // As `put_link` does: written as given (an e-mail's alias moves to the newest cart).
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(link_item(l)))
                .build()
                .map_err(|e| StoreError::Fatal(e.to_string()))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(cart.version + 1),
            Err(SdkError::ServiceError(se))
                if matches!(se.err(), TransactWriteItemsError::TransactionCanceledException(c)
                if c.cancellation_reasons().iter().any(|r| r.code() == Some("ConditionalCheckFailed"))) =>
            {
                Err(StoreError::Conflict)
            }
            Err(e) => Err(store_error("TransactWriteItems claim", e)),
        }
    }
}

#[async_trait]
impl StatsStore for DynamoStore {
    /// One `UpdateItem ADD` to one of the day's shard items (`TOTAL#DAY#{day}#n`), chosen in
    /// turn. The totals are the sum of every day (and of the `TOTAL`/`TOTAL#n` items earlier
    /// versions wrote): one write per change, to an item that holds one day's counters only.
    async fn add(&self, store: &str, day: Date, deltas: &[(String, i64)]) -> Result<(), StoreError> {
        if deltas.is_empty() {
            return Ok(());
        }
        // State counters (the e-mail pause) also go to one small item a read finds alone, first:
        // the decision reads that one.
        let state: Vec<&(String, i64)> = deltas.iter().filter(|(k, _)| is_state_key(k)).collect();
        if !state.is_empty() {
            let mut req =
                self.client.update_item().table_name(&self.table).set_key(Some(key(stats_pk(store), SK_STATE)));
            let mut expr = Vec::with_capacity(state.len());
            for (i, (name, d)) in state.iter().enumerate() {
                expr.push(format!("#n{i} :d{i}"));
                req = req
                    .expression_attribute_names(format!("#n{i}"), format!("{COUNTER_PREFIX}{name}"))
                    .expression_attribute_values(format!(":d{i}"), n(d));
            }
            req.update_expression(format!("ADD {}", expr.join(", ")))
                .send()
                .await
                .map_err(|e| store_error("UpdateItem stats state", e))?;
        }
        let shard = self.next_shard.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.stats_shards;
        let mut expr = Vec::with_capacity(deltas.len());
        let sk = format!("{}{shard}", stats_day_sk(day));
        let mut req = self.client.update_item().table_name(&self.table).set_key(Some(key(stats_pk(store), &sk)));
        for (i, (name, d)) in deltas.iter().enumerate() {
            expr.push(format!("#n{i} :d{i}"));
            req = req
                .expression_attribute_names(format!("#n{i}"), format!("{COUNTER_PREFIX}{name}"))
                .expression_attribute_values(format!(":d{i}"), n(d));
        }
        req.update_expression(format!("ADD {}", expr.join(", ")))
            .send()
            .await
            .map_err(|e| store_error("UpdateItem stats", e))?;
        Ok(())
    }

    /// One `Query` (paged) over every statistics item of the store, summed.
    async fn get(&self, store: &str) -> Result<BTreeMap<String, i64>, StoreError> {
        let mut out = BTreeMap::new();
        self.stats_items(store, None, |_, name, x| {
            let e = out.entry(name.to_string()).or_insert(0i64);
            *e = e.saturating_add(x);
        })
        .await?;
        Ok(out)
    }

    /// One `Query` over the days' items, summed per day.
    async fn series(&self, store: &str, from: Date, to: Date) -> Result<Series, StoreError> {
        let mut out: Series = BTreeMap::new();
        self.stats_items(store, Some((from, to)), |day, name, x| {
            if let Some(day) = day {
                let e = out.entry(day).or_default().entry(name.to_string()).or_insert(0i64);
                *e = e.saturating_add(x);
            }
        })
        .await?;
        Ok(out)
    }

    /// A read-back counter changes only on the UTC day it names, within a day of the store's:
    /// the three days' items are read, not the whole history.
    /// One `GetItem` of the store's `STATE` item, which holds every state counter.
    async fn get_state(&self, store: &str, keys: &[&str]) -> Result<BTreeMap<String, i64>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self::key(stats_pk(store), SK_STATE)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem stats state", e))?;
        let mut state = BTreeMap::new();
        for (k, v) in out.item.unwrap_or_default() {
            if let (Some(name), AttributeValue::N(x)) = (k.strip_prefix(COUNTER_PREFIX), v)
                && keys.contains(&name)
            {
                state.insert(name.to_string(), x.parse::<i64>().map_err(|e| corrupt("stats", e))?);
            }
        }
        Ok(state)
    }

    async fn get_one(&self, store: &str, key: &str) -> Result<i64, StoreError> {
        if is_state_key(key) {
            return Ok(self.get_state(store, &[key]).await?.get(key).copied().unwrap_or(0));
        }
        let Some(day) = cartback_core::engine::counters::read_back_day(key) else {
            return Ok(self.get(store).await?.get(key).copied().unwrap_or(0));
        };
        let (from, to) = (day.yesterday().unwrap_or(day), day.tomorrow().unwrap_or(day));
        let mut total = 0i64;
        self.stats_items(store, Some((from, to)), |_, name, x| {
            if name == key {
                total = total.saturating_add(x);
            }
        })
        .await?;
        Ok(total)
    }
}

/// A shopper's records for data rights: carts have no per-store index (each is its own
/// partition), so finding them is a `Scan` of the table filtered on the store's cart keys and
/// decoded here — a whole-table read per request (about 1 read unit per 8 KB of table,
/// eventually consistent), acceptable for requests that come a few times a month.
#[async_trait]
impl ShopperRecords for DynamoStore {
    async fn all_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.deliveries_partition(store).await
    }

    async fn delete_delivery(&self, store: &str, id: &str) -> Result<(), StoreError> {
        self.delete("delivery", key(deliveries_pk(store), &delivery_sk(id))).await
    }

    async fn carts_where(
        &self,
        store: &str,
        matches: &(dyn for<'c> Fn(&'c Cart) -> bool + Send + Sync),
    ) -> Result<Vec<Cart>, StoreError> {
        let prefix = cart_pk(store, "");
        let mut out = Vec::new();
        let scan = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(format!("begins_with({PK}, :p) AND {SK} = :sk"))
            .expression_attribute_values(":p", s(&prefix))
            .expression_attribute_values(":sk", s(SK_CART));
        let mut pages = Pages::new("Scan carts", scan);
        while let Some(items) = pages.next().await? {
            for item in &items {
                let (v, mut cart): (u64, Cart) = decode("cart", item)?;
                cart.version = v;
                if matches(&cart) {
                    out.push(cart);
                }
            }
        }
        Ok(out)
    }

    async fn delete_cart(&self, store: &str, id: &str) -> Result<(), StoreError> {
        self.delete("cart", key(cart_pk(store, id), SK_CART)).await
    }

    async fn delete_contact(&self, store: &str, key_: &str) -> Result<(), StoreError> {
        self.delete("contact", key(contact_pk(store, key_), SK_CONTACT)).await
    }

    async fn delete_link(&self, token: &str) -> Result<(), StoreError> {
        self.delete("link", key(link_pk(token), SK_LINK)).await
    }

    async fn conversations_where(
        &self,
        store: &str,
        matches: &(dyn for<'c> Fn(&'c Conversation) -> bool + Send + Sync),
    ) -> Result<Vec<Conversation>, StoreError> {
        Ok(self.all_conversations(store).await?.into_iter().filter(|c| matches(c)).collect())
    }

    async fn delete_conversation(&self, store: &str, id: &str) -> Result<(), StoreError> {
        self.delete("conversation", key(conversations_pk(store), &conversation_sk(id))).await
    }
}

impl DynamoStore {
    /// A query for one whole partition, strongly consistent (read to its end with `Pages`).
    fn partition(&self, pk: String) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression(format!("{PK} = :pk"))
            .expression_attribute_values(":pk", s(pk))
            .consistent_read(true)
    }

    /// The store's deliveries partition, read to the end: it holds only what failed at first
    /// (a handful), and the dead letters of the last 30 days.
    async fn deliveries_partition(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        let mut out = Vec::new();
        let mut pages = Pages::new("Query deliveries", self.partition(deliveries_pk(store)));
        while let Some(items) = pages.next().await? {
            for item in &items {
                out.push(decode::<DeliveryRecord>("delivery", item)?.1);
            }
        }
        Ok(out)
    }

    /// Every conversation of the store: its partition, read to the end.
    pub(crate) async fn all_conversations(&self, store: &str) -> Result<Vec<Conversation>, StoreError> {
        let mut out = Vec::new();
        let mut pages = Pages::new("Query conversations", self.partition(conversations_pk(store)));
        while let Some(items) = pages.next().await? {
            for item in &items {
                let (v, mut c): (u64, Conversation) = decode("conversation", item)?;
                c.version = v;
                out.push(c);
            }
        }
        Ok(out)
    }

    async fn delete(&self, what: &str, k: Item) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(k))
            .send()
            .await
            .map_err(|e| store_error(&format!("DeleteItem {what}"), e))?;
        Ok(())
    }
}

/// REST hook subscriptions: one item each (`STORE#{store}#HOOKS` / `HOOK#{id}`), the
/// subscription's JSON as the body (version 0: a subscription is written once, then deleted).
#[async_trait]
impl cartback_core::ports::HookStore for DynamoStore {
    async fn put_hook(&self, h: &cartback_core::outbound::hooks::HookSubscription) -> Result<(), StoreError> {
        let body = serde_json::to_string(h).map_err(|e| StoreError::Fatal(format!("hook not serialisable: {e}")))?;
        let mut item = key(hooks_pk(&h.store), &hook_sk(&h.id));
        item.insert(VERSION.into(), n(0));
        item.insert(BODY.into(), body_value(&body));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| store_error("PutItem hook", e))?;
        Ok(())
    }

    async fn list_hooks(
        &self,
        store: &str,
    ) -> Result<Vec<cartback_core::outbound::hooks::HookSubscription>, StoreError> {
        let mut out: Vec<cartback_core::outbound::hooks::HookSubscription> = Vec::new();
        let mut pages = Pages::new("Query hooks", self.partition(hooks_pk(store)));
        while let Some(items) = pages.next().await? {
            for item in &items {
                out.push(decode("hook", item)?.1);
            }
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    async fn delete_hook(&self, store: &str, id: &str) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(hooks_pk(store), &hook_sk(id))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| store_error("DeleteItem hook", e))?;
        Ok(out.attributes().is_some_and(|a| !a.is_empty()))
    }
}

/// Dead letters: one item each (`STORE#{store}#DELIVERIES` / `DLV#{id}`), the record's JSON as
/// the body (version 0: last write wins, a replay rewrites it), deleted by TTL after 30 days.
#[async_trait]
impl DeliveryLog for DynamoStore {
    async fn put_delivery(&self, d: &DeliveryRecord) -> Result<(), StoreError> {
        let body =
            serde_json::to_string(d).map_err(|e| StoreError::Fatal(format!("delivery not serialisable: {e}")))?;
        let mut item = key(deliveries_pk(&d.store), &delivery_sk(&d.id));
        item.insert(VERSION.into(), n(0));
        item.insert(BODY.into(), body_value(&body));
        item.insert(TTL.into(), n(d.expires_at.as_second()));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| store_error("PutItem delivery", e))?;
        Ok(())
    }

    async fn get_delivery(&self, store: &str, id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        let Some(item) = self.get_item("delivery", key(deliveries_pk(store), &delivery_sk(id))).await? else {
            return Ok(None);
        };
        Ok(Some(decode::<DeliveryRecord>("delivery", &item)?.1))
    }

    async fn list_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        let mut out = self.deliveries_partition(store).await?;
        out.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then_with(|| a.id.cmp(&b.id)));
        out.truncate(LIST_MAX);
        Ok(out)
    }

    async fn retrying_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        let mut out = self.deliveries_partition(store).await?;
        out.retain(|d| d.state == cartback_core::outbound::DeliveryState::Retrying);
        Ok(out)
    }
}

impl DynamoStore {
    /// Every counter of the store's statistics items (all of them, or the days `from..=to`),
    /// with the day of the item it is in (`None` for the totals of earlier versions).
    async fn stats_items(
        &self,
        store: &str,
        days: Option<(Date, Date)>,
        mut each: impl FnMut(Option<Date>, &str, i64),
    ) -> Result<(), StoreError> {
        let q = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_values(":pk", s(stats_pk(store)))
            .consistent_read(true);
        let q = match days {
            None => q
                .key_condition_expression(format!("{PK} = :pk AND begins_with({SK}, :t)"))
                .expression_attribute_values(":t", s(SK_STATS)),
            // `#` sorts before every digit, `~` after: the first and the last day's shards.
            Some((from, to)) => q
                .key_condition_expression(format!("{PK} = :pk AND {SK} BETWEEN :a AND :b"))
                .expression_attribute_values(":a", s(stats_day_sk(from)))
                .expression_attribute_values(":b", s(format!("{}~", stats_day_sk(to)))),
        };
        let mut pages = Pages::new("Query stats", q);
        while let Some(items) = pages.next().await? {
            for item in &items {
                let day = match item.get(SK) {
                    Some(AttributeValue::S(sk)) => stats_day_of(sk),
                    _ => None,
                };
                for (k, v) in item {
                    if let (Some(name), AttributeValue::N(x)) = (k.strip_prefix(COUNTER_PREFIX), v) {
                        each(day, name, x.parse::<i64>().map_err(|e| corrupt("stats", e))?);
                    }
                }
            }
        }
        Ok(())
    }
}

/// The item of a store's state counters (`email_health::is_state_key`): outside `TOTAL…`, so the
/// totals (the sum of the daily items) never count them twice.
const SK_STATE: &str = "STATE";

use cartback_core::engine::email_health::is_state_key;

/// The sort key prefix of a day's statistics items: `TOTAL#DAY#2026-11-30#`, then the shard.
fn stats_day_sk(day: Date) -> String {
    format!("{SK_STATS}#DAY#{day}#")
}

fn stats_day_of(sk: &str) -> Option<Date> {
    sk.strip_prefix(SK_STATS)?.strip_prefix("#DAY#")?.get(..10)?.parse().ok()
}

pub use crate::table::parse_cart_pk;
