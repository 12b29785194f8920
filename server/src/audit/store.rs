//! The audit table's SQL.

use sqlx::{AnyConnection, AnyExecutor};

use crate::error::AppResult;
use crate::viewer::Scope;

/// One row of `audit_entries`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub action: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub customer_path: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// An entry about to be written.
#[derive(Debug)]
pub struct NewEntry<'a> {
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<&'a str>,
    pub action: &'a str,
    pub customer_id: i64,
    pub customer_name: &'a str,
    pub customer_path: &'a str,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

pub async fn insert(conn: &mut AnyConnection, e: &NewEntry<'_>) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO audit_entries (at, actor_user_id, actor_username, action, customer_id, \
         customer_name, customer_path, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.at)
    .bind(e.actor_user_id)
    .bind(e.actor_username)
    .bind(e.action)
    .bind(e.customer_id)
    .bind(e.customer_name)
    .bind(e.customer_path)
    .bind(&e.before_json)
    .bind(&e.after_json)
    .execute(conn)
    .await?;
    Ok(())
}

const COLUMNS: &str = "id, at, actor_user_id, actor_username, action, customer_id, customer_name, \
    customer_path, before_json, after_json";

/// Newest first: a page of the entries in scope (optionally of one customer), with one
/// look-ahead row, and the total.
pub async fn page(
    conn: &mut AnyConnection,
    scope: &Scope,
    customer_id: Option<i64>,
    limit: i64,
    before_id: Option<i64>,
) -> AppResult<(Vec<EntryRow>, i64)> {
    let filter = "customer_path >= $1 AND customer_path < $2 \
                  AND (CAST($3 AS BIGINT) IS NULL OR customer_id = $3)";
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_entries WHERE {filter} AND (CAST($4 AS BIGINT) IS NULL OR id < $4) \
         ORDER BY id DESC LIMIT $5"
    );
    let rows = sqlx::query_as(&sql)
        .bind(&scope.lo)
        .bind(&scope.hi)
        .bind(customer_id)
        .bind(before_id)
        .bind(limit + 1)
        .fetch_all(&mut *conn)
        .await?;
    let (total,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM audit_entries WHERE {filter}"
    ))
    .bind(&scope.lo)
    .bind(&scope.hi)
    .bind(customer_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((rows, total))
}

/// The entry with this id, if it is about a customer in scope.
pub async fn get<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    id: i64,
) -> AppResult<Option<EntryRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_entries WHERE id = $1 AND customer_path >= $2 \
         AND customer_path < $3"
    );
    Ok(sqlx::query_as(&sql)
        .bind(id)
        .bind(&scope.lo)
        .bind(&scope.hi)
        .fetch_optional(exec)
        .await?)
}

/// Number of entries with this action about this customer (for tests and diagnostics).
pub async fn count<'c>(
    exec: impl AnyExecutor<'c>,
    action: &str,
    customer_id: i64,
) -> AppResult<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_entries WHERE action = $1 AND customer_id = $2")
            .bind(action)
            .bind(customer_id)
            .fetch_one(exec)
            .await?;
    Ok(n)
}
