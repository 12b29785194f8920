//! Hostile and broken input: every kind gets a clear answer (a 4xx or a GraphQL error with a
//! code), never a panic, a dropped connection or a 500, and the server keeps serving.

use canopy_tests::{error_code, TestApp};
use serde_json::json;

#[tokio::test]
async fn broken_requests_get_clear_refusals_not_server_errors() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql", app.address);
    let http = reqwest::Client::new();
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "truncated JSON",
            "application/json",
            b"{\"query\": \"{ countries { code }".to_vec(),
        ),
        (
            "JSON that is not an object",
            "application/json",
            b"[1, 2, 3]".to_vec(),
        ),
        (
            "query of the wrong type",
            "application/json",
            br#"{"query": 42}"#.to_vec(),
        ),
        (
            "variables of the wrong type",
            "application/json",
            br#"{"query": "{ __typename }", "variables": "x"}"#.to_vec(),
        ),
        (
            "invalid UTF-8",
            "application/json",
            vec![b'{', b'"', 0xff, 0xfe, b'"', b'}'],
        ),
        (
            "a wrong content type",
            "text/plain",
            b"{ __typename }".to_vec(),
        ),
        ("an empty body", "application/json", Vec::new()),
        (
            "a broken multipart body",
            "multipart/form-data; boundary=x",
            b"--x\r\ngarbage".to_vec(),
        ),
        (
            "a syntax error",
            "application/json",
            br#"{"query": "{ countries { code "}"#.to_vec(),
        ),
        (
            "an unknown field",
            "application/json",
            br#"{"query": "{ nope }"}"#.to_vec(),
        ),
        (
            "a NUL in the query",
            "application/json",
            b"{\"query\": \"{ __typename \\u0000 }\"}".to_vec(),
        ),
    ];
    for (why, content_type, body) in cases {
        let response = http
            .post(&url)
            .header("content-type", content_type)
            .header("accept", "application/graphql-response+json")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{why}: the connection failed: {e}"));
        let status = response.status();
        assert!(
            status.is_client_error() || status.is_success(),
            "{why}: status {status}"
        );
        let text = response.text().await.unwrap();
        assert!(!text.contains("panicked"), "{why}: {text}");
        if status.is_success() {
            let body: serde_json::Value = serde_json::from_str(&text).expect("a JSON answer");
            assert!(body["errors"].is_array(), "{why}: an error answer: {body}");
        }
    }
    // Still serving.
    app.data(None, "{ dataCenters { code } }", json!({})).await;
}

#[tokio::test]
async fn bad_ids_and_cursors_read_as_missing_or_bad_input() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let long = "A".repeat(10_000);
    let weird_ids = [
        "",
        "x",
        "!!!",
        "Q3VzdG9tZXI6",
        "Q3VzdG9tZXI6LTE",
        "Q3VzdG9tZXI6OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
        long.as_str(),
        "Q3VzdG9tZXI6MQ\u{0}",
    ];
    for id in weird_ids {
        let body = app
            .gql(
                Some(&token),
                "query($id: ID!) { customer(id: $id) { id } node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(body["errors"].is_null(), "{id:?}: {body}");
        assert!(
            body["data"]["customer"].is_null() && body["data"]["node"].is_null(),
            "{id:?}"
        );
        let body = app
            .gql(
                Some(&token),
                "mutation($id: ID!) { removeCustomer(id: $id) }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{id:?}: {body}");
    }
    for cursor in ["", "garbage", "eyJ4IjoxfQ", long.as_str(), "%%%"] {
        for query in [
            "query($c: String) { root { children(after: $c) { totalCount } } }",
            "query($c: String) { customers(after: $c) { totalCount } }",
            "query($c: String) { auditLog(after: $c) { totalCount } }",
            "query($c: String) { root { devices(after: $c) { totalCount } } }",
        ] {
            let body = app.gql(Some(&token), query, json!({ "c": cursor })).await;
            assert_eq!(
                error_code(&body),
                Some("BAD_USER_INPUT"),
                "{cursor:?} in {query}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn documents_and_values_the_schema_rejects_carry_a_code() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let cases = [
        ("an unknown field", "{ nope }", json!({})),
        ("a syntax error", "{ root { ", json!({})),
        (
            "a wrong enum value",
            "{ customers(levels: [EMPEROR]) { totalCount } }",
            json!({}),
        ),
        (
            "a variable of the wrong type",
            "query($n: Int) { customers(first: $n) { totalCount } }",
            json!({ "n": "ten" }),
        ),
        (
            "a missing required argument",
            "{ customer { id } }",
            json!({}),
        ),
    ];
    for (why, query, vars) in cases {
        let body = app.gql(Some(&token), query, vars).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{why}: {body}");
    }
}
