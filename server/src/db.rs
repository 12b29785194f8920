//! The database pool: opening it (WAL, foreign keys, busy timeout), running the embedded
//! migrations, and starting write transactions.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

/// The connection pool every store function runs against.
pub type Pool = SqlitePool;
/// One write transaction: every mutation runs in exactly one.
pub type Tx = Transaction<'static, Sqlite>;

/// Opens (creating when missing) the database at `url` and brings its schema up to date.
pub async fn connect(url: &str) -> anyhow::Result<Pool> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("invalid database URL {url:?}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open database {url:?}"))?;
    sqlx::migrate!("../migrations/sqlite")
        .run(&pool)
        .await
        .context("cannot apply database migrations")?;
    Ok(pool)
}

/// Starts a write transaction. `BEGIN IMMEDIATE` takes SQLite's write lock up front: a deferred
/// transaction that reads and then writes fails with "database is locked" when another writer
/// committed in between, whatever the busy timeout.
pub async fn begin_write(pool: &Pool) -> Result<Tx, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Whether `err` is a violation of the unique index `index` on `table.column`.
///
/// PostgreSQL names the violated index; SQLite only names the columns in its message
/// ("UNIQUE constraint failed: customers.name_key"), so both are checked.
pub fn is_unique_violation(err: &sqlx::Error, index: &str, table_column: &str) -> bool {
    let Some(db_err) = err.as_database_error() else {
        return false;
    };
    db_err.kind() == sqlx::error::ErrorKind::UniqueViolation
        && (db_err.constraint() == Some(index) || db_err.message().contains(table_column))
}

/// The index range `[lo, hi)` that holds a materialised path and all paths below it:
/// `hi` is `path` with its final `/` replaced by the next character, `0`.
pub fn subtree_range(path: &str) -> (String, String) {
    let hi = format!("{}0", path.strip_suffix('/').unwrap_or(path));
    (path.to_owned(), hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtree_ranges_hold_exactly_the_subtree() {
        let (lo, hi) = subtree_range("/1/5/");
        let inside = ["/1/5/", "/1/5/9/", "/1/5/123/4/"];
        let outside = ["/1/", "/1/50/", "/1/51/", "/1/6/", "/1/4/9/"];
        for p in inside {
            assert!(p >= lo.as_str() && p < hi.as_str(), "{p} is in the subtree");
        }
        for p in outside {
            assert!(
                !(p >= lo.as_str() && p < hi.as_str()),
                "{p} is not in the subtree"
            );
        }
    }
}
