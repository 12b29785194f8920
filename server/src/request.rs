//! The request registry: the viewer of one request and the DataLoaders scoped to them (so they
//! cannot be shared between requests), with the accessors resolvers reach them through.
//!
//! This sits above the domains (it names every domain's loaders) and beside the schema; domains
//! use only the accessor functions below, never `RequestCtx`'s fields.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::Context;

use crate::activities::loaders::ActivitiesLoader;
use crate::branding::loaders::BrandingLoader;
use crate::contacts::loaders::{ContactLoader, ContactsLoader};
use crate::customers::loaders::{ChildrenLoader, CustomerLoader, Prefetched, SubtreeLoader};
use crate::devices::loaders::{DeviceLoader, DevicePagesLoader};
use crate::error::{AppError, AppResult};
use crate::geo::store::DataCenterRow;
use crate::profile::loaders::ProfileLoader;
use crate::state::AppState;
use crate::users::loaders::{CustomerUsersLoader, UserLoader};
use crate::viewer::Viewer;

/// How long a DataLoader collects keys before it queries. Not zero, although every nesting level
/// pays it (async-graphql#1306): async-graphql resolves a list's items in a `FuturesUnordered`,
/// which yields after 32 polls, and a zero-delay batch then fires with only the first items'
/// keys, so a level of N customers would cost N/32 statements instead of one.
const LOADER_DELAY: std::time::Duration = std::time::Duration::from_millis(1);

/// Per-request data: who is asking, and loaders that batch within this request.
pub struct RequestCtx {
    viewer: Option<Viewer>,
    /// The client's address (for sign-in throttling).
    client_ip: Option<std::net::IpAddr>,
    customers: Option<DataLoader<CustomerLoader>>,
    children: Option<DataLoader<ChildrenLoader>>,
    /// Reads nested levels of children ahead, into `prefetched`.
    subtrees: Option<DataLoader<SubtreeLoader>>,
    prefetched: std::sync::Arc<Prefetched>,
    users: Option<DataLoader<UserLoader>>,
    customer_users: DataLoader<CustomerUsersLoader>,
    /// Loaders of the customer details (profile, contacts, activities, branding, devices).
    details: Option<DetailLoaders>,
    /// The data-center table, loaded on first use in this request.
    data_centers: tokio::sync::OnceCell<Arc<Vec<DataCenterRow>>>,
}

impl RequestCtx {
    /// The context of a request from `viewer` (or an anonymous one).
    pub fn new(state: &AppState, viewer: Option<Viewer>) -> Self {
        let spawn = |fut| {
            tokio::spawn(fut);
        };
        let prefetched = std::sync::Arc::new(Prefetched::default());
        let (customers, children, subtrees, users) = match &viewer {
            Some(v) => (
                Some(DataLoader::new(CustomerLoader::new(state, v), spawn).delay(LOADER_DELAY)),
                Some(DataLoader::new(ChildrenLoader::new(state, v), spawn).delay(LOADER_DELAY)),
                Some(
                    DataLoader::new(SubtreeLoader::new(state, prefetched.clone()), spawn)
                        .delay(LOADER_DELAY),
                ),
                Some(DataLoader::new(UserLoader::new(state, v), spawn).delay(LOADER_DELAY)),
            ),
            None => (None, None, None, None),
        };
        let details = viewer.as_ref().map(|v| DetailLoaders::new(state, v));
        Self {
            viewer,
            client_ip: None,
            customers,
            children,
            subtrees,
            prefetched,
            users,
            customer_users: DataLoader::new(CustomerUsersLoader::new(state), spawn)
                .delay(LOADER_DELAY),
            details,
            data_centers: tokio::sync::OnceCell::new(),
        }
    }
}

impl RequestCtx {
    /// The signed-in viewer of this request, if any.
    pub fn viewer(&self) -> Option<&Viewer> {
        self.viewer.as_ref()
    }

    /// Records the client's address.
    pub fn with_client(mut self, ip: Option<std::net::IpAddr>) -> Self {
        self.client_ip = ip;
        self
    }
}

/// The client's address, when the request came over TCP.
pub fn client_ip(ctx: &Context<'_>) -> Option<std::net::IpAddr> {
    ctx.data::<RequestCtx>().ok()?.client_ip
}

/// The data-center table (small, rarely changed): the process's copy, taken once per request so
/// that one response shows one version of it.
pub async fn data_centers(ctx: &Context<'_>) -> AppResult<Arc<Vec<DataCenterRow>>> {
    request(ctx)?.data_centers(state(ctx)?).await
}

impl RequestCtx {
    async fn data_centers(&self, state: &AppState) -> AppResult<Arc<Vec<DataCenterRow>>> {
        let rows = self
            .data_centers
            .get_or_try_init(|| state.data_centers.get(&state.pool))
            .await?;
        Ok(rows.clone())
    }
}

/// The per-request loaders of the customer details. Every one is scoped to the viewer's
/// subtree, except [`brandings`](Self::brandings): effective branding is inherited from
/// ancestors above the viewer's own customer too (its resolver never reveals those customers).
pub struct DetailLoaders {
    pub profiles: DataLoader<ProfileLoader>,
    pub contacts: DataLoader<ContactsLoader>,
    pub contact: DataLoader<ContactLoader>,
    pub activities: DataLoader<ActivitiesLoader>,
    pub brandings: DataLoader<BrandingLoader>,
    pub device: DataLoader<DeviceLoader>,
    pub device_pages: DataLoader<DevicePagesLoader>,
}

impl DetailLoaders {
    fn new(state: &AppState, viewer: &Viewer) -> Self {
        fn loader<L: Send + Sync + 'static>(l: L) -> DataLoader<L> {
            DataLoader::new(l, |fut| {
                tokio::spawn(fut);
            })
            .delay(LOADER_DELAY)
        }
        Self {
            profiles: loader(ProfileLoader::new(state, viewer)),
            contacts: loader(ContactsLoader::new(state, viewer)),
            contact: loader(ContactLoader::new(state, viewer)),
            activities: loader(ActivitiesLoader::new(state, viewer)),
            brandings: loader(BrandingLoader::new(state)),
            device: loader(DeviceLoader::new(state, viewer)),
            device_pages: loader(DevicePagesLoader::new(state, viewer)),
        }
    }
}

/// The application state from a resolver's context.
pub fn state<'a>(ctx: &Context<'a>) -> AppResult<&'a AppState> {
    ctx.data::<AppState>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("AppState missing from schema data")))
}

fn request<'a>(ctx: &Context<'a>) -> AppResult<&'a RequestCtx> {
    ctx.data::<RequestCtx>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("RequestCtx missing from request data")))
}

/// The signed-in viewer, or `UNAUTHENTICATED`.
pub fn viewer<'a>(ctx: &Context<'a>) -> AppResult<&'a Viewer> {
    request(ctx)?
        .viewer
        .as_ref()
        .ok_or_else(|| AppError::Unauthenticated("Sign in first".into()))
}

/// The application state and the signed-in viewer, or `UNAUTHENTICATED`.
pub fn signed_in<'a>(ctx: &Context<'a>) -> AppResult<(&'a AppState, &'a Viewer)> {
    Ok((state(ctx)?, viewer(ctx)?))
}

/// The signed-in viewer, if any.
pub fn maybe_viewer<'a>(ctx: &Context<'a>) -> Option<&'a Viewer> {
    ctx.data::<RequestCtx>().ok()?.viewer.as_ref()
}

/// The request's customer-by-id loader (signed-in requests only).
pub fn customer_loader<'a>(ctx: &Context<'a>) -> AppResult<&'a DataLoader<CustomerLoader>> {
    viewer(ctx)?;
    request(ctx)?
        .customers
        .as_ref()
        .ok_or_else(|| AppError::Unauthenticated("Sign in first".into()))
}

/// The request's children loader (signed-in requests only).
pub fn children_loader<'a>(ctx: &Context<'a>) -> AppResult<&'a DataLoader<ChildrenLoader>> {
    viewer(ctx)?;
    request(ctx)?
        .children
        .as_ref()
        .ok_or_else(|| AppError::Unauthenticated("Sign in first".into()))
}

/// The request's subtree read-ahead and what it has read (signed-in requests only).
pub fn subtree_loader<'a>(
    ctx: &Context<'a>,
) -> AppResult<(&'a DataLoader<SubtreeLoader>, &'a Prefetched)> {
    viewer(ctx)?;
    let request = request(ctx)?;
    let loader = request
        .subtrees
        .as_ref()
        .ok_or_else(|| AppError::Unauthenticated("Sign in first".into()))?;
    Ok((loader, &request.prefetched))
}

/// The customer rows this request has already read ahead (a subtree's levels, a customer's
/// parent), so that resolvers use them instead of reading again (signed-in requests only).
pub fn prefetched<'a>(ctx: &Context<'a>) -> AppResult<&'a Prefetched> {
    viewer(ctx)?;
    Ok(&request(ctx)?.prefetched)
}

/// What a list resolved without the general executor reads from its request.
pub struct ReadAhead<'a> {
    pub state: &'a AppState,
    pub viewer: &'a Viewer,
    /// The customer rows read ahead of the fields that show them.
    pub prefetched: &'a Prefetched,
    /// The details' loaders (a list's contacts are read in one batch before its walk).
    pub details: &'a DetailLoaders,
    request: &'a RequestCtx,
}

impl ReadAhead<'_> {
    /// The data-center table, as [`data_centers`] gives it.
    pub async fn data_centers(&self) -> AppResult<Arc<Vec<DataCenterRow>>> {
        self.request.data_centers(self.state).await
    }
}

/// What a list resolved without the general executor reads from its request; `None` for
/// anonymous requests, or when the server runs with `--fast-reads=false`. Generic over the
/// context's item, since a list resolves with a selection set's context, not a field's.
pub fn read_ahead<'a, T>(ctx: &async_graphql::ContextBase<'a, T>) -> Option<ReadAhead<'a>> {
    let state = ctx.data::<AppState>().ok()?;
    let request = ctx.data::<RequestCtx>().ok()?;
    if !state.fast_reads.enabled {
        return None;
    }
    Some(ReadAhead {
        state,
        viewer: request.viewer.as_ref()?,
        prefetched: &request.prefetched,
        details: request.details.as_ref()?,
        request,
    })
}

/// The request's user-by-id loader (signed-in requests only).
pub fn user_loader<'a>(ctx: &Context<'a>) -> AppResult<&'a DataLoader<UserLoader>> {
    viewer(ctx)?;
    request(ctx)?
        .users
        .as_ref()
        .ok_or_else(|| AppError::Unauthenticated("Sign in first".into()))
}

/// The request's users-of-a-customer loader (signed-in requests only).
pub fn customer_users_loader<'a>(
    ctx: &Context<'a>,
) -> AppResult<&'a DataLoader<CustomerUsersLoader>> {
    viewer(ctx)?;
    Ok(&request(ctx)?.customer_users)
}

/// The request's customer-detail loaders (signed-in requests only).
pub fn detail_loaders<'a>(ctx: &Context<'a>) -> AppResult<&'a DetailLoaders> {
    viewer(ctx)?;
    request(ctx)?
        .details
        .as_ref()
        .ok_or_else(|| AppError::Unauthenticated("sign in first".into()))
}
