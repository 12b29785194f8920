//! Customers: the tree, search, and creating, editing, moving, converting and removing
//! customers.

use cynic::{Id, MutationBuilder, QueryBuilder};

use super::{
    geo::{CountryRef, DataCenterRef},
    schema, Api, ApiError, CustomerLevel, CustomerState, DateTime, IdVars, IdVarsFields, Module,
    PageInfo, ServiceType, PAGE_SIZE,
};

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

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "IdVars")]
struct NodeQuery {
    #[arguments(id: $id)]
    customer: Option<TreeNode>,
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

/// An ancestor in a breadcrumb.
#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct Ancestor {
    pub id: Id,
    pub name: String,
    pub level: CustomerLevel,
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

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "IdVars")]
struct ParentQuery {
    #[arguments(id: $id)]
    customer: Option<ParentRef>,
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

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct ConvertToProduction {
    #[arguments(id: $id)]
    convert_to_production: Customer,
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

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct RemoveCustomer {
    #[arguments(id: $id)]
    remove_customer: Id,
}

impl Api {
    /// One customer's tree line; `None` when it is gone or outside the caller's view.
    pub async fn node(self, id: &Id) -> Result<Option<TreeNode>, ApiError> {
        let data = self
            .run(NodeQuery::build(IdVars { id: id.clone() }))
            .await?;
        Ok(data.customer)
    }

    /// `first` children of a customer after `after` (a cursor from the previous page).
    /// `None` when the customer is gone or outside the caller's view.
    pub async fn children(
        self,
        id: &Id,
        first: i32,
        after: Option<String>,
    ) -> Result<Option<NodePage>, ApiError> {
        let vars = ChildrenVars {
            id: id.clone(),
            first,
            after,
        };
        let data = self.run(ChildrenQuery::build(vars)).await?;
        Ok(data.customer.map(|c| c.children))
    }

    /// Customers anywhere in the caller's view that match.
    pub async fn search(self, vars: SearchVars) -> Result<FoundPage, ApiError> {
        let vars = SearchVars {
            first: vars.first.or(Some(PAGE_SIZE)),
            ..vars
        };
        Ok(self.run(SearchQuery::build(vars)).await?.customers)
    }

    /// A customer for its editor; `None` when it is gone or outside the caller's view.
    pub async fn customer(self, id: &Id) -> Result<Option<Customer>, ApiError> {
        let data = self
            .run(CustomerQuery::build(IdVars { id: id.clone() }))
            .await?;
        Ok(data.customer)
    }

    /// What creating a child under a customer needs to know about it.
    pub async fn parent(self, id: &Id) -> Result<Option<ParentRef>, ApiError> {
        let data = self
            .run(ParentQuery::build(IdVars { id: id.clone() }))
            .await?;
        Ok(data.customer)
    }

    /// Up to 20 customers at one of `levels` whose name contains `search`: candidates for a
    /// parent.
    pub async fn parents(
        self,
        search: String,
        levels: Vec<CustomerLevel>,
    ) -> Result<Vec<ParentRef>, ApiError> {
        let vars = ParentSearchVars {
            search: Some(search).filter(|s| !s.trim().is_empty()),
            levels: Some(levels),
        };
        Ok(self.run(ParentSearch::build(vars)).await?.customers.nodes)
    }

    pub async fn create_customer(self, input: CreateCustomerInput) -> Result<TreeNode, ApiError> {
        let data = self
            .run(CreateCustomer::build(CreateVars { input }))
            .await?;
        Ok(data.create_customer)
    }

    pub async fn update_customer(
        self,
        id: Id,
        input: UpdateCustomerInput,
    ) -> Result<Customer, ApiError> {
        let data = self
            .run(UpdateCustomer::build(UpdateVars { id, input }))
            .await?;
        Ok(data.update_customer)
    }

    pub async fn move_customer(self, vars: MoveVars) -> Result<Customer, ApiError> {
        Ok(self.run(MoveCustomer::build(vars)).await?.move_customer)
    }

    pub async fn convert_to_production(self, id: Id) -> Result<Customer, ApiError> {
        let data = self.run(ConvertToProduction::build(IdVars { id })).await?;
        Ok(data.convert_to_production)
    }

    /// Changes a customer's storage location (support only: the root customer's SUPERUSERs);
    /// devices added afterwards take the new location.
    pub async fn change_storage_location(
        self,
        vars: StorageLocationVars,
    ) -> Result<Customer, ApiError> {
        let data = self.run(ChangeStorageLocation::build(vars)).await?;
        Ok(data.change_storage_location)
    }

    /// Removes a customer; returns its id.
    pub async fn remove_customer(self, id: Id) -> Result<Id, ApiError> {
        Ok(self
            .run(RemoveCustomer::build(IdVars { id }))
            .await?
            .remove_customer)
    }
}
