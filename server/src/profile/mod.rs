//! A customer's company profile: legal name, website, registration numbers, postal address,
//! billing contact and billing e-mail (all optional).

pub mod graphql;
pub mod loaders;
pub mod service;
pub mod store;

pub use graphql::{CompanyProfile, ProfileMutation};
