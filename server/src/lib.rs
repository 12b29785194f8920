//! Canopy's server: a GraphQL API over the customer tree, and the host of the web app.
//!
//! The layout follows the domain: each of [`customers`], [`profile`], [`contacts`],
//! [`activities`], [`branding`], [`devices`], [`geo`] and [`auth`] owns its GraphQL types, its
//! SQL and its rules; [`schema`] only merges them, and [`startup`] wires the HTTP
//! routes. [`main`](../canopy/index.html) is a thin binary over [`startup::Application`].

pub mod activities;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod bootstrap;
pub mod branding;
pub mod clock;
pub mod config;
pub mod contacts;
pub mod customers;
pub mod db;
pub mod devices;
pub mod error;
pub mod geo;
pub mod graphiql;
pub mod http;
pub mod ids;
pub mod input;
pub mod live;
pub mod node;
pub mod ops;
pub mod pagination;
pub mod profile;
pub mod request;
pub mod schema;
pub mod security;
pub mod seed;
pub mod startup;
pub mod state;
pub mod users;
pub mod viewer;
pub mod write;

pub use config::Config;
pub use error::{AppError, AppResult};
pub use startup::Application;
