//! Reads that return many rows, through sqlx's native SQLite and PostgreSQL drivers.
//!
//! The `Any` driver behind [`Pool`] copies every row it returns into an `AnyRow`, column by
//! column, with a description of each column; for a tree of 2,000 customers that copy was the
//! largest single cost of the request (docs/BENCHMARKS.md). [`ReadPool`] is a second pool on the
//! same database, with the same connection settings, whose rows are decoded straight from the
//! driver's buffers. Only read-only loaders use it; writes and the reads inside a write
//! transaction stay on [`Pool`].
//!
//! Statements are written once, with `$N` placeholders both drivers accept, and bind only
//! integers and text ([`Bind`]), so one [`ReadQuery`] runs on either backend.

use std::str::FromStr;

use anyhow::Context as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Executor as _, FromRow};

use super::{Backend, Pool, PoolSettings, POSTGRES_SETTINGS, SQLITE_PRAGMAS};

/// Where [`ReadQuery`] runs.
#[derive(Clone, Debug)]
pub enum ReadPool {
    Sqlite(sqlx::SqlitePool),
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
                let pool = SqlitePoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(settings.acquire_timeout)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move { conn.execute(SQLITE_PRAGMAS).await.map(|_| ()) })
                    })
                    .connect_with(options)
                    .await
                    .context("cannot open the read pool")?;
                Self::Sqlite(pool)
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
            Self::Sqlite(pool) => vec![PoolUse::of("reads", pool)],
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
            Self::Sqlite(pool) => pool.close().await,
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
        let open = pool.size();
        Self {
            name,
            open,
            // Read separately from `size`, so it can briefly exceed it.
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX).min(open),
            max: pool.options().get_max_connections(),
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

    /// Runs the statement on `pool` and decodes every row as a `T`.
    pub async fn fetch_all<T>(&self, pool: &ReadPool) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> FromRow<'r, sqlx::any::AnyRow>
            + Send
            + Unpin,
    {
        match pool {
            ReadPool::Sqlite(pool) => self.fetch_all_on(pool).await,
            ReadPool::Postgres { lookups, .. } if self.lookup => self.fetch_all_on(lookups).await,
            ReadPool::Postgres { planned, .. } => self.fetch_all_on(planned).await,
            ReadPool::Shared(pool) => self.fetch_all_on(pool).await,
        }
    }

    async fn fetch_all_on<DB, T>(&self, pool: &sqlx::Pool<DB>) -> Result<Vec<T>, sqlx::Error>
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
        query.fetch_all(pool).await
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

    #[tokio::test]
    async fn rows_decode_alike_on_the_native_and_shared_pools() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("reads.db").display());
        let pool = super::super::connect(&url).await.unwrap();
        let native = ReadPool::open(&url, &pool, PoolSettings::default())
            .await
            .unwrap();
        assert!(matches!(native, ReadPool::Sqlite(_)));
        let shared = ReadPool::Shared(pool.clone());
        let mut q = ReadQuery::new("SELECT code, name FROM data_centers WHERE country IN (");
        q.push_list(["DE", "NL"]).push(") ORDER BY code");
        let a: Vec<(String, String)> = q.fetch_all(&native).await.unwrap();
        let b: Vec<(String, String)> = q.fetch_all(&shared).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        native.close().await;
        pool.close().await;
    }
}
