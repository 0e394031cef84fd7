//! The console channel with a durable outbox: what was "sent" survives a restart, so the crash
//! test (and an operator) can count every message across runs.

use crate::db::Database;
use async_trait::async_trait;
use cartback_core::ports::{ChannelError, ChannelSender, Clock, OutgoingMessage};
use cartback_local::Outbox;
use cartback_local::adapters::console::{OUTBOX_CAPACITY, OutboxEntry, entry, print_message};
use rusqlite::params;
use std::sync::Arc;

pub struct SqliteOutbox {
    db: Database,
    clock: Arc<dyn Clock>,
    print: bool,
}

impl SqliteOutbox {
    pub fn new(db: Database, clock: Arc<dyn Clock>, print: bool) -> SqliteOutbox {
        SqliteOutbox { db, clock, print }
    }

    fn insert(&self, msg: &OutgoingMessage) -> rusqlite::Result<String> {
        let now = self.clock.now();
        let mut conn = self.db.lock();
        let tx = conn.transaction()?;
        tx.prepare_cached("INSERT INTO outbox (body) VALUES ('')")?.execute([])?;
        let n = tx.last_insert_rowid();
        let id = format!("console-{n}");
        let body = serde_json::to_string(&entry(id.clone(), msg, now))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        tx.prepare_cached("UPDATE outbox SET body = ?2 WHERE id = ?1")?.execute(params![n, body])?;
        // Keep the latest messages only (they were printed as they went out).
        if n % 1000 == 0 {
            tx.execute("DELETE FROM outbox WHERE id <= ?1", params![n - OUTBOX_CAPACITY as i64])?;
        }
        tx.commit()?;
        if self.print {
            print_message(now, msg);
        }
        Ok(id)
    }
}

#[async_trait]
impl ChannelSender for SqliteOutbox {
    async fn send(&self, msg: &OutgoingMessage) -> Result<String, ChannelError> {
        self.insert(msg).map_err(|e| ChannelError::Retryable(format!("outbox not written: {e}")))
    }
}

impl Outbox for SqliteOutbox {
    fn latest(&self) -> Vec<OutboxEntry> {
        let conn = self.db.lock();
        let Ok(mut s) = conn.prepare_cached("SELECT body FROM outbox ORDER BY id DESC LIMIT ?1") else {
            return Vec::new();
        };
        let Ok(rows) = s.query_map(params![OUTBOX_CAPACITY as i64], |r| r.get::<_, String>(0)) else {
            return Vec::new();
        };
        let mut list: Vec<OutboxEntry> =
            rows.filter_map(Result::ok).filter_map(|b| serde_json::from_str(&b).ok()).collect();
        list.reverse();
        list
    }

    fn count(&self) -> usize {
        self.db
            .lock()
            .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'", [], |r| r.get::<_, i64>(0))
            .map_or(0, |n| n as usize)
    }
}
