//! The one way errors travel: every failure is an [`AppError`], which becomes a GraphQL error
//! with a stable `extensions.code` (DOMAIN.md's list) and, for input errors, `extensions.field`.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts any `Display`
//! type into an error without extensions, and that conversion must never be picked by accident.

use async_graphql::ErrorExtensions;

/// Result of everything below the GraphQL layer.
pub type AppResult<T> = Result<T, AppError>;

/// A failure, classified by what the client should learn from it.
#[derive(Debug)]
pub enum AppError {
    /// The input breaks a rule; `field` names the input field (e.g. `name`, `deviceCountry`).
    BadInput { field: String, message: String },
    /// Missing, or outside the caller's subtree (the two are indistinguishable on purpose).
    NotFound(String),
    /// Inside the caller's scope, but their role or position does not allow it.
    Forbidden(String),
    /// No valid session (or a failed sign-in).
    Unauthenticated(String),
    /// `expectedVersion` did not match: someone else changed the record first.
    Conflict(String),
    /// Removal refused: the customer has child customers.
    HasChildren(String),
    /// Removal refused: the customer has devices.
    HasDevices(String),
    /// The storage location cannot be changed by this caller.
    StorageLocationLocked(String),
    /// The customer name is used already (case-insensitively).
    NameTaken { field: String, message: String },
    /// The level rule (a child strictly below its parent; SITE has no children) is broken.
    LevelRule { field: String, message: String },
    /// A move would put a customer under itself or one of its descendants.
    Cycle(String),
    /// Every database connection stayed busy for the pool's acquire timeout: the server is
    /// overloaded; the client may retry.
    Unavailable,
    /// Anything unexpected: logged with its cause chain, reported as "internal error".
    Internal(anyhow::Error),
}

impl AppError {
    /// An input error on `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A level-rule error on `field`.
    pub fn level_rule(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::LevelRule {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Conflict(_) => "CONFLICT",
            Self::HasChildren(_) => "HAS_CHILDREN",
            Self::HasDevices(_) => "HAS_DEVICES",
            Self::StorageLocationLocked(_) => "STORAGE_LOCATION_LOCKED",
            Self::NameTaken { .. } => "NAME_TAKEN",
            Self::LevelRule { .. } => "LEVEL_RULE",
            Self::Cycle(_) => "CYCLE",
            Self::Unavailable => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Self::BadInput { field, .. }
            | Self::NameTaken { field, .. }
            | Self::LevelRule { field, .. } => Some(field),
            _ => None,
        }
    }

    fn message(&self) -> String {
        match self {
            Self::BadInput { message, .. }
            | Self::NameTaken { message, .. }
            | Self::LevelRule { message, .. } => message.clone(),
            Self::NotFound(m)
            | Self::Forbidden(m)
            | Self::Unauthenticated(m)
            | Self::Conflict(m)
            | Self::HasChildren(m)
            | Self::HasDevices(m)
            | Self::StorageLocationLocked(m)
            | Self::Cycle(m) => m.clone(),
            Self::Unavailable => "The server is busy: try again in a moment".into(),
            Self::Internal(_) => "internal error".into(),
        }
    }

    /// Adds context to an internal error, so the log names the step that failed.
    pub fn context(self, step: &'static str) -> Self {
        match self {
            Self::Internal(e) => Self::Internal(e.context(step)),
            other => other,
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut => {
                tracing::warn!("no database connection became free in time");
                Self::Unavailable
            }
            err => Self::Internal(anyhow::Error::new(err)),
        }
    }
}

impl From<crate::db::ReadError> for AppError {
    fn from(err: crate::db::ReadError) -> Self {
        match err {
            crate::db::ReadError::Sqlx(err) => err.into(),
            crate::db::ReadError::TimedOut => {
                tracing::warn!("no read connection became free in time");
                Self::Unavailable
            }
            err => Self::Internal(anyhow::Error::new(err)),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(err)
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Internal(cause) = &err {
            tracing::error!(error = ?cause, "internal error");
        }
        let code = err.code();
        let field = err.field().map(str::to_owned);
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_carry_code_and_field() {
        let err: async_graphql::Error = AppError::bad_input("name", "Name is required").into();
        let ext = err.extensions.expect("extensions");
        assert_eq!(err.message, "Name is required");
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("BAD_USER_INPUT"))
        );
        assert_eq!(ext.get("field"), Some(&async_graphql::Value::from("name")));
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let err: async_graphql::Error =
            AppError::Internal(anyhow::anyhow!("disk I/O error at /var/db")).into();
        assert_eq!(err.message, "internal error");
    }
}
