//! The SQL of seeding: reading what the database holds, and bulk-loading a [`Plan`].
//!
//! Loading bypasses the `Any` pool and talks to the backend's native driver, because the fast
//! paths are backend-specific: PostgreSQL's `COPY … FROM STDIN`, and SQLite's multi-row
//! `INSERT`s with bound values on one connection without fsyncs. Everything runs in one
//! transaction, so a failed seed leaves the database as it was.
//!
//! For the load, the loaded tables' secondary indexes (and on PostgreSQL every foreign key
//! into or out of them) are dropped and afterwards recreated from their own definitions, as
//! the database reports them: building an index once from sorted data is many times faster
//! than maintaining it row by row, and one validating join replaces ten million per-row
//! foreign-key checks. The recreated unique indexes and foreign keys still check the data.

use std::time::Instant;

use anyhow::Context as _;
use sqlx::postgres::{PgConnection, PgCopyIn};
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection as _, Row as _};

use super::plan::{Base, DataCenter, Plan};
use crate::db::{self, Backend, Pool};

/// The tables a seed writes rows into (the root's aggregates are updated in `customers`).
const LOADED_TABLES: [&str; 5] = [
    "customers",
    "contacts",
    "devices",
    "activities",
    "brandings",
];

/// Whether any customer other than the root exists.
pub async fn has_customers_below_root(pool: &Pool) -> anyhow::Result<bool> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM customers WHERE parent_id IS NOT NULL")
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

/// The root, its first SUPERUSER, the active data centers and how far each id sequence got.
pub async fn read_base(pool: &Pool) -> anyhow::Result<Base> {
    let (root_id, root_path): (i64, String) =
        sqlx::query_as("SELECT id, path FROM customers WHERE parent_id IS NULL")
            .fetch_one(pool)
            .await
            .context("the database has no root customer")?;
    let (admin_user_id,): (i64,) =
        sqlx::query_as("SELECT MIN(id) FROM users WHERE customer_id = $1")
            .bind(root_id)
            .fetch_one(pool)
            .await?;
    let data_centers = sqlx::query_as::<_, (String, String)>(
        "SELECT code, country FROM data_centers WHERE active = 1 ORDER BY code",
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(code, country)| DataCenter { code, country })
    .collect();
    Ok(Base {
        root_id,
        root_path,
        admin_user_id,
        data_centers,
        last_customer_id: last_id(pool, "customers").await?,
        last_contact_id: last_id(pool, "contacts").await?,
        last_device_id: last_id(pool, "devices").await?,
        last_activity_id: last_id(pool, "activities").await?,
    })
}

/// The highest id `table` has handed out, deleted rows included: new rows must not take the
/// id of a removed one (the audit history and clients may still name it).
async fn last_id(pool: &Pool, table: &str) -> anyhow::Result<i64> {
    let (max,): (i64,) = sqlx::query_as(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
        .fetch_one(pool)
        .await?;
    let sequence: Option<(i64,)> = match Backend::of(pool) {
        Backend::Sqlite => {
            sqlx::query_as("SELECT CAST(seq AS BIGINT) FROM sqlite_sequence WHERE name = $1")
                .bind(table)
                .fetch_optional(pool)
                .await?
        }
        Backend::Postgres => {
            // `last_value` is only handed out once `is_called`.
            sqlx::query_as(&format!(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END \
                 FROM {}",
                pg_sequence_name(pool, table).await?
            ))
            .fetch_optional(pool)
            .await?
        }
    };
    Ok(max.max(sequence.map_or(0, |s| s.0)))
}

async fn pg_sequence_name(pool: &Pool, table: &str) -> anyhow::Result<String> {
    let (name,): (String,) = sqlx::query_as("SELECT pg_get_serial_sequence($1, 'id')")
        .bind(table)
        .fetch_one(pool)
        .await?;
    Ok(name)
}

/// Rows written, per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub customers: u64,
    pub contacts: u64,
    pub devices: u64,
    pub activities: u64,
    pub brandings: u64,
}

/// A native connection for bulk loading.
enum Loader {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Writes `plan` into the database at `url` in one transaction; `say` receives progress lines.
pub async fn load(url: &str, plan: &Plan, say: &dyn Fn(String)) -> anyhow::Result<Written> {
    let mut loader = match Backend::of_url(url)? {
        Backend::Sqlite => Loader::Sqlite(open_sqlite(url).await?),
        Backend::Postgres => {
            let mut conn = PgConnection::connect(url).await?;
            sqlx::raw_sql("BEGIN; SET LOCAL synchronous_commit = off;")
                .execute(&mut conn)
                .await?;
            // Serialised with every server's writes, as any write transaction is.
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(db::WRITE_LOCK_KEY)
                .execute(&mut conn)
                .await?;
            Loader::Postgres(conn)
        }
    };
    let started = Instant::now();
    let deferred = loader.drop_indexes_and_keys().await?;
    let written = write_rows(&mut loader, plan, say).await?;
    loader.update_root(plan).await?;
    let rebuild = Instant::now();
    loader.restore_indexes_and_keys(&deferred).await?;
    say(format!(
        "indexes and foreign keys rebuilt and checked in {:.1} s",
        rebuild.elapsed().as_secs_f64()
    ));
    loader.fix_sequences().await?;
    let analyse = Instant::now();
    loader.commit_and_analyse().await?;
    say(format!(
        "committed and analysed in {:.1} s (load total {:.1} s)",
        analyse.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    ));
    Ok(written)
}

/// Opens SQLite for loading: no fsyncs, a large page cache, and foreign keys checked once at
/// the end instead of per row; then starts the transaction.
///
/// The journal stays in WAL mode. Leaving it (a rollback journal in memory would spare
/// writing each page twice) needs the only connection to the file, and the connections of
/// the pool that ran the migrations close on their worker threads a moment after
/// `Pool::close` returns: the switch then failed with "database is locked", now and then.
async fn open_sqlite(url: &str) -> anyhow::Result<SqliteConnection> {
    let mut conn = SqliteConnection::connect(url).await?;
    sqlx::raw_sql(
        "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; \
         PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY; BEGIN IMMEDIATE;",
    )
    .execute(&mut conn)
    .await
    .context("cannot prepare the SQLite database for loading")?;
    Ok(conn)
}

async fn write_rows(
    loader: &mut Loader,
    plan: &Plan,
    say: &dyn Fn(String),
) -> anyhow::Result<Written> {
    use Value::{Int, Null, Text};
    let mut written = Written::default();
    let opt_int = |v: Option<i64>| v.map_or(Null, Int);

    let mut w = loader
        .table(
            "customers",
            &[
                "id",
                "parent_id",
                "path",
                "name",
                "name_key",
                "level",
                "service_type",
                "child_service_types",
                "device_country",
                "storage_location",
                "trial_expires_at",
                "converted_at",
                "customer_reference",
                "created_at",
                "updated_at",
                "version",
                "child_count",
                "descendant_count",
                "device_count",
                "storage_used_bytes",
                "subtree_device_count",
                "subtree_storage_used_bytes",
            ],
            plan.customers.len() as u64,
            say,
        )
        .await?;
    for c in &plan.customers {
        let key = canopy_shared::customer::name_key(&c.name);
        w.row(&[
            Int(c.id),
            Int(c.parent_id),
            Text(&c.path),
            Text(&c.name),
            Text(&key),
            Int(i64::from(c.level.rank())),
            Text(c.service_type.as_str()),
            Text(&c.child_service_types),
            Text(c.device_country),
            Text(plan.storage_code(c)),
            opt_int(c.trial_expires_at),
            opt_int(c.converted_at),
            c.customer_reference.as_deref().map_or(Null, Text),
            Int(c.created_at),
            Int(c.converted_at.unwrap_or(c.created_at)),
            Int(1),
            Int(c.child_count),
            Int(c.descendant_count),
            Int(i64::from(c.device_count)),
            Int(c.storage_used_bytes),
            Int(c.subtree_device_count),
            Int(c.subtree_storage_used_bytes),
        ])
        .await?;
    }
    written.customers = w.finish().await?;

    let mut w = loader
        .table(
            "contacts",
            &[
                "id",
                "customer_id",
                "first_name",
                "last_name",
                "title",
                "email",
                "phone",
                "roles",
                "created_at",
                "updated_at",
            ],
            plan.contact_total,
            say,
        )
        .await?;
    for c in &plan.customers {
        for k in plan.contacts(c) {
            w.row(&[
                Int(k.id),
                Int(c.id),
                Text(&k.first_name),
                Text(&k.last_name),
                k.title.map_or(Null, Text),
                Text(&k.email),
                Text(&k.phone),
                Text(&k.roles),
                Int(c.created_at),
                Int(c.created_at),
            ])
            .await?;
        }
    }
    written.contacts = w.finish().await?;

    let mut w = loader
        .table(
            "devices",
            &[
                "id",
                "customer_id",
                "name",
                "name_key",
                "kind",
                "storage_location",
                "used_storage_bytes",
                "created_at",
                "last_backup_at",
            ],
            plan.device_total,
            say,
        )
        .await?;
    for c in &plan.customers {
        let storage = plan.storage_code(c);
        for d in plan.devices(c) {
            let key = d.name.to_lowercase();
            w.row(&[
                Int(d.id),
                Int(c.id),
                Text(&d.name),
                Text(&key),
                Text(d.kind),
                Text(storage),
                Int(d.used_storage_bytes),
                Int(d.created_at),
                opt_int(d.last_backup_at),
            ])
            .await?;
        }
    }
    written.devices = w.finish().await?;

    let mut w = loader
        .table(
            "activities",
            &[
                "id",
                "customer_id",
                "kind",
                "subject",
                "notes",
                "occurs_at",
                "contact_id",
                "author_user_id",
                "created_at",
                "updated_at",
            ],
            0,
            say,
        )
        .await?;
    let mut next_activity = plan.base.last_activity_id + 1;
    for c in &plan.customers {
        for a in plan.activities(c) {
            w.row(&[
                Int(next_activity),
                Int(c.id),
                Text(a.kind.as_str()),
                Text(a.subject),
                a.notes.map_or(Null, Text),
                Int(a.occurs_at),
                opt_int(a.contact_id),
                Int(plan.admin_user_id()),
                Int(a.created_at),
                Int(a.created_at),
            ])
            .await?;
            next_activity += 1;
        }
    }
    written.activities = w.finish().await?;

    let mut w = loader
        .table(
            "brandings",
            &[
                "customer_id",
                "display_name",
                "primary_color",
                "accent_color",
                "background_color",
                "sender_email",
                "updated_at",
            ],
            0,
            say,
        )
        .await?;
    for c in &plan.customers {
        if let Some(b) = plan.branding(c) {
            w.row(&[
                Int(c.id),
                Text(&b.display_name),
                Text(&b.primary_color),
                Text(&b.accent_color),
                Text(&b.background_color),
                Text(&b.sender_email),
                Int(c.created_at),
            ])
            .await?;
        }
    }
    written.brandings = w.finish().await?;
    Ok(written)
}

/// A value of a generated row.
#[derive(Clone, Copy, Debug)]
enum Value<'a> {
    Int(i64),
    Text(&'a str),
    Null,
}

/// A secondary index or foreign key taken down for the load, with what recreates it.
#[derive(Debug)]
struct Deferred {
    drop: String,
    create: String,
}

impl Loader {
    async fn execute(&mut self, sql: &str) -> anyhow::Result<()> {
        match self {
            Self::Sqlite(conn) => {
                sqlx::raw_sql(sql).execute(conn).await?;
            }
            Self::Postgres(conn) => {
                sqlx::raw_sql(sql).execute(conn).await?;
            }
        }
        Ok(())
    }

    async fn drop_indexes_and_keys(&mut self) -> anyhow::Result<Vec<Deferred>> {
        let tables: Vec<String> = LOADED_TABLES.iter().map(|t| (*t).to_owned()).collect();
        let mut deferred = Vec::new();
        match self {
            Self::Sqlite(conn) => {
                // Automatic indexes (primary keys, UNIQUE constraints) have no SQL and stay.
                // Triggers go too: the only ones keep the name search's trigram index, which
                // is rebuilt once at the end instead (see `restore_indexes_and_keys`).
                let rows = sqlx::query(&format!(
                    "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') \
                     AND sql IS NOT NULL AND tbl_name IN ('{}')",
                    LOADED_TABLES.join("', '")
                ))
                .fetch_all(&mut *conn)
                .await?;
                for row in rows {
                    let (kind, name): (String, String) = (row.try_get(0)?, row.try_get(1)?);
                    deferred.push(Deferred {
                        drop: format!("DROP {} \"{name}\"", kind.to_uppercase()),
                        create: row.try_get(2)?,
                    });
                }
            }
            Self::Postgres(conn) => {
                // Foreign keys first: some depend on the unique indexes below.
                let rows = sqlx::query(
                    "SELECT c.conrelid::regclass::text, quote_ident(c.conname), \
                     pg_get_constraintdef(c.oid) FROM pg_constraint c \
                     WHERE c.contype = 'f' AND (c.conrelid::regclass::text = ANY($1) \
                     OR c.confrelid::regclass::text = ANY($1)) ORDER BY 1, 2",
                )
                .bind(&tables)
                .fetch_all(&mut *conn)
                .await?;
                for row in rows {
                    let (table, name, def): (String, String, String) =
                        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
                    deferred.push(Deferred {
                        drop: format!("ALTER TABLE {table} DROP CONSTRAINT {name}"),
                        create: format!("ALTER TABLE {table} ADD CONSTRAINT {name} {def}"),
                    });
                }
                // Indexes that back a primary key or unique constraint stay.
                let rows = sqlx::query(
                    "SELECT i.oid::regclass::text, pg_get_indexdef(i.oid) \
                     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
                     WHERE x.indrelid::regclass::text = ANY($1) AND NOT EXISTS \
                     (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid \
                      AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
                )
                .bind(&tables)
                .fetch_all(&mut *conn)
                .await?;
                for row in rows {
                    let name: String = row.try_get(0)?;
                    deferred.push(Deferred {
                        drop: format!("DROP INDEX {name}"),
                        create: row.try_get(1)?,
                    });
                }
            }
        }
        for d in &deferred {
            self.execute(&d.drop).await?;
        }
        Ok(deferred)
    }

    async fn restore_indexes_and_keys(&mut self, deferred: &[Deferred]) -> anyhow::Result<()> {
        // Reverse order: indexes before the foreign keys that need them.
        for d in deferred.iter().rev() {
            self.execute(&d.create)
                .await
                .with_context(|| format!("after seeding: {}", d.create))?;
        }
        if let Self::Sqlite(conn) = self {
            // The triggers that keep the name search's trigram index were dropped for the
            // load (migrations/sqlite/0006): index every customer at once.
            sqlx::raw_sql(
                "INSERT INTO customers_name_trigrams (customers_name_trigrams) VALUES ('rebuild')",
            )
            .execute(&mut *conn)
            .await
            .context("after seeding: rebuilding the name search's trigram index")?;
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut *conn)
                .await?;
            if !broken.is_empty() {
                anyhow::bail!(
                    "seeding produced {} rows with dangling references",
                    broken.len()
                );
            }
        }
        Ok(())
    }

    async fn update_root(&mut self, plan: &Plan) -> anyhow::Result<()> {
        let sql = "UPDATE customers SET child_count = child_count + $1, \
                   descendant_count = descendant_count + $2, \
                   subtree_device_count = subtree_device_count + $3, \
                   subtree_storage_used_bytes = subtree_storage_used_bytes + $4 WHERE id = $5";
        let args = (
            plan.root_child_count,
            plan.root_descendant_count,
            plan.root_subtree_device_count,
            plan.root_subtree_storage_used_bytes,
            plan.base.root_id,
        );
        match self {
            Self::Sqlite(conn) => {
                sqlx::query(sql)
                    .bind(args.0)
                    .bind(args.1)
                    .bind(args.2)
                    .bind(args.3)
                    .bind(args.4)
                    .execute(conn)
                    .await?;
            }
            Self::Postgres(conn) => {
                sqlx::query(sql)
                    .bind(args.0)
                    .bind(args.1)
                    .bind(args.2)
                    .bind(args.3)
                    .bind(args.4)
                    .execute(conn)
                    .await?;
            }
        }
        Ok(())
    }

    /// Ids were inserted explicitly; the next id each table hands out must follow them.
    async fn fix_sequences(&mut self) -> anyhow::Result<()> {
        for table in ["customers", "contacts", "devices", "activities"] {
            let sql = match self {
                // SQLite raises AUTOINCREMENT's counter on explicit ids too; this only makes
                // sure of it (the counter never goes down).
                Self::Sqlite(_) => format!(
                    "UPDATE sqlite_sequence SET seq = MAX(seq, \
                     (SELECT COALESCE(MAX(id), 0) FROM {table})) WHERE name = '{table}'"
                ),
                Self::Postgres(_) => format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) \
                     FROM {table} HAVING MAX(id) IS NOT NULL"
                ),
            };
            self.execute(&sql).await?;
        }
        Ok(())
    }

    async fn commit_and_analyse(&mut self) -> anyhow::Result<()> {
        self.execute("COMMIT").await?;
        match self {
            Self::Sqlite(_) => {
                self.execute("ANALYZE").await?;
            }
            Self::Postgres(_) => {
                let tables = LOADED_TABLES.join(", ");
                self.execute(&format!("ANALYZE {tables}")).await?;
            }
        }
        Ok(())
    }

    async fn table<'c>(
        &'c mut self,
        table: &'static str,
        columns: &'static [&'static str],
        expected: u64,
        say: &'c dyn Fn(String),
    ) -> anyhow::Result<TableWriter<'c>> {
        let sink = match self {
            Self::Sqlite(conn) => {
                // SQLite binds at most 32,766 values per statement.
                let per_statement = (32_766 / columns.len()).min(2_000);
                Sink::Sqlite {
                    conn,
                    full_sql: insert_sql(table, columns, per_statement),
                    per_statement,
                    pending: Vec::with_capacity(per_statement * columns.len()),
                }
            }
            Self::Postgres(conn) => {
                let copy = conn
                    .copy_in_raw(&format!("COPY {table} ({}) FROM STDIN", columns.join(", ")))
                    .await?;
                Sink::Postgres {
                    copy,
                    buffer: Vec::with_capacity(COPY_CHUNK + 4096),
                }
            }
        };
        Ok(TableWriter {
            table,
            columns,
            sink,
            rows: 0,
            next_progress: PROGRESS_EVERY,
            expected,
            started: Instant::now(),
            say,
        })
    }
}

/// Bytes of COPY data sent at a time.
const COPY_CHUNK: usize = 1 << 20;

fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns.len()].join(", "));
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&one);
    }
    sql
}

/// A value held for a SQLite statement that has not been executed yet.
enum Owned {
    Int(i64),
    Text(String),
    Null,
}

enum Sink<'c> {
    Sqlite {
        conn: &'c mut SqliteConnection,
        full_sql: String,
        per_statement: usize,
        pending: Vec<Owned>,
    },
    Postgres {
        copy: PgCopyIn<&'c mut PgConnection>,
        buffer: Vec<u8>,
    },
}

/// Streams the rows of one table into the database.
struct TableWriter<'c> {
    table: &'static str,
    columns: &'static [&'static str],
    sink: Sink<'c>,
    rows: u64,
    /// The row count of the next progress line.
    next_progress: u64,
    /// For progress lines; 0 when unknown.
    expected: u64,
    started: Instant,
    say: &'c dyn Fn(String),
}

const PROGRESS_EVERY: u64 = 1_000_000;

impl TableWriter<'_> {
    async fn row(&mut self, values: &[Value<'_>]) -> anyhow::Result<()> {
        debug_assert_eq!(values.len(), self.columns.len());
        match &mut self.sink {
            Sink::Sqlite {
                pending,
                per_statement,
                ..
            } => {
                pending.extend(values.iter().map(|v| match v {
                    Value::Int(i) => Owned::Int(*i),
                    Value::Text(s) => Owned::Text((*s).to_owned()),
                    Value::Null => Owned::Null,
                }));
                if pending.len() >= *per_statement * self.columns.len() {
                    self.flush_sqlite().await?;
                }
            }
            Sink::Postgres { copy, buffer } => {
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        buffer.push(b'\t');
                    }
                    match v {
                        Value::Int(n) => {
                            use std::io::Write as _;
                            write!(buffer, "{n}")?;
                        }
                        Value::Text(s) => copy_escape(buffer, s),
                        Value::Null => buffer.extend_from_slice(b"\\N"),
                    }
                }
                buffer.push(b'\n');
                if buffer.len() >= COPY_CHUNK {
                    copy.send(std::mem::take(buffer)).await?;
                    buffer.reserve(COPY_CHUNK + 4096);
                }
            }
        }
        self.rows += 1;
        if self.rows == self.next_progress {
            self.next_progress += PROGRESS_EVERY;
            let of = if self.expected > 0 {
                format!(" of {}", self.expected)
            } else {
                String::new()
            };
            (self.say)(format!(
                "  {}: {}{of} rows ({:.1} s)",
                self.table,
                self.rows,
                self.started.elapsed().as_secs_f64()
            ));
        }
        Ok(())
    }

    async fn flush_sqlite(&mut self) -> anyhow::Result<()> {
        let Sink::Sqlite {
            conn,
            full_sql,
            per_statement,
            pending,
        } = &mut self.sink
        else {
            return Ok(());
        };
        if pending.is_empty() {
            return Ok(());
        }
        let rows = pending.len() / self.columns.len();
        let partial;
        let sql = if rows == *per_statement {
            full_sql.as_str()
        } else {
            partial = insert_sql(self.table, self.columns, rows);
            partial.as_str()
        };
        let mut query = sqlx::query(sql);
        for value in pending.drain(..) {
            query = match value {
                Owned::Int(i) => query.bind(i),
                Owned::Text(s) => query.bind(s),
                Owned::Null => query.bind(None::<i64>),
            };
        }
        query.execute(&mut **conn).await?;
        Ok(())
    }

    async fn finish(mut self) -> anyhow::Result<u64> {
        match self.sink {
            Sink::Sqlite { .. } => self.flush_sqlite().await?,
            Sink::Postgres { mut copy, buffer } => {
                if !buffer.is_empty() {
                    copy.send(buffer).await?;
                }
                copy.finish().await?;
            }
        }
        (self.say)(format!(
            "{}: {} rows in {:.1} s",
            self.table,
            self.rows,
            self.started.elapsed().as_secs_f64()
        ));
        Ok(self.rows)
    }
}

/// Appends `s` in COPY's text format: backslash, tab, newline and carriage return escaped.
fn copy_escape(buffer: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => buffer.extend_from_slice(b"\\\\"),
            b'\t' => buffer.extend_from_slice(b"\\t"),
            b'\n' => buffer.extend_from_slice(b"\\n"),
            b'\r' => buffer.extend_from_slice(b"\\r"),
            _ => buffer.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_is_escaped() {
        let mut out = Vec::new();
        copy_escape(&mut out, "a\tb\\c\nd");
        assert_eq!(out, b"a\\tb\\\\c\\nd");
    }

    #[test]
    fn insert_statements_list_one_group_per_row() {
        assert_eq!(
            insert_sql("t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
