//! Activities' SQL. Reads by id join the activity's customer and add the viewer's path range.

use canopy_shared::ActivityKind;
use sqlx::{AnyConnection, AnyExecutor};

use crate::clock::to_datetime;
use crate::db::{PushSql, QueryBuilder};
use crate::error::{AppError, AppResult};
use crate::ids::{self, Kind};
use crate::viewer::Scope;

/// One row of `activities`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub subject: String,
    pub notes: Option<String>,
    pub occurs_at: i64,
    pub contact_id: Option<i64>,
    pub author_user_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActivityRow {
    pub fn kind(&self) -> ActivityKind {
        ActivityKind::parse(&self.kind).unwrap_or(ActivityKind::Note)
    }

    /// The activity as the audit history records it.
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": ids::encode(Kind::Activity, self.id).0,
            "kind": self.kind,
            "subject": self.subject,
            "notes": self.notes,
            "occursAt": to_datetime(self.occurs_at),
            "contactId": self.contact_id.map(|id| ids::encode(Kind::Contact, id).0),
        })
    }
}

const COLUMNS: &str = "a.id, a.customer_id, a.kind, a.subject, a.notes, a.occurs_at, \
    a.contact_id, a.author_user_id, a.created_at, a.updated_at";

/// The activity with this id in scope, or `NOT_FOUND`.
pub async fn require<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    id: i64,
) -> AppResult<ActivityRow> {
    let sql = format!(
        "SELECT {COLUMNS} FROM activities a JOIN customers c ON c.id = a.customer_id \
         WHERE a.id = $1 AND c.path >= $2 AND c.path < $3"
    );
    sqlx::query_as(&sql)
        .bind(id)
        .bind(&scope.lo)
        .bind(&scope.hi)
        .fetch_optional(exec)
        .await?
        .ok_or_else(|| AppError::NotFound("activity not found".into()))
}

/// The activities of these customers (those in scope), by customer and time.
pub async fn for_customers<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    customer_ids: &[i64],
) -> AppResult<Vec<ActivityRow>> {
    let mut q = QueryBuilder::new(format!(
        "SELECT {COLUMNS} FROM activities a JOIN customers c ON c.id = a.customer_id \
         WHERE a.customer_id IN ("
    ));
    q.push_list(customer_ids.iter().copied());
    q.push(") AND c.path >= ")
        .push_bind(&scope.lo)
        .push(" AND c.path < ")
        .push_bind(&scope.hi)
        .push(" ORDER BY a.customer_id, a.occurs_at, a.id");
    Ok(q.build_query_as()?.fetch_all(exec).await?)
}

/// An activity's validated fields.
#[derive(Debug)]
pub struct ActivityFields {
    pub kind: ActivityKind,
    pub subject: String,
    pub notes: Option<String>,
    pub occurs_at: i64,
    pub contact_id: Option<i64>,
}

/// Inserts an activity of `customer_id` written by `author_user_id`; returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    customer_id: i64,
    author_user_id: i64,
    fields: &ActivityFields,
    now_ms: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO activities (customer_id, kind, subject, notes, occurs_at, contact_id, \
         author_user_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(customer_id)
    .bind(fields.kind.as_str())
    .bind(&fields.subject)
    .bind(&fields.notes)
    .bind(fields.occurs_at)
    .bind(fields.contact_id)
    .bind(author_user_id)
    .bind(now_ms)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Overwrites an activity's fields (its author stays).
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    fields: &ActivityFields,
    now_ms: i64,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE activities SET kind = $1, subject = $2, notes = $3, occurs_at = $4, \
         contact_id = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(fields.kind.as_str())
    .bind(&fields.subject)
    .bind(&fields.notes)
    .bind(fields.occurs_at)
    .bind(fields.contact_id)
    .bind(now_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM activities WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Detaches a contact that is being removed from the activities with it.
pub async fn unlink_contact(conn: &mut AnyConnection, contact_id: i64) -> AppResult<()> {
    sqlx::query("UPDATE activities SET contact_id = NULL WHERE contact_id = $1")
        .bind(contact_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the activities of a customer that is being removed.
pub async fn delete_for_customer(conn: &mut AnyConnection, customer_id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM activities WHERE customer_id = $1")
        .bind(customer_id)
        .execute(conn)
        .await?;
    Ok(())
}
