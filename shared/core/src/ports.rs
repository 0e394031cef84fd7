//! Ports: what the engine needs from the outside world. One method is one request to the
//! backing service (a DynamoDB or SQS call in AWS), so a counting wrapper can report the cost.

use crate::domain::{Cart, Channel, Contact, Conversation};
use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The record changed since it was read (optimistic concurrency).
    #[error("conditional write failed: the record changed concurrently")]
    Conflict,
    /// Throttling, timeouts, 5xx: try again later.
    #[error("storage temporarily unavailable: {0}")]
    Unavailable(String),
    /// Anything that will not fix itself.
    #[error("storage error: {0}")]
    Fatal(String),
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Conflict | StoreError::Unavailable(_))
    }
}

/// A restore link: an unguessable token bound to one store and cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRecord {
    pub token: String,
    pub store: String,
    pub cart: String,
    pub expires_at: Timestamp,
}

/// Carts, contacts and restore links (one table in AWS).
#[async_trait]
pub trait CartStore: Send + Sync {
    async fn get_cart(&self, store: &str, cart: &str) -> Result<Option<Cart>, StoreError>;
    /// Writes `cart` if the stored version is `cart.version` (0: must not exist yet); the stored
    /// copy gets `cart.version + 1`, which is returned.
    async fn put_cart(&self, cart: Cart) -> Result<u64, StoreError>;
    async fn get_contact(&self, store: &str, key: &str) -> Result<Option<Contact>, StoreError>;
    /// Same versioning as `put_cart`.
    async fn put_contact(&self, contact: Contact) -> Result<u64, StoreError>;
    async fn put_link(&self, link: &LinkRecord) -> Result<(), StoreError>;
    async fn get_link(&self, token: &str) -> Result<Option<LinkRecord>, StoreError>;
    /// The cart and the contacts a step may need — its shopper's, and the e-mail address's own
    /// when it is another record (an opt-out belongs to the address) — in one request
    /// (`BatchGetItem`): what a due timer needs. Contacts not found are left out.
    async fn load_for_send(
        &self,
        store: &str,
        cart: &str,
        contact_keys: &[&str],
    ) -> Result<(Option<Cart>, Vec<Contact>), StoreError>;
    /// The send claim, all or nothing (`TransactWriteItems`): the cart and the contact each
    /// written on the `put_cart`/`put_contact` version condition (the contact carries the
    /// frequency-cap entry, so concurrent sends to one shopper serialise), and the restore link
    /// created when it is new, the discount code's index when the message carries a code, and
    /// the shopper's e-mail alias when it moves to this cart (`links`, each written as given, as
    /// `put_link` does). Returns the cart's new version.
    async fn claim_send(&self, cart: Cart, contact: Contact, links: Vec<LinkRecord>) -> Result<u64, StoreError>;
    /// A conversation (docs/conversations.md). A record past its `expires_at` may still be
    /// returned until the backend deletes it (DynamoDB TTL); the engine ignores it.
    async fn get_conversation(&self, store: &str, id: &str) -> Result<Option<Conversation>, StoreError>;
    /// Same versioning as `put_cart`; the record is deleted after `expires_at`.
    async fn put_conversation(&self, c: Conversation) -> Result<u64, StoreError>;
    /// The store's conversations that `query` wants, newest update first (ties by id,
    /// descending), at most `LIST_MAX + 1` (`ListQuery::page`).
    async fn list_conversations(
        &self,
        store: &str,
        query: &crate::domain::conversation::ListQuery,
    ) -> Result<Vec<Conversation>, StoreError>;
}

/// Counters per store, for the stats report.
/// Counters per day.
pub type Series = BTreeMap<Date, BTreeMap<String, i64>>;

/// How long a store's daily series is kept, at least (the report's year-on-year view).
pub const SERIES_DAYS: i64 = 400;

#[async_trait]
pub trait StatsStore: Send + Sync {
    /// Adds changes made on `day` (the store's calendar day, in its zone) to the store's totals
    /// and to that day's series.
    async fn add(&self, store: &str, day: Date, deltas: &[(String, i64)]) -> Result<(), StoreError>;
    /// The store's totals.
    async fn get(&self, store: &str) -> Result<BTreeMap<String, i64>, StoreError>;
    /// The counters per day from `from` to `to`, both included; days without a change are
    /// absent. Kept for at least `SERIES_DAYS`.
    async fn series(&self, store: &str, from: Date, to: Date) -> Result<Series, StoreError>;
    /// One counter the engine reads back (the coupon budget's `coupons.issued.{date}`, one read
    /// per code). Such a counter names its UTC day and is only changed on it, which is within a
    /// day of the store's own (an adapter may read only those days' series). The default reads them all, which is
    /// what one request costs in DynamoDB anyway; in memory it avoids copying the whole map.
    async fn get_one(&self, store: &str, key: &str) -> Result<i64, StoreError> {
        Ok(self.get(store).await?.get(key).copied().unwrap_or(0))
    }
    /// State counters (`keys`: the e-mail pause's), in one read where the adapter keeps them
    /// together (DynamoDB: one item).
    async fn get_state(&self, store: &str, keys: &[&str]) -> Result<BTreeMap<String, i64>, StoreError> {
        let mut out = BTreeMap::new();
        for k in keys {
            out.insert(k.to_string(), self.get_one(store, k).await?);
        }
        Ok(out)
    }
}

/// Due work: "look at this cart again at this time"; stale when `seq` no longer matches the
/// cart's timer. Carries the contact key so cart and contact are read in one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerMsg {
    pub v: u8,
    pub store: String,
    pub cart: String,
    pub seq: u64,
    /// The keys of the contacts the step reads, comma-separated (`TimerMsg::contact_keys`): the
    /// cart's contact, then the e-mail address's own contact when the cart's is the phone's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// When the work falls due: for the step-lateness metric (absent in older messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
}

impl TimerMsg {
    /// The contact keys in `contact`, the cart's first.
    pub fn contact_keys(&self) -> Vec<&str> {
        self.contact.as_deref().map(|c| c.split(',').filter(|k| !k.is_empty()).collect()).unwrap_or_default()
    }
}

#[derive(Debug, Error)]
pub enum QueueError {
    #[error("queue temporarily unavailable: {0}")]
    Unavailable(String),
    #[error("queue error: {0}")]
    Fatal(String),
}

/// Delivers a timer at (or just after) `due`, at least once.
///
/// The cart record carries its one timer too (`Cart::timer`), so an adapter whose queue cannot
/// hold long delays may leave those to a sweeper that reads them from the carts: the engine
/// writes the cart whenever it moves a timer, and a timer further out than the queue's
/// `max_delay` waits there.
#[async_trait]
pub trait TimerQueue: Send + Sync {
    async fn schedule(&self, msg: &TimerMsg, due: Timestamp, now: Timestamp) -> Result<(), QueueError>;
    /// The longest delay this queue holds on its own (each queue states its own: SQS's is
    /// `DelaySeconds` ≤ 900 s).
    fn max_delay(&self) -> jiff::SignedDuration;
}

/// A rendered message, ready for a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutgoingMessage {
    pub channel: Channel,
    pub store: String,
    pub cart: String,
    pub step: u32,
    pub variant: std::sync::Arc<str>,
    /// The address in clear: the provider needs it. Never logged.
    pub to: String,
    pub subject: Option<String>,
    /// The text (the text part, for e-mail).
    pub body: String,
    /// The send record this message belongs to (status callbacks name it).
    pub seq: u64,
    /// E-mail: the HTML part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// E-mail: the one-click unsubscribe URL (`List-Unsubscribe`, RFC 8058).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribe_url: Option<String>,
    /// SMS: where the provider reports delivery (Twilio `StatusCallback`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_callback: Option<String>,
    /// SMS: how long the provider may hold the text before giving it up, in seconds: until the
    /// recipient's allowed window closes (`send_policy::deliver_by`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_for_secs: Option<u32>,
    /// WhatsApp: the values a template is filled in with (`config::whatsapp_template`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_values: Option<TemplateValues>,
    /// The shopper's locale (BCP 47), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// WhatsApp: the shopper wrote within 24 hours, so free-form text is allowed.
    pub session_open: bool,
    /// Web push: the page a click on the notification opens (the signed restore link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// WhatsApp, inside the window: the text sent as an interactive message with these buttons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interactive: Option<Interactive>,
    /// The store's providers for this message's channel.
    #[serde(skip)]
    pub providers: std::sync::Arc<crate::config::providers::Providers>,
}

impl OutgoingMessage {
    /// A free-form answer inside a conversation the shopper opened (a person's answer, the
    /// answer to a WhatsApp message): no step, no template, no links.
    pub fn answer(
        channel: crate::domain::Channel,
        store: &crate::config::StoreConfig,
        cart: String,
        variant: &str,
        to: String,
        body: String,
    ) -> OutgoingMessage {
        OutgoingMessage {
            channel,
            store: store.id.clone(),
            cart,
            step: u32::MAX,
            variant: variant.into(),
            to,
            subject: None,
            body,
            seq: 0,
            html: None,
            unsubscribe_url: None,
            status_callback: None,
            template_values: None,
            valid_for_secs: None,
            locale: None,
            session_open: true,
            interactive: None,
            link: None,
            providers: store.providers.clone(),
        }
    }
}

/// The buttons of a WhatsApp interactive message (Cloud API, "Interactive messages").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interactive {
    /// One call-to-action button that opens `url` (`cta_url`): the ready cart.
    Link { label: String, url: String },
    /// Up to three reply buttons (`button`): each tap comes back as its id.
    Replies(Vec<ReplyButton>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ReplyButton {
    pub id: String,
    /// At most `domain::channel::WHATSAPP_BUTTON_TITLE_MAX` characters.
    pub title: String,
}

/// What a WhatsApp template can be filled in with; the store's configuration says which go
/// where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateValues {
    pub first_name: String,
    pub store: String,
    pub link: String,
    /// The step's discount code, when it offers one.
    pub code: Option<String>,
    /// The store's own language (BCP 47): the fallback for a template's language.
    pub store_locale: String,
}

#[derive(Debug, Error)]
pub enum ChannelError {
    /// An answer that guarantees the provider did not take the message (a throttle: 429,
    /// Twilio 20429, Meta's rate limits, AWS throttling; or the connection never opened):
    /// the queue may try again.
    #[error("provider temporarily failed: {0}")]
    Retryable(String),
    /// The request left and nothing says whether the provider took it (a timeout, a 5xx, a
    /// connection lost mid-answer): recorded as `unknown` and never resent, since a duplicate
    /// message is worse than a missed one.
    #[error("provider outcome unknown: {0}")]
    Unknown(String),
    /// Nothing carries this channel for the store (on AWS, a channel left on `console`): nothing
    /// was sent, and nothing may be counted as sent. The step is recorded as skipped
    /// (`steps.skipped.no_provider`, alarmed on AWS), never retried.
    #[error("no provider is configured for this channel: {0}")]
    Unconfigured(String),
    /// Invalid number, unsubscribed, rejected template: do not retry.
    #[error("provider refused the message: {0}")]
    Permanent(String),
    /// The address no longer exists (a push service's 404/410: the browser dropped the
    /// subscription): nothing was sent, nothing is retried, and the address is forgotten.
    #[error("the address is gone: {0}")]
    Gone(String),
}

#[async_trait]
pub trait ChannelSender: Send + Sync {
    /// Returns the provider's message id.
    async fn send(&self, msg: &OutgoingMessage) -> Result<String, ChannelError>;
}

pub use crate::domain::handoff::Handoff;

#[async_trait]
pub trait Alerts: Send + Sync {
    async fn handoff(&self, h: &Handoff);
}

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// Unguessable tokens (restore links, coupon codes).
pub trait RandomSource: Send + Sync {
    fn bytes16(&self) -> [u8; 16];
}

/// Signed events out to the store's endpoints (`outbound`). Best effort for the work that raises
/// them: a failed delivery is kept as a dead letter, never fails the work.
#[async_trait]
pub trait EventsOut: Send + Sync {
    async fn publish(&self, event: &crate::outbound::OutEvent);
    /// The store's dead letters, newest first (at most `LIST_MAX`).
    async fn failed(&self, store: &str) -> Result<Vec<crate::outbound::DeliveryRecord>, StoreError>;
    /// Sends a dead letter again, with the same `webhook-id`; `None` when there is no such one.
    async fn replay(&self, store: &str, id: &str) -> Result<Option<crate::outbound::DeliveryRecord>, StoreError>;
    /// Tries again each of the store's deliveries whose scheduled retry is due at `now`
    /// (events and hand-offs alike); returns how many were tried.
    async fn retry_due(&self, store: &str, now: jiff::Timestamp) -> Result<usize, StoreError>;
}

/// No endpoints anywhere: publishes nothing.
pub struct NoEventsOut;

#[async_trait]
impl EventsOut for NoEventsOut {
    async fn publish(&self, _event: &crate::outbound::OutEvent) {}
    async fn failed(&self, _store: &str) -> Result<Vec<crate::outbound::DeliveryRecord>, StoreError> {
        Ok(Vec::new())
    }
    async fn replay(&self, _store: &str, _id: &str) -> Result<Option<crate::outbound::DeliveryRecord>, StoreError> {
        Ok(None)
    }
    async fn retry_due(&self, _store: &str, _now: jiff::Timestamp) -> Result<usize, StoreError> {
        Ok(0)
    }
}

/// The stores' REST hook subscriptions (`outbound::hooks`; every adapter: memory, SQLite,
/// DynamoDB).
#[async_trait]
pub trait HookStore: Send + Sync {
    /// Adds or replaces the subscription (by store and id).
    async fn put_hook(&self, h: &crate::outbound::hooks::HookSubscription) -> Result<(), StoreError>;
    /// The store's subscriptions, oldest first.
    async fn list_hooks(&self, store: &str) -> Result<Vec<crate::outbound::hooks::HookSubscription>, StoreError>;
    /// Whether there was one to delete.
    async fn delete_hook(&self, store: &str, id: &str) -> Result<bool, StoreError>;
}

/// Where failed deliveries are kept for a replay (every adapter: memory, SQLite, DynamoDB).
#[async_trait]
pub trait DeliveryLog: Send + Sync {
    async fn put_delivery(&self, d: &crate::outbound::DeliveryRecord) -> Result<(), StoreError>;
    async fn get_delivery(&self, store: &str, id: &str) -> Result<Option<crate::outbound::DeliveryRecord>, StoreError>;
    /// Newest first (by `updated_at`), at most `LIST_MAX`.
    async fn list_deliveries(&self, store: &str) -> Result<Vec<crate::outbound::DeliveryRecord>, StoreError>;
    /// Every delivery of the store still on its retry schedule (`DeliveryState::Retrying`).
    async fn retrying_deliveries(&self, store: &str) -> Result<Vec<crate::outbound::DeliveryRecord>, StoreError>;
}

/// What a shopper's data rights need beyond the hot path (`shopper_data`): every cart of a
/// store that matches, and deleting records. Slow by design where the layout has no index (a
/// DynamoDB `Scan`): these are rare requests.
#[async_trait]
pub trait ShopperRecords: Send + Sync {
    /// The store's carts for which `matches` is true.
    async fn carts_where(
        &self,
        store: &str,
        matches: &(dyn for<'c> Fn(&'c Cart) -> bool + Send + Sync),
    ) -> Result<Vec<Cart>, StoreError>;
    /// The store's conversations for which `matches` is true: every one kept, not only the
    /// newest `LIST_MAX` a listing answers with (a shopper's oldest transcript must be found).
    async fn conversations_where(
        &self,
        store: &str,
        matches: &(dyn for<'c> Fn(&'c Conversation) -> bool + Send + Sync),
    ) -> Result<Vec<Conversation>, StoreError>;
    /// Deleting what is not there is not an error.
    async fn delete_cart(&self, store: &str, id: &str) -> Result<(), StoreError>;
    async fn delete_contact(&self, store: &str, key: &str) -> Result<(), StoreError>;
    async fn delete_link(&self, token: &str) -> Result<(), StoreError>;
    async fn delete_conversation(&self, store: &str, id: &str) -> Result<(), StoreError>;
    /// Every delivery kept for the store (retrying, dead letters, delivered late): a hand-off's
    /// holds the shopper's reply.
    async fn all_deliveries(&self, store: &str) -> Result<Vec<crate::outbound::DeliveryRecord>, StoreError>;
    async fn delete_delivery(&self, store: &str, id: &str) -> Result<(), StoreError>;
    /// After an erasure: leave nothing of the deleted records readable in the storage's own
    /// files (SQLite: free pages zeroed by `secure_delete`, the write-ahead log checkpointed
    /// and truncated). Stores whose deletes leave nothing behind do nothing.
    async fn scrub(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A second reader of the replies the first readers are unsure about (docs/replies.md, "A
/// second reader"): a language model behind an adapter (Amazon Bedrock's Converse API, or an
/// OpenAI-compatible chat endpoint). It gets the reply with phone numbers and e-mail addresses
/// masked, and answers what it reads (`conversations::second_reader` builds the request's
/// words and reads the answer, strictly).
#[async_trait]
pub trait ReplyReader: Send + Sync {
    /// `system` and `user`: the instructions and the masked reply. Returns the model's text.
    async fn complete(
        &self,
        cfg: &crate::config::ReaderConfig,
        system: &str,
        user: &str,
    ) -> Result<String, ReaderError>;
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ReaderError {
    #[error("no answer within the timeout")]
    Timeout,
    #[error("the provider is throttling")]
    Throttled,
    #[error("the provider refused the request: {0}")]
    Refused(String),
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    #[error("no reader is wired in this host")]
    NotWired,
}

impl ReaderError {
    /// The counter's cause (`reader.error.{cause}`).
    pub fn cause(&self) -> &'static str {
        match self {
            ReaderError::Timeout => "timeout",
            ReaderError::Throttled => "throttled",
            ReaderError::Refused(_) => "refused",
            ReaderError::Unavailable(_) => "unavailable",
            ReaderError::NotWired => "not_wired",
        }
    }
}

/// No second reader: every call is `NotWired` (counted), the first readers' verdict stands.
pub struct NoReader;

#[async_trait]
impl ReplyReader for NoReader {
    async fn complete(&self, _: &crate::config::ReaderConfig, _: &str, _: &str) -> Result<String, ReaderError> {
        Err(ReaderError::NotWired)
    }
}

/// A store's catalogue (`catalogue`), replaced whole by each refresh or upload: a reply reads
/// it whole, so one read answers any question about it.
#[async_trait]
pub trait CatalogueStore: Send + Sync {
    async fn get_catalogue(&self, store: &str) -> Result<Option<crate::domain::catalogue::Catalogue>, StoreError>;
    /// Writes it if the stored version is still `catalogue.version` (0: none stored), else
    /// `Conflict`; the new version.
    async fn put_catalogue(&self, catalogue: &crate::domain::catalogue::Catalogue) -> Result<u64, StoreError>;
    /// The stored catalogue's version and when it was read (the refresh schedule asks every
    /// minute: a small read where the adapter can make it one).
    async fn catalogue_head(&self, store: &str) -> Result<Option<crate::domain::catalogue::CatalogueHead>, StoreError> {
        Ok(self
            .get_catalogue(store)
            .await?
            .map(|c| crate::domain::catalogue::CatalogueHead { version: c.version, fetched_at: c.fetched_at }))
    }
}

/// One request for a page of a platform's products: a GET, or a POST of `body` (GraphQL). Its
/// headers carry the platform's token: `Debug` shows their names only.
#[derive(Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl std::fmt::Debug for PageRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("PageRequest")
            .field("url", &self.url)
            .field("headers", &names)
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

impl PageRequest {
    pub fn get(url: impl Into<String>) -> Self {
        PageRequest { url: url.into(), headers: Vec::new(), body: None }
    }
}

/// One page of a platform's products, as fetched (`catalogue::refresh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPage {
    pub status: u16,
    pub body: Vec<u8>,
    /// `Retry-After`, in seconds, on a 429 or 503.
    pub retry_after: Option<u64>,
    /// The `Link` header's `rel="next"` URL (Shopify's and WordPress's pagination).
    pub next: Option<String>,
    /// `X-WP-TotalPages` (WooCommerce's REST API).
    pub total_pages: Option<u32>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("refused: {0}")]
    Refused(String),
}

/// Reads the store's products from its platform: a request with the platform's headers. The
/// adapter waits out a 429 or 503 itself; `pause` is the wait a platform asks for in its body
/// (Shopify GraphQL's `THROTTLED`).
#[async_trait]
pub trait ProductPages: Send + Sync {
    async fn fetch(&self, req: &PageRequest) -> Result<FetchedPage, FetchError>;

    async fn pause(&self, wait: std::time::Duration);
}

/// No platform to read from (tests, hosts without outbound HTTP).
pub struct NoProductPages;

#[async_trait]
impl ProductPages for NoProductPages {
    async fn fetch(&self, _req: &PageRequest) -> Result<FetchedPage, FetchError> {
        Err(FetchError::Refused("this host does not fetch catalogues".into()))
    }

    async fn pause(&self, _wait: std::time::Duration) {}
}
