//! A customer's contacts: their roles, adding, changing and removing them.

use canopy_shared as shared;
use cynic::{Id, MutationBuilder};

use super::{schema, shared_enum, Api, ApiError, IdVars, IdVarsFields};

shared_enum!(ContactRole => shared::ContactRole {
    AuthorizedSigner, Administrative, Technical, Sales, Billing,
});

/// A contact another record points at (the billing contact, an activity's contact).
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Contact")]
pub struct ContactRef {
    pub id: Id,
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

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct RemoveContact {
    #[arguments(id: $id)]
    remove_contact: Id,
}

impl Api {
    /// Adds a contact to a customer (`contact_id` is `None`) or changes one.
    pub async fn save_contact(
        self,
        customer_id: Id,
        contact_id: Option<Id>,
        input: ContactInput,
    ) -> Result<Contact, ApiError> {
        match contact_id {
            Some(id) => {
                let data = self
                    .run(UpdateContact::build(UpdateContactVars { id, input }))
                    .await?;
                Ok(data.update_contact)
            }
            None => {
                let data = self
                    .run(AddContact::build(AddContactVars { customer_id, input }))
                    .await?;
                Ok(data.add_contact)
            }
        }
    }

    /// Removes a contact; returns its id.
    pub async fn remove_contact(self, id: Id) -> Result<Id, ApiError> {
        Ok(self
            .run(RemoveContact::build(IdVars { id }))
            .await?
            .remove_contact)
    }
}
