//! Activities by customer id, within the viewer's scope.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::store::{self, ActivityRow};
use crate::db::Pool;
use crate::state::AppState;
use crate::viewer::{Scope, Viewer};

/// All activities of a customer, oldest first (the resolver splits and orders them by timing).
pub struct ActivitiesLoader {
    pool: Pool,
    scope: Scope,
}

impl ActivitiesLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            pool: state.pool.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<i64> for ActivitiesLoader {
    type Value = Vec<ActivityRow>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Vec<ActivityRow>>, Self::Error> {
        let mut out: HashMap<i64, Vec<ActivityRow>> =
            keys.iter().map(|id| (*id, Vec::new())).collect();
        for row in store::for_customers(&self.pool, &self.scope, keys).await? {
            out.entry(row.customer_id).or_default().push(row);
        }
        Ok(out)
    }
}
