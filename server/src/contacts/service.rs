//! Adding, editing and removing contacts. Removing the billing contact clears the company
//! profile's link to it, and activities with that contact keep their history without it, all
//! in the removal's transaction.

use canopy_shared::{contact, Action, ContactRole};

use super::store::{self, ContactFields, ContactRow};
use crate::error::{AppError, AppResult};
use crate::input::{self, Patch};
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::write;
use crate::{activities, profile};

/// A contact's input: on add, left-out fields are empty; on update, they stay as they are.
#[derive(Debug, Default)]
pub struct ContactPatch {
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub title: Patch<String>,
    pub email: Patch<String>,
    pub phone: Patch<String>,
    pub roles: Patch<Vec<ContactRole>>,
}

const NAME_MAX: usize = contact::NAME_MAX_CHARS;

impl ContactPatch {
    /// Checks each given field against its rule.
    fn validate(self) -> AppResult<Self> {
        Ok(Self {
            first_name: input::line(self.first_name, "firstName", "First name", NAME_MAX)?,
            last_name: input::line(self.last_name, "lastName", "Last name", NAME_MAX)?,
            title: input::line(self.title, "title", "Title", 100)?,
            email: input::email(self.email, "email")?,
            phone: input::line(self.phone, "phone", "Phone", 64)?,
            roles: self.roles,
        })
    }

    /// The contact's fields after applying this (validated) patch to `current`.
    fn apply_to(self, current: Option<&ContactRow>) -> AppResult<ContactFields> {
        let fields = ContactFields {
            first_name: input::apply(self.first_name, current.and_then(|c| c.first_name.clone())),
            last_name: input::apply(self.last_name, current.and_then(|c| c.last_name.clone())),
            title: input::apply(self.title, current.and_then(|c| c.title.clone())),
            email: input::apply(self.email, current.and_then(|c| c.email.clone())),
            phone: input::apply(self.phone, current.and_then(|c| c.phone.clone())),
            roles: input::apply(self.roles, current.map(ContactRow::roles)).unwrap_or_default(),
        };
        contact::check_has_name(fields.first_name.as_deref(), fields.last_name.as_deref())
            .map_err(|m| AppError::bad_input("firstName", m))?;
        Ok(fields)
    }
}

crate::write::record!(
    ContactRow,
    "contact",
    Action::ManageContacts,
    store::require
);

/// Adds a contact to a customer.
pub async fn add(
    state: &AppState,
    viewer: &Viewer,
    customer_id: i64,
    patch: ContactPatch,
) -> AppResult<ContactRow> {
    let patch = patch.validate()?;
    write::add(state, viewer, customer_id, move |w, customer| {
        Box::pin(async move {
            let fields = patch.apply_to(None)?;
            let now = w.now();
            store::insert(w.conn(), customer.id, &fields, now)
                .await
                .map_err(|e| e.context("inserting the contact"))
        })
    })
    .await
}

/// Edits a contact.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    patch: ContactPatch,
) -> AppResult<ContactRow> {
    let patch = patch.validate()?;
    write::change(state, viewer, id, move |w, _, before: &ContactRow| {
        Box::pin(async move {
            let fields = patch.apply_to(Some(before))?;
            let now = w.now();
            store::update(w.conn(), before.id, &fields, now)
                .await
                .map_err(|e| e.context("updating the contact"))
        })
    })
    .await
}

/// Removes a contact; if it was the billing contact, the profile's link to it is cleared (and
/// audited as a profile change), and activities with it keep their history without a contact.
pub async fn remove(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<()> {
    write::remove(state, viewer, id, |w, customer, contact: &ContactRow| {
        Box::pin(async move {
            profile::service::unlink_billing_contact(w, viewer, customer, contact.id).await?;
            activities::store::unlink_contact(w.conn(), contact.id)
                .await
                .map_err(|e| e.context("unlinking the contact's activities"))?;
            store::delete(w.conn(), contact.id)
                .await
                .map_err(|e| e.context("deleting the contact"))
        })
    })
    .await
}
