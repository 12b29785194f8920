//! `signIn`, `signOut`, `me` and the `User` type.

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use canopy_shared::Role;
use chrono::{DateTime, Utc};

use super::store::{self, UserRow};
use super::{new_token, password, token_hash};
use crate::audit::{self, Actor, Change};
use crate::clock::to_datetime;
use crate::context;
use crate::customers::{self, Customer};
use crate::db;
use crate::error::AppError;
use crate::ids::{self, Kind};

/// A person who signs in to the console; belongs to one customer and sees its subtree.
#[derive(Clone, Debug)]
pub struct User(pub UserRow);

/// A person who signs in to the console; belongs to one customer and sees its subtree.
#[Object]
impl User {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::User, self.0.id)
    }

    /// An e-mail address, unique within the user's customer.
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// Given name.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }

    /// Family name.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }

    /// What the user may do (DOMAIN.md's role table).
    async fn role(&self) -> Result<Role> {
        Role::parse(&self.0.role).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("stored role {}", self.0.role)).into()
        })
    }

    /// Whether the user is a security officer (matters for passphrase features).
    async fn security_officer(&self) -> bool {
        self.0.security_officer
    }

    /// The customer the user belongs to.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Customer> {
        let row = if context::maybe_viewer(ctx).is_some() {
            context::customer_loader(ctx)?
                .load_one(self.0.customer_id)
                .await?
        } else {
            // Only `signIn`'s answer shows a user to a request without a session, and that
            // user is the one signing in: their own customer is theirs to see.
            let pool = &context::state(ctx)?.pool;
            customers::store::get_unscoped(pool, self.0.customer_id).await?
        };
        Ok(Customer(row.ok_or_else(|| {
            AppError::NotFound("customer not found".into())
        })?))
    }

    /// When the user was created.
    async fn created_at(&self) -> DateTime<Utc> {
        to_datetime(self.0.created_at)
    }
}

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
        let Some(viewer) = context::maybe_viewer(ctx) else {
            return Ok(None);
        };
        let state = context::state(ctx)?;
        Ok(store::user(&state.pool, viewer.user_id).await?.map(User))
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
    audit::record(
        tx,
        Some(actor),
        now,
        Change {
            action,
            customer_id: customer.id,
            customer_name: &customer.name,
            customer_path: &customer.path,
            before: None,
            after: Some(serde_json::json!({ "username": actor.username })),
        },
    )
    .await
}

impl UserRow {
    /// The user as the audit history records it (never the password hash).
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "username": self.username,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "role": self.role,
            "securityOfficer": self.security_officer,
        })
    }
}

/// Signing in and out.
#[derive(Default)]
pub struct AuthMutation;

const BAD_CREDENTIALS: &str = "the customer name, username or password is not correct";

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
        let state = context::state(ctx)?;
        let customer = customers::store::by_name_key(
            &state.pool,
            &canopy_shared::customer::name_key(&customer_name),
        )
        .await?;
        let credentials = match &customer {
            Some(c) => {
                store::credentials(&state.pool, c.id, &store::username_key(&username)).await?
            }
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
        .map_err(|e| AppError::Internal(e.into()))?
        .ok_or_else(|| AppError::Unauthenticated(BAD_CREDENTIALS.into()))?;

        let token = new_token();
        let now = state.clock.now_ms();
        let expires_at = now + state.session_ttl_ms;
        let mut tx = db::begin_write(&state.pool).await.map_err(AppError::from)?;
        store::insert_session(&mut tx, &token_hash(&token), user_id, now, expires_at).await?;
        let user = store::user(&mut *tx, user_id)
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
            user: User(user),
            expires_at: to_datetime(expires_at),
        })
    }

    /// Ends the current session: its token stops working at once.
    async fn sign_out(&self, ctx: &Context<'_>) -> Result<bool> {
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
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

/// `createUser` / `updateUser` input.
#[derive(async_graphql::InputObject)]
pub struct UserInput {
    /// An e-mail address, unique within the customer.
    pub username: String,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Never above the caller's own role.
    pub role: Role,
    /// Whether the user is a security officer (false when omitted).
    pub security_officer: Option<bool>,
    /// The new user's password (at least 10 characters).
    pub password: Option<String>,
}

/// Managing users.
#[derive(Default)]
pub struct UserMutation;

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[Object]
impl UserMutation {
    /// Creates a user of a customer in the caller's subtree, with a role no higher than the
    /// caller's own.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer the user belongs to.")] customer_id: ID,
        #[graphql(desc = "The new user.")] input: UserInput,
    ) -> Result<User> {
        use canopy_shared::Action;
        let viewer = context::viewer(ctx)?;
        let state = context::state(ctx)?;
        viewer.require(Action::ManageUsers)?;
        let customer_id = customers::graphql::customer_id(&customer_id)?;
        if !viewer.role.may_grant(input.role) {
            return Err(AppError::Forbidden(format!(
                "a {} cannot grant the {} role",
                viewer.role.as_str(),
                input.role.as_str()
            ))
            .into());
        }
        let username = canopy_shared::email::parse_email(&input.username)
            .map_err(|m| AppError::bad_input("username", m))?;
        let plain = input
            .password
            .ok_or_else(|| AppError::bad_input("password", "A password is required"))?;
        password::check_policy(&plain).map_err(|m| AppError::bad_input("password", m))?;
        let hash = tokio::task::spawn_blocking(move || password::hash(&plain))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(AppError::Internal)?;

        let mut tx = db::begin_write(&state.pool).await.map_err(AppError::from)?;
        let customer = customers::store::require(&mut *tx, &viewer.scope, customer_id).await?;
        let first_name = trimmed(input.first_name);
        let last_name = trimmed(input.last_name);
        let id = store::insert_user(
            &mut tx,
            &store::NewUser {
                customer_id: customer.id,
                username: &username,
                password_hash: Some(&hash),
                role: input.role.as_str(),
                first_name: first_name.as_deref(),
                last_name: last_name.as_deref(),
                security_officer: input.security_officer.unwrap_or(false),
                now_ms: state.clock.now_ms(),
            },
        )
        .await?;
        let user = store::user(&mut *tx, id)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user {id} vanished")))?;
        audit::record(
            &mut tx,
            Some(viewer.actor()),
            state.clock.now_ms(),
            Change {
                action: "user.create",
                customer_id: customer.id,
                customer_name: &customer.name,
                customer_path: &customer.path,
                before: None,
                after: Some(user.audit_json()),
            },
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(User(user))
    }
}
