//! A customer's users: listing, creating (with a password or a one-time set-password link),
//! editing and removing them.

use cynic::{Id, MutationBuilder, QueryBuilder};

use super::{schema, Api, ApiError, DateTime, IdVars, IdVarsFields, Role};

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
pub struct User {
    pub id: Id,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Role,
    pub security_officer: bool,
    pub created_at: DateTime,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
struct WithUsers {
    users: Vec<User>,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "IdVars")]
struct UsersQuery {
    #[arguments(id: $id)]
    customer: Option<WithUsers>,
}

#[derive(cynic::InputObject, Clone, Debug, PartialEq)]
pub struct UserInput {
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Role,
    pub security_officer: Option<bool>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "User")]
pub struct CreatedUser {
    pub id: Id,
    pub set_password_link: Option<String>,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct CreateUserVars {
    pub customer_id: Id,
    pub input: UserInput,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "CreateUserVars")]
struct CreateUser {
    #[arguments(customerId: $customer_id, input: $input)]
    create_user: CreatedUser,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct UpdateUserVars {
    pub id: Id,
    pub input: UserInput,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "UpdateUserVars")]
struct UpdateUser {
    #[arguments(id: $id, input: $input)]
    update_user: User,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct RemoveUser {
    #[arguments(id: $id)]
    remove_user: Id,
}

impl Api {
    /// A customer's users; `None` when it is gone or outside the caller's view.
    pub async fn users(self, id: &Id) -> Result<Option<Vec<User>>, ApiError> {
        let data = self
            .run(UsersQuery::build(IdVars { id: id.clone() }))
            .await?;
        Ok(data.customer.map(|c| c.users))
    }

    pub async fn create_user(self, vars: CreateUserVars) -> Result<CreatedUser, ApiError> {
        Ok(self.run(CreateUser::build(vars)).await?.create_user)
    }

    pub async fn update_user(self, vars: UpdateUserVars) -> Result<User, ApiError> {
        Ok(self.run(UpdateUser::build(vars)).await?.update_user)
    }

    /// Removes a user; returns its id.
    pub async fn remove_user(self, id: Id) -> Result<Id, ApiError> {
        Ok(self
            .run(RemoveUser::build(IdVars { id }))
            .await?
            .remove_user)
    }
}
