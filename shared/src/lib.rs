//! Canopy's domain vocabulary and the pure rules of `DOMAIN.md`, compiled both into the server
//! and into the WebAssembly app so that both sides enforce and explain the very same rules.

pub mod activity;
pub mod branding;
pub mod contact;
pub mod country;
pub mod customer;
pub mod device;
pub mod email;
pub mod roles;
pub mod storage;
pub mod text;
pub mod trial;
pub mod web;

pub use activity::{ActivityKind, ActivityTiming};
pub use contact::ContactRole;
pub use customer::{CustomerLevel, CustomerName, CustomerState, Module, ServiceType};
pub use roles::{Action, Role};
