//! One module per route.

pub mod console;
pub mod sign_in;
