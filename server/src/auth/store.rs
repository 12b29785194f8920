//! Sessions' SQL.

use sqlx::{AnyConnection, AnyExecutor};

use crate::db::{ReadPool, ReadQuery};
use crate::error::AppResult;

/// What a valid session token resolves to.
#[derive(Debug)]
pub struct SessionRow {
    pub user_id: i64,
    pub username: String,
    pub customer_id: i64,
    pub role: String,
    pub customer_path: String,
    pub customer_parent_id: Option<i64>,
    pub expires_at: i64,
}

crate::db::read_row!(SessionRow {
    user_id,
    username,
    customer_id,
    role,
    customer_path,
    customer_parent_id,
    expires_at,
});

/// Stores a session.
pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    now_ms: i64,
    expires_at: i64,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now_ms)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The live session with this token hash, joined with its user and customer. Every signed-in
/// request starts here, so it goes through the native-driver read pool (see `db::reads`).
pub async fn session(
    reads: &ReadPool,
    token_hash: &str,
    now_ms: i64,
) -> AppResult<Option<SessionRow>> {
    let mut q = ReadQuery::lookup(
        "SELECT s.user_id, u.username, u.customer_id, u.role, c.path AS customer_path, \
         c.parent_id AS customer_parent_id, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN customers c ON c.id = u.customer_id \
         WHERE s.token_hash = ",
    );
    q.push_bind(token_hash)
        .push(" AND s.expires_at > ")
        .push_bind(now_ms);
    Ok(q.fetch_all(reads).await?.pop())
}

/// Pushes a session's expiry forward (sessions slide while in use).
pub async fn extend_session<'c>(
    exec: impl AnyExecutor<'c>,
    token_hash: &str,
    expires_at: i64,
) -> AppResult<()> {
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
        .bind(expires_at)
        .bind(token_hash)
        .execute(exec)
        .await?;
    Ok(())
}

/// Deletes a session; returns whether it existed.
pub async fn delete_session<'c>(exec: impl AnyExecutor<'c>, token_hash: &str) -> AppResult<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(exec)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Ends every session of a user.
pub async fn delete_sessions_of<'c>(exec: impl AnyExecutor<'c>, user_id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(exec)
        .await?;
    Ok(())
}
