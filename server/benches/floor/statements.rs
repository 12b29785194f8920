//! The statements both floors run — `raw_sql.rs` (no HTTP) and `http_floor.rs` (behind a bare
//! poem route) — written once, so the two measure the same SQL. Each floor binds its own
//! picks and decodes its own columns.

use canopy_server::db::{self, ReadPool, ReadQuery};
use canopy_shared::customer::CustomerLevel;

/// A distributor and three levels below it, `columns` of each: one subtree range of the
/// path index.
pub fn tree3(columns: &str, distributor_path: &str) -> ReadQuery {
    let (from, to) = db::subtree_range(distributor_path);
    let mut q = ReadQuery::new(format!("SELECT {columns} FROM customers WHERE path >= "));
    q.push_bind(from)
        .push(" AND path < ")
        .push_bind(to)
        .push(" AND level <= ")
        .push_bind(CustomerLevel::Distributor.rank() + 3);
    q
}

/// `select` (up to its `FROM customers`) over the customers whose name contains `fragment`,
/// over the whole tree. On SQLite a fragment of three characters or more reads the trigram
/// index (migrations/sqlite/0006), as the server does for so few matches; PostgreSQL's
/// planner picks its own trigram index.
pub fn name_search(reads: &ReadPool, select: &str, fragment: &str) -> ReadQuery {
    let mut q = ReadQuery::new(select);
    q.push(" WHERE name_key LIKE ")
        .push_bind(format!("%{fragment}%"));
    if matches!(reads, ReadPool::Sqlite(_)) && fragment.len() >= 3 {
        q.push(
            " AND id IN (SELECT rowid FROM customers_name_trigrams \
             WHERE customers_name_trigrams MATCH ",
        )
        .push_bind(format!("\"{fragment}\""))
        .push(")");
    }
    q
}
