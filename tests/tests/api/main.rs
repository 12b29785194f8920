//! End-to-end tests of the GraphQL API: each starts the real server on a free port with a fresh
//! database and talks HTTP to it.

mod audit;
mod auth;
mod branding;
mod customers;
mod detail_scope;
mod details;
mod devices;
mod fast_path;
mod graphiql;
mod graphql_http;
mod hostile;
mod isolation;
mod limits;
mod live;
mod ops;
mod relay;
mod schema;
mod scope;
mod session_cache;
mod tree;
mod users;
