//! Adding and removing devices. A device takes its customer's storage location, its name is
//! unique within its customer (case-insensitively), and every change keeps the customer totals
//! of its customer and that customer's ancestors exact, in the same transaction.

use canopy_shared::device::{self, DeviceName};
use canopy_shared::{text, Action};

use super::store::{self, DeviceRow, NewDevice};
use crate::audit;
use crate::customers;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::viewer::Viewer;

/// `addDevice`'s input.
#[derive(Debug)]
pub struct AddDevice {
    pub name: String,
    pub kind: Option<String>,
    pub used_storage_bytes: Option<f64>,
    pub last_backup_at_ms: Option<i64>,
}

/// Adds a device to a customer.
pub async fn add(
    state: &AppState,
    viewer: &Viewer,
    customer_id: i64,
    input: AddDevice,
) -> AppResult<DeviceRow> {
    let name = DeviceName::parse(&input.name).map_err(|m| AppError::bad_input("name", m))?;
    let kind = text::optional_line(input.kind.as_deref(), "Kind", 64)
        .map_err(|m| AppError::bad_input("kind", m))?;
    let bytes = device::parse_bytes(input.used_storage_bytes.unwrap_or(0.0))
        .map_err(|m| AppError::bad_input("usedStorageBytes", m))?;
    let now = state.clock.now_ms();
    if input.last_backup_at_ms.is_some_and(|at| at > now) {
        return Err(AppError::bad_input(
            "lastBackupAt",
            "The last backup cannot be in the future",
        ));
    }

    let mut tx = db::begin_write(&state.pool).await?;
    let customer = customers::store::require(&mut *tx, &viewer.scope, customer_id).await?;
    viewer.require(Action::ManageDevices)?;
    if store::name_taken(&mut tx, customer.id, &name.key()).await? {
        return Err(store::name_taken_error());
    }
    let id = store::insert(
        &mut tx,
        &NewDevice {
            customer: &customer,
            name: name.as_str(),
            name_key: &name.key(),
            kind: kind.as_deref(),
            used_storage_bytes: bytes,
            last_backup_at: input.last_backup_at_ms,
            now_ms: now,
        },
    )
    .await
    .map_err(|e| e.context("inserting the device"))?;
    let row = store::require(&mut *tx, &viewer.scope, id).await?;
    audit::record_for_customer(
        &mut tx,
        viewer.actor(),
        now,
        "device.add",
        &customer,
        None,
        Some(row.audit_json()),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Removes a device.
pub async fn remove(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<()> {
    let mut tx = db::begin_write(&state.pool).await?;
    let device = store::require(&mut *tx, &viewer.scope, id).await?;
    viewer.require(Action::ManageDevices)?;
    let customer = customers::store::require(&mut *tx, &viewer.scope, device.customer_id).await?;
    store::delete(&mut tx, &device, &customer)
        .await
        .map_err(|e| e.context("deleting the device"))?;
    audit::record_for_customer(
        &mut tx,
        viewer.actor(),
        state.clock.now_ms(),
        "device.remove",
        &customer,
        Some(device.audit_json()),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
