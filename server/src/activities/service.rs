//! Adding, editing and removing communication activities. The author is the signed-in user
//! who added the activity; editing keeps it.

use canopy_shared::{activity, text, Action, ActivityKind};

use super::store::{self, ActivityFields, ActivityRow};
use crate::audit;
use crate::customers;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::input::{self, Patch};
use crate::state::AppState;
use crate::viewer::Viewer;

/// An activity's input: on update, `notes` and `contactId` left out stay as they are.
#[derive(Debug)]
pub struct ActivityChange {
    pub kind: ActivityKind,
    pub subject: String,
    pub notes: Patch<String>,
    pub occurs_at_ms: i64,
    /// A contact of the activity's customer.
    pub contact_id: Patch<i64>,
}

/// The error for a contact that is not one of the customer's contacts.
pub fn not_a_contact() -> AppError {
    AppError::bad_input(
        "contactId",
        "The activity's contact must be one of this customer's contacts",
    )
}

impl ActivityChange {
    /// Validates the change and applies it to `current` (none for a new activity).
    async fn apply_to(
        self,
        tx: &mut db::Tx,
        customer_id: i64,
        current: Option<&ActivityRow>,
    ) -> AppResult<ActivityFields> {
        let subject = text::required_line(&self.subject, "Subject", activity::SUBJECT_MAX_CHARS)
            .map_err(|m| AppError::bad_input("subject", m))?;
        let notes = input::multiline(self.notes, "notes", "Notes", activity::NOTES_MAX_CHARS)?;
        let contact_id = input::apply(self.contact_id, current.and_then(|a| a.contact_id));
        if let Some(contact) = contact_id {
            if !crate::contacts::store::belongs_to(tx, customer_id, contact).await? {
                return Err(not_a_contact());
            }
        }
        Ok(ActivityFields {
            kind: self.kind,
            subject,
            notes: input::apply(notes, current.and_then(|a| a.notes.clone())),
            occurs_at: self.occurs_at_ms,
            contact_id,
        })
    }
}

/// Adds an activity to a customer, written by the viewer.
pub async fn add(
    state: &AppState,
    viewer: &Viewer,
    customer_id: i64,
    change: ActivityChange,
) -> AppResult<ActivityRow> {
    let mut tx = db::begin_write(&state.pool).await?;
    let customer = customers::store::require(&mut *tx, &viewer.scope, customer_id).await?;
    viewer.require(Action::ManageActivities)?;
    let fields = change.apply_to(&mut tx, customer.id, None).await?;
    let now = state.clock.now_ms();
    let id = store::insert(&mut tx, customer.id, viewer.user_id, &fields, now)
        .await
        .map_err(|e| e.context("inserting the activity"))?;
    let row = store::require(&mut *tx, &viewer.scope, id).await?;
    audit::record_for_customer(
        &mut tx,
        viewer.actor(),
        now,
        "activity.add",
        &customer,
        None,
        Some(row.audit_json()),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Edits an activity.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    change: ActivityChange,
) -> AppResult<ActivityRow> {
    let mut tx = db::begin_write(&state.pool).await?;
    let before = store::require(&mut *tx, &viewer.scope, id).await?;
    viewer.require(Action::ManageActivities)?;
    let customer = customers::store::require(&mut *tx, &viewer.scope, before.customer_id).await?;
    let fields = change.apply_to(&mut tx, customer.id, Some(&before)).await?;
    let now = state.clock.now_ms();
    store::update(&mut tx, id, &fields, now)
        .await
        .map_err(|e| e.context("updating the activity"))?;
    let after = store::require(&mut *tx, &viewer.scope, id).await?;
    audit::record_for_customer(
        &mut tx,
        viewer.actor(),
        now,
        "activity.update",
        &customer,
        Some(before.audit_json()),
        Some(after.audit_json()),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes an activity.
pub async fn remove(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<()> {
    let mut tx = db::begin_write(&state.pool).await?;
    let row = store::require(&mut *tx, &viewer.scope, id).await?;
    viewer.require(Action::ManageActivities)?;
    let customer = customers::store::require(&mut *tx, &viewer.scope, row.customer_id).await?;
    store::delete(&mut tx, id)
        .await
        .map_err(|e| e.context("deleting the activity"))?;
    audit::record_for_customer(
        &mut tx,
        viewer.actor(),
        state.clock.now_ms(),
        "activity.remove",
        &customer,
        Some(row.audit_json()),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
