//! SQLite reads, each stepped to its end on its connection's own thread and handed back whole.
//!
//! sqlx's SQLite driver runs each connection on a worker thread that hands every row to the
//! async side over a channel, as a copy of each of its values (`sqlite3_value_dup`, one
//! `malloc` per column). For a tree of 2,000 customers that cost about a fifth of the request
//! in context switches between the two threads and a sixth in `malloc`/`free`
//! (docs/BENCHMARKS.md). Here each connection also lives on a thread of its own, but that
//! thread prepares (or reuses) the statement, steps it and decodes each row straight from
//! SQLite's buffers into its Rust type, then hands the whole `Vec` back: one hand-off per
//! statement instead of one per row.
//!
//! The threads are the connections' own, not tokio's blocking pool: that pool grew to about 40
//! threads under load, and the rows each of them allocated (and the async side freed) kept
//! over 400 MiB resident in the allocator's per-thread heaps; a thread per connection bounds
//! that by the pool size.

use std::path::PathBuf;

use deadpool::managed::{self, Metrics, RecycleResult};
use rusqlite::{Connection, OpenFlags};

use super::{Bind, PoolUse, ReadError};
use crate::db::{PoolSettings, SQLITE_PRAGMAS};

/// Statements kept prepared per connection (sqlx's default for its own connections).
const STATEMENT_CACHE: usize = 100;

/// A row type the SQLite reader decodes; [`crate::db::read_row!`] derives it with the row's
/// sqlx decoding, so both read paths decode the same columns the same way.
pub trait FromSqliteRow: Sized + Send + 'static {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

impl<T: FromSqliteRow + Sync> FromSqliteRow for std::sync::Arc<T> {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        T::from_sqlite(row).map(std::sync::Arc::new)
    }
}

/// Tuples decode by position, like sqlx's tuple rows.
macro_rules! tuple_rows {
    ($(($($t:ident $i:tt),+))+) => {$(
        impl<$($t),+> FromSqliteRow for ($($t,)+)
        where
            $($t: rusqlite::types::FromSql + Send + 'static),+
        {
            fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    )+};
}
tuple_rows! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
}

/// Read connections to one SQLite file.
#[derive(Clone)]
pub struct SqliteReads {
    pool: managed::Pool<Manager>,
}

impl std::fmt::Debug for SqliteReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReads")
            .field("status", &self.pool.status())
            .finish()
    }
}

impl SqliteReads {
    /// Opens a pool on the database file at `path` and one connection of it, so that a file
    /// that cannot be read fails at start-up rather than on the first request.
    pub async fn open(path: PathBuf, settings: PoolSettings) -> Result<Self, ReadError> {
        let pool = managed::Pool::builder(Manager { path })
            .max_size(usize::try_from(settings.max_connections.max(1)).unwrap_or(1))
            .wait_timeout(Some(settings.acquire_timeout))
            .create_timeout(Some(settings.acquire_timeout))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|err| ReadError::Aborted(err.to_string()))?;
        drop(pool.get().await.map_err(ReadError::from)?);
        Ok(Self { pool })
    }

    /// Runs `sql` with `binds` (`$1` for the first, and so on) and decodes every row.
    pub async fn fetch_all<T: FromSqliteRow>(
        &self,
        sql: String,
        binds: Vec<Bind>,
    ) -> Result<Vec<T>, ReadError> {
        let conn = self.pool.get().await?;
        conn.run(move |conn| fetch_all_on(conn, &sql, &binds)).await
    }

    /// How full the pool is, for `/metrics`.
    pub fn usage(&self) -> PoolUse {
        let status = self.pool.status();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        PoolUse::new(
            "reads",
            count(status.size),
            count(status.available),
            count(status.max_size),
        )
    }

    /// Closes the idle connections and refuses new reads; connections in use close when
    /// their reads end.
    pub fn close(&self) {
        self.pool.close();
    }
}

fn fetch_all_on<T: FromSqliteRow>(
    conn: &Connection,
    sql: &str,
    binds: &[Bind],
) -> Result<Vec<T>, ReadError> {
    let mut statement = conn.prepare_cached(sql)?;
    for (i, bind) in binds.iter().enumerate() {
        // `$N` is a named parameter to SQLite, numbered by where it first appears: look the
        // name up rather than trusting the text to use them in order.
        let name = format!("${}", i + 1);
        let index = statement
            .parameter_index(&name)?
            .ok_or_else(|| ReadError::Aborted(format!("the statement has no parameter {name}")))?;
        match bind {
            Bind::Int(value) => statement.raw_bind_parameter(index, value)?,
            Bind::Text(value) => statement.raw_bind_parameter(index, value.as_str())?,
        }
    }
    if statement.parameter_count() != binds.len() {
        return Err(ReadError::Aborted(format!(
            "the statement takes {} parameters, {} were bound",
            statement.parameter_count(),
            binds.len()
        )));
    }
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(T::from_sqlite(row)?);
    }
    Ok(out)
}

/// A connection on a thread of its own, which runs the jobs sent to it one at a time; the
/// thread closes the connection and ends when the pool drops this.
struct Worker {
    jobs: tokio::sync::mpsc::UnboundedSender<Job>,
}

type Job = Box<dyn FnOnce(&Connection) + Send>;

impl Worker {
    /// Opens a connection to `path` on a new thread.
    async fn start(path: PathBuf) -> Result<Self, ReadError> {
        let (jobs, mut queue) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let (opened, open_result) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("canopy-sqlite-read".into())
            .spawn(move || match open(&path) {
                Ok(conn) => {
                    let _ = opened.send(Ok(()));
                    while let Some(job) = queue.blocking_recv() {
                        job(&conn);
                    }
                }
                Err(err) => {
                    let _ = opened.send(Err(err));
                }
            })
            .map_err(|err| ReadError::Aborted(format!("cannot start a read thread: {err}")))?;
        open_result
            .await
            .map_err(|_| ReadError::Aborted("the read thread stopped".into()))??;
        Ok(Self { jobs })
    }

    /// Runs `job` on the connection's thread and waits for its result.
    async fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce(&Connection) -> Result<R, ReadError> + Send + 'static,
    ) -> Result<R, ReadError> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| {
                let _ = done.send(job(conn));
            }))
            .map_err(|_| ReadError::Aborted("the read thread stopped".into()))?;
        result
            .await
            .map_err(|_| ReadError::Aborted("the read thread stopped".into()))?
    }
}

/// Starts the pool's connections.
struct Manager {
    path: PathBuf,
}

impl managed::Manager for Manager {
    type Type = Worker;
    type Error = ReadError;

    async fn create(&self) -> Result<Worker, ReadError> {
        Worker::start(self.path.clone()).await
    }

    /// A connection needs nothing to be reused: a read leaves no transaction open (its
    /// statement is reset when it goes back to the cache). One whose thread stopped (a read
    /// panicked) is replaced.
    async fn recycle(&self, worker: &mut Worker, _: &Metrics) -> RecycleResult<Self::Error> {
        if worker.jobs.is_closed() {
            return Err(managed::RecycleError::message("the read thread stopped"));
        }
        Ok(())
    }
}

/// A connection that can only read. The file was created, and put in WAL mode, by the
/// primary pool before this one opens.
fn open(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(SQLITE_PRAGMAS)?;
    // Read-write but query-only: a read-only connection could not recover a WAL file left by
    // a crashed writer, while `query_only` still refuses every write.
    conn.pragma_update(None, "query_only", true)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}
