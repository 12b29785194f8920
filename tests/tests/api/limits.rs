//! Query limits: over-limit queries are refused with QUERY_TOO_COMPLEX before anything runs,
//! quickly, and the server goes on answering everyone else.

use std::time::{Duration, Instant};

use canopy_tests::{error_code, TestApp};
use serde_json::{json, Value};

/// GraphiQL's introspection query (graphql-js 16, every option on).
const INTROSPECTION: &str = include_str!("../../../server/src/http/introspection.graphql");

/// `{ root { children { nodes { children { nodes { … name } } } } } }`, `levels` deep.
fn nested(levels: usize) -> String {
    let pairs = levels / 2;
    format!(
        "{{ root {{ {} name {} }} }}",
        "children { nodes { ".repeat(pairs),
        "} } ".repeat(pairs)
    )
}

async fn assert_refused(app: &TestApp, token: &str, query: &str, mentions: &str) {
    let started = Instant::now();
    let body = app.gql(Some(token), query, json!({})).await;
    let took = started.elapsed();
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body:#}");
    assert!(body.get("data").is_none(), "nothing ran: {body:#}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(mentions), "{message}");
    assert!(took < Duration::from_secs(1), "refused in {took:?}");
    // ...and the server still answers a normal query right after.
    let data = app.data(Some(token), "{ root { name } }", json!({})).await;
    assert_eq!(data["root"]["name"], app.root_name);
}

#[tokio::test]
async fn a_fifty_level_query_is_refused_as_too_deep() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let query = nested(50);
    assert!(query.matches('{').count() >= 50, "{query}");
    assert_refused(&app, &token, &query, "levels deep").await;
}

#[tokio::test]
async fn ten_thousand_aliases_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let aliases: String = (0..10_000).map(|i| format!("a{i}: __typename ")).collect();
    assert_refused(&app, &token, &format!("{{ {aliases} }}"), "bytes").await;
    // Under the size limit, the alias limit itself answers.
    let aliases: String = (0..1_000).map(|i| format!("a{i}: __typename ")).collect();
    assert_refused(&app, &token, &format!("{{ {aliases} }}"), "aliases").await;
}

#[tokio::test]
async fn a_fragment_bomb_is_refused_without_being_expanded() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let mut query = String::from("{ ...F40 } fragment F0 on Query { __typename }");
    for i in 1..=40 {
        query.push_str(&format!(
            " fragment F{i} on Query {{ ...F{p} ...F{p} }}",
            p = i - 1
        ));
    }
    assert_refused(&app, &token, &query, "fields").await;
}

#[tokio::test]
async fn deeply_nested_brackets_are_refused_before_parsing() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let query = format!("{}{}", "{".repeat(10_000), "}".repeat(10_000));
    assert_refused(&app, &token, &query, "brackets").await;
}

#[tokio::test]
async fn large_batches_are_refused() {
    let app = TestApp::spawn().await;
    let batch: Vec<Value> = (0..11)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body:#}");
}

#[tokio::test]
async fn abusive_queries_do_not_hold_up_other_clients() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let bomb: String = format!(
        "{{ {} }}",
        (0..10_000)
            .map(|i| format!("a{i}: __typename "))
            .collect::<String>()
    );
    let deep = nested(50);
    let abuse = (0..20).map(|i| {
        let query = if i % 2 == 0 { &bomb } else { &deep };
        app.gql(Some(&token), query, json!({}))
    });
    let normal = app.data(Some(&token), "{ root { name childCount } }", json!({}));
    let (refused, normal) = tokio::join!(futures::future::join_all(abuse), normal);
    assert!(refused
        .iter()
        .all(|b| error_code(b) == Some("QUERY_TOO_COMPLEX")));
    assert_eq!(normal["root"]["name"], app.root_name);
}

#[tokio::test]
async fn graphiqls_introspection_query_fits_under_the_limits_without_signing_in() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, INTROSPECTION, json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Customer"));
}

#[tokio::test]
async fn introspection_can_be_turned_off() {
    let app = TestApp::spawn_with(|config| config.introspection = false).await;
    let body = app.gql(None, INTROSPECTION, json!({})).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body:#}");
    assert!(body.get("data").is_none(), "{body:#}");
    // Ordinary queries (and __typename) still work.
    let data = app
        .data(None, "{ __typename dataCenters { code } }", json!({}))
        .await;
    assert_eq!(data["__typename"], "Query");
}
