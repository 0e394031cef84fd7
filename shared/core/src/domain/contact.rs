//! A shopper's address book entry within one store: opt-outs, recent messages, latest cart.

use crate::domain::Channel;
use crate::domain::pii::Pii;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub store: String,
    /// Keyed hash of the address (phone if any, else e-mail): keys never hold clear PII.
    pub key: String,
    pub version: u64,
    pub phone: Option<Pii>,
    pub email: Option<Pii>,
    pub opted_out: Vec<Channel>,
    /// Send times inside the frequency-cap window, across all carts.
    pub recent_sends: Vec<Timestamp>,
    pub latest_cart: Option<String>,
    pub last_inbound_at: Option<Timestamp>,
    /// The shopper's latest WhatsApp message: it alone opens WhatsApp's 24-hour window for
    /// free-form text (an SMS reply does not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_whatsapp_inbound_at: Option<Timestamp>,
    /// Provider ids of the inbound messages of the last `INBOUND_MEMORY`: a webhook retried or
    /// replayed within it is handled once (consent changes are also checked against
    /// `consent_log`, kept for good).
    #[serde(default)]
    pub recent_inbound: Vec<SeenInbound>,
    /// The newest order of this shopper that named no cart we know (a storefront order without
    /// a checkout token): carts idle since before it get no more messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_order_at: Option<Timestamp>,
    /// The shopper's newest orders, as much as "where is my order?" may be told
    /// (`order_note`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<crate::domain::order_note::OrderNote>,
    /// When this shopper was given discount codes, within the budget's 30-day window.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coupons_issued: Vec<Timestamp>,
    /// Opt-outs and opt-ins made by the shopper (replies, unsubscribe links), newest last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consent_log: Vec<crate::domain::ConsentChange>,
    /// The shopper's language as their latest messaged cart gave it: replies answer in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The provider ids of every STOP and START (in any wording) the shopper sent, kept for good
    /// (up to `CONSENT_REPLIES_MAX`, then the oldest go): a signed STOP or START captured and
    /// replayed later — past `recent_inbound`'s memory and the consent log's length — is a
    /// duplicate, never a change of consent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consent_replies: Vec<String>,
    /// The provider's time of the newest STOP from this phone, where the provider gives one
    /// (WhatsApp): a START the provider dates at or before it is stale (a replay) and ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sent_at: Option<Timestamp>,
    /// The shopper's latest conversation with a person (docs/conversations.md): later replies
    /// are added to it while it is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    /// A reply that may be a "no", waiting for a person (docs/replies.md, "When a reply may be
    /// a no"): nothing automated goes to this contact's phone meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Hold>,
}

/// A reply held for a person. Undecided at `deadline()`, it is an opt-out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub since: Timestamp,
    /// The channel the reply came on; the hold covers every channel to the same address.
    pub channel: Channel,
    /// `verdict::HoldCause`: `words`, `model`, `idiom`.
    pub cause: String,
    /// The provider's id of the reply.
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
}

/// The FCC's revocation rule gives a business 10 business days to honour a "no": a hold nobody
/// decides within them becomes one.
pub const HOLD_BUSINESS_DAYS: u32 = 10;

impl Hold {
    /// `since` plus `HOLD_BUSINESS_DAYS` weekdays (Monday to Friday, UTC; public holidays are
    /// not skipped, so the deadline is never later than the rule's).
    pub fn deadline(&self) -> Timestamp {
        let mut t = self.since;
        let mut left = HOLD_BUSINESS_DAYS;
        while left > 0 {
            t += jiff::SignedDuration::from_hours(24);
            let weekday = t.to_zoned_datetime(jiff::tz::TimeZone::UTC).weekday();
            if !matches!(weekday, jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday) {
                left -= 1;
            }
        }
        t
    }

    fn covers(&self, channel: Channel) -> bool {
        channel.uses_phone() == self.channel.uses_phone()
    }
}

/// Why nothing automated may go to a contact on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    OptedOut,
    /// A reply held for a person, still within its deadline.
    Held,
}

/// How long an inbound message id is remembered.
pub const INBOUND_MEMORY: jiff::SignedDuration = jiff::SignedDuration::from_hours(30 * 24);
/// At most this many are kept (the oldest go first): a contact item stays small even for a
/// shopper who writes hundreds of messages a month.
pub const INBOUND_MEMORY_MAX: usize = 500;
/// Consent replies remembered per address: more than a shopper sends in years (a replay needs
/// the provider's signature on each, so nobody else can push these out).
pub const CONSENT_REPLIES_MAX: usize = 1000;

/// One inbound message id and when it was handled. Contacts written before the time was kept
/// hold bare ids (`at` none): they stay until the count pushes them out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "SeenRepr")]
pub struct SeenInbound {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SeenRepr {
    Bare(String),
    Timed {
        id: String,
        #[serde(default)]
        at: Option<Timestamp>,
    },
}

impl From<SeenRepr> for SeenInbound {
    fn from(r: SeenRepr) -> SeenInbound {
        match r {
            SeenRepr::Bare(id) => SeenInbound { id, at: None },
            SeenRepr::Timed { id, at } => SeenInbound { id, at },
        }
    }
}

impl Contact {
    /// Whether this inbound message id was handled before: within the memory, or as the
    /// reference of a consent change made by reply.
    pub fn seen_inbound(&self, id: &str) -> bool {
        !id.is_empty()
            && (self.recent_inbound.iter().any(|s| s.id == id)
                || self.consent_replies.iter().any(|c| c == id)
                || self.consent_log.iter().any(|c| c.source.starts_with("reply") && c.reference == id))
    }

    /// Remembers `id`, forgetting what is older than `INBOUND_MEMORY` and beyond the count.
    pub fn remember_inbound(&mut self, id: &str, now: Timestamp) {
        if id.is_empty() {
            return;
        }
        self.recent_inbound.retain(|s| s.at.is_none_or(|at| at > now - INBOUND_MEMORY));
        self.recent_inbound.push(SeenInbound { id: id.to_string(), at: Some(now) });
        let excess = self.recent_inbound.len().saturating_sub(INBOUND_MEMORY_MAX);
        self.recent_inbound.drain(..excess);
    }

    /// Remembers a consent reply's id for good (`consent_replies`).
    pub fn remember_consent_reply(&mut self, id: &str) {
        if id.is_empty() || self.consent_replies.iter().any(|c| c == id) {
            return;
        }
        self.consent_replies.push(id.to_string());
        let excess = self.consent_replies.len().saturating_sub(CONSENT_REPLIES_MAX);
        self.consent_replies.drain(..excess);
    }

    pub fn new(store: &str, key: &str) -> Contact {
        Contact {
            store: store.to_string(),
            key: key.to_string(),
            version: 0,
            phone: None,
            email: None,
            opted_out: Vec::new(),
            recent_sends: Vec::new(),
            latest_cart: None,
            last_inbound_at: None,
            last_whatsapp_inbound_at: None,
            recent_inbound: Vec::new(),
            last_order_at: None,
            orders: Vec::new(),
            coupons_issued: Vec::new(),
            consent_log: Vec::new(),
            consent_replies: Vec::new(),
            stop_sent_at: None,
            locale: None,
            conversation: None,
            hold: None,
        }
    }

    /// Whether an automated message on `channel` may not go to this contact at `now`: a "no"
    /// (`refuses`), a hold past its deadline (a "no" too, written down by `settle_hold`), or a
    /// hold waiting for a person.
    pub fn stopped(&self, channel: Channel, now: Timestamp) -> Option<Stopped> {
        if self.refuses(channel) {
            return Some(Stopped::OptedOut);
        }
        match &self.hold {
            Some(h) if h.covers(channel) && now >= h.deadline() => Some(Stopped::OptedOut),
            Some(h) if h.covers(channel) => Some(Stopped::Held),
            _ => None,
        }
    }

    /// A hold past its deadline becomes the opt-out it stood for, in the ledger at the
    /// deadline (`hold_expired`). Returns the channels opted out.
    pub fn settle_hold(&mut self, now: Timestamp) -> Vec<Channel> {
        let Some(h) = self.hold.clone().filter(|h| now >= h.deadline()) else { return Vec::new() };
        self.hold = None;
        self.opt_out_address(h.channel, h.deadline(), "hold_expired", &h.reference)
    }

    /// Opts out every channel to the address `channel` uses (a phone's SMS and WhatsApp), each
    /// recorded in the ledger. Returns those that changed.
    pub fn opt_out_address(&mut self, channel: Channel, at: Timestamp, source: &str, reference: &str) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|c| c.uses_phone() == channel.uses_phone())
            .filter(|c| self.opt_out_logged(*c, at, source, reference))
            .collect()
    }

    /// Opts out one channel and records it in the ledger; true when it changed anything.
    pub fn opt_out_logged(&mut self, channel: Channel, at: Timestamp, source: &str, reference: &str) -> bool {
        let changed = self.opt_out(channel);
        if changed {
            self.log_consent(at, channel, false, source, reference);
        }
        changed
    }

    pub fn is_opted_out(&self, channel: Channel) -> bool {
        self.opted_out.contains(&channel)
    }

    /// Whether a message on `channel` may not go to this contact's address: a "no" belongs to
    /// the address it was said from, so a STOP by SMS or by WhatsApp stops every message to
    /// that phone number (as the FCC's revocation rule reads a "no" to one kind of message),
    /// an unsubscribe every e-mail to that address.
    pub fn refuses(&self, channel: Channel) -> bool {
        if channel.uses_phone() { self.opted_out.iter().any(Channel::uses_phone) } else { self.is_opted_out(channel) }
    }

    /// Returns true when this changed anything (so a confirmation is sent only once).
    pub fn opt_out(&mut self, channel: Channel) -> bool {
        if self.is_opted_out(channel) {
            return false;
        }
        self.opted_out.push(channel);
        true
    }

    /// Records a change the shopper made, as evidence.
    pub fn log_consent(&mut self, at: Timestamp, channel: Channel, granted: bool, source: &str, reference: &str) {
        crate::domain::cart::log_consent(
            &mut self.consent_log,
            crate::domain::ConsentChange {
                at,
                channel,
                granted,
                source: source.into(),
                reference: reference.into(),
                text_version: None,
            },
        );
    }

    /// A START from the phone takes back the phone's "no" (SMS and WhatsApp alike, as
    /// `refuses` reads it); an e-mail's stays.
    pub fn opt_in(&mut self, channel: Channel) -> bool {
        let before = self.opted_out.len();
        self.opted_out.retain(|c| if channel.uses_phone() { !c.uses_phone() } else { *c != channel });
        before != self.opted_out.len()
    }
}

/// The deployment's secret for contact keys and unsubscribe links (32 random bytes: a file in
/// local mode's data directory, an SSM SecureString in AWS). Set once, at start, before any key
/// is derived.
static DEPLOYMENT_KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();

/// What keys are derived with until a host sets the deployment's own: unit tests and
/// `cartback simulate`, whose data never leaves the process.
const UNSET_KEY: [u8; 32] = *b"cartback/no-deployment-key-set/!";

/// Sets the deployment's secret. Setting the same one again is fine; another one is refused (the
/// process would otherwise derive two sets of keys).
pub fn set_deployment_key(key: [u8; 32]) -> Result<(), &'static str> {
    let set = DEPLOYMENT_KEY.get_or_init(|| key);
    if *set == key { Ok(()) } else { Err("a different deployment key is already in use in this process") }
}

pub fn deployment_key() -> &'static [u8; 32] {
    DEPLOYMENT_KEY.get().unwrap_or(&UNSET_KEY)
}

/// The contact key for an address: HMAC-SHA256 of store and normalised address under the
/// deployment's secret, hex, 32 characters. Without the secret, a key (in a table, a log, an
/// unsubscribe link) cannot be turned back into the phone number by trying candidates.
pub fn contact_key(store: &str, address: &str) -> String {
    // One send derives the same keys several times (timer, claim, next timer), for the phone
    // and for the e-mail address whose opt-outs it checks: remember the last two.
    /// (store, address, key) twice, and which of the two goes next.
    type Remembered = ([(String, String, String); 2], usize);
    thread_local! {
        static LAST: std::cell::RefCell<Remembered> = Default::default();
    }
    LAST.with_borrow_mut(|(entries, older)| {
        if let Some((_, _, key)) = entries.iter().find(|(s, a, k)| s == store && a == address && !k.is_empty()) {
            return key.clone();
        }
        let slot = &mut entries[*older];
        *older = 1 - *older;
        store.clone_into(&mut slot.0);
        address.clone_into(&mut slot.1);
        slot.2 = hash_key(store, address);
        slot.2.clone()
    })
}

/// `contact_key` without its one-entry cache: for keys derived once (aliases), which would
/// otherwise evict the key a send derives three times.
pub fn contact_key_uncached(store: &str, address: &str) -> String {
    hash_key(store, address)
}

fn hash_key(store: &str, address: &str) -> String {
    contact_key_with(deployment_key(), store, address)
}

/// `contact_key` under an explicit secret (the migration, before the process's is set).
pub fn contact_key_with(secret: &[u8; 32], store: &str, address: &str) -> String {
    use hmac::{Hmac, Mac};
    #[allow(clippy::expect_used)] // HMAC takes a key of any length.
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("hmac key");
    m.update(b"cartback-contact\0");
    m.update(store.as_bytes());
    m.update(&[0]);
    m.update(address.trim().to_lowercase().as_bytes());
    hex32(&m.finalize().into_bytes())
}

/// The key the first versions derived: SHA-256 of store and address, unkeyed. Only the
/// migration reads it (`migrate_key`).
pub fn legacy_contact_key(store: &str, address: &str) -> String {
    let mut h = Sha256::new();
    h.update(store.as_bytes());
    h.update([0]);
    h.update(address.trim().to_lowercase().as_bytes());
    hex32(&h.finalize())
}

/// For a contact stored under a legacy key: the key it has now, from the address it holds (the
/// phone, else the e-mail, as `cart_contact_key` chose). `None`: not a legacy key of this
/// contact (already migrated, or another kind).
pub fn migrate_key(contact: &Contact, secret: &[u8; 32]) -> Option<String> {
    [&contact.phone, &contact.email].into_iter().flatten().find_map(|a| {
        (legacy_contact_key(&contact.store, a.expose()) == contact.key)
            .then(|| contact_key_with(secret, &contact.store, a.expose()))
    })
}

/// How long the record from a legacy key to the new one is kept: longer than any unsubscribe
/// link in a mailbox is likely to be clicked.
pub const LEGACY_LINK_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(365 * 24);

/// Where an unsubscribe link made for a legacy key finds the contact's key after the migration
/// (a link record pointing at the new key).
pub fn legacy_link(store: &str, legacy_key: &str) -> String {
    format!("legacy-contact:{store}:{legacy_key}")
}

fn hex32(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in &digest[..16] {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}
