//! Devices' SQL. Every read joins the device's customer and adds the viewer's path range.
//!
//! Pages are keyset-paginated along indexes: a customer's own devices by name (the unique
//! `(customer_id, name_key)` index), a subtree's devices by customer path and then by name,
//! which SQLite reads as a nested loop over the `customers_path` range and that index, without
//! sorting, however many devices the subtree has.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AnyExecutor};

use crate::clock::to_datetime;
use crate::customers::model::CustomerRow;
use crate::db::{self, PushSql, QueryBuilder};
use crate::error::{AppError, AppResult};
use crate::ids::{self, Kind};
use crate::viewer::Scope;

/// One row of `devices`, with its customer's path.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: i64,
    pub customer_id: i64,
    pub name: String,
    pub name_key: String,
    pub kind: Option<String>,
    pub storage_location: String,
    pub used_storage_bytes: i64,
    pub created_at: i64,
    pub last_backup_at: Option<i64>,
    pub customer_path: String,
}

impl DeviceRow {
    /// The device as the audit history records it.
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": ids::encode(Kind::Device, self.id).0,
            "name": self.name,
            "kind": self.kind,
            "storageLocation": self.storage_location,
            "usedStorageBytes": self.used_storage_bytes,
            "lastBackupAt": self.last_backup_at.map(to_datetime),
        })
    }
}

const COLUMNS: &str = "d.id, d.customer_id, d.name, d.name_key, d.kind, d.storage_location, \
    d.used_storage_bytes, d.created_at, d.last_backup_at, c.path AS customer_path";

/// Where a page of devices starts: the last row seen.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeviceCursor {
    pub path: String,
    pub name_key: String,
}

impl DeviceCursor {
    pub fn of(row: &DeviceRow) -> Self {
        Self {
            path: row.customer_path.clone(),
            name_key: row.name_key.clone(),
        }
    }
}

/// Which page of which devices is asked for; customers asking for the same page batch together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DevicePage {
    /// Page size (without the look-ahead row).
    pub limit: i64,
    pub after: Option<DeviceCursor>,
    /// The whole subtree's devices rather than the customer's own.
    pub include_descendants: bool,
}

/// The devices with these ids whose customer is in scope.
pub async fn by_ids<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    ids: &[i64],
) -> AppResult<Vec<DeviceRow>> {
    let mut q = QueryBuilder::new(format!(
        "SELECT {COLUMNS} FROM devices d JOIN customers c ON c.id = d.customer_id WHERE d.id IN ("
    ));
    q.push_list(ids.iter().copied());
    q.push(") AND c.path >= ")
        .push_bind(&scope.lo)
        .push(" AND c.path < ")
        .push_bind(&scope.hi);
    Ok(q.build_query_as()?.fetch_all(exec).await?)
}

/// The device with this id in scope, or `NOT_FOUND`.
pub async fn require<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    id: i64,
) -> AppResult<DeviceRow> {
    by_ids(exec, scope, &[id])
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound("device not found".into()))
}

#[derive(sqlx::FromRow)]
struct PagedRow {
    #[sqlx(flatten)]
    device: DeviceRow,
    page_owner: i64,
}

/// How many customers' pages one statement fetches (at most two `UNION ALL` branches each;
/// SQLite allows 500 compound terms).
const CUSTOMERS_PER_STATEMENT: usize = 200;

/// What one `UNION ALL` branch of [`pages`] reads, always along an index.
enum Branch<'a> {
    /// A customer's own devices, by name, after a name.
    Own {
        customer_id: i64,
        after_name: Option<&'a str>,
    },
    /// The devices of one customer of a subtree (the one a cursor stopped in), after a name.
    RestOfCustomer { path: &'a str, after_name: &'a str },
    /// The devices of the customers in a path range (and after a path), by path and name.
    Customers {
        lo: String,
        hi: String,
        after_path: Option<&'a str>,
    },
}

fn push_branch(
    q: &mut QueryBuilder<'_>,
    owner: i64,
    branch: Branch<'_>,
    scope: &Scope,
    limit: i64,
    n: usize,
) {
    q.push(format!("SELECT * FROM (SELECT {COLUMNS}, CAST("))
        .push_bind(owner)
        .push(" AS BIGINT) AS page_owner FROM ");
    match branch {
        Branch::Own {
            customer_id,
            after_name,
        } => {
            q.push("devices d JOIN customers c ON c.id = d.customer_id WHERE d.customer_id = ")
                .push_bind(customer_id);
            if let Some(name) = after_name {
                q.push(" AND d.name_key > ").push_bind(name.to_owned());
            }
        }
        Branch::RestOfCustomer { path, after_name } => {
            q.push("customers c JOIN devices d ON d.customer_id = c.id WHERE c.path = ")
                .push_bind(path.to_owned())
                .push(" AND d.name_key > ")
                .push_bind(after_name.to_owned());
        }
        Branch::Customers { lo, hi, after_path } => {
            q.push("customers c JOIN devices d ON d.customer_id = c.id WHERE c.path >= ")
                .push_bind(lo)
                .push(" AND c.path < ")
                .push_bind(hi);
            if let Some(path) = after_path {
                q.push(" AND c.path > ").push_bind(path.to_owned());
            }
        }
    }
    q.push(" AND c.path >= ")
        .push_bind(scope.lo.clone())
        .push(" AND c.path < ")
        .push_bind(scope.hi.clone())
        .push(" ORDER BY c.path, d.name_key LIMIT ")
        .push_bind(limit)
        .push(format!(") AS branch{n}"));
}

/// One page (plus one look-ahead row) for each of `customers` (id and path), in their order.
/// Every branch is an index range with a `LIMIT`, so a page costs its size, not the number of
/// devices before it: a subtree page after a cursor reads the rest of the cursor's customer
/// and then the customers after it in path order.
pub async fn pages(
    pool: &db::Pool,
    scope: &Scope,
    customers: &[(i64, String)],
    page: &DevicePage,
) -> AppResult<Vec<(i64, Vec<DeviceRow>)>> {
    let limit = page.limit + 1;
    let mut out: Vec<(i64, Vec<DeviceRow>)> = Vec::with_capacity(customers.len());
    for chunk in customers.chunks(CUSTOMERS_PER_STATEMENT) {
        let mut q = QueryBuilder::new("");
        let mut n = 0;
        let mut branch = |q: &mut QueryBuilder<'_>, owner: i64, b: Branch<'_>| {
            if n > 0 {
                q.push(" UNION ALL ");
            }
            push_branch(q, owner, b, scope, limit, n);
            n += 1;
        };
        for (customer_id, path) in chunk {
            let after = page.after.as_ref();
            if !page.include_descendants {
                let after_name = after.map(|a| a.name_key.as_str());
                branch(
                    &mut q,
                    *customer_id,
                    Branch::Own {
                        customer_id: *customer_id,
                        after_name,
                    },
                );
                continue;
            }
            let (lo, hi) = db::subtree_range(path);
            match after {
                None => branch(
                    &mut q,
                    *customer_id,
                    Branch::Customers {
                        lo,
                        hi,
                        after_path: None,
                    },
                ),
                Some(after) => {
                    // The rest of the customer the cursor stopped in, then the customers after
                    // it in path order (its own descendants first).
                    if after.path >= lo && after.path < hi {
                        branch(
                            &mut q,
                            *customer_id,
                            Branch::RestOfCustomer {
                                path: &after.path,
                                after_name: &after.name_key,
                            },
                        );
                    }
                    branch(
                        &mut q,
                        *customer_id,
                        Branch::Customers {
                            lo,
                            hi,
                            after_path: Some(&after.path),
                        },
                    );
                }
            }
        }
        let rows: Vec<PagedRow> = if n == 0 {
            Vec::new()
        } else {
            q.build_query_as()?.fetch_all(pool).await?
        };
        let mut by_owner: std::collections::HashMap<i64, Vec<DeviceRow>> =
            std::collections::HashMap::new();
        for row in rows {
            by_owner.entry(row.page_owner).or_default().push(row.device);
        }
        for (customer_id, _) in chunk {
            let mut rows = by_owner.remove(customer_id).unwrap_or_default();
            // Branches come back in order, but SQL does not promise it for UNION ALL.
            rows.sort_by(|a, b| {
                (&a.customer_path, &a.name_key).cmp(&(&b.customer_path, &b.name_key))
            });
            rows.truncate(usize::try_from(limit).unwrap_or(0));
            out.push((*customer_id, rows));
        }
    }
    Ok(out)
}

/// Whether the customer already has a device with this name key.
pub async fn name_taken(
    conn: &mut AnyConnection,
    customer_id: i64,
    name_key: &str,
) -> AppResult<bool> {
    let (taken,): (i64,) = sqlx::query_as(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM devices WHERE customer_id = $1 AND name_key = $2) \
         THEN 1 ELSE 0 END",
    )
    .bind(customer_id)
    .bind(name_key)
    .fetch_one(conn)
    .await?;
    Ok(taken != 0)
}

/// A device about to be inserted.
#[derive(Debug)]
pub struct NewDevice<'a> {
    pub customer: &'a CustomerRow,
    pub name: &'a str,
    pub name_key: &'a str,
    pub kind: Option<&'a str>,
    pub used_storage_bytes: i64,
    pub last_backup_at: Option<i64>,
    pub now_ms: i64,
}

/// Inserts a device, in its customer's storage location, and adds it to the totals of its
/// customer and the customer's ancestors; returns its id.
pub async fn insert(conn: &mut AnyConnection, new: &NewDevice<'_>) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO devices (customer_id, name, name_key, kind, storage_location, \
         used_storage_bytes, created_at, last_backup_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.customer.id)
    .bind(new.name)
    .bind(new.name_key)
    .bind(new.kind)
    .bind(&new.customer.storage_location)
    .bind(new.used_storage_bytes)
    .bind(new.now_ms)
    .bind(new.last_backup_at)
    .fetch_one(&mut *conn)
    .await
    .map_err(|err| {
        if db::is_unique_violation(&err, "devices_name_in_customer", "devices.name_key") {
            name_taken_error()
        } else {
            err.into()
        }
    })?;
    crate::customers::store::adjust_device_totals(
        conn,
        &new.customer.path_ids(),
        Some(new.customer.id),
        1,
        new.used_storage_bytes,
    )
    .await?;
    Ok(id)
}

/// Deletes a device and takes it out of the totals of its customer and the ancestors.
pub async fn delete(
    conn: &mut AnyConnection,
    device: &DeviceRow,
    customer: &CustomerRow,
) -> AppResult<()> {
    sqlx::query("DELETE FROM devices WHERE id = $1")
        .bind(device.id)
        .execute(&mut *conn)
        .await?;
    crate::customers::store::adjust_device_totals(
        conn,
        &customer.path_ids(),
        Some(customer.id),
        -1,
        -device.used_storage_bytes,
    )
    .await
}

/// The `NAME_TAKEN` error for a device name used already within its customer.
pub fn name_taken_error() -> AppError {
    AppError::NameTaken {
        field: "name".into(),
        message: "this customer already has a device with this name (names are unique \
                  regardless of case)"
            .into(),
    }
}
