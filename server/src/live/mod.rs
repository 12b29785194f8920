//! Live updates: customer changes published after their transaction commits, delivered to
//! `customerChanged` subscribers over WebSocket, each seeing only their own subtree.
//!
//! Events travel through an [`EventBus`]: on SQLite (one server process) [`LocalBus`], a
//! `tokio` broadcast channel inside the process; on PostgreSQL, where several server processes
//! may share the database, [`PgBus`]: `publish` runs
//! `SELECT pg_notify('canopy_customer_events', <event as JSON>)` (events are `serde` types for
//! that reason), and one task per process `LISTEN`s on the channel (sqlx's `PgListener`) and
//! feeds the process' own broadcast channel, from which `subscribe` hands out receivers.
//! Subscribers and the scope filter ([`Filter`]) are the same for both.

pub mod event;
pub mod graphql;
pub mod pg;
pub mod ws;

pub use event::{ChangeKind, CustomerEvent, EventBus, Filter, LocalBus, SharedBus};
pub use graphql::{CustomerChange, LiveSubscription};
pub use pg::PgBus;
