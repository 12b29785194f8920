//! GraphQL over HTTP: the graphql-http audit suite against the real server, and the
//! behaviours behind it (content negotiation, GET for queries only, status codes, batches).

use std::path::PathBuf;
use std::process::Command;

use canopy_tests::{workspace_root, TestApp};
use serde_json::{json, Value};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// The audit runner in `shared/` (beside the repository), copied out because `shared/` is
/// read-only, with its npm packages installed. Panics (never skips) when it cannot be set up.
fn audit_runner() -> (tempfile::TempDir, PathBuf) {
    let source = workspace_root().join("../shared/tools/graphql-http-audit");
    assert!(
        source.join("graphql-http-audit.mjs").is_file(),
        "the audit runner is missing at {}: the repository's sibling shared/ folder must be there",
        source.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(&source).expect("read the audit folder") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("file type").is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
    }
    let install = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund"])
        .current_dir(dir.path())
        .output()
        .expect("npm runs (Node 18 or newer is needed for the audit)");
    assert!(
        install.status.success(),
        "npm install failed:\n{}{}",
        String::from_utf8_lossy(&install.stdout),
        String::from_utf8_lossy(&install.stderr)
    );
    let script = dir.path().join("graphql-http-audit.mjs");
    (dir, script)
}

#[tokio::test]
async fn the_server_passes_every_graphql_over_http_audit() {
    let (_dir, script) = tokio::task::spawn_blocking(audit_runner).await.unwrap();
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.address);
    // --strict: a missed SHOULD fails too, so a regression cannot hide as a warning. Node
    // runs off the async workers, which the server under test shares.
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .arg(&url)
            .arg("--strict")
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the audit failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!stdout.contains("FAIL "), "{stdout}");
    assert!(!stdout.contains("WARN "), "{stdout}");
    assert!(stdout.contains("MUST 13/13"), "{stdout}");
    assert!(stdout.contains("SHOULD 23/23"), "{stdout}");
}

async fn post(app: &TestApp, accept: Option<&str>, body: Value) -> reqwest::Response {
    let mut request = client()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request.send().await.expect("the server answers")
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn answers_in_the_media_type_the_client_accepts() {
    let app = TestApp::spawn().await;
    let cases = [
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (Some("application/json"), "application/json"),
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
    ];
    for (accept, expected) in cases {
        let response = post(&app, accept, json!({ "query": "{ __typename }" })).await;
        assert_eq!(response.status(), 200, "{accept:?}");
        let ct = content_type(&response);
        assert!(ct.starts_with(expected), "{accept:?} gave {ct}");
        assert!(ct.contains("charset=utf-8"), "{ct}");
    }
    let response = post(
        &app,
        Some("text/html"),
        json!({ "query": "{ __typename }" }),
    )
    .await;
    assert_eq!(response.status(), 406, "nothing acceptable");
}

#[tokio::test]
async fn request_errors_have_no_data_and_a_4xx_status_in_the_specs_media_type() {
    let app = TestApp::spawn().await;
    for query in ["{", "{ noSuchField }"] {
        let response = post(&app, Some(GRAPHQL_RESPONSE), json!({ "query": query })).await;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(body.get("data").is_none(), "{body}");
        assert!(body["errors"][0]["message"].is_string(), "{body}");

        // application/json keeps 200 for GraphQL errors, as the spec asks.
        let response = post(&app, Some("application/json"), json!({ "query": query })).await;
        assert_eq!(response.status(), 200, "{query}");
    }
    // Field errors are execution errors: 200 with data, in both media types.
    let response = post(
        &app,
        Some(GRAPHQL_RESPONSE),
        json!({ "query": "{ me { id } root { id } }" }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(body.get("data").is_some());
}

#[tokio::test]
async fn malformed_requests_are_refused_with_400_and_name_the_parameter() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({ "qeury": "{ __typename }" }), "query"),
        (json!({ "query": 1 }), "query"),
        (
            json!({ "query": "{ __typename }", "variables": "x" }),
            "variables",
        ),
        (
            json!({ "query": "{ __typename }", "operationName": 0 }),
            "operationName",
        ),
        (
            json!({ "query": "{ __typename }", "extensions": [1] }),
            "extensions",
        ),
    ];
    for (body, field) in cases {
        let response = post(&app, None, body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
        assert_eq!(answer["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let response = client()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body("{ \"not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = client()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "text/plain")
        .body("{ __typename }")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn get_runs_queries_but_not_mutations() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.address);
    let response = client()
        .get(&url)
        .query(&[
            (
                "query",
                "query Q($n: String!) { __type(name: $n) { name } }",
            ),
            ("variables", r#"{"n":"Customer"}"#),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["__type"]["name"], "Customer");

    let response = client()
        .get(&url)
        .query(&[("query", "mutation { signOut }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");

    let response = client().put(&url).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn batches_answer_each_operation_in_order() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let response = client()
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&token)
        .json(&json!([
            { "query": "{ root { name } }" },
            { "query": "{ me { username } }" },
            { "query": "{" },
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body[0]["data"]["root"]["name"], app.root_name);
    assert_eq!(body[1]["data"]["me"]["username"], app.admin_user);
    assert!(body[2]["errors"][0]["message"].is_string());
}

/// Automatic persisted queries (Apollo's `persistedQuery` extension): a hash alone runs a
/// document this server admitted before, else asks for the query; a hash that is not the
/// query's is refused; GET works the same way.
#[tokio::test]
async fn persisted_queries_run_by_hash_once_the_query_was_sent() {
    let app = TestApp::spawn().await;
    const QUERY: &str = r#"query Persisted { __type(name: "Customer") { name } }"#;
    // `printf '%s' "$QUERY" | sha256sum`
    const HASH: &str = "b8113ca1fbb5ab010fdd8884772b75d67cb8a470aef1235ca33c538a94c7e918";
    let extension = |hash: &str| json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });

    let body: Value = post(&app, None, json!({ "extensions": extension(HASH) }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["errors"][0]["message"], "PersistedQueryNotFound",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    let wrong = "0".repeat(64);
    let body: Value = post(
        &app,
        None,
        json!({ "query": QUERY, "extensions": extension(&wrong) }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert!(body.get("data").is_none());

    let body: Value = post(
        &app,
        None,
        json!({ "query": QUERY, "extensions": extension(HASH) }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body["data"]["__type"]["name"], "Customer", "{body}");

    let body: Value = post(&app, None, json!({ "extensions": extension(HASH) }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["__type"]["name"], "Customer", "{body}");

    let response = client()
        .get(format!("{}/graphql", app.address))
        .query(&[("extensions", extension(HASH).to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["__type"]["name"], "Customer", "{body}");

    // Without the extension, a request still needs its query.
    let response = post(&app, None, json!({ "extensions": {} })).await;
    assert_eq!(response.status(), 400);
}
