//! The `Contact` type, `ContactInput`, and `addContact` / `updateContact` / `removeContact`.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, ID};
use canopy_shared::ContactRole;

use super::service::{self, ContactPatch};
use super::store::ContactRow;
use crate::error::AppError;
use crate::ids::{self, customer_id, Kind};
use crate::request;

/// A person at a customer.
#[derive(Clone, Debug)]
pub struct Contact(pub ContactRow);

/// Decodes a contact ID argument; a malformed or foreign ID is `NOT_FOUND`, like a missing one.
pub fn contact_id(id: &ID) -> Result<i64, AppError> {
    ids::decode(Kind::Contact, id).ok_or_else(|| AppError::NotFound("contact not found".into()))
}

/// A person at a customer, with the roles they hold there.
#[Object]
impl Contact {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Contact, self.0.id)
    }

    /// Given name.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }

    /// Family name.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }

    /// Job title.
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }

    /// E-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// What the contact is for at the customer, in display order.
    async fn roles(&self) -> Vec<ContactRole> {
        self.0.roles()
    }
}

/// The contacts of a customer (in scope), by last and first name.
pub async fn for_customer(ctx: &Context<'_>, customer_id: i64) -> Result<Vec<Contact>> {
    let rows = request::detail_loaders(ctx)?
        .contacts
        .load_one(customer_id)
        .await?
        .unwrap_or_default();
    Ok(rows.into_iter().map(Contact).collect())
}

/// A contact by id, if it is in scope.
pub async fn by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Contact>> {
    Ok(request::detail_loaders(ctx)?
        .contact
        .load_one(id)
        .await?
        .map(Contact))
}

/// A contact's fields. A contact needs a first or a last name. On `updateContact`, fields left
/// out stay as they are, and `null` (or blank text) clears a field.
#[derive(InputObject)]
pub struct ContactInput {
    /// Given name (a contact needs a first or a last name). Null or blank clears it.
    pub first_name: MaybeUndefined<String>,
    /// Family name. Null or blank clears it.
    pub last_name: MaybeUndefined<String>,
    /// Job title. Null or blank clears it.
    pub title: MaybeUndefined<String>,
    /// A valid e-mail address, if given.
    pub email: MaybeUndefined<String>,
    /// Phone number. Null or blank clears it.
    pub phone: MaybeUndefined<String>,
    /// The roles the person holds at the customer.
    pub roles: MaybeUndefined<Vec<ContactRole>>,
}

impl From<ContactInput> for ContactPatch {
    fn from(input: ContactInput) -> Self {
        Self {
            first_name: input.first_name.into(),
            last_name: input.last_name.into(),
            title: input.title.into(),
            email: input.email.into(),
            phone: input.phone.into(),
            roles: input.roles.into(),
        }
    }
}

/// Managing contacts (SUPERUSER and ADMINISTRATOR).
#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Adds a contact to a customer.
    async fn add_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer the contact belongs to.")] customer_id: ID,
        #[graphql(desc = "The contact.")] input: ContactInput,
    ) -> Result<Contact> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        let customer = self::customer_id(&customer_id)?;
        Ok(Contact(
            service::add(state, viewer, customer, input.into()).await?,
        ))
    }

    /// Edits a contact: fields left out stay as they are.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact to change.")] id: ID,
        #[graphql(desc = "The fields to change; omitted ones stay as they are.")]
        input: ContactInput,
    ) -> Result<Contact> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        Ok(Contact(
            service::update(state, viewer, contact_id(&id)?, input.into()).await?,
        ))
    }

    /// Removes a contact; returns its ID. If it was the billing contact, the company profile
    /// no longer has one.
    async fn remove_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact to remove.")] id: ID,
    ) -> Result<ID> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        service::remove(state, viewer, contact_id(&id)?).await?;
        Ok(id)
    }
}
