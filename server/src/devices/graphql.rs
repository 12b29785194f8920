//! The `Device` type, device pages, `device(id)`, and `addDevice` / `removeDevice`.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::loaders::DevicesOf;
use super::service::{self, AddDevice};
use super::store::{DeviceCursor, DevicePage, DeviceRow};
use crate::clock::to_datetime;
use crate::customers::model::CustomerRow;
use crate::customers::Customer;
use crate::error::AppError;
use crate::geo::{self, DataCenter};
use crate::ids::{self, customer_id, Kind};
use crate::pagination::{self, PageInfo};
use crate::request;

/// A machine a customer backs up.
#[derive(Clone, Debug)]
pub struct Device(pub DeviceRow);

fn device_id(id: &ID) -> Result<i64, AppError> {
    ids::decode(Kind::Device, id).ok_or_else(|| AppError::NotFound("device not found".into()))
}

/// A backed-up machine of a customer.
#[Object]
impl Device {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Device, self.0.id)
    }

    /// Unique within its customer (case-insensitively).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Operating system or kind of device (free text).
    async fn kind(&self) -> Option<&str> {
        self.0.kind.as_deref()
    }

    /// The customer the device belongs to.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Customer> {
        let row = request::customer_loader(ctx)?
            .load_one(self.0.customer_id)
            .await?
            .ok_or_else(|| AppError::NotFound("customer not found".into()))?;
        Ok(Customer::from(row))
    }

    /// Where its backups are stored: its customer's storage location when it was added.
    async fn storage_location(&self, ctx: &Context<'_>) -> Result<DataCenter> {
        geo::graphql::data_center(ctx, &self.0.storage_location).await
    }

    /// Bytes its backups use.
    async fn used_storage_bytes(&self) -> f64 {
        self.0.used_storage_bytes as f64
    }

    /// When the device was added.
    async fn created_at(&self) -> DateTime<Utc> {
        to_datetime(self.0.created_at)
    }

    /// When its last backup finished; null if it never ran.
    async fn last_backup_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_backup_at.map(to_datetime)
    }
}

/// An edge of a device list.
#[derive(SimpleObject)]
pub struct DeviceEdge {
    /// The device.
    pub node: Device,
    /// Pass as `after` to continue after this device.
    pub cursor: String,
}

/// A page of devices.
#[derive(SimpleObject)]
pub struct DeviceConnection {
    /// The devices of this page with their cursors.
    pub edges: Vec<DeviceEdge>,
    /// The devices of this page.
    pub nodes: Vec<Device>,
    /// Where this page is in the list.
    pub page_info: PageInfo,
    /// Number of devices in the whole list, not just this page.
    pub total_count: i64,
}

/// A page of a customer's devices (or its whole subtree's: grouped by customer, in tree order,
/// and by name within a customer).
pub async fn page_for(
    ctx: &Context<'_>,
    customer: &CustomerRow,
    first: Option<i32>,
    after: Option<String>,
    include_descendants: bool,
) -> Result<DeviceConnection> {
    let limit = pagination::page_size(first)?;
    let cursor: Option<DeviceCursor> = pagination::decode_cursor(after.as_deref())?;
    let after_given = cursor.is_some();
    let total_count = if include_descendants {
        customer.subtree_device_count
    } else {
        customer.device_count
    };
    let mut rows = if total_count == 0 {
        Vec::new()
    } else {
        let key = DevicesOf {
            customer_id: customer.id,
            path: customer.path.clone(),
            page: DevicePage {
                limit,
                after: cursor,
                include_descendants,
            },
        };
        request::detail_loaders(ctx)?
            .device_pages
            .load_one(key)
            .await?
            .unwrap_or_default()
    };
    let cursor = |row: &DeviceRow| pagination::encode_cursor(&DeviceCursor::of(row));
    let page_info = pagination::trim_page(&mut rows, limit, after_given, cursor);
    Ok(DeviceConnection {
        edges: rows
            .iter()
            .map(|row| DeviceEdge {
                node: Device(row.clone()),
                cursor: cursor(row),
            })
            .collect(),
        nodes: rows.into_iter().map(Device).collect(),
        page_info,
        total_count,
    })
}

/// Reading devices.
#[derive(Default)]
pub struct DeviceQuery;

#[Object]
impl DeviceQuery {
    /// A device by ID; null when it does not exist or is outside the caller's subtree.
    async fn device(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The device's global ID.")] id: ID,
    ) -> Result<Option<Device>> {
        let loaders = request::detail_loaders(ctx)?;
        let Some(id) = ids::decode(Kind::Device, &id) else {
            return Ok(None);
        };
        Ok(loaders.device.load_one(id).await?.map(Device))
    }
}

/// `addDevice`'s input.
#[derive(InputObject)]
pub struct DeviceInput {
    /// Unique within the customer (case-insensitively), at most 128 characters.
    pub name: String,
    /// Operating system or kind of device (free text).
    pub kind: Option<String>,
    /// Bytes its backups use: a whole number, 0 when left out.
    pub used_storage_bytes: Option<f64>,
    /// Not in the future.
    pub last_backup_at: Option<DateTime<Utc>>,
}

/// Adding and removing devices (SUPERUSER, ADMINISTRATOR and MANAGER).
#[derive(Default)]
pub struct DeviceMutation;

#[Object]
impl DeviceMutation {
    /// Adds a device to a customer; it is stored in the customer's storage location.
    async fn add_device(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer the device belongs to.")] customer_id: ID,
        #[graphql(desc = "The device.")] input: DeviceInput,
    ) -> Result<Device> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        let customer = self::customer_id(&customer_id)?;
        let row = service::add(
            state,
            viewer,
            customer,
            AddDevice {
                name: input.name,
                kind: input.kind,
                used_storage_bytes: input.used_storage_bytes,
                last_backup_at_ms: input.last_backup_at.map(|at| at.timestamp_millis()),
            },
        )
        .await?;
        Ok(Device(row))
    }

    /// Removes a device; returns its ID.
    async fn remove_device(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The device to remove.")] id: ID,
    ) -> Result<ID> {
        let (state, viewer) = (request::state(ctx)?, request::viewer(ctx)?);
        service::remove(state, viewer, device_id(&id)?).await?;
        Ok(id)
    }
}
