//! Relay's `Node` interface: every object with a global ID can be fetched again with
//! `node(id:)`, within the caller's scope (anything outside reads as null, like a missing ID).
//!
//! To add a type: give it a variant here and an arm in [`load`].

use async_graphql::{Context, Interface, Object, Result, ID};
use canopy_shared::Action;

use crate::activities::graphql::Activity;
use crate::audit::AuditEntry;
use crate::contacts::graphql::Contact;
use crate::customers::Customer;
use crate::devices::graphql::Device;
use crate::error::AppError;
use crate::ids::{self, Kind};
use crate::request;
use crate::users::User;

/// The most IDs one `nodes` call may ask for.
pub const MAX_NODES: usize = 100;

/// An object with a global ID.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global ID: pass it to `node(id:)`."
))]
pub enum Node {
    Customer(Customer),
    User(User),
    AuditEntry(AuditEntry),
    Contact(Contact),
    Activity(Activity),
    Device(Device),
}

/// The node with this global ID, if it exists and the caller may see it.
async fn load(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    let viewer = request::viewer(ctx)?;
    let Some((kind, id)) = ids::decode_any(id) else {
        return Ok(None);
    };
    Ok(match kind {
        Kind::Customer => request::customer_loader(ctx)?
            .load_one(id)
            .await?
            .map(|row| Node::Customer(Customer::from(row))),
        Kind::User => request::user_loader(ctx)?
            .load_one(id)
            .await?
            .map(|row| Node::User(User::new(row))),
        Kind::AuditEntry => {
            viewer.require(Action::ViewAudit)?;
            let state = request::state(ctx)?;
            crate::audit::store::get(&state.pool, &viewer.scope, id)
                .await?
                .map(|row| Node::AuditEntry(AuditEntry(row)))
        }
        Kind::Contact => request::detail_loaders(ctx)?
            .contact
            .load_one(id)
            .await?
            .map(|row| Node::Contact(Contact(row))),
        Kind::Device => request::detail_loaders(ctx)?
            .device
            .load_one(id)
            .await?
            .map(|row| Node::Device(Device(row))),
        Kind::Activity => {
            let state = request::state(ctx)?;
            match crate::activities::store::require(&state.pool, &viewer.scope, id).await {
                Ok(row) => Some(Node::Activity(Activity {
                    row,
                    now_ms: state.clock.now_ms(),
                })),
                Err(AppError::NotFound(_)) => None,
                Err(other) => return Err(other.into()),
            }
        }
    })
}

/// Fetching any object by its global ID.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global ID; null when it does not exist or is outside the
    /// caller's subtree.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID, as any object's `id` field returns it.")] id: ID,
    ) -> Result<Option<Node>> {
        load(ctx, &id).await
    }

    /// The objects with these global IDs, in the same order; null for each one that does
    /// not exist or is outside the caller's subtree. At most 100 IDs.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs, at most 100.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(AppError::bad_input(
                "ids",
                format!("at most {MAX_NODES} IDs per call (got {})", ids.len()),
            )
            .into());
        }
        // The loaders batch these into one query per kind.
        futures::future::try_join_all(ids.iter().map(|id| load(ctx, id))).await
    }
}
