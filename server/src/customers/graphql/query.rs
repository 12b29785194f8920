//! Reading the customer tree: `customer`, `customers`, `searchCustomers` and the like.

use async_graphql::{Context, Object, Result, ID};
use canopy_shared::{CustomerLevel, CustomerState};

use super::fast_path::OneCustomer;
use super::object::{Customer, CustomerConnection};
use crate::customers::model::{CustomerCursor, CustomerOrder};
use crate::customers::store::{self, SearchFilter};
use crate::error::AppError;
use crate::ids::{self, customer_id, Kind};
use crate::pagination;
use crate::request;

/// Reading the customer tree.
#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// The signed-in user's own customer: the root of their view.
    async fn root(&self, ctx: &Context<'_>) -> Result<OneCustomer> {
        let viewer = request::viewer(ctx)?;
        let row = request::customer_loader(ctx)?
            .load_one(viewer.customer_id)
            .await?
            .ok_or_else(|| AppError::NotFound("Customer not found".into()))?;
        Ok(OneCustomer(Customer::from(row)))
    }

    /// A customer by ID; null when it does not exist or is outside the caller's subtree.
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's global ID.")] id: ID,
    ) -> Result<Option<OneCustomer>> {
        let loader = request::customer_loader(ctx)?;
        let Some(id) = ids::decode(Kind::Customer, &id) else {
            return Ok(None);
        };
        if ctx.look_ahead().field("parent").exists() {
            // The customer and its parent in one statement, instead of one per nesting level
            // (each also waiting out the loader's batch window).
            let (state, viewer) = request::signed_in(ctx)?;
            let prefetched = request::prefetched(ctx)?;
            let mut found = None;
            for row in store::with_parent(&state.reads, &viewer.scope, id).await? {
                if row.id == id {
                    found = Some(row);
                } else {
                    prefetched.keep(row);
                }
            }
            return Ok(found.map(|row| OneCustomer(Customer::from(row))));
        }
        Ok(loader
            .load_one(id)
            .await?
            .map(|row| OneCustomer(Customer::from(row))))
    }

    /// Searches the caller's whole visible subtree (or the subtree of `under`, that customer
    /// included): `search` is a case-insensitive substring of the name; `levels` and `states`
    /// keep only customers with one of the given values.
    #[allow(clippy::too_many_arguments)]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A part of the name, in any case.")] search: Option<String>,
        #[graphql(desc = "Only customers at one of these levels.")] levels: Option<
            Vec<CustomerLevel>,
        >,
        #[graphql(desc = "Only customers in one of these states.")] states: Option<
            Vec<CustomerState>,
        >,
        #[graphql(desc = "Only this customer and the customers below it.")] under: Option<ID>,
        #[graphql(desc = "Page size: 0 to 500, 50 when omitted.")] first: Option<i32>,
        #[graphql(desc = "A cursor from the previous page: continue after it.")] after: Option<
            String,
        >,
        #[graphql(
            default_with = "Some(CustomerOrder::Name)",
            desc = "The order of the results."
        )]
        order: Option<CustomerOrder>,
    ) -> Result<CustomerConnection> {
        let order = order.unwrap_or_default();
        let viewer = request::viewer(ctx)?;
        let state = request::state(ctx)?;
        let limit = pagination::page_size(first)?;
        let cursor: Option<CustomerCursor> = pagination::decode_cursor(after.as_deref())?;
        let mut conn = state.pool.acquire().await.map_err(AppError::from)?;
        let under_path = match under {
            Some(id) => Some(
                store::require(&mut *conn, &viewer.scope, customer_id(&id)?)
                    .await?
                    .path,
            ),
            None => None,
        };
        let filter = SearchFilter {
            name_contains: search
                .map(|s| canopy_shared::customer::name_key(&s))
                .filter(|s| !s.is_empty()),
            levels: levels.unwrap_or_default(),
            states: states.unwrap_or_default(),
            under_path,
        };
        let (rows, total) = store::search(
            &mut conn,
            &viewer.scope,
            &filter,
            order,
            limit,
            cursor.as_ref(),
            state.clock.now_ms(),
            ctx.look_ahead().field("totalCount").exists(),
        )
        .await?;
        Ok(CustomerConnection::new(
            rows,
            limit,
            cursor.is_some(),
            // Counted only when the query selects `totalCount`, so 0 is never read.
            total.unwrap_or_default(),
        ))
    }
}
