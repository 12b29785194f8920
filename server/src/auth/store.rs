//! Users' and sessions' SQL.

use sqlx::{SqliteConnection, SqliteExecutor};

use crate::error::AppResult;

/// One row of `users` (without the password hash, which only sign-in reads).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub customer_id: i64,
    pub username: String,
    pub role: String,
    pub security_officer: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub created_at: i64,
}

const USER_COLUMNS: &str =
    "id, customer_id, username, role, security_officer, first_name, last_name, created_at";

/// The users with these ids whose customer is in scope.
pub async fn users_in_scope<'c>(
    exec: impl SqliteExecutor<'c>,
    scope: &crate::context::Scope,
    ids: &[i64],
) -> AppResult<Vec<UserRow>> {
    let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "SELECT u.id, u.customer_id, u.username, u.role, u.security_officer, u.first_name, \
         u.last_name, u.created_at FROM users u JOIN customers c ON c.id = u.customer_id \
         WHERE u.id IN (",
    );
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    q.push(") AND c.path >= ")
        .push_bind(&scope.lo)
        .push(" AND c.path < ")
        .push_bind(&scope.hi);
    Ok(q.build_query_as().fetch_all(exec).await?)
}

/// A user's sign-in record: id and password hash, by customer and username.
pub async fn credentials<'c>(
    exec: impl SqliteExecutor<'c>,
    customer_id: i64,
    username_key: &str,
) -> AppResult<Option<(i64, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT id, password_hash FROM users WHERE customer_id = $1 AND username_key = $2",
    )
    .bind(customer_id)
    .bind(username_key)
    .fetch_optional(exec)
    .await?)
}

/// A user by id.
pub async fn user<'c>(exec: impl SqliteExecutor<'c>, id: i64) -> AppResult<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(exec).await?)
}

/// A new user.
#[derive(Debug)]
pub struct NewUser<'a> {
    pub customer_id: i64,
    pub username: &'a str,
    pub password_hash: Option<&'a str>,
    pub role: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub security_officer: bool,
    pub now_ms: i64,
}

/// Inserts a user; returns its id.
pub async fn insert_user(conn: &mut SqliteConnection, new: &NewUser<'_>) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (customer_id, username, username_key, password_hash, role, \
         first_name, last_name, security_officer, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(new.customer_id)
    .bind(new.username.trim())
    .bind(username_key(new.username))
    .bind(new.password_hash)
    .bind(new.role)
    .bind(new.first_name)
    .bind(new.last_name)
    .bind(new.security_officer)
    .bind(new.now_ms)
    .fetch_one(conn)
    .await
    .map_err(|err| {
        if crate::db::is_unique_violation(&err, "users_username_in_customer", "users.username_key")
        {
            crate::AppError::NameTaken {
                field: "username".into(),
                message: "this customer already has a user with this username".into(),
            }
        } else {
            err.into()
        }
    })?;
    Ok(id)
}

/// Usernames are e-mail addresses, compared case-insensitively.
pub fn username_key(username: &str) -> String {
    username.trim().to_lowercase()
}

/// What a valid session token resolves to.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub username: String,
    pub customer_id: i64,
    pub role: String,
    pub customer_path: String,
    pub customer_parent_id: Option<i64>,
    pub expires_at: i64,
}

/// Stores a session.
pub async fn insert_session(
    conn: &mut SqliteConnection,
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

/// The live session with this token hash, joined with its user and customer.
pub async fn session<'c>(
    exec: impl SqliteExecutor<'c>,
    token_hash: &str,
    now_ms: i64,
) -> AppResult<Option<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT s.user_id, u.username, u.customer_id, u.role, c.path AS customer_path, \
         c.parent_id AS customer_parent_id, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN customers c ON c.id = u.customer_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now_ms)
    .fetch_optional(exec)
    .await?)
}

/// Pushes a session's expiry forward (sessions slide while in use).
pub async fn extend_session<'c>(
    exec: impl SqliteExecutor<'c>,
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
pub async fn delete_session<'c>(
    exec: impl SqliteExecutor<'c>,
    token_hash: &str,
) -> AppResult<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(exec)
        .await?;
    Ok(done.rows_affected() > 0)
}
