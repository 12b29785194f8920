//! Managing users: roles never above one's own, set-password links, revocation, the last
//! SUPERUSER of the root.

use canopy_tests::{error_code, error_field, TestApp};
use serde_json::{json, Value};

const CREATE: &str = "mutation($c: ID!, $i: UserInput!) { createUser(customerId: $c, input: $i) { id username role securityOfficer setPasswordLink customer { name } } }";
const UPDATE: &str = "mutation($id: ID!, $i: UserInput!) { updateUser(id: $id, input: $i) { id username role firstName setPasswordLink } }";
const REMOVE: &str = "mutation($id: ID!) { removeUser(id: $id) }";
const SET_PASSWORD: &str =
    "mutation($t: String!, $p: String!) { setPassword(token: $t, password: $p) }";

async fn create(app: &TestApp, token: &str, customer: &str, input: Value) -> Value {
    app.gql(Some(token), CREATE, json!({ "c": customer, "i": input }))
        .await
}

#[tokio::test]
async fn a_user_without_a_password_gets_a_one_time_link() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let acme = app
        .create_customer(&admin, &root, "Acme", "RESELLER", json!({}))
        .await;
    let body = create(
        &app,
        &admin,
        &acme,
        json!({ "username": "New@Acme.example", "role": "MANAGER", "securityOfficer": true }),
    )
    .await;
    let user = &body["data"]["createUser"];
    assert_eq!(user["username"], "New@Acme.example");
    assert_eq!(user["securityOfficer"], true);
    let link = user["setPasswordLink"]
        .as_str()
        .expect("a link when no password is given");
    let token = link
        .split("#token=")
        .nth(1)
        .expect("the token in the fragment");
    assert!(link.starts_with(&app.address), "{link}");

    // The link is shown once: reading the user again shows none.
    let users = app
        .data(
            Some(&admin),
            "query($c: ID!) { customer(id: $c) { users { username setPasswordLink } } }",
            json!({ "c": acme }),
        )
        .await;
    assert_eq!(
        users["customer"]["users"],
        json!([{ "username": "New@Acme.example", "setPasswordLink": null }])
    );

    // No password yet: no sign-in.
    let body = app
        .gql(None, "mutation { signIn(customerName: \"Acme\", username: \"new@acme.example\", password: \"\") { token } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));

    let short = app
        .gql(None, SET_PASSWORD, json!({ "t": token, "p": "short" }))
        .await;
    assert_eq!(error_field(&short), Some("password"));
    let set = app
        .data(
            None,
            SET_PASSWORD,
            json!({ "t": token, "p": "a brand new password" }),
        )
        .await;
    assert_eq!(set["setPassword"], true);
    app.sign_in("Acme", "new@acme.example", "a brand new password")
        .await;
    let again = app
        .gql(
            None,
            SET_PASSWORD,
            json!({ "t": token, "p": "another new password" }),
        )
        .await;
    assert_eq!(error_field(&again), Some("token"), "single use: {again}");
}

#[tokio::test]
async fn set_password_links_expire() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let body = create(
        &app,
        &admin,
        &root,
        json!({ "username": "late@root.example", "role": "OPERATOR" }),
    )
    .await;
    let link = body["data"]["createUser"]["setPasswordLink"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = link.split("#token=").nth(1).unwrap();
    app.clock.advance_ms(73 * 3600 * 1000);
    let late = app
        .gql(
            None,
            SET_PASSWORD,
            json!({ "t": token, "p": "too late password" }),
        )
        .await;
    assert_eq!(error_code(&late), Some("BAD_USER_INPUT"));
    assert_eq!(error_field(&late), Some("token"));
}

#[tokio::test]
async fn user_input_is_validated() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    app.create_user(
        &admin,
        &root,
        "taken@root.example",
        "OPERATOR",
        "operator password",
    )
    .await;
    let cases = [
        (
            "username not an e-mail",
            json!({ "username": "bob", "role": "OPERATOR" }),
            "BAD_USER_INPUT",
            "username",
        ),
        (
            "username taken in other case",
            json!({ "username": "TAKEN@root.example", "role": "OPERATOR" }),
            "NAME_TAKEN",
            "username",
        ),
        (
            "short password",
            json!({ "username": "p@root.example", "role": "OPERATOR", "password": "short" }),
            "BAD_USER_INPUT",
            "password",
        ),
        (
            "control character in a name",
            json!({ "username": "n@root.example", "role": "OPERATOR", "firstName": "A\u{7}" }),
            "BAD_USER_INPUT",
            "firstName",
        ),
    ];
    for (why, input, code, field) in cases {
        let body = create(&app, &admin, &root, input).await;
        assert_eq!(error_code(&body), Some(code), "{why}: {body}");
        assert_eq!(error_field(&body), Some(field), "{why}");
    }
}

#[tokio::test]
async fn nobody_grants_or_touches_a_role_above_their_own() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let dist = app
        .create_customer(&admin, &root, "Dist", "DISTRIBUTOR", json!({}))
        .await;
    let boss = app
        .create_user(
            &admin,
            &dist,
            "boss@dist.example",
            "SUPERUSER",
            "boss password 1",
        )
        .await;
    app.create_user(
        &admin,
        &dist,
        "admin@dist.example",
        "ADMINISTRATOR",
        "admin password 1",
    )
    .await;
    let manager = app
        .create_user(
            &admin,
            &dist,
            "mgr@dist.example",
            "MANAGER",
            "manager password",
        )
        .await;
    let dist_admin = app
        .sign_in("Dist", "admin@dist.example", "admin password 1")
        .await;
    let mgr = app
        .sign_in("Dist", "mgr@dist.example", "manager password")
        .await;

    let cases = [
        (
            "grant SUPERUSER",
            CREATE,
            json!({ "c": dist, "i": { "username": "x@dist.example", "role": "SUPERUSER", "password": "long password" } }),
        ),
        (
            "promote to SUPERUSER",
            UPDATE,
            json!({ "id": manager, "i": { "username": "mgr@dist.example", "role": "SUPERUSER" } }),
        ),
        (
            "edit a SUPERUSER",
            UPDATE,
            json!({ "id": boss, "i": { "username": "boss@dist.example", "role": "ADMINISTRATOR" } }),
        ),
        ("remove a SUPERUSER", REMOVE, json!({ "id": boss })),
    ];
    for (why, query, vars) in cases {
        let body = app.gql(Some(&dist_admin), query, vars).await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{why}: {body}");
    }
    let body = create(
        &app,
        &mgr,
        &dist,
        json!({ "username": "y@dist.example", "role": "SUPPORTER", "password": "long password" }),
    )
    .await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "managers do not manage users: {body}"
    );

    let ok = app
        .data(Some(&dist_admin), UPDATE, json!({ "id": manager, "i": { "username": "mgr@dist.example", "role": "OPERATOR", "firstName": "Mia" } }))
        .await;
    assert_eq!(ok["updateUser"]["role"], "OPERATOR");
    assert_eq!(ok["updateUser"]["firstName"], "Mia");
}

#[tokio::test]
async fn a_new_password_or_removal_ends_the_users_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let ops = app
        .create_user(
            &admin,
            &root,
            "ops@root.example",
            "OPERATOR",
            "first password",
        )
        .await;
    let session = app
        .sign_in(&app.root_name, "ops@root.example", "first password")
        .await;
    app.data(Some(&admin), UPDATE, json!({ "id": ops, "i": { "username": "ops@root.example", "role": "OPERATOR", "password": "second password" } })).await;
    let body = app
        .gql(Some(&session), "{ me { id } root { id } }", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let session = app
        .sign_in(&app.root_name, "ops@root.example", "second password")
        .await;
    app.data(Some(&admin), REMOVE, json!({ "id": ops })).await;
    let body = app.gql(Some(&session), "{ root { id } }", json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn the_root_customer_keeps_a_superuser() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let me = app.data(Some(&admin), "{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app.gql(Some(&admin), REMOVE, json!({ "id": me })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({ "id": me, "i": { "username": app.admin_user, "role": "ADMINISTRATOR" } }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "no demotion of the last one: {body}"
    );

    let root = app.root_id(&admin).await;
    app.create_user(
        &admin,
        &root,
        "second@root.example",
        "SUPERUSER",
        "second superuser",
    )
    .await;
    app.data(Some(&admin), REMOVE, json!({ "id": me })).await;
    let log = app
        .data(
            Some(
                &app.sign_in(&app.root_name, "second@root.example", "second superuser")
                    .await,
            ),
            "{ auditLog(first: 50) { nodes { action after before } } }",
            json!({}),
        )
        .await;
    let entries = log["auditLog"]["nodes"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["action"] == "user.remove"));
    let all = serde_json::to_string(entries).unwrap();
    assert!(
        !all.contains("argon2") && !all.contains("password\\\":"),
        "no secrets in the audit: {all}"
    );
}
