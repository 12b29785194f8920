//! The audit history of a customer.

use cynic::{Id, QueryBuilder};

use super::{schema, Api, ApiError, DateTime, PageInfo, PAGE_SIZE};

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "User")]
pub struct Actor {
    pub username: String,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: Id,
    pub at: DateTime,
    pub actor: Option<Actor>,
    pub action: String,
    pub customer_name: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "AuditConnection")]
pub struct AuditPage {
    pub nodes: Vec<AuditEntry>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct AuditVars {
    pub customer_id: Id,
    pub first: i32,
    pub after: Option<String>,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "AuditVars")]
struct AuditQuery {
    #[arguments(customerId: $customer_id, first: $first, after: $after)]
    audit_log: AuditPage,
}

impl Api {
    /// A page of a customer's history, newest first.
    pub async fn history(
        self,
        customer_id: &Id,
        after: Option<String>,
    ) -> Result<AuditPage, ApiError> {
        let vars = AuditVars {
            customer_id: customer_id.clone(),
            first: PAGE_SIZE,
            after,
        };
        Ok(self.run(AuditQuery::build(vars)).await?.audit_log)
    }
}
