//! Registers the API's schema with cynic, so every operation in `src/api` is checked against it
//! at compile time: an API change that breaks the app breaks the build.
//!
//! The schema is `schema.graphql` at the repository root (the server's exported SDL, kept equal
//! to it by a test), plus whatever `pending.graphql` declares that it does not have yet: parts of
//! the contract whose server side has not landed. Each such addition is reported as a warning.

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=../schema.graphql");
    println!("cargo:rerun-if-changed=pending.graphql");
    let schema = fs::read_to_string("../schema.graphql")
        .expect("schema.graphql at the repository root is readable");
    let pending = fs::read_to_string("pending.graphql").unwrap_or_default();
    let (merged, added) = merge(&schema, &pending);
    if !added.is_empty() {
        println!(
            "cargo:warning=typed against the contract, not yet in schema.graphql: {}",
            added.join(", ")
        );
    }
    let out =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("schema.graphql");
    fs::write(&out, merged).expect("OUT_DIR is writable");
    cynic_codegen::register_schema("canopy")
        .from_sdl_file(&out)
        .expect("the merged schema is readable")
        .as_default()
        .expect("cynic can register the schema");
}

/// The first two words of a line: a definition's keyword and name (`type Customer {`).
fn head(line: &str) -> Option<(&str, &str)> {
    let mut words = line.split_whitespace();
    let keyword = words.next()?;
    let name = words.next()?.trim_end_matches('{');
    Some((keyword, name))
}

/// The line index of `keyword name`'s definition in `lines`.
fn find_definition(lines: &[String], keyword: &str, name: &str) -> Option<usize> {
    lines
        .iter()
        .position(|l| head(l) == Some((keyword, name)) && !l.starts_with(' '))
}

/// Adds to `schema` the definitions and `extend type` fields of `pending` that it lacks;
/// returns the merged SDL and what was added.
fn merge(schema: &str, pending: &str) -> (String, Vec<String>) {
    let mut lines: Vec<String> = schema.lines().map(str::to_owned).collect();
    let mut added = Vec::new();
    let mut chunks: Vec<Vec<&str>> = Vec::new();
    let mut depth = 0i32;
    for line in pending.lines() {
        let code = line.split('#').next().unwrap_or("");
        if depth == 0 {
            if code.trim().is_empty() {
                continue;
            }
            chunks.push(Vec::new());
        }
        if let Some(chunk) = chunks.last_mut() {
            chunk.push(code);
        }
        depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
    }
    for chunk in chunks {
        let Some((keyword, name)) = chunk.first().and_then(|l| head(l)) else {
            continue;
        };
        if keyword == "extend" {
            let Some((_, name)) = chunk
                .first()
                .and_then(|l| head(l.trim_start_matches("extend")))
            else {
                continue;
            };
            let Some(start) = find_definition(&lines, "type", name) else {
                panic!("pending.graphql extends type {name}, which schema.graphql lacks");
            };
            let end = start
                + lines[start..]
                    .iter()
                    .position(|l| l == "}")
                    .expect("a closed type");
            for field in chunk[1..chunk.len() - 1].iter().map(|f| f.trim()) {
                let field_name = field.split([':', '(']).next().unwrap_or("").trim();
                if field_name.is_empty() {
                    continue;
                }
                let present = lines[start..end].iter().any(|l| {
                    let l = l.trim();
                    l.starts_with(&format!("{field_name}:"))
                        || l.starts_with(&format!("{field_name}("))
                });
                if !present {
                    lines.insert(end, format!("\t{field}"));
                    added.push(format!("{name}.{field_name}"));
                }
            }
        } else if find_definition(&lines, keyword, name).is_none() {
            if name == "Subscription" {
                if let Some(at) = lines.iter().position(|l| l.trim() == "mutation: Mutation") {
                    lines.insert(at + 1, "\tsubscription: Subscription".into());
                }
            }
            lines.extend(chunk.iter().map(|l| l.to_string()));
            added.push(name.to_owned());
        }
    }
    (lines.join("\n") + "\n", added)
}
