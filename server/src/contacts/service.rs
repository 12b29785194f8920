//! Adding, editing and removing contacts. Removing the billing contact clears the company
//! profile's link to it, and activities with that contact keep their history without it, all
//! in the removal's transaction.

use canopy_shared::{contact, Action, ContactRole};

use super::store::{self, ContactFields, ContactRow};
use crate::audit;
use crate::customers;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::input::{self, Patch};
use crate::state::AppState;
use crate::viewer::Viewer;
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

/// Adds a contact to a customer.
pub async fn add(
    state: &AppState,
    viewer: &Viewer,
    customer_id: i64,
    patch: ContactPatch,
) -> AppResult<ContactRow> {
    let patch = patch.validate()?;
    let mut tx = db::begin_write(&state.pool).await?;
    let customer = customers::store::require(&mut *tx, &viewer.scope, customer_id).await?;
    viewer.require(Action::ManageContacts)?;
    let fields = patch.apply_to(None)?;
    let now = state.clock.now_ms();
    let id = store::insert(&mut tx, customer.id, &fields, now)
        .await
        .map_err(|e| e.context("inserting the contact"))?;
    let row = store::require(&mut *tx, &viewer.scope, id).await?;
    audit::record_for_customer(
        &mut tx,
        viewer.actor(),
        now,
        "contact.add",
        &customer,
        None,
        Some(row.audit_json()),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Edits a contact.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    patch: ContactPatch,
) -> AppResult<ContactRow> {
    let patch = patch.validate()?;
    let mut tx = db::begin_write(&state.pool).await?;
    let before = store::require(&mut *tx, &viewer.scope, id).await?;
    viewer.require(Action::ManageContacts)?;
    let customer = customers::store::require(&mut *tx, &viewer.scope, before.customer_id).await?;
    let fields = patch.apply_to(Some(&before))?;
    let now = state.clock.now_ms();
    store::update(&mut tx, id, &fields, now)
        .await
        .map_err(|e| e.context("updating the contact"))?;
    let after = store::require(&mut *tx, &viewer.scope, id).await?;
    audit::record_for_customer(
        &mut tx,
        viewer.actor(),
        now,
        "contact.update",
        &customer,
        Some(before.audit_json()),
        Some(after.audit_json()),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes a contact; if it was the billing contact, the profile's link to it is cleared (and
/// audited as a profile change), and activities with it keep their history without a contact.
pub async fn remove(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<()> {
    let mut tx = db::begin_write(&state.pool).await?;
    let contact = store::require(&mut *tx, &viewer.scope, id).await?;
    viewer.require(Action::ManageContacts)?;
    let customer = customers::store::require(&mut *tx, &viewer.scope, contact.customer_id).await?;
    let now = state.clock.now_ms();

    let profile_before = profile::store::get(&mut tx, customer.id).await?;
    if let Some(before) = profile_before.filter(|p| p.billing_contact_id == Some(id)) {
        profile::store::clear_billing_contact(&mut tx, customer.id, now)
            .await
            .map_err(|e| e.context("clearing the billing contact"))?;
        let after = profile::store::get(&mut tx, customer.id)
            .await?
            .unwrap_or_default();
        audit::record_for_customer(
            &mut tx,
            viewer.actor(),
            now,
            "companyProfile.update",
            &customer,
            Some(before.audit_json()),
            Some(after.audit_json()),
        )
        .await?;
    }
    activities::store::unlink_contact(&mut tx, id)
        .await
        .map_err(|e| e.context("unlinking the contact's activities"))?;
    store::delete(&mut tx, id)
        .await
        .map_err(|e| e.context("deleting the contact"))?;
    audit::record_for_customer(
        &mut tx,
        viewer.actor(),
        now,
        "contact.remove",
        &customer,
        Some(contact.audit_json()),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
