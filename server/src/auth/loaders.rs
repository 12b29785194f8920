//! Users by id, within the viewer's scope (audit actors, activity authors).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::store::{self, UserRow};
use crate::context::{AppState, Scope, Viewer};
use crate::db::Pool;

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
        let rows = store::users_in_scope(&self.pool, &self.scope, keys).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
