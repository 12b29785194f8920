//! The schema as an artifact: `schema.graphql` is the exported SDL, everything in the shared
//! contract is in the schema with the same types, and every type and field is documented.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::parser::types::{
    FieldDefinition, InputValueDefinition, ServiceDocument, TypeDefinition, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::Positioned;
use canopy_tests::{workspace_root, TestApp};
use serde_json::{json, Value};

const REGENERATE: &str = "cargo run -p canopy-server --bin canopy -- schema > schema.graphql";

#[test]
fn schema_graphql_is_the_schema_the_server_runs() {
    let path = workspace_root().join("schema.graphql");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let running = canopy_server::schema::sdl();
    if committed != running {
        let first_difference = committed
            .lines()
            .zip(running.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(running.lines().count()));
        panic!(
            "schema.graphql differs from the running schema (first at line {}).\n\
             Regenerate it with `{REGENERATE}` and review the change.",
            first_difference + 1
        );
    }
}

fn types(doc: &ServiceDocument) -> BTreeMap<String, &TypeDefinition> {
    doc.definitions
        .iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) => Some((t.node.name.node.to_string(), &t.node)),
            _ => None,
        })
        .collect()
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Scalar => "scalar",
        TypeKind::Object(_) => "type",
        TypeKind::Interface(_) => "interface",
        TypeKind::Union(_) => "union",
        TypeKind::Enum(_) => "enum",
        TypeKind::InputObject(_) => "input",
    }
}

fn default_of(value: &InputValueDefinition) -> Option<String> {
    value.default_value.as_ref().map(|v| v.node.to_string())
}

/// Compares input values (arguments or input fields): the contract's must exist with the
/// same type and default; ones the contract lacks must not be required.
fn compare_inputs(
    owner: &str,
    contract: &[Positioned<InputValueDefinition>],
    server: &[Positioned<InputValueDefinition>],
    problems: &mut Vec<String>,
) {
    let server: BTreeMap<&str, &InputValueDefinition> = server
        .iter()
        .map(|v| (v.node.name.node.as_str(), &v.node))
        .collect();
    let named: BTreeSet<&str> = contract.iter().map(|v| v.node.name.node.as_str()).collect();
    for want in contract {
        let want = &want.node;
        let name = want.name.node.as_str();
        match server.get(name) {
            None => problems.push(format!("{owner}({name}: {}) is missing", want.ty.node)),
            Some(have) => {
                if have.ty.node.to_string() != want.ty.node.to_string() {
                    problems.push(format!(
                        "{owner}({name}:) is {} but the contract says {}",
                        have.ty.node, want.ty.node
                    ));
                }
                if default_of(have) != default_of(want) {
                    problems.push(format!(
                        "{owner}({name}:) defaults to {:?} but the contract says {:?}",
                        default_of(have),
                        default_of(want)
                    ));
                }
            }
        }
    }
    for (name, have) in &server {
        if !named.contains(name) && !have.ty.node.nullable && have.default_value.is_none() {
            problems.push(format!(
                "{owner}({name}:) is required but the contract does not have it"
            ));
        }
    }
}

fn compare_fields(
    owner: &str,
    contract: &[Positioned<FieldDefinition>],
    server: &[Positioned<FieldDefinition>],
    problems: &mut Vec<String>,
) {
    let server: BTreeMap<&str, &FieldDefinition> = server
        .iter()
        .map(|f| (f.node.name.node.as_str(), &f.node))
        .collect();
    for want in contract {
        let want = &want.node;
        let name = want.name.node.as_str();
        let Some(have) = server.get(name) else {
            problems.push(format!("{owner}.{name}: {} is missing", want.ty.node));
            continue;
        };
        if have.ty.node.to_string() != want.ty.node.to_string() {
            problems.push(format!(
                "{owner}.{name} is {} but the contract says {}",
                have.ty.node, want.ty.node
            ));
        }
        compare_inputs(
            &format!("{owner}.{name}"),
            &want.arguments,
            &have.arguments,
            problems,
        );
    }
}

/// Everything the contract names that the schema lacks or types differently.
fn contract_problems(contract: &ServiceDocument, server: &ServiceDocument) -> Vec<String> {
    let mut problems = Vec::new();
    let have = types(server);
    for (name, want) in types(contract) {
        let Some(got) = have.get(&name) else {
            problems.push(format!("{} {name} is missing", kind_name(&want.kind)));
            continue;
        };
        match (&want.kind, &got.kind) {
            (TypeKind::Scalar, TypeKind::Scalar) => {}
            (TypeKind::Object(w), TypeKind::Object(g)) => {
                for interface in &w.implements {
                    if !g.implements.iter().any(|i| i.node == interface.node) {
                        problems.push(format!("{name} does not implement {}", interface.node));
                    }
                }
                compare_fields(&name, &w.fields, &g.fields, &mut problems);
            }
            (TypeKind::Interface(w), TypeKind::Interface(g)) => {
                for interface in &w.implements {
                    if !g.implements.iter().any(|i| i.node == interface.node) {
                        problems.push(format!("{name} does not implement {}", interface.node));
                    }
                }
                compare_fields(&name, &w.fields, &g.fields, &mut problems);
            }
            (TypeKind::Union(w), TypeKind::Union(g)) => {
                for member in &w.members {
                    if !g.members.iter().any(|m| m.node == member.node) {
                        problems.push(format!("union {name} lacks {}", member.node));
                    }
                }
            }
            (TypeKind::Enum(w), TypeKind::Enum(g)) => {
                for value in &w.values {
                    if !g
                        .values
                        .iter()
                        .any(|v| v.node.value.node == value.node.value.node)
                    {
                        problems.push(format!("enum {name} lacks {}", value.node.value.node));
                    }
                }
            }
            (TypeKind::InputObject(w), TypeKind::InputObject(g)) => {
                compare_inputs(&name, &w.fields, &g.fields, &mut problems);
            }
            (w, g) => problems.push(format!(
                "{name} is a {} but the contract says {}",
                kind_name(g),
                kind_name(w)
            )),
        }
    }
    problems
}

fn parse(sdl: &str, what: &str) -> ServiceDocument {
    async_graphql::parser::parse_schema(sdl).unwrap_or_else(|e| panic!("{what}: {e}"))
}

#[test]
fn the_contract_comparison_finds_what_is_missing_or_different() {
    let contract = parse(
        "interface Node { id: ID! } type A implements Node { id: ID! b(x: Int = 1): String! c: Int }
         enum E { X Y } input I { p: Int! q: String } scalar S",
        "contract",
    );
    let server = parse(
        "interface Node { id: ID! } type A { id: ID! b(x: Int = 2, y: Int!): String c: Int d: Int }
         enum E { X } input I { p: Int q: String r: Int! }",
        "server",
    );
    let problems = contract_problems(&contract, &server);
    for expected in [
        "A does not implement Node",
        "A.b is String but the contract says String!",
        "A.b(x:) defaults to Some(\"2\") but the contract says Some(\"1\")",
        "A.b(y:) is required but the contract does not have it",
        "enum E lacks Y",
        "I(p:) is Int but the contract says Int!",
        "I(r:) is required but the contract does not have it",
        "scalar S is missing",
    ] {
        assert!(
            problems.iter().any(|p| p == expected),
            "{expected:?} not in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 8, "{problems:#?}");
}

#[test]
fn the_schema_has_everything_the_shared_contract_names() {
    let path = workspace_root().join("../shared/contract.graphql");
    let contract = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the contract at {}: {e}", path.display()));
    let problems = contract_problems(
        &parse(&contract, "contract.graphql"),
        &parse(&canopy_server::schema::sdl(), "the server's SDL"),
    );
    assert!(
        problems.is_empty(),
        "the schema differs from shared/contract.graphql in {} places:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

/// GraphQL's own types and scalars, which async-graphql documents itself.
fn built_in(name: &str) -> bool {
    name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name)
}

#[tokio::test]
async fn every_type_and_field_has_a_description() {
    let app = TestApp::spawn().await;
    let query = include_str!("../../../server/src/http/introspection.graphql");
    let body = app.gql(None, query, json!({})).await;
    let mut undocumented = Vec::new();
    let blank = |v: &Value| {
        v["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
    };
    for ty in body["data"]["__schema"]["types"].as_array().expect("types") {
        let name = ty["name"].as_str().unwrap();
        if built_in(name) {
            continue;
        }
        if blank(ty) {
            undocumented.push(format!("type {name}"));
        }
        for field in ty["fields"].as_array().into_iter().flatten() {
            let field_name = field["name"].as_str().unwrap();
            if blank(field) {
                undocumented.push(format!("{name}.{field_name}"));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if blank(arg) {
                    undocumented.push(format!(
                        "{name}.{field_name}({}:)",
                        arg["name"].as_str().unwrap()
                    ));
                }
            }
        }
        for field in ty["inputFields"].as_array().into_iter().flatten() {
            if blank(field) {
                undocumented.push(format!("{name}.{}", field["name"].as_str().unwrap()));
            }
        }
        for value in ty["enumValues"].as_array().into_iter().flatten() {
            if blank(value) {
                undocumented.push(format!("{name}.{}", value["name"].as_str().unwrap()));
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "{} schema elements have no description (add doc comments):\n  {}",
        undocumented.len(),
        undocumented.join("\n  ")
    );
}
