//! The audit history: every change recorded with before and after, readable by the right roles.

use canopy_tests::{error_code, TestApp};
use serde_json::{json, Value};

const LOG: &str = "query($c: ID, $after: String) { auditLog(customerId: $c, first: 10, after: $after) { totalCount nodes { action customerId customerName before after actor { username } } pageInfo { hasNextPage endCursor } } }";

fn actions(data: &Value) -> Vec<String> {
    data["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_change_is_recorded_newest_first_with_before_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let dist = app
        .create_customer(&admin, &root, "Dist", "DISTRIBUTOR", json!({}))
        .await;
    let reseller = app
        .create_customer(&admin, &dist, "Reseller", "RESELLER", json!({}))
        .await;
    app.data(
        Some(&admin),
        "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Reseller Renamed\" }) { id } }",
        json!({ "id": reseller }),
    )
    .await;
    app.data(
        Some(&admin),
        "mutation($id: ID!, $p: ID!) { moveCustomer(id: $id, newParentId: $p) { id } }",
        json!({ "id": reseller, "p": root }),
    )
    .await;
    // A refused change leaves no entry.
    let refused = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"\" }) { id } }",
            json!({ "id": reseller }),
        )
        .await;
    assert_eq!(error_code(&refused), Some("BAD_USER_INPUT"));
    app.data(
        Some(&admin),
        "mutation($id: ID!) { removeCustomer(id: $id) }",
        json!({ "id": reseller }),
    )
    .await;

    let data = app.data(Some(&admin), LOG, json!({ "c": reseller })).await;
    assert_eq!(
        actions(&data),
        [
            "customer.remove",
            "customer.move",
            "customer.update",
            "customer.create"
        ],
        "the removed customer's history stays readable"
    );
    let nodes = data["auditLog"]["nodes"].as_array().unwrap();
    let update = &nodes[2];
    assert_eq!(update["customerName"], "Reseller Renamed");
    assert_eq!(update["actor"]["username"], app.admin_user.as_str());
    let before: Value = serde_json::from_str(update["before"].as_str().unwrap()).unwrap();
    let after: Value = serde_json::from_str(update["after"].as_str().unwrap()).unwrap();
    assert_eq!(before["name"], "Reseller");
    assert_eq!(after["name"], "Reseller Renamed");
    assert!(nodes[0]["after"].is_null(), "a removal has no after");
    assert!(nodes[3]["before"].is_null(), "a creation has no before");
    let moved: Value = serde_json::from_str(nodes[1]["after"].as_str().unwrap()).unwrap();
    assert_eq!(moved["parentId"], root.as_str());
}

#[tokio::test]
async fn the_history_is_paged_and_scoped_and_for_administrators_only() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let alpha = app
        .create_customer(&admin, &root, "Alpha", "DISTRIBUTOR", json!({}))
        .await;
    let beta = app
        .create_customer(&admin, &root, "Beta", "DISTRIBUTOR", json!({}))
        .await;
    for i in 0..12 {
        app.create_customer(&admin, &alpha, &format!("Alpha {i}"), "RESELLER", json!({}))
            .await;
    }
    app.create_customer(&admin, &beta, "Beta Child", "RESELLER", json!({}))
        .await;
    app.create_user(
        &admin,
        &alpha,
        "admin@alpha.example",
        "ADMINISTRATOR",
        "alpha password",
    )
    .await;
    app.create_user(
        &admin,
        &alpha,
        "ops@alpha.example",
        "OPERATOR",
        "alpha password",
    )
    .await;
    let alpha_admin = app
        .sign_in("Alpha", "admin@alpha.example", "alpha password")
        .await;
    let operator = app
        .sign_in("Alpha", "ops@alpha.example", "alpha password")
        .await;

    let first = app.data(Some(&alpha_admin), LOG, json!({})).await;
    let log = &first["auditLog"];
    // 1 creation of Alpha + 12 children + 2 users + 2 sign-ins, nothing of Beta.
    assert_eq!(log["totalCount"], 17);
    assert_eq!(log["pageInfo"]["hasNextPage"], true);
    let second = app
        .data(
            Some(&alpha_admin),
            LOG,
            json!({ "after": log["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(second["auditLog"]["nodes"].as_array().unwrap().len(), 7);
    let all: Vec<Value> = [&first, &second]
        .iter()
        .flat_map(|d| d["auditLog"]["nodes"].as_array().unwrap().clone())
        .collect();
    assert!(all
        .iter()
        .all(|n| !n["customerName"].as_str().unwrap().starts_with("Beta")));
    // Entries made by the root's staff show no actor to Alpha's users.
    assert!(all
        .iter()
        .filter(|n| n["action"] == "customer.create")
        .all(|n| n["actor"].is_null()));

    let beta_log = app
        .data(Some(&alpha_admin), LOG, json!({ "c": beta }))
        .await;
    assert_eq!(
        beta_log["auditLog"]["totalCount"], 0,
        "a sibling's history is as good as missing"
    );

    let body = app.gql(Some(&operator), LOG, json!({})).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
}
