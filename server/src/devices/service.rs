//! Adding and removing devices. A device takes its customer's storage location, its name is
//! unique within its customer (case-insensitively), and every change keeps the customer totals
//! of its customer and that customer's ancestors exact, in the same transaction.

use canopy_shared::device::{self, DeviceName};
use canopy_shared::{text, Action};

use super::store::{self, DeviceRow, NewDevice};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::viewer::Viewer;
use crate::write;

/// `addDevice`'s input.
#[derive(Debug)]
pub struct AddDevice {
    pub name: String,
    pub kind: Option<String>,
    pub used_storage_bytes: Option<f64>,
    pub last_backup_at_ms: Option<i64>,
}

crate::write::record!(DeviceRow, "device", Action::ManageDevices, store::require);

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

    write::add(state, viewer, customer_id, move |w, customer| {
        Box::pin(async move {
            if store::name_taken(w.conn(), customer.id, &name.key()).await? {
                return Err(store::name_taken_error());
            }
            let new = NewDevice {
                customer,
                name: name.as_str(),
                name_key: &name.key(),
                kind: kind.as_deref(),
                used_storage_bytes: bytes,
                last_backup_at: input.last_backup_at_ms,
                now_ms: w.now(),
            };
            store::insert(w.conn(), &new)
                .await
                .map_err(|e| e.context("inserting the device"))
        })
    })
    .await
}

/// Removes a device (and its storage from its customer's totals and its ancestors').
pub async fn remove(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<()> {
    write::remove(state, viewer, id, |w, customer, device: &DeviceRow| {
        Box::pin(async move {
            store::delete(w.conn(), device, customer)
                .await
                .map_err(|e| e.context("deleting the device"))
        })
    })
    .await
}
