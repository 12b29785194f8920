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

/// A column of [`COLUMNS`], and what a read that does not need it selects in its place: a
/// blank of the same type (empty when every read needs the column), so that every read
/// decodes into [`CustomerRow`] alike.
const BLANKS: [(&str, &str); 22] = [
    ("id", ""),
    ("parent_id", ""),
    ("path", ""),
    ("name", "''"),
    ("name_key", ""),
    ("level", ""),
    ("service_type", "''"),
    ("child_service_types", "''"),
    ("device_country", "''"),
    ("storage_location", "''"),
    ("trial_expires_at", "CAST(NULL AS BIGINT)"),
    ("converted_at", "CAST(NULL AS BIGINT)"),
    ("customer_reference", "CAST(NULL AS TEXT)"),
    ("created_at", ""),
    ("updated_at", "CAST(0 AS BIGINT)"),
    ("version", "CAST(0 AS BIGINT)"),
    ("child_count", ""),
    ("descendant_count", "CAST(0 AS BIGINT)"),
    ("device_count", "CAST(0 AS BIGINT)"),
    ("storage_used_bytes", "CAST(0 AS BIGINT)"),
    ("subtree_device_count", "CAST(0 AS BIGINT)"),
    ("subtree_storage_used_bytes", "CAST(0 AS BIGINT)"),
];

/// Which columns of a customer a read needs; the others are read as blanks (see
/// [`Projection::select_list`]). Rows read so are for the one answer that asked for them, and
/// never shared with resolvers that may read any field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Projection(u32);

impl Projection {
    /// Every column.
    pub const ALL: Projection = Projection((1 << BLANKS.len()) - 1);

    /// What ordering, paging and grouping rows by parent need, whatever is shown of them: the
    /// columns without a blank.
    pub fn keys() -> Self {
        BLANKS
            .iter()
            .enumerate()
            .filter(|(_, (_, blank))| blank.is_empty())
            .fold(Projection(0), |p, (i, _)| Projection(p.0 | 1 << i))
    }

    /// This projection and `column` (a name from [`COLUMNS`]; any other name means every
    /// column, so a mistake costs speed, never a blank answer).
    pub fn with(self, column: &str) -> Self {
        match BLANKS.iter().position(|(name, _)| *name == column) {
            Some(i) => Projection(self.0 | 1 << i),
            None => Self::ALL,
        }
    }

    /// The select list: [`COLUMNS`]' names in order, blanks in place of the columns not needed.
    pub fn select_list(self) -> String {
        if self == Self::ALL {
            return COLUMNS.to_owned();
        }
        let columns: Vec<String> = BLANKS
            .iter()
            .enumerate()
            .map(|(i, (name, blank))| {
                if self.0 & (1 << i) != 0 || blank.is_empty() {
                    (*name).to_owned()
                } else {
                    format!("{blank} AS {name}")
                }
            })
            .collect();
        columns.join(", ")
    }
}

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
    fn projections_keep_every_column_in_place() {
        let names = |list: String| -> Vec<String> {
            list.split(", ")
                .map(|c| c.rsplit(' ').next().unwrap().to_owned())
                .collect()
        };
        let all: Vec<String> = COLUMNS.split(", ").map(str::to_owned).collect();
        assert_eq!(Projection::ALL.select_list(), COLUMNS);
        let some = Projection::keys().with("name").with("version");
        assert_eq!(names(some.select_list()), all);
        let list = some.select_list();
        assert!(list.contains("name, name_key"), "{list}");
        assert!(
            list.contains("CAST(0 AS BIGINT) AS descendant_count"),
            "{list}"
        );
        assert!(list.contains("'' AS service_type"), "{list}");
        assert_eq!(Projection::keys().with("no_such_column"), Projection::ALL);
    }

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
