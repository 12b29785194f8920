//! The `User` type and the user-management mutations.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, Result, ID};
use canopy_shared::Role;
use chrono::{DateTime, Utc};

use super::service::{self, UserInput as ServiceInput};
use super::store::UserRow;
use crate::clock::to_datetime;
use crate::customers::{self, Customer};
use crate::error::AppError;
use crate::ids::{self, Kind};
use crate::request;

/// A person who signs in to the console; belongs to one customer and sees its subtree.
#[derive(Clone, Debug)]
pub struct User {
    pub row: UserRow,
    /// Only in `createUser`'s answer, and only when no password was given.
    pub set_password_link: Option<String>,
}

impl User {
    pub fn new(row: UserRow) -> Self {
        Self {
            row,
            set_password_link: None,
        }
    }
}

/// Decodes a user ID argument; malformed or foreign IDs are `NOT_FOUND`.
fn user_id(id: &ID) -> Result<i64, AppError> {
    ids::decode(Kind::User, id).ok_or_else(|| AppError::NotFound("User not found".into()))
}

/// A person who signs in to the console; belongs to one customer and sees its subtree.
#[Object]
impl User {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::User, self.row.id)
    }

    /// An e-mail address, unique within the user's customer (case-insensitively).
    async fn username(&self) -> &str {
        &self.row.username
    }

    /// Given name.
    async fn first_name(&self) -> Option<&str> {
        self.row.first_name.as_deref()
    }

    /// Family name.
    async fn last_name(&self) -> Option<&str> {
        self.row.last_name.as_deref()
    }

    /// What the user may do (DOMAIN.md's role table).
    async fn role(&self) -> Result<Role> {
        Role::parse(&self.row.role).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("stored role {}", self.row.role)).into()
        })
    }

    /// Whether the user is a security officer (matters for passphrase features).
    async fn security_officer(&self) -> bool {
        self.row.security_officer
    }

    /// The customer the user belongs to.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Customer> {
        let row = if request::maybe_viewer(ctx).is_some() {
            request::customer_loader(ctx)?
                .load_one(self.row.customer_id)
                .await?
        } else {
            // Only `signIn`'s answer shows a user to a request without a session, and that
            // user is the one signing in: their own customer is theirs to see.
            let pool = &request::state(ctx)?.pool;
            customers::store::get_unscoped(pool, self.row.customer_id)
                .await?
                .map(Arc::new)
        };
        Ok(Customer::from(row.ok_or_else(|| {
            AppError::NotFound("Customer not found".into())
        })?))
    }

    /// When the user was created.
    async fn created_at(&self) -> DateTime<Utc> {
        to_datetime(self.row.created_at)
    }

    /// A one-time link with which the new user sets their password: present only in the answer
    /// to a `createUser` without a password, and never shown again. Expires after 72 hours.
    async fn set_password_link(&self) -> Option<&str> {
        self.set_password_link.as_deref()
    }
}

/// `createUser` / `updateUser` input.
#[derive(InputObject)]
pub struct UserInput {
    /// An e-mail address, unique within the customer.
    pub username: String,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Never above the caller's own role.
    pub role: Role,
    /// Whether the user is a security officer.
    pub security_officer: Option<bool>,
    /// At least 10 characters. Without it, `createUser` returns a one-time `setPasswordLink`;
    /// on `updateUser` it changes the password and ends the user's sessions.
    pub password: Option<String>,
}

impl From<UserInput> for ServiceInput {
    fn from(input: UserInput) -> Self {
        Self {
            username: input.username,
            first_name: input.first_name,
            last_name: input.last_name,
            role: input.role,
            security_officer: input.security_officer,
            password: input.password,
        }
    }
}

/// Managing users.
#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates a user of a customer in the caller's subtree, with a role no higher than the
    /// caller's own (SUPERUSER and ADMINISTRATOR only).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer the user belongs to.")] customer_id: ID,
        #[graphql(desc = "The new user.")] input: UserInput,
    ) -> Result<User> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        let customer_id = crate::ids::customer_id(&customer_id)?;
        let created = service::create(state, viewer, customer_id, input.into()).await?;
        Ok(User {
            row: created.user,
            set_password_link: created.set_password_link,
        })
    }

    /// Edits a user (never one with a role above the caller's, never granting one); a new
    /// password ends the user's sessions.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user to change.")] id: ID,
        #[graphql(desc = "The user's fields (all of them).")] input: UserInput,
    ) -> Result<User> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        Ok(User::new(
            service::update(state, viewer, user_id(&id)?, input.into()).await?,
        ))
    }

    /// Removes a user; their sessions end at once. The root customer keeps at least one
    /// SUPERUSER.
    async fn remove_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user to remove.")] id: ID,
    ) -> Result<ID> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        service::remove(state, viewer, user_id(&id)?).await?;
        Ok(id)
    }

    /// Sets a password with the token of a one-time set-password link (no session needed).
    async fn set_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the set-password link (after `#token=`).")] token: String,
        #[graphql(desc = "The new password, at least 10 characters.")] password: String,
    ) -> Result<bool> {
        service::set_password(request::state(ctx)?, &token, password).await?;
        Ok(true)
    }
}
