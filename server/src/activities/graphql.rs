//! The `Activity` type, `ActivityInput`, a customer's `activities(timing)`, and
//! `addActivity` / `updateActivity` / `removeActivity`.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, ID};
use canopy_shared::activity::timing_at;
use canopy_shared::{ActivityKind, ActivityTiming};
use chrono::{DateTime, Utc};

use super::service::{self, ActivityChange};
use super::store::ActivityRow;
use crate::clock::to_datetime;
use crate::contacts::{self, Contact};
use crate::error::AppError;
use crate::ids::{self, customer_id, Kind};
use crate::request;
use crate::users::User;

/// A call, e-mail, meeting or note with a customer, past or planned.
#[derive(Clone, Debug)]
pub struct Activity {
    pub row: ActivityRow,
    /// "Now" for this request, so that every activity of one answer is timed alike.
    pub now_ms: i64,
}

fn activity_id(id: &ID) -> Result<i64, AppError> {
    ids::decode(Kind::Activity, id).ok_or_else(|| AppError::NotFound("activity not found".into()))
}

/// A call, e-mail, meeting or note about a customer, past or planned.
#[Object]
impl Activity {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Activity, self.row.id)
    }

    /// Call, e-mail, meeting or note.
    async fn kind(&self) -> ActivityKind {
        self.row.kind()
    }

    /// What it is about.
    async fn subject(&self) -> &str {
        &self.row.subject
    }

    /// Free-text notes.
    async fn notes(&self) -> Option<&str> {
        self.row.notes.as_deref()
    }

    /// When it happened or is planned.
    async fn occurs_at(&self) -> DateTime<Utc> {
        to_datetime(self.row.occurs_at)
    }

    /// `UPCOMING` while `occursAt` is later than the server's current time, `PAST` from then on.
    async fn timing(&self) -> ActivityTiming {
        timing_at(self.row.occurs_at, self.now_ms)
    }

    /// The customer's contact it was with, if any.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        match self.row.contact_id {
            Some(id) => contacts::graphql::by_id(ctx, id).await,
            None => Ok(None),
        }
    }

    /// Who added it; null when that user has been removed or is outside the caller's view.
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = self.row.author_user_id else {
            return Ok(None);
        };
        Ok(request::user_loader(ctx)?
            .load_one(id)
            .await?
            .map(User::new))
    }

    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        to_datetime(self.row.created_at)
    }
}

/// A customer's activities: `UPCOMING` soonest first, `PAST` newest first, and without a
/// timing the upcoming ones followed by the past ones.
pub async fn for_customer(
    ctx: &Context<'_>,
    customer_id: i64,
    timing: Option<ActivityTiming>,
) -> Result<Vec<Activity>> {
    let now_ms = request::state(ctx)?.clock.now_ms();
    // Oldest first, as loaded.
    let rows = request::detail_loaders(ctx)?
        .activities
        .load_one(customer_id)
        .await?
        .unwrap_or_default();
    let (past, upcoming): (Vec<ActivityRow>, Vec<ActivityRow>) = rows
        .into_iter()
        .partition(|row| timing_at(row.occurs_at, now_ms) == ActivityTiming::Past);
    let past = past.into_iter().rev();
    let ordered: Vec<ActivityRow> = match timing {
        Some(ActivityTiming::Upcoming) => upcoming,
        Some(ActivityTiming::Past) => past.collect(),
        None => upcoming.into_iter().chain(past).collect(),
    };
    Ok(ordered
        .into_iter()
        .map(|row| Activity { row, now_ms })
        .collect())
}

/// An activity's fields. On `updateActivity`, `notes` and `contactId` left out stay as they
/// are, and `null` clears them.
#[derive(InputObject)]
pub struct ActivityInput {
    /// Call, e-mail, meeting or note.
    pub kind: ActivityKind,
    /// Required, at most 200 characters.
    pub subject: String,
    /// Free-text notes; null or blank clears them.
    pub notes: MaybeUndefined<String>,
    /// When it happened or is planned.
    pub occurs_at: DateTime<Utc>,
    /// One of the customer's contacts.
    pub contact_id: MaybeUndefined<ID>,
}

impl ActivityInput {
    fn into_change(self) -> Result<ActivityChange, AppError> {
        let contact_id = match self.contact_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(
                ids::decode(Kind::Contact, &id).ok_or_else(service::not_a_contact)?,
            )),
        };
        Ok(ActivityChange {
            kind: self.kind,
            subject: self.subject,
            notes: self.notes.into(),
            occurs_at_ms: self.occurs_at.timestamp_millis(),
            contact_id,
        })
    }
}

/// Managing activities (SUPERUSER, ADMINISTRATOR and MANAGER).
#[derive(Default)]
pub struct ActivityMutation;

fn answer(ctx: &Context<'_>, row: ActivityRow) -> Result<Activity> {
    Ok(Activity {
        row,
        now_ms: request::state(ctx)?.clock.now_ms(),
    })
}

#[Object]
impl ActivityMutation {
    /// Records a communication activity with a customer; the signed-in user is its author.
    async fn add_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer the activity is about.")] customer_id: ID,
        #[graphql(desc = "The activity.")] input: ActivityInput,
    ) -> Result<Activity> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        let customer = self::customer_id(&customer_id)?;
        let row = service::add(state, viewer, customer, input.into_change()?).await?;
        answer(ctx, row)
    }

    /// Edits an activity; its author stays the user who added it.
    async fn update_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity to change.")] id: ID,
        #[graphql(desc = "The activity's new fields.")] input: ActivityInput,
    ) -> Result<Activity> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        let row = service::update(state, viewer, activity_id(&id)?, input.into_change()?).await?;
        answer(ctx, row)
    }

    /// Removes an activity; returns its ID.
    async fn remove_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity to remove.")] id: ID,
    ) -> Result<ID> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        service::remove(state, viewer, activity_id(&id)?).await?;
        Ok(id)
    }
}
