//! A user sees and changes only their own customer's subtree; everything else is "not found".

use canopy_tests::{error_code, TestApp};
use serde_json::json;

struct Siblings {
    app: TestApp,
    admin: String,
    /// An ADMINISTRATOR of "Alpha Dist".
    alpha_user: String,
    alpha: String,
    alpha_child: String,
    beta: String,
    beta_child: String,
}

async fn siblings() -> Siblings {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let alpha = app
        .create_customer(&admin, &root, "Alpha Dist", "DISTRIBUTOR", json!({}))
        .await;
    let beta = app
        .create_customer(&admin, &root, "Beta Dist", "DISTRIBUTOR", json!({}))
        .await;
    let alpha_child = app
        .create_customer(&admin, &alpha, "Alpha Reseller", "RESELLER", json!({}))
        .await;
    let beta_child = app
        .create_customer(&admin, &beta, "Beta Reseller", "RESELLER", json!({}))
        .await;
    app.create_user(
        &admin,
        &alpha,
        "admin@alpha.example",
        "ADMINISTRATOR",
        "alpha password",
    )
    .await;
    let alpha_user = app
        .sign_in("Alpha Dist", "admin@alpha.example", "alpha password")
        .await;
    Siblings {
        app,
        admin,
        alpha_user,
        alpha,
        alpha_child,
        beta,
        beta_child,
    }
}

#[tokio::test]
async fn a_user_sees_their_own_customer_as_the_root() {
    let s = siblings().await;
    let data = s
        .app
        .data(Some(&s.alpha_user), "query($c: ID!) { root { name parent { id } ancestors { id } } child: customer(id: $c) { ancestors { name } parent { name } } customers { totalCount nodes { name } } }", json!({ "c": s.alpha_child }))
        .await;
    assert_eq!(data["root"]["name"], "Alpha Dist");
    assert!(
        data["root"]["parent"].is_null(),
        "nothing above the view's root"
    );
    assert_eq!(data["root"]["ancestors"], json!([]));
    assert_eq!(
        data["child"]["ancestors"],
        json!([{ "name": "Alpha Dist" }])
    );
    assert_eq!(data["child"]["parent"]["name"], "Alpha Dist");
    assert_eq!(data["customers"]["totalCount"], 2);

    // A customer and its parent are read together when the query asks for the parent: the
    // scope still bounds both.
    let data = s
        .app
        .data(
            Some(&s.alpha_user),
            "query($a: ID!, $b: ID!) { own: customer(id: $a) { name parent { id name } } other: customer(id: $b) { name parent { name } } }",
            json!({ "a": s.alpha, "b": s.beta_child }),
        )
        .await;
    assert_eq!(data["own"]["name"], "Alpha Dist");
    assert!(data["own"]["parent"].is_null(), "{data}");
    assert!(data["other"].is_null(), "{data}");
}

#[tokio::test]
async fn the_sibling_subtree_does_not_exist_for_the_user() {
    let s = siblings().await;
    let (app, token) = (&s.app, s.alpha_user.as_str());
    for id in [&s.beta, &s.beta_child] {
        let data = app
            .data(
                Some(token),
                "query($id: ID!) { customer(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(data["customer"].is_null());
    }
    let data = app
        .data(
            Some(token),
            "{ customers(search: \"beta\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["customers"]["totalCount"], 0);

    let before = snapshot(app).await;
    let attempts = [
        ("read under", "query($id: ID!) { customers(under: $id) { totalCount } }", json!({ "id": s.beta })),
        ("create under", "mutation($id: ID!) { createCustomer(input: { parentId: $id, name: \"Intruder\", level: RESELLER, serviceType: ALL_INCLUSIVE, deviceCountry: \"DE\" }) { id } }", json!({ "id": s.beta })),
        ("update", "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Hacked\" }) { id } }", json!({ "id": s.beta_child })),
        ("move away", "mutation($id: ID!, $p: ID!) { moveCustomer(id: $id, newParentId: $p) { id } }", json!({ "id": s.beta_child, "p": s.alpha })),
        ("move into", "mutation($id: ID!, $p: ID!) { moveCustomer(id: $id, newParentId: $p) { id } }", json!({ "id": s.alpha_child, "p": s.beta })),
        ("remove", "mutation($id: ID!) { removeCustomer(id: $id) }", json!({ "id": s.beta_child })),
        ("convert", "mutation($id: ID!) { convertToProduction(id: $id) { id } }", json!({ "id": s.beta_child })),
        ("storage", "mutation($id: ID!) { changeStorageLocation(id: $id, storageLocation: \"NL\") { id } }", json!({ "id": s.beta_child })),
        ("user", "mutation($id: ID!) { createUser(customerId: $id, input: { username: \"x@beta.example\", role: OPERATOR, password: \"long enough pw\" }) { id } }", json!({ "id": s.beta })),
    ];
    for (why, query, vars) in attempts {
        let body = app.gql(Some(token), query, vars).await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{why}: {body}");
    }
    assert_eq!(before, snapshot(app).await, "nothing changed");
    // The root's administrator still sees both.
    let data = app
        .data(Some(&s.admin), "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(data["customers"]["totalCount"], 5);
}

#[tokio::test]
async fn roles_limit_what_a_user_may_change() {
    let s = siblings().await;
    let app = &s.app;
    app.create_user(
        &s.admin,
        &s.alpha,
        "support@alpha.example",
        "SUPPORTER",
        "support password",
    )
    .await;
    let supporter = app
        .sign_in("Alpha Dist", "support@alpha.example", "support password")
        .await;
    let body = app
        .gql(
            Some(&supporter),
            "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Nope\" }) { id } }",
            json!({ "id": s.alpha_child }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(
            Some(&supporter),
            "mutation($id: ID!) { removeCustomer(id: $id) }",
            json!({ "id": s.alpha_child }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // Reading is fine.
    app.data(
        Some(&supporter),
        "{ root { children { totalCount } } }",
        json!({}),
    )
    .await;
    // An administrator cannot grant SUPERUSER.
    let body = app
        .gql(Some(&s.alpha_user), "mutation($id: ID!) { createUser(customerId: $id, input: { username: \"boss@alpha.example\", role: SUPERUSER, password: \"long enough pw\" }) { id } }", json!({ "id": s.alpha }))
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // ...nor move or remove their own customer.
    let body = app
        .gql(
            Some(&s.alpha_user),
            "mutation($id: ID!) { removeCustomer(id: $id) }",
            json!({ "id": s.alpha }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

/// Every row of every table, to prove that refused requests changed nothing.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let mut rows = Vec::new();
    for table in ["customers", "users", "devices"] {
        let sql = format!("SELECT * FROM {table} ORDER BY id");
        let all: Vec<sqlx::any::AnyRow> = sqlx::query(&sql).fetch_all(&app.pool).await.unwrap();
        for row in all {
            use sqlx::Row;
            let mut cells = Vec::new();
            for i in 0..row.len() {
                let v: Option<String> =
                    row.try_get::<Option<String>, _>(i)
                        .ok()
                        .flatten()
                        .or_else(|| {
                            row.try_get::<Option<i64>, _>(i)
                                .ok()
                                .flatten()
                                .map(|n| n.to_string())
                        });
                cells.push(v.unwrap_or_default());
            }
            rows.push(format!("{table}: {}", cells.join("|")));
        }
    }
    rows
}
