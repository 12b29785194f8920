//! `Country`, `DataCenter` and the public `countries` / `dataCenters` queries.

use std::sync::Arc;

use async_graphql::{Context, Object, Result};
use canopy_shared::country::CountryCode;

use super::store::DataCenterRow;
use crate::error::AppError;
use crate::request;

/// An ISO 3166-1 country.
#[derive(Clone, Copy, Debug)]
pub struct Country(pub CountryCode);

/// A data center that stores customers' backups.
#[derive(Clone, Debug)]
pub struct DataCenter(pub DataCenterRow);

impl Country {
    /// The country for a stored code (stored codes were validated on the way in).
    pub fn from_stored(code: &str) -> Result<Self> {
        CountryCode::parse(code)
            .map(Self)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored country code: {e}")).into())
    }
}

/// The data-center table (small, rarely changed): the process's copy, taken once per request so
/// that one response shows one version of it.
pub async fn data_centers(ctx: &Context<'_>) -> Result<Arc<Vec<DataCenterRow>>> {
    Ok(request::data_centers(ctx).await?)
}

/// The data center with this code (active or retired).
pub async fn data_center(ctx: &Context<'_>, code: &str) -> Result<DataCenter> {
    data_centers(ctx)
        .await?
        .iter()
        .find(|dc| dc.code == code)
        .cloned()
        .map(DataCenter)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown data center {code}")).into())
}

/// An ISO 3166-1 country, with the data center that stores its customers' backups.
#[Object]
impl Country {
    /// ISO 3166-1 alpha-2 code, e.g. `DE`.
    async fn code(&self) -> &'static str {
        self.0.code()
    }

    /// English name.
    async fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The data center in this country; customers with this device country are stored there.
    /// Null when the country has none (a storage location must then be chosen).
    async fn data_center(&self, ctx: &Context<'_>) -> Result<Option<DataCenter>> {
        Ok(data_centers(ctx)
            .await?
            .iter()
            .find(|dc| dc.active && dc.country == self.0.code())
            .cloned()
            .map(DataCenter))
    }
}

/// A data center where customers' backups are stored.
#[Object]
impl DataCenter {
    /// Short code, e.g. `DE`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Location name, e.g. `Germany`.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The country the data center is in.
    async fn country(&self) -> Result<Country> {
        Country::from_stored(&self.0.country)
    }
}

/// Reference data anyone may read, signed in or not.
#[derive(Default)]
pub struct GeoQuery;

#[Object]
impl GeoQuery {
    /// Every ISO 3166-1 country, by name, each with its data center if it has one.
    async fn countries(&self) -> Vec<Country> {
        CountryCode::all().into_iter().map(Country).collect()
    }

    /// The active data centers.
    async fn data_centers(&self, ctx: &Context<'_>) -> Result<Vec<DataCenter>> {
        Ok(data_centers(ctx)
            .await?
            .iter()
            .filter(|dc| dc.active)
            .cloned()
            .map(DataCenter)
            .collect())
    }
}
