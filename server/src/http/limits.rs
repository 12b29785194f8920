//! Query limits: size, nesting, depth, field count (complexity), aliases and batch size.
//!
//! Every over-limit request is refused with `QUERY_TOO_COMPLEX` before any resolver runs. The
//! cheap checks come first and each bounds the cost of the next: the byte size bounds the
//! lexical scan, the lexical nesting scan keeps the recursive parser's stack small, and the
//! memoised document analysis ([`analyse`]) bounds fragment expansion before async-graphql's own
//! passes expand fragments (exponentially, for a "fragment bomb") in its recursion-depth check
//! and its validation rules. async-graphql's depth and complexity limits stay on as a second
//! line, and [`Guard`] gives their errors our code. The guard wraps the schema
//! ([`crate::schema::CanopySchema`]) rather than being an async-graphql extension: with any
//! extension registered, async-graphql resolves every field through the extension chain.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{Positioned, Request, Response, ServerError, ServerResult};

use super::documents::{self, AdmittedDocuments};

/// The `extensions.code` of every refusal here (DOMAIN.md).
pub const CODE: &str = "QUERY_TOO_COMPLEX";

/// The limits in force. [`Limits::default`] is what the server runs with; the values are
/// explained where they are set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of query text. Canopy's own app and GraphiQL's introspection query (~2 KiB) send
    /// far less; documents beyond this are generated abuse, not hand-written queries.
    pub max_query_bytes: usize,
    /// Brackets (`{`, `(`, `[`) open at once, checked before parsing.
    pub max_nesting: usize,
    /// Field nesting depth after fragment expansion. GraphiQL's introspection query is 15
    /// deep (`__schema.types.fields.args.type` and nine levels of `ofType`); a tree three
    /// levels down (`root.children.nodes` thrice) is 8. Beyond 20 is abuse, not a query.
    pub max_depth: usize,
    /// Fields selected after fragment expansion (async-graphql's complexity, where every
    /// field costs 1). GraphiQL's introspection query selects 230.
    pub max_fields: usize,
    /// Aliased fields after fragment expansion. Aliases are how one request asks for the same
    /// expensive field (or `signIn`) many times over.
    pub max_aliases: usize,
    /// Operations in one batched (JSON array) request.
    pub max_batch: usize,
    /// Directives on one field.
    pub max_directives: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_query_bytes: 32 * 1024,
            max_nesting: 64,
            max_depth: 20,
            max_fields: 1_000,
            max_aliases: 100,
            max_batch: 10,
            max_directives: 8,
        }
    }
}

/// A `QUERY_TOO_COMPLEX` error.
pub fn too_complex(message: impl Into<String>) -> ServerError {
    let mut err = ServerError::new(message, None);
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", CODE);
    err
}

/// What a request will run, once it has passed the limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The operation's name (`None` for an anonymous operation).
    pub name: Option<String>,
    /// Query, mutation or subscription; `None` when the document does not say which
    /// operation to run (validation then reports it).
    pub kind: Option<OperationType>,
}

/// Checks a request against the limits, parsing it (the parsed document stays cached in the
/// request, so execution does not parse again), and tells which operation it runs.
///
/// A syntax error is returned as the parser reports it, coded `BAD_USER_INPUT`; every limit
/// error carries [`CODE`].
pub fn check(limits: &Limits, request: &mut Request) -> ServerResult<Operation> {
    let bytes = request.query.len();
    if bytes > limits.max_query_bytes {
        return Err(too_complex(format!(
            "the query is {bytes} bytes long; at most {} are allowed",
            limits.max_query_bytes
        )));
    }
    let nesting = lexical_nesting(&request.query);
    if nesting > limits.max_nesting {
        return Err(too_complex(format!(
            "the query nests brackets {nesting} deep; at most {} are allowed",
            limits.max_nesting
        )));
    }
    let operation_name = request.operation_name.clone();
    let doc = request.parsed_query().map_err(|mut error| {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", "BAD_USER_INPUT");
        error
    })?;
    let stats = analyse(doc);
    if stats.depth > limits.max_depth {
        return Err(too_complex(format!(
            "the query is nested {} levels deep; at most {} are allowed",
            stats.depth, limits.max_depth
        )));
    }
    if stats.fields > limits.max_fields {
        return Err(too_complex(format!(
            "the query selects {} fields (fragments expanded); at most {} are allowed",
            stats.fields, limits.max_fields
        )));
    }
    if stats.aliases > limits.max_aliases {
        return Err(too_complex(format!(
            "the query uses {} aliases; at most {} are allowed",
            stats.aliases, limits.max_aliases
        )));
    }
    Ok(operation(doc, operation_name.as_deref()))
}

fn operation(doc: &ExecutableDocument, name: Option<&str>) -> Operation {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Operation {
            name: name.map(str::to_owned),
            kind: Some(op.node.ty),
        },
        (DocumentOperations::Multiple(ops), Some(name)) => Operation {
            name: Some(name.to_owned()),
            kind: ops.get(name).map(|op| op.node.ty),
        },
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            let (name, op) = ops.iter().next().expect("one operation");
            Operation {
                name: Some(name.to_string()),
                kind: Some(op.node.ty),
            }
        }
        (DocumentOperations::Multiple(_), None) => Operation {
            name: None,
            kind: None,
        },
    }
}

/// The deepest bracket nesting in a query's text, ignoring strings and comments. Linear, and
/// run before the parser, whose grammar recurses once per level.
pub fn lexical_nesting(query: &str) -> usize {
    let bytes = query.as_bytes();
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

/// Sizes of a document with its fragments expanded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Fields selected (`__typename` included).
    pub fields: usize,
    /// Aliased fields.
    pub aliases: usize,
    /// Deepest field nesting.
    pub depth: usize,
}

/// Measures every operation of a document as if its fragments were expanded, computing each
/// fragment once: linear in the document's size, whatever the expansion would cost. A
/// fragment cycle counts as empty here; validation rejects it.
pub fn analyse(doc: &ExecutableDocument) -> Stats {
    let mut analyser = Analyser {
        doc,
        memo: HashMap::new(),
    };
    let mut total = Stats::default();
    for (_, op) in doc.operations.iter() {
        let s = analyser.selection_set(&op.node.selection_set);
        total.fields = total.fields.saturating_add(s.fields);
        total.aliases = total.aliases.saturating_add(s.aliases);
        total.depth = total.depth.max(s.depth);
    }
    total
}

struct Analyser<'a> {
    doc: &'a ExecutableDocument,
    /// `None` while a fragment is being measured (so a cycle stops there).
    memo: HashMap<&'a str, Option<Stats>>,
}

impl<'a> Analyser<'a> {
    fn selection_set(&mut self, set: &'a Positioned<SelectionSet>) -> Stats {
        let mut out = Stats::default();
        for item in &set.node.items {
            let s = match &item.node {
                Selection::Field(field) => {
                    let inner = self.selection_set(&field.node.selection_set);
                    Stats {
                        fields: inner.fields.saturating_add(1),
                        aliases: inner
                            .aliases
                            .saturating_add(usize::from(field.node.alias.is_some())),
                        depth: inner.depth + 1,
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.selection_set(&fragment.node.selection_set)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            };
            out.fields = out.fields.saturating_add(s.fields);
            out.aliases = out.aliases.saturating_add(s.aliases);
            out.depth = out.depth.max(s.depth);
        }
        out
    }

    fn fragment(&mut self, name: &'a str) -> Stats {
        match self.memo.get(name) {
            Some(Some(stats)) => return *stats,
            Some(None) => return Stats::default(),
            None => {}
        }
        let Some(fragment) = self.doc.fragments.get(name) else {
            return Stats::default();
        };
        self.memo.insert(name, None);
        let stats = self.selection_set(&fragment.node.selection_set);
        self.memo.insert(name, Some(stats));
        stats
    }
}

/// Whether any operation of the document asks for `__schema` or `__type` (fragments at the
/// top level included; a fragment cycle is cut short, validation reports it).
pub fn introspects(doc: &ExecutableDocument) -> bool {
    fn set(doc: &ExecutableDocument, selection: &SelectionSet, budget: usize) -> bool {
        budget > 0
            && selection.items.iter().any(|item| match &item.node {
                Selection::Field(f) => matches!(f.node.name.node.as_str(), "__schema" | "__type"),
                Selection::InlineFragment(f) => set(doc, &f.node.selection_set.node, budget - 1),
                Selection::FragmentSpread(s) => doc
                    .fragments
                    .get(&s.node.fragment_name.node)
                    .is_some_and(|f| set(doc, &f.node.selection_set.node, budget - 1)),
            })
    }
    doc.operations
        .iter()
        .any(|(_, op)| set(doc, &op.node.selection_set.node, 16))
}

/// What every operation passes before it runs, over HTTP and WebSockets alike: the limits,
/// and no introspection when it is turned off (a refusal that says why, where async-graphql
/// would silently answer null). The documents it admitted are kept ([`AdmittedDocuments`]),
/// so the same operation sent again is neither parsed nor analysed again.
#[derive(Clone, Debug)]
pub struct Guard {
    limits: Limits,
    introspection: bool,
    admitted: Arc<AdmittedDocuments>,
}

impl Guard {
    pub fn new(limits: Limits, introspection: bool) -> Self {
        Self {
            limits,
            introspection,
            admitted: Arc::default(),
        }
    }

    /// Checks `request` (see [`check`]) and refuses introspection when it is off; tells which
    /// operation the request runs.
    pub fn admit(&self, request: &mut Request) -> ServerResult<Operation> {
        documents::resolve_persisted(&self.admitted, request)?;
        if let Some(document) = self.admitted.get(&request.query) {
            let operation = operation(&document, request.operation_name.as_deref());
            request.set_parsed_query(ExecutableDocument::clone(&document));
            return Ok(operation);
        }
        let operation = self.check(request)?;
        let document = request.parsed_query()?.clone();
        self.admitted.keep(&request.query, document);
        Ok(operation)
    }

    fn check(&self, request: &mut Request) -> ServerResult<Operation> {
        let operation = check(&self.limits, request)?;
        if !self.introspection && introspects(request.parsed_query()?) {
            let mut err = ServerError::new("introspection is turned off on this server", None);
            err.extensions
                .get_or_insert_with(Default::default)
                .set("code", "FORBIDDEN");
            return Err(err);
        }
        Ok(operation)
    }
}

/// Whether an async-graphql error is one of its limits (recursion depth, directives, parser
/// recursion, depth or complexity), which carry no code of their own.
fn is_limit_error(message: &str) -> bool {
    message.contains("recursion depth")
        || message.contains("number of directives")
        || message.contains("recursion limit exceeded")
        || message == "Query is too complex."
        || message == "Query is nested too deep."
}

/// Gives the limit errors async-graphql raises itself (the second line) our code.
pub fn code_limit_errors(response: &mut Response) {
    for err in &mut response.errors {
        if is_limit_error(&err.message) {
            err.extensions
                .get_or_insert_with(Default::default)
                .set("code", CODE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_graphqls_own_limit_errors_get_our_code_and_others_keep_theirs() {
        let mut response = Response::from_errors(vec![
            ServerError::new("Query is too complex.", None),
            ServerError::new("Unknown field \"x\" on type \"Query\".", None),
        ]);
        code_limit_errors(&mut response);
        let code = |err: &ServerError| {
            err.extensions
                .as_ref()
                .and_then(|ext| ext.get("code"))
                .cloned()
        };
        assert_eq!(
            code(&response.errors[0]),
            Some(async_graphql::Value::from(CODE))
        );
        assert_eq!(code(&response.errors[1]), None);
    }

    #[test]
    fn the_guard_refuses_introspection_only_when_it_is_off() {
        let query = "{ __schema { queryType { name } } }";
        let on = Guard::new(Limits::default(), true);
        assert!(on.admit(&mut Request::new(query)).is_ok());
        let off = Guard::new(Limits::default(), false);
        let err = off.admit(&mut Request::new(query)).unwrap_err();
        assert!(err.message.contains("introspection"), "{}", err.message);
        assert!(off.admit(&mut Request::new("{ __typename }")).is_ok());
        // Refused again when sent again: only admitted documents are kept.
        let err = off.admit(&mut Request::new(query)).unwrap_err();
        assert!(err.message.contains("introspection"), "{}", err.message);
    }

    #[test]
    fn an_admitted_document_is_admitted_again_without_parsing() {
        let guard = Guard::new(Limits::default(), true);
        let query = "query One { root { id } } query Two { me { username } }";
        let first = guard
            .admit(&mut Request::new(query).operation_name("Two"))
            .unwrap();
        assert_eq!(guard.admitted.len(), 1);
        let mut again = Request::new(query).operation_name("One");
        let second = guard.admit(&mut again).unwrap();
        assert_eq!(first.name.as_deref(), Some("Two"));
        assert_eq!(
            second.name.as_deref(),
            Some("One"),
            "the operation is the request's"
        );
        assert!(again.parsed_query().is_ok());

        // A refused document is not kept, and is refused again.
        let deep = format!("{{ root {}", "{ children { nodes ".repeat(12));
        let deep = format!("{deep}id{} }}", " } }".repeat(12));
        for _ in 0..2 {
            assert!(guard.admit(&mut Request::new(deep.as_str())).is_err());
        }
        assert_eq!(guard.admitted.len(), 1);
    }

    fn stats(query: &str) -> Stats {
        analyse(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn nesting_ignores_strings_and_comments() {
        assert_eq!(lexical_nesting("{ a { b(x: [1]) } }"), 4);
        assert_eq!(lexical_nesting(r#"{ a(s: "{{{{") # {{{{"#), 2);
        assert_eq!(lexical_nesting("{ a(s: \"\"\"{{{\n{{\"\"\") }"), 2);
        assert_eq!(lexical_nesting(r#"{ a(s: "\"{{") }"#), 2);
    }

    #[test]
    fn fragments_count_as_expanded() {
        let s = stats("{ a { ...F ...F } x: b } fragment F on T { c d: e { f } }");
        assert_eq!(s.fields, 2 + 2 * 3);
        assert_eq!(s.aliases, 1 + 2);
        assert_eq!(s.depth, 3);
    }

    #[test]
    fn a_fragment_bomb_is_measured_without_expanding_it() {
        let mut q = String::from("{ ...F0 } fragment F0 on Q { a b }");
        for i in 1..=70 {
            q.push_str(&format!(
                " fragment F{i} on Q {{ ...F{p} ...F{p} }}",
                p = i - 1
            ));
        }
        q = q.replacen("...F0", "...F70", 1);
        let s = stats(&q);
        assert_eq!(s.fields, usize::MAX, "2^71 fields saturate");
    }

    #[test]
    fn fragment_cycles_do_not_loop() {
        let s = stats("{ ...A } fragment A on Q { a ...B } fragment B on Q { b ...A }");
        assert_eq!(s.fields, 2);
    }

    #[test]
    fn the_operation_is_found_by_name_or_alone() {
        let mut r = Request::new("query A { a } mutation B { b }").operation_name("B");
        let op = check(&Limits::default(), &mut r).unwrap();
        assert_eq!(op.kind, Some(OperationType::Mutation));
        let mut r = Request::new("mutation M { b }");
        let op = check(&Limits::default(), &mut r).unwrap();
        assert_eq!(op.name.as_deref(), Some("M"));
    }

    #[test]
    fn graphiqls_introspection_query_fits_with_room_to_spare() {
        // graphql-js 16's getIntrospectionQuery with every option GraphiQL may turn on.
        let mut r = Request::new(include_str!("introspection.graphql"));
        check(&Limits::default(), &mut r).expect("introspection passes");
        let s = analyse(r.parsed_query().unwrap());
        let limits = Limits::default();
        assert!(s.depth + 2 <= limits.max_depth, "{s:?}");
        assert!(s.fields * 2 <= limits.max_fields, "{s:?}");
        assert_eq!(s.aliases, 0);
    }

    #[test]
    fn limit_errors_carry_the_code() {
        let mut r = Request::new(format!("{{ {} }}", "x: a ".repeat(101)));
        let err = check(&Limits::default(), &mut r).unwrap_err();
        assert_eq!(
            err.extensions.unwrap().get("code"),
            Some(&async_graphql::Value::from(CODE))
        );
    }
}
