//! The cart and everything Cartback remembers about it.
//!
//! One record per cart holds the sequence progress and the send claims too, so that the
//! decisive transitions (abandon, claim a step, order) are each one conditional write.

use crate::domain::money::{Currency, Money};
use crate::domain::pii::Pii;
use crate::domain::{Channel, Reason};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CartStatus {
    Active,
    Abandoned,
    Recovered,
    Converted,
    Expired,
    Suppressed,
    Cleared,
}

impl CartStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            CartStatus::Active => "active",
            CartStatus::Abandoned => "abandoned",
            CartStatus::Recovered => "recovered",
            CartStatus::Converted => "converted",
            CartStatus::Expired => "expired",
            CartStatus::Suppressed => "suppressed",
            CartStatus::Cleared => "cleared",
        }
    }

    /// An ordered cart never changes again.
    pub fn is_ordered(&self) -> bool {
        matches!(self, CartStatus::Recovered | CartStatus::Converted)
    }
}

/// How close the shopper came to buying: browsing → cart → checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Temperature {
    #[default]
    Cold,
    Warm,
    Hot,
}

impl Temperature {
    pub fn as_str(&self) -> &'static str {
        match self {
            Temperature::Cold => "cold",
            Temperature::Warm => "warm",
            Temperature::Hot => "hot",
        }
    }

    pub fn parse(s: &str) -> Option<Temperature> {
        Some(match s {
            "cold" => Temperature::Cold,
            "warm" => Temperature::Warm,
            "hot" => Temperature::Hot,
            _ => return None,
        })
    }

    pub const ALL: [Temperature; 3] = [Temperature::Cold, Temperature::Warm, Temperature::Hot];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
}

/// Consent per channel; `None` means the storefront never said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Consent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<bool>,
    /// The shopper said yes to notifications in the snippet's opt-in (after a gesture of theirs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webpush: Option<bool>,
}

impl Consent {
    pub fn get(&self, channel: Channel) -> bool {
        self.slot(channel).unwrap_or(false)
    }

    /// What the storefront said for `channel`, if anything.
    pub fn slot(&self, channel: Channel) -> Option<bool> {
        match channel {
            Channel::Sms => self.sms,
            Channel::Email => self.email,
            Channel::Whatsapp => self.whatsapp,
            Channel::Webpush => self.webpush,
        }
    }

    /// Later statements win, field by field.
    pub fn merge(&mut self, newer: &Consent) {
        self.sms = newer.sms.or(self.sms);
        self.email = newer.email.or(self.email);
        self.whatsapp = newer.whatsapp.or(self.whatsapp);
        self.webpush = newer.webpush.or(self.webpush);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Customer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Pii>,
    /// E.164, validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Pii>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// IANA time zone name, validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default)]
    pub consent: Consent,
    /// The version of the consent text the shopper agreed to (`customer.consent_version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_version: Option<String>,
    /// Orders the shopper placed before (`customer.orders_count`): 0 is a first-time customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders_count: Option<u32>,
    /// The browser's push subscription (`customer.push_subscription`), as
    /// `outbound::push_subscription::normalized` writes it: the web push channel's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<Pii>,
    /// The ISO 3166 country of `phone`, read (with libphonenumber's metadata, the costly part)
    /// the first time a `when` asks for it and kept (docs/sequences.md); forgotten whenever the
    /// phone changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country: Option<String>,
}

/// One change of consent, kept as evidence: when, which channel, yes or no, from what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChange {
    pub at: Timestamp,
    pub channel: Channel,
    pub granted: bool,
    /// `event` (the storefront said so), `reply` (STOP/START), `unsubscribe_link`.
    pub source: String,
    /// The event id or provider message id it came with.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_version: Option<String>,
}

/// How many consent changes a record keeps (the newest).
pub const CONSENT_LOG_LEN: usize = 20;

pub fn log_consent(log: &mut Vec<ConsentChange>, change: ConsentChange) {
    log.push(change);
    if log.len() > CONSENT_LOG_LEN {
        log.remove(0);
    }
}

impl Customer {
    /// Fields present in `newer` replace ours; absent ones keep ours.
    pub fn merge(&mut self, newer: &Customer) {
        fn take<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
        take(&mut self.id, &newer.id);
        take(&mut self.first_name, &newer.first_name);
        take(&mut self.email, &newer.email);
        if newer.phone.is_some() && newer.phone != self.phone {
            self.phone_country = None;
        }
        take(&mut self.phone, &newer.phone);
        take(&mut self.locale, &newer.locale);
        take(&mut self.timezone, &newer.timezone);
        take(&mut self.consent_version, &newer.consent_version);
        take(&mut self.orders_count, &newer.orders_count);
        take(&mut self.push, &newer.push);
        self.consent.merge(&newer.consent);
    }

    pub fn address(&self, channel: Channel) -> Option<&Pii> {
        match channel {
            Channel::Sms | Channel::Whatsapp => self.phone.as_ref(),
            Channel::Email => self.email.as_ref(),
            Channel::Webpush => self.push.as_ref(),
        }
    }

    /// The shopper's first address, by which their contact record is kept: the phone, else
    /// the e-mail, else (a shopper who only allowed notifications) the push subscription.
    pub fn first_address(&self) -> Option<&Pii> {
        self.phone.as_ref().or(self.email.as_ref()).or(self.push.as_ref())
    }

    /// Reachable on this channel: an address and a yes.
    pub fn reachable(&self, channel: Channel) -> bool {
        self.address(channel).is_some() && self.consent.get(channel)
    }
}

/// The one outstanding timer of a cart; work that carries another `seq` is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmedTimer {
    pub seq: u64,
    pub due: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendStatus {
    /// Claimed and handed to the provider. The claim is the record: a redelivery of the work
    /// that wrote it means that attempt never finished, and the record becomes `Unknown`.
    Sent,
    Failed,
    /// A claim abandoned by a crash: it may or may not have gone out; never retried.
    Unknown,
    /// The step was passed over (no consent, holdout, one-SMS rule, opted out).
    Skipped,
}

/// A provider's delivery report, in the order a message moves through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Handed to the carrier.
    Sent,
    Delivered,
    /// The carrier could not deliver it (Twilio `undelivered`).
    Undelivered,
    /// The provider gave up (Twilio `failed`, a bounce).
    Failed,
}

impl DeliveryStatus {
    /// Twilio's `MessageStatus` (and WhatsApp's status names, which are the same words).
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        Some(match s {
            "sent" => DeliveryStatus::Sent,
            "delivered" | "read" => DeliveryStatus::Delivered,
            "undelivered" => DeliveryStatus::Undelivered,
            "failed" => DeliveryStatus::Failed,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Undelivered => "undelivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn is_final(&self) -> bool {
        !matches!(self, DeliveryStatus::Sent)
    }
}

impl SendRecord {
    /// Whether the message went out, or may have (`unknown`).
    pub fn reached(&self) -> bool {
        matches!(self.status, SendStatus::Sent | SendStatus::Unknown)
    }
}

/// The claim and outcome of one step, keyed by (cart, step): a step is never sent twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendRecord {
    pub step: u32,
    /// The timer seq of the work that wrote this record: a redelivery of that work finds it.
    pub seq: u64,
    pub epoch: u32,
    pub channel: Channel,
    pub variant: std::sync::Arc<str>,
    pub status: SendStatus,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// The unique discount code this message offered, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon: Option<String>,
    /// When the storefront redeemed `coupon` (once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_redeemed_at: Option<Timestamp>,
    /// What the provider reported afterwards (status callbacks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryStatus>,
    /// The products this e-mail recommended, in the order shown: a click names one by its place
    /// (`/r/{token}?rec={seq}.{index}`), and is sent to its page (docs/recommendations.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recommended: Vec<Recommended>,
}

/// A product an e-mail recommended: its id in the catalogue and its page. Shared, as the
/// variant's name is: every later read and write of the cart copies its send records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommended {
    pub product: Arc<str>,
    pub url: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub order_id: String,
    pub total: Money,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub store: String,
    pub id: String,
    /// Optimistic-concurrency version; 0 means never stored.
    pub version: u64,
    pub status: CartStatus,
    pub currency: Option<Currency>,
    /// Shared, so reading a cart (every step reads it) does not copy every item and field.
    pub items: Arc<Vec<Item>>,
    pub checkout_url: Option<String>,
    pub customer: Arc<Customer>,
    pub temperature: Temperature,
    pub created_at: Timestamp,
    /// When the shopper last did something (the idle clock starts here).
    pub last_activity: Timestamp,
    /// The newest `occurred_at` applied: older events change nothing.
    pub last_event_at: Timestamp,
    /// Hashes of the newest event ids applied, to answer exact replays as duplicates.
    pub recent_events: Vec<u64>,
    /// Abandonment episode: 0 before the first abandonment, +1 each time.
    pub epoch: u32,
    /// Index of the next step to send; it only grows, so a sequence resumes and never restarts.
    pub next_step: u32,
    pub timer: Option<ArmedTimer>,
    pub timer_seq: u64,
    pub sends: Vec<SendRecord>,
    /// A human conversation is going on: no more automated steps.
    pub paused: bool,
    pub holdout: bool,
    pub link_token: Option<String>,
    pub last_message_at: Option<Timestamp>,
    pub order: Option<OrderRecord>,
    /// Consent changes the storefront reported for this cart's shopper (newest last).
    #[serde(default, skip_serializing_if = "no_changes")]
    /// Shared, like `items`: every read of a cart copies the record, rarely its log.
    pub consent_log: Arc<Vec<ConsentChange>>,
    pub reason: Option<Reason>,
    /// Counter changes not yet added to the store's statistics: the events that armed this
    /// cart's timer leave them here, in the cart write they make anyway, and the dispatcher
    /// that handles the timer adds them with its batch (engine/stats_buffer.rs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_stats: Vec<(String, i64)>,
    /// The on-site offer its shopper took (docs/on-site.md): a single-use code, like a step's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<OfferClaim>,
    /// When its shopper last followed a product an e-mail recommended: its order is counted
    /// among those recommendations led to (`recommendations.orders`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation_clicked_at: Option<Timestamp>,
    /// The item kinds the store's conditions ask about that this cart's lines have, read from
    /// the catalogue once for these lines (`abandonment::conditions::keep_item_kinds`), so the
    /// steps after the first do not read the catalogue to judge them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_kinds: Option<ItemKinds>,
}

/// The tags, collections and product types a store's conditions name that a cart's lines have
/// in the catalogue: one bit a label of the store's `config::ItemLabels`, so the cart stays
/// small (two numbers, however many labels).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemKinds {
    /// A fingerprint of the lines' SKUs and of the labels the conditions named when these were
    /// read: other lines, or conditions naming other labels, read them again.
    pub of: u64,
    /// Bit i: the lines have the store's label i (`ItemLabels::bit`).
    #[serde(default)]
    pub has: u64,
}

/// A code given on the shop's page for an address and a yes (`[stores.on_site.offer]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferClaim {
    /// The offer's variant the shopper was shown (`A`: the offer itself).
    pub variant: String,
    pub code: String,
    pub at: Timestamp,
    pub expires_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeemed_at: Option<Timestamp>,
}

impl Cart {
    /// The newest code the shopper was offered and has not used (a ready cart carries it).
    pub fn unused_code(&self) -> Option<&str> {
        self.sends
            .iter()
            .rev()
            .find(|s| s.coupon.is_some() && s.coupon_redeemed_at.is_none())
            .and_then(|s| s.coupon.as_deref())
    }

    pub fn new(store: &str, id: &str, now: Timestamp, holdout: bool) -> Cart {
        Cart {
            store: store.to_string(),
            id: id.to_string(),
            version: 0,
            status: CartStatus::Active,
            currency: None,
            items: Arc::default(),
            checkout_url: None,
            customer: Arc::default(),
            temperature: Temperature::Cold,
            created_at: now,
            last_activity: now,
            last_event_at: Timestamp::MIN,
            recent_events: Vec::new(),
            epoch: 0,
            next_step: 0,
            timer: None,
            timer_seq: 0,
            sends: Vec::new(),
            paused: false,
            pending_stats: Vec::new(),
            holdout,
            link_token: None,
            last_message_at: None,
            order: None,
            consent_log: Arc::default(),
            reason: None,
            offer: None,
            recommendation_clicked_at: None,
            item_kinds: None,
        }
    }

    pub fn subtotal_minor(&self) -> i64 {
        self.items
            .iter()
            .map(|i| i.unit_price_minor.saturating_mul(i64::from(i.quantity)))
            .fold(0_i64, i64::saturating_add)
    }

    /// Whether any message actually went (or may have gone) out.
    pub fn was_messaged(&self) -> bool {
        self.sends.iter().any(SendRecord::reached)
    }

    /// The latest message that went out (or may have).
    pub fn last_reached(&self) -> Option<&SendRecord> {
        self.sends.iter().rev().find(|s| s.reached())
    }

    pub fn sms_sent_in_epoch(&self, epoch: u32) -> bool {
        self.sends.iter().any(|s| {
            s.epoch == epoch && s.channel == Channel::Sms && matches!(s.status, SendStatus::Sent | SendStatus::Unknown)
        })
    }

    /// Arms the cart's single timer with a fresh fencing number.
    pub fn arm_timer(&mut self, due: Timestamp) -> ArmedTimer {
        self.timer_seq += 1;
        let t = ArmedTimer { seq: self.timer_seq, due };
        self.timer = Some(t);
        t
    }
}

fn no_changes(log: &Arc<Vec<ConsentChange>>) -> bool {
    log.is_empty()
}

/// The capture snippet's carts: their ids start with this, and only they can be written with
/// the public key. What they say about who the shopper is was never proven (anyone can write
/// it), so data rights never join addresses through them (`shopper_data`).
pub const BROWSER_CART_PREFIX: &str = "web-";

/// Whether what a cart says about its shopper came through an authenticated path (the API key,
/// a signed webhook), not the public snippet.
pub fn proven(cart_id: &str) -> bool {
    !cart_id.starts_with(BROWSER_CART_PREFIX)
}
