//! Company profiles by customer id, within the viewer's scope.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::store::{self, ProfileRow};
use crate::db::Pool;
use crate::state::AppState;
use crate::viewer::{Scope, Viewer};

/// A customer's profile row, when it has one.
pub struct ProfileLoader {
    pool: Pool,
    scope: Scope,
}

impl ProfileLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            pool: state.pool.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<i64> for ProfileLoader {
    type Value = ProfileRow;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, ProfileRow>, Self::Error> {
        let rows = store::for_customers(&self.pool, &self.scope, keys).await?;
        Ok(rows.into_iter().map(|row| (row.customer_id, row)).collect())
    }
}
