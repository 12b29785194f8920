//! The database pool over sqlx's `Any` driver: SQLite (the embedded default) or PostgreSQL,
//! chosen by the URL's scheme. Opening it (SQLite: WAL, foreign keys, busy timeout on every
//! connection), running the backend's embedded migrations, starting write transactions, and
//! [`QueryBuilder`], which assembles statements with `$N` placeholders both backends accept.
//!
//! Store modules write one portable SQL text wherever they can. Through `Any`, a few things
//! differ from the native drivers and are handled the same way everywhere:
//! - booleans are `SMALLINT` 0/1 columns (the `Any` driver cannot decode SQLite's `BOOLEAN`),
//!   bound as `i16` and read through [`Flag`];
//! - `EXISTS (…)` is written `CASE WHEN EXISTS (…) THEN 1 ELSE 0 END` and read as `i64`
//!   (SQLite answers an integer, PostgreSQL a boolean);
//! - a parameter that may be NULL is cast where the statement only tests it
//!   (`CAST($3 AS BIGINT) IS NULL`): PostgreSQL cannot infer the type of an untyped NULL.

use std::str::FromStr;

use anyhow::Context as _;
use sqlx::any::{AnyArguments, AnyConnectOptions, AnyPoolOptions, AnyRow, AnyTypeInfo};
use sqlx::error::BoxDynError;
use sqlx::query::{Query, QueryAs};
use sqlx::{Any, AnyPool, Arguments as _, Executor as _, Transaction};

pub mod group_commit;
pub mod reads;
pub use group_commit::GroupCommit;
pub(crate) use reads::read_row;
pub use reads::{Bind, PoolUse, PushSql, ReadError, ReadPool, ReadQuery};

/// The connection pool every store function runs against.
pub type Pool = AnyPool;
/// One write transaction: every mutation runs in exactly one.
pub type Tx = Transaction<'static, Any>;

/// Which database a pool talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names (`sqlite:` or `postgres:`/`postgresql:`).
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        match url.split(':').next().unwrap_or_default() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            other => anyhow::bail!(
                "unsupported database URL scheme {other:?}: use sqlite://FILE or postgres://…"
            ),
        }
    }

    /// The backend a connection of the `Any` pool talks to.
    pub fn of_conn(conn: &sqlx::AnyConnection) -> Self {
        if conn.backend_name() == "SQLite" {
            Self::Sqlite
        } else {
            Self::Postgres
        }
    }

    /// The backend `pool` talks to.
    pub fn of(pool: &Pool) -> Self {
        if pool.connect_options().database_url.scheme() == "sqlite" {
            Self::Sqlite
        } else {
            Self::Postgres
        }
    }
}

/// The advisory lock every PostgreSQL write transaction takes first (an arbitrary constant,
/// "canopy" in ASCII). See [`begin_write`].
pub(crate) const WRITE_LOCK_KEY: i64 = 0x63_61_6e_6f_70_79;

/// Every SQLite connection's settings: WAL lets readers run beside the one writer; NORMAL
/// synchronous is durable in WAL mode except for the last commits on power loss; writers wait
/// for each other instead of failing at once.
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

/// Every PostgreSQL connection's settings: plan every statement with its parameters' values.
/// A prepared statement's generic plan cannot see that `path >= $1 AND path < $2` is a whole
/// subtree, or that `name_key LIKE $1` suits the trigram index; at a million customers its
/// plans were up to 40 times slower than the custom ones (docs/BENCHMARKS.md), for a planning
/// cost of a fraction of a millisecond. Lookups by key, whose plan never changes, skip that
/// cost on a pool of their own ([`ReadQuery::lookup`]).
pub(crate) const POSTGRES_SETTINGS: &str = "SET plan_cache_mode = force_custom_plan";

/// How many connections the pool holds, and how long a request waits for one.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// After this, the request fails with `SERVICE_UNAVAILABLE` instead of queueing on.
    pub acquire_timeout: std::time::Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: std::time::Duration::from_secs(5),
        }
    }
}

/// Opens the database at `url` with the default pool settings; see [`connect_with`].
pub async fn connect(url: &str) -> anyhow::Result<Pool> {
    connect_with(url, PoolSettings::default()).await
}

/// Opens the database at `url` (SQLite: creating the file when missing) and brings its schema
/// up to date with the backend's migration set (`migrations/sqlite` or `migrations/postgres`).
pub async fn connect_with(url: &str, settings: PoolSettings) -> anyhow::Result<Pool> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)?;
    let url = match backend {
        // `mode=rwc` is what makes SQLite create a missing file.
        Backend::Sqlite if !url.contains("mode=") => {
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}mode=rwc")
        }
        _ => url.to_owned(),
    };
    let options = AnyConnectOptions::from_str(&url)
        .with_context(|| format!("invalid database URL {url:?}"))?;
    let pool = AnyPoolOptions::new()
        .max_connections(settings.max_connections.max(1))
        .acquire_timeout(settings.acquire_timeout)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute(SQLITE_PRAGMAS).await?;
                } else {
                    conn.execute(POSTGRES_SETTINGS).await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open database {url:?}"))?;
    let migrator = match backend {
        Backend::Sqlite => sqlx::migrate!("../migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("../migrations/postgres"),
    };
    migrator
        .run(&pool)
        .await
        .context("cannot apply database migrations")?;
    if backend == Backend::Sqlite {
        forget_stat4_samples(&pool).await?;
    }
    Ok(pool)
}

/// Deletes SQLite's STAT4 samples, keeping the per-index statistics of `sqlite_stat1`.
///
/// With samples in `sqlite_stat4` (written by `ANALYZE`, which `canopy seed` runs), SQLite
/// plans a cached statement again each time a parameter that could change its plan is bound
/// to a new value: every read of a path range or an id paid the planner, a quarter of
/// `customer(id)`'s CPU (docs/BENCHMARKS.md). At a million customers the plans of every bench
/// shape and every console query are the same without them, and nothing got slower. Run on
/// every open (a server's start, before its read pool opens; the seed's `ANALYZE` writes them
/// again, and the next start removes them), so no connection of ours plans with them.
async fn forget_stat4_samples(pool: &Pool) -> anyhow::Result<()> {
    let (analysed,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'",
    )
    .fetch_one(pool)
    .await?;
    if analysed > 0 {
        let mut conn = pool.acquire().await?;
        conn.execute("DELETE FROM sqlite_stat4").await?;
        // Reloads the statistics into this connection's schema (the others open afresh).
        conn.execute("ANALYZE sqlite_schema").await?;
    }
    Ok(())
}

/// Starts a write transaction, serialised with every other write transaction on the database.
///
/// SQLite: `BEGIN IMMEDIATE` takes the database's write lock up front (a deferred transaction
/// that reads and then writes fails with "database is locked" when another writer committed in
/// between, whatever the busy timeout).
///
/// PostgreSQL: a READ COMMITTED transaction whose first statement takes one transaction-level
/// advisory lock (and lets the transaction's statements reuse their plans, see below). Tree
/// rules are checked by reading (is the new parent inside the moved subtree? does the level
/// rule hold with the new parent and the children?) and then writing; two concurrent moves
/// (A under B, B under A) would each pass their check against the tree as it was and together
/// make a cycle, and row locks alone cannot see that conflict. Holding the lock, every
/// statement of the transaction sees all writes committed before it was granted, so writes
/// behave exactly as on SQLite: one at a time, each against the latest tree. Reads never take
/// it. Several `canopy serve` processes on one database share it. Within a process, the
/// changes queued behind one another share one such transaction (`group_commit`).
///
/// Writes run one at a time, so planning is on everyone's path: a write transaction plans as
/// PostgreSQL does by default (`plan_cache_mode = auto`, a generic plan once it is no worse
/// than the custom ones), not per execution as the pool's reads do ([`POSTGRES_SETTINGS`]).
/// Its statements are lookups by key, and a subtree's path range, whose custom plans stay
/// cheaper than a generic one and so are kept. That made the write mix ~1.4× faster.
pub async fn begin_write(pool: &Pool) -> Result<Tx, sqlx::Error> {
    match Backend::of(pool) {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => {
            let mut tx = pool.begin().await?;
            // In `FROM`, so the result is a plain integer column (the function returns `void`,
            // which the `Any` driver cannot decode).
            sqlx::query(
                "SELECT 1 FROM pg_advisory_xact_lock($1), \
                 set_config('plan_cache_mode', 'auto', true) AS plans",
            )
            .bind(WRITE_LOCK_KEY)
            .execute(&mut *tx)
            .await?;
            Ok(tx)
        }
    }
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

/// A boolean stored as a `SMALLINT` 0/1 (see the module documentation); fields read it with
/// `#[sqlx(try_from = "db::Flag")]`, and statements bind [`flag`].
#[derive(Clone, Copy, Debug)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}

impl sqlx::Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as sqlx::Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(<i64 as sqlx::Decode<'r, Any>>::decode(value)? != 0))
    }
}

/// The stored form of a boolean.
pub fn flag(value: bool) -> i16 {
    i16::from(value)
}

/// A statement assembled from SQL text and bound values, numbering placeholders `$1`, `$2`, …
/// (sqlx's own `QueryBuilder<Any>` writes `?`, which PostgreSQL rejects). Values are always
/// bound, never formatted into the text.
pub struct QueryBuilder<'q> {
    sql: String,
    args: AnyArguments<'q>,
    error: Option<BoxDynError>,
}

impl std::fmt::Debug for QueryBuilder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryBuilder")
            .field("sql", &self.sql)
            .finish_non_exhaustive()
    }
}

impl<'q> QueryBuilder<'q> {
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            args: AnyArguments::default(),
            error: None,
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.push_str(sql.as_ref());
        self
    }

    /// Appends a placeholder for `value` and binds it.
    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
    {
        if let Err(err) = self.args.add(value) {
            self.error.get_or_insert(err);
        }
        let n = self.args.len();
        self.sql.push('$');
        self.sql.push_str(&n.to_string());
        self
    }

    /// The statement, for `execute`.
    pub fn build(&mut self) -> Result<Query<'_, Any, AnyArguments<'_>>, sqlx::Error> {
        let args = self.take_args()?;
        Ok(sqlx::query_with(&self.sql, args))
    }

    /// The statement, for `fetch_*` into rows of `T`.
    pub fn build_query_as<T>(
        &mut self,
    ) -> Result<QueryAs<'_, Any, T, AnyArguments<'_>>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        let args = self.take_args()?;
        Ok(sqlx::query_as_with(&self.sql, args))
    }

    fn take_args(&mut self) -> Result<AnyArguments<'q>, sqlx::Error> {
        if let Some(err) = self.error.take() {
            return Err(sqlx::Error::Encode(err));
        }
        Ok(std::mem::take(&mut self.args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_opened_sqlite_database_keeps_no_stat4_samples() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        let pool = connect(&url).await.unwrap();
        for i in 0..200 {
            sqlx::query(
                "INSERT INTO data_centers (code, name, country, active) VALUES ($1, $2, 'DE', 0)",
            )
            .bind(format!("T{i}"))
            .bind(format!("Test {i}"))
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.execute("ANALYZE").await.unwrap();
        let (written,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sqlite_stat4")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(written > 0, "ANALYZE wrote samples");
        pool.close().await;

        let pool = connect(&url).await.unwrap();
        let (samples,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sqlite_stat4")
            .fetch_one(&pool)
            .await
            .unwrap();
        let (stats,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sqlite_stat1")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(samples, 0);
        assert!(stats > 0, "the per-index statistics stay");
    }

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

    #[tokio::test]
    async fn sqlite_files_are_created_with_their_pragmas_on_every_connection() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new.db");
        let pool = connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        assert!(file.exists());
        // Two connections at once, so the second is a fresh one too.
        let mut first = pool.acquire().await.unwrap();
        let mut second = pool.acquire().await.unwrap();
        for conn in [&mut *first, &mut *second] {
            let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            let (keys,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            let (timeout,): (i64,) = sqlx::query_as("PRAGMA busy_timeout")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            assert_eq!((mode.as_str(), keys, timeout, sync), ("wal", 1, 10_000, 1));
        }
    }

    /// `.cargo/config.toml` builds SQLite without its allocation statistics, whose one mutex
    /// every decoding thread queued on (docs/BENCHMARKS.md); a build that lost the setting,
    /// say through a `LIBSQLITE3_FLAGS` of its own, fails here instead of in a benchmark.
    #[tokio::test]
    async fn sqlite_is_built_without_allocation_statistics() {
        let pool = connect("sqlite::memory:").await.unwrap();
        let options: Vec<(String,)> = sqlx::query_as("PRAGMA compile_options")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert!(
            options.iter().any(|(o,)| o == "DEFAULT_MEMSTATUS=0"),
            "compile options: {options:?}"
        );
    }

    #[test]
    fn the_builder_numbers_its_placeholders() {
        let mut q = QueryBuilder::new("SELECT 1 WHERE a IN (");
        q.push_list([1_i64, 2, 3]).push(") AND b = ").push_bind("x");
        assert_eq!(q.sql, "SELECT 1 WHERE a IN ($1, $2, $3) AND b = $4");
    }

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(Backend::of_url("sqlite://a.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::of_url("mysql://h/db").is_err());
    }
}
