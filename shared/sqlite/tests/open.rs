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
    assert!(err.to_string().contains("newer Cartback (schema version 99; this binary knows up to 1)"), "{err}");
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
