//! Contacts by customer and by id, within the viewer's scope.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::store::{self, ContactRow};
use crate::db::ReadPool;
use crate::state::AppState;
use crate::viewer::{Scope, Viewer};

/// A customer's contacts, in display order, by customer id.
pub struct ContactsLoader {
    reads: ReadPool,
    scope: Scope,
}

impl ContactsLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            reads: state.reads.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<i64> for ContactsLoader {
    type Value = Vec<ContactRow>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Vec<ContactRow>>, Self::Error> {
        let mut out: HashMap<i64, Vec<ContactRow>> =
            keys.iter().map(|id| (*id, Vec::new())).collect();
        for row in store::for_customers(&self.reads, &self.scope, keys).await? {
            out.entry(row.customer_id).or_default().push(row);
        }
        Ok(out)
    }
}

/// Contacts by id (billing contacts, activities' contacts).
pub struct ContactLoader {
    reads: ReadPool,
    scope: Scope,
}

impl ContactLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            reads: state.reads.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<i64> for ContactLoader {
    type Value = ContactRow;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, ContactRow>, Self::Error> {
        let rows = store::by_ids(&self.reads, &self.scope, keys).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}
