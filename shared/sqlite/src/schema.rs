//! Versioned schema migrations, applied at start-up. `PRAGMA user_version` holds the version;
//! a file written by a newer Cartback (a higher version than this binary knows) is refused
//! rather than guessed at.

/// Migration `i` takes the schema from version `i` to `i + 1`. Append only; never edit one
/// that has shipped.
pub const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "
    CREATE TABLE carts (
        store TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        timer_seq INTEGER,            -- the cart's armed timer, for the sweep model
        body TEXT NOT NULL,           -- the cart record as JSON (same as DynamoDB's `body`)
        PRIMARY KEY (store, id)
    ) WITHOUT ROWID;
    CREATE TABLE contacts (
        store TEXT NOT NULL,
        key TEXT NOT NULL,
        version INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (store, key)
    ) WITHOUT ROWID;
    CREATE TABLE links (
        token TEXT PRIMARY KEY,
        expires_ns INTEGER NOT NULL,
        body TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE stats (
        store TEXT NOT NULL,
        name TEXT NOT NULL,
        value INTEGER NOT NULL,
        PRIMARY KEY (store, name)
    ) WITHOUT ROWID;
    CREATE TABLE timers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        due_ns INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,   -- deliveries that did not complete
        long INTEGER NOT NULL,                 -- beyond SQS's 900 s (the sweep model)
        in_flight INTEGER NOT NULL DEFAULT 0,  -- handed out, not yet settled
        body TEXT NOT NULL
    );
    CREATE INDEX timers_by_due ON timers (in_flight, due_ns, id);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        body TEXT NOT NULL
    );
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    ",
    // 2: hand-offs to a human survive restarts too.
    "
    CREATE TABLE handoffs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        body TEXT NOT NULL
    );
    ",
    // 3: conversations with a person (docs/conversations.md), deleted after `expires_ns`.
    "
    CREATE TABLE conversations (
        store TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_ns INTEGER NOT NULL,
        expires_ns INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (store, id)
    ) WITHOUT ROWID;
    CREATE INDEX conversations_by_update ON conversations (store, updated_ns);
    ",
    // 4: the counters per day in the store's zone (the report's series), beside the totals.
    "
    CREATE TABLE stats_daily (
        store TEXT NOT NULL,
        day TEXT NOT NULL,
        name TEXT NOT NULL,
        value INTEGER NOT NULL,
        PRIMARY KEY (store, day, name)
    ) WITHOUT ROWID;
    ",
    // 5: dead letters of signed events out (outbound), kept for a replay.
    "
    CREATE TABLE event_deliveries (
        store TEXT NOT NULL,
        id TEXT NOT NULL,
        updated_ns INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (store, id)
    ) WITHOUT ROWID;
    CREATE INDEX event_deliveries_by_update ON event_deliveries (store, updated_ns);
    ",
    // 6: each store's catalogue (docs/catalogue.md), replaced whole by a refresh or an upload.
    "
    CREATE TABLE catalogues (
        store TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        body TEXT NOT NULL
    ) WITHOUT ROWID;
    ",
    // 7: REST hook subscriptions (docs/automation.md), made and removed through the API.
    "
    CREATE TABLE rest_hooks (
        store TEXT NOT NULL,
        id TEXT NOT NULL,
        created_ns INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (store, id)
    ) WITHOUT ROWID;
    ",
];

/// The schema version this binary writes.
pub fn current() -> u32 {
    MIGRATIONS.len() as u32
}
