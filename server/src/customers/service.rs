//! The customer tree's mutations: each validates its input against DOMAIN.md's rules and writes
//! in exactly one transaction, so a refused change leaves nothing behind.

use canopy_shared::country::CountryCode;
use canopy_shared::customer::parse_reference;
use canopy_shared::storage::choose_storage_location;
use canopy_shared::{trial, Action, CustomerLevel, CustomerName, ServiceType};
use sqlx::AnyConnection;

use super::model::{encode_service_types, CustomerRow};
use super::store::{self, CustomerChanges, NewCustomer};
use crate::error::{AppError, AppResult};
use crate::live::event::{ChangeKind, CustomerEvent};
use crate::state::AppState;
use crate::viewer::{Scope, Viewer};
use crate::write::{Step, Write};
use crate::{activities, branding, contacts, geo, profile, users};

/// `createCustomer`'s input, parsed from GraphQL but not yet validated.
#[derive(Debug)]
pub struct CreateCustomer {
    pub parent_id: i64,
    pub name: String,
    pub level: CustomerLevel,
    pub service_type: ServiceType,
    pub child_service_types: Option<Vec<ServiceType>>,
    pub device_country: String,
    pub storage_location: Option<String>,
    pub in_trial: bool,
    pub customer_reference: Option<String>,
}

/// `updateCustomer`'s input: `None` leaves a field unchanged.
#[derive(Debug, Default)]
pub struct UpdateCustomer {
    pub name: Option<String>,
    pub level: Option<CustomerLevel>,
    pub service_type: Option<ServiceType>,
    pub child_service_types: Option<Vec<ServiceType>>,
    pub device_country: Option<String>,
    /// `Some(None)` clears the reference.
    pub customer_reference: Option<Option<String>>,
    pub expected_version: Option<i64>,
}

fn parse_name(input: &str) -> AppResult<CustomerName> {
    CustomerName::parse(input).map_err(|m| AppError::bad_input("name", m))
}

fn parse_country(input: &str) -> AppResult<CountryCode> {
    CountryCode::parse(input).map_err(|m| AppError::bad_input("deviceCountry", m))
}

fn parse_child_service_types(types: &[ServiceType]) -> AppResult<String> {
    if types.is_empty() {
        return Err(AppError::bad_input(
            "childServiceTypes",
            "childServiceTypes must name at least one service type",
        ));
    }
    Ok(encode_service_types(types))
}

fn check_version(row: &CustomerRow, expected: Option<i64>) -> AppResult<()> {
    match expected {
        Some(v) if v != row.version => Err(AppError::Conflict(format!(
            "{} was changed by someone else (version {} is current, you had {v}); reload and \
             try again",
            row.name, row.version
        ))),
        _ => Ok(()),
    }
}

async fn ensure_name_free(
    conn: &mut AnyConnection,
    name: &CustomerName,
    except: Option<i64>,
) -> AppResult<()> {
    if store::name_taken(conn, &name.key(), except).await? {
        return Err(store::name_taken_error(name.as_str()));
    }
    Ok(())
}

/// The recipe of every change to one customer's own row: the customer `id` in the viewer's
/// scope (else `NOT_FOUND`); `write` checks the mutation's rules against the row as it is and
/// writes, answering whether anything was written; then the row is read back, audited as
/// `action`, committed and published (as a move when its path changed).
async fn change<'s, F>(
    state: &'s AppState,
    viewer: &'s Viewer,
    id: i64,
    action: &str,
    write: F,
) -> AppResult<CustomerRow>
where
    F: for<'w> FnOnce(&'w mut Write<'s>, &'w CustomerRow) -> Step<'w, bool>,
{
    let mut w = Write::begin(state).await?;
    let before = store::require(w.conn(), &viewer.scope, id).await?;
    if !write(&mut w, &before).await? {
        return Ok(before);
    }
    let after = store::require(w.conn(), &viewer.scope, id).await?;
    let (old, new) = (before.audit_json(), after.audit_json());
    w.audit(viewer.actor(), action, &after, Some(old), Some(new))
        .await?;
    w.publish(if after.path == before.path {
        CustomerEvent::of(ChangeKind::Updated, after.id, &after.path)
    } else {
        CustomerEvent::moved(after.id, &before.path, &after.path)
    });
    w.commit().await?;
    Ok(after)
}

fn offers(parent: &CustomerRow, service_type: ServiceType) -> bool {
    parent.child_service_types().contains(&service_type)
}

/// Creates a customer under `parentId`.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: CreateCustomer,
) -> AppResult<CustomerRow> {
    let mut w = Write::begin(state).await?;
    let parent = store::get(w.conn(), &viewer.scope, input.parent_id)
        .await?
        .ok_or_else(|| AppError::NotFound("Parent customer not found".into()))?;
    viewer.require(Action::ManageCustomers)?;
    let name = parse_name(&input.name)?;
    let country = parse_country(&input.device_country)?;
    let reference = parse_reference(input.customer_reference.as_deref())
        .map_err(|m| AppError::bad_input("customerReference", m))?;
    let child_types = match &input.child_service_types {
        Some(types) => parse_child_service_types(types)?,
        None => encode_service_types(&[input.service_type]),
    };
    if !input.level.may_be_child_of(parent.level()) {
        return Err(level_error("level", input.level, parent.level()));
    }
    if !offers(&parent, input.service_type) {
        return Err(AppError::bad_input(
            "serviceType",
            format!(
                "{} does not offer the service type {} to its customers",
                parent.name,
                input.service_type.as_str()
            ),
        ));
    }
    let requested = match input.storage_location.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => Some(
            geo::store::active_by_code(w.conn(), code)
                .await?
                .ok_or_else(|| {
                    AppError::bad_input("storageLocation", format!("'{code}' is not a data center"))
                })?
                .code,
        ),
    };
    let own = geo::store::active_in_country(w.conn(), country.code()).await?;
    let storage = choose_storage_location(
        own.as_ref().map(|dc| dc.code.as_str()),
        requested.as_deref(),
    )
    .map_err(|e| AppError::bad_input("storageLocation", e.to_string()))?;
    // A name another customer has is refused by the insert (the unique index): that is the
    // last check, and asking first would cost the writers' turn a round trip.

    let now = w.now();
    // Under a parent in the viewer's scope, so in it too.
    let row = store::insert(
        w.conn(),
        &NewCustomer {
            parent: &parent,
            name: name.as_str(),
            name_key: &name.key(),
            level: input.level,
            service_type: input.service_type.as_str(),
            child_service_types: &child_types,
            device_country: country.code(),
            storage_location: &storage,
            trial_expires_at: input.in_trial.then_some(now + trial::TRIAL_MILLIS),
            customer_reference: reference.as_deref(),
            now_ms: now,
        },
    )
    .await
    .map_err(|e| e.context("inserting the customer"))?;
    w.audit(
        viewer.actor(),
        "customer.create",
        &row,
        None,
        Some(row.audit_json()),
    )
    .await?;
    w.publish(CustomerEvent::of(ChangeKind::Created, row.id, &row.path));
    w.commit().await?;
    Ok(row)
}

fn level_error(field: &str, level: CustomerLevel, parent: CustomerLevel) -> AppError {
    let message = if level == CustomerLevel::Root {
        "Only the installation's top customer is at level ROOT".to_string()
    } else if parent == CustomerLevel::Site {
        "A SITE has no customers below it".to_string()
    } else {
        format!(
            "A {} cannot be placed under a {}: a customer's level must be below its parent's",
            level.as_str(),
            parent.as_str()
        )
    };
    AppError::level_rule(field, message)
}

/// Edits a customer's general fields.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: UpdateCustomer,
) -> AppResult<CustomerRow> {
    change(state, viewer, id, "customer.update", move |w, row| {
        Box::pin(async move {
            viewer.require(Action::ManageCustomers)?;
            check_version(row, input.expected_version)?;
            let own_customer = row.id == viewer.customer_id;

            let name = match &input.name {
                Some(n) => parse_name(n)?,
                None => parse_name(&row.name)?,
            };
            if name.key() != row.name_key {
                ensure_name_free(w.conn(), &name, Some(row.id)).await?;
            }

            let level = input.level.unwrap_or(row.level());
            let service_type = input.service_type.unwrap_or(row.service_type());
            // Read only when a rule needs it: a rename is one statement shorter (writes take
            // their turn one at a time, so every round trip counts).
            let parent = match row.parent_id {
                Some(pid) if level != row.level() || service_type != row.service_type() => {
                    store::get_unscoped(w.conn(), pid).await?
                }
                _ => None,
            };

            if level != row.level() {
                if own_customer {
                    return Err(AppError::Forbidden(
                        "Your own customer's level is managed by its parent".into(),
                    ));
                }
                match &parent {
                    None => return Err(level_error("level", level, CustomerLevel::Root)),
                    Some(p) if !level.may_be_child_of(p.level()) => {
                        return Err(level_error("level", level, p.level()))
                    }
                    Some(_) => {}
                }
                if let Some(rank) = store::highest_child_level(w.conn(), row.id).await? {
                    let child = CustomerLevel::from_rank(rank).unwrap_or(CustomerLevel::Site);
                    if !child.may_be_child_of(level) {
                        return Err(AppError::level_rule(
                            "level",
                            format!(
                                "{} has a {} below it, which must stay below its level",
                                row.name,
                                child.as_str()
                            ),
                        ));
                    }
                }
            }

            if service_type != row.service_type() {
                if own_customer {
                    return Err(AppError::Forbidden(
                        "Your own customer's service type is managed by its parent".into(),
                    ));
                }
                if let Some(p) = parent.as_ref().filter(|p| !offers(p, service_type)) {
                    return Err(AppError::bad_input(
                        "serviceType",
                        format!(
                            "{} does not offer the service type {}",
                            p.name,
                            service_type.as_str()
                        ),
                    ));
                }
            }

            let child_service_types = match &input.child_service_types {
                Some(types) => {
                    let encoded = parse_child_service_types(types)?;
                    for used in store::child_service_types_in_use(w.conn(), row.id).await? {
                        if !encoded.split(',').any(|t| t == used) {
                            return Err(AppError::bad_input(
                                "childServiceTypes",
                                format!("Customers of {} use the service type {used}", row.name),
                            ));
                        }
                    }
                    encoded
                }
                None => row.child_service_types.clone(),
            };

            let device_country = match &input.device_country {
                // The storage location deliberately stays as it is (DOMAIN.md).
                Some(c) => parse_country(c)?.code().to_owned(),
                None => row.device_country.clone(),
            };
            let customer_reference = match &input.customer_reference {
                Some(r) => parse_reference(r.as_deref())
                    .map_err(|m| AppError::bad_input("customerReference", m))?,
                None => row.customer_reference.clone(),
            };

            let changes = CustomerChanges {
                name: name.as_str().to_owned(),
                name_key: name.key(),
                level: level.rank(),
                service_type: service_type.as_str().to_owned(),
                child_service_types,
                device_country,
                customer_reference,
            };
            let now = w.now();
            store::update(w.conn(), row.id, &changes, now).await?;
            Ok(true)
        })
    })
    .await
}

/// Moves a customer and its whole subtree under another parent.
pub async fn move_to(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    new_parent_id: i64,
    expected_version: Option<i64>,
) -> AppResult<CustomerRow> {
    change(state, viewer, id, "customer.move", move |w, row| {
        Box::pin(async move {
            let new_parent = store::get(w.conn(), &viewer.scope, new_parent_id)
                .await?
                .ok_or_else(|| AppError::NotFound("New parent customer not found".into()))?;
            viewer.require(Action::ManageCustomers)?;
            check_version(row, expected_version)?;
            if row.id == viewer.customer_id || row.is_installation_root() {
                return Err(AppError::Forbidden(
                    "Your own customer cannot be moved".into(),
                ));
            }
            if Scope::for_path(&row.path).contains(&new_parent.path) {
                return Err(AppError::Cycle(format!(
                    "{} cannot be moved under itself or one of its own customers",
                    row.name
                )));
            }
            if !row.level().may_be_child_of(new_parent.level()) {
                return Err(level_error("newParentId", row.level(), new_parent.level()));
            }
            if !offers(&new_parent, row.service_type()) {
                return Err(AppError::bad_input(
                    "newParentId",
                    format!(
                        "{} does not offer the service type {} that {} uses",
                        new_parent.name,
                        row.service_type().as_str(),
                        row.name
                    ),
                ));
            }
            if row.parent_id == Some(new_parent.id) {
                return Ok(false);
            }
            let now = w.now();
            store::move_subtree(w.conn(), row, &new_parent, now)
                .await
                .map_err(|e| e.context("moving the subtree"))?;
            Ok(true)
        })
    })
    .await
}

/// Removes a customer that has no devices and no customers of its own, with its users,
/// contacts, activities, company profile and branding.
pub async fn remove(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<()> {
    let mut w = Write::begin(state).await?;
    let row = store::require(w.conn(), &viewer.scope, id).await?;
    viewer.require(Action::ManageCustomers)?;
    if row.id == viewer.customer_id || row.is_installation_root() {
        return Err(AppError::Forbidden(
            "Your own customer cannot be removed".into(),
        ));
    }
    if row.child_count > 0 {
        return Err(AppError::HasChildren(format!(
            "{} has {} customer(s) of its own: move or remove them first",
            row.name, row.child_count
        )));
    }
    // The maintained count is exact: every device add and remove updates it in its transaction.
    if row.device_count > 0 {
        return Err(AppError::HasDevices(format!(
            "{} has {} device(s): remove them first",
            row.name, row.device_count
        )));
    }
    activities::store::delete_for_customer(w.conn(), row.id)
        .await
        .map_err(|e| e.context("deleting the customer's activities"))?;
    profile::store::delete_for_customer(w.conn(), row.id)
        .await
        .map_err(|e| e.context("deleting the customer's profile"))?;
    contacts::store::delete_for_customer(w.conn(), row.id)
        .await
        .map_err(|e| e.context("deleting the customer's contacts"))?;
    branding::store::delete_for_customer(w.conn(), row.id)
        .await
        .map_err(|e| e.context("deleting the customer's branding"))?;
    users::store::delete_for_customer(w.conn(), row.id)
        .await
        .map_err(|e| e.context("deleting the customer's users"))?;
    store::delete(w.conn(), &row)
        .await
        .map_err(|e| e.context("deleting the customer"))?;
    w.audit(
        viewer.actor(),
        "customer.remove",
        &row,
        Some(row.audit_json()),
        None,
    )
    .await?;
    w.publish(CustomerEvent::of(ChangeKind::Removed, row.id, &row.path));
    w.commit().await
}

/// Ends a customer's trial: it becomes a production customer.
pub async fn convert_to_production(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> AppResult<CustomerRow> {
    change(
        state,
        viewer,
        id,
        "customer.convertToProduction",
        |w, row| {
            Box::pin(async move {
                viewer.require(Action::ManageCustomers)?;
                if row.id == viewer.customer_id {
                    return Err(AppError::Forbidden(
                        "Your own customer is converted by its provider".into(),
                    ));
                }
                if row.trial_expires_at.is_none() || row.converted_at.is_some() {
                    return Err(AppError::bad_input(
                        "id",
                        format!("{} is already in production", row.name),
                    ));
                }
                let now = w.now();
                store::convert_to_production(w.conn(), row.id, now).await?;
                Ok(true)
            })
        },
    )
    .await
}

/// Changes a customer's storage location: a support action for the root customer's SUPERUSERs.
pub async fn change_storage_location(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    code: &str,
) -> AppResult<CustomerRow> {
    change(state, viewer, id, "customer.changeStorageLocation", move |w, row| {
        Box::pin(async move {
            if !(viewer.at_installation_root && viewer.role.allows(Action::ChangeStorageLocation)) {
                return Err(AppError::Forbidden(
                    "Only a SUPERUSER of the root customer (support) may change a storage location".into(),
                ));
            }
            let dc = geo::store::active_by_code(w.conn(), code)
                .await?
                .ok_or_else(|| {
                    AppError::bad_input("storageLocation", format!("'{code}' is not a data center"))
                })?;
            let now = w.now();
            store::set_storage_location(w.conn(), row.id, &dc.code, now).await?;
            Ok(true)
        })
    })
    .await
}
