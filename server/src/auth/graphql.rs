//! `signIn`, `signOut` and `me`.

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::store;
use super::{new_token, password, token_hash};
use crate::audit::{self, Actor};
use crate::clock::to_datetime;
use crate::customers;
use crate::db;
use crate::error::AppError;
use crate::request;
use crate::users::{self, User};

/// A signed-in session.
#[derive(SimpleObject)]
pub struct Session {
    /// Send as `Authorization: Bearer <token>`. Shown only here, once.
    pub token: String,
    /// The signed-in user.
    pub user: User,
    /// When the session ends unless it is used (each use extends it).
    pub expires_at: DateTime<Utc>,
}

/// Who is signed in.
#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The signed-in user; null when not signed in.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(viewer) = request::maybe_viewer(ctx) else {
            return Ok(None);
        };
        let state = request::state(ctx)?;
        Ok(users::store::by_id(&state.pool, viewer.user_id)
            .await?
            .map(User::new))
    }
}

/// Records a sign-in or sign-out in the audit history of the user's customer.
async fn record_session_event(
    tx: &mut db::Tx,
    now: i64,
    actor: Actor<'_>,
    customer_id: i64,
    action: &str,
) -> Result<(), AppError> {
    let customer = customers::store::get_unscoped(&mut **tx, customer_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user without customer")))?;
    audit::record_for_customer(
        tx,
        actor,
        now,
        action,
        &customer,
        None,
        Some(serde_json::json!({ "username": actor.username })),
    )
    .await
}

/// Signing in and out.
#[derive(Default)]
pub struct AuthMutation;

const BAD_CREDENTIALS: &str = "The customer name, username or password is not correct";

#[Object]
impl AuthMutation {
    /// Signs in with the customer's name, the username and the password. Every wrong part gives
    /// the same error, so the response does not reveal which customers or users exist.
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The name of the user's customer (case does not matter).")]
        customer_name: String,
        #[graphql(desc = "The user's e-mail address.")] username: String,
        #[graphql(desc = "The user's password.")] password: String,
    ) -> Result<Session> {
        let state = request::state(ctx)?;
        let customer_key = canopy_shared::customer::name_key(&customer_name);
        let username_key = users::store::username_key(&username);
        let client = request::client_ip(ctx);
        let throttle = &state.sign_in_throttle;
        if let Err(seconds) =
            throttle.check(&customer_key, &username_key, client, state.clock.now_ms())
        {
            return Err(async_graphql::ErrorExtensions::extend_with(
                async_graphql::Error::from(AppError::Unauthenticated(format!(
                    "Too many failed sign-ins: try again in {seconds} seconds"
                ))),
                |_, ext| ext.set("retryAfterSeconds", seconds),
            ));
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
        let now = state.clock.now_ms();
        let expires_at = now + state.session_ttl_ms;
        let mut tx = db::begin_write(&state.pool).await.map_err(AppError::from)?;
        store::insert_session(&mut tx, &token_hash(&token), user_id, now, expires_at).await?;
        let user = users::store::by_id(&mut *tx, user_id)
            .await?
            .ok_or_else(|| AppError::Unauthenticated(BAD_CREDENTIALS.into()))?;
        let actor = Actor {
            user_id: user.id,
            username: &user.username,
        };
        record_session_event(&mut tx, now, actor, user.customer_id, "session.signIn").await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(Session {
            token,
            user: User::new(user),
            expires_at: to_datetime(expires_at),
        })
    }

    /// Ends the current session: its token stops working at once.
    async fn sign_out(&self, ctx: &Context<'_>) -> Result<bool> {
        let viewer = request::viewer(ctx)?;
        let state = request::state(ctx)?;
        let mut tx = db::begin_write(&state.pool).await.map_err(AppError::from)?;
        let ended = store::delete_session(&mut *tx, &viewer.token_hash).await?;
        let now = state.clock.now_ms();
        record_session_event(
            &mut tx,
            now,
            viewer.actor(),
            viewer.customer_id,
            "session.signOut",
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(ended)
    }
}
