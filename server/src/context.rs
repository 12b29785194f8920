//! What a request carries: the application state, the signed-in viewer and their scope, and
//! the per-request DataLoaders (which are scoped to the viewer, so they cannot be shared).

use async_graphql::dataloader::DataLoader;
use async_graphql::Context;
use canopy_shared::{Action, Role};

use crate::activities::loaders::ActivitiesLoader;
use crate::branding::loaders::BrandingLoader;
use crate::clock::SharedClock;
use crate::contacts::loaders::{ContactLoader, ContactsLoader};
use crate::customers::loaders::{ChildrenLoader, CustomerLoader, Prefetched, SubtreeLoader};
use crate::db::{self, Pool};
use crate::devices::loaders::{DeviceLoader, DevicePagesLoader};
use crate::error::{AppError, AppResult};
use crate::profile::loaders::ProfileLoader;
use crate::users::loaders::{CustomerUsersLoader, UserLoader};

/// Shared by all requests.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    /// The same database through the native driver, for loaders' reads (see `db::reads`).
    pub reads: db::ReadPool,
    pub clock: SharedClock,
    pub session_ttl_ms: i64,
    /// Failed sign-in counters.
    pub sign_in_throttle: std::sync::Arc<crate::auth::throttle::SignInThrottle>,
    /// Base URL of this installation as users reach it (for links such as set-password).
    pub public_url: String,
    /// The sender address of the installation's default branding (configuration).
    pub default_sender_email: String,
    /// Where committed customer changes are published for live subscribers.
    pub events: crate::live::SharedBus,
    /// The data-center table as reads show it.
    pub data_centers: std::sync::Arc<crate::geo::DataCenterCache>,
}

/// The subtree a viewer may see: their own customer and its descendants, as a path range.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The materialised path of the viewer's own customer.
    pub root_path: String,
    /// Inclusive lower bound of the subtree's path range.
    pub lo: String,
    /// Exclusive upper bound of the subtree's path range.
    pub hi: String,
}

impl Scope {
    /// The scope rooted at the customer with this materialised path.
    pub fn for_path(path: &str) -> Self {
        let (lo, hi) = db::subtree_range(path);
        Self {
            root_path: path.to_owned(),
            lo,
            hi,
        }
    }

    /// Whether a customer with this path is visible.
    pub fn contains(&self, path: &str) -> bool {
        path >= self.lo.as_str() && path < self.hi.as_str()
    }

    /// Whether the scope is the installation root's, which holds every customer (the root's
    /// path has a single id, `/1/`, and every path starts with it).
    pub fn is_everything(&self) -> bool {
        self.root_path.matches('/').count() == 2
    }
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user_id: i64,
    pub username: String,
    pub customer_id: i64,
    pub role: Role,
    /// Whether the user's customer is the installation's root (the support organisation).
    pub at_installation_root: bool,
    pub scope: Scope,
    /// SHA-256 of the session token the request came with (for `signOut`).
    pub token_hash: String,
}

impl Viewer {
    /// `FORBIDDEN` unless the viewer's role allows `action` (DOMAIN.md's role table).
    pub fn require(&self, action: Action) -> AppResult<()> {
        if self.role.allows(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "The {} role may not do this",
                self.role.as_str()
            )))
        }
    }
}

/// How long a DataLoader collects keys before it queries. Not zero, although every nesting level
/// pays it (async-graphql#1306): async-graphql resolves a list's items in a `FuturesUnordered`,
/// which yields after 32 polls, and a zero-delay batch then fires with only the first items'
/// keys, so a level of N customers would cost N/32 statements instead of one.
const LOADER_DELAY: std::time::Duration = std::time::Duration::from_millis(1);

/// Per-request data: who is asking, and loaders that batch within this request.
pub struct RequestCtx {
    pub viewer: Option<Viewer>,
    /// The client's address (for sign-in throttling).
    pub client_ip: Option<std::net::IpAddr>,
    pub customers: Option<DataLoader<CustomerLoader>>,
    pub children: Option<DataLoader<ChildrenLoader>>,
    /// Reads nested levels of children ahead, into `prefetched`.
    pub subtrees: Option<DataLoader<SubtreeLoader>>,
    pub prefetched: std::sync::Arc<Prefetched>,
    pub users: Option<DataLoader<UserLoader>>,
    pub customer_users: DataLoader<CustomerUsersLoader>,
    /// Loaders of the customer details (profile, contacts, activities, branding, devices).
    pub details: Option<DetailLoaders>,
    /// The data-center table, loaded on first use in this request.
    pub data_centers: tokio::sync::OnceCell<std::sync::Arc<Vec<crate::geo::store::DataCenterRow>>>,
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
