//! DataLoaders for the customer tree: one batched query per nesting level of a GraphQL query,
//! however many customers that level returns.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::model::{CustomerCursor, CustomerOrder, CustomerRow};
use super::store;
use crate::context::{AppState, Scope, Viewer};
use crate::db::Pool;

/// Customers by id, within the viewer's scope.
pub struct CustomerLoader {
    pool: Pool,
    scope: Scope,
}

impl CustomerLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            pool: state.pool.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<i64> for CustomerLoader {
    type Value = CustomerRow;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, CustomerRow>, Self::Error> {
        let rows = store::get_many(&self.pool, &self.scope, keys).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Which page of children is asked for; parents asking for the same page batch together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildrenPage {
    pub order: CustomerOrder,
    /// Page size (without the look-ahead row).
    pub limit: i64,
    pub after: Option<CustomerCursor>,
}

/// A page of children (plus one look-ahead row) by parent id and page.
pub struct ChildrenLoader {
    pool: Pool,
    scope: Scope,
}

impl ChildrenLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            pool: state.pool.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<(i64, ChildrenPage)> for ChildrenLoader {
    type Value = Vec<CustomerRow>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(i64, ChildrenPage)],
    ) -> Result<HashMap<(i64, ChildrenPage), Vec<CustomerRow>>, Self::Error> {
        let mut by_page: HashMap<&ChildrenPage, Vec<i64>> = HashMap::new();
        for (parent, page) in keys {
            by_page.entry(page).or_default().push(*parent);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (page, parents) in by_page {
            let pages = store::children_pages(
                &self.pool,
                &self.scope,
                &parents,
                page.order,
                page.limit,
                page.after.as_ref(),
            )
            .await?;
            for (parent, rows) in pages {
                out.insert((parent, page.clone()), rows);
            }
        }
        Ok(out)
    }
}
