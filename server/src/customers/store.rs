//! The customer tree's SQL. Every read takes the viewer's [`Scope`] and adds its path range, so a
//! customer outside the caller's subtree cannot be read or written through this module at all.

use std::collections::HashMap;
use std::sync::Arc;

use canopy_shared::{CustomerLevel, CustomerState};
use sqlx::{AnyConnection, AnyExecutor};

use super::model::{CustomerCursor, CustomerOrder, CustomerRow, Projection, COLUMNS};
use crate::db::{self, PushSql, QueryBuilder, ReadPool, ReadQuery};
use crate::error::{AppError, AppResult};
use crate::viewer::Scope;

/// The customer with this id, if it is in scope.
pub async fn get<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    id: i64,
) -> AppResult<Option<CustomerRow>> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE id = $1 AND path >= $2 AND path < $3");
    Ok(sqlx::query_as(&sql)
        .bind(id)
        .bind(&scope.lo)
        .bind(&scope.hi)
        .fetch_optional(exec)
        .await?)
}

/// The customer with this id in scope, or `NOT_FOUND`.
pub async fn require<'c>(
    exec: impl AnyExecutor<'c>,
    scope: &Scope,
    id: i64,
) -> AppResult<CustomerRow> {
    get(exec, scope, id)
        .await?
        .ok_or_else(|| AppError::NotFound("Customer not found".into()))
}

/// The customer with this id regardless of scope: only for rules that look above the caller's
/// view (a customer's parent when validating its level), never returned to clients.
pub async fn get_unscoped<'c>(
    exec: impl AnyExecutor<'c>,
    id: i64,
) -> AppResult<Option<CustomerRow>> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(exec).await?)
}

/// The customers with these ids that are in scope (a loader's read: native driver).
pub async fn get_many(
    reads: &ReadPool,
    scope: &Scope,
    ids: &[i64],
) -> AppResult<Vec<Arc<CustomerRow>>> {
    let mut q = ReadQuery::lookup(format!("SELECT {COLUMNS} FROM customers WHERE id IN ("));
    q.push_list(ids.iter().copied());
    q.push(") AND path >= ")
        .push_bind(&scope.lo)
        .push(" AND path < ")
        .push_bind(&scope.hi);
    Ok(q.fetch_shared(reads).await?)
}

/// The customer with this id and its parent, those of the two that are in scope, in one
/// statement (a loader's read: native driver).
pub async fn with_parent(
    reads: &ReadPool,
    scope: &Scope,
    id: i64,
) -> AppResult<Vec<Arc<CustomerRow>>> {
    let mut q = ReadQuery::lookup(format!("SELECT {COLUMNS} FROM customers WHERE (id = "));
    q.push_bind(id)
        .push(" OR id = (SELECT parent_id FROM customers WHERE id = ")
        .push_bind(id)
        .push(")) AND path >= ")
        .push_bind(&scope.lo)
        .push(" AND path < ")
        .push_bind(&scope.hi);
    Ok(q.fetch_shared(reads).await?)
}

/// The customer a user belongs to (used when resolving a session, before any scope exists).
pub async fn by_name_key<'c>(
    exec: impl AnyExecutor<'c>,
    name_key: &str,
) -> AppResult<Option<CustomerRow>> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE name_key = $1");
    Ok(sqlx::query_as(&sql)
        .bind(name_key)
        .fetch_optional(exec)
        .await?)
}

/// One page of children, with one extra row when another page follows, for each parent.
pub async fn children_pages(
    reads: &ReadPool,
    scope: &Scope,
    parent_ids: &[i64],
    order: CustomerOrder,
    limit: i64,
    after: Option<&CustomerCursor>,
) -> AppResult<HashMap<i64, Vec<Arc<CustomerRow>>>> {
    let sort = order.sort_columns();
    let mut q = ReadQuery::new(format!(
        "SELECT {COLUMNS} FROM (SELECT {COLUMNS}, \
         ROW_NUMBER() OVER (PARTITION BY parent_id ORDER BY {sort}) AS rn \
         FROM customers WHERE parent_id IN ("
    ));
    q.push_list(parent_ids.iter().copied());
    q.push(") AND path >= ")
        .push_bind(&scope.lo)
        .push(" AND path < ")
        .push_bind(&scope.hi);
    if let Some(cursor) = after {
        push_after(&mut q, order, cursor);
    }
    q.push(") AS page WHERE rn <= ")
        .push_bind(limit + 1)
        .push(" ORDER BY parent_id, rn");
    let rows: Vec<Arc<CustomerRow>> = q.fetch_shared(reads).await?;
    let mut pages: HashMap<i64, Vec<Arc<CustomerRow>>> =
        parent_ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        if let Some(parent) = row.parent_id {
            pages.entry(parent).or_default().push(row);
        }
    }
    Ok(pages)
}

/// The customers below each root, at most `levels` levels down, in one statement: what a query
/// nesting `children` that deep will read (see [`super::loaders::SubtreeLoader`]).
///
/// There is no scope bound: callers pass only customers they read within the viewer's scope,
/// and everything below an in-scope customer is in scope. Columns outside `projection` are
/// read as blanks.
pub async fn subtrees(
    reads: &ReadPool,
    roots: &[(&str, usize)],
    projection: Projection,
) -> AppResult<Vec<Arc<CustomerRow>>> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = ReadQuery::new(format!(
        "SELECT {} FROM customers WHERE ",
        projection.select_list()
    ));
    for (i, (path, levels)) in roots.iter().enumerate() {
        let (_, hi) = db::subtree_range(path);
        let max_separators = path_separators(path) + levels;
        q.push(if i == 0 { "(" } else { " OR (" })
            .push("path > ")
            .push_bind(*path)
            .push(" AND path < ")
            .push_bind(hi)
            // A path has one more `/` than the customer has ancestors.
            .push(" AND LENGTH(path) - LENGTH(REPLACE(path, '/', '')) <= ")
            .push_bind(max_separators as i64)
            .push(")");
    }
    Ok(q.fetch_shared(reads).await?)
}

/// How many `/` a materialised path holds: its depth in the tree, plus one.
pub fn path_separators(path: &str) -> usize {
    path.bytes().filter(|b| *b == b'/').count()
}

/// Keyset condition: rows strictly after `cursor` in `order` (row-value comparison, which both
/// SQLite and PostgreSQL evaluate against the matching index).
fn push_after(q: &mut impl PushSql, order: CustomerOrder, cursor: &CustomerCursor) {
    let c = cursor;
    match order {
        CustomerOrder::Name => q
            .push_sql(" AND (name_key, id) > (")
            .push_value(c.name_key.clone().into())
            .push_sql(", ")
            .push_value(c.id.into())
            .push_sql(")"),
        CustomerOrder::LevelAndName => q
            .push_sql(" AND (level, name_key, id) > (")
            .push_value(c.level.into())
            .push_sql(", ")
            .push_value(c.name_key.clone().into())
            .push_sql(", ")
            .push_value(c.id.into())
            .push_sql(")"),
        CustomerOrder::CreatedAt => q
            .push_sql(" AND (created_at, id) > (")
            .push_value(c.created_at.into())
            .push_sql(", ")
            .push_value(c.id.into())
            .push_sql(")"),
    };
}

/// What `customers(...)` filters on.
#[derive(Debug, Default)]
pub struct SearchFilter {
    /// Lower-cased substring of the name.
    pub name_contains: Option<String>,
    pub levels: Vec<CustomerLevel>,
    pub states: Vec<CustomerState>,
    /// Path of the customer whose subtree is searched (defaults to the whole scope).
    pub under_path: Option<String>,
}

/// When SQLite's trigram index drives a name search (see [`name_index_phrase`]): reading a
/// candidate from it and then its row costs about ten times what testing one name in a scan
/// does, so the index is read only when the fragment matches fewer than a tenth of the
/// customers the scan would test, and never more than this many. At a million customers a
/// fragment that every name has took 0.75 s through the index against 0.1 s for the scan;
/// one with a few hundred matches 1–10 ms against 65–110 ms.
const NAME_INDEX_MAX_CANDIDATES: i64 = 20_000;

/// On SQLite, the full-text phrase that finds `filter`'s name fragment in the trigram index
/// (migrations/sqlite/0006), when reading its candidates beats scanning the searched subtree
/// (the scope's, or `filter.under_path`'s): the fragment has the three characters a trigram
/// needs, and it matches few enough customers for the subtree's size, which one bounded read
/// of the index tells. PostgreSQL's planner makes that choice itself, from its statistics.
async fn name_index_phrase(
    conn: &mut AnyConnection,
    scope: &Scope,
    filter: &SearchFilter,
) -> AppResult<Option<String>> {
    let Some(needle) = &filter.name_contains else {
        return Ok(None);
    };
    if db::Backend::of_conn(conn) != db::Backend::Sqlite || needle.chars().count() < 3 {
        return Ok(None);
    }
    let searched = filter.under_path.as_deref().unwrap_or(&scope.root_path);
    let (subtree,): (i64,) =
        sqlx::query_as("SELECT descendant_count + 1 FROM customers WHERE path = $1")
            .bind(searched)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or((0,));
    let most = (subtree / 10).min(NAME_INDEX_MAX_CANDIDATES);
    if most < 10 {
        return Ok(None);
    }
    // An FTS5 phrase in double quotes (one written inside it is doubled) matches the
    // fragment's trigrams in sequence: the fragment as a substring, in any case.
    let phrase = format!("\"{}\"", needle.replace('"', "\"\""));
    let (candidates,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT rowid FROM customers_name_trigrams \
         WHERE customers_name_trigrams MATCH $1 LIMIT $2)",
    )
    .bind(&phrase)
    .bind(most + 1)
    .fetch_one(&mut *conn)
    .await?;
    Ok((candidates <= most).then_some(phrase))
}

/// `name_index` is [`name_index_phrase`]'s answer: the candidates it finds are read by id, and
/// the `LIKE` still decides.
fn push_search_filter<'a>(
    q: &mut QueryBuilder<'a>,
    scope: &Scope,
    filter: &SearchFilter,
    name_index: Option<&str>,
    now_ms: i64,
) {
    match &filter.under_path {
        Some(path) => {
            let (lo, hi) = db::subtree_range(path);
            q.push(" WHERE path >= ")
                .push_bind(lo)
                .push(" AND path < ")
                .push_bind(hi);
            // The scope bound stays with `under`, so a stray path can never widen the view.
            q.push(" AND path >= ")
                .push_bind(scope.lo.clone())
                .push(" AND path < ")
                .push_bind(scope.hi.clone());
        }
        // The installation root's scope is every row: the bound would filter nothing, and it
        // makes SQLite's planner walk the path index over the whole table and sort, where the
        // order's own index (`customers_by_level_*`, `customers_name_key`) stops after a page.
        None if scope.is_everything() => {
            q.push(" WHERE 1 = 1");
        }
        None => {
            q.push(" WHERE path >= ")
                .push_bind(scope.lo.clone())
                .push(" AND path < ")
                .push_bind(scope.hi.clone());
        }
    }
    if let Some(needle) = &filter.name_contains {
        let escaped = needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        q.push(" AND name_key LIKE ")
            .push_bind(format!("%{escaped}%"))
            .push(" ESCAPE '\\'");
    }
    if let Some(phrase) = name_index {
        q.push(
            " AND id IN (SELECT rowid FROM customers_name_trigrams \
             WHERE customers_name_trigrams MATCH ",
        )
        .push_bind(phrase.to_owned())
        .push(")");
    }
    if !filter.levels.is_empty() {
        q.push(" AND level IN (");
        q.push_list(filter.levels.iter().map(|l| l.rank()));
        q.push(")");
    }
    if !filter.states.is_empty() {
        q.push(" AND (");
        let mut first = true;
        for state in &filter.states {
            if !first {
                q.push(" OR ");
            }
            first = false;
            match state {
                CustomerState::InProduction => {
                    q.push("(trial_expires_at IS NULL OR converted_at IS NOT NULL)");
                }
                CustomerState::InTrial => {
                    q.push("(trial_expires_at IS NOT NULL AND converted_at IS NULL AND trial_expires_at > ")
                        .push_bind(now_ms)
                        .push(")");
                }
                CustomerState::TrialExpired => {
                    q.push("(trial_expires_at IS NOT NULL AND converted_at IS NULL AND trial_expires_at <= ")
                        .push_bind(now_ms)
                        .push(")");
                }
            }
        }
        q.push(")");
    }
}

/// A page of the viewer's subtree matching `filter`, plus the total number of matches when
/// `with_total` asks for it: counting visits every match (a million for "every end-customer"
/// at scale), while the page stops after `limit`, so a client that does not ask for the total
/// does not pay for it.
#[allow(clippy::too_many_arguments)]
pub async fn search(
    conn: &mut AnyConnection,
    scope: &Scope,
    filter: &SearchFilter,
    order: CustomerOrder,
    limit: i64,
    after: Option<&CustomerCursor>,
    now_ms: i64,
    with_total: bool,
) -> AppResult<(Vec<CustomerRow>, Option<i64>)> {
    let name_index = name_index_phrase(&mut *conn, scope, filter).await?;
    let mut q = QueryBuilder::new(format!("SELECT {COLUMNS} FROM customers"));
    push_search_filter(&mut q, scope, filter, name_index.as_deref(), now_ms);
    if let Some(cursor) = after {
        push_after(&mut q, order, cursor);
    }
    q.push(format!(" ORDER BY {} LIMIT ", order.sort_columns()))
        .push_bind(limit + 1);
    let rows = q.build_query_as()?.fetch_all(&mut *conn).await?;

    if !with_total {
        return Ok((rows, None));
    }
    let mut count = QueryBuilder::new("SELECT COUNT(*) FROM customers");
    push_search_filter(&mut count, scope, filter, name_index.as_deref(), now_ms);
    let (total,): (i64,) = count.build_query_as()?.fetch_one(&mut *conn).await?;
    Ok((rows, Some(total)))
}

/// Whether another customer already uses this name key.
pub async fn name_taken(
    conn: &mut AnyConnection,
    name_key: &str,
    except_id: Option<i64>,
) -> AppResult<bool> {
    let (taken,): (i64,) = sqlx::query_as(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM customers WHERE name_key = $1 AND id <> $2) \
         THEN 1 ELSE 0 END",
    )
    .bind(name_key)
    .bind(except_id.unwrap_or(-1))
    .fetch_one(conn)
    .await?;
    Ok(taken != 0)
}

/// A customer about to be inserted.
#[derive(Debug)]
pub struct NewCustomer<'a> {
    pub parent: &'a CustomerRow,
    pub name: &'a str,
    pub name_key: &'a str,
    pub level: CustomerLevel,
    pub service_type: &'a str,
    pub child_service_types: &'a str,
    pub device_country: &'a str,
    pub storage_location: &'a str,
    pub trial_expires_at: Option<i64>,
    pub customer_reference: Option<&'a str>,
    pub now_ms: i64,
}

/// Inserts a customer under its parent and updates the ancestors' counts; returns its row.
/// A name another customer has is refused here, by the unique index, as `NAME_TAKEN`.
pub async fn insert(conn: &mut AnyConnection, new: &NewCustomer<'_>) -> AppResult<CustomerRow> {
    // The path holds the new id, so the statement draws the id itself: one round trip, and
    // one index entry per index (inserting a placeholder path and updating it wrote two).
    let next_id = match db::Backend::of_conn(conn) {
        db::Backend::Postgres => "nextval(pg_get_serial_sequence('customers', 'id'))",
        // AUTOINCREMENT's own rule (never reuse an id), which an explicit id keeps going.
        db::Backend::Sqlite => {
            "max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'customers'), 0), \
             (SELECT coalesce(max(id), 0) FROM customers)) + 1"
        }
    };
    let sql = format!(
        "INSERT INTO customers (id, parent_id, path, name, name_key, level, service_type, \
         child_service_types, device_country, storage_location, trial_expires_at, \
         customer_reference, created_at, updated_at) \
         SELECT next.id, $1, $2 || next.id || '/', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12 \
         FROM (SELECT {next_id} AS id) next RETURNING {COLUMNS}"
    );
    let row: CustomerRow = sqlx::query_as(&sql)
        .bind(new.parent.id)
        .bind(&new.parent.path)
        .bind(new.name)
        .bind(new.name_key)
        .bind(new.level.rank())
        .bind(new.service_type)
        .bind(new.child_service_types)
        .bind(new.device_country)
        .bind(new.storage_location)
        .bind(new.trial_expires_at)
        .bind(new.customer_reference)
        .bind(new.now_ms)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| name_conflict(e, new.name))?;
    adjust_counts(conn, &new.parent.path_ids(), new.parent.id, 1, 1).await?;
    Ok(row)
}

/// Inserts the installation's root customer (first start only).
pub async fn insert_root(
    conn: &mut AnyConnection,
    name: &str,
    name_key: &str,
    child_service_types: &str,
    device_country: &str,
    storage_location: &str,
    now_ms: i64,
) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO customers (parent_id, path, name, name_key, level, service_type, \
         child_service_types, device_country, storage_location, created_at, updated_at) \
         VALUES (NULL, '/root/', $1, $2, $3, 'ALL_INCLUSIVE', $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(name)
    .bind(name_key)
    .bind(CustomerLevel::Root.rank())
    .bind(child_service_types)
    .bind(device_country)
    .bind(storage_location)
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE customers SET path = $1 WHERE id = $2")
        .bind(format!("/{id}/"))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// Whether the installation has its root customer yet.
pub async fn root_exists(conn: &mut AnyConnection) -> AppResult<bool> {
    let (exists,): (i64,) = sqlx::query_as(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM customers WHERE parent_id IS NULL) \
         THEN 1 ELSE 0 END",
    )
    .fetch_one(conn)
    .await?;
    Ok(exists != 0)
}

/// Adds `subtree_delta` to the descendant counts of the customers in `ancestor_ids` and
/// `child_delta` to the child count of `parent_id`.
async fn adjust_counts(
    conn: &mut AnyConnection,
    ancestor_ids: &[i64],
    parent_id: i64,
    child_delta: i64,
    subtree_delta: i64,
) -> AppResult<()> {
    let mut q = QueryBuilder::new("UPDATE customers SET descendant_count = descendant_count + ");
    q.push_bind(subtree_delta)
        .push(", child_count = child_count + CASE WHEN id = ")
        .push_bind(parent_id)
        .push(" THEN ")
        .push_bind(child_delta)
        .push(" ELSE 0 END WHERE id IN (");
    q.push_list(ancestor_ids.iter().copied());
    q.push(")");
    q.build()?.execute(conn).await?;
    Ok(())
}

/// The fields `updateCustomer` may change, already validated.
#[derive(Debug)]
pub struct CustomerChanges {
    pub name: String,
    pub name_key: String,
    pub level: i16,
    pub service_type: String,
    pub child_service_types: String,
    pub device_country: String,
    pub customer_reference: Option<String>,
}

/// Writes `changes` and bumps the version.
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    changes: &CustomerChanges,
    now_ms: i64,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE customers SET name = $1, name_key = $2, level = $3, service_type = $4, \
         child_service_types = $5, device_country = $6, customer_reference = $7, \
         updated_at = $8, version = version + 1 WHERE id = $9",
    )
    .bind(&changes.name)
    .bind(&changes.name_key)
    .bind(changes.level)
    .bind(&changes.service_type)
    .bind(&changes.child_service_types)
    .bind(&changes.device_country)
    .bind(&changes.customer_reference)
    .bind(now_ms)
    .bind(id)
    .execute(conn)
    .await
    .map_err(|e| name_conflict(e, &changes.name))?;
    Ok(())
}

/// The highest level (lowest rank) among a customer's children, if it has any.
pub async fn highest_child_level(conn: &mut AnyConnection, id: i64) -> AppResult<Option<i16>> {
    let (rank,): (Option<i16>,) =
        sqlx::query_as("SELECT MIN(level) FROM customers WHERE parent_id = $1")
            .bind(id)
            .fetch_one(conn)
            .await?;
    Ok(rank)
}

/// The distinct service types of a customer's children.
pub async fn child_service_types_in_use(
    conn: &mut AnyConnection,
    id: i64,
) -> AppResult<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT service_type FROM customers WHERE parent_id = $1")
            .bind(id)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(t,)| t).collect())
}

/// Re-parents `customer` (and its whole subtree) under `new_parent`, keeping every count right.
pub async fn move_subtree(
    conn: &mut AnyConnection,
    customer: &CustomerRow,
    new_parent: &CustomerRow,
    now_ms: i64,
) -> AppResult<()> {
    let old_parent_path_ids = {
        let mut ids = customer.path_ids();
        ids.pop();
        ids
    };
    let new_parent_path_ids = new_parent.path_ids();
    move_counts(
        conn,
        &old_parent_path_ids,
        &new_parent_path_ids,
        customer,
        new_parent.id,
    )
    .await?;

    let new_path = super::model::child_path(&new_parent.path, customer.id);
    let (lo, hi) = db::subtree_range(&customer.path);
    let old_len = i64::try_from(customer.path.len()).unwrap_or(i64::MAX);
    // The subtree's paths, and the moved customer's parent and version, in one statement:
    // every row of the subtree is written once.
    sqlx::query(
        // The cast: PostgreSQL's `substr` takes an INTEGER, and the bound i64 is a BIGINT.
        "UPDATE customers SET path = $1 || substr(path, CAST($2 AS INTEGER)), \
         parent_id = CASE WHEN id = $5 THEN $6 ELSE parent_id END, \
         updated_at = CASE WHEN id = $5 THEN $7 ELSE updated_at END, \
         version = CASE WHEN id = $5 THEN version + 1 ELSE version END \
         WHERE path >= $3 AND path < $4",
    )
    .bind(&new_path)
    .bind(old_len + 1)
    .bind(lo)
    .bind(hi)
    .bind(customer.id)
    .bind(new_parent.id)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The counts a move changes, in one statement: the subtree's size, devices and storage leave
/// the ancestors it leaves and join those it joins, and the old and new parent's child counts
/// change by one. Ancestors it keeps (the root, at least) see no change and are not written,
/// so a move takes no lock on them.
async fn move_counts(
    conn: &mut AnyConnection,
    old_path_ids: &[i64],
    new_path_ids: &[i64],
    customer: &CustomerRow,
    new_parent_id: i64,
) -> AppResult<()> {
    let left: Vec<i64> = old_path_ids
        .iter()
        .copied()
        .filter(|id| !new_path_ids.contains(id))
        .collect();
    let joined: Vec<i64> = new_path_ids
        .iter()
        .copied()
        .filter(|id| !old_path_ids.contains(id))
        .collect();
    let old_parent_id = customer.parent_id.unwrap_or_default();
    let mut q = QueryBuilder::new("UPDATE customers SET ");
    for (column, delta) in [
        ("descendant_count", customer.subtree_size()),
        ("subtree_device_count", customer.subtree_device_count),
        (
            "subtree_storage_used_bytes",
            customer.subtree_storage_used_bytes,
        ),
    ] {
        q.push(column).push(" = ").push(column).push(" + CASE");
        if !joined.is_empty() {
            q.push(" WHEN id IN (");
            q.push_list(joined.iter().copied());
            q.push(") THEN ").push_bind(delta);
        }
        if !left.is_empty() {
            q.push(" WHEN id IN (");
            q.push_list(left.iter().copied());
            q.push(") THEN ").push_bind(-delta);
        }
        q.push(" ELSE 0 END, ");
    }
    q.push("child_count = child_count + CASE WHEN id = ")
        .push_bind(old_parent_id)
        .push(" THEN -1 WHEN id = ")
        .push_bind(new_parent_id)
        .push(" THEN 1 ELSE 0 END WHERE id IN (");
    q.push_list(
        left.iter()
            .chain(&joined)
            .copied()
            .chain([old_parent_id, new_parent_id]),
    );
    q.push(")");
    q.build()?.execute(conn).await?;
    Ok(())
}

/// Adds `count_delta` devices and `bytes_delta` bytes to the subtree totals of the customers in
/// `path_ids` and, for `own` among them, to its own totals. A customer has at most five
/// ancestors, so this is one small indexed update, never a walk over the subtree.
pub async fn adjust_device_totals(
    conn: &mut AnyConnection,
    path_ids: &[i64],
    own: Option<i64>,
    count_delta: i64,
    bytes_delta: i64,
) -> AppResult<()> {
    if path_ids.is_empty() || (count_delta == 0 && bytes_delta == 0) {
        return Ok(());
    }
    let own = own.unwrap_or(-1);
    let mut q =
        QueryBuilder::new("UPDATE customers SET subtree_device_count = subtree_device_count + ");
    q.push_bind(count_delta)
        .push(", subtree_storage_used_bytes = subtree_storage_used_bytes + ")
        .push_bind(bytes_delta)
        .push(", device_count = device_count + CASE WHEN id = ")
        .push_bind(own)
        .push(" THEN ")
        .push_bind(count_delta)
        .push(" ELSE 0 END, storage_used_bytes = storage_used_bytes + CASE WHEN id = ")
        .push_bind(own)
        .push(" THEN ")
        .push_bind(bytes_delta)
        .push(" ELSE 0 END WHERE id IN (");
    q.push_list(path_ids.iter().copied());
    q.push(")");
    q.build()?.execute(conn).await?;
    Ok(())
}

/// Deletes a leaf customer (no children, no devices) and fixes the counts. Its users and
/// details (contacts, activities, profile, branding) must be deleted first.
pub async fn delete(conn: &mut AnyConnection, customer: &CustomerRow) -> AppResult<()> {
    sqlx::query("DELETE FROM customers WHERE id = $1")
        .bind(customer.id)
        .execute(&mut *conn)
        .await?;
    let mut ancestors = customer.path_ids();
    ancestors.pop();
    adjust_counts(
        conn,
        &ancestors,
        customer.parent_id.unwrap_or_default(),
        -1,
        -1,
    )
    .await
}

/// Marks a trial customer as converted to production.
pub async fn convert_to_production(
    conn: &mut AnyConnection,
    id: i64,
    now_ms: i64,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE customers SET converted_at = $1, updated_at = $1, version = version + 1 WHERE id = $2",
    )
    .bind(now_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a customer's storage location (a support action).
pub async fn set_storage_location(
    conn: &mut AnyConnection,
    id: i64,
    code: &str,
    now_ms: i64,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE customers SET storage_location = $1, updated_at = $2, version = version + 1 WHERE id = $3",
    )
    .bind(code)
    .bind(now_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A lost race on the unique name index becomes the same `NAME_TAKEN` as the pre-check.
fn name_conflict(err: sqlx::Error, name: &str) -> AppError {
    if db::is_unique_violation(&err, "customers_name_key", "customers.name_key") {
        name_taken_error(name)
    } else {
        err.into()
    }
}

/// The error for a customer name (unique regardless of case) that another customer has.
pub fn name_taken_error(name: &str) -> AppError {
    AppError::NameTaken {
        field: "name".into(),
        message: format!(
            "Another customer is already named '{name}' (names are unique regardless of case)"
        ),
    }
}
