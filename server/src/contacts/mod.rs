//! A customer's contacts: people with roles (signer, billing, technical…). A contact can be
//! the company profile's billing contact and the counterpart of communication activities.

pub mod graphql;
pub mod loaders;
pub mod service;
pub mod store;

pub use graphql::{Contact, ContactMutation};
