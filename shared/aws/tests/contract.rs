//! One contract suite per storage port, written once and run against every adapter: the
//! in-memory store of local mode, the SQLite store of the durable local mode, and the DynamoDB
//! store (over the wire, against moto). So local mode cannot drift from AWS semantics:
//! conditional-write conflicts, all-or-nothing claims, batch reads, links, counters, and timers
//! held until due.
#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

mod moto;

use cartback_core::domain::{Cart, Contact};
use cartback_core::ports::{CartStore, Clock, DeliveryLog, LinkRecord, ShopperRecords, StatsStore, StoreError};
use cartback_local::adapters::clock::VirtualClock;
use cartback_local::adapters::memory_store::MemoryStore;
use jiff::Timestamp;
use jiff::civil::date;
use std::collections::BTreeMap;
use std::sync::Arc;

fn now() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

fn cart(id: &str) -> Cart {
    let mut c = Cart::new("s", id, now(), false);
    std::sync::Arc::make_mut(&mut c.customer).first_name = Some("Kari".into());
    c
}

async fn cart_versions(store: &dyn CartStore) {
    let mut c = cart("c1");
    assert_eq!(store.put_cart(c.clone()).await.unwrap(), 1);
    assert!(matches!(store.put_cart(c.clone()).await, Err(StoreError::Conflict)), "create twice");
    c.version = 1;
    c.next_step = 2;
    assert_eq!(store.put_cart(c.clone()).await.unwrap(), 2);
    assert!(matches!(store.put_cart(c.clone()).await, Err(StoreError::Conflict)), "stale version accepted");
    let got = store.get_cart("s", "c1").await.unwrap().unwrap();
    assert_eq!(got.version, 2);
    assert_eq!(got.next_step, 2);
    assert_eq!(got.customer.first_name.as_deref(), Some("Kari"));
    assert!(store.get_cart("s", "nope").await.unwrap().is_none());
    assert!(store.get_cart("other", "c1").await.unwrap().is_none(), "carts leak across stores");
}

async fn contact_versions(store: &dyn CartStore) {
    let mut k = Contact::new("s", "k1");
    k.opted_out.push(cartback_core::domain::Channel::Sms);
    assert_eq!(store.put_contact(k.clone()).await.unwrap(), 1);
    assert!(matches!(store.put_contact(k.clone()).await, Err(StoreError::Conflict)));
    let got = store.get_contact("s", "k1").await.unwrap().unwrap();
    assert_eq!(got.version, 1);
    assert!(got.is_opted_out(cartback_core::domain::Channel::Sms));
}

async fn claims_are_all_or_nothing(store: &dyn CartStore) {
    let c = cart("c2");
    store.put_cart(c.clone()).await.unwrap();
    let mut c = store.get_cart("s", "c2").await.unwrap().unwrap();
    let k = Contact::new("s", "k2");
    store.put_contact(k.clone()).await.unwrap();
    // The contact changed since it was read: nothing of the claim may land.
    c.next_step = 1;
    let link =
        LinkRecord { token: "AAAAAAAAAAAAAAAAAAAAAA".into(), store: "s".into(), cart: "c2".into(), expires_at: now() };
    // The restore link and a discount code's index, both new with this send.
    let code = LinkRecord { token: "coupon:s:CB-ABCDEFGHJKMN".into(), ..link.clone() };
    let new_records = vec![link.clone(), code.clone()];
    assert!(matches!(store.claim_send(c.clone(), k.clone(), new_records.clone()).await, Err(StoreError::Conflict)));
    assert_eq!(store.get_cart("s", "c2").await.unwrap().unwrap().next_step, 0, "cart written by a failed claim");
    assert!(store.get_link(&link.token).await.unwrap().is_none(), "link written by a failed claim");
    assert!(store.get_link(&code.token).await.unwrap().is_none(), "code index written by a failed claim");
    // With fresh versions it lands whole.
    let mut k = store.get_contact("s", "k2").await.unwrap().unwrap();
    k.recent_sends.push(now());
    assert_eq!(store.claim_send(c.clone(), k.clone(), new_records).await.unwrap(), 2);
    let (got_cart, got_contacts) = store.load_for_send("s", "c2", &["k2"]).await.unwrap();
    assert_eq!(got_cart.unwrap().next_step, 1);
    assert_eq!(got_contacts.iter().map(|k| k.recent_sends.clone()).collect::<Vec<_>>(), [vec![now()]]);
    assert_eq!(store.get_link(&code.token).await.unwrap(), Some(code.clone()));
    assert_eq!(store.get_link(&link.token).await.unwrap(), Some(link));
    // A record written again (an e-mail's alias moving to a newer cart) replaces the old one.
    let (c, mut k) = store.load_for_send("s", "c2", &["k2"]).await.unwrap();
    let alias = LinkRecord { token: "email:0123456789abcdef0123456789abcdef".into(), ..code };
    store.claim_send(c.unwrap(), k.pop().unwrap(), vec![alias.clone()]).await.unwrap();
    let (c, mut k) = store.load_for_send("s", "c2", &["k2"]).await.unwrap();
    let moved = LinkRecord { cart: "c9".into(), ..alias };
    assert_eq!(store.claim_send(c.unwrap(), k.pop().unwrap(), vec![moved.clone()]).await.unwrap(), 4);
    assert_eq!(store.get_link(&moved.token).await.unwrap(), Some(moved));
    let (got_cart, got_contacts) = store.load_for_send("s", "c2", &["missing"]).await.unwrap();
    assert!(got_cart.is_some() && got_contacts.is_empty());
    // Two contacts in the one read (the cart's and the e-mail address's), one of them missing.
    let (_, got_contacts) = store.load_for_send("s", "c2", &["k2", "missing", "k1"]).await.unwrap();
    let mut keys: Vec<&str> = got_contacts.iter().map(|k| k.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["k1", "k2"]);
    let (got_cart, _) = store.load_for_send("s", "missing", &[]).await.unwrap();
    assert!(got_cart.is_none());
}

/// Totals add up over days; each day's series holds its own changes; a read-back counter (the
/// coupon budget's, named by its UTC day) reads back exactly when the store's day is behind.
async fn counters_add_up(stats: &dyn StatsStore) {
    let (d1, d2, d3) = (date(2025, 11, 29), date(2026, 11, 29), date(2026, 11, 30));
    stats.add("s", d1, &[("messages.sent.sms".into(), 5)]).await.unwrap();
    stats.add("s", d2, &[("messages.sent.sms".into(), 1), ("revenue.recovered.EUR".into(), 4200)]).await.unwrap();
    stats.add("s", d3, &[("messages.sent.sms".into(), 2)]).await.unwrap();
    stats.add("s", d3, &[("coupons.issued.2026-12-01".into(), 1)]).await.unwrap();
    stats.add("s", d3, &[("coupons.issued.2026-12-01".into(), 1)]).await.unwrap();
    let got = stats.get("s").await.unwrap();
    assert_eq!(got.get("messages.sent.sms"), Some(&8));
    assert_eq!(got.get("revenue.recovered.EUR"), Some(&4200));
    assert!(stats.get("other").await.unwrap().is_empty());
    let series = stats.series("s", d2, d3).await.unwrap();
    assert_eq!(series.keys().copied().collect::<Vec<_>>(), [d2, d3]);
    assert_eq!(series[&d2], BTreeMap::from([("messages.sent.sms".into(), 1), ("revenue.recovered.EUR".into(), 4200)]));
    assert_eq!(series[&d3], BTreeMap::from([("messages.sent.sms".into(), 2), ("coupons.issued.2026-12-01".into(), 2)]));
    // A year back is still there.
    assert_eq!(stats.series("s", d1, d1).await.unwrap()[&d1]["messages.sent.sms"], 5);
    assert!(stats.series("s", date(2026, 11, 1), date(2026, 11, 28)).await.unwrap().is_empty());
    assert!(stats.series("other", d1, d3).await.unwrap().is_empty());
    assert_eq!(stats.get_one("s", "coupons.issued.2026-12-01").await.unwrap(), 2);
    assert_eq!(stats.get_one("s", "coupons.issued.2026-12-02").await.unwrap(), 0);
    assert_eq!(stats.get_one("s", "messages.sent.sms").await.unwrap(), 8);
}

/// A counter never wraps: a change that would overflow is refused whole, and the counters read
/// back as before (the first round's memory store wrapped to negative revenue, and SQLite's sum
/// became a REAL that made the report fail for good).
async fn counters_refuse_to_overflow(stats: &dyn StatsStore) {
    let day = date(2026, 11, 30);
    stats.add("o", day, &[("revenue.recovered.EUR".into(), i64::MAX - 1)]).await.unwrap();
    let err = stats.add("o", day, &[("clicks".into(), 1), ("revenue.recovered.EUR".into(), 2)]).await.unwrap_err();
    assert!(err.to_string().contains("overflow"), "{err}");
    let got = stats.get("o").await.unwrap();
    assert_eq!(got.get("revenue.recovered.EUR"), Some(&(i64::MAX - 1)));
    assert_eq!(got.get("clicks"), None, "half of a refused change was applied");
    stats.add("o", day, &[("revenue.recovered.EUR".into(), 1)]).await.unwrap();
    assert_eq!(stats.get_one("o", "revenue.recovered.EUR").await.unwrap(), i64::MAX);
}

/// Dead letters of signed events: kept whole, replaced by a replay's update, listed newest
/// first per store, found by id only in their own store.
async fn dead_letters_are_kept_and_listed(log: &dyn DeliveryLog) {
    use cartback_core::outbound::{DeliveryRecord, DeliveryState, EventType};
    let record = |id: &str, store: &str, minutes: i64| DeliveryRecord {
        id: id.into(),
        event_id: format!("evt_{id}"),
        store: store.into(),
        url: "https://hooks.example/x".into(),
        kind: EventType::CartRecovered,
        body: r#"{"type":"cart.recovered","data":{"total_minor":69980}}"#.into(),
        attempts: 3,
        last_error: "HTTP 500 after 3 tries".into(),
        state: DeliveryState::Failed,
        target: Default::default(),
        retries: 10,
        next_attempt_at: None,
        first_failed_at: now(),
        updated_at: now() + jiff::SignedDuration::from_mins(minutes),
        expires_at: now() + jiff::SignedDuration::from_hours(24 * 30),
    };
    log.put_delivery(&record("a", "s", 1)).await.unwrap();
    log.put_delivery(&record("b", "s", 2)).await.unwrap();
    log.put_delivery(&record("c", "other", 3)).await.unwrap();
    assert_eq!(log.get_delivery("s", "a").await.unwrap(), Some(record("a", "s", 1)));
    assert_eq!(log.get_delivery("s", "c").await.unwrap(), None, "another store's");
    let ids = |v: Vec<DeliveryRecord>| v.into_iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!(ids(log.list_deliveries("s").await.unwrap()), ["b", "a"]);
    let mut replayed = record("a", "s", 5);
    replayed.state = DeliveryState::Replayed;
    replayed.attempts = 4;
    log.put_delivery(&replayed).await.unwrap();
    assert_eq!(log.get_delivery("s", "a").await.unwrap(), Some(replayed));
    assert_eq!(ids(log.list_deliveries("s").await.unwrap()), ["a", "b"]);
    assert!(log.list_deliveries("nobody").await.unwrap().is_empty());
    // Only what is still on its retry schedule is retrying, and only in its own store.
    assert!(log.retrying_deliveries("s").await.unwrap().is_empty());
    let mut waiting = record("d", "s", 6);
    waiting.state = DeliveryState::Retrying;
    waiting.retries = 2;
    waiting.next_attempt_at = Some(now() + jiff::SignedDuration::from_mins(15));
    log.put_delivery(&waiting).await.unwrap();
    assert_eq!(log.retrying_deliveries("s").await.unwrap(), vec![waiting.clone()]);
    assert!(log.retrying_deliveries("other").await.unwrap().is_empty());
    assert_eq!(log.get_delivery("s", "d").await.unwrap(), Some(waiting));
}

/// An engine over `store` for its carts, contacts, links, conversations and the shopper-records
/// port (the rest in memory): what data rights use.
fn rights_engine<S: CartStore + ShopperRecords + 'static>(store: Arc<S>) -> cartback_core::app::Engine {
    use cartback_local::adapters::console::MemoryAlerts;
    use cartback_local::adapters::memory_queues::MemoryTimerQueue;
    cartback_core::app::Engine::new(cartback_core::app::Ports {
        catalogues: Arc::new(MemoryStore::new()),
        product_pages: Arc::new(cartback_core::ports::NoProductPages),
        hooks: Arc::new(cartback_local::adapters::memory_store::MemoryStore::new()),
        config: Arc::new(cartback_core::config::demo_config()),
        carts: store.clone(),
        records: store,
        stats: Arc::new(MemoryStore::new()),
        timers: Arc::new(MemoryTimerQueue::default()),
        channels: std::collections::HashMap::new(),
        alerts: Arc::new(MemoryAlerts::new(false)),
        events_out: Arc::new(cartback_core::ports::NoEventsOut),
        clock: Arc::new(VirtualClock::new(now())),
        random: Arc::new(cartback_core::system::OsRandom),
        stats_buffer: Default::default(),
        reader: std::sync::Arc::new(cartback_core::ports::NoReader),
    })
}

/// Export finds a shopper's carts (by either address, and by the customer id those carts carry),
/// contacts, conversations and links; erasure leaves nothing of them but a suppression record
/// for the contact that opted out (a keyed hash and the refused channel), and no other
/// shopper's record is touched. A second erasure changes nothing.
async fn erasure_leaves_only_the_suppression_record<S: CartStore + ShopperRecords + DeliveryLog + 'static>(
    store: Arc<S>,
) {
    use cartback_core::domain::contact::contact_key;
    use cartback_core::domain::link_key::{coupon, customer_alias, email_alias};
    use cartback_core::domain::pii::Pii;
    use cartback_core::domain::{Channel, Conversation, ConversationStatus, Reason};
    use cartback_core::shopper_data::ShopperQuery;
    let demo = cartback_core::config::demo_config();
    let cfg = demo.store("demo").unwrap().clone();
    let (phone, email) = ("+4791234567", "kari@example.com");
    let shopper = |id: &str, phone: Option<&str>, email: Option<&str>, customer: Option<&str>| {
        let mut c = Cart::new("demo", id, now(), false);
        let cu = Arc::make_mut(&mut c.customer);
        cu.phone = phone.map(Pii::new);
        cu.email = email.map(Pii::new);
        cu.id = customer.map(Into::into);
        c
    };
    let mut a = shopper("ca", Some(phone), Some(email), Some("cust_1"));
    a.link_token = Some("AAAAAAAAAAAAAAAAAAAAAA".into());
    store.put_cart(a).await.unwrap();
    store.put_cart(shopper("cb", None, Some("Kari@Example.com"), None)).await.unwrap();
    store.put_cart(shopper("cc", None, None, Some("cust_1"))).await.unwrap();
    store.put_cart(shopper("other", Some("+4798765432"), Some("ola@example.com"), Some("cust_2"))).await.unwrap();
    let link = |token: String, cart: &str| LinkRecord {
        token,
        store: "demo".into(),
        cart: cart.into(),
        expires_at: now() + jiff::SignedDuration::from_hours(240),
    };
    for l in [
        link("AAAAAAAAAAAAAAAAAAAAAA".into(), "ca"),
        link(email_alias("demo", email), "ca"),
        link(customer_alias("demo", "cust_1"), "ca"),
        link(coupon("demo", "CB-OTHER"), "other"),
        link("BBBBBBBBBBBBBBBBBBBBBB".into(), "other"),
    ] {
        store.put_link(&l).await.unwrap();
    }
    let key = contact_key("demo", phone);
    let mut k = Contact::new("demo", &key);
    k.phone = Some(Pii::new(phone));
    k.email = Some(Pii::new(email));
    k.latest_cart = Some("ca".into());
    k.opt_out(Channel::Sms);
    k.log_consent(now(), Channel::Sms, false, "reply", "SM1");
    store.put_contact(k).await.unwrap();
    let mut mail = Contact::new("demo", &contact_key("demo", email));
    mail.email = Some(Pii::new(email));
    store.put_contact(mail).await.unwrap();
    let other_key = contact_key("demo", "+4798765432");
    store.put_contact(Contact::new("demo", &other_key)).await.unwrap();
    let conversation = |id: &str, contact: &str| Conversation {
        store: "demo".into(),
        id: id.into(),
        version: 0,
        contact: contact.into(),
        to: Pii::new(phone),
        channel: Channel::Sms,
        cart: Some("ca".into()),
        status: ConversationStatus::Open,
        reason: Reason::ProductQuestion,
        guess: String::new(),
        confidence: 0.5,
        handoff_rule: "asked_for_person".into(),
        opened_at: now(),
        updated_at: now(),
        expires_at: now() + jiff::SignedDuration::from_hours(24),
        messages: Vec::new(),
        trimmed: 0,
    };
    // The shopper's transcript is the oldest: a listing's newest `LIST_MAX` leave it out, the
    // export and the erasure must not.
    let mut old = conversation("conv1", &key);
    old.updated_at = now() - jiff::SignedDuration::from_hours(1);
    store.put_conversation(old).await.unwrap();
    store.put_conversation(conversation("conv2", &other_key)).await.unwrap();
    for i in 0..cartback_core::domain::conversation::LIST_MAX {
        store.put_conversation(conversation(&format!("newer{i}"), &other_key)).await.unwrap();
    }
    {
        use cartback_core::domain::conversation::{Cursor, LIST_MAX, ListQuery};
        let query = |status, before| ListQuery { status, now: now(), before };
        let first = store.list_conversations("demo", &query(None, None)).await.unwrap();
        assert_eq!(first.len(), LIST_MAX + 1, "a page and one more");
        assert!(!first.iter().any(|c| c.id == "conv1"));
        // Walked page by page, every conversation comes once, newest first, ties (200 of them
        // share one update time) in id order: the oldest last.
        let (mut seen, mut before) = (Vec::new(), None);
        loop {
            let mut page = store.list_conversations("demo", &query(None, before.clone())).await.unwrap();
            let more = page.len() > LIST_MAX;
            page.truncate(LIST_MAX);
            before = page.last().map(Cursor::of);
            seen.extend(page.into_iter().map(|c| c.id));
            if !more {
                break;
            }
        }
        assert_eq!(seen.len(), LIST_MAX + 2);
        assert_eq!(seen.iter().collect::<std::collections::BTreeSet<_>>().len(), LIST_MAX + 2);
        assert_eq!(seen.last().map(String::as_str), Some("conv1"));
        let closed = query(Some(ConversationStatus::Closed), None);
        assert!(store.list_conversations("demo", &closed).await.unwrap().is_empty());
    }

    // A hand-off to the alert_webhook kept for its retries names the shopper's conversation and
    // holds the reply; another shopper's names theirs.
    let handoff = |id: &str, conversation: &str| {
        let mut d = cartback_channels::event_webhooks::retrying(
            id.to_string(),
            &format!("msg_{id}"),
            "demo",
            ("https://hooks.example/alerts", cartback_core::outbound::Target::Alert),
            cartback_core::outbound::EventType::ConversationHandoff,
            format!(
                r#"{{"type":"conversation.handoff","data":{{"conversation_id":"{conversation}","text":"call me please"}}}}"#
            ),
            cartback_channels::signed_post::Failure {
                why: "HTTP 503 after 3 tries".into(),
                attempts: 3,
                retryable: true,
                gone: false,
            },
            now(),
        );
        d.state = cartback_core::outbound::DeliveryState::Retrying;
        d
    };
    store.put_delivery(&handoff("dlv_mine_alert", "conv1")).await.unwrap();
    store.put_delivery(&handoff("dlv_theirs_alert", "conv2")).await.unwrap();

    let engine = rights_engine(store.clone());
    let q = ShopperQuery { email: Some(email.into()), phone: None };
    let found = engine.rights.find_shopper(&cfg, &q).await.unwrap().unwrap();
    let mut carts: Vec<_> = found.carts.iter().map(|c| c.id.as_str()).collect();
    carts.sort_unstable();
    assert_eq!(carts, ["ca", "cb", "cc"], "by e-mail (any case), then by the customer id");
    assert_eq!(found.contacts.len(), 2);
    assert_eq!(found.conversations.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["conv1"]);
    assert_eq!(found.links.len(), 3);
    assert_eq!(found.deliveries.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["dlv_mine_alert"]);

    let report = engine.rights.erase_shopper(&cfg, &q).await.unwrap().unwrap();
    assert_eq!(
        (report.carts, report.contacts, report.conversations, report.links, report.suppression_records),
        (3, 2, 1, 3, 1)
    );
    assert_eq!(report.deliveries, 1);
    assert!(store.get_delivery("demo", "dlv_mine_alert").await.unwrap().is_none(), "the shopper's reply was kept");
    assert!(store.get_delivery("demo", "dlv_theirs_alert").await.unwrap().is_some());
    let left: Vec<String> =
        store.carts_where("demo", &|_: &Cart| true).await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(left, ["other"]);
    let kept = store.get_contact("demo", &key).await.unwrap().unwrap();
    assert_eq!((kept.phone.clone(), kept.email.clone(), kept.latest_cart.clone()), (None, None, None));
    assert!(kept.is_opted_out(Channel::Sms) && !kept.is_opted_out(Channel::Email));
    assert_eq!(kept.consent_log.len(), 1);
    assert!(store.get_contact("demo", &contact_key("demo", email)).await.unwrap().is_none());
    assert!(store.get_contact("demo", &other_key).await.unwrap().is_some());
    for t in ["AAAAAAAAAAAAAAAAAAAAAA".to_string(), email_alias("demo", email), customer_alias("demo", "cust_1")] {
        assert!(store.get_link(&t).await.unwrap().is_none(), "{t} left");
    }
    assert!(store.get_link("BBBBBBBBBBBBBBBBBBBBBB").await.unwrap().is_some());
    assert!(store.get_conversation("demo", "conv1").await.unwrap().is_none());
    assert!(store.get_conversation("demo", "conv2").await.unwrap().is_some());
    // What an export finds now: the suppression record, nothing else.
    let again = engine
        .rights
        .find_shopper(&cfg, &ShopperQuery { email: Some(email.into()), phone: Some(phone.into()) })
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.carts.len(), again.conversations.len(), again.links.len()), (0, 0, 0));
    assert_eq!(again.contacts, vec![kept.clone()]);
    let twice = engine
        .rights
        .erase_shopper(&cfg, &ShopperQuery { email: None, phone: Some(phone.into()) })
        .await
        .unwrap()
        .unwrap();
    assert_eq!((twice.carts, twice.contacts, twice.suppression_records), (0, 0, 1));
    assert_eq!(store.get_contact("demo", &key).await.unwrap().unwrap(), kept, "unchanged");
}

/// Identity is only what was proven (issue #28): a snippet cart (`web-`, written with the public
/// key) that puts an attacker's e-mail beside a victim's phone joins nothing. Export by the
/// attacker's address finds that cart with the phone withheld, and neither the victim's contact,
/// transcript nor proven cart; erasure by it removes the attacker's address from that cart and
/// touches nothing of the victim's. Returns the texts that must be gone from the storage.
async fn snippet_carts_join_nothing<S: CartStore + ShopperRecords + 'static>(store: Arc<S>) -> Vec<String> {
    use cartback_core::domain::contact::contact_key;
    use cartback_core::domain::pii::Pii;
    use cartback_core::domain::{Channel, Conversation, ConversationStatus, Reason};
    use cartback_core::shopper_data::ShopperQuery;
    let demo = cartback_core::config::demo_config();
    let cfg = demo.store("demo").unwrap().clone();
    let (victim_phone, victim_email, attacker) = ("+4791112233", "victim@example.com", "mallory@evil.example");
    let cart = |id: &str, phone: Option<&str>, email: Option<&str>| {
        let mut c = Cart::new("demo", id, now(), false);
        let cu = Arc::make_mut(&mut c.customer);
        cu.phone = phone.map(Pii::new);
        cu.email = email.map(Pii::new);
        cu.first_name = Some("Kari".into());
        c
    };
    store.put_cart(cart("shopify-1", Some(victim_phone), Some(victim_email))).await.unwrap();
    store.put_cart(cart("web-0123456789abcdef01", Some(victim_phone), Some(attacker))).await.unwrap();
    store.put_cart(cart("web-attackeronly000001", None, Some(attacker))).await.unwrap();
    let vkey = contact_key("demo", victim_phone);
    let mut v = Contact::new("demo", &vkey);
    v.phone = Some(Pii::new(victim_phone));
    store.put_contact(v).await.unwrap();
    let transcript = "deliver to Storgata 1, 0155 Oslo";
    let conv = Conversation {
        store: "demo".into(),
        id: "conv-victim".into(),
        version: 0,
        contact: vkey.clone(),
        to: Pii::new(victim_phone),
        channel: Channel::Sms,
        cart: Some("shopify-1".into()),
        status: ConversationStatus::Open,
        reason: Reason::ProductQuestion,
        guess: String::new(),
        confidence: 0.5,
        handoff_rule: "asked_for_person".into(),
        opened_at: now(),
        updated_at: now(),
        expires_at: now() + jiff::SignedDuration::from_hours(24),
        messages: vec![cartback_core::domain::conversation::Entry {
            at: now(),
            author: cartback_core::domain::conversation::Author::Shopper,
            text: Pii::new(transcript),
            status: None,
            ref_id: Some("SM1".into()),
            reading: None,
        }],
        trimmed: 0,
    };
    store.put_conversation(conv).await.unwrap();

    let engine = rights_engine(store.clone());
    let q = ShopperQuery { email: Some(attacker.into()), phone: None };
    let found = engine.rights.find_shopper(&cfg, &q).await.unwrap().unwrap();
    let mut ids: Vec<&str> = found.carts.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["web-0123456789abcdef01", "web-attackeronly000001"]);
    let joined = found.carts.iter().find(|c| c.id == "web-0123456789abcdef01").unwrap();
    assert_eq!(joined.customer.phone, None, "the victim's phone is withheld");
    assert!(found.contacts.is_empty() && found.conversations.is_empty(), "{:?}", found.contacts);
    assert!(
        found.matched.iter().all(|m| m.record == "cart" && m.why.contains("public snippet key")),
        "{:?}",
        found.matched
    );
    let json = serde_json::to_string(&found).unwrap();
    assert!(!json.contains(victim_phone) && !json.contains(transcript) && !json.contains(victim_email), "{json}");

    let report = engine.rights.erase_shopper(&cfg, &q).await.unwrap().unwrap();
    assert_eq!((report.carts, report.carts_stripped, report.contacts, report.conversations), (1, 1, 0, 0));
    let kept = store.get_cart("demo", "web-0123456789abcdef01").await.unwrap().unwrap();
    assert_eq!(kept.customer.phone.as_ref().map(Pii::expose), Some(victim_phone));
    assert_eq!(kept.customer.email, None, "the attacker's address is gone from it");
    assert!(store.get_cart("demo", "web-attackeronly000001").await.unwrap().is_none());
    assert!(store.get_cart("demo", "shopify-1").await.unwrap().is_some());
    assert!(store.get_contact("demo", &vkey).await.unwrap().is_some());
    assert!(store.get_conversation("demo", "conv-victim").await.unwrap().is_some());

    // The victim, asked about by their own phone: their proven cart, its e-mail, their contact
    // and transcript, and the snippet cart with the phone (nothing else on it now).
    let theirs = ShopperQuery { email: None, phone: Some(victim_phone.into()) };
    let found = engine.rights.find_shopper(&cfg, &theirs).await.unwrap().unwrap();
    assert_eq!(found.carts.len(), 2);
    assert_eq!(found.conversations.len(), 1);
    let report = engine.rights.erase_shopper(&cfg, &theirs).await.unwrap().unwrap();
    assert_eq!((report.carts, report.carts_stripped, report.conversations), (2, 0, 1));
    assert!(store.carts_where("demo", &|_: &Cart| true).await.unwrap().is_empty());
    vec![victim_phone.into(), victim_email.into(), attacker.into(), transcript.into()]
}

fn catalogue(store: &str, products: usize, fetched_at: Timestamp) -> cartback_core::domain::catalogue::Catalogue {
    use cartback_core::domain::catalogue::{Catalogue, Facts, Product, Variant};
    let products = (0..products)
        .map(|i| Product {
            id: i.to_string(),
            handle: format!("product-{i}"),
            title: format!("Product {i} with a title long enough to fill the parts"),
            product_type: "Things".into(),
            tags: vec!["a".into()],
            collections: vec!["things".into()],
            goes_with: vec![((i + 1) % products).to_string()],
            url: Some(format!("https://shop.example/products/product-{i}")),
            options: vec!["Size".into(), "Color".into()],
            facts: Facts { material: Some("100% organic cotton, knitted in Portugal".into()), ..Facts::default() },
            variants: ["S", "M", "L"]
                .iter()
                .enumerate()
                .map(|(j, size)| Variant {
                    id: format!("{i}{j}"),
                    sku: format!("SKU-{i}-{size}"),
                    title: format!("{size} / Navy"),
                    options: vec![size.to_string(), "Navy".into()],
                    price_minor: 1990 + j as i64,
                    available: j != 1,
                })
                .collect(),
        })
        .collect();
    Catalogue {
        store: store.into(),
        version: 0,
        source: "feed_json".into(),
        fetched_at,
        currency: cartback_core::domain::money::Currency::parse("EUR").unwrap(),
        products,
    }
}

/// A catalogue is replaced whole: a large one (several DynamoDB parts) read back as written,
/// a smaller one after it read back without a trace of the first, another store's untouched.
async fn catalogues_are_replaced_whole(store: &dyn cartback_core::ports::CatalogueStore) {
    use cartback_core::ports::StoreError;
    assert_eq!(store.get_catalogue("s").await.unwrap(), None);
    assert_eq!(store.catalogue_head("s").await.unwrap(), None);
    let big = catalogue("s", 2_500, now());
    assert!(serde_json::to_vec(&big).unwrap().len() > 2 * cartback_aws::catalogue_items::PART_BYTES);
    assert_eq!(store.put_catalogue(&big).await.unwrap(), 1);
    store.put_catalogue(&catalogue("other", 3, now())).await.unwrap();
    let read = store.get_catalogue("s").await.unwrap().unwrap();
    assert_eq!((read.version, &read.products), (1, &big.products));
    // Written on a version that is no longer the stored one: a conflict, nothing changes.
    let later = now() + jiff::SignedDuration::from_hours(6);
    let mut small = catalogue("s", 2, later);
    assert!(matches!(store.put_catalogue(&small).await, Err(StoreError::Conflict)));
    assert_eq!(store.get_catalogue("s").await.unwrap().unwrap().products.len(), 2_500);
    small.version = 1;
    assert_eq!(store.put_catalogue(&small).await.unwrap(), 2);
    let read = store.get_catalogue("s").await.unwrap().unwrap();
    assert_eq!((read.version, &read.products, read.fetched_at), (2, &small.products, later));
    let head = store.catalogue_head("s").await.unwrap().unwrap();
    assert_eq!((head.version, head.fetched_at), (2, later));
    assert_eq!(store.get_catalogue("other").await.unwrap().map(|c| c.products.len()), Some(3));
}

/// REST hook subscriptions: put, listed oldest first per store, replaced by id, deleted once.
async fn hooks_are_kept_per_store(store: &dyn cartback_core::ports::HookStore) {
    use cartback_core::outbound::EventType;
    use cartback_core::outbound::hooks::HookSubscription;
    let hook = |store: &str, id: &str, minutes: i64| HookSubscription {
        id: id.into(),
        store: store.into(),
        target_url: format!("https://hooks.zapier.example/{id}"),
        events: vec![EventType::CartAbandoned, EventType::CartRecovered],
        created_at: now() + jiff::SignedDuration::from_mins(minutes),
    };
    assert!(store.list_hooks("s").await.unwrap().is_empty());
    store.put_hook(&hook("s", "hk_b", 2)).await.unwrap();
    store.put_hook(&hook("s", "hk_a", 1)).await.unwrap();
    store.put_hook(&hook("other", "hk_c", 0)).await.unwrap();
    let ids = |l: Vec<HookSubscription>| l.into_iter().map(|h| h.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_hooks("s").await.unwrap()), ["hk_a", "hk_b"]);
    let mut changed = hook("s", "hk_a", 1);
    changed.events = vec![EventType::ContactOptedOut];
    store.put_hook(&changed).await.unwrap();
    let listed = store.list_hooks("s").await.unwrap();
    assert_eq!((listed.len(), &listed[0]), (2, &changed));
    assert!(store.delete_hook("s", "hk_a").await.unwrap());
    assert!(!store.delete_hook("s", "hk_a").await.unwrap());
    assert!(!store.delete_hook("s", "hk_c").await.unwrap(), "another store's id");
    assert_eq!(ids(store.list_hooks("s").await.unwrap()), ["hk_b"]);
    assert_eq!(ids(store.list_hooks("other").await.unwrap()), ["hk_c"]);
}

#[tokio::test]
async fn memory_store_honours_the_contract() {
    let m = MemoryStore::new();
    cart_versions(&m).await;
    contact_versions(&m).await;
    claims_are_all_or_nothing(&m).await;
    counters_add_up(&m).await;
    counters_refuse_to_overflow(&m).await;
    dead_letters_are_kept_and_listed(&m).await;
    erasure_leaves_only_the_suppression_record(Arc::new(MemoryStore::new())).await;
    snippet_carts_join_nothing(Arc::new(MemoryStore::new())).await;
    catalogues_are_replaced_whole(&m).await;
    hooks_are_kept_per_store(&m).await;
    // The engine reads catalogues through its cache: the same contract holds through it.
    catalogues_are_replaced_whole(&cartback_core::catalogue::cache::CachedCatalogues::new(
        Arc::new(MemoryStore::new()),
    ))
    .await;
}

/// A fresh SQLite database in its own temporary directory (removed when dropped).
struct TempDb {
    dir: std::path::PathBuf,
    db: cartback_sqlite::Database,
}

impl TempDb {
    fn new(name: &str) -> TempDb {
        let dir = std::env::temp_dir().join(format!("cartback-contract-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = cartback_sqlite::Database::open(&dir, cartback_sqlite::Sync::Normal).unwrap();
        TempDb { dir, db }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn sqlite_store_honours_the_contract() {
    let t = TempDb::new("store");
    let s = cartback_sqlite::SqliteStore::new(t.db.clone());
    cart_versions(&s).await;
    contact_versions(&s).await;
    claims_are_all_or_nothing(&s).await;
    counters_add_up(&s).await;
    counters_refuse_to_overflow(&s).await;
    dead_letters_are_kept_and_listed(&s).await;
    catalogues_are_replaced_whole(&s).await;
    hooks_are_kept_per_store(&s).await;
    let t2 = TempDb::new("erasure");
    erasure_leaves_only_the_suppression_record(Arc::new(cartback_sqlite::SqliteStore::new(t2.db.clone()))).await;
    // The files themselves, read byte by byte after the erasure: no trace of what was erased,
    // in the database or its write-ahead log.
    let t3 = TempDb::new("snippet");
    let gone = snippet_carts_join_nothing(Arc::new(cartback_sqlite::SqliteStore::new(t3.db.clone()))).await;
    for entry in std::fs::read_dir(&t3.dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for text in &gone {
            let found = bytes.windows(text.len()).any(|w| w == text.as_bytes());
            assert!(!found, "{text:?} still readable in {}", path.display());
        }
    }
}

#[tokio::test]
async fn dynamodb_store_honours_the_contract() {
    let Some(env) = moto::Env::new("contract").await else { return };
    let clock: Arc<dyn Clock> = Arc::new(VirtualClock::new(now()));
    let d = env.store(clock);
    cart_versions(&d).await;
    contact_versions(&d).await;
    claims_are_all_or_nothing(&d).await;
    counters_add_up(&d).await;
    dead_letters_are_kept_and_listed(&d).await;
    hooks_are_kept_per_store(&d).await;
    catalogues_are_replaced_whole(&d).await;
    // The first generation's parts are gone: the head and the small catalogue's one part.
    let items = env.dynamo.scan().table_name(&env.table).send().await.unwrap().items.unwrap_or_default();
    let parts = items
        .iter()
        .filter(|i| i.get("pk").and_then(|v| v.as_s().ok()).is_some_and(|pk| pk == "STORE#s#CATALOGUE"))
        .count();
    assert_eq!(parts, 2, "head and one part");
    let env = moto::Env::new("erasure").await.unwrap();
    erasure_leaves_only_the_suppression_record(Arc::new(env.store(Arc::new(VirtualClock::new(now()))))).await;
    let env = moto::Env::new("snippet").await.unwrap();
    let gone = snippet_carts_join_nothing(Arc::new(env.store(Arc::new(VirtualClock::new(now()))))).await;
    // Every item left in the table (and so every index copy), its bodies inflated: no trace.
    let items = env.dynamo.scan().table_name(&env.table).send().await.unwrap().items.unwrap_or_default();
    for item in &items {
        let text = format!("{item:?}")
            + &item.values().filter_map(|v| v.as_b().ok()).map(|b| inflated(b.as_ref())).collect::<String>();
        for g in &gone {
            assert!(!text.contains(g.as_str()), "{g:?} still in an item: {text}");
        }
    }
}

/// A body as stored, inflated when it is deflated (else as text).
fn inflated(b: &[u8]) -> String {
    use std::io::Read;
    let mut out = String::new();
    if flate2::read::DeflateDecoder::new(b).read_to_string(&mut out).is_err() {
        out = String::from_utf8_lossy(b).into_owned();
    }
    out
}

/// Bodies are stored deflated (a new cart to two thirds of its JSON, a long one to a third); a cart an earlier
/// version wrote with a JSON string body still reads.
#[tokio::test]
async fn dynamodb_bodies_are_compressed_and_old_ones_still_read() {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    use cartback_core::ports::CartStore;
    let Some(env) = moto::Env::new("bodies").await else { return };
    let clock: Arc<dyn Clock> = Arc::new(VirtualClock::new(now()));
    let d = env.store(clock);
    let mut cart = cartback_core::domain::samples::cart("nb");
    cart.store = "b".into();
    d.put_cart(cart.clone()).await.unwrap();
    let key = std::collections::HashMap::from([
        ("pk".to_string(), A::S(cartback_aws::table::cart_pk("b", &cart.id))),
        ("sk".to_string(), A::S(cartback_aws::table::SK_CART.into())),
    ]);
    let item =
        env.dynamo.get_item().table_name(&env.table).set_key(Some(key.clone())).send().await.unwrap().item.unwrap();
    let json = serde_json::to_string(&cart).unwrap();
    let Some(A::B(stored)) = item.get("body") else { panic!("body is not binary: {item:?}") };
    assert!(stored.as_ref().len() * 3 < json.len() * 2, "{} bytes for {} of JSON", stored.as_ref().len(), json.len());
    let mut old = item.clone();
    old.insert("body".into(), A::S(json));
    env.dynamo.put_item().table_name(&env.table).set_item(Some(old)).send().await.unwrap();
    let read = d.get_cart("b", &cart.id).await.unwrap().unwrap();
    assert_eq!((read.id, read.items.len()), (cart.id.clone(), cart.items.len()));
}

/// No hot key: a store's statistics are spread over shard items, and a read sums them all,
/// the single item earlier versions wrote included.
#[tokio::test]
async fn dynamodb_statistics_are_sharded_and_summed() {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    let Some(env) = moto::Env::new("stats-shards").await else { return };
    let clock: Arc<dyn Clock> = Arc::new(VirtualClock::new(now()));
    let d = env.store(clock).with_stats_shards(4);
    for _ in 0..20 {
        d.add("s", date(2026, 11, 30), &[("messages.sent.sms".into(), 1)]).await.unwrap();
    }
    // The single item of the first versions and a shard of the last one: still summed.
    for (sk, n) in [("TOTAL", "100"), ("TOTAL#2", "1000")] {
        let legacy = std::collections::HashMap::from([
            ("pk".to_string(), A::S("STORE#s#STATS".into())),
            ("sk".to_string(), A::S(sk.into())),
            ("c.messages.sent.sms".to_string(), A::N(n.into())),
        ]);
        env.dynamo.put_item().table_name(&env.table).set_item(Some(legacy)).send().await.unwrap();
    }
    assert_eq!(d.get_one("s", "messages.sent.sms").await.unwrap(), 1120);
    assert_eq!(
        d.series("s", date(2026, 11, 30), date(2026, 11, 30)).await.unwrap()[&date(2026, 11, 30)]["messages.sent.sms"],
        20
    );
    let items = env
        .dynamo
        .query()
        .table_name(&env.table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", A::S("STORE#s#STATS".into()))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    assert_eq!(items.len(), 6, "four shards of the day and the two legacy items");
    for item in items
        .iter()
        .filter(|i| i.get("sk").and_then(|s| s.as_s().ok()).is_some_and(|s| s.starts_with("TOTAL#DAY#2026-11-30#")))
    {
        assert_eq!(item.get("c.messages.sent.sms").and_then(|n| n.as_n().ok()).map(String::as_str), Some("5"));
    }
}

#[tokio::test]
async fn dynamodb_items_carry_ttl_and_only_live_long_timers_are_indexed() {
    let Some(env) = moto::Env::new("ttl").await else { return };
    let clock = Arc::new(VirtualClock::new(now()));
    let d = env.store(clock.clone());
    let raw = |pk: &str, sk: &str| {
        env.dynamo
            .get_item()
            .table_name(&env.table)
            .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk.into()))
            .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(sk.into()))
            .send()
    };
    let mut c = cart("t1");
    c.arm_timer(now() + jiff::SignedDuration::from_mins(30));
    d.put_cart(c.clone()).await.unwrap();
    let item = raw("STORE#s#CART#t1", "CART").await.unwrap().item.unwrap();
    let ttl: i64 = item["ttl"].as_n().unwrap().parse().unwrap();
    assert!(ttl > now().as_second() + 86_400 * 90, "cart TTL too short: {ttl}");
    let bucket = (now() + jiff::SignedDuration::from_mins(30)).as_second() / 60;
    assert!(item["tb"].as_s().unwrap().starts_with(&format!("{bucket}#")), "long timer not indexed");
    // A timer SQS can hold itself is not indexed; neither is a cart without a timer.
    let mut c = d.get_cart("s", "t1").await.unwrap().unwrap();
    c.arm_timer(now() + jiff::SignedDuration::from_mins(10));
    d.put_cart(c.clone()).await.unwrap();
    assert!(!raw("STORE#s#CART#t1", "CART").await.unwrap().item.unwrap().contains_key("tb"));
    let link =
        LinkRecord { token: "BBBBBBBBBBBBBBBBBBBBBB".into(), store: "s".into(), cart: "t1".into(), expires_at: now() };
    d.put_link(&link).await.unwrap();
    let item = raw("LINK#BBBBBBBBBBBBBBBBBBBBBB", "LINK").await.unwrap().item.unwrap();
    assert_eq!(item["ttl"].as_n().unwrap(), &now().as_second().to_string());
}

fn timer(seq: u64) -> cartback_core::ports::TimerMsg {
    cartback_core::ports::TimerMsg {
        v: 1,
        store: "s".into(),
        cart: "c".into(),
        seq,
        contact: Some("k".into()),
        due: None,
    }
}

#[tokio::test]
async fn memory_timer_queue_holds_each_timer_until_due() {
    use cartback_core::ports::TimerQueue;
    use cartback_local::adapters::memory_queues::MemoryTimerQueue;
    let q = MemoryTimerQueue::default();
    q.schedule(&timer(1), now() + jiff::SignedDuration::from_secs(2), now()).await.unwrap();
    assert!(q.0.pop_due(now()).is_none(), "delivered before its delay");
    let d = q.0.pop_due(now() + jiff::SignedDuration::from_secs(2)).expect("due");
    assert_eq!(d.msg, timer(1));
    assert!(!d.long);
}

#[tokio::test]
async fn sqlite_timer_queue_holds_each_timer_until_due_and_until_settled() {
    use cartback_core::ports::TimerQueue;
    use cartback_local::{LocalQueue, Settle};
    let dir = std::env::temp_dir().join(format!("cartback-contract-queue-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = cartback_sqlite::Database::open(&dir, cartback_sqlite::Sync::Normal).unwrap();
    let q = cartback_sqlite::SqliteQueue::new(db.clone());
    q.schedule(&timer(1), now() + jiff::SignedDuration::from_secs(2), now()).await.unwrap();
    q.schedule(&timer(2), now() + jiff::SignedDuration::from_secs(901), now()).await.unwrap();
    assert!(q.take_due(now()).is_none(), "delivered before its delay");
    assert_eq!(q.next_due(), Some(now() + jiff::SignedDuration::from_secs(2)), "due time kept to the nanosecond");
    let d = q.take_due(now() + jiff::SignedDuration::from_secs(2)).expect("due");
    assert_eq!((d.msg.clone(), d.attempts, d.long), (timer(1), 0, false));
    assert!(q.take_due(now() + jiff::SignedDuration::from_secs(2)).is_none(), "handed out twice while in flight");
    q.settle(&d, Settle::Retry(now() + jiff::SignedDuration::from_secs(30)));
    let again = q.take_due(now() + jiff::SignedDuration::from_secs(30)).expect("redelivered");
    assert_eq!(again.attempts, 1);
    q.settle(&again, Settle::Done);
    let long = q.take_due(now() + jiff::SignedDuration::from_secs(901)).expect("long timer");
    assert!(long.long);
    // Never settled (the process died): after reopening it is handed out again, one attempt on.
    drop(q);
    drop(db);
    let db = cartback_sqlite::Database::open(&dir, cartback_sqlite::Sync::Normal).unwrap();
    let q = cartback_sqlite::SqliteQueue::new(db);
    let back = q.take_due(now() + jiff::SignedDuration::from_secs(901)).expect("redelivered after a crash");
    assert_eq!((back.msg, back.attempts), (timer(2), 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sqs_timer_queue_honours_delay_and_leaves_long_timers_to_the_sweep() {
    use cartback_core::ports::TimerQueue;
    let Some(env) = moto::Env::new("queue").await else { return };
    let q = env.queue();
    let receive = || async {
        env.sqs
            .receive_message()
            .queue_url(&env.queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default()
    };
    let real_now = Timestamp::now();
    q.schedule(&timer(1), real_now + jiff::SignedDuration::from_secs(2), real_now).await.unwrap();
    q.schedule(&timer(2), real_now + jiff::SignedDuration::from_secs(901), real_now).await.unwrap();
    assert!(receive().await.is_empty(), "visible before its DelaySeconds");
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    let got = receive().await;
    assert_eq!(got.len(), 1, "exactly the short timer; the long one rides on the cart");
    let msg: cartback_core::ports::TimerMsg = serde_json::from_str(got[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(msg, timer(1));
    assert_eq!(
        cartback_aws::sqs::delay_seconds(real_now + jiff::SignedDuration::from_millis(1500), real_now),
        2,
        "rounded up, never early"
    );
}
