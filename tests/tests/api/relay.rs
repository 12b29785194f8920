//! Relay conventions: `node(id:)` / `nodes(ids:)` over opaque global IDs, within the caller's
//! scope, and bounded connection pages.

use canopy_tests::{error_code, error_field, TestApp};
use serde_json::json;

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id ... on Customer { name } ... on User { username } ... on AuditEntry { action } } }";

#[tokio::test]
async fn node_fetches_customers_users_and_audit_entries_by_global_id() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let data = app.data(Some(&admin), NODE, json!({ "id": root })).await;
    assert_eq!(data["node"]["__typename"], "Customer");
    assert_eq!(data["node"]["name"], app.root_name);
    assert_eq!(data["node"]["id"], root.as_str());

    let me = app.data(Some(&admin), "{ me { id } }", json!({})).await;
    let user_id = me["me"]["id"].as_str().unwrap();
    let data = app.data(Some(&admin), NODE, json!({ "id": user_id })).await;
    assert_eq!(data["node"]["__typename"], "User");
    assert_eq!(data["node"]["username"], app.admin_user);

    let log = app
        .data(
            Some(&admin),
            "{ auditLog(first: 1) { nodes { id action } } }",
            json!({}),
        )
        .await;
    let entry = &log["auditLog"]["nodes"][0];
    let data = app
        .data(Some(&admin), NODE, json!({ "id": entry["id"] }))
        .await;
    assert_eq!(data["node"]["__typename"], "AuditEntry");
    assert_eq!(data["node"]["action"], entry["action"]);
}

#[tokio::test]
async fn node_is_null_outside_the_callers_scope_and_for_unknown_ids() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let alpha = app
        .create_customer(&admin, &root, "Alpha Dist", "DISTRIBUTOR", json!({}))
        .await;
    let beta = app
        .create_customer(&admin, &root, "Beta Dist", "DISTRIBUTOR", json!({}))
        .await;
    app.create_user(
        &admin,
        &alpha,
        "a@alpha.example",
        "ADMINISTRATOR",
        "alpha password",
    )
    .await;
    let alpha_user = app
        .sign_in("Alpha Dist", "a@alpha.example", "alpha password")
        .await;
    let admin_id = app.data(Some(&admin), "{ me { id } }", json!({})).await["me"]["id"].clone();
    for id in [
        json!(beta),
        json!(root),
        admin_id,
        json!("bm90IGFuIGlk"),
        json!("42"),
    ] {
        let data = app.data(Some(&alpha_user), NODE, json!({ "id": id })).await;
        assert!(data["node"].is_null(), "{id} is not visible: {data}");
    }
    let data = app
        .data(Some(&alpha_user), NODE, json!({ "id": alpha }))
        .await;
    assert_eq!(data["node"]["name"], "Alpha Dist");

    let body = app.gql(None, NODE, json!({ "id": alpha })).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn nodes_answers_in_order_with_nulls_and_is_bounded() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let child = app
        .create_customer(&admin, &root, "Child Dist", "DISTRIBUTOR", json!({}))
        .await;
    let data = app
        .data(
            Some(&admin),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [child, "nope", root] }),
        )
        .await;
    assert_eq!(
        data["nodes"],
        json!([{ "id": child }, null, { "id": root }])
    );
    let ids: Vec<String> = (0..101).map(|_| root.clone()).collect();
    let body = app
        .gql(
            Some(&admin),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(error_field(&body), Some("ids"));
}

#[tokio::test]
async fn connections_cap_their_page_size_with_a_clear_error() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let body = app
        .gql(
            Some(&admin),
            "{ customers(first: 501) { totalCount edges { cursor node { id } } nodes { id } pageInfo { hasNextPage endCursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(error_field(&body), Some("first"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("500"),
        "{body}"
    );
}
