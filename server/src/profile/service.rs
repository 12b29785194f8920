//! `updateCompanyProfile`: validates every given field and writes the merged profile.

use canopy_shared::country::CountryCode;
use canopy_shared::web;

use super::store::{self, ProfileRow};
use crate::customers::model::CustomerRow;
use crate::error::{AppError, AppResult};
use crate::input::{self, Patch};
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::write::{self, Changed, Write};

/// The postal address part of a profile change.
#[derive(Debug, Default)]
pub struct AddressPatch {
    pub street: Patch<String>,
    pub city: Patch<String>,
    pub district: Patch<String>,
    pub state: Patch<String>,
    pub zip_code: Patch<String>,
    pub country: Patch<String>,
}

/// A profile change: fields left out stay as they are, `null` clears.
#[derive(Debug, Default)]
pub struct ProfilePatch {
    pub legal_name: Patch<String>,
    pub website: Patch<String>,
    pub phone: Patch<String>,
    pub vat_number: Patch<String>,
    pub chamber_of_commerce_number: Patch<String>,
    /// `Some(None)` clears the whole address; a given address changes the fields it names.
    pub address: Patch<AddressPatch>,
    pub billing_contact_id: Patch<i64>,
    pub billing_email: Patch<String>,
}

/// The error for a billing contact that is not one of the customer's contacts (whether it
/// exists elsewhere or not: nothing outside the caller's view may be told apart).
pub fn not_a_contact() -> AppError {
    AppError::bad_input(
        "billingContactId",
        "The billing contact must be one of this customer's contacts",
    )
}

fn website(patch: Patch<String>) -> AppResult<Patch<String>> {
    patch
        .map(|v| match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(url) => web::parse_website(url)
                .map(Some)
                .map_err(|m| AppError::bad_input("website", m)),
        })
        .transpose()
}

fn country(patch: Patch<String>) -> AppResult<Patch<String>> {
    patch
        .map(|v| match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(code) => CountryCode::parse(code)
                .map(|c| Some(c.code().to_owned()))
                .map_err(|m| AppError::bad_input("address.country", m)),
        })
        .transpose()
}

impl AddressPatch {
    fn validate(self) -> AppResult<Self> {
        Ok(Self {
            street: input::line(self.street, "address.street", "Street", 200)?,
            city: input::line(self.city, "address.city", "City", 100)?,
            district: input::line(self.district, "address.district", "District", 100)?,
            state: input::line(self.state, "address.state", "State", 100)?,
            zip_code: input::line(self.zip_code, "address.zipCode", "ZIP code", 32)?,
            country: country(self.country)?,
        })
    }

    fn apply_to(self, p: &mut ProfileRow) {
        p.street = input::apply(self.street, p.street.take());
        p.city = input::apply(self.city, p.city.take());
        p.district = input::apply(self.district, p.district.take());
        p.state = input::apply(self.state, p.state.take());
        p.zip_code = input::apply(self.zip_code, p.zip_code.take());
        p.country = input::apply(self.country, p.country.take());
    }
}

impl ProfilePatch {
    fn validate(self) -> AppResult<Self> {
        Ok(Self {
            legal_name: input::line(self.legal_name, "legalName", "Legal name", 200)?,
            website: website(self.website)?,
            phone: input::line(self.phone, "phone", "Phone", 64)?,
            vat_number: input::line(self.vat_number, "vatNumber", "VAT number", 64)?,
            chamber_of_commerce_number: input::line(
                self.chamber_of_commerce_number,
                "chamberOfCommerceNumber",
                "Chamber of commerce number",
                64,
            )?,
            address: self
                .address
                .map(|a| a.map(AddressPatch::validate).transpose())
                .transpose()?,
            billing_contact_id: self.billing_contact_id,
            billing_email: input::email(self.billing_email, "billingEmail")?,
        })
    }

    fn apply_to(self, p: &mut ProfileRow) {
        p.legal_name = input::apply(self.legal_name, p.legal_name.take());
        p.website = input::apply(self.website, p.website.take());
        p.phone = input::apply(self.phone, p.phone.take());
        p.vat_number = input::apply(self.vat_number, p.vat_number.take());
        p.chamber_of_commerce_number = input::apply(
            self.chamber_of_commerce_number,
            p.chamber_of_commerce_number.take(),
        );
        match self.address {
            None => {}
            Some(None) => AddressPatch::cleared().apply_to(p),
            Some(Some(address)) => address.apply_to(p),
        }
        p.billing_contact_id = input::apply(self.billing_contact_id, p.billing_contact_id);
        p.billing_email = input::apply(self.billing_email, p.billing_email.take());
    }
}

impl AddressPatch {
    fn cleared() -> Self {
        Self {
            street: Some(None),
            city: Some(None),
            district: Some(None),
            state: Some(None),
            zip_code: Some(None),
            country: Some(None),
        }
    }
}

/// Changes a customer's company profile.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    customer_id: i64,
    patch: ProfilePatch,
) -> AppResult<CustomerRow> {
    let patch = patch.validate()?;
    let action = "companyProfile.update";
    write::customer_detail(state, viewer, customer_id, action, |w, customer| {
        Box::pin(async move {
            if let Some(Some(contact)) = patch.billing_contact_id {
                if !crate::contacts::store::belongs_to(w.conn(), customer.id, contact).await? {
                    return Err(not_a_contact());
                }
            }
            let before = store::get(w.conn(), customer.id)
                .await?
                .unwrap_or_else(|| ProfileRow::empty(customer.id));
            let mut after = before.clone();
            patch.apply_to(&mut after);
            after.updated_at = w.now();
            store::upsert(w.conn(), &after)
                .await
                .map_err(|e| e.context("writing the company profile"))?;
            Ok(Some(Changed {
                before: Some(before.audit_json()),
                after: Some(after.audit_json()),
            }))
        })
    })
    .await
}

/// Clears the customer's billing contact if it is `contact_id` (which is being removed), and
/// audits that as a profile change, inside the removal's write.
pub async fn unlink_billing_contact(
    w: &mut Write<'_>,
    viewer: &Viewer,
    customer: &CustomerRow,
    contact_id: i64,
) -> AppResult<()> {
    let Some(before) = store::get(w.conn(), customer.id)
        .await?
        .filter(|p| p.billing_contact_id == Some(contact_id))
    else {
        return Ok(());
    };
    let now = w.now();
    store::clear_billing_contact(w.conn(), customer.id, now)
        .await
        .map_err(|e| e.context("clearing the billing contact"))?;
    let after = store::get(w.conn(), customer.id).await?.unwrap_or_default();
    let action = "companyProfile.update";
    w.audit(
        viewer.actor(),
        action,
        customer,
        Some(before.audit_json()),
        Some(after.audit_json()),
    )
    .await
}
