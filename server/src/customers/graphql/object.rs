//! The `Customer` object: its own fields, and the fields that reach into other domains (its
//! contacts, devices, branding…), which forward to their loaders; and customer pages.

use std::sync::Arc;

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use canopy_shared::{ActivityTiming, CustomerLevel, CustomerState, Module, ServiceType};
use chrono::{DateTime, Utc};

use super::fast_path::CustomerList;
use crate::activities::{self, Activity};
use crate::branding::{self, Branding};
use crate::clock::to_datetime;
use crate::contacts::{self, Contact};
use crate::customers::loaders::{self, ChildrenPage, SubtreeRequest};
use crate::customers::model::{CustomerCursor, CustomerOrder, CustomerRow};
use crate::devices::{self, DeviceConnection};
use crate::geo::{self, Country, DataCenter};
use crate::ids::{self, Kind};
use crate::pagination::{self, PageInfo};
use crate::profile::{self, CompanyProfile};
use crate::request;

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
        let page = ChildrenPage::from_arguments(first, after.as_deref(), order)?;
        let (limit, after_given) = (page.limit, page.after.is_some());
        let rows = if self.0.child_count == 0 {
            Vec::new()
        } else {
            children_page(ctx, &self.0, page).await?
        };
        Ok(
            CustomerConnection::new(rows, limit, after_given, self.0.child_count)
                .of(self.0.clone()),
        )
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

/// The most levels of children one read ahead brings (a `children` field and those nested in
/// it); deeper levels are read when reached. The general resolver and the fast path count them
/// alike, each over its own view of the selection (async-graphql's look-ahead here, the fast
/// path's walk, which honours type conditions, there).
pub(super) const MAX_READ_AHEAD_LEVELS: usize = 8;

/// How many levels of `children` the selection of a `children` field nests below itself,
/// through `nodes` or `edges { node }` (fragments included), when the field itself is at
/// `depth` (1 for the first); counted up to [`MAX_READ_AHEAD_LEVELS`].
fn nested_children_levels(children: &async_graphql::Lookahead<'_>, depth: usize) -> usize {
    if depth >= MAX_READ_AHEAD_LEVELS {
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
    pub(super) nodes: Vec<Customer>,
    pub(super) page_info: PageInfo,
    pub(super) total_count: i64,
    /// The customer whose children these are, if they are: their `parent`, at hand.
    owner: Option<Arc<CustomerRow>>,
}

impl CustomerConnection {
    pub(super) fn new<R: Into<Customer>>(
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
            owner: None,
        }
    }

    /// The page as a page of `owner`'s children.
    pub(super) fn of(mut self, owner: Arc<CustomerRow>) -> Self {
        self.owner = Some(owner);
        self
    }
}

pub(super) fn cursor_of(row: &CustomerRow) -> String {
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
    async fn nodes(&self) -> CustomerList<'_> {
        CustomerList {
            nodes: &self.nodes,
            owner: self.owner.as_ref(),
        }
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
