//! `signIn`, `signOut` and `me`.

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::service::{self, Refused};
use crate::clock::to_datetime;
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

/// Signing in and out.
#[derive(Default)]
pub struct AuthMutation;

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
        let client = request::client_ip(ctx);
        match service::sign_in(state, &customer_name, &username, password, client).await {
            Ok(signed_in) => Ok(Session {
                token: signed_in.token,
                user: User::new(signed_in.user),
                expires_at: to_datetime(signed_in.expires_at_ms),
            }),
            Err(Refused::Throttled {
                retry_after_seconds,
            }) => Err(async_graphql::ErrorExtensions::extend_with(
                async_graphql::Error::from(AppError::Unauthenticated(format!(
                    "Too many failed sign-ins: try again in {retry_after_seconds} seconds"
                ))),
                |_, ext| ext.set("retryAfterSeconds", retry_after_seconds),
            )),
            Err(Refused::Error(e)) => Err(e.into()),
        }
    }

    /// Ends the current session: its token stops working at once.
    async fn sign_out(&self, ctx: &Context<'_>) -> Result<bool> {
        let viewer = request::viewer(ctx)?;
        Ok(service::sign_out(request::state(ctx)?, viewer).await?)
    }
}
