//! GraphQL face of the customer tree, one file per role: the `Customer` object and its pages
//! ([`object`]), the reads ([`query`]) and the tree's mutations ([`mutation`]). Resolvers only
//! translate; rules live in [`super::service`].

pub mod fast_path;
pub mod mutation;
pub mod object;
pub mod query;

pub use mutation::{CreateCustomerInput, CustomerMutation, UpdateCustomerInput};
pub use object::{Customer, CustomerConnection, CustomerEdge};
pub use query::CustomerQuery;
