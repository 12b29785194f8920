//! A customer's company profile: legal and contact data, postal address, billing.

use cynic::{Id, MutationBuilder};

use super::{contacts::ContactRef, schema, Api, ApiError};

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq, Default)]
pub struct PostalAddress {
    pub street: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub state: Option<String>,
    pub zip_code: Option<String>,
    pub country: Option<String>,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
pub struct CompanyProfile {
    pub legal_name: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub vat_number: Option<String>,
    pub chamber_of_commerce_number: Option<String>,
    pub address: PostalAddress,
    pub billing_contact: Option<ContactRef>,
    pub billing_email: Option<String>,
}

#[derive(cynic::InputObject, Clone, Debug, Default, PartialEq)]
pub struct PostalAddressInput {
    pub street: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub state: Option<String>,
    pub zip_code: Option<String>,
    pub country: Option<String>,
}

#[derive(cynic::InputObject, Clone, Debug, Default, PartialEq)]
pub struct CompanyProfileInput {
    pub legal_name: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub vat_number: Option<String>,
    pub chamber_of_commerce_number: Option<String>,
    pub address: Option<PostalAddressInput>,
    pub billing_contact_id: Option<Id>,
    pub billing_email: Option<String>,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct ProfileVars {
    pub customer_id: Id,
    pub input: CompanyProfileInput,
}

/// The customer whose profile changed, as far as the app reads the answer.
#[derive(cynic::QueryFragment, Clone, Debug)]
#[cynic(graphql_type = "Customer")]
struct Owner {
    id: Id,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "ProfileVars")]
struct UpdateProfile {
    #[arguments(customerId: $customer_id, input: $input)]
    update_company_profile: Owner,
}

impl Api {
    /// Changes a customer's company profile; returns the customer's id.
    pub async fn update_profile(self, vars: ProfileVars) -> Result<Id, ApiError> {
        let data = self.run(UpdateProfile::build(vars)).await?;
        Ok(data.update_company_profile.id)
    }
}
