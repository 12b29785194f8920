//! Devices: a customer's (optionally with its whole subtree's), and adding or removing one.

use cynic::{Id, MutationBuilder, QueryBuilder};

use super::{
    geo::DataCenterRef, schema, Api, ApiError, DateTime, IdVars, IdVarsFields, PageInfo, PAGE_SIZE,
};

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

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "IdVars")]
struct RemoveDevice {
    #[arguments(id: $id)]
    remove_device: Id,
}

impl Api {
    /// A page of a customer's devices; `None` when the customer is gone.
    pub async fn devices(
        self,
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
        let data = self.run(DevicesQuery::build(vars)).await?;
        Ok(data.customer.map(|c| c.devices))
    }

    pub async fn add_device(self, vars: AddDeviceVars) -> Result<Device, ApiError> {
        Ok(self.run(AddDevice::build(vars)).await?.add_device)
    }

    /// Removes a device; returns its id.
    pub async fn remove_device(self, id: Id) -> Result<Id, ApiError> {
        Ok(self
            .run(RemoveDevice::build(IdVars { id }))
            .await?
            .remove_device)
    }
}
