//! Devices: a customer's (optionally with its whole subtree's), and adding or removing one.

use cynic::{Id, MutationBuilder, QueryBuilder};

use super::{
    customers::{IdVars, IdVarsFields},
    run, schema, ApiError, DateTime, PageInfo, PAGE_SIZE,
};
use crate::api::customers::DataCenterRef;

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "Customer")]
pub struct Owner {
    pub id: Id,
    pub name: String,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
pub struct Device {
    pub id: Id,
    pub name: String,
    pub kind: Option<String>,
    pub customer: Owner,
    pub storage_location: DataCenterRef,
    pub used_storage_bytes: f64,
    pub created_at: DateTime,
    pub last_backup_at: Option<DateTime>,
}

#[derive(cynic::QueryFragment, Clone, Debug, PartialEq)]
#[cynic(graphql_type = "DeviceConnection")]
pub struct DevicePage {
    pub nodes: Vec<Device>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct DevicesVars {
    pub id: Id,
    pub first: i32,
    pub after: Option<String>,
    pub include_descendants: bool,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Customer", variables = "DevicesVars")]
struct WithDevices {
    #[arguments(first: $first, after: $after, includeDescendants: $include_descendants)]
    devices: DevicePage,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Query", variables = "DevicesVars")]
struct DevicesQuery {
    #[arguments(id: $id)]
    customer: Option<WithDevices>,
}

/// A page of a customer's devices; `None` when the customer is gone.
pub async fn devices(
    token: Option<&str>,
    id: &Id,
    after: Option<String>,
    include_descendants: bool,
) -> Result<Option<DevicePage>, ApiError> {
    let vars = DevicesVars {
        id: id.clone(),
        first: PAGE_SIZE,
        after,
        include_descendants,
    };
    Ok(run(token, DevicesQuery::build(vars))
        .await?
        .customer
        .map(|c| c.devices))
}

#[derive(cynic::InputObject, Clone, Debug, PartialEq)]
pub struct DeviceInput {
    pub name: String,
    pub kind: Option<String>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub used_storage_bytes: Option<f64>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub last_backup_at: Option<DateTime>,
}

#[derive(cynic::QueryVariables, Clone, Debug)]
pub struct AddDeviceVars {
    pub customer_id: Id,
    pub input: DeviceInput,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "AddDeviceVars")]
struct AddDevice {
    #[arguments(customerId: $customer_id, input: $input)]
    add_device: Device,
}

pub async fn add(token: Option<&str>, vars: AddDeviceVars) -> Result<Device, ApiError> {
    Ok(run(token, AddDevice::build(vars)).await?.add_device)
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct RemoveDevice {
    #[arguments(id: $id)]
    #[allow(dead_code)]
    remove_device: Id,
}

pub async fn remove(token: Option<&str>, id: Id) -> Result<(), ApiError> {
    run(token, RemoveDevice::build(IdVars { id }))
        .await
        .map(|_| ())
}
