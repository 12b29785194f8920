//! A customer's branding (display name, colours, logo, app icon, sender address): its own or
//! what it inherits, saving it with uploads, and resetting it to inherited.

use cynic::{Id, MutationBuilder, QueryBuilder};

use super::{schema, Api, ApiError, IdVars, IdVarsFields, Upload};

/// A customer's branding: its own or what it inherits.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Branding")]
pub struct BrandingFields {
    pub display_name: Option<String>,
    pub logo_url: Option<String>,
    pub icon_url: Option<String>,
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
    pub background_color: Option<String>,
    pub sender_email: String,
    pub inherited_from: Option<InheritedFrom>,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct InheritedFrom {
    pub id: Id,
    pub name: String,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct BrandingOf {
    pub id: Id,
    pub name: String,
    pub branding: Option<BrandingFields>,
    pub effective_branding: BrandingFields,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "IdVars")]
struct BrandingQuery {
    #[arguments(id: $id)]
    customer: Option<BrandingOf>,
}

#[derive(cynic::InputObject, Clone, Debug, Default, PartialEq)]
pub struct BrandingInput {
    pub display_name: Option<String>,
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
    pub background_color: Option<String>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub sender_email: Option<String>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub logo: Option<Upload>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub icon: Option<Upload>,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct BrandingVars {
    pub customer_id: Id,
    pub input: BrandingInput,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "BrandingVars")]
struct UpdateBranding {
    #[arguments(customerId: $customer_id, input: $input)]
    update_branding: BrandingOf,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct ResetBranding {
    #[arguments(customerId: $id)]
    reset_branding: BrandingOf,
}

impl Api {
    /// A customer's branding; `None` when it is gone or outside the caller's view.
    pub async fn branding(self, id: &Id) -> Result<Option<BrandingOf>, ApiError> {
        let data = self
            .run(BrandingQuery::build(IdVars { id: id.clone() }))
            .await?;
        Ok(data.customer)
    }

    /// Saves a customer's own branding, uploading a new logo and icon when given.
    pub async fn update_branding(
        self,
        customer_id: Id,
        mut input: BrandingInput,
        logo: Option<web_sys::File>,
        icon: Option<web_sys::File>,
    ) -> Result<BrandingOf, ApiError> {
        let mut files = Vec::new();
        if let Some(logo) = logo {
            input.logo = Some(Upload);
            files.push(("variables.input.logo", logo));
        }
        if let Some(icon) = icon {
            input.icon = Some(Upload);
            files.push(("variables.input.icon", icon));
        }
        let operation = UpdateBranding::build(BrandingVars { customer_id, input });
        let data = if files.is_empty() {
            self.run(operation).await?
        } else {
            self.run_with_files(operation, files).await?
        };
        Ok(data.update_branding)
    }

    /// Drops the customer's own branding: it inherits again.
    pub async fn reset_branding(self, id: Id) -> Result<BrandingOf, ApiError> {
        Ok(self
            .run(ResetBranding::build(IdVars { id }))
            .await?
            .reset_branding)
    }
}
