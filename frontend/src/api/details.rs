//! Customer details: company profile, contacts, communication activities and branding.

use cynic::{Id, MutationBuilder, QueryBuilder};

use super::{
    customers::{IdVars, IdVarsFields},
    run, run_with_files, schema, ApiError, DateTime, Upload,
};

/// A contact's role at the customer.
#[derive(cynic::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContactRole {
    AuthorizedSigner,
    Administrative,
    Technical,
    Sales,
    Billing,
}

impl ContactRole {
    pub const ALL: [ContactRole; 5] = [
        Self::AuthorizedSigner,
        Self::Administrative,
        Self::Technical,
        Self::Sales,
        Self::Billing,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::AuthorizedSigner => "Authorized signer",
            Self::Administrative => "Administrative",
            Self::Technical => "Technical",
            Self::Sales => "Sales",
            Self::Billing => "Billing",
        }
    }
}

/// What kind of communication an activity is.
#[derive(cynic::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    Call,
    Email,
    Meeting,
    Note,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 4] = [Self::Call, Self::Email, Self::Meeting, Self::Note];

    pub fn label(self) -> &'static str {
        match self {
            Self::Call => "Call",
            Self::Email => "E-mail",
            Self::Meeting => "Meeting",
            Self::Note => "Note",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.label() == s)
    }
}

#[derive(cynic::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActivityTiming {
    Past,
    Upcoming,
}

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
#[cynic(graphql_type = "Contact")]
pub struct ContactRef {
    pub id: Id,
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

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
pub struct Contact {
    pub id: Id,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub roles: Vec<ContactRole>,
}

impl Contact {
    /// "Ada Lovelace", or whichever half is given.
    pub fn full_name(&self) -> String {
        [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "User")]
pub struct Author {
    pub username: String,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
pub struct Activity {
    pub id: Id,
    pub kind: ActivityKind,
    pub subject: String,
    pub notes: Option<String>,
    pub occurs_at: DateTime,
    pub timing: ActivityTiming,
    pub contact: Option<ContactRef>,
    pub author: Option<Author>,
}

/// The customer's details besides its general fields.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct Details {
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
struct DetailsQuery {
    #[arguments(id: $id)]
    customer: Option<Details>,
}

pub async fn details(token: Option<&str>, id: &Id) -> Result<Option<Details>, ApiError> {
    Ok(run(token, DetailsQuery::build(IdVars { id: id.clone() }))
        .await?
        .customer)
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

#[derive(cynic::QueryFragment, Clone, Debug)]
#[cynic(graphql_type = "Customer")]
struct Touched {
    #[allow(dead_code)]
    id: Id,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "ProfileVars")]
struct UpdateProfile {
    #[arguments(customerId: $customer_id, input: $input)]
    #[allow(dead_code)]
    update_company_profile: Touched,
}

pub async fn update_profile(token: Option<&str>, vars: ProfileVars) -> Result<(), ApiError> {
    run(token, UpdateProfile::build(vars)).await.map(|_| ())
}

#[derive(cynic::InputObject, Clone, Debug, Default, PartialEq)]
pub struct ContactInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub roles: Option<Vec<ContactRole>>,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct AddContactVars {
    pub customer_id: Id,
    pub input: ContactInput,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "AddContactVars")]
struct AddContact {
    #[arguments(customerId: $customer_id, input: $input)]
    add_contact: Contact,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct UpdateContactVars {
    pub id: Id,
    pub input: ContactInput,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "UpdateContactVars")]
struct UpdateContact {
    #[arguments(id: $id, input: $input)]
    update_contact: Contact,
}

/// Adds a contact (`id` is the customer's) or changes one (`id` is the contact's).
pub async fn save_contact(
    token: Option<&str>,
    customer_id: Id,
    contact_id: Option<Id>,
    input: ContactInput,
) -> Result<Contact, ApiError> {
    match contact_id {
        Some(id) => Ok(
            run(token, UpdateContact::build(UpdateContactVars { id, input }))
                .await?
                .update_contact,
        ),
        None => Ok(run(
            token,
            AddContact::build(AddContactVars { customer_id, input }),
        )
        .await?
        .add_contact),
    }
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct RemoveContact {
    #[arguments(id: $id)]
    #[allow(dead_code)]
    remove_contact: Id,
}

pub async fn remove_contact(token: Option<&str>, id: Id) -> Result<(), ApiError> {
    run(token, RemoveContact::build(IdVars { id }))
        .await
        .map(|_| ())
}

#[derive(cynic::InputObject, Clone, Debug, PartialEq)]
pub struct ActivityInput {
    pub kind: ActivityKind,
    pub subject: String,
    pub notes: Option<String>,
    pub occurs_at: DateTime,
    pub contact_id: Option<Id>,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct AddActivityVars {
    pub customer_id: Id,
    pub input: ActivityInput,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "AddActivityVars")]
struct AddActivity {
    #[arguments(customerId: $customer_id, input: $input)]
    #[allow(dead_code)]
    add_activity: Activity,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct UpdateActivityVars {
    pub id: Id,
    pub input: ActivityInput,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "UpdateActivityVars")]
struct UpdateActivity {
    #[arguments(id: $id, input: $input)]
    #[allow(dead_code)]
    update_activity: Activity,
}

/// Adds an activity to a customer, or changes one.
pub async fn save_activity(
    token: Option<&str>,
    customer_id: Id,
    activity_id: Option<Id>,
    input: ActivityInput,
) -> Result<(), ApiError> {
    match activity_id {
        Some(id) => run(
            token,
            UpdateActivity::build(UpdateActivityVars { id, input }),
        )
        .await
        .map(|_| ()),
        None => run(
            token,
            AddActivity::build(AddActivityVars { customer_id, input }),
        )
        .await
        .map(|_| ()),
    }
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct RemoveActivity {
    #[arguments(id: $id)]
    #[allow(dead_code)]
    remove_activity: Id,
}

pub async fn remove_activity(token: Option<&str>, id: Id) -> Result<(), ApiError> {
    run(token, RemoveActivity::build(IdVars { id }))
        .await
        .map(|_| ())
}

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

pub async fn branding(token: Option<&str>, id: &Id) -> Result<Option<BrandingOf>, ApiError> {
    Ok(run(token, BrandingQuery::build(IdVars { id: id.clone() }))
        .await?
        .customer)
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

/// Saves a customer's own branding, uploading a new logo and icon when given.
pub async fn update_branding(
    token: Option<&str>,
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
        run(token, operation).await?
    } else {
        run_with_files(token, operation, files).await?
    };
    Ok(data.update_branding)
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct ResetBranding {
    #[arguments(customerId: $id)]
    reset_branding: BrandingOf,
}

/// Drops the customer's own branding: it inherits again.
pub async fn reset_branding(token: Option<&str>, id: Id) -> Result<BrandingOf, ApiError> {
    Ok(run(token, ResetBranding::build(IdVars { id }))
        .await?
        .reset_branding)
}
