//! Own brandings by customer id, regardless of scope: effective branding is inherited from
//! ancestors above the viewer's own customer too, and all of a page's ancestors load at once.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;

use super::store::{self, BrandingRow};
use crate::db::Pool;
use crate::state::AppState;

pub struct BrandingLoader {
    pool: Pool,
}

impl BrandingLoader {
    pub fn new(state: &AppState) -> Self {
        Self {
            pool: state.pool.clone(),
        }
    }
}

impl Loader<i64> for BrandingLoader {
    type Value = BrandingRow;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, BrandingRow>, Self::Error> {
        let rows = store::for_customers(&self.pool, keys).await?;
        Ok(rows.into_iter().map(|row| (row.customer_id, row)).collect())
    }
}
