//! Users by id and users by customer, within the viewer's scope.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::store::{self, UserRow};
use crate::db::Pool;
use crate::state::AppState;
use crate::viewer::{Scope, Viewer};

/// Users by id (audit actors, activity authors); users outside scope are absent.
pub struct UserLoader {
    pool: Pool,
    scope: Scope,
}

impl UserLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            pool: state.pool.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<i64> for UserLoader {
    type Value = UserRow;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, UserRow>, Self::Error> {
        let rows = store::in_scope(&self.pool, &self.scope, keys).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// The users of each customer; keys are ids of customers already resolved in scope.
pub struct CustomerUsersLoader {
    pool: Pool,
}

impl CustomerUsersLoader {
    pub fn new(state: &AppState) -> Self {
        Self {
            pool: state.pool.clone(),
        }
    }
}

impl Loader<i64> for CustomerUsersLoader {
    type Value = Vec<UserRow>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Vec<UserRow>>, Self::Error> {
        Ok(store::of_customers(&self.pool, keys).await?)
    }
}
