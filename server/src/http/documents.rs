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
//! The same documents answer **automatic persisted queries** (Apollo's `persistedQuery`
//! extension, which Apollo and Relay clients send): a request may carry
//! `extensions: {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}` and no query; when
//! a document with that SHA-256 was admitted here it runs, else the answer is the error
//! `PersistedQueryNotFound` (code `PERSISTED_QUERY_NOT_FOUND`), and the client sends the query
//! with its hash once, which is checked and kept. Only admitted documents can be reached by
//! hash, so a hash never runs anything the limits refused. The documents live in this
//! process' memory: after a restart, or on another replica, clients send the query once more.
//!
//! [`Guard`]: super::limits::Guard

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError, ServerResult};
use sha2::{Digest, Sha256};

/// How many documents are kept: far more than the app sends, or any one dashboard.
pub const CAPACITY: usize = 512;
/// Longer documents are parsed every time (GraphiQL's introspection query is ~2 KiB).
pub const MAX_KEY_BYTES: usize = 8 * 1024;

/// See the module documentation.
#[derive(Debug, Default)]
pub struct AdmittedDocuments {
    kept: RwLock<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    by_query: HashMap<Arc<str>, Arc<ExecutableDocument>>,
    /// Query texts by their SHA-256 (lowercase hex), for persisted queries.
    by_hash: HashMap<String, Arc<str>>,
}

impl AdmittedDocuments {
    /// The admitted document of this query text, if it is kept.
    pub fn get(&self, query: &str) -> Option<Arc<ExecutableDocument>> {
        let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
        kept.by_query.get(query).cloned()
    }

    /// The query text of an admitted document with this SHA-256 (hex), if it is kept.
    pub fn query_of(&self, sha256_hex: &str) -> Option<Arc<str>> {
        let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
        kept.by_hash.get(&sha256_hex.to_ascii_lowercase()).cloned()
    }

    /// Keeps `document`, which the guard admitted, under its query text and its hash.
    pub fn keep(&self, query: &str, document: ExecutableDocument) {
        if query.len() > MAX_KEY_BYTES {
            return;
        }
        let hash = sha256_hex(query);
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        if kept.by_query.len() >= CAPACITY {
            kept.by_query.clear();
            kept.by_hash.clear();
        }
        let query: Arc<str> = Arc::from(query);
        kept.by_hash.insert(hash, query.clone());
        kept.by_query.insert(query, Arc::new(document));
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.kept
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .by_query
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The lowercase hex SHA-256 of a query text, as persisted queries name it.
pub fn sha256_hex(query: &str) -> String {
    format!("{:x}", Sha256::digest(query.as_bytes()))
}

/// Resolves a persisted query: a request that names a document by its hash and sends no query
/// gets the kept query text; one that sends both has the hash checked. Requests without the
/// extension pass unchanged.
pub fn resolve_persisted(documents: &AdmittedDocuments, request: &mut Request) -> ServerResult<()> {
    let Some(extension) = request.extensions.get("persistedQuery") else {
        return Ok(());
    };
    let field = |name: &str| match extension {
        async_graphql::Value::Object(fields) => fields.get(name).cloned(),
        _ => None,
    };
    if field("version") != Some(async_graphql::Value::from(1)) {
        return Err(bad_input(
            "extensions.persistedQuery.version must be 1 (the only version there is)",
        ));
    }
    let Some(async_graphql::Value::String(hash)) = field("sha256Hash") else {
        return Err(bad_input(
            "extensions.persistedQuery.sha256Hash must be the query's SHA-256 in hex",
        ));
    };
    if request.query.is_empty() {
        let query = documents.query_of(&hash).ok_or_else(|| {
            let mut error = ServerError::new("PersistedQueryNotFound", None);
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", "PERSISTED_QUERY_NOT_FOUND");
            error
        })?;
        request.query = query.to_string();
    } else if !sha256_hex(&request.query).eq_ignore_ascii_case(&hash) {
        return Err(bad_input(
            "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it",
        ));
    }
    Ok(())
}

fn bad_input(message: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", "BAD_USER_INPUT");
    extensions.set("field", "extensions");
    error
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

    fn persisted(query: &str, hash: &str) -> Request {
        let mut request = Request::new(query);
        let extension = serde_json::json!({ "version": 1, "sha256Hash": hash });
        request.extensions.insert(
            "persistedQuery".into(),
            async_graphql::Value::from_json(extension).unwrap(),
        );
        request
    }

    fn code(error: &ServerError) -> Option<async_graphql::Value> {
        error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .cloned()
    }

    #[test]
    fn persisted_queries_run_only_documents_kept_here_and_check_their_hash() {
        let documents = AdmittedDocuments::default();
        let query = "{ root { id } }";
        let hash = sha256_hex(query);

        let err = resolve_persisted(&documents, &mut persisted("", &hash)).unwrap_err();
        assert_eq!(err.message, "PersistedQueryNotFound");
        assert_eq!(code(&err), Some("PERSISTED_QUERY_NOT_FOUND".into()));

        let err = resolve_persisted(&documents, &mut persisted(query, &"0".repeat(64)));
        assert_eq!(code(&err.unwrap_err()), Some("BAD_USER_INPUT".into()));
        assert!(resolve_persisted(&documents, &mut persisted(query, &hash)).is_ok());

        documents.keep(query, parse_query(query).unwrap());
        let mut by_hash = persisted("", &hash.to_uppercase());
        resolve_persisted(&documents, &mut by_hash).unwrap();
        assert_eq!(by_hash.query, query);

        let mut plain = Request::new("{ me { username } }");
        assert!(resolve_persisted(&documents, &mut plain).is_ok());
        let mut wrong_version = persisted("", &hash);
        wrong_version.extensions.insert(
            "persistedQuery".into(),
            async_graphql::Value::from_json(
                serde_json::json!({ "version": 2, "sha256Hash": hash }),
            )
            .unwrap(),
        );
        let err = resolve_persisted(&documents, &mut wrong_version).unwrap_err();
        assert_eq!(code(&err), Some("BAD_USER_INPUT".into()));
    }
}
