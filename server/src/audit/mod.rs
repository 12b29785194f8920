//! The audit history: every mutation records who changed what, with the record before and
//! after, in the same transaction as the change itself.

pub mod graphql;
pub mod store;

pub use graphql::{AuditEntry, AuditQuery};

use serde_json::Value;
use sqlx::AnyConnection;

use crate::error::AppResult;
use crate::viewer::Viewer;

/// Who made a change.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    pub user_id: i64,
    pub username: &'a str,
}

impl Viewer {
    /// The viewer as the author of a change.
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            user_id: self.user_id,
            username: &self.username,
        }
    }
}

/// One change, about one customer.
#[derive(Debug)]
pub struct Change<'a> {
    /// What happened, as `noun.verb`, e.g. `customer.update`.
    pub action: &'a str,
    pub customer_id: i64,
    /// The customer's name and path when the change happened.
    pub customer_name: &'a str,
    pub customer_path: &'a str,
    /// The record before and after the change (never with secrets in it).
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Records `change` as done by `actor` (None for the system itself) at `at_ms`.
pub async fn record(
    conn: &mut AnyConnection,
    actor: Option<Actor<'_>>,
    at_ms: i64,
    change: Change<'_>,
) -> AppResult<()> {
    store::insert(
        conn,
        &store::NewEntry {
            at: at_ms,
            actor_user_id: actor.map(|a| a.user_id),
            actor_username: actor.map(|a| a.username),
            action: change.action,
            customer_id: change.customer_id,
            customer_name: change.customer_name,
            customer_path: change.customer_path,
            before_json: change.before.map(|v| v.to_string()),
            after_json: change.after.map(|v| v.to_string()),
        },
    )
    .await
    .map_err(|e| e.context("writing the audit entry"))
}

/// Records a change made by `actor` to `customer` or to something of it (a contact, the
/// branding, a device…), in the transaction of the change.
pub async fn record_for_customer(
    conn: &mut AnyConnection,
    actor: Actor<'_>,
    at_ms: i64,
    action: &str,
    customer: &crate::customers::model::CustomerRow,
    before: Option<Value>,
    after: Option<Value>,
) -> AppResult<()> {
    record(
        conn,
        Some(actor),
        at_ms,
        Change {
            action,
            customer_id: customer.id,
            customer_name: &customer.name,
            customer_path: &customer.path,
            before,
            after,
        },
    )
    .await
}
