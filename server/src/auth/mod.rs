//! Passwords and sessions: signing in and out, and resolving a bearer token to a [`Viewer`].
//!
//! [`Viewer`]: crate::viewer::Viewer

pub mod cache;
pub mod graphql;
pub mod password;
pub mod service;
pub mod store;
pub mod throttle;

pub use graphql::{AuthMutation, AuthQuery};
pub use service::{session_still_valid, viewer_for_token};

use sha2::{Digest, Sha256};

/// A new session token: 256 random bits, base64url. Only its hash is stored.
pub fn new_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token: hex SHA-256. A fast hash is right here, unlike for passwords:
/// tokens are 256-bit random, so there is nothing to brute-force.
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}
