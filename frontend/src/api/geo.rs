//! Geography: the countries and data centers customers and devices are placed in.

use cynic::QueryBuilder;

use super::{schema, Api, ApiError};

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Country")]
pub struct CountryRef {
    pub code: String,
    pub name: String,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "DataCenter")]
pub struct DataCenterRef {
    pub code: String,
    pub name: String,
}

/// A country, with its data center when it has one.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
pub struct Country {
    pub code: String,
    pub name: String,
    pub data_center: Option<DataCenterRef>,
}

/// Every country and every data center: what the customer form chooses from.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Query")]
pub struct Geography {
    pub countries: Vec<Country>,
    pub data_centers: Vec<DataCenterRef>,
}

impl Api {
    pub async fn geography(self) -> Result<Geography, ApiError> {
        self.run(Geography::build(())).await
    }
}
