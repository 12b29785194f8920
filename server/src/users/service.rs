//! Managing users: creating (with a password or a one-time set-password link), editing,
//! removing, and setting a password from a link. Each is one transaction with its audit entry.

use canopy_shared::{Action, Role};
use sqlx::AnyConnection;

use super::store::{self, UserFields, UserRow};
use crate::audit::Actor;
use crate::auth::{new_token, password, token_hash};
use crate::customers::{self, model::CustomerRow};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::write::{self, Write};

crate::write::record!(
    UserRow,
    "user",
    "create",
    Action::ManageUsers,
    store::require
);

/// How long a set-password link works.
pub const SET_PASSWORD_LINK_MS: i64 = 72 * 3600 * 1000;
/// The longest first or last name.
const NAME_MAX_CHARS: usize = 100;

/// `createUser` / `updateUser` input, not yet validated.
#[derive(Debug)]
pub struct UserInput {
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Role,
    pub security_officer: Option<bool>,
    pub password: Option<String>,
}

/// A validated [`UserInput`] (without the password).
struct Valid {
    username: String,
    first_name: Option<String>,
    last_name: Option<String>,
}

fn validate(input: &UserInput) -> AppResult<Valid> {
    let username = canopy_shared::email::parse_email(&input.username).map_err(|m| {
        AppError::bad_input(
            "username",
            format!("The username must be an e-mail address: {m}"),
        )
    })?;
    let name = |value: &Option<String>, field: &str| -> AppResult<Option<String>> {
        let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
        match value {
            Some(v) if v.chars().count() > NAME_MAX_CHARS || v.chars().any(char::is_control) => {
                Err(AppError::bad_input(
                    field,
                    format!("{field} must be at most {NAME_MAX_CHARS} characters, without control characters"),
                ))
            }
            other => Ok(other.map(str::to_owned)),
        }
    };
    Ok(Valid {
        username,
        first_name: name(&input.first_name, "firstName")?,
        last_name: name(&input.last_name, "lastName")?,
    })
}

async fn hash_password(plain: String) -> AppResult<String> {
    password::check_policy(&plain).map_err(|m| AppError::bad_input("password", m))?;
    // Argon2 is CPU-bound on purpose: keep it off the async workers.
    tokio::task::spawn_blocking(move || password::hash(&plain))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
}

/// A new password hashed before its change takes its turn among the writers (Argon2's tens of
/// milliseconds would hold up every change queued behind it), but refused by the policy only
/// where the change's checks come to it, so a request's errors keep their order.
enum NewPassword {
    Hashed(String),
    Refused(String),
}

impl NewPassword {
    async fn prepare(plain: Option<String>) -> AppResult<Option<Self>> {
        let Some(plain) = plain else {
            return Ok(None);
        };
        Ok(Some(match password::check_policy(&plain) {
            Ok(()) => Self::Hashed(hash_password(plain).await?),
            Err(message) => Self::Refused(message),
        }))
    }

    /// The hash, or the policy's refusal as the `password` field's error.
    fn hash(self) -> AppResult<String> {
        match self {
            Self::Hashed(hash) => Ok(hash),
            Self::Refused(message) => Err(AppError::bad_input("password", message)),
        }
    }
}

fn role_of(user: &UserRow) -> Role {
    // An unreadable stored role is treated as the most powerful, so nobody below may touch it.
    Role::parse(&user.role).unwrap_or(Role::Superuser)
}

fn may_grant(viewer: &Viewer, role: Role, what: &str) -> AppResult<()> {
    if viewer.role.may_grant(role) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "A {} cannot {what} a {} user",
            viewer.role.as_str(),
            role.as_str()
        )))
    }
}

/// Refuses to leave the installation's root customer without a SUPERUSER.
async fn keep_a_root_superuser(
    conn: &mut AnyConnection,
    customer: &CustomerRow,
    user: &UserRow,
) -> AppResult<()> {
    if customer.is_installation_root()
        && role_of(user) == Role::Superuser
        && store::superuser_count(conn, customer.id).await? <= 1
    {
        return Err(AppError::Forbidden(
            "The root customer must keep at least one SUPERUSER".into(),
        ));
    }
    Ok(())
}

/// A created user, with the one-time set-password link when no password was given.
#[derive(Debug)]
pub struct Created {
    pub user: UserRow,
    pub set_password_link: Option<String>,
}

/// Creates a user of a customer in the viewer's subtree.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    customer_id: i64,
    mut input: UserInput,
) -> AppResult<Created> {
    let password = NewPassword::prepare(input.password.take()).await?;
    let mut w = Write::begin(state).await?;
    let customer = w.customer(&viewer.scope, customer_id).await?;
    viewer.require(Action::ManageUsers)?;
    may_grant(viewer, input.role, "create")?;
    let valid = validate(&input)?;
    let hash = password.map(NewPassword::hash).transpose()?;
    let fields = UserFields {
        username: &valid.username,
        role: input.role.as_str(),
        first_name: valid.first_name.as_deref(),
        last_name: valid.last_name.as_deref(),
        security_officer: input.security_officer.unwrap_or(false),
    };
    let now = w.now();
    let id = store::insert(w.conn(), customer.id, &fields, hash.as_deref(), now).await?;
    let set_password_link = match hash {
        Some(_) => None,
        None => {
            let token = new_token();
            let expires = now + SET_PASSWORD_LINK_MS;
            store::insert_password_token(w.conn(), &token_hash(&token), id, expires).await?;
            // The token travels in the fragment, so it never reaches server logs or referrers.
            Some(format!("{}/set-password#token={token}", state.public_url))
        }
    };
    let user = store::require(w.conn(), &viewer.scope, id).await?;
    let after = Some(user.audit_json());
    w.audit(viewer.actor(), "user.create", &customer, None, after)
        .await?;
    w.commit().await?;
    Ok(Created {
        user,
        set_password_link,
    })
}

/// Edits a user; a new password ends the user's sessions.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    mut input: UserInput,
) -> AppResult<UserRow> {
    let password = NewPassword::prepare(input.password.take()).await?;
    write::change(state, viewer, id, move |w, customer, before: &UserRow| {
        Box::pin(async move {
            may_grant(viewer, role_of(before), "edit")?;
            may_grant(viewer, input.role, "make someone")?;
            if input.role != Role::Superuser {
                keep_a_root_superuser(w.conn(), customer, before).await?;
            }
            let valid = validate(&input)?;
            let fields = UserFields {
                username: &valid.username,
                role: input.role.as_str(),
                first_name: valid.first_name.as_deref(),
                last_name: valid.last_name.as_deref(),
                security_officer: input.security_officer.unwrap_or(before.security_officer),
            };
            store::update(w.conn(), before.id, &fields).await?;
            if let Some(password) = password {
                store::set_password(w.conn(), before.id, &password.hash()?).await?;
            }
            Ok(())
        })
    })
    .await
}

/// Removes a user; their sessions end at once.
pub async fn remove(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<()> {
    write::remove(state, viewer, id, |w, customer, user: &UserRow| {
        Box::pin(async move {
            may_grant(viewer, role_of(user), "remove")?;
            keep_a_root_superuser(w.conn(), customer, user).await?;
            store::delete(w.conn(), user.id).await
        })
    })
    .await
}

/// Sets a password from a one-time link; the link stops working.
pub async fn set_password(state: &AppState, token: &str, plain: String) -> AppResult<()> {
    let hash = hash_password(plain).await?;
    let mut w = Write::begin(state).await?;
    let now = w.now();
    let user_id = store::take_password_token(w.conn(), &token_hash(token.trim()), now)
        .await?
        .ok_or_else(|| AppError::bad_input("token", "This link is not valid or has expired"))?;
    store::set_password(w.conn(), user_id, &hash).await?;
    let user = store::by_id(w.conn(), user_id)
        .await?
        .ok_or_else(|| AppError::bad_input("token", "This link is not valid or has expired"))?;
    let customer = customers::store::get_unscoped(w.conn(), user.customer_id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("user without customer")))?;
    let actor = Actor {
        user_id: user.id,
        username: &user.username,
    };
    w.audit(actor, "user.setPassword", &customer, None, None)
        .await?;
    w.commit().await
}
