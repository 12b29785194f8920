//! The customer tree's invariants, recomputed from the rows themselves: what must hold after
//! any mix of concurrent writes, crashes and restores. Portable SQL: runs on both backends.

/// Every violated invariant, described; empty when the tree is sound.
pub async fn violations(pool: &canopy_server::db::Pool) -> Vec<String> {
    let checks: &[(&str, &str)] = &[
        (
            "exactly one root",
            "SELECT 'roots: ' || COUNT(*) FROM customers WHERE parent_id IS NULL HAVING COUNT(*) <> 1",
        ),
        (
            "a path is the parent's path plus the id",
            "SELECT c.name || ': ' || c.path FROM customers c JOIN customers p ON p.id = c.parent_id \
             WHERE c.path <> p.path || c.id || '/'",
        ),
        (
            "the root's path is its id",
            "SELECT name FROM customers WHERE parent_id IS NULL AND path <> '/' || id || '/'",
        ),
        (
            "a child is below its parent's level",
            "SELECT c.name FROM customers c JOIN customers p ON p.id = c.parent_id WHERE c.level <= p.level OR p.level = 5",
        ),
        (
            "child counts",
            "SELECT p.name || ': ' || p.child_count || ' <> ' || (SELECT COUNT(*) FROM customers c WHERE c.parent_id = p.id) \
             FROM customers p WHERE p.child_count <> (SELECT COUNT(*) FROM customers c WHERE c.parent_id = p.id)",
        ),
        (
            "descendant counts",
            "SELECT p.name FROM customers p WHERE p.descendant_count <> \
             (SELECT COUNT(*) FROM customers d WHERE d.path > p.path AND d.path < substr(p.path, 1, length(p.path) - 1) || '0')",
        ),
        (
            "own device counts",
            "SELECT p.name FROM customers p WHERE p.device_count <> (SELECT COUNT(*) FROM devices d WHERE d.customer_id = p.id)",
        ),
        (
            "own storage totals",
            "SELECT p.name FROM customers p WHERE p.storage_used_bytes <> \
             (SELECT COALESCE(SUM(d.used_storage_bytes), 0) FROM devices d WHERE d.customer_id = p.id)",
        ),
        (
            "subtree device counts and storage totals",
            "SELECT p.name FROM customers p WHERE p.subtree_device_count <> \
             (SELECT COALESCE(SUM(s.device_count), 0) FROM customers s \
              WHERE s.path >= p.path AND s.path < substr(p.path, 1, length(p.path) - 1) || '0') \
             OR p.subtree_storage_used_bytes <> \
             (SELECT COALESCE(SUM(s.storage_used_bytes), 0) FROM customers s \
              WHERE s.path >= p.path AND s.path < substr(p.path, 1, length(p.path) - 1) || '0')",
        ),
        (
            "names are unique regardless of case",
            "SELECT lower(name) FROM customers GROUP BY lower(name) HAVING COUNT(*) > 1",
        ),
    ];
    let mut found = Vec::new();
    for (rule, sql) in checks {
        let rows: Vec<(String,)> = sqlx::query_as(sql)
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| vec![(format!("query failed: {e}"),)]);
        for (what,) in rows {
            found.push(format!("{rule}: {what}"));
        }
    }
    // SQLite's name-search index (migrations/sqlite/0006) holds every name as it is now:
    // FTS5 checks its index against the content table (`rank` 1) and fails if they differ.
    if canopy_server::db::Backend::of(pool) == canopy_server::db::Backend::Sqlite {
        let check = "INSERT INTO customers_name_trigrams (customers_name_trigrams, rank) \
                     VALUES ('integrity-check', 1)";
        if let Err(e) = sqlx::query(check).execute(pool).await {
            found.push(format!("the name-search index matches the names: {e}"));
        }
    }
    found
}
