//! The customer tree: the `Customer` type, its queries and mutations, and the rules and SQL
//! behind them.

pub mod graphql;
pub mod loaders;
pub mod model;
pub mod service;
pub mod store;

pub use graphql::{Customer, CustomerMutation, CustomerQuery};
