//! Devices: the machines a customer backs up. Each customer keeps maintained totals (own and
//! whole-subtree device counts and stored bytes), so counts never walk the tree.

pub mod graphql;
pub mod loaders;
pub mod service;
pub mod store;

pub use graphql::{Device, DeviceConnection, DeviceMutation, DeviceQuery};
