//! Opening the file: location, locking, durability, migrations, and errors a person can act on.

use crate::schema::{self, MIGRATIONS};
use crate::{SqliteAlerts, SqliteOutbox, SqliteQueue, SqliteStore};
use cartback_core::ports::{Clock, StoreError};
use cartback_local::Backend;
use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use thiserror::Error;

/// When a commit reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// fsync on every commit: an accepted event survives a power cut.
    Full,
    /// fsync at WAL checkpoints: survives a crash of the process (kill -9), may lose the last
    /// commits on a power cut; several times the write throughput.
    Normal,
}

#[derive(Debug, Error)]
pub enum OpenError {
    #[error("cannot create the data directory {path}")]
    Dir { path: PathBuf, source: std::io::Error },
    #[error(
        "{path} is in use by another process (another `cartback serve` on the same --data-dir?); stop it or choose another --data-dir"
    )]
    Locked { path: PathBuf },
    #[error(
        "{path} is not a Cartback database or is damaged ({detail}); move it away to start afresh, or restore a backup"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{path} was written by a newer Cartback (schema version {found}; this binary knows up to {supported}); upgrade cartback, or use another --data-dir"
    )]
    NewerSchema { path: PathBuf, found: u32, supported: u32 },
    #[error("cannot open {path}: {detail}")]
    Other { path: PathBuf, detail: String },
}

/// The open database: one connection, shared by the store, the queue and the outbox.
#[derive(Clone)]
pub struct Database {
    pub(crate) conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    secret: [u8; 32],
}

/// The database file inside a data directory.
pub const FILE_NAME: &str = "cartback.sqlite3";

impl Database {
    /// Opens (creating if needed) `dir/cartback.sqlite3`, locks it for this process, brings the
    /// schema up to date, and hands back in-flight timers of a previous run that died.
    pub fn open(dir: &Path, sync: Sync) -> Result<Database, OpenError> {
        std::fs::create_dir_all(dir).map_err(|source| OpenError::Dir { path: dir.to_path_buf(), source })?;
        let path = dir.join(FILE_NAME);
        let classify = |e: rusqlite::Error| classify(&path, e);
        let conn = Connection::open(&path).map_err(classify)?;
        conn.busy_timeout(std::time::Duration::from_millis(500)).map_err(classify)?;
        // Exclusive: the lock is taken by the first write below and held until close.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE").map_err(classify)?;
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)).map_err(classify)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(OpenError::Other { path, detail: format!("journal mode {mode}, WAL expected") });
        }
        let level = match sync {
            Sync::Full => "FULL",
            Sync::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", level).map_err(classify)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(classify)?;
        // A deleted record is overwritten with zeros in the file, not left in a free page: an
        // erased shopper's data must not be readable from the database file afterwards.
        conn.pragma_update(None, "secure_delete", "ON").map_err(classify)?;
        let secret = crate::keys::load_or_create(dir)?;
        let db = Database { conn: Arc::new(Mutex::new(conn)), path, secret };
        db.migrate()?;
        let moved = crate::keys::migrate_contacts(&db, &secret, jiff::Timestamp::now())?;
        if moved > 0 {
            tracing::info!(contacts = moved, "contacts moved to keyed contact keys");
        }
        db.recover_in_flight()?;
        Ok(db)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The data directory's secret for contact keys and unsubscribe links: the process that
    /// serves this directory sets it (`contact::set_deployment_key`) before anything else.
    pub fn deployment_key(&self) -> [u8; 32] {
        self.secret
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the connection cannot leave a half-written record: every write
        // is one transaction, rolled back when its guard drops.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn migrate(&self) -> Result<(), OpenError> {
        let classify = |e: rusqlite::Error| classify(&self.path, e);
        let mut conn = self.lock();
        let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(classify)?;
        let supported = schema::current();
        if found > supported {
            return Err(OpenError::NewerSchema { path: self.path.clone(), found, supported });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = conn.transaction().map_err(classify)?;
            tx.execute_batch(sql).map_err(classify)?;
            tx.pragma_update(None, "user_version", i + 1).map_err(classify)?;
            tx.commit().map_err(classify)?;
            tracing::info!(version = i + 1, "database schema migrated");
        }
        // Take the exclusive lock now (a write), so a second process fails at start-up.
        conn.execute("INSERT INTO meta (key, value) VALUES ('opened', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", [])
            .map_err(classify)?;
        Ok(())
    }

    /// Timers handed out by a run that died before settling them become visible again, one
    /// delivery attempt further on: like SQS after the visibility timeout, so a send claimed
    /// but never confirmed is marked `unknown` rather than sent twice.
    fn recover_in_flight(&self) -> Result<(), OpenError> {
        let n = self
            .lock()
            .execute("UPDATE timers SET in_flight = 0, attempts = attempts + 1 WHERE in_flight = 1", [])
            .map_err(|e| classify(&self.path, e))?;
        if n > 0 {
            tracing::warn!(timers = n, "timers in flight when the last run stopped are delivered again");
        }
        Ok(())
    }

    /// The store, queue and outbox over this database, for `LocalRuntime::with_backend`.
    pub fn backend(&self, clock: Arc<dyn Clock>, print: bool) -> Backend {
        Backend {
            store: Arc::new(SqliteStore::new(self.clone())),
            queue: Arc::new(SqliteQueue::new(self.clone())),
            outbox: Arc::new(SqliteOutbox::new(self.clone(), clock, print)),
            alerts: Arc::new(SqliteAlerts::new(self.clone(), print)),
        }
    }

    /// The virtual clock saved by the last run, if it used one.
    pub fn saved_clock(&self) -> Option<Timestamp> {
        let v: Option<String> = self
            .lock()
            .query_row("SELECT value FROM meta WHERE key = 'virtual_clock'", [], |r| r.get(0))
            .optional()
            .ok()
            .flatten();
        v.and_then(|s| s.parse().ok())
    }
}

fn classify(path: &Path, e: rusqlite::Error) -> OpenError {
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => OpenError::Locked { path },
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            OpenError::Corrupt { path, detail: e.to_string() }
        }
        _ => OpenError::Other { path, detail: e.to_string() },
    }
}

/// A storage error for the engine: a busy database is temporary, anything else is not.
pub(crate) fn store_error(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::DiskFull) => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Fatal(e.to_string()),
    }
}

/// Nanoseconds since the epoch: timers and the virtual clock keep jiff's full precision, so a
/// timer read back fires at exactly the instant it was set for.
pub(crate) fn nanos(t: Timestamp) -> i64 {
    i64::try_from(t.as_nanosecond()).unwrap_or(if t > Timestamp::UNIX_EPOCH { i64::MAX } else { i64::MIN })
}

pub(crate) fn from_nanos(n: i64) -> Timestamp {
    Timestamp::from_nanosecond(i128::from(n)).unwrap_or(Timestamp::UNIX_EPOCH)
}
