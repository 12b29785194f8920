//! A customer's users: listing, creating (with a password or a one-time set-password link),
//! editing and removing them.

use cynic::{Id, MutationBuilder, QueryBuilder};

use super::{
    customers::{IdVars, IdVarsFields},
    run, schema, ApiError, DateTime, Role,
};

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

pub async fn users(token: Option<&str>, id: &Id) -> Result<Option<Vec<User>>, ApiError> {
    Ok(run(token, UsersQuery::build(IdVars { id: id.clone() }))
        .await?
        .customer
        .map(|c| c.users))
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

pub async fn create(token: Option<&str>, vars: CreateUserVars) -> Result<CreatedUser, ApiError> {
    Ok(run(token, CreateUser::build(vars)).await?.create_user)
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
    #[allow(dead_code)]
    update_user: User,
}

pub async fn update(token: Option<&str>, vars: UpdateUserVars) -> Result<(), ApiError> {
    run(token, UpdateUser::build(vars)).await.map(|_| ())
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct RemoveUser {
    #[arguments(id: $id)]
    #[allow(dead_code)]
    remove_user: Id,
}

pub async fn remove(token: Option<&str>, id: Id) -> Result<(), ApiError> {
    run(token, RemoveUser::build(IdVars { id }))
        .await
        .map(|_| ())
}
