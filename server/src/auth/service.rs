//! Sessions: signing in and out (the password check, throttled per name and per address, the
//! session row and the audit entry of each, written through the one write recipe), and the
//! viewer a session token stands for.

use super::cache::CachedSession;
use super::{new_token, password, store, token_hash};
use crate::audit::Actor;
use crate::customers;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::users::{self, store::UserRow};
use crate::viewer::{Scope, Viewer};
use crate::write::Write;

const BAD_CREDENTIALS: &str = "The customer name, username or password is not correct";

/// A new session.
#[derive(Debug)]
pub struct SignedIn {
    /// The bearer token: shown to the client once, stored only as its hash.
    pub token: String,
    pub user: UserRow,
    pub expires_at_ms: i64,
}

/// Why a sign-in was refused.
#[derive(Debug)]
pub enum Refused {
    /// Too many failed attempts: try again after this many seconds.
    Throttled { retry_after_seconds: i64 },
    /// Wrong credentials (every wrong part gives the same answer) or another error.
    Error(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Self::Error(e)
    }
}

/// Signs `username` of the customer named `customer_name` in with `password`, from `client`.
pub async fn sign_in(
    state: &AppState,
    customer_name: &str,
    username: &str,
    password: String,
    client: Option<std::net::IpAddr>,
) -> Result<SignedIn, Refused> {
    let customer_key = canopy_shared::customer::name_key(customer_name);
    let username_key = users::store::username_key(username);
    let throttle = &state.sign_in_throttle;
    if let Err(seconds) = throttle.check(&customer_key, &username_key, client, state.clock.now_ms())
    {
        return Err(Refused::Throttled {
            retry_after_seconds: seconds,
        });
    }
    let customer = customers::store::by_name_key(&state.pool, &customer_key).await?;
    let credentials = match &customer {
        Some(c) => users::store::credentials(&state.pool, c.id, &username_key).await?,
        None => None,
    };
    // Argon2 is CPU-bound on purpose: keep it off the async workers.
    let user_id = tokio::task::spawn_blocking(move || match credentials {
        Some((id, Some(hash))) if password::verify(&hash, &password) => Some(id),
        Some((_, Some(_))) => None,
        _ => {
            password::verify_dummy(&password);
            None
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let Some(user_id) = user_id else {
        throttle.failed(&customer_key, &username_key, client, state.clock.now_ms());
        return Err(AppError::Unauthenticated(BAD_CREDENTIALS.into()).into());
    };
    throttle.succeeded(&customer_key, &username_key);

    let token = new_token();
    let mut w = Write::begin(state).await?;
    let now = w.now();
    let expires_at_ms = now + state.session_ttl_ms;
    store::insert_session(w.conn(), &token_hash(&token), user_id, now, expires_at_ms).await?;
    let user = users::store::by_id(w.conn(), user_id)
        .await?
        .ok_or_else(|| AppError::Unauthenticated(BAD_CREDENTIALS.into()))?;
    let actor = Actor {
        user_id: user.id,
        username: &user.username,
    };
    audit_session(&mut w, actor, user.customer_id, "session.signIn").await?;
    w.commit().await?;
    Ok(SignedIn {
        token,
        user,
        expires_at_ms,
    })
}

/// Ends the viewer's session: its token stops working at once. Answers whether it was still
/// there to end.
pub async fn sign_out(state: &AppState, viewer: &Viewer) -> AppResult<bool> {
    let mut w = Write::begin(state).await?;
    let ended = store::delete_session(w.conn(), &viewer.token_hash).await?;
    audit_session(
        &mut w,
        viewer.actor(),
        viewer.customer_id,
        "session.signOut",
    )
    .await?;
    w.commit().await?;
    Ok(ended)
}

/// Records a sign-in or sign-out in the audit history of the user's customer.
async fn audit_session(
    w: &mut Write<'_>,
    actor: Actor<'_>,
    customer_id: i64,
    action: &str,
) -> AppResult<()> {
    let customer = customers::store::get_unscoped(w.conn(), customer_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user without customer")))?;
    let after = Some(serde_json::json!({ "username": actor.username }));
    w.audit(actor, action, &customer, None, after).await
}

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
/// ended: from the process' session cache when it holds the session, else from the database.
async fn viewer_for_session(state: &AppState, hash: String) -> AppResult<Option<Viewer>> {
    let now = state.clock.now_ms();
    let mut session = match state.sessions.get(&hash, now) {
        Ok(cached) => cached,
        Err(ticket) => {
            let Some(session) = session_from_database(state, hash.clone(), now).await? else {
                return Ok(None);
            };
            state.sessions.store(ticket, &hash, session.clone(), now);
            session
        }
    };
    // Extending on every request would turn reads into writes; a tenth of the lifetime is
    // slack enough.
    let renewed = now + state.session_ttl_ms;
    if renewed - session.expires_at > state.session_ttl_ms / 10 {
        store::extend_session(&state.pool, &hash, renewed).await?;
        state.sessions.extend(&hash, renewed);
        session.expires_at = renewed;
    }
    Ok(Some(session.viewer))
}

/// The live session under `hash` as the database has it.
async fn session_from_database(
    state: &AppState,
    hash: String,
    now: i64,
) -> AppResult<Option<CachedSession>> {
    let Some(session) = store::session(&state.reads, &hash, now).await? else {
        return Ok(None);
    };
    let Some(role) = canopy_shared::Role::parse(&session.role) else {
        return Ok(None);
    };
    Ok(Some(CachedSession {
        viewer: Viewer {
            user_id: session.user_id,
            username: session.username,
            customer_id: session.customer_id,
            role,
            at_installation_root: session.customer_parent_id.is_none(),
            scope: Scope::for_path(&session.customer_path),
            token_hash: hash,
        },
        expires_at: session.expires_at,
    }))
}
