//! The durable timer queue, with SQS's delivery semantics: a message is handed out no earlier
//! than its due time, stays in the queue (in flight) until it is settled, and is handed out
//! again after a crash — at least once, never lost.

use crate::db::{Database, from_nanos, nanos};
use async_trait::async_trait;
use cartback_core::ports::{QueueError, TimerMsg, TimerQueue};
use cartback_local::adapters::memory_queues::Delivery;
use cartback_local::adapters::memory_queues::MAX_DELAY;
use cartback_local::{LocalQueue, Settle};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

pub struct SqliteQueue {
    db: Database,
}

impl SqliteQueue {
    pub fn new(db: Database) -> SqliteQueue {
        SqliteQueue { db }
    }

    fn take(&self, now: Timestamp) -> rusqlite::Result<Option<Delivery<TimerMsg>>> {
        let mut conn = self.db.lock();
        let tx = conn.transaction()?;
        let row: Option<(i64, i64, u32, bool, String)> = tx
            .prepare_cached(
                "SELECT id, due_ns, attempts, long, body FROM timers
                 WHERE in_flight = 0 AND due_ns <= ?1 ORDER BY due_ns, id LIMIT 1",
            )?
            .query_row(params![nanos(now)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .optional()?;
        let Some((id, due, attempts, long, body)) = row else { return Ok(None) };
        match serde_json::from_str::<TimerMsg>(&body) {
            Ok(msg) => {
                tx.prepare_cached("UPDATE timers SET in_flight = 1 WHERE id = ?1")?.execute(params![id])?;
                tx.commit()?;
                Ok(Some(Delivery { id: id as u64, msg, attempts, due: from_nanos(due), long }))
            }
            Err(e) => {
                // Written by this code, so never expected: drop it loudly rather than wedge the queue.
                tracing::error!(id, error = %e, "unreadable timer dropped");
                tx.prepare_cached("DELETE FROM timers WHERE id = ?1")?.execute(params![id])?;
                tx.commit()?;
                Ok(None)
            }
        }
    }
}

#[async_trait]
impl TimerQueue for SqliteQueue {
    async fn schedule(&self, msg: &TimerMsg, due: Timestamp, now: Timestamp) -> Result<(), QueueError> {
        let body = serde_json::to_string(msg).map_err(|e| QueueError::Fatal(e.to_string()))?;
        let long = due.duration_since(now) > MAX_DELAY;
        self.db
            .lock()
            .prepare_cached("INSERT INTO timers (due_ns, long, body) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![nanos(due), long, body]))
            .map_err(|e| QueueError::Unavailable(e.to_string()))?;
        Ok(())
    }

    fn max_delay(&self) -> jiff::SignedDuration {
        MAX_DELAY
    }
}

impl LocalQueue for SqliteQueue {
    fn take_due(&self, now: Timestamp) -> Option<Delivery<TimerMsg>> {
        self.take(now).unwrap_or_else(|e| {
            tracing::error!(error = %e, "timer queue unreadable; retrying on the next tick");
            None
        })
    }

    fn settle(&self, d: &Delivery<TimerMsg>, how: Settle) {
        let conn = self.db.lock();
        let r = match how {
            Settle::Done | Settle::Dead => conn
                .prepare_cached("DELETE FROM timers WHERE id = ?1")
                .and_then(|mut s| s.execute(params![d.id as i64])),
            Settle::Retry(at) => conn
                .prepare_cached("UPDATE timers SET in_flight = 0, attempts = attempts + 1, due_ns = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![d.id as i64, nanos(at)])),
        };
        if let Err(e) = r {
            // Left in flight: handed out again at the next start, as after a crash.
            tracing::error!(id = d.id, error = %e, "timer not settled");
        }
    }

    fn next_due(&self) -> Option<Timestamp> {
        let due: Option<i64> = self
            .db
            .lock()
            .prepare_cached("SELECT MIN(due_ns) FROM timers WHERE in_flight = 0")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .ok()
            .flatten();
        due.map(from_nanos)
    }

    fn len(&self) -> usize {
        self.db.lock().query_row("SELECT COUNT(*) FROM timers", [], |r| r.get::<_, i64>(0)).map_or(0, |n| n as usize)
    }
}
