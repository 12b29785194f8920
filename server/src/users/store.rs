//! Users' and set-password tokens' SQL.

use std::collections::HashMap;

use sqlx::{AnyConnection, AnyExecutor};

use crate::db::{self, PushSql, QueryBuilder};
use crate::error::{AppError, AppResult};
use crate::viewer::Scope;

/// One row of `users` (without the password hash, which only sign-in reads).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub customer_id: i64,
    pub username: String,
    pub role: String,
    #[sqlx(try_from = "db::Flag")]
    pub security_officer: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub created_at: i64,
}

impl UserRow {
    /// The user as the audit history records it (never the password hash).
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "username": self.username,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "role": self.role,
            "securityOfficer": self.security_officer,
        })
    }
}

const SELECT_IN_SCOPE: &str = "SELECT u.id, u.customer_id, u.username, u.role, \
    u.security_officer, u.first_name, u.last_name, u.created_at \
    FROM users u JOIN customers c ON c.id = u.customer_id";

/// Usernames are e-mail addresses, compared case-insensitively.
pub fn username_key(username: &str) -> String {
    username.trim().to_lowercase()
}

/// The users with these ids whose customer is in scope.
pub async fn in_scope<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    ids: &[i64],
) -> AppResult<Vec<UserRow>> {
    let mut q = QueryBuilder::new(format!("{SELECT_IN_SCOPE} WHERE u.id IN ("));
    q.push_list(ids.iter().copied());
    q.push(") AND c.path >= ")
        .push_bind(&scope.lo)
        .push(" AND c.path < ")
        .push_bind(&scope.hi);
    Ok(q.build_query_as()?.fetch_all(exec).await?)
}

/// The user with this id if their customer is in scope, or `NOT_FOUND`.
pub async fn require<'c>(exec: impl AnyExecutor<'c>, scope: &Scope, id: i64) -> AppResult<UserRow> {
    in_scope(exec, scope, &[id])
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound("User not found".into()))
}

/// The users of each of these customers (which the caller has already found in scope),
/// by username.
pub async fn of_customers<'c>(
    exec: impl AnyExecutor<'c>,
    customer_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<UserRow>>> {
    let mut q = QueryBuilder::new(format!("{SELECT_IN_SCOPE} WHERE u.customer_id IN ("));
    q.push_list(customer_ids.iter().copied());
    q.push(") ORDER BY u.username_key, u.id");
    let rows: Vec<UserRow> = q.build_query_as()?.fetch_all(exec).await?;
    let mut by_customer: HashMap<i64, Vec<UserRow>> =
        customer_ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        by_customer.entry(row.customer_id).or_default().push(row);
    }
    Ok(by_customer)
}

/// A user by id, regardless of scope (sign-in and session resolution only).
pub async fn by_id<'c>(exec: impl AnyExecutor<'c>, id: i64) -> AppResult<Option<UserRow>> {
    let sql = format!("{SELECT_IN_SCOPE} WHERE u.id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(exec).await?)
}

/// A user's sign-in record: id and password hash (None until a password is set).
pub async fn credentials<'c>(
    exec: impl AnyExecutor<'c>,
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

/// A user's editable fields, validated.
#[derive(Debug)]
pub struct UserFields<'a> {
    pub username: &'a str,
    pub role: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub security_officer: bool,
}

/// Inserts a user; returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    customer_id: i64,
    fields: &UserFields<'_>,
    password_hash: Option<&str>,
    now_ms: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (customer_id, username, username_key, password_hash, role, \
         first_name, last_name, security_officer, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(customer_id)
    .bind(fields.username)
    .bind(username_key(fields.username))
    .bind(password_hash)
    .bind(fields.role)
    .bind(fields.first_name)
    .bind(fields.last_name)
    .bind(db::flag(fields.security_officer))
    .bind(now_ms)
    .fetch_one(conn)
    .await
    .map_err(username_conflict)?;
    Ok(id)
}

/// Writes a user's editable fields.
pub async fn update(conn: &mut AnyConnection, id: i64, fields: &UserFields<'_>) -> AppResult<()> {
    sqlx::query(
        "UPDATE users SET username = $1, username_key = $2, role = $3, first_name = $4, \
         last_name = $5, security_officer = $6 WHERE id = $7",
    )
    .bind(fields.username)
    .bind(username_key(fields.username))
    .bind(fields.role)
    .bind(fields.first_name)
    .bind(fields.last_name)
    .bind(db::flag(fields.security_officer))
    .bind(id)
    .execute(conn)
    .await
    .map_err(username_conflict)?;
    Ok(())
}

/// Sets a user's password hash and ends all their sessions and pending set-password links.
pub async fn set_password(conn: &mut AnyConnection, id: i64, hash: &str) -> AppResult<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM password_tokens WHERE user_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes a user; their sessions and tokens go with them (ON DELETE CASCADE).
pub async fn delete(conn: &mut AnyConnection, id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes every user of a customer (which is being removed), with their sessions and tokens.
pub async fn delete_for_customer(conn: &mut AnyConnection, customer_id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM users WHERE customer_id = $1")
        .bind(customer_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Number of SUPERUSERs of a customer.
pub async fn superuser_count(conn: &mut AnyConnection, customer_id: i64) -> AppResult<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM users WHERE customer_id = $1 AND role = 'SUPERUSER'")
            .bind(customer_id)
            .fetch_one(conn)
            .await?;
    Ok(n)
}

/// Stores a set-password token (its hash) for a user.
pub async fn insert_password_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    expires_at: i64,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO password_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Consumes a live set-password token: returns its user and deletes it (single use).
pub async fn take_password_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    now_ms: i64,
) -> AppResult<Option<i64>> {
    let user: Option<(i64,)> = sqlx::query_as(
        "DELETE FROM password_tokens WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id",
    )
    .bind(token_hash)
    .bind(now_ms)
    .fetch_optional(conn)
    .await?;
    Ok(user.map(|(id,)| id))
}

fn username_conflict(err: sqlx::Error) -> AppError {
    if db::is_unique_violation(&err, "users_username_in_customer", "users.username_key") {
        AppError::NameTaken {
            field: "username".into(),
            message: "This customer already has a user with this username".into(),
        }
    } else {
        err.into()
    }
}
