//! GraphQL face of the customer tree: the `Customer` object, `root` / `customer` / `customers`,
//! and the tree's mutations. Resolvers only translate; rules live in [`super::service`].

use std::sync::Arc;

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};
use canopy_shared::{ActivityTiming, CustomerLevel, CustomerState, Module, ServiceType};
use chrono::{DateTime, Utc};

use super::loaders::{self, ChildrenPage, SubtreeRequest};
use super::model::{CustomerCursor, CustomerOrder, CustomerRow};
use super::service::{self, CreateCustomer, UpdateCustomer};
use super::store::{self, SearchFilter};
use crate::activities::{self, Activity};
use crate::branding::{self, Branding};
use crate::clock::to_datetime;
use crate::contacts::{self, Contact};
use crate::devices::{self, DeviceConnection};
use crate::error::AppError;
use crate::geo::{self, Country, DataCenter};
use crate::ids::{self, customer_id, Kind};
use crate::pagination::{self, PageInfo};
use crate::profile::{self, CompanyProfile};
use crate::request;
use crate::viewer::Viewer;

/// A company in the customer tree. The row is shared: a subtree read ahead hands the same
/// rows to every page that shows them, without copying their strings.
#[derive(Clone, Debug)]
pub struct Customer(pub Arc<CustomerRow>);

impl From<CustomerRow> for Customer {
    fn from(row: CustomerRow) -> Self {
        Self(Arc::new(row))
    }
}

impl From<Arc<CustomerRow>> for Customer {
    fn from(row: Arc<CustomerRow>) -> Self {
        Self(row)
    }
}

fn now(ctx: &Context<'_>) -> Result<i64> {
    Ok(request::state(ctx)?.clock.now_ms())
}

/// A company in the customer tree: the installation's root, a distributor, reseller,
/// end-customer or site.
#[Object]
impl Customer {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Customer, self.0.id)
    }

    /// Unique across the installation (case-insensitively); users sign in with it.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Position in the distribution chain.
    async fn level(&self) -> CustomerLevel {
        self.0.level()
    }

    /// How the service is sold to this customer (one of its parent's `childServiceTypes`).
    async fn service_type(&self) -> ServiceType {
        self.0.service_type()
    }

    /// The service types this customer may sell on to its own customers.
    async fn child_service_types(&self) -> Vec<ServiceType> {
        self.0.child_service_types()
    }

    /// Country the customer's devices are in.
    async fn device_country(&self) -> Result<Country> {
        Country::from_stored(&self.0.device_country)
    }

    /// Data center holding the customer's backups; fixed at creation.
    async fn storage_location(&self, ctx: &Context<'_>) -> Result<DataCenter> {
        geo::graphql::data_center(ctx, &self.0.storage_location).await
    }

    /// Trial or production, derived from the trial's end and the current time.
    async fn state(&self, ctx: &Context<'_>) -> Result<CustomerState> {
        Ok(self.0.state(now(ctx)?))
    }

    /// When the 30-day trial ends (or ended); null for customers created in production.
    async fn trial_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.trial_expires_at.map(to_datetime)
    }

    /// External or billing code.
    async fn customer_reference(&self) -> Option<&str> {
        self.0.customer_reference.as_deref()
    }

    /// When the customer was created.
    async fn created_at(&self) -> DateTime<Utc> {
        to_datetime(self.0.created_at)
    }

    /// Increases with every change; pass it back as `expectedVersion` to avoid lost updates.
    async fn version(&self) -> i64 {
        self.0.version
    }

    /// The parent customer; null for the root of the caller's view.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        let Some(parent_id) = self.0.parent_id else {
            return Ok(None);
        };
        let prefetched = request::prefetched(ctx)?;
        if let Some(row) = prefetched.customer(parent_id) {
            return Ok(Some(Customer::from(row)));
        }
        Ok(request::customer_loader(ctx)?
            .load_one(parent_id)
            .await?
            .map(Customer::from))
    }

    /// Ancestors within the caller's view: the root of the view first, the parent last.
    async fn ancestors(&self, ctx: &Context<'_>) -> Result<Vec<Customer>> {
        let viewer = request::viewer(ctx)?;
        let mut ids = self.0.path_ids();
        ids.pop();
        let visible: Vec<i64> = ids
            .into_iter()
            .skip_while(|id| *id != viewer.customer_id)
            .collect();
        let mut found = request::customer_loader(ctx)?
            .load_many(visible.iter().copied())
            .await?;
        Ok(visible
            .iter()
            .filter_map(|id| found.remove(id))
            .map(Customer::from)
            .collect())
    }

    /// Direct children, a page at a time.
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 500, 50 when omitted.")] first: Option<i32>,
        #[graphql(desc = "A cursor from the previous page: continue after it.")] after: Option<
            String,
        >,
        #[graphql(
            default_with = "Some(CustomerOrder::Name)",
            desc = "The order of the children."
        )]
        order: Option<CustomerOrder>,
    ) -> Result<CustomerConnection> {
        let order = order.unwrap_or_default();
        let limit = pagination::page_size(first)?;
        let cursor: Option<CustomerCursor> = pagination::decode_cursor(after.as_deref())?;
        let after_given = cursor.is_some();
        let page = ChildrenPage {
            order,
            limit,
            after: cursor,
        };
        let rows = if self.0.child_count == 0 {
            Vec::new()
        } else {
            children_page(ctx, &self.0, page).await?
        };
        Ok(CustomerConnection::new(
            rows,
            limit,
            after_given,
            self.0.child_count,
        ))
    }

    /// Number of direct children.
    async fn child_count(&self) -> i64 {
        self.0.child_count
    }

    /// Number of customers anywhere below this one.
    async fn descendant_count(&self) -> i64 {
        self.0.descendant_count
    }

    /// Modules and features this customer's level gives access to.
    async fn modules(&self) -> Vec<Module> {
        Module::for_level(self.0.level())
    }

    /// The customer's users, by username.
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<crate::users::User>> {
        Ok(request::customer_users_loader(ctx)?
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(crate::users::User::new)
            .collect())
    }

    /// The company profile (its fields are empty until filled in).
    async fn profile(&self, ctx: &Context<'_>) -> Result<CompanyProfile> {
        profile::graphql::for_customer(ctx, self.0.id).await
    }

    /// The customer's contacts, by last and first name.
    async fn contacts(&self, ctx: &Context<'_>) -> Result<Vec<Contact>> {
        contacts::graphql::for_customer(ctx, self.0.id).await
    }

    /// Communication activities: `UPCOMING` ones soonest first, `PAST` ones newest first;
    /// without `timing`, the upcoming ones and then the past ones.
    async fn activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only past or only upcoming activities.")] timing: Option<ActivityTiming>,
    ) -> Result<Vec<Activity>> {
        activities::graphql::for_customer(ctx, self.0.id, timing).await
    }

    /// This customer's own branding; null when it inherits.
    async fn branding(&self, ctx: &Context<'_>) -> Result<Option<Branding>> {
        branding::graphql::own(ctx, &self.0).await
    }

    /// The branding this customer's users see: its own, else its nearest branded ancestor's,
    /// else the installation default.
    async fn effective_branding(&self, ctx: &Context<'_>) -> Result<Branding> {
        branding::graphql::effective(ctx, &self.0).await
    }

    /// The customer's devices by name, a page at a time; with `includeDescendants`, the whole
    /// subtree's, grouped by customer.
    async fn devices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (at most 500; 50 when omitted).")] first: Option<i32>,
        #[graphql(desc = "The cursor to continue after.")] after: Option<String>,
        #[graphql(
            default_with = "Some(false)",
            desc = "Include the devices of the whole subtree."
        )]
        include_descendants: Option<bool>,
    ) -> Result<DeviceConnection> {
        devices::graphql::page_for(
            ctx,
            &self.0,
            first,
            after,
            include_descendants.unwrap_or(false),
        )
        .await
    }

    /// Number of devices of this customer, or with `includeDescendants` of its whole subtree.
    async fn device_count(
        &self,
        #[graphql(
            default_with = "Some(false)",
            desc = "Count the whole subtree, not just this customer."
        )]
        include_descendants: Option<bool>,
    ) -> i64 {
        if include_descendants.unwrap_or(false) {
            self.0.subtree_device_count
        } else {
            self.0.device_count
        }
    }

    /// Bytes stored by this customer's devices, or with `includeDescendants` by its whole
    /// subtree's.
    async fn storage_used_bytes(
        &self,
        #[graphql(
            default_with = "Some(false)",
            desc = "Count the whole subtree, not just this customer."
        )]
        include_descendants: Option<bool>,
    ) -> f64 {
        if include_descendants.unwrap_or(false) {
            self.0.subtree_storage_used_bytes as f64
        } else {
            self.0.storage_used_bytes as f64
        }
    }

    /// Whether `removeCustomer` would succeed: no devices, no children, and not the root.
    async fn removable(&self, ctx: &Context<'_>) -> Result<bool> {
        let viewer = request::viewer(ctx)?;
        Ok(self.0.child_count == 0
            && self.0.device_count == 0
            && !self.0.is_installation_root()
            && self.0.id != viewer.customer_id)
    }
}

/// A page of `parent`'s children. When the query nests `children` further below these, the
/// levels it reads are fetched at once (one statement for the whole subtree, bounded by the
/// maintained descendant count) instead of one statement per level.
async fn children_page(
    ctx: &Context<'_>,
    parent: &CustomerRow,
    page: ChildrenPage,
) -> Result<Vec<Arc<CustomerRow>>> {
    let (subtrees, prefetched) = request::subtree_loader(ctx)?;
    if let Some(rows) = prefetched.page(parent.id, &page) {
        return Ok(rows);
    }
    let levels = 1 + nested_children_levels(&ctx.look_ahead(), 1);
    if levels >= 2 && parent.descendant_count <= loaders::PREFETCH_MAX_ROWS {
        let request = SubtreeRequest {
            id: parent.id,
            path: parent.path.clone(),
            levels,
            descendants: parent.descendant_count,
        };
        if subtrees.load_one(request).await?.is_some() {
            if let Some(rows) = prefetched.page(parent.id, &page) {
                return Ok(rows);
            }
        }
    }
    Ok(request::children_loader(ctx)?
        .load_one((parent.id, page))
        .await?
        .unwrap_or_default())
}

/// How many levels of `children` the selection of a `children` field nests below itself,
/// through `nodes` or `edges { node }` (fragments included); counted up to a small bound.
fn nested_children_levels(children: &async_graphql::Lookahead<'_>, depth: usize) -> usize {
    const MAX_LEVELS: usize = 8;
    if depth >= MAX_LEVELS {
        return 0;
    }
    [
        children.field("nodes").field("children"),
        children.field("edges").field("node").field("children"),
    ]
    .iter()
    .filter(|nested| nested.exists())
    .map(|nested| 1 + nested_children_levels(nested, depth + 1))
    .max()
    .unwrap_or(0)
}

/// An edge of a customer list.
#[derive(SimpleObject)]
pub struct CustomerEdge<'a> {
    /// The customer.
    pub node: &'a Customer,
    /// Pass as `after` to continue after this customer.
    pub cursor: String,
}

/// A page of customers.
pub struct CustomerConnection {
    nodes: Vec<Customer>,
    page_info: PageInfo,
    total_count: i64,
}

impl CustomerConnection {
    fn new<R: Into<Customer>>(
        rows: Vec<R>,
        limit: i64,
        after_given: bool,
        total_count: i64,
    ) -> Self {
        let mut nodes: Vec<Customer> = rows.into_iter().map(Into::into).collect();
        let page_info =
            pagination::trim_page(&mut nodes, limit, after_given, |node| cursor_of(&node.0));
        Self {
            nodes,
            page_info,
            total_count,
        }
    }
}

fn cursor_of(row: &CustomerRow) -> String {
    pagination::encode_cursor(&CustomerCursor::of(row))
}

// Edges and their cursors are built only when asked for: a tree of nested `nodes` (thousands
// of customers) should not pay for a cursor per customer it never reads.
/// A page of customers.
#[Object]
impl CustomerConnection {
    /// The customers of this page, each with its cursor.
    async fn edges(&self) -> Vec<CustomerEdge<'_>> {
        self.nodes
            .iter()
            .map(|node| CustomerEdge {
                node,
                cursor: cursor_of(&node.0),
            })
            .collect()
    }

    /// The customers of this page (the edges' nodes, for clients that need no cursors).
    async fn nodes(&self) -> &[Customer] {
        &self.nodes
    }

    /// Whether more pages follow, and the cursors to get them.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// Number of customers in the whole list, not just this page.
    async fn total_count(&self) -> i64 {
        self.total_count
    }
}

/// Reading the customer tree.
#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// The signed-in user's own customer: the root of their view.
    async fn root(&self, ctx: &Context<'_>) -> Result<Customer> {
        let viewer = request::viewer(ctx)?;
        let row = request::customer_loader(ctx)?
            .load_one(viewer.customer_id)
            .await?
            .ok_or_else(|| AppError::NotFound("Customer not found".into()))?;
        Ok(Customer::from(row))
    }

    /// A customer by ID; null when it does not exist or is outside the caller's subtree.
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's global ID.")] id: ID,
    ) -> Result<Option<Customer>> {
        let loader = request::customer_loader(ctx)?;
        let Some(id) = ids::decode(Kind::Customer, &id) else {
            return Ok(None);
        };
        if ctx.look_ahead().field("parent").exists() {
            // The customer and its parent in one statement, instead of one per nesting level
            // (each also waiting out the loader's batch window).
            let (state, viewer) = signed_in(ctx)?;
            let prefetched = request::prefetched(ctx)?;
            let mut found = None;
            for row in store::with_parent(&state.reads, &viewer.scope, id).await? {
                if row.id == id {
                    found = Some(row);
                } else {
                    prefetched.keep(row);
                }
            }
            return Ok(found.map(Customer::from));
        }
        Ok(loader.load_one(id).await?.map(Customer::from))
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

/// `createCustomer`'s input.
#[derive(InputObject)]
pub struct CreateCustomerInput {
    /// The customer to create the new one under.
    pub parent_id: ID,
    /// Unique across the installation, case-insensitively; 1 to 128 characters.
    pub name: String,
    /// Must be below the parent's level.
    pub level: CustomerLevel,
    /// Must be one of the parent's `childServiceTypes`.
    pub service_type: ServiceType,
    /// What the new customer may sell on; defaults to its own service type.
    pub child_service_types: Option<Vec<ServiceType>>,
    /// ISO 3166-1 alpha-2 code.
    pub device_country: String,
    /// Data center code: required when the device country has no data center, and otherwise
    /// either omitted or that country's own.
    pub storage_location: Option<String>,
    /// Start a 30-day trial.
    #[graphql(default = false)]
    pub in_trial: bool,
    /// External or billing code, at most 64 characters.
    pub customer_reference: Option<String>,
}

/// `updateCustomer`'s input: omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCustomerInput {
    /// Renaming means the customer's users sign in with the new name.
    pub name: Option<String>,
    /// Must stay below the parent's level and above the children's.
    pub level: Option<CustomerLevel>,
    /// Must be one of the parent's `childServiceTypes`.
    pub service_type: Option<ServiceType>,
    /// Must keep every service type the customer's children use.
    pub child_service_types: Option<Vec<ServiceType>>,
    /// Changing it never changes the storage location.
    pub device_country: Option<String>,
    /// Null or blank clears it.
    pub customer_reference: MaybeUndefined<String>,
    /// The `version` you edited; a mismatch is a `CONFLICT`.
    pub expected_version: Option<i64>,
}

/// Changing the customer tree.
#[derive(Default)]
pub struct CustomerMutation;

fn signed_in<'a>(ctx: &Context<'a>) -> Result<(&'a crate::state::AppState, &'a Viewer)> {
    Ok((request::state(ctx)?, request::viewer(ctx)?))
}

#[Object]
impl CustomerMutation {
    /// Creates a customer below `input.parentId`.
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new customer.")] input: CreateCustomerInput,
    ) -> Result<Customer> {
        let (state, viewer) = signed_in(ctx)?;
        let parent_id = ids::decode(Kind::Customer, &input.parent_id)
            .ok_or_else(|| AppError::NotFound("Parent customer not found".into()))?;
        let row = service::create(
            state,
            viewer,
            CreateCustomer {
                parent_id,
                name: input.name,
                level: input.level,
                service_type: input.service_type,
                child_service_types: input.child_service_types,
                device_country: input.device_country,
                storage_location: input.storage_location,
                in_trial: input.in_trial,
                customer_reference: input.customer_reference,
            },
        )
        .await?;
        Ok(Customer::from(row))
    }

    /// Edits a customer's general fields.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer to edit.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateCustomerInput,
    ) -> Result<Customer> {
        let (state, viewer) = signed_in(ctx)?;
        let update = UpdateCustomer {
            name: input.name,
            level: input.level,
            service_type: input.service_type,
            child_service_types: input.child_service_types,
            device_country: input.device_country,
            customer_reference: match input.customer_reference {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            },
            expected_version: input.expected_version,
        };
        Ok(Customer::from(
            service::update(state, viewer, customer_id(&id)?, update).await?,
        ))
    }

    /// Moves a customer, with its whole subtree, under another parent.
    async fn move_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer to move.")] id: ID,
        #[graphql(desc = "Its new parent.")] new_parent_id: ID,
        #[graphql(desc = "The `version` you saw; a mismatch is a `CONFLICT`.")]
        expected_version: Option<i64>,
    ) -> Result<Customer> {
        let (state, viewer) = signed_in(ctx)?;
        let id = customer_id(&id)?;
        let new_parent = ids::decode(Kind::Customer, &new_parent_id)
            .ok_or_else(|| AppError::NotFound("New parent customer not found".into()))?;
        Ok(Customer::from(
            service::move_to(state, viewer, id, new_parent, expected_version).await?,
        ))
    }

    /// Removes a customer without devices and without customers of its own; returns its ID.
    async fn remove_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer to remove.")] id: ID,
    ) -> Result<ID> {
        let (state, viewer) = signed_in(ctx)?;
        service::remove(state, viewer, customer_id(&id)?).await?;
        Ok(id)
    }

    /// Converts a trial customer to production.
    async fn convert_to_production(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The trial customer.")] id: ID,
    ) -> Result<Customer> {
        let (state, viewer) = signed_in(ctx)?;
        Ok(Customer::from(
            service::convert_to_production(state, viewer, customer_id(&id)?).await?,
        ))
    }

    /// Changes a customer's storage location: Only a SUPERUSER of the root customer may.
    async fn change_storage_location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer.")] id: ID,
        #[graphql(desc = "The new data center's code, e.g. `DE`.")] storage_location: String,
    ) -> Result<Customer> {
        let (state, viewer) = signed_in(ctx)?;
        Ok(Customer::from(
            service::change_storage_location(state, viewer, customer_id(&id)?, &storage_location)
                .await?,
        ))
    }
}
