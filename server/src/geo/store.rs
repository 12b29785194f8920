//! The data-center table's SQL.

use sqlx::AnyExecutor;

use crate::error::AppResult;

/// One row of `data_centers`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DataCenterRow {
    pub code: String,
    pub name: String,
    pub country: String,
    #[sqlx(try_from = "crate::db::Flag")]
    pub active: bool,
}

/// Every data center, active or retired (a customer may still be stored in a retired one).
pub async fn all<'c>(exec: impl AnyExecutor<'c>) -> AppResult<Vec<DataCenterRow>> {
    Ok(
        sqlx::query_as("SELECT code, name, country, active FROM data_centers ORDER BY name")
            .fetch_all(exec)
            .await?,
    )
}

/// The active data center with this code.
pub async fn active_by_code<'c>(
    exec: impl AnyExecutor<'c>,
    code: &str,
) -> AppResult<Option<DataCenterRow>> {
    Ok(sqlx::query_as(
        "SELECT code, name, country, active FROM data_centers WHERE code = $1 AND active = 1",
    )
    .bind(code.trim().to_ascii_uppercase())
    .fetch_optional(exec)
    .await?)
}

/// The active data center located in this country, if there is one.
pub async fn active_in_country<'c>(
    exec: impl AnyExecutor<'c>,
    country: &str,
) -> AppResult<Option<DataCenterRow>> {
    Ok(sqlx::query_as(
        "SELECT code, name, country, active FROM data_centers WHERE country = $1 AND active = 1",
    )
    .bind(country)
    .fetch_optional(exec)
    .await?)
}
