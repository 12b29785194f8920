//! DataLoaders for the customer tree: one batched query per nesting level of a GraphQL query,
//! however many customers that level returns.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use super::model::{CustomerCursor, CustomerOrder, CustomerRow, Projection};
use super::store;
use crate::db::ReadPool;
use crate::error::AppResult;
use crate::pagination;
use crate::state::AppState;
use crate::viewer::{Scope, Viewer};

/// Customers by id, within the viewer's scope.
pub struct CustomerLoader {
    reads: ReadPool,
    scope: Scope,
}

impl CustomerLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            reads: state.reads.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<i64> for CustomerLoader {
    type Value = Arc<CustomerRow>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Arc<CustomerRow>>, Self::Error> {
        let rows = store::get_many(&self.reads, &self.scope, keys).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Which page of children is asked for; parents asking for the same page batch together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildrenPage {
    pub order: CustomerOrder,
    /// Page size (without the look-ahead row).
    pub limit: i64,
    pub after: Option<CustomerCursor>,
}

impl ChildrenPage {
    /// The page a `children(first:, after:, order:)` field asks for, with its arguments
    /// checked: the general resolver and the fast path read them through this one function.
    pub fn from_arguments(
        first: Option<i32>,
        after: Option<&str>,
        order: Option<CustomerOrder>,
    ) -> AppResult<Self> {
        Ok(Self {
            order: order.unwrap_or_default(),
            limit: pagination::page_size(first)?,
            after: pagination::decode_cursor(after)?,
        })
    }
}

/// A page of children (plus one look-ahead row) by parent id and page.
pub struct ChildrenLoader {
    reads: ReadPool,
    scope: Scope,
}

impl ChildrenLoader {
    pub fn new(state: &AppState, viewer: &Viewer) -> Self {
        Self {
            reads: state.reads.clone(),
            scope: viewer.scope.clone(),
        }
    }
}

impl Loader<(i64, ChildrenPage)> for ChildrenLoader {
    type Value = Vec<Arc<CustomerRow>>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(i64, ChildrenPage)],
    ) -> Result<HashMap<(i64, ChildrenPage), Vec<Arc<CustomerRow>>>, Self::Error> {
        let mut by_page: HashMap<&ChildrenPage, Vec<i64>> = HashMap::new();
        for (parent, page) in keys {
            by_page.entry(page).or_default().push(*parent);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (page, parents) in by_page {
            let pages = store::children_pages(
                &self.reads,
                &self.scope,
                &parents,
                page.order,
                page.limit,
                page.after.as_ref(),
            )
            .await?;
            for (parent, rows) in pages {
                out.insert((parent, page.clone()), rows);
            }
        }
        Ok(out)
    }
}

/// At most this many customers are read ahead for one batch of subtrees (about 4 MB of rows);
/// bigger subtrees are read a level at a time by [`ChildrenLoader`].
pub const PREFETCH_MAX_ROWS: i64 = 10_000;

/// A query nests `children` below this customer: read `levels` levels of its subtree at once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SubtreeRequest {
    pub id: i64,
    pub path: String,
    /// How many levels below the customer the query reads (at least 2, or the prefetch
    /// would save nothing over [`ChildrenLoader`]).
    pub levels: usize,
    /// The customer's maintained descendant count: an upper bound on the rows read.
    pub descendants: i64,
}

/// Rows a request read ahead of the fields that show them: complete lists of children read
/// by [`SubtreeLoader`], by parent id (a parent is only here when every one of its children
/// was read), and single customers read beside another (a customer's parent). Rows are
/// shared, not copied, with the pages and fields that show them.
#[derive(Default)]
pub struct Prefetched {
    children: std::sync::Mutex<HashMap<i64, Vec<Arc<CustomerRow>>>>,
    customers: std::sync::Mutex<HashMap<i64, Arc<CustomerRow>>>,
}

impl Prefetched {
    /// Keeps a customer read ahead (already checked against the viewer's scope).
    pub fn keep(&self, row: Arc<CustomerRow>) {
        let mut customers = self.customers.lock().unwrap_or_else(|e| e.into_inner());
        customers.insert(row.id, row);
    }

    /// The customer with this id, when it was read ahead.
    pub fn customer(&self, id: i64) -> Option<Arc<CustomerRow>> {
        let customers = self.customers.lock().unwrap_or_else(|e| e.into_inner());
        customers.get(&id).cloned()
    }

    /// The page of `parent`'s children, when they were read ahead: the rows [`ChildrenLoader`]
    /// would return (the page plus one look-ahead row), in the same order.
    pub fn page(&self, parent: i64, page: &ChildrenPage) -> Option<Vec<Arc<CustomerRow>>> {
        let lists = self.children.lock().unwrap_or_else(|e| e.into_inner());
        Some(page_of(lists.get(&parent)?, page))
    }
}

/// A page of a complete list of children: the rows [`ChildrenLoader`] would return for it (the
/// page plus one look-ahead row), in the same order.
pub fn page_of(children: &[Arc<CustomerRow>], page: &ChildrenPage) -> Vec<Arc<CustomerRow>> {
    let mut rows: Vec<&Arc<CustomerRow>> = children
        .iter()
        .filter(|row| {
            page.after
                .as_ref()
                .is_none_or(|after| page.order.after(row, after))
        })
        .collect();
    rows.sort_by(|a, b| page.order.compare(a, b));
    let take = usize::try_from(page.limit + 1).unwrap_or(usize::MAX);
    rows.into_iter().take(take).cloned().collect()
}

/// The complete lists of children among the rows of a subtree read ([`store::subtrees`]), by
/// parent id: the roots' (`(id, path, levels read below it)`), and those of every row above the
/// deepest level read. A parent is here only when every one of its children is.
pub fn children_lists(
    roots: &[(i64, &str, usize)],
    rows: Vec<Arc<CustomerRow>>,
) -> HashMap<i64, Vec<Arc<CustomerRow>>> {
    let deepest: Vec<(&str, usize)> = roots
        .iter()
        .map(|(_, path, levels)| (*path, store::path_separators(path) + levels))
        .collect();
    let mut lists: HashMap<i64, Vec<Arc<CustomerRow>>> =
        roots.iter().map(|(id, _, _)| (*id, Vec::new())).collect();
    for row in &rows {
        let separators = store::path_separators(&row.path);
        let above_deepest = deepest
            .iter()
            .any(|(root, max)| row.path.starts_with(root) && separators < *max);
        if above_deepest {
            lists.entry(row.id).or_default();
        }
    }
    for row in rows {
        if let Some(list) = row.parent_id.and_then(|p| lists.get_mut(&p)) {
            list.push(row);
        }
    }
    lists
}

/// Reads the subtrees of a nesting level's customers in one statement, so that a query like
/// "a distributor and three levels below it" costs one statement instead of one per level.
pub struct SubtreeLoader {
    reads: ReadPool,
    prefetched: std::sync::Arc<Prefetched>,
}

impl SubtreeLoader {
    pub fn new(state: &AppState, prefetched: std::sync::Arc<Prefetched>) -> Self {
        Self {
            reads: state.reads.clone(),
            prefetched,
        }
    }
}

impl Loader<SubtreeRequest> for SubtreeLoader {
    /// Present for the requests that were read ahead; the rest read level by level.
    type Value = ();
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[SubtreeRequest],
    ) -> Result<HashMap<SubtreeRequest, ()>, Self::Error> {
        let mut budget = PREFETCH_MAX_ROWS;
        let chosen: Vec<&SubtreeRequest> = keys
            .iter()
            .filter(|key| {
                let fits = key.descendants <= budget;
                if fits {
                    budget -= key.descendants;
                }
                fits
            })
            .collect();
        let roots: Vec<(&str, usize)> = chosen
            .iter()
            .map(|key| (key.path.as_str(), key.levels))
            .collect();
        let rows = store::subtrees(&self.reads, &roots, Projection::ALL).await?;
        let roots: Vec<(i64, &str, usize)> = chosen
            .iter()
            .map(|key| (key.id, key.path.as_str(), key.levels))
            .collect();
        let lists = children_lists(&roots, rows);
        self.prefetched
            .children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(lists);
        Ok(chosen.into_iter().map(|key| (key.clone(), ())).collect())
    }
}
