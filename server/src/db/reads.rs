//! Reads that return many rows, or run on every request, on a read pool of their own: rusqlite
//! on SQLite ([`sqlite`]), sqlx's native driver on PostgreSQL.
//!
//! The `Any` driver behind [`Pool`] copies every row it returns into an `AnyRow`, column by
//! column, with a description of each column; for a tree of 2,000 customers that copy was the
//! largest single cost of the request (docs/BENCHMARKS.md). [`ReadPool`] is a second pool on the
//! same database, with the same connection settings, whose rows are decoded by position
//! straight from the driver's buffers ([`read_row!`]). Only read-only loaders and the session
//! lookup use it; writes and the reads inside a write transaction stay on [`Pool`].
//!
//! Statements are written once, with `$N` placeholders both drivers accept, and bind only
//! integers and text ([`Bind`]), so one [`ReadQuery`] runs on either backend.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::Context as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Executor as _, FromRow};

use super::{Backend, Pool, PoolSettings, POSTGRES_SETTINGS};

mod sqlite;
pub use sqlite::{FromSqliteRow, SqliteReads};

/// Where [`ReadQuery`] runs.
#[derive(Clone, Debug)]
pub enum ReadPool {
    /// SQLite files are read through rusqlite, each connection on a thread of its own
    /// ([`sqlite`]).
    Sqlite(SqliteReads),
    /// PostgreSQL keeps two pools because no statement can choose its own plan caching:
    /// `planned` plans every statement with its parameters' values ([`POSTGRES_SETTINGS`]),
    /// which subtree ranges and name searches need; `lookups` keeps PostgreSQL's default, so
    /// a lookup by key ([`ReadQuery::lookup`]), whose best plan is the same for every value,
    /// skips planning after its first runs (`byId`, two such lookups, went from 1,000 to 1,900
    /// requests per second with this; docs/BENCHMARKS.md).
    Postgres {
        planned: sqlx::PgPool,
        lookups: sqlx::PgPool,
    },
    /// An in-memory SQLite database exists only behind its own pool, so reads share it.
    Shared(Pool),
}

impl ReadPool {
    /// A read pool on the database `pool` was opened on (at `url`), with its settings.
    pub async fn open(url: &str, pool: &Pool, settings: PoolSettings) -> anyhow::Result<Self> {
        let max = settings.max_connections.max(1);
        Ok(match Backend::of(pool) {
            Backend::Sqlite if url.contains(":memory:") || url.contains("mode=memory") => {
                Self::Shared(pool.clone())
            }
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("invalid database URL {url:?}"))?;
                let path = options.get_filename().to_path_buf();
                let reads = SqliteReads::open(path, settings)
                    .await
                    .context("cannot open the read pool")?;
                Self::Sqlite(reads)
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url)
                    .with_context(|| format!("invalid database URL {url:?}"))?;
                let pool_options = || {
                    PgPoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(settings.acquire_timeout)
                };
                let planned = pool_options()
                    .after_connect(|conn, _meta| {
                        Box::pin(async move { conn.execute(POSTGRES_SETTINGS).await.map(|_| ()) })
                    })
                    .connect_with(options.clone())
                    .await
                    .context("cannot open the read pool")?;
                let lookups = pool_options()
                    .connect_with(options)
                    .await
                    .context("cannot open the lookup pool")?;
                Self::Postgres { planned, lookups }
            }
        })
    }

    /// How full each of this pool's own pools is, named as the metrics label them (a shared
    /// pool is its owner's and is reported there).
    pub fn usage(&self) -> Vec<PoolUse> {
        match self {
            Self::Sqlite(reads) => vec![reads.usage()],
            Self::Postgres { planned, lookups } => vec![
                PoolUse::of("reads", planned),
                PoolUse::of("lookups", lookups),
            ],
            Self::Shared(_) => Vec::new(),
        }
    }

    /// Closes the pool's connections (a shared pool is closed by its owner).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(reads) => reads.close(),
            Self::Postgres { planned, lookups } => {
                tokio::join!(planned.close(), lookups.close());
            }
            Self::Shared(_) => {}
        }
    }
}

/// A snapshot of one connection pool's use, for `/metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUse {
    /// Which pool: `primary` (writes and transactions), `reads` or `lookups`.
    pub name: &'static str,
    /// Connections open, idle or in use.
    pub open: u32,
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
}

impl PoolUse {
    pub fn of<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> Self {
        let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
        Self::new(
            name,
            pool.size(),
            idle,
            pool.options().get_max_connections(),
        )
    }

    pub fn new(name: &'static str, open: u32, idle: u32, max: u32) -> Self {
        Self {
            name,
            open,
            // Pools read the two separately, so idle can briefly exceed open.
            idle: idle.min(open),
            max,
        }
    }
}

/// A value bound to a [`ReadQuery`].
#[derive(Clone, Debug)]
pub enum Bind {
    Int(i64),
    Text(String),
}

impl From<i64> for Bind {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<i16> for Bind {
    fn from(value: i16) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<String> for Bind {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<&str> for Bind {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<&String> for Bind {
    fn from(value: &String) -> Self {
        Self::Text(value.clone())
    }
}

/// Why a [`ReadQuery`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("SQLite read failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Every read connection stayed busy for the pool's acquire timeout.
    #[error("no read connection became free in time")]
    TimedOut,
    #[error("the read could not run: {0}")]
    Aborted(String),
}

impl From<deadpool::managed::PoolError<ReadError>> for ReadError {
    fn from(err: deadpool::managed::PoolError<ReadError>) -> Self {
        use deadpool::managed::PoolError;
        match err {
            PoolError::Timeout(_) => Self::TimedOut,
            PoolError::Backend(err) => err,
            err => Self::Aborted(err.to_string()),
        }
    }
}

/// Declares how a row type that [`ReadQuery`] returns is decoded: by position, its fields in
/// the order the statement selects them, on every driver (sqlx's `FromRow`, and
/// [`FromSqliteRow`] for the SQLite reader). Decoding by name looks every column up in a hash
/// map for every row, which was a tenth of a 2,000-customer tree's CPU (docs/BENCHMARKS.md);
/// debug builds check that the statement's column names are the fields' names, in order.
///
/// Fields may be `i64`, `i16`, `String`, or an `Option` of one of them.
macro_rules! read_row {
    ($row:ident { $($field:ident),+ $(,)? }) => {
        impl<'r, R> sqlx::FromRow<'r, R> for $row
        where
            R: sqlx::Row,
            usize: sqlx::ColumnIndex<R>,
            i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            i16: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        {
            fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
                use sqlx::Column as _;
                const NAMES: &[&str] = &[$(stringify!($field)),+];
                debug_assert!(
                    $crate::db::reads::names_match(NAMES, row.columns().iter().map(|c| c.name())),
                    "{} must be selected as {NAMES:?}",
                    stringify!($row),
                );
                let mut column = 0..;
                Ok(Self {
                    $($field: row.try_get(column.next().unwrap_or_default())?),+
                })
            }
        }

        impl $crate::db::reads::FromSqliteRow for $row {
            fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                const NAMES: &[&str] = &[$(stringify!($field)),+];
                debug_assert!(
                    $crate::db::reads::names_match(NAMES, row.as_ref().column_names().into_iter()),
                    "{} must be selected as {NAMES:?}",
                    stringify!($row),
                );
                let mut column = 0..;
                Ok(Self {
                    $($field: row.get(column.next().unwrap_or_default())?),+
                })
            }
        }
    };
}
pub(crate) use read_row;

/// Whether a statement's first columns are `names`, in order.
pub fn names_match<'a>(names: &[&str], columns: impl Iterator<Item = &'a str>) -> bool {
    let mut columns = columns;
    names.iter().all(|name| columns.next() == Some(*name))
}

/// A read statement assembled like [`super::QueryBuilder`]: SQL text with `$N` placeholders and
/// the values bound to them, never formatted into the text.
#[derive(Debug, Default)]
pub struct ReadQuery {
    sql: String,
    binds: Vec<Bind>,
    /// Whether PostgreSQL may reuse a generic plan (see [`ReadPool::Postgres`]).
    lookup: bool,
}

impl ReadQuery {
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            binds: Vec::new(),
            lookup: false,
        }
    }

    /// A statement that finds rows by a unique key (`id = …`, `id IN (…)`, a token), whatever
    /// else it filters on: its plan does not depend on the values bound, so PostgreSQL may
    /// plan it once and reuse the plan. Never for a statement that a subtree range or a
    /// `LIKE` drives, where a reused generic plan was up to 40 times slower.
    pub fn lookup(sql: impl Into<String>) -> Self {
        Self {
            lookup: true,
            ..Self::new(sql)
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.push_str(sql.as_ref());
        self
    }

    /// Appends a placeholder for `value` and binds it.
    pub fn push_bind(&mut self, value: impl Into<Bind>) -> &mut Self {
        self.binds.push(value.into());
        self.sql.push('$');
        self.sql.push_str(&self.binds.len().to_string());
        self
    }

    /// Runs the statement on `pool` and decodes every row as a `T` (a type declared with
    /// [`crate::db::read_row!`], or a tuple).
    pub async fn fetch_all<T>(&self, pool: &ReadPool) -> Result<Vec<T>, ReadError>
    where
        T: FromSqliteRow
            + for<'r> FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> FromRow<'r, sqlx::any::AnyRow>
            + Unpin,
    {
        match pool {
            ReadPool::Sqlite(reads) => reads.fetch_all(self.sql.clone(), self.binds.clone()).await,
            ReadPool::Postgres { lookups, .. } if self.lookup => self.fetch_all_on(lookups).await,
            ReadPool::Postgres { planned, .. } => self.fetch_all_on(planned).await,
            ReadPool::Shared(pool) => self.fetch_all_on(pool).await,
        }
    }

    /// [`Self::fetch_all`] for rows that are shared once read (the loaders' rows, which the
    /// fields that show them share): on SQLite each row is put behind its `Arc` on the
    /// reading thread, so that no large block of rows is allocated there and freed elsewhere.
    pub async fn fetch_shared<T>(&self, pool: &ReadPool) -> Result<Vec<Arc<T>>, ReadError>
    where
        T: FromSqliteRow
            + Sync
            + for<'r> FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> FromRow<'r, sqlx::any::AnyRow>
            + Unpin,
    {
        match pool {
            ReadPool::Sqlite(reads) => {
                reads
                    .fetch_all::<Arc<T>>(self.sql.clone(), self.binds.clone())
                    .await
            }
            _ => Ok(self
                .fetch_all::<T>(pool)
                .await?
                .into_iter()
                .map(Arc::new)
                .collect()),
        }
    }

    async fn fetch_all_on<DB, T>(&self, pool: &sqlx::Pool<DB>) -> Result<Vec<T>, ReadError>
    where
        DB: sqlx::Database,
        T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
        i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let mut query = sqlx::query_as::<DB, T>(&self.sql);
        for bind in &self.binds {
            query = match bind {
                Bind::Int(value) => query.bind(*value),
                Bind::Text(value) => query.bind(value.clone()),
            };
        }
        Ok(query.fetch_all(pool).await?)
    }
}

/// What both statement builders ([`super::QueryBuilder`] and [`ReadQuery`]) offer, so that a
/// condition used by reads on either pool is written once.
pub trait PushSql {
    fn push_sql(&mut self, sql: &str) -> &mut Self;
    fn push_value(&mut self, value: Bind) -> &mut Self;

    /// Appends `$i, $j, …` for `values`, binding each (for `IN (…)` lists). An empty list
    /// becomes `NULL`, which matches nothing: PostgreSQL rejects `IN ()`.
    fn push_list<T: Into<Bind>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self {
        let mut empty = true;
        for value in values {
            if !empty {
                self.push_sql(", ");
            }
            empty = false;
            self.push_value(value.into());
        }
        if empty {
            self.push_sql("NULL");
        }
        self
    }
}

impl PushSql for ReadQuery {
    fn push_sql(&mut self, sql: &str) -> &mut Self {
        self.push(sql)
    }

    fn push_value(&mut self, value: Bind) -> &mut Self {
        self.push_bind(value)
    }
}

impl PushSql for super::QueryBuilder<'_> {
    fn push_sql(&mut self, sql: &str) -> &mut Self {
        self.push(sql)
    }

    fn push_value(&mut self, value: Bind) -> &mut Self {
        match value {
            Bind::Int(value) => self.push_bind(value),
            Bind::Text(value) => self.push_bind(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut q = ReadQuery::new("SELECT 1 WHERE a IN (");
        q.push_list([1_i64, 2]).push(") AND b = ").push_bind("x");
        assert_eq!(q.sql, "SELECT 1 WHERE a IN ($1, $2) AND b = $3");
        let mut empty = ReadQuery::new("IN (");
        empty.push_list(Vec::<i64>::new()).push(")");
        assert_eq!(empty.sql, "IN (NULL)");
    }

    #[derive(Debug, PartialEq)]
    struct DataCenter {
        code: String,
        name: String,
    }
    read_row!(DataCenter { code, name });

    /// A migrated SQLite file (kept while the returned directory lives), its pool and its
    /// read pool.
    async fn sqlite_file() -> (tempfile::TempDir, Pool, ReadPool) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("reads.db").display());
        let pool = super::super::connect(&url).await.unwrap();
        let reads = ReadPool::open(&url, &pool, PoolSettings::default())
            .await
            .unwrap();
        (dir, pool, reads)
    }

    #[tokio::test]
    async fn rows_decode_alike_on_the_native_and_shared_pools() {
        let (_dir, pool, native) = sqlite_file().await;
        assert!(matches!(native, ReadPool::Sqlite(_)));
        let shared = ReadPool::Shared(pool.clone());
        let mut q = ReadQuery::new("SELECT code, name FROM data_centers WHERE country IN (");
        q.push_list(["DE", "NL"]).push(") ORDER BY code");
        let a: Vec<DataCenter> = q.fetch_all(&native).await.unwrap();
        let b: Vec<DataCenter> = q.fetch_all(&shared).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        native.close().await;
        pool.close().await;
    }

    #[tokio::test]
    async fn the_sqlite_reader_binds_by_name_and_never_writes() {
        let (_dir, pool, reads) = sqlite_file().await;

        // `$2` before `$1`: SQLite numbers named parameters by first appearance.
        let mut q =
            ReadQuery::new("SELECT code, name FROM data_centers WHERE name <> $2 AND code = $1");
        q.binds = vec!["DE".into(), "nothing".into()];
        let rows: Vec<DataCenter> = q.fetch_all(&reads).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].code, "DE");
        let shared = q.fetch_shared::<DataCenter>(&reads).await.unwrap();
        assert_eq!(*shared[0], rows[0]);

        let write = ReadQuery::new("DELETE FROM data_centers RETURNING code, name");
        let refused = write.fetch_all::<DataCenter>(&reads).await;
        assert!(matches!(refused, Err(ReadError::Sqlite(_))), "{refused:?}");
        let unbound = ReadQuery::new("SELECT code, name FROM data_centers WHERE code = $1");
        assert!(unbound.fetch_all::<DataCenter>(&reads).await.is_err());
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM data_centers")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(count > 0, "the read pool deleted rows");
        reads.close().await;
        pool.close().await;
    }
}
