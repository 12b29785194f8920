//! A customer's records: its company profile, contacts and communication activities, read in
//! one request for the three sections that show them (the profile names its billing contact
//! and each activity its contact, so all three need the contacts).

use cynic::{Id, QueryBuilder};

use super::{
    activities::Activity, contacts::Contact, profile::CompanyProfile, schema, Api, ApiError,
    IdVars, IdVarsFields,
};

/// The customer's records besides its general fields.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct Records {
    pub id: Id,
    pub profile: CompanyProfile,
    pub contacts: Vec<Contact>,
    #[arguments(timing: UPCOMING)]
    #[cynic(rename = "activities", alias)]
    pub upcoming: Vec<Activity>,
    #[arguments(timing: PAST)]
    #[cynic(rename = "activities", alias)]
    pub past: Vec<Activity>,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "IdVars")]
struct RecordsQuery {
    #[arguments(id: $id)]
    customer: Option<Records>,
}

impl Api {
    /// A customer's records; `None` when it is gone or outside the caller's view.
    pub async fn records(self, id: &Id) -> Result<Option<Records>, ApiError> {
        let data = self
            .run(RecordsQuery::build(IdVars { id: id.clone() }))
            .await?;
        Ok(data.customer)
    }
}
