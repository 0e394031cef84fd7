//! A shopper's data rights (GDPR Art. 15 and 17, CCPA): everything a store holds about a
//! shopper, found by e-mail or phone, exported as one JSON document, or erased.
//!
//! Identity is only what was proven. Found: every cart naming an address asked about; through
//! the carts written on an authenticated path (the API key, a signed webhook — not the public
//! snippet, whose `web-` carts anyone can write) their other address and the customer id they
//! carry, and that customer id's other proven carts; the contact records keyed by those
//! addresses, the conversations of those contacts, and the link records that point at the carts
//! found. A snippet cart joins nothing: it is found by the address asked about, and shown with
//! any other address on it withheld. The answer lists what was matched and why (`matched`).
//!
//! Erased: all of it — a snippet cart that also names an address not proven to be the
//! shopper's loses only the asked addresses, the rest stays — except a **suppression record** per contact that had opted out: the
//! contact's keyed hash (no address), the channels refused and the opt-outs' evidence (when,
//! source, provider reference) — so a later cart of the same address still gets nothing on
//! those channels. Aggregate counters stay (they hold no personal data). Idempotent: a second
//! erasure finds only the suppression records and leaves them.
//!
//! Not covered here: local mode's outbox and hand-off log (a developer's view of what was sent;
//! start a fresh `--data-dir`), and what providers and the merchant's own endpoints received.

use crate::config::StoreConfig;
use crate::domain::cart::proven;
use crate::domain::contact::contact_key;
use crate::domain::link_key::{coupon, customer_alias, email_alias, legacy_aliases};
use crate::domain::{Cart, Contact, Conversation};
use crate::engine::{EngineError, retry_on_conflict};
use crate::ports::LinkRecord;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Who: at least one of an e-mail and a phone (E.164 or as typed, read like the intake reads it).
#[derive(Debug, Clone, Default)]
pub struct ShopperQuery {
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QueryError {
    #[error("give an email or a phone")]
    Empty,
    #[error("`phone` is not a phone number Cartback could have stored")]
    Phone,
    #[error("`email` is not an e-mail address")]
    Email,
}

/// The addresses to look for, as Cartback stores them.
fn addresses(q: &ShopperQuery) -> Result<(Option<String>, Option<String>), QueryError> {
    let email = match q.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) if e.contains('@') && !e.chars().any(char::is_whitespace) => Some(e.to_ascii_lowercase()),
        Some(_) => return Err(QueryError::Email),
        None => None,
    };
    let phone = match q.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(crate::domain::phone::normalize_phone(p).ok_or(QueryError::Phone)?),
        None => None,
    };
    if email.is_none() && phone.is_none() {
        return Err(QueryError::Empty);
    }
    Ok((email, phone))
}

/// Everything found, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct ShopperExport {
    pub store: String,
    pub generated_at: Timestamp,
    pub contacts: Vec<Contact>,
    pub carts: Vec<Cart>,
    pub conversations: Vec<Conversation>,
    pub links: Vec<LinkRecord>,
    /// Deliveries to the store's endpoints kept for their retries or a replay that name one of
    /// the shopper's carts or conversations (a hand-off's holds the shopper's reply).
    pub deliveries: Vec<crate::outbound::DeliveryRecord>,
    /// Why each record was taken to be the shopper's.
    pub matched: Vec<Matched>,
}

/// One record found, and why it is the shopper's.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Matched {
    /// `cart`, `contact`, `conversation` or `delivery`.
    pub record: &'static str,
    /// The cart or conversation id, the contact's keyed hash.
    pub id: String,
    pub why: String,
}

/// What an erasure did (counts only: the answer holds no personal data).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErasureReport {
    pub carts: usize,
    pub contacts: usize,
    pub conversations: usize,
    pub links: usize,
    /// Deliveries kept for a retry or a replay that named the shopper's carts or conversations.
    pub deliveries: usize,
    /// Contacts kept as a suppression record (keyed hash and refused channels only).
    pub suppression_records: usize,
    /// Snippet carts that also name an address not proven to be this shopper's: only the asked
    /// addresses were removed from them.
    pub carts_stripped: usize,
}

/// A cart's addresses as data rights compare them (e-mail trimmed and lower-cased).
fn cart_addresses(c: &Cart) -> Vec<String> {
    let mut out = Vec::with_capacity(2);
    out.extend(c.customer.email.as_ref().map(|e| e.expose().trim().to_ascii_lowercase()));
    out.extend(c.customer.phone.as_ref().map(|p| p.expose().to_string()));
    out
}

/// Whether `address` is one the export proved the shopper's (an address of a proven cart).
fn found_address(found: &ShopperExport, address: &str) -> bool {
    found.carts.iter().filter(|c| proven(&c.id)).any(|c| cart_addresses(c).iter().any(|a| a == address))
}

/// A contact reduced to what keeps its opt-outs: no address, no history, no cart.
fn suppression(c: &Contact) -> Option<Contact> {
    if c.opted_out.is_empty() {
        return None;
    }
    let mut s = Contact::new(&c.store, &c.key);
    s.version = c.version;
    s.opted_out.clone_from(&c.opted_out);
    // Provider message ids, no personal data: a replayed START stays a duplicate.
    s.consent_replies.clone_from(&c.consent_replies);
    s.stop_sent_at = c.stop_sent_at;
    s.consent_log = c.consent_log.iter().filter(|e| !e.granted && c.opted_out.contains(&e.channel)).cloned().collect();
    Some(s)
}

fn is_suppression_only(c: &Contact) -> bool {
    suppression(c).is_some_and(|s| Contact { version: c.version, ..s } == *c)
}

/// A shopper's data rights: export and erasure. Holds the carts and the shopper-records port.
pub struct Rights {
    pub(crate) k: Arc<crate::engine::Kernel>,
    pub(crate) carts: Arc<dyn crate::ports::CartStore>,
    pub(crate) records: Arc<dyn crate::ports::ShopperRecords>,
}

impl Rights {
    /// Finds everything held about the shopper.
    pub async fn find_shopper(
        &self,
        store: &StoreConfig,
        q: &ShopperQuery,
    ) -> Result<Result<ShopperExport, QueryError>, EngineError> {
        let (email, phone) = match addresses(q) {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
        // One read of the store's carts (a Scan on DynamoDB): those naming an asked address,
        // and every cart with a customer id, narrowed below to the ids proven carts carry.
        let asked: BTreeSet<String> = email.iter().chain(phone.iter()).cloned().collect();
        let asked_ = asked.clone();
        let names = move |c: &Cart| cart_addresses(c).iter().any(|a| asked_.contains(a));
        let names_ = names.clone();
        let candidates =
            self.records.carts_where(&store.id, &move |c: &Cart| names_(c) || c.customer.id.is_some()).await?;
        let ids: BTreeSet<&String> =
            candidates.iter().filter(|c| names(c) && proven(&c.id)).filter_map(|c| c.customer.id.as_ref()).collect();
        let mut matched = Vec::new();
        let mut carts: Vec<Cart> = Vec::new();
        for c in &candidates {
            let why = if names(c) && proven(&c.id) {
                "names an address asked about".to_string()
            } else if names(c) {
                "names an address asked about; written through the public snippet key, so it proves nothing else"
                    .to_string()
            } else if proven(&c.id) && c.customer.id.as_ref().is_some_and(|i| ids.contains(i)) {
                "carries the customer id of a cart found above (written through an authenticated path)".to_string()
            } else {
                continue;
            };
            matched.push(Matched { record: "cart", id: c.id.clone(), why });
            carts.push(c.clone());
        }
        // The addresses proven to be the shopper's: those asked about, and those on proven carts.
        let mut addrs = asked.clone();
        for c in carts.iter().filter(|c| proven(&c.id)) {
            addrs.extend(cart_addresses(c));
        }
        // A snippet cart is shown with what is not proven to be this shopper's withheld.
        for c in carts.iter_mut().filter(|c| !proven(&c.id)) {
            let cu = Arc::make_mut(&mut c.customer);
            if cu.email.as_ref().is_some_and(|e| !addrs.contains(&e.expose().trim().to_ascii_lowercase())) {
                cu.email = None;
            }
            if cu.phone.as_ref().is_some_and(|p| !addrs.contains(p.expose())) {
                cu.phone = None;
                cu.phone_country = None;
            }
        }
        let mut contacts = Vec::new();
        for a in &addrs {
            if let Some(c) = self.carts.get_contact(&store.id, &contact_key(&store.id, a)).await? {
                let why = if asked.contains(a) {
                    "kept under an address asked about"
                } else {
                    "kept under an address of a proven cart found above"
                };
                matched.push(Matched { record: "contact", id: c.key.clone(), why: why.into() });
                contacts.push(c);
            }
        }
        let keys: BTreeSet<&str> = contacts.iter().map(|c| c.key.as_str()).collect();
        // Every conversation kept, not the newest `LIST_MAX` a listing shows: an old transcript
        // is the shopper's data too.
        let conversations: Vec<Conversation> =
            self.records.conversations_where(&store.id, &|c: &Conversation| keys.contains(c.contact.as_str())).await?;
        for c in &conversations {
            matched.push(Matched {
                record: "conversation",
                id: c.id.clone(),
                why: "with a contact found above".into(),
            });
        }
        let mut tokens: BTreeSet<String> = BTreeSet::new();
        for c in &carts {
            tokens.extend(c.link_token.clone());
            tokens.extend(c.sends.iter().filter_map(|s| s.coupon.as_deref()).map(|code| coupon(&store.id, code)));
            let id = c.customer.id.as_deref().filter(|_| proven(&c.id));
            tokens.extend(id.map(|i| customer_alias(&store.id, i)));
            let e = c.customer.email.as_ref().map(|e| e.expose().to_string());
            tokens.extend(e.as_deref().map(|e| email_alias(&store.id, e)));
            tokens.extend(legacy_aliases(&store.id, e.as_deref(), id));
        }
        let cart_ids: BTreeSet<&str> = carts.iter().map(|c| c.id.as_str()).collect();
        let mut links = Vec::new();
        for t in &tokens {
            if let Some(l) = self.carts.get_link(t).await?
                && l.store == store.id
                && cart_ids.contains(l.cart.as_str())
            {
                links.push(l);
            }
        }
        // A delivery's body names the cart (`cart_id`) or the conversation it reports.
        let named = |body: &str, id: &str| body.contains(&format!("\"{id}\""));
        let deliveries: Vec<crate::outbound::DeliveryRecord> = self
            .records
            .all_deliveries(&store.id)
            .await?
            .into_iter()
            .filter(|d| {
                cart_ids.iter().any(|id| named(&d.body, id)) || conversations.iter().any(|c| named(&d.body, &c.id))
            })
            .collect();
        for d in &deliveries {
            matched.push(Matched {
                record: "delivery",
                id: d.id.clone(),
                why: "names a cart or conversation found above".into(),
            });
        }
        Ok(Ok(ShopperExport {
            store: store.id.clone(),
            generated_at: self.k.clock.now(),
            contacts,
            carts,
            conversations,
            links,
            deliveries,
            matched,
        }))
    }

    /// Erases everything `find_shopper` finds, keeping suppression records for opt-outs.
    pub async fn erase_shopper(
        &self,
        store: &StoreConfig,
        q: &ShopperQuery,
    ) -> Result<Result<ErasureReport, QueryError>, EngineError> {
        let found = match self.find_shopper(store, q).await? {
            Ok(f) => f,
            Err(e) => return Ok(Err(e)),
        };
        // Links first, then conversations and carts, contacts last: an erasure cut short leaves
        // the contact (and its opt-outs) to find the rest again.
        for l in &found.links {
            self.records.delete_link(&l.token).await?;
        }
        for d in &found.deliveries {
            self.records.delete_delivery(&store.id, &d.id).await?;
        }
        for c in &found.conversations {
            self.records.delete_conversation(&store.id, &c.id).await?;
        }
        // A snippet cart whose every address is the shopper's goes; one that also names an
        // address not proven theirs loses the asked addresses only (as exported, it had the
        // others withheld: read it again whole).
        let (email, phone) = addresses(q).unwrap_or_default();
        let mut stripped = 0;
        for c in &found.carts {
            if proven(&c.id) {
                self.records.delete_cart(&store.id, &c.id).await?;
                continue;
            }
            let erased = retry_on_conflict!({
                let Some(mut now) = self.carts.get_cart(&store.id, &c.id).await? else { return Ok(true) };
                let everything_theirs = cart_addresses(&now).iter().all(|a| {
                    email.as_deref() == Some(a.as_str())
                        || phone.as_deref() == Some(a.as_str())
                        || found_address(&found, a)
                });
                if everything_theirs {
                    self.records.delete_cart(&store.id, &c.id).await?;
                    return Ok(true);
                }
                let cu = Arc::make_mut(&mut now.customer);
                if cu
                    .email
                    .as_ref()
                    .is_some_and(|e| email.as_deref() == Some(e.expose().trim().to_ascii_lowercase().as_str()))
                {
                    cu.email = None;
                }
                if cu.phone.as_ref().is_some_and(|p| phone.as_deref() == Some(p.expose())) {
                    cu.phone = None;
                    cu.phone_country = None;
                }
                self.carts.put_cart(now).await?;
                Ok(false)
            })?;
            stripped += usize::from(!erased);
        }
        let mut contacts = 0;
        let mut kept = 0;
        for c in &found.contacts {
            if is_suppression_only(c) {
                kept += 1;
                continue;
            }
            contacts += 1;
            let key = c.key.clone();
            let suppressed = retry_on_conflict!({
                let Some(now) = self.carts.get_contact(&store.id, &key).await? else { return Ok(false) };
                match suppression(&now) {
                    Some(s) => {
                        self.carts.put_contact(s).await?;
                        Ok(true)
                    }
                    None => {
                        self.records.delete_contact(&store.id, &key).await?;
                        Ok(false)
                    }
                }
            })?;
            kept += usize::from(suppressed);
        }
        // What a deleted row leaves in the storage's files (SQLite's free pages and write-ahead
        // log) is overwritten now, not at some later checkpoint.
        self.records.scrub().await?;
        let report = ErasureReport {
            carts: found.carts.len() - stripped,
            carts_stripped: stripped,
            contacts,
            conversations: found.conversations.len(),
            links: found.links.len(),
            deliveries: found.deliveries.len(),
            suppression_records: kept,
        };
        tracing::info!(store = %store.id, carts = report.carts, contacts = report.contacts, conversations = report.conversations, links = report.links, suppression_records = report.suppression_records, "shopper erased");
        Ok(Ok(report))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_query_needs_an_address_read_as_stored() {
        let q = |e: Option<&str>, p: Option<&str>| {
            addresses(&ShopperQuery { email: e.map(Into::into), phone: p.map(Into::into) })
        };
        assert_eq!(q(None, None), Err(QueryError::Empty));
        assert_eq!(q(Some(" "), Some("")), Err(QueryError::Empty));
        assert_eq!(q(Some("not an address"), None), Err(QueryError::Email));
        assert_eq!(q(None, Some("12")), Err(QueryError::Phone));
        assert_eq!(
            q(Some(" A@Example.com "), Some("+47 912 34 567")).unwrap(),
            (Some("a@example.com".into()), Some("+4791234567".into()))
        );
    }

    #[test]
    fn a_suppression_record_keeps_only_the_opt_outs() {
        let mut c = Contact::new("s", "k");
        c.phone = Some(crate::domain::pii::Pii::new("+4791234567"));
        c.latest_cart = Some("c1".into());
        assert!(suppression(&c).is_none(), "nothing to keep without an opt-out");
        c.opt_out(crate::domain::Channel::Sms);
        c.log_consent(Timestamp::UNIX_EPOCH, crate::domain::Channel::Sms, false, "reply", "SM1");
        c.log_consent(Timestamp::UNIX_EPOCH, crate::domain::Channel::Email, true, "reply", "SM2");
        let s = suppression(&c).unwrap();
        assert_eq!((s.phone.clone(), s.latest_cart.clone()), (None, None));
        assert_eq!(s.opted_out, vec![crate::domain::Channel::Sms]);
        assert_eq!(s.consent_log.len(), 1);
        assert!(is_suppression_only(&s));
        assert!(!is_suppression_only(&c));
    }
}
