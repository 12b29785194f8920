//! The GraphQL schema: each domain's queries and mutations merged into one.

use async_graphql::{EmptySubscription, MergedObject, Schema};

use crate::activities::ActivityMutation;
use crate::audit::AuditQuery;
use crate::auth::{AuthMutation, AuthQuery};
use crate::branding::BrandingMutation;
use crate::contacts::ContactMutation;
use crate::customers::{CustomerMutation, CustomerQuery};
use crate::devices::{DeviceMutation, DeviceQuery};
use crate::geo::GeoQuery;
use crate::profile::ProfileMutation;
use crate::users::UserMutation;

/// All queries.
#[derive(MergedObject, Default)]
pub struct Query(AuthQuery, CustomerQuery, GeoQuery, AuditQuery, DeviceQuery);

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

/// Canopy's schema type.
pub type CanopySchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema with its limits; request data (state, viewer) is added per request.
pub fn build() -> async_graphql::SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        // Generous enough for GraphiQL's introspection query, far below abusive nesting.
        .limit_depth(24)
        .limit_complexity(20_000)
        .limit_recursive_depth(32)
        .limit_directives(32)
}

/// The schema in SDL, as `canopy schema` prints it.
pub fn sdl() -> String {
    build().finish().sdl()
}
