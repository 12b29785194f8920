//! The operation documents this server has parsed and admitted, by their query text, so that
//! a client sending the same operation again — the app's own queries, a dashboard polling, a
//! load test — skips parsing and the limits' analysis.
//!
//! Parsing is async-graphql's pest grammar, about a tenth of the CPU of a small request such
//! as `customer(id)` (docs/BENCHMARKS.md); a parsed document is cloned out of the cache
//! instead, which costs a few allocations. Only documents that passed the [`Guard`] are kept,
//! so a cached one needs no second check: the limits depend on the document alone. Validation
//! still runs on every request: it depends on the variables as well.
//!
//! The cache is bounded ([`CAPACITY`] documents, [`MAX_KEY_BYTES`] each) and starts afresh
//! when full: a client sending endless distinct documents only keeps it cold, as if it were
//! not there.
//!
//! [`Guard`]: super::limits::Guard

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_graphql::parser::types::ExecutableDocument;

/// How many documents are kept: far more than the app sends, or any one dashboard.
pub const CAPACITY: usize = 512;
/// Longer documents are parsed every time (GraphiQL's introspection query is ~2 KiB).
pub const MAX_KEY_BYTES: usize = 8 * 1024;

/// See the module documentation.
#[derive(Debug, Default)]
pub struct AdmittedDocuments {
    by_query: RwLock<HashMap<Arc<str>, Arc<ExecutableDocument>>>,
}

impl AdmittedDocuments {
    /// The admitted document of this query text, if it is kept.
    pub fn get(&self, query: &str) -> Option<Arc<ExecutableDocument>> {
        let by_query = self.by_query.read().unwrap_or_else(|e| e.into_inner());
        by_query.get(query).cloned()
    }

    /// Keeps `document`, which the guard admitted, under its query text.
    pub fn keep(&self, query: &str, document: ExecutableDocument) {
        if query.len() > MAX_KEY_BYTES {
            return;
        }
        let mut by_query = self.by_query.write().unwrap_or_else(|e| e.into_inner());
        if by_query.len() >= CAPACITY {
            by_query.clear();
        }
        by_query.insert(Arc::from(query), Arc::new(document));
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.by_query
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    #[test]
    fn keeps_documents_by_their_text_within_bounds() {
        let documents = AdmittedDocuments::default();
        let query = "{ root { id } }";
        assert!(documents.get(query).is_none());
        documents.keep(query, parse_query(query).unwrap());
        assert!(documents.get(query).is_some());
        assert!(documents.get("{ root { name } }").is_none());

        let long = format!("{{ root {{ id }} }} #{}", "x".repeat(MAX_KEY_BYTES));
        documents.keep(&long, parse_query(&long).unwrap());
        assert!(documents.get(&long).is_none(), "too long to keep");

        for i in 0..CAPACITY {
            let q = format!("{{ root {{ id }} }} #{i}");
            documents.keep(&q, parse_query(&q).unwrap());
        }
        assert!(documents.len() <= CAPACITY, "bounded");
    }
}
