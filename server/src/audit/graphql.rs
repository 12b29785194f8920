//! `AuditEntry` and the `auditLog` query.

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use canopy_shared::Action;
use chrono::{DateTime, Utc};

use super::store::{self, EntryRow};
use crate::clock::to_datetime;
use crate::error::AppError;
use crate::ids::{self, Kind};
use crate::pagination::{self, PageInfo};
use crate::request;
use crate::users::User;

/// One recorded change.
#[derive(Clone, Debug)]
pub struct AuditEntry(pub EntryRow);

/// One recorded change: who changed which customer, when, and the record before and after.
#[Object]
impl AuditEntry {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AuditEntry, self.0.id)
    }

    /// When the change happened.
    async fn at(&self) -> DateTime<Utc> {
        to_datetime(self.0.at)
    }

    /// Who made the change; null when the user has been removed since, is outside the caller's
    /// view (the provider's own staff), or the system made it.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = self.0.actor_user_id else {
            return Ok(None);
        };
        Ok(request::user_loader(ctx)?
            .load_one(id)
            .await?
            .map(User::new))
    }

    /// What happened, as `noun.verb` (e.g. `customer.create`, `customer.move`).
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The customer concerned (it may have been removed since).
    async fn customer_id(&self) -> ID {
        ids::encode(Kind::Customer, self.0.customer_id)
    }

    /// The customer's name at the time of the change.
    async fn customer_name(&self) -> &str {
        &self.0.customer_name
    }

    /// The record before the change, as a JSON document; null for creations.
    async fn before(&self) -> Option<&str> {
        self.0.before_json.as_deref()
    }

    /// The record after the change, as a JSON document; null for removals.
    async fn after(&self) -> Option<&str> {
        self.0.after_json.as_deref()
    }
}

/// An edge of the audit history.
#[derive(SimpleObject)]
pub struct AuditEdge {
    /// The entry.
    pub node: AuditEntry,
    /// Pass as `after` to continue after this entry.
    pub cursor: String,
}

/// A page of the audit history, newest first.
#[derive(SimpleObject)]
pub struct AuditConnection {
    /// The entries of this page, each with its cursor.
    pub edges: Vec<AuditEdge>,
    /// The entries of this page (the edges' nodes, for clients that need no cursors).
    pub nodes: Vec<AuditEntry>,
    /// Whether more pages follow, and the cursors to get them.
    pub page_info: PageInfo,
    /// Number of entries in the whole history asked for, not just this page.
    pub total_count: i64,
}

/// Reading the audit history.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The history of the caller's subtree, or of one customer in it, newest first
    /// (SUPERUSER and ADMINISTRATOR only). Removed customers' history stays readable.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the history of this customer (which may have been removed).")]
        customer_id: Option<ID>,
        #[graphql(desc = "Page size: 0 to 500, 50 when omitted.")] first: Option<i32>,
        #[graphql(desc = "A cursor from the previous page: continue after it.")] after: Option<
            String,
        >,
    ) -> Result<AuditConnection> {
        let viewer = request::viewer(ctx)?;
        viewer.require(Action::ViewAudit)?;
        let state = request::state(ctx)?;
        let limit = pagination::page_size(first)?;
        let before_id: Option<i64> = pagination::decode_cursor(after.as_deref())?;
        // An ID that is malformed or not a customer's matches nothing, like one out of scope.
        let customer = customer_id.map(|id| ids::decode(Kind::Customer, &id).unwrap_or(-1));
        let mut conn = state.pool.acquire().await.map_err(AppError::from)?;
        let (mut rows, total) =
            store::page(&mut conn, &viewer.scope, customer, limit, before_id).await?;
        let cursor = |row: &EntryRow| pagination::encode_cursor(&row.id);
        let page_info = pagination::trim_page(&mut rows, limit, before_id.is_some(), cursor);
        Ok(AuditConnection {
            edges: rows
                .iter()
                .map(|row| AuditEdge {
                    node: AuditEntry(row.clone()),
                    cursor: cursor(row),
                })
                .collect(),
            nodes: rows.into_iter().map(AuditEntry).collect(),
            page_info,
            total_count: total,
        })
    }
}
