//! A customer as stored, and the conversions between its columns and domain types.

use canopy_shared::{trial, CustomerLevel, CustomerState, ServiceType};
use serde::{Deserialize, Serialize};

/// One row of `customers`, as [`COLUMNS`] selects it.
#[derive(Clone, Debug)]
pub struct CustomerRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub name: String,
    pub name_key: String,
    pub level: i16,
    pub service_type: String,
    pub child_service_types: String,
    pub device_country: String,
    pub storage_location: String,
    pub trial_expires_at: Option<i64>,
    pub converted_at: Option<i64>,
    pub customer_reference: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub child_count: i64,
    pub descendant_count: i64,
    /// Devices of this customer itself.
    pub device_count: i64,
    /// Bytes stored by this customer's own devices.
    pub storage_used_bytes: i64,
    /// Devices of this customer and all customers below it.
    pub subtree_device_count: i64,
    /// Bytes stored by the devices of this customer and all customers below it.
    pub subtree_storage_used_bytes: i64,
}

/// The column list every customer query selects first, in [`CustomerRow`]'s order (rows are
/// decoded by position: see [`crate::db::read_row!`]).
pub const COLUMNS: &str = "id, parent_id, path, name, name_key, level, service_type, \
    child_service_types, device_country, storage_location, trial_expires_at, converted_at, \
    customer_reference, created_at, updated_at, version, child_count, descendant_count, \
    device_count, storage_used_bytes, subtree_device_count, subtree_storage_used_bytes";

crate::db::read_row!(CustomerRow {
    id,
    parent_id,
    path,
    name,
    name_key,
    level,
    service_type,
    child_service_types,
    device_country,
    storage_location,
    trial_expires_at,
    converted_at,
    customer_reference,
    created_at,
    updated_at,
    version,
    child_count,
    descendant_count,
    device_count,
    storage_used_bytes,
    subtree_device_count,
    subtree_storage_used_bytes,
});

impl CustomerRow {
    pub fn level(&self) -> CustomerLevel {
        CustomerLevel::from_rank(self.level).unwrap_or(CustomerLevel::Site)
    }

    pub fn service_type(&self) -> ServiceType {
        ServiceType::parse(&self.service_type).unwrap_or(ServiceType::AllInclusive)
    }

    pub fn child_service_types(&self) -> Vec<ServiceType> {
        decode_service_types(&self.child_service_types)
    }

    pub fn state(&self, now_ms: i64) -> CustomerState {
        trial::state_at(self.trial_expires_at, self.converted_at.is_some(), now_ms)
    }

    /// Ids from the installation root down to (and including) this customer.
    pub fn path_ids(&self) -> Vec<i64> {
        path_ids(&self.path)
    }

    /// The installation's root customer has no parent.
    pub fn is_installation_root(&self) -> bool {
        self.parent_id.is_none()
    }

    /// The customer as the audit history records it.
    pub fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "parentId": self.parent_id.map(|id| crate::ids::encode(crate::ids::Kind::Customer, id).0),
            "level": self.level().as_str(),
            "serviceType": self.service_type,
            "childServiceTypes": self.child_service_types(),
            "deviceCountry": self.device_country,
            "storageLocation": self.storage_location,
            "trialExpiresAt": self.trial_expires_at.map(crate::clock::to_datetime),
            "convertedAt": self.converted_at.map(crate::clock::to_datetime),
            "customerReference": self.customer_reference,
            "version": self.version,
        })
    }

    /// Number of customers in the subtree, this one included.
    pub fn subtree_size(&self) -> i64 {
        self.descendant_count + 1
    }
}

/// Ids along a materialised path such as `/1/7/42/`.
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// The path of a child with id `id` under a customer with path `parent_path`.
pub fn child_path(parent_path: &str, id: i64) -> String {
    format!("{parent_path}{id}/")
}

/// Service types are stored as a comma-separated list of their API names.
pub fn encode_service_types(types: &[ServiceType]) -> String {
    let mut sorted: Vec<ServiceType> = types.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn decode_service_types(stored: &str) -> Vec<ServiceType> {
    stored.split(',').filter_map(ServiceType::parse).collect()
}

/// How a list of customers is ordered (the contract's `CustomerOrder`).
#[derive(async_graphql::Enum, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CustomerOrder {
    /// By name, case-insensitively.
    #[default]
    Name,
    /// Highest level first, then by name.
    LevelAndName,
    /// Oldest first.
    CreatedAt,
}

impl CustomerOrder {
    /// The SQL sort key, matching one of the `customers_children_by_*` indexes.
    pub fn sort_columns(self) -> &'static str {
        match self {
            Self::Name => "name_key, id",
            Self::LevelAndName => "level, name_key, id",
            Self::CreatedAt => "created_at, id",
        }
    }

    /// Compares two rows as [`Self::sort_columns`] orders them in SQL. Names compare by bytes,
    /// which is SQLite's `BINARY` collation and the `"C"` collation of PostgreSQL's `name_key`.
    pub fn compare(self, a: &CustomerRow, b: &CustomerRow) -> std::cmp::Ordering {
        match self {
            Self::Name => (&a.name_key, a.id).cmp(&(&b.name_key, b.id)),
            Self::LevelAndName => (a.level, &a.name_key, a.id).cmp(&(b.level, &b.name_key, b.id)),
            Self::CreatedAt => (a.created_at, a.id).cmp(&(b.created_at, b.id)),
        }
    }

    /// Whether `row` comes strictly after `cursor` in this order (the keyset condition the
    /// store's queries write in SQL).
    pub fn after(self, row: &CustomerRow, cursor: &CustomerCursor) -> bool {
        let c = cursor;
        match self {
            Self::Name => (&row.name_key, row.id) > (&c.name_key, c.id),
            Self::LevelAndName => (row.level, &row.name_key, row.id) > (c.level, &c.name_key, c.id),
            Self::CreatedAt => (row.created_at, row.id) > (c.created_at, c.id),
        }
    }
}

/// Where a page of customers starts: the sort key of the last row seen. It carries every
/// order's key, so a cursor stays valid whatever order it is used with.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CustomerCursor {
    pub level: i16,
    pub name_key: String,
    pub created_at: i64,
    pub id: i64,
}

impl CustomerCursor {
    pub fn of(row: &CustomerRow) -> Self {
        Self {
            level: row.level,
            name_key: row.name_key.clone(),
            created_at: row.created_at,
            id: row.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_hold_the_ancestry() {
        assert_eq!(path_ids("/1/7/42/"), vec![1, 7, 42]);
        assert_eq!(child_path("/1/7/", 42), "/1/7/42/");
    }

    #[test]
    fn service_types_round_trip_sorted_and_deduplicated() {
        use ServiceType::*;
        let stored = encode_service_types(&[SoftwareOnly, AllInclusive, SoftwareOnly]);
        assert_eq!(stored, "ALL_INCLUSIVE,SOFTWARE_ONLY");
        assert_eq!(
            decode_service_types(&stored),
            vec![AllInclusive, SoftwareOnly]
        );
    }
}
