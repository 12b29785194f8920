//! Branding: a customer's display name, colours, sender address, logo and icon, inherited down
//! the tree, and the content-addressed URLs its files are served from.

pub mod graphql;
pub mod http;
pub mod loaders;
pub mod service;
pub mod store;
pub mod svg;
pub mod upload;

pub use graphql::{Branding, BrandingMutation};
pub use http::{serve_asset, ASSET_CSP};
