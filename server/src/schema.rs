//! The GraphQL schema: each domain's queries, mutations and subscriptions merged into one,
//! with the limits every request runs under.

use std::sync::Arc;

use async_graphql::{
    Data, Executor, MergedObject, MergedSubscription, Request, Response, Schema, SchemaBuilder,
};
use futures::stream::{self, BoxStream, StreamExt};

use crate::activities::ActivityMutation;
use crate::audit::AuditQuery;
use crate::auth::{AuthMutation, AuthQuery};
use crate::branding::BrandingMutation;
use crate::contacts::ContactMutation;
use crate::customers::{CustomerMutation, CustomerQuery};
use crate::devices::{DeviceMutation, DeviceQuery};
use crate::geo::GeoQuery;
use crate::http::limits::{self, Guard, Limits, Operation};
use crate::live::LiveSubscription;
use crate::node::NodeQuery;
use crate::profile::ProfileMutation;
use crate::state::AppState;
use crate::users::UserMutation;

/// All queries.
#[derive(MergedObject, Default)]
pub struct Query(
    AuthQuery,
    NodeQuery,
    CustomerQuery,
    GeoQuery,
    AuditQuery,
    DeviceQuery,
);

/// All mutations.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    CustomerMutation,
    UserMutation,
    ProfileMutation,
    ContactMutation,
    ActivityMutation,
    BrandingMutation,
    DeviceMutation,
);

/// All subscriptions.
#[derive(MergedSubscription, Default)]
pub struct Subscription(LiveSubscription);

/// Canopy's schema as its transports (HTTP and WebSockets) run it: every operation passes the
/// [`Guard`] before async-graphql sees it, and the limit errors async-graphql raises itself
/// get our code.
///
/// The guard wraps the schema instead of being an async-graphql extension on purpose: with
/// any extension registered, async-graphql resolves every field and every list item through
/// the extension chain (a boxed future, a registry lookup and formatted type names each),
/// which cost 15 to 35 % of a 2,111-customer tree's CPU in A/B runs (docs/BENCHMARKS.md).
#[derive(Clone)]
pub struct CanopySchema {
    inner: Schema<Query, Mutation, Subscription>,
    guard: Guard,
}

impl CanopySchema {
    /// The schema under these limits, with introspection or without, resolving with `state`.
    pub fn new(state: AppState, limits: Limits, introspection: bool) -> Self {
        Self {
            inner: build_with(limits, introspection).data(state).finish(),
            guard: Guard::new(limits, introspection),
        }
    }

    /// Checks a request against the guard (see [`Guard::admit`]) and tells which operation it
    /// runs; a transport that needs to know before running it calls this, then
    /// [`Self::execute_admitted`].
    pub fn admit(&self, request: &mut Request) -> async_graphql::ServerResult<Operation> {
        self.guard.admit(request)
    }

    /// Runs a request that [`Self::admit`] let through.
    pub async fn execute_admitted(&self, request: Request) -> Response {
        let mut response = self.inner.execute(request).await;
        limits::code_limit_errors(&mut response);
        response
    }
}

impl Executor for CanopySchema {
    async fn execute(&self, mut request: Request) -> Response {
        match self.admit(&mut request) {
            Ok(_) => self.execute_admitted(request).await,
            Err(err) => Response::from_errors(vec![err]),
        }
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        if let Err(err) = self.admit(&mut request) {
            return stream::once(async move { Response::from_errors(vec![err]) }).boxed();
        }
        self.inner
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
            .map(|mut response| {
                limits::code_limit_errors(&mut response);
                response
            })
            .boxed()
    }
}

/// Builds the schema with introspection and the default limits (for its SDL).
pub fn build() -> SchemaBuilder<Query, Mutation, Subscription> {
    build_with(Limits::default(), true)
}

/// Builds the schema with these limits, and with introspection or without. async-graphql's
/// own depth and complexity limits are set to the guard's values as a second line.
fn build_with(limits: Limits, introspection: bool) -> SchemaBuilder<Query, Mutation, Subscription> {
    let builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    );
    let builder = if introspection {
        builder
    } else {
        builder.disable_introspection()
    };
    builder
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_fields)
        .limit_recursive_depth(limits.max_nesting)
        .limit_directives(limits.max_directives)
}

/// The schema in SDL, as `canopy schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    build().finish().sdl()
}
