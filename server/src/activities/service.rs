//! Adding, editing and removing communication activities. The author is the signed-in user
//! who added the activity; editing keeps it.

use canopy_shared::{activity, text, Action, ActivityKind};

use super::store::{self, ActivityFields, ActivityRow};
use crate::error::{AppError, AppResult};
use crate::input::{self, Patch};
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::write;

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
        conn: &mut sqlx::AnyConnection,
        customer_id: i64,
        current: Option<&ActivityRow>,
    ) -> AppResult<ActivityFields> {
        let subject = text::required_line(&self.subject, "Subject", activity::SUBJECT_MAX_CHARS)
            .map_err(|m| AppError::bad_input("subject", m))?;
        let notes = input::multiline(self.notes, "notes", "Notes", activity::NOTES_MAX_CHARS)?;
        let contact_id = input::apply(self.contact_id, current.and_then(|a| a.contact_id));
        if let Some(contact) = contact_id {
            if !crate::contacts::store::belongs_to(conn, customer_id, contact).await? {
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

crate::write::record!(
    ActivityRow,
    "activity",
    Action::ManageActivities,
    store::require
);

/// Adds an activity to a customer, authored by the viewer.
pub async fn add(
    state: &AppState,
    viewer: &Viewer,
    customer_id: i64,
    change: ActivityChange,
) -> AppResult<ActivityRow> {
    write::add(state, viewer, customer_id, move |w, customer| {
        Box::pin(async move {
            let fields = change.apply_to(w.conn(), customer.id, None).await?;
            let now = w.now();
            store::insert(w.conn(), customer.id, viewer.user_id, &fields, now)
                .await
                .map_err(|e| e.context("inserting the activity"))
        })
    })
    .await
}

/// Edits an activity (its author stays).
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    change: ActivityChange,
) -> AppResult<ActivityRow> {
    write::change(
        state,
        viewer,
        id,
        move |w, customer, before: &ActivityRow| {
            Box::pin(async move {
                let fields = change.apply_to(w.conn(), customer.id, Some(before)).await?;
                let now = w.now();
                store::update(w.conn(), before.id, &fields, now)
                    .await
                    .map_err(|e| e.context("updating the activity"))
            })
        },
    )
    .await
}

/// Removes an activity.
pub async fn remove(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<()> {
    write::remove(state, viewer, id, |w, _, activity: &ActivityRow| {
        Box::pin(async move {
            store::delete(w.conn(), activity.id)
                .await
                .map_err(|e| e.context("deleting the activity"))
        })
    })
    .await
}
