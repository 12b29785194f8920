//! Users of the console: each belongs to one customer, signs in with that customer's name, and
//! sees that customer's subtree. Managing them follows DOMAIN.md's role table: never granting
//! a role above one's own, never removing the root customer's last SUPERUSER.

pub mod graphql;
pub mod loaders;
pub mod service;
pub mod store;

pub use graphql::{User, UserMutation};
