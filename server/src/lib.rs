//! Canopy's server: a GraphQL API over the customer tree, and the host of the web app.
//!
//! The layout follows the domain: each of [`customers`], [`profile`], [`contacts`],
//! [`activities`], [`branding`], [`devices`], [`users`], [`geo`] and [`auth`] owns its GraphQL
//! types, its rules and its SQL. Inside, modules import only downward, through these layers
//! (`scripts/layers` checks it):
//!
//! - ground: [`viewer`] (`Scope`, `Viewer`), [`ids`], [`error`], [`db`], [`clock`], [`config`],
//!   [`live::event`] and the other pieces below every domain;
//! - storage: each domain's `store.rs` and `model.rs` (the SQL), and [`state::AppState`];
//! - loaders: each domain's `loaders.rs` (a request's batched reads);
//! - recipe: [`write`], the one way a change is written (begin, authorise, write, audit,
//!   commit, publish);
//! - service: each domain's `service.rs` (its rules, through the recipe);
//! - request: [`request`], the per-request registry of viewer and loaders, and its accessors;
//! - GraphQL: each domain's `graphql.rs` (objects may refer to each other: it is a graph);
//! - top: [`schema`] merges the GraphQL parts, [`startup`] and [`http`] wire the routes;
//!   [`main`](../canopy/index.html) is a thin binary over [`startup::Application`].

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
