//! Signing in and out, sessions, and what needs a session.

use canopy_tests::{error_code, TestApp};
use serde_json::json;

const SIGN_IN: &str = "mutation($c: String!, $u: String!, $p: String!) { signIn(customerName: $c, username: $u, password: $p) { token expiresAt user { username role customer { name level } } } }";

#[tokio::test]
async fn signing_in_returns_a_session_that_identifies_the_user() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            None,
            SIGN_IN,
            json!({ "c": app.root_name, "u": app.admin_user, "p": app.admin_password }),
        )
        .await;
    let session = &data["signIn"];
    assert_eq!(session["user"]["role"], "SUPERUSER");
    assert_eq!(session["user"]["customer"]["level"], "ROOT");
    let token = session["token"].as_str().unwrap();
    assert!(token.len() >= 43, "a 256-bit token");

    let me = app
        .data(
            Some(token),
            "{ me { username role } root { name level } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["username"], app.admin_user.as_str());
    assert_eq!(me["root"]["name"], app.root_name.as_str());
}

#[tokio::test]
async fn sign_in_ignores_the_case_of_customer_and_user_names() {
    let app = TestApp::spawn().await;
    let token = app
        .sign_in(
            &app.root_name.to_uppercase(),
            &app.admin_user.to_uppercase(),
            &app.admin_password,
        )
        .await;
    assert!(!token.is_empty());
}

#[tokio::test]
async fn every_wrong_credential_gets_the_same_answer() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "wrong password",
            app.root_name.as_str(),
            app.admin_user.as_str(),
            "not the password",
        ),
        (
            "unknown user",
            app.root_name.as_str(),
            "nobody@example.com",
            app.admin_password.as_str(),
        ),
        (
            "unknown customer",
            "No Such Company",
            app.admin_user.as_str(),
            app.admin_password.as_str(),
        ),
    ];
    let mut messages = Vec::new();
    for (why, customer, user, password) in cases {
        let body = app
            .gql(
                None,
                SIGN_IN,
                json!({ "c": customer, "u": user, "p": password }),
            )
            .await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{why}: {body}");
        assert!(body["data"].is_null(), "{why}: no session");
        messages.push(body["errors"][0]["message"].as_str().unwrap().to_owned());
    }
    messages.dedup();
    assert_eq!(
        messages.len(),
        1,
        "one message for every wrong part: {messages:?}"
    );
}

#[tokio::test]
async fn only_public_fields_answer_without_a_session() {
    let app = TestApp::spawn().await;
    let public = app
        .data(
            None,
            "{ me { id } countries { code } dataCenters { code } }",
            json!({}),
        )
        .await;
    assert!(public["me"].is_null());
    assert_eq!(public["dataCenters"].as_array().unwrap().len(), 12);

    let introspection = app
        .data(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(introspection["__schema"]["queryType"]["name"], "Query");

    for query in [
        "{ root { id } }",
        "{ customers { totalCount } }",
        "{ customer(id: \"x\") { id } }",
        "mutation { signOut }",
        "mutation { removeCustomer(id: \"x\") }",
    ] {
        let body = app.gql(None, query, json!({})).await;
        assert_eq!(
            error_code(&body),
            Some("UNAUTHENTICATED"),
            "{query}: {body}"
        );
    }
    let body = app
        .gql(Some("made-up-token"), "{ root { id } }", json!({}))
        .await;
    assert_eq!(
        error_code(&body),
        Some("UNAUTHENTICATED"),
        "an unknown token: {body}"
    );
}

#[tokio::test]
async fn signing_out_revokes_the_token() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let other = app.sign_in_admin().await;
    let out = app
        .data(Some(&token), "mutation { signOut }", json!({}))
        .await;
    assert_eq!(out["signOut"], true);
    let body = app.gql(Some(&token), "{ root { id } }", json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    // Other sessions of the same user live on.
    app.data(Some(&other), "{ root { id } }", json!({})).await;
}

#[tokio::test]
async fn sessions_expire_when_unused() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    app.clock.advance_ms(11 * 3600 * 1000);
    app.data(Some(&token), "{ root { id } }", json!({})).await;
    // Use slid the expiry forward: 11 h later it is still alive...
    app.clock.advance_ms(11 * 3600 * 1000);
    app.data(Some(&token), "{ root { id } }", json!({})).await;
    // ...but not after 13 h without use.
    app.clock.advance_ms(13 * 3600 * 1000);
    let body = app.gql(Some(&token), "{ root { id } }", json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn a_created_user_signs_in_with_the_customers_name() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let acme = app
        .create_customer(&admin, &root, "Acme Distribution", "DISTRIBUTOR", json!({}))
        .await;
    app.create_user(
        &admin,
        &acme,
        "ops@acme.example",
        "ADMINISTRATOR",
        "acme password 1",
    )
    .await;

    let token = app
        .sign_in("acme distribution", "ops@acme.example", "acme password 1")
        .await;
    let data = app
        .data(
            Some(&token),
            "{ root { name } me { role customer { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["root"]["name"], "Acme Distribution");
    assert_eq!(data["me"]["role"], "ADMINISTRATOR");
    // The user cannot sign in as if they belonged to the root customer.
    let body = app
        .gql(
            None,
            SIGN_IN,
            json!({ "c": app.root_name, "u": "ops@acme.example", "p": "acme password 1" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn renaming_a_customer_changes_the_name_its_users_sign_in_with() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let acme = app
        .create_customer(&admin, &root, "Acme", "RESELLER", json!({}))
        .await;
    app.create_user(
        &admin,
        &acme,
        "it@acme.example",
        "MANAGER",
        "acme password 2",
    )
    .await;
    let session = app
        .sign_in("Acme", "it@acme.example", "acme password 2")
        .await;
    app.data(
        Some(&admin),
        "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Acme Renamed\" }) { name } }",
        json!({ "id": acme }),
    )
    .await;
    // The running session survives the rename; the next sign-in uses the new name.
    app.data(Some(&session), "{ root { name } }", json!({}))
        .await;
    let body = app
        .gql(
            None,
            SIGN_IN,
            json!({ "c": "Acme", "u": "it@acme.example", "p": "acme password 2" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    app.sign_in("Acme Renamed", "it@acme.example", "acme password 2")
        .await;
}

#[tokio::test]
async fn repeated_failures_slow_down_further_attempts() {
    let app = TestApp::spawn().await;
    let wrong = json!({ "c": app.root_name, "u": app.admin_user, "p": "guess" });
    for _ in 0..5 {
        let body = app.gql(None, SIGN_IN, wrong.clone()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["retryAfterSeconds"],
            serde_json::Value::Null
        );
    }
    // The sixth attempt waits, even with the right password and whoever's account it names.
    let right = json!({ "c": app.root_name, "u": app.admin_user, "p": app.admin_password });
    let body = app.gql(None, SIGN_IN, right.clone()).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    assert_eq!(
        body["errors"][0]["extensions"]["retryAfterSeconds"], 1,
        "{body}"
    );
    let other = app
        .gql(
            None,
            SIGN_IN,
            json!({ "c": "Someone Else", "u": "x@y.example", "p": "z" }),
        )
        .await;
    assert!(
        other["errors"][0]["extensions"]["retryAfterSeconds"].is_number(),
        "same client address: {other}"
    );

    app.clock.advance_ms(1_000);
    let body = app.gql(None, SIGN_IN, wrong.clone()).await;
    assert!(body["errors"][0]["extensions"]["retryAfterSeconds"].is_null());
    let body = app.gql(None, SIGN_IN, right.clone()).await;
    assert_eq!(
        body["errors"][0]["extensions"]["retryAfterSeconds"], 2,
        "the wait doubles: {body}"
    );
    app.clock.advance_ms(2_000);
    app.data(None, SIGN_IN, right).await;
}

#[tokio::test]
async fn responses_carry_security_headers_and_cors_stays_closed() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    for path in ["/graphql?query=%7B__typename%7D", "/", "/healthz"] {
        let response = client
            .get(format!("{}{path}", app.address))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert!(
            headers.get("access-control-allow-origin").is_none(),
            "{path}: CORS is closed"
        );
    }
    let huge = "x".repeat(3 * 1024 * 1024);
    let response = client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(format!("{{\"query\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413, "bodies are limited");
}

#[tokio::test]
async fn configured_origins_may_call_the_api() {
    let app = TestApp::spawn_with(|c| c.cors_origins = vec!["https://tools.example".into()]).await;
    let response = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header("origin", "https://tools.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://tools.example"
    );
}
