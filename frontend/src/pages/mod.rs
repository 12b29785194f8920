//! One module per route (or family of routes).

pub mod console;
pub mod customers;
pub mod devices;
pub mod set_password;
pub mod sign_in;
