//! Customers: the tree, search, the signed-in user's view, and creating, editing, moving,
//! converting and removing customers.

use cynic::{Id, MutationBuilder, QueryBuilder};

use super::{
    run, schema, ApiError, CustomerLevel, CustomerState, DateTime, Module, PageInfo, Role,
    ServiceType, PAGE_SIZE,
};
use crate::api::details::BrandingFields;

/// A customer as one line of the tree (or of a search result) shows it.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct TreeNode {
    pub id: Id,
    pub name: String,
    pub level: CustomerLevel,
    pub state: CustomerState,
    pub trial_expires_at: Option<DateTime>,
    pub child_count: i32,
    pub device_count: i32,
    pub removable: bool,
}

/// One page of customers.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "CustomerConnection")]
pub struct NodePage {
    pub nodes: Vec<TreeNode>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

/// The signed-in user.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "User")]
pub struct Me {
    pub id: Id,
    pub username: String,
    pub role: Role,
}

/// The caller's own customer, the top of their view, with what the header shows.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct ViewRoot {
    #[cynic(spread)]
    pub node: TreeNode,
    pub descendant_count: i32,
    pub modules: Vec<Module>,
    pub effective_branding: BrandingFields,
}

/// What the console needs when it opens.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Query")]
pub struct Console {
    /// Null only when the token stopped being valid between checks.
    pub me: Option<Me>,
    pub root: ViewRoot,
}

/// The signed-in user and their root customer.
pub async fn console(token: Option<&str>) -> Result<Console, ApiError> {
    run(token, Console::build(())).await
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct IdVars {
    pub id: Id,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "IdVars")]
struct NodeQuery {
    #[arguments(id: $id)]
    customer: Option<TreeNode>,
}

/// One customer's tree line; `None` when it is gone or outside the caller's view.
pub async fn node(token: Option<&str>, id: &Id) -> Result<Option<TreeNode>, ApiError> {
    let data = run(token, NodeQuery::build(IdVars { id: id.clone() })).await?;
    Ok(data.customer)
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct ChildrenVars {
    pub id: Id,
    pub first: i32,
    pub after: Option<String>,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Customer", variables = "ChildrenVars")]
struct WithChildren {
    #[arguments(first: $first, after: $after)]
    children: NodePage,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "ChildrenVars")]
struct ChildrenQuery {
    #[arguments(id: $id)]
    customer: Option<WithChildren>,
}

/// `first` children of a customer after `after` (a cursor from the previous page).
/// `None` when the customer is gone or outside the caller's view.
pub async fn children(
    token: Option<&str>,
    id: &Id,
    first: i32,
    after: Option<String>,
) -> Result<Option<NodePage>, ApiError> {
    let vars = ChildrenVars {
        id: id.clone(),
        first,
        after,
    };
    let data = run(token, ChildrenQuery::build(vars)).await?;
    Ok(data.customer.map(|c| c.children))
}

/// A search result: a tree line and where it sits.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct Found {
    #[cynic(spread)]
    pub node: TreeNode,
    pub ancestors: Vec<Ancestor>,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "CustomerConnection")]
pub struct FoundPage {
    pub nodes: Vec<Found>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

#[derive(cynic::QueryVariables, Clone, Debug, Default, PartialEq)]
pub struct SearchVars {
    pub search: Option<String>,
    pub levels: Option<Vec<CustomerLevel>>,
    pub states: Option<Vec<CustomerState>>,
    pub first: Option<i32>,
    pub after: Option<String>,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "SearchVars")]
struct SearchQuery {
    #[arguments(search: $search, levels: $levels, states: $states, first: $first, after: $after)]
    customers: FoundPage,
}

/// Customers anywhere in the caller's view that match.
pub async fn search(token: Option<&str>, vars: SearchVars) -> Result<FoundPage, ApiError> {
    let vars = SearchVars {
        first: vars.first.or(Some(PAGE_SIZE)),
        ..vars
    };
    Ok(run(token, SearchQuery::build(vars)).await?.customers)
}

/// An ancestor in a breadcrumb.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct Ancestor {
    pub id: Id,
    pub name: String,
    pub level: CustomerLevel,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Country")]
pub struct CountryRef {
    pub code: String,
    pub name: String,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "DataCenter")]
pub struct DataCenterRef {
    pub code: String,
    pub name: String,
}

/// A customer as its editor shows it.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct Customer {
    pub id: Id,
    pub name: String,
    pub level: CustomerLevel,
    pub service_type: ServiceType,
    pub child_service_types: Vec<ServiceType>,
    pub device_country: CountryRef,
    pub storage_location: DataCenterRef,
    pub state: CustomerState,
    pub trial_expires_at: Option<DateTime>,
    pub customer_reference: Option<String>,
    pub created_at: DateTime,
    pub version: i32,
    pub parent: Option<ParentRef>,
    pub ancestors: Vec<Ancestor>,
    pub child_count: i32,
    pub descendant_count: i32,
    pub modules: Vec<Module>,
    pub removable: bool,
    pub device_count: i32,
}

/// A customer's parent, with what choosing children under it needs.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct ParentRef {
    pub id: Id,
    pub name: String,
    pub level: CustomerLevel,
    pub child_service_types: Vec<ServiceType>,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "IdVars")]
struct CustomerQuery {
    #[arguments(id: $id)]
    customer: Option<Customer>,
}

/// A customer for its editor; `None` when it is gone or outside the caller's view.
pub async fn customer(token: Option<&str>, id: &Id) -> Result<Option<Customer>, ApiError> {
    Ok(run(token, CustomerQuery::build(IdVars { id: id.clone() }))
        .await?
        .customer)
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "IdVars")]
struct ParentQuery {
    #[arguments(id: $id)]
    customer: Option<ParentRef>,
}

/// What creating a child under a customer needs to know about it.
pub async fn parent(token: Option<&str>, id: &Id) -> Result<Option<ParentRef>, ApiError> {
    Ok(run(token, ParentQuery::build(IdVars { id: id.clone() }))
        .await?
        .customer)
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct ParentSearchVars {
    pub search: Option<String>,
    pub levels: Option<Vec<CustomerLevel>>,
}

#[derive(cynic::QueryFragment, Clone, Debug)]
#[cynic(graphql_type = "CustomerConnection")]
struct ParentPage {
    nodes: Vec<ParentRef>,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "ParentSearchVars")]
struct ParentSearch {
    #[arguments(search: $search, levels: $levels, first: 20)]
    customers: ParentPage,
}

/// Up to 20 customers at one of `levels` whose name contains `search`: candidates for a parent.
pub async fn parents(
    token: Option<&str>,
    search: String,
    levels: Vec<CustomerLevel>,
) -> Result<Vec<ParentRef>, ApiError> {
    let vars = ParentSearchVars {
        search: Some(search).filter(|s| !s.trim().is_empty()),
        levels: Some(levels),
    };
    Ok(run(token, ParentSearch::build(vars)).await?.customers.nodes)
}

/// A country, with its data center when it has one.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
pub struct Country {
    pub code: String,
    pub name: String,
    pub data_center: Option<DataCenterRef>,
}

/// Every country and every data center: what the customer form chooses from.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Query")]
pub struct Geography {
    pub countries: Vec<Country>,
    pub data_centers: Vec<DataCenterRef>,
}

pub async fn geography(token: Option<&str>) -> Result<Geography, ApiError> {
    run(token, Geography::build(())).await
}

#[derive(cynic::InputObject, Clone, Debug, PartialEq)]
pub struct CreateCustomerInput {
    pub parent_id: Id,
    pub name: String,
    pub level: CustomerLevel,
    pub service_type: ServiceType,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub child_service_types: Option<Vec<ServiceType>>,
    pub device_country: String,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub storage_location: Option<String>,
    pub in_trial: bool,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<String>,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct CreateVars {
    pub input: CreateCustomerInput,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "CreateVars")]
struct CreateCustomer {
    #[arguments(input: $input)]
    create_customer: TreeNode,
}

pub async fn create(token: Option<&str>, input: CreateCustomerInput) -> Result<TreeNode, ApiError> {
    Ok(run(token, CreateCustomer::build(CreateVars { input }))
        .await?
        .create_customer)
}

#[derive(cynic::InputObject, Clone, Debug, Default, PartialEq)]
pub struct UpdateCustomerInput {
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub level: Option<CustomerLevel>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub service_type: Option<ServiceType>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub child_service_types: Option<Vec<ServiceType>>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub device_country: Option<String>,
    /// Blank clears it (sent as given, so the user can clear it).
    pub customer_reference: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct UpdateVars {
    pub id: Id,
    pub input: UpdateCustomerInput,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "UpdateVars")]
struct UpdateCustomer {
    #[arguments(id: $id, input: $input)]
    update_customer: Customer,
}

pub async fn update(
    token: Option<&str>,
    id: Id,
    input: UpdateCustomerInput,
) -> Result<Customer, ApiError> {
    Ok(run(token, UpdateCustomer::build(UpdateVars { id, input }))
        .await?
        .update_customer)
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct MoveVars {
    pub id: Id,
    pub new_parent_id: Id,
    pub expected_version: Option<i32>,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "MoveVars")]
struct MoveCustomer {
    #[arguments(id: $id, newParentId: $new_parent_id, expectedVersion: $expected_version)]
    move_customer: Customer,
}

pub async fn move_to(token: Option<&str>, vars: MoveVars) -> Result<Customer, ApiError> {
    Ok(run(token, MoveCustomer::build(vars)).await?.move_customer)
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct ConvertToProduction {
    #[arguments(id: $id)]
    convert_to_production: Customer,
}

pub async fn convert_to_production(token: Option<&str>, id: Id) -> Result<Customer, ApiError> {
    Ok(run(token, ConvertToProduction::build(IdVars { id }))
        .await?
        .convert_to_production)
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct StorageLocationVars {
    pub id: Id,
    /// The data center's code, e.g. `CH`.
    pub storage_location: String,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "StorageLocationVars")]
struct ChangeStorageLocation {
    #[arguments(id: $id, storageLocation: $storage_location)]
    change_storage_location: Customer,
}

/// Changes a customer's storage location (support only: the root customer's SUPERUSERs);
/// devices added afterwards take the new location.
pub async fn change_storage_location(
    token: Option<&str>,
    vars: StorageLocationVars,
) -> Result<Customer, ApiError> {
    Ok(run(token, ChangeStorageLocation::build(vars))
        .await?
        .change_storage_location)
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct RemoveCustomer {
    #[arguments(id: $id)]
    remove_customer: Id,
}

pub async fn remove(token: Option<&str>, id: Id) -> Result<Id, ApiError> {
    Ok(run(token, RemoveCustomer::build(IdVars { id }))
        .await?
        .remove_customer)
}

/// Signing in.
#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct SignInVars {
    pub customer_name: String,
    pub username: String,
    pub password: String,
}

#[derive(cynic::QueryFragment, Clone, Debug)]
pub struct Session {
    pub token: String,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "SignInVars")]
struct SignIn {
    #[arguments(customerName: $customer_name, username: $username, password: $password)]
    sign_in: Session,
}

/// Signs in with customer name, username and password; returns the bearer token.
pub async fn sign_in(vars: SignInVars) -> Result<String, ApiError> {
    Ok(run(None, SignIn::build(vars)).await?.sign_in.token)
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation")]
struct SignOut {
    #[allow(dead_code)]
    sign_out: bool,
}

/// Revokes the session's token on the server.
pub async fn sign_out(token: &str) -> Result<(), ApiError> {
    run(Some(token), SignOut::build(())).await.map(|_| ())
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct SetPasswordVars {
    pub token: String,
    pub password: String,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "SetPasswordVars")]
struct SetPassword {
    #[arguments(token: $token, password: $password)]
    set_password: bool,
}

/// Sets a password with the token of a one-time set-password link.
pub async fn set_password(vars: SetPasswordVars) -> Result<bool, ApiError> {
    Ok(run(None, SetPassword::build(vars)).await?.set_password)
}
