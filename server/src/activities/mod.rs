//! Communication activities with a customer: calls, e-mails, meetings and notes, past or
//! upcoming relative to the server's clock.

pub mod graphql;
pub mod loaders;
pub mod service;
pub mod store;

pub use graphql::{Activity, ActivityMutation};
