//! Opening a data directory: fresh, reopened, locked by another process, damaged, or written by
//! a newer Cartback. Each failure is a clear error, never a panic.
#![allow(clippy::unwrap_used)]

use cartback_sqlite::{Database, OpenError, Sync};
use std::path::PathBuf;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cartback-open-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn creates_migrates_and_reopens() {
    let d = dir("fresh");
    let db = Database::open(&d, Sync::Full).unwrap();
    assert!(db.path().ends_with("cartback.sqlite3"));
    drop(db);
    Database::open(&d, Sync::Full).unwrap();
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_second_opener_is_refused_while_the_first_holds_it() {
    let d = dir("locked");
    let first = Database::open(&d, Sync::Normal).unwrap();
    let err = Database::open(&d, Sync::Normal).err().unwrap();
    assert!(matches!(err, OpenError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("in use by another process"), "{err}");
    drop(first);
    Database::open(&d, Sync::Normal).unwrap();
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_damaged_file_is_named_not_panicked_on() {
    let d = dir("corrupt");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("cartback.sqlite3"),
        b"this is not a database, just some bytes that are long enough".repeat(100),
    )
    .unwrap();
    let err = Database::open(&d, Sync::Normal).err().unwrap();
    assert!(matches!(err, OpenError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("not a Cartback database or is damaged"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_newer_schema_is_refused_with_both_versions() {
    let d = dir("newer");
    drop(Database::open(&d, Sync::Normal).unwrap());
    {
        let c = bump_schema_version(&d);
        assert!(c);
    }
    let err = Database::open(&d, Sync::Normal).err().unwrap();
    assert!(matches!(err, OpenError::NewerSchema { found: 99, .. }), "{err}");
    let expected =
        format!("newer Cartback (schema version 99; this binary knows up to {})", cartback_sqlite::schema::current());
    assert!(err.to_string().contains(&expected), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

/// Sets `user_version` to 99 by editing the header (bytes 60..64), as a newer binary would.
fn bump_schema_version(d: &std::path::Path) -> bool {
    let p = d.join("cartback.sqlite3");
    // The WAL may hold the latest pages; a clean close checkpointed it, so the header is current.
    let mut bytes = std::fs::read(&p).unwrap();
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    std::fs::write(&p, bytes).is_ok()
}

#[test]
fn an_unwritable_directory_is_named() {
    let err = Database::open(std::path::Path::new("/proc/cartback-cannot-be-here"), Sync::Normal).err().unwrap();
    assert!(err.to_string().contains("/proc/cartback-cannot-be-here"), "{err}");
    assert!(std::error::Error::source(&err).is_some(), "the cause is kept");
}

#[tokio::test]
async fn the_outbox_and_hand_offs_survive_a_reopen() {
    use cartback_core::domain::Channel;
    use cartback_core::ports::{Handoff, OutgoingMessage};
    use cartback_local::adapters::clock::VirtualClock;
    use std::sync::Arc;
    let d = dir("survive");
    let at: jiff::Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
    {
        let db = Database::open(&d, Sync::Full).unwrap();
        let b = db.backend(Arc::new(VirtualClock::new(at)), false);
        let msg = OutgoingMessage {
            channel: Channel::Sms,
            store: "s".into(),
            cart: "c1".into(),
            step: 0,
            variant: "A".into(),
            to: "+4791234567".into(),
            subject: None,
            body: "Hi".into(),
            seq: 1,
            html: None,
            unsubscribe_url: None,
            status_callback: None,
            template_values: None,
            valid_for_secs: None,
            locale: None,
            session_open: false,
            interactive: None,
            link: None,
            providers: Arc::default(),
        };
        assert_eq!(b.outbox.send(&msg).await.unwrap(), "console-1");
        let h = Handoff {
            store: "s".into(),
            cart: Some("c1".into()),
            channel: Channel::Sms,
            from_masked: "+479*****67".into(),
            text: "where is my parcel".into(),
            reason: "other".into(),
            at,
            conversation: None,
            inbox_url: None,
            guess: String::new(),
            rule: String::new(),
        };
        b.alerts.handoff(&h).await;
        b.store.save_clock(at);
    }
    let db = Database::open(&d, Sync::Full).unwrap();
    assert_eq!(db.saved_clock(), Some(at));
    let b = db.backend(Arc::new(VirtualClock::new(at)), false);
    assert_eq!(b.outbox.count(), 1);
    let sent = b.outbox.latest();
    assert_eq!((sent[0].id.as_str(), sent[0].body.as_str(), sent[0].sent_at), ("console-1", "Hi", at));
    assert_eq!(b.alerts.all()[0].text, "where is my parcel");
    let _ = std::fs::remove_dir_all(&d);
}

#[tokio::test]
async fn a_file_from_an_older_version_is_migrated_with_its_data() {
    use cartback_core::ports::CartStore;
    let d = dir("older");
    std::fs::create_dir_all(&d).unwrap();
    {
        // What version 1 of Cartback left behind: its schema and one cart.
        let c = rusqlite::Connection::open(d.join("cartback.sqlite3")).unwrap();
        c.execute_batch(cartback_sqlite::schema::MIGRATIONS[0]).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        let cart = cartback_core::domain::Cart::new("s", "c1", "2026-11-23T10:00:00Z".parse().unwrap(), false);
        let mut cart = cart;
        cart.version = 1;
        c.execute(
            "INSERT INTO carts (store, id, version, timer_seq, body) VALUES ('s', 'c1', 1, NULL, ?1)",
            [serde_json::to_string(&cart).unwrap()],
        )
        .unwrap();
    }
    let db = Database::open(&d, Sync::Normal).unwrap();
    let store = cartback_sqlite::SqliteStore::new(db.clone());
    assert_eq!(store.get_cart("s", "c1").await.unwrap().unwrap().version, 1, "data kept across the migration");
    let b = db.backend(std::sync::Arc::new(cartback_core::system::SystemClock), false);
    assert!(b.alerts.all().is_empty(), "version 2's table exists");
    let _ = std::fs::remove_dir_all(&d);
}

/// A data directory written by the first versions: contacts under unkeyed contact keys (from
/// which a phone number can be recovered by trying candidates). Opening it moves each contact
/// to its keyed key, once, and an unsubscribe link sent before still finds its shopper.
#[tokio::test]
async fn contacts_under_legacy_keys_move_to_keyed_ones_once() {
    use cartback_core::domain::contact::{contact_key_with, legacy_contact_key, legacy_link};
    use cartback_core::domain::{Contact, pii::Pii};
    use cartback_core::ports::CartStore;
    let d = dir("legacy-keys");
    let phone = "+905321234567";
    let legacy = legacy_contact_key("demo", phone);
    {
        let db = Database::open(&d, Sync::Full).unwrap();
        let mut c = Contact::new("demo", &legacy);
        c.phone = Some(Pii::new(phone.to_string()));
        c.opted_out.push(cartback_core::domain::Channel::Sms);
        let store = cartback_sqlite::SqliteStore::new(db.clone());
        store.put_contact(c).await.unwrap();
    }
    // As an old directory: no record of the migration.
    let raw = rusqlite::Connection::open(d.join("cartback.sqlite3")).unwrap();
    raw.execute("DELETE FROM meta WHERE key = 'contact_keys'", []).unwrap();
    drop(raw);
    let db = Database::open(&d, Sync::Full).unwrap();
    let secret = db.deployment_key();
    let keyed = contact_key_with(&secret, "demo", phone);
    assert_ne!(keyed, legacy);
    let store = cartback_sqlite::SqliteStore::new(db.clone());
    let moved = store.get_contact("demo", &keyed).await.unwrap().expect("moved to its keyed key");
    assert_eq!((moved.key.as_str(), moved.is_opted_out(cartback_core::domain::Channel::Sms)), (keyed.as_str(), true));
    assert!(store.get_contact("demo", &legacy).await.unwrap().is_none(), "the legacy key is gone");
    let link = store.get_link(&legacy_link("demo", &legacy)).await.unwrap().expect("legacy link record");
    assert_eq!(link.cart, keyed);
    // The secret is the directory's: the same after a reopen.
    drop(store);
    drop(db);
    let again = Database::open(&d, Sync::Full).unwrap();
    assert_eq!(again.deployment_key(), secret);
    let _ = std::fs::remove_dir_all(&d);
}
