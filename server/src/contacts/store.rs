//! Contacts' SQL. Reads by id join the contact's customer and add the viewer's path range, so a
//! contact of a customer outside the caller's subtree cannot be read or written at all.

use canopy_shared::ContactRole;
use sqlx::{AnyConnection, AnyExecutor};

use crate::db::{PushSql, ReadPool, ReadQuery};
use crate::error::{AppError, AppResult};
use crate::ids::{self, Kind};
use crate::viewer::Scope;

/// One row of `contacts`, as [`COLUMNS`] selects it.
#[derive(Clone, Debug)]
pub struct ContactRow {
    pub id: i64,
    pub customer_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Comma-separated role names ([`ContactRole::encode_list`]).
    pub roles: String,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::db::read_row!(ContactRow {
    id,
    customer_id,
    first_name,
    last_name,
    title,
    email,
    phone,
    roles,
    created_at,
    updated_at,
});

impl ContactRow {
    pub fn roles(&self) -> Vec<ContactRole> {
        ContactRole::decode_list(&self.roles)
    }

    /// The contact as the audit history records it.
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": ids::encode(Kind::Contact, self.id).0,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "title": self.title,
            "email": self.email,
            "phone": self.phone,
            "roles": self.roles(),
        })
    }
}

const COLUMNS: &str = "k.id, k.customer_id, k.first_name, k.last_name, k.title, k.email, \
    k.phone, k.roles, k.created_at, k.updated_at";

/// Contacts sort by last name, then first name (case-insensitively), then age.
const ORDER: &str =
    "LOWER(COALESCE(k.last_name, k.first_name)), LOWER(COALESCE(k.first_name, '')), k.id";

/// The contact with this id, if its customer is in scope.
pub async fn get<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    id: i64,
) -> AppResult<Option<ContactRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM contacts k JOIN customers c ON c.id = k.customer_id \
         WHERE k.id = $1 AND c.path >= $2 AND c.path < $3"
    );
    Ok(sqlx::query_as(&sql)
        .bind(id)
        .bind(&scope.lo)
        .bind(&scope.hi)
        .fetch_optional(exec)
        .await?)
}

/// The contact with this id in scope, or `NOT_FOUND`.
pub async fn require<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    id: i64,
) -> AppResult<ContactRow> {
    get(exec, scope, id)
        .await?
        .ok_or_else(|| AppError::NotFound("contact not found".into()))
}

/// The contacts with these ids whose customer is in scope (a loader's read: read pool).
pub async fn by_ids(reads: &ReadPool, scope: &Scope, ids: &[i64]) -> AppResult<Vec<ContactRow>> {
    let mut q = ReadQuery::lookup(format!(
        "SELECT {COLUMNS} FROM contacts k JOIN customers c ON c.id = k.customer_id \
         WHERE k.id IN ("
    ));
    q.push_list(ids.iter().copied());
    q.push(") AND c.path >= ")
        .push_bind(&scope.lo)
        .push(" AND c.path < ")
        .push_bind(&scope.hi);
    Ok(q.fetch_all(reads).await?)
}

/// The contacts of these customers (those in scope), each customer's in display order (a
/// loader's read: read pool).
pub async fn for_customers(
    reads: &ReadPool,
    scope: &Scope,
    customer_ids: &[i64],
) -> AppResult<Vec<ContactRow>> {
    // Planned with its values, not a lookup: PostgreSQL's generic plan for this join (the
    // scope's path range unknown) made `page50` 2.5 times slower.
    let mut q = ReadQuery::new(format!(
        "SELECT {COLUMNS} FROM contacts k JOIN customers c ON c.id = k.customer_id \
         WHERE k.customer_id IN ("
    ));
    q.push_list(customer_ids.iter().copied());
    q.push(") AND c.path >= ")
        .push_bind(&scope.lo)
        .push(" AND c.path < ")
        .push_bind(&scope.hi)
        .push(format!(" ORDER BY k.customer_id, {ORDER}"));
    Ok(q.fetch_all(reads).await?)
}

/// Whether `contact_id` is a contact of `customer_id`.
pub async fn belongs_to(
    conn: &mut AnyConnection,
    customer_id: i64,
    contact_id: i64,
) -> AppResult<bool> {
    let (found,): (i64,) = sqlx::query_as(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM contacts WHERE customer_id = $1 AND id = $2) \
         THEN 1 ELSE 0 END",
    )
    .bind(customer_id)
    .bind(contact_id)
    .fetch_one(conn)
    .await?;
    Ok(found != 0)
}

/// A contact's validated fields.
#[derive(Debug)]
pub struct ContactFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub roles: Vec<ContactRole>,
}

/// Inserts a contact of `customer_id`; returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    customer_id: i64,
    fields: &ContactFields,
    now_ms: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO contacts (customer_id, first_name, last_name, title, email, phone, roles, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(customer_id)
    .bind(&fields.first_name)
    .bind(&fields.last_name)
    .bind(&fields.title)
    .bind(&fields.email)
    .bind(&fields.phone)
    .bind(ContactRole::encode_list(&fields.roles))
    .bind(now_ms)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Overwrites a contact's fields.
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    fields: &ContactFields,
    now_ms: i64,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE contacts SET first_name = $1, last_name = $2, title = $3, email = $4, \
         phone = $5, roles = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(&fields.first_name)
    .bind(&fields.last_name)
    .bind(&fields.title)
    .bind(&fields.email)
    .bind(&fields.phone)
    .bind(ContactRole::encode_list(&fields.roles))
    .bind(now_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a contact (nothing may refer to it any more).
pub async fn delete(conn: &mut AnyConnection, id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM contacts WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes all contacts of a customer that is being removed (after its activities and profile).
pub async fn delete_for_customer(conn: &mut AnyConnection, customer_id: i64) -> AppResult<()> {
    sqlx::query("DELETE FROM contacts WHERE customer_id = $1")
        .bind(customer_id)
        .execute(conn)
        .await?;
    Ok(())
}
