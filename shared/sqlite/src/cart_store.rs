//! Carts, contacts, restore links and counters, with the same conditional-write semantics as
//! the DynamoDB and in-memory stores: a write names the version it read, and loses to any
//! write in between.

use crate::db::{Database, nanos, store_error};
use async_trait::async_trait;
use cartback_core::domain::catalogue::Catalogue;
use cartback_core::domain::conversation::{LIST_MAX, ListQuery};
use cartback_core::domain::{Cart, Contact, Conversation};
use cartback_core::outbound::DeliveryRecord;
use cartback_core::ports::{
    CartStore, CatalogueStore, DeliveryLog, LinkRecord, Series, ShopperRecords, StatsStore, StoreError,
};
use cartback_local::LocalStore;
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::BTreeMap;

pub struct SqliteStore {
    db: Database,
}

impl SqliteStore {
    pub fn new(db: Database) -> SqliteStore {
        SqliteStore { db }
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Fatal(format!("unreadable record: {e}")))
}

fn encode<T: serde::Serialize>(record: &T) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|e| StoreError::Fatal(format!("unwritable record: {e}")))
}

fn cart_of(conn: &Connection, store: &str, id: &str) -> Result<Option<Cart>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM carts WHERE store = ?1 AND id = ?2")
        .and_then(|mut s| s.query_row(params![store, id], |r| r.get(0)).optional())
        .map_err(store_error)?;
    body.as_deref().map(decode).transpose()
}

fn contact_of(conn: &Connection, store: &str, key: &str) -> Result<Option<Contact>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM contacts WHERE store = ?1 AND key = ?2")
        .and_then(|mut s| s.query_row(params![store, key], |r| r.get(0)).optional())
        .map_err(store_error)?;
    body.as_deref().map(decode).transpose()
}

/// The stored version of a row (0: absent).
fn version(tx: &Transaction<'_>, sql: &str, a: &str, b: &str) -> Result<u64, StoreError> {
    let v: Option<i64> = tx
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row(params![a, b], |r| r.get(0)).optional())
        .map_err(store_error)?;
    Ok(v.map_or(0, |v| v as u64))
}

/// Writes the cart at the next version if the stored one is still `cart.version`.
fn write_cart(tx: &Transaction<'_>, mut cart: Cart) -> Result<u64, StoreError> {
    if version(tx, "SELECT version FROM carts WHERE store = ?1 AND id = ?2", &cart.store, &cart.id)? != cart.version {
        return Err(StoreError::Conflict);
    }
    cart.version += 1;
    let body = encode(&cart)?;
    tx.prepare_cached(
        "INSERT INTO carts (store, id, version, timer_seq, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (store, id) DO UPDATE SET version = excluded.version, timer_seq = excluded.timer_seq, body = excluded.body",
    )
    .and_then(|mut s| {
        s.execute(params![cart.store, cart.id, cart.version as i64, cart.timer.map(|t| t.seq as i64), body])
    })
    .map_err(store_error)?;
    Ok(cart.version)
}

fn write_contact(tx: &Transaction<'_>, mut contact: Contact) -> Result<u64, StoreError> {
    if version(tx, "SELECT version FROM contacts WHERE store = ?1 AND key = ?2", &contact.store, &contact.key)?
        != contact.version
    {
        return Err(StoreError::Conflict);
    }
    contact.version += 1;
    let body = encode(&contact)?;
    tx.prepare_cached(
        "INSERT INTO contacts (store, key, version, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (store, key) DO UPDATE SET version = excluded.version, body = excluded.body",
    )
    .and_then(|mut s| s.execute(params![contact.store, contact.key, contact.version as i64, body]))
    .map_err(store_error)?;
    Ok(contact.version)
}

fn write_link(tx: &Transaction<'_>, link: &LinkRecord) -> Result<(), StoreError> {
    let body = encode(link)?;
    tx.prepare_cached("INSERT OR REPLACE INTO links (token, expires_ns, body) VALUES (?1, ?2, ?3)")
        .and_then(|mut s| s.execute(params![link.token, nanos(link.expires_at), body]))
        .map_err(store_error)?;
    Ok(())
}

impl SqliteStore {
    /// Runs `f` in one transaction: committed if it returns `Ok`, rolled back otherwise.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.db.lock();
        let tx = conn.transaction().map_err(store_error)?;
        let out = f(&tx)?;
        tx.commit().map_err(store_error)?;
        Ok(out)
    }
}

#[async_trait]
impl CartStore for SqliteStore {
    async fn get_cart(&self, store: &str, cart: &str) -> Result<Option<Cart>, StoreError> {
        cart_of(&self.db.lock(), store, cart)
    }

    async fn put_cart(&self, cart: Cart) -> Result<u64, StoreError> {
        self.write(|tx| write_cart(tx, cart))
    }

    async fn get_contact(&self, store: &str, key: &str) -> Result<Option<Contact>, StoreError> {
        contact_of(&self.db.lock(), store, key)
    }

    async fn put_contact(&self, contact: Contact) -> Result<u64, StoreError> {
        self.write(|tx| write_contact(tx, contact))
    }

    async fn put_link(&self, link: &LinkRecord) -> Result<(), StoreError> {
        self.write(|tx| write_link(tx, link))
    }

    async fn get_conversation(&self, store: &str, id: &str) -> Result<Option<Conversation>, StoreError> {
        let body: Option<String> = self
            .db
            .lock()
            .prepare_cached("SELECT body FROM conversations WHERE store = ?1 AND id = ?2")
            .and_then(|mut s| s.query_row(params![store, id], |r| r.get(0)).optional())
            .map_err(store_error)?;
        body.as_deref().map(decode).transpose()
    }

    async fn put_conversation(&self, mut c: Conversation) -> Result<u64, StoreError> {
        self.write(|tx| {
            if version(tx, "SELECT version FROM conversations WHERE store = ?1 AND id = ?2", &c.store, &c.id)?
                != c.version
            {
                return Err(StoreError::Conflict);
            }
            c.version += 1;
            let body = encode(&c)?;
            tx.prepare_cached(
                "INSERT INTO conversations (store, id, version, updated_ns, expires_ns, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (store, id) DO UPDATE SET version = excluded.version,
                   updated_ns = excluded.updated_ns, expires_ns = excluded.expires_ns, body = excluded.body",
            )
            .and_then(|mut s| {
                s.execute(params![c.store, c.id, c.version as i64, nanos(c.updated_at), nanos(c.expires_at), body])
            })
            .map_err(store_error)?;
            // Retention: the store's transcripts past their time go with each write (DynamoDB's
            // TTL does this on AWS).
            tx.prepare_cached("DELETE FROM conversations WHERE store = ?1 AND expires_ns < ?2")
                .and_then(|mut s| s.execute(params![c.store, nanos(c.updated_at)]))
                .map_err(store_error)?;
            Ok(c.version)
        })
    }

    /// The cursor and the expiry in SQL, in the listing's order; the status (in the body) as
    /// the rows are read, until one more than a page is found.
    async fn list_conversations(&self, store: &str, query: &ListQuery) -> Result<Vec<Conversation>, StoreError> {
        let (before_ns, before_id) =
            query.before.as_ref().map_or((i64::MAX, String::new()), |c| (nanos(c.updated_at), c.id.clone()));
        let conn = self.db.lock();
        let mut s = conn
            .prepare_cached(
                "SELECT body FROM conversations WHERE store = ?1 AND expires_ns > ?2
                   AND (updated_ns < ?3 OR (updated_ns = ?3 AND id < ?4))
                 ORDER BY updated_ns DESC, id DESC",
            )
            .map_err(store_error)?;
        let rows = s
            .query_map(params![store, nanos(query.now), before_ns, before_id], |r| r.get::<_, String>(0))
            .map_err(store_error)?;
        let mut out = Vec::new();
        for body in rows {
            let c: Conversation = decode(&body.map_err(store_error)?)?;
            if query.wants(&c) {
                out.push(c);
                if out.len() > LIST_MAX {
                    break;
                }
            }
        }
        Ok(out)
    }

    async fn get_link(&self, token: &str) -> Result<Option<LinkRecord>, StoreError> {
        let body: Option<String> = self
            .db
            .lock()
            .prepare_cached("SELECT body FROM links WHERE token = ?1")
            .and_then(|mut s| s.query_row(params![token], |r| r.get(0)).optional())
            .map_err(store_error)?;
        body.as_deref().map(decode).transpose()
    }

    async fn load_for_send(
        &self,
        store: &str,
        cart: &str,
        contact_keys: &[&str],
    ) -> Result<(Option<Cart>, Vec<Contact>), StoreError> {
        let conn = self.db.lock();
        let cart = cart_of(&conn, store, cart)?;
        let mut contacts = Vec::new();
        for k in contact_keys {
            contacts.extend(contact_of(&conn, store, k)?);
        }
        Ok((cart, contacts))
    }

    async fn claim_send(&self, cart: Cart, contact: Contact, links: Vec<LinkRecord>) -> Result<u64, StoreError> {
        // All or nothing: a failed condition rolls the whole transaction back.
        self.write(|tx| {
            let v = write_cart(tx, cart)?;
            write_contact(tx, contact)?;
            for l in &links {
                write_link(tx, l)?;
            }
            Ok(v)
        })
    }
}

#[async_trait]
impl StatsStore for SqliteStore {
    async fn add(&self, store: &str, day: Date, deltas: &[(String, i64)]) -> Result<(), StoreError> {
        let day = day.to_string();
        self.write(|tx| {
            // Summed here, with checked arithmetic, not in SQL: SQLite turns an integer that
            // overflows into a REAL, which no report could read back. One transaction: a
            // counter that would overflow refuses the whole change.
            let mut read =
                tx.prepare_cached("SELECT value FROM stats WHERE store = ?1 AND name = ?2").map_err(store_error)?;
            let mut write = tx
                .prepare_cached(
                    "INSERT INTO stats (store, name, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (store, name) DO UPDATE SET value = excluded.value",
                )
                .map_err(store_error)?;
            let mut read_day = tx
                .prepare_cached("SELECT value FROM stats_daily WHERE store = ?1 AND day = ?2 AND name = ?3")
                .map_err(store_error)?;
            let mut write_day = tx
                .prepare_cached(
                    "INSERT INTO stats_daily (store, day, name, value) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (store, day, name) DO UPDATE SET value = excluded.value",
                )
                .map_err(store_error)?;
            for (name, d) in deltas {
                let current: i64 =
                    read.query_row(params![store, name], |r| r.get(0)).optional().map_err(store_error)?.unwrap_or(0);
                let next =
                    current.checked_add(*d).ok_or_else(|| cartback_local::adapters::memory_store::overflow(name))?;
                write.execute(params![store, name, next]).map_err(store_error)?;
                let on_day: i64 = read_day
                    .query_row(params![store, day, name], |r| r.get(0))
                    .optional()
                    .map_err(store_error)?
                    .unwrap_or(0);
                let on_day =
                    on_day.checked_add(*d).ok_or_else(|| cartback_local::adapters::memory_store::overflow(name))?;
                write_day.execute(params![store, day, name, on_day]).map_err(store_error)?;
            }
            Ok(())
        })
    }

    async fn get(&self, store: &str) -> Result<BTreeMap<String, i64>, StoreError> {
        let conn = self.db.lock();
        let mut s = conn.prepare_cached("SELECT name, value FROM stats WHERE store = ?1").map_err(store_error)?;
        let rows =
            s.query_map(params![store], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(store_error)?;
        rows.collect::<Result<_, _>>().map_err(store_error)
    }

    async fn series(&self, store: &str, from: Date, to: Date) -> Result<Series, StoreError> {
        let conn = self.db.lock();
        let mut s = conn
            .prepare_cached("SELECT day, name, value FROM stats_daily WHERE store = ?1 AND day BETWEEN ?2 AND ?3")
            .map_err(store_error)?;
        let rows = s
            .query_map(params![store, from.to_string(), to.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
            })
            .map_err(store_error)?;
        let mut out: Series = BTreeMap::new();
        for row in rows {
            let (day, name, value) = row.map_err(store_error)?;
            let day: Date = day.parse().map_err(|e| StoreError::Fatal(format!("stats_daily day {day:?}: {e}")))?;
            out.entry(day).or_default().insert(name, value);
        }
        Ok(out)
    }
}

#[async_trait]
impl ShopperRecords for SqliteStore {
    async fn all_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        let conn = self.db.lock();
        let mut s = conn.prepare_cached("SELECT body FROM event_deliveries WHERE store = ?1").map_err(store_error)?;
        let rows = s.query_map(params![store], |r| r.get::<_, String>(0)).map_err(store_error)?;
        rows.map(|b| {
            let b = b.map_err(store_error)?;
            serde_json::from_str(&b).map_err(|e| StoreError::Fatal(format!("delivery: {e}")))
        })
        .collect()
    }

    async fn delete_delivery(&self, store: &str, id: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM event_deliveries WHERE store = ?1 AND id = ?2", params![store, id])
                .map_err(store_error)?;
            Ok(())
        })
    }

    async fn carts_where(
        &self,
        store: &str,
        matches: &(dyn for<'c> Fn(&'c Cart) -> bool + Send + Sync),
    ) -> Result<Vec<Cart>, StoreError> {
        let conn = self.db.lock();
        let mut s = conn.prepare_cached("SELECT version, body FROM carts WHERE store = ?1").map_err(store_error)?;
        let rows =
            s.query_map(params![store], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).map_err(store_error)?;
        let mut out = Vec::new();
        for row in rows {
            let (v, body) = row.map_err(store_error)?;
            let mut cart: Cart = serde_json::from_str(&body)
                .map_err(|e| StoreError::Fatal(format!("stored cart is unreadable: {e}")))?;
            cart.version = v as u64;
            if matches(&cart) {
                out.push(cart);
            }
        }
        Ok(out)
    }

    async fn conversations_where(
        &self,
        store: &str,
        matches: &(dyn for<'c> Fn(&'c Conversation) -> bool + Send + Sync),
    ) -> Result<Vec<Conversation>, StoreError> {
        let conn = self.db.lock();
        let mut s = conn.prepare_cached("SELECT body FROM conversations WHERE store = ?1").map_err(store_error)?;
        let rows = s
            .query_map(params![store], |r| r.get::<_, String>(0))
            .map_err(store_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(store_error)?;
        let all: Vec<Conversation> = rows.iter().map(|b| decode(b)).collect::<Result<_, _>>()?;
        Ok(all.into_iter().filter(|c| matches(c)).collect())
    }

    async fn delete_cart(&self, store: &str, id: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM carts WHERE store = ?1 AND id = ?2", params![store, id]).map_err(store_error)?;
            Ok(())
        })
    }

    async fn delete_contact(&self, store: &str, key: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM contacts WHERE store = ?1 AND key = ?2", params![store, key])
                .map_err(store_error)?;
            Ok(())
        })
    }

    async fn delete_link(&self, token: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM links WHERE token = ?1", params![token]).map_err(store_error)?;
            Ok(())
        })
    }

    async fn delete_conversation(&self, store: &str, id: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM conversations WHERE store = ?1 AND id = ?2", params![store, id])
                .map_err(store_error)?;
            Ok(())
        })
    }

    /// Deleted rows are zeroed in the database file as they go (`secure_delete`, set at open);
    /// their older copies in the write-ahead log are copied back and the log truncated here.
    async fn scrub(&self) -> Result<(), StoreError> {
        let conn = self.db.lock();
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0)).map_err(store_error)?;
        if busy != 0 {
            return Err(StoreError::Unavailable("the write-ahead log could not be truncated".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl DeliveryLog for SqliteStore {
    async fn put_delivery(&self, d: &DeliveryRecord) -> Result<(), StoreError> {
        let body =
            serde_json::to_string(d).map_err(|e| StoreError::Fatal(format!("delivery not serialisable: {e}")))?;
        let updated = nanos(d.updated_at);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO event_deliveries (store, id, updated_ns, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (store, id) DO UPDATE SET updated_ns = excluded.updated_ns, body = excluded.body",
                params![d.store, d.id, updated, body],
            )
            .map_err(store_error)?;
            Ok(())
        })
    }

    async fn get_delivery(&self, store: &str, id: &str) -> Result<Option<DeliveryRecord>, StoreError> {
        let body: Option<String> = self
            .db
            .lock()
            .prepare_cached("SELECT body FROM event_deliveries WHERE store = ?1 AND id = ?2")
            .and_then(|mut s| s.query_row(params![store, id], |r| r.get(0)).optional())
            .map_err(store_error)?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| StoreError::Fatal(format!("delivery {id}: {e}")))).transpose()
    }

    async fn list_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        let conn = self.db.lock();
        let mut s = conn
            .prepare_cached("SELECT body FROM event_deliveries WHERE store = ?1 ORDER BY updated_ns DESC, id LIMIT ?2")
            .map_err(store_error)?;
        let rows = s.query_map(params![store, LIST_MAX as i64], |r| r.get::<_, String>(0)).map_err(store_error)?;
        rows.map(|b| {
            let b = b.map_err(store_error)?;
            serde_json::from_str(&b).map_err(|e| StoreError::Fatal(format!("delivery: {e}")))
        })
        .collect()
    }

    async fn retrying_deliveries(&self, store: &str) -> Result<Vec<DeliveryRecord>, StoreError> {
        let mut out = ShopperRecords::all_deliveries(self, store).await?;
        out.retain(|d| d.state == cartback_core::outbound::DeliveryState::Retrying);
        Ok(out)
    }
}

#[async_trait]
impl cartback_core::ports::HookStore for SqliteStore {
    async fn put_hook(&self, h: &cartback_core::outbound::hooks::HookSubscription) -> Result<(), StoreError> {
        let body = serde_json::to_string(h).map_err(|e| StoreError::Fatal(format!("hook not serialisable: {e}")))?;
        let created = nanos(h.created_at);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO rest_hooks (store, id, created_ns, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (store, id) DO UPDATE SET body = excluded.body",
                params![h.store, h.id, created, body],
            )
            .map_err(store_error)?;
            Ok(())
        })
    }

    async fn list_hooks(
        &self,
        store: &str,
    ) -> Result<Vec<cartback_core::outbound::hooks::HookSubscription>, StoreError> {
        let conn = self.db.lock();
        let mut s = conn
            .prepare_cached("SELECT body FROM rest_hooks WHERE store = ?1 ORDER BY created_ns, id")
            .map_err(store_error)?;
        let rows = s.query_map(params![store], |r| r.get::<_, String>(0)).map_err(store_error)?;
        rows.map(|b| {
            let b = b.map_err(store_error)?;
            serde_json::from_str(&b).map_err(|e| StoreError::Fatal(format!("hook: {e}")))
        })
        .collect()
    }

    async fn delete_hook(&self, store: &str, id: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .execute("DELETE FROM rest_hooks WHERE store = ?1 AND id = ?2", params![store, id])
                .map_err(store_error)?;
            Ok(n > 0)
        })
    }
}

#[async_trait]
impl CatalogueStore for SqliteStore {
    async fn get_catalogue(&self, store: &str) -> Result<Option<Catalogue>, StoreError> {
        let body: Option<String> = self
            .db
            .lock()
            .prepare_cached("SELECT body FROM catalogues WHERE store = ?1")
            .and_then(|mut s| s.query_row(params![store], |r| r.get(0)).optional())
            .map_err(store_error)?;
        body.as_deref().map(decode).transpose()
    }

    /// The version and read time without decoding the body (`json_extract` reads one field).
    async fn catalogue_head(
        &self,
        store: &str,
    ) -> Result<Option<cartback_core::domain::catalogue::CatalogueHead>, StoreError> {
        let row: Option<(i64, String)> = self
            .db
            .lock()
            .prepare_cached("SELECT version, json_extract(body, '$.fetched_at') FROM catalogues WHERE store = ?1")
            .and_then(|mut s| s.query_row(params![store], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(store_error)?;
        row.map(|(version, at)| {
            let fetched_at = at.parse().map_err(|e| StoreError::Fatal(format!("catalogue fetched_at: {e}")))?;
            Ok(cartback_core::domain::catalogue::CatalogueHead { version: version as u64, fetched_at })
        })
        .transpose()
    }

    async fn put_catalogue(&self, catalogue: &Catalogue) -> Result<u64, StoreError> {
        let next = catalogue.version + 1;
        let body = encode(&Catalogue { version: next, ..catalogue.clone() })?;
        self.write(|tx| {
            if version(tx, "SELECT version FROM catalogues WHERE store = ?1 AND ?2 = ?2", &catalogue.store, "")?
                != catalogue.version
            {
                return Err(StoreError::Conflict);
            }
            tx.prepare_cached(
                "INSERT INTO catalogues (store, version, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (store) DO UPDATE SET version = excluded.version, body = excluded.body",
            )
            .and_then(|mut s| s.execute(params![catalogue.store, next as i64, body]))
            .map_err(store_error)?;
            Ok(next)
        })
    }
}

impl LocalStore for SqliteStore {
    fn has_timer(&self, store: &str, cart: &str, seq: u64) -> bool {
        let found: Result<Option<Option<i64>>, _> = self
            .db
            .lock()
            .prepare_cached("SELECT timer_seq FROM carts WHERE store = ?1 AND id = ?2")
            .and_then(|mut s| s.query_row(params![store, cart], |r| r.get(0)).optional());
        match found {
            Ok(row) => row.flatten() == Some(seq as i64),
            // Cannot tell: deliver, the work fences itself if stale.
            Err(_) => true,
        }
    }

    fn carts_of(&self, store: &str) -> Vec<Cart> {
        let conn = self.db.lock();
        let Ok(mut s) = conn.prepare_cached("SELECT body FROM carts WHERE store = ?1 ORDER BY id") else {
            return Vec::new();
        };
        let Ok(rows) = s.query_map(params![store], |r| r.get::<_, String>(0)) else { return Vec::new() };
        rows.filter_map(Result::ok).filter_map(|b| decode(&b).ok()).collect()
    }

    fn saved_clock(&self) -> Option<Timestamp> {
        self.db.saved_clock()
    }

    fn save_clock(&self, now: Timestamp) {
        let r = self.db.lock().execute(
            "INSERT INTO meta (key, value) VALUES ('virtual_clock', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![now.to_string()],
        );
        if let Err(e) = r {
            tracing::error!(error = %e, "virtual clock not saved");
        }
    }
}
