//! Countries (ISO 3166-1, from `canopy_shared::country`) and the data centers customers' backups
//! are stored in (a table seeded by a migration, so operators can add or retire locations).

pub mod cache;
pub mod graphql;
pub mod store;

pub use cache::DataCenterCache;
pub use graphql::{Country, DataCenter, GeoQuery};
