//! Passwords and sessions: signing in and out, and resolving a bearer token to a [`Viewer`].
//!
//! [`Viewer`]: crate::viewer::Viewer

pub mod graphql;
pub mod password;
pub mod service;
pub mod store;
pub mod throttle;

pub use graphql::{AuthMutation, AuthQuery};

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
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::viewer::{Scope, Viewer};

/// The viewer a bearer token stands for, or `None` when the token is unknown or expired.
/// A session in use slides forward, so active users are not signed out mid-work.
pub async fn viewer_for_token(state: &AppState, token: &str) -> AppResult<Option<Viewer>> {
    viewer_for_session(state, token_hash(token)).await
}

/// The viewer of a long-lived connection's session (`hash`, as its [`Viewer`] carries it),
/// asked again so that the session's end reaches the connection too: UNAUTHENTICATED once it
/// has been signed out, has expired or its user was removed.
pub async fn session_still_valid(state: &AppState, hash: &str) -> AppResult<Viewer> {
    viewer_for_session(state, hash.to_owned())
        .await?
        .ok_or_else(|| AppError::Unauthenticated("the session has ended: sign in again".into()))
}

/// The viewer of the session stored under `hash` (a [`token_hash`]), or `None` when it has
/// ended.
async fn viewer_for_session(state: &AppState, hash: String) -> AppResult<Option<Viewer>> {
    let now = state.clock.now_ms();
    let Some(session) = store::session(&state.reads, &hash, now).await? else {
        return Ok(None);
    };
    let Some(role) = canopy_shared::Role::parse(&session.role) else {
        return Ok(None);
    };
    // Extending on every request would turn reads into writes; a tenth of the lifetime is
    // slack enough.
    let renewed = now + state.session_ttl_ms;
    if renewed - session.expires_at > state.session_ttl_ms / 10 {
        store::extend_session(&state.pool, &hash, renewed).await?;
    }
    Ok(Some(Viewer {
        user_id: session.user_id,
        username: session.username,
        customer_id: session.customer_id,
        role,
        at_installation_root: session.customer_parent_id.is_none(),
        scope: Scope::for_path(&session.customer_path),
        token_hash: hash,
    }))
}
