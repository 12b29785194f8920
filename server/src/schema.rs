//! The GraphQL schema: each domain's queries, mutations and subscriptions merged into one,
//! with the limits every request runs under.

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::activities::ActivityMutation;
use crate::audit::AuditQuery;
use crate::auth::{AuthMutation, AuthQuery};
use crate::branding::BrandingMutation;
use crate::contacts::ContactMutation;
use crate::customers::{CustomerMutation, CustomerQuery};
use crate::devices::{DeviceMutation, DeviceQuery};
use crate::geo::GeoQuery;
use crate::http::limits::{Guard, Limits};
use crate::live::LiveSubscription;
use crate::node::NodeQuery;
use crate::profile::ProfileMutation;
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

/// Canopy's schema type.
pub type CanopySchema = Schema<Query, Mutation, Subscription>;

/// Builds the schema with the default limits; request data (state, viewer) is added per
/// request.
pub fn build() -> SchemaBuilder<Query, Mutation, Subscription> {
    build_with(Limits::default(), true)
}

/// Builds the schema with these limits, and with introspection or without. [`Guard`]
/// enforces the limits (and codes the errors) before validation; async-graphql's own depth
/// and complexity limits are set to the same values as a second line.
pub fn build_with(
    limits: Limits,
    introspection: bool,
) -> SchemaBuilder<Query, Mutation, Subscription> {
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
        .extension(Guard::new(limits, introspection))
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_fields)
        .limit_recursive_depth(limits.max_nesting)
        .limit_directives(limits.max_directives)
}

/// The schema in SDL, as `canopy schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    build().finish().sdl()
}
