//! Hand-offs to a human (replies the engine could not answer), durable like the outbox, for
//! `GET /_local/alerts`.

use crate::db::Database;
use async_trait::async_trait;
use cartback_core::ports::{Alerts, Handoff};
use cartback_local::AlertLog;
use cartback_local::adapters::console::{OUTBOX_CAPACITY, print_handoff};
use rusqlite::params;

/// Hand-offs to a human, durable like the outbox.
pub struct SqliteAlerts {
    db: Database,
    print: bool,
}

impl SqliteAlerts {
    pub fn new(db: Database, print: bool) -> SqliteAlerts {
        SqliteAlerts { db, print }
    }
}

#[async_trait]
impl Alerts for SqliteAlerts {
    async fn handoff(&self, h: &Handoff) {
        if self.print {
            print_handoff(h);
        }
        let r = serde_json::to_string(h).map_err(|e| e.to_string()).and_then(|body| {
            self.db.lock().execute("INSERT INTO handoffs (body) VALUES (?1)", params![body]).map_err(|e| e.to_string())
        });
        if let Err(e) = r {
            // Printed and logged anyway: a person still sees it.
            tracing::error!(store = %h.store, error = %e, "hand-off not stored");
        }
    }
}

impl AlertLog for SqliteAlerts {
    fn all(&self) -> Vec<Handoff> {
        let conn = self.db.lock();
        let Ok(mut s) = conn.prepare_cached("SELECT body FROM handoffs ORDER BY id DESC LIMIT ?1") else {
            return Vec::new();
        };
        let Ok(rows) = s.query_map(params![OUTBOX_CAPACITY as i64], |r| r.get::<_, String>(0)) else {
            return Vec::new();
        };
        let mut list: Vec<Handoff> =
            rows.filter_map(Result::ok).filter_map(|b| serde_json::from_str(&b).ok()).collect();
        list.reverse();
        list
    }
}
