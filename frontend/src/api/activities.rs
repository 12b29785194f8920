//! A customer's communication activities (calls, e-mails, meetings, notes): adding, changing
//! and removing them.

use canopy_shared as shared;
use cynic::{Id, MutationBuilder};

use super::{
    contacts::ContactRef, schema, shared_enum, Api, ApiError, DateTime, IdVars, IdVarsFields,
};

shared_enum!(ActivityKind => shared::ActivityKind { Call, Email, Meeting, Note });
shared_enum!(ActivityTiming => shared::ActivityTiming { Past, Upcoming });

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

/// A saved activity, as far as the app reads the answer: the section reloads its list.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Activity")]
struct Saved {
    id: Id,
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
    add_activity: Saved,
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
    update_activity: Saved,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct RemoveActivity {
    #[arguments(id: $id)]
    remove_activity: Id,
}

impl Api {
    /// Adds an activity to a customer (`activity_id` is `None`) or changes one; returns its id.
    pub async fn save_activity(
        self,
        customer_id: Id,
        activity_id: Option<Id>,
        input: ActivityInput,
    ) -> Result<Id, ApiError> {
        let saved = match activity_id {
            Some(id) => {
                let vars = UpdateActivityVars { id, input };
                self.run(UpdateActivity::build(vars)).await?.update_activity
            }
            None => {
                let vars = AddActivityVars { customer_id, input };
                self.run(AddActivity::build(vars)).await?.add_activity
            }
        };
        Ok(saved.id)
    }

    /// Removes an activity; returns its id.
    pub async fn remove_activity(self, id: Id) -> Result<Id, ApiError> {
        let data = self.run(RemoveActivity::build(IdVars { id })).await?;
        Ok(data.remove_activity)
    }
}
