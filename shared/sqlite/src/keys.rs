//! The deployment's secret in local mode (`deployment.key` in the data directory, 32 random
//! bytes, readable by its owner only) and the one-time migration of contacts stored under the
//! first versions' unkeyed contact keys.

use crate::db::{Database, OpenError};
use cartback_core::domain::Contact;
use cartback_core::domain::contact::{LEGACY_LINK_TTL, legacy_link, migrate_key};
use cartback_core::ports::{LinkRecord, RandomSource};
use rusqlite::params;
use std::path::Path;

const KEY_FILE: &str = "deployment.key";
const MIGRATED: &str = "contact_keys";
const KEYED_V1: &str = "keyed-v1";

/// The data directory's secret, created at its first open.
pub fn load_or_create(dir: &Path) -> Result<[u8; 32], OpenError> {
    let path = dir.join(KEY_FILE);
    let other = |detail: String| OpenError::Other { path: path.clone(), detail };
    match std::fs::read(&path) {
        Ok(bytes) => bytes.try_into().map_err(|b: Vec<u8>| other(format!("{} bytes, 32 expected", b.len()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let random = cartback_core::system::OsRandom;
            let mut key = [0u8; 32];
            key[..16].copy_from_slice(&random.bytes16());
            key[16..].copy_from_slice(&random.bytes16());
            write_private(&path, &key).map_err(|e| other(format!("cannot write the deployment key: {e}")))?;
            Ok(key)
        }
        Err(e) => Err(other(format!("cannot read the deployment key: {e}"))),
    }
}

fn write_private(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(key)?;
    f.sync_all()
}

/// Moves every contact stored under a legacy key to its keyed one, in one transaction, and
/// records where each legacy key went (for unsubscribe links already sent). Runs once per data
/// directory; returns how many contacts moved.
pub fn migrate_contacts(db: &Database, secret: &[u8; 32], now: jiff::Timestamp) -> Result<usize, OpenError> {
    let classify = |e: rusqlite::Error| OpenError::Other { path: db.path().to_path_buf(), detail: e.to_string() };
    let mut conn = db.lock();
    let done: Option<String> = conn.query_row("SELECT value FROM meta WHERE key = ?1", [MIGRATED], |r| r.get(0)).ok();
    if done.as_deref() == Some(KEYED_V1) {
        return Ok(0);
    }
    let tx = conn.transaction().map_err(classify)?;
    let rows: Vec<(String, String, String)> = {
        let mut q = tx.prepare("SELECT store, key, body FROM contacts").map_err(classify)?;
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(classify)?
            .collect::<Result<_, _>>()
            .map_err(classify)?
    };
    let mut moved = 0;
    for (store, old, body) in rows {
        let Ok(mut contact) = serde_json::from_str::<Contact>(&body) else { continue };
        let Some(new) = migrate_key(&contact, secret) else { continue };
        contact.key = new.clone();
        let body =
            serde_json::to_string(&contact).map_err(|e| classify(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
        tx.execute(
            "UPDATE contacts SET key = ?1, body = ?2 WHERE store = ?3 AND key = ?4",
            params![new, body, store, old],
        )
        .map_err(classify)?;
        let expires_at = now + LEGACY_LINK_TTL;
        let link = LinkRecord { token: legacy_link(&store, &old), store: store.clone(), cart: new, expires_at };
        let link_body =
            serde_json::to_string(&link).map_err(|e| classify(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
        tx.execute(
            "INSERT OR REPLACE INTO links (token, expires_ns, body) VALUES (?1, ?2, ?3)",
            params![link.token, i64::try_from(expires_at.as_nanosecond()).unwrap_or(i64::MAX), link_body],
        )
        .map_err(classify)?;
        moved += 1;
    }
    tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", params![MIGRATED, KEYED_V1])
        .map_err(classify)?;
    tx.commit().map_err(classify)?;
    Ok(moved)
}
