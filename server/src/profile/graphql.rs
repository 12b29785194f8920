//! `CompanyProfile`, `PostalAddress`, their inputs and `updateCompanyProfile`.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};

use super::service::{self, AddressPatch, ProfilePatch};
use super::store::ProfileRow;
use crate::contacts::{self, Contact};
use crate::customers::Customer;
use crate::ids::{self, customer_id, Kind};
use crate::request;

/// What a customer's company is: all fields optional.
#[derive(Clone, Debug)]
pub struct CompanyProfile(pub ProfileRow);

/// A postal address.
#[derive(Clone, Debug, SimpleObject)]
pub struct PostalAddress {
    /// Street and number.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// District.
    pub district: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// Postal code.
    pub zip_code: Option<String>,
    /// ISO 3166-1 alpha-2 code, upper case.
    pub country: Option<String>,
}

/// A customer's company details; every field is optional.
#[Object]
impl CompanyProfile {
    /// The registered company name.
    async fn legal_name(&self) -> Option<&str> {
        self.0.legal_name.as_deref()
    }

    /// An http or https URL.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// Main phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// VAT identification number.
    async fn vat_number(&self) -> Option<&str> {
        self.0.vat_number.as_deref()
    }

    /// Registration number at the chamber of commerce.
    async fn chamber_of_commerce_number(&self) -> Option<&str> {
        self.0.chamber_of_commerce_number.as_deref()
    }

    /// The postal address (its fields are empty when none is known).
    async fn address(&self) -> PostalAddress {
        PostalAddress {
            street: self.0.street.clone(),
            city: self.0.city.clone(),
            district: self.0.district.clone(),
            state: self.0.state.clone(),
            zip_code: self.0.zip_code.clone(),
            country: self.0.country.clone(),
        }
    }

    /// One of the customer's contacts, who receives invoices.
    async fn billing_contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        match self.0.billing_contact_id {
            Some(id) => contacts::graphql::by_id(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Where invoices are sent.
    async fn billing_email(&self) -> Option<&str> {
        self.0.billing_email.as_deref()
    }
}

/// The profile of a customer (in scope); empty when nothing was filled in.
pub async fn for_customer(ctx: &Context<'_>, customer_id: i64) -> Result<CompanyProfile> {
    let row = request::detail_loaders(ctx)?
        .profiles
        .load_one(customer_id)
        .await?
        .unwrap_or_else(|| ProfileRow::empty(customer_id));
    Ok(CompanyProfile(row))
}

/// A postal address change: fields left out stay as they are, `null` clears one.
#[derive(InputObject)]
pub struct PostalAddressInput {
    /// Street and number. Null or blank clears it.
    pub street: MaybeUndefined<String>,
    /// City. Null or blank clears it.
    pub city: MaybeUndefined<String>,
    /// District. Null or blank clears it.
    pub district: MaybeUndefined<String>,
    /// State or province. Null or blank clears it.
    pub state: MaybeUndefined<String>,
    /// Postal code. Null or blank clears it.
    pub zip_code: MaybeUndefined<String>,
    /// ISO 3166-1 alpha-2 code, e.g. `NL`.
    pub country: MaybeUndefined<String>,
}

/// A company profile change: fields left out stay as they are, `null` (or blank) clears one.
#[derive(InputObject)]
pub struct CompanyProfileInput {
    /// Registered legal name. Null or blank clears it.
    pub legal_name: MaybeUndefined<String>,
    /// An http:// or https:// URL.
    pub website: MaybeUndefined<String>,
    /// Main phone number. Null or blank clears it.
    pub phone: MaybeUndefined<String>,
    /// VAT identification number. Null or blank clears it.
    pub vat_number: MaybeUndefined<String>,
    /// Chamber-of-commerce registration number. Null or blank clears it.
    pub chamber_of_commerce_number: MaybeUndefined<String>,
    /// `null` clears the whole address.
    pub address: MaybeUndefined<PostalAddressInput>,
    /// One of this customer's contacts.
    pub billing_contact_id: MaybeUndefined<ID>,
    /// Where invoices go (a valid e-mail address). Null or blank clears it.
    pub billing_email: MaybeUndefined<String>,
}

impl From<PostalAddressInput> for AddressPatch {
    fn from(input: PostalAddressInput) -> Self {
        Self {
            street: input.street.into(),
            city: input.city.into(),
            district: input.district.into(),
            state: input.state.into(),
            zip_code: input.zip_code.into(),
            country: input.country.into(),
        }
    }
}

/// Editing company profiles (SUPERUSER and ADMINISTRATOR).
#[derive(Default)]
pub struct ProfileMutation;

#[Object]
impl ProfileMutation {
    /// Changes a customer's company profile.
    async fn update_company_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer whose profile changes.")] customer_id: ID,
        #[graphql(desc = "The fields to change; omitted ones stay as they are.")]
        input: CompanyProfileInput,
    ) -> Result<Customer> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        let customer = self::customer_id(&customer_id)?;
        let billing_contact_id = match input.billing_contact_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(
                ids::decode(Kind::Contact, &id).ok_or_else(service::not_a_contact)?,
            )),
        };
        let patch = ProfilePatch {
            legal_name: input.legal_name.into(),
            website: input.website.into(),
            phone: input.phone.into(),
            vat_number: input.vat_number.into(),
            chamber_of_commerce_number: input.chamber_of_commerce_number.into(),
            address: Option::<Option<PostalAddressInput>>::from(input.address)
                .map(|a| a.map(AddressPatch::from)),
            billing_contact_id,
            billing_email: input.billing_email.into(),
        };
        Ok(Customer::from(
            service::update(state, viewer, customer, patch).await?,
        ))
    }
}
