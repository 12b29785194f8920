//! Devices by id and pages of devices by customer, within the viewer's scope.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::store::{self, DevicePage, DeviceRow};
use crate::db::Pool;
use crate::state::AppState;
use crate::viewer::{Scope, Viewer};

/// Devices by id.
pub struct DeviceLoader {
    pool: Pool,
    scope: Scope,
}

impl DeviceLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            pool: state.pool.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<i64> for DeviceLoader {
    type Value = DeviceRow;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, DeviceRow>, Self::Error> {
        let rows = store::by_ids(&self.pool, &self.scope, keys).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Whose devices: a customer (id and path).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DevicesOf {
    pub customer_id: i64,
    pub path: String,
    pub page: DevicePage,
}

/// A page of devices (plus one look-ahead row) per customer and page.
pub struct DevicePagesLoader {
    pool: Pool,
    scope: Scope,
}

impl DevicePagesLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            pool: state.pool.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<DevicesOf> for DevicePagesLoader {
    type Value = Vec<DeviceRow>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[DevicesOf],
    ) -> Result<HashMap<DevicesOf, Vec<DeviceRow>>, Self::Error> {
        let mut by_page: HashMap<&DevicePage, Vec<(i64, String)>> = HashMap::new();
        for key in keys {
            by_page
                .entry(&key.page)
                .or_default()
                .push((key.customer_id, key.path.clone()));
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (page, customers) in by_page {
            let pages = store::pages(&self.pool, &self.scope, &customers, page).await?;
            // `pages` answers in the order it was asked.
            for ((customer_id, path), (_, rows)) in customers.into_iter().zip(pages) {
                let key = DevicesOf {
                    customer_id,
                    path,
                    page: page.clone(),
                };
                out.insert(key, rows);
            }
        }
        Ok(out)
    }
}
