//! Canopy's domain vocabulary and the pure rules of `DOMAIN.md`, compiled both into the server
//! and into the WebAssembly app so that both sides enforce and explain the very same rules.

pub mod country;
pub mod customer;
pub mod email;
pub mod roles;
pub mod storage;
pub mod trial;

pub use customer::{CustomerLevel, CustomerName, CustomerState, Module, ServiceType};
pub use roles::{Action, Role};
