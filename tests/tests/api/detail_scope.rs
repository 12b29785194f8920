//! A customer's details (profile, contacts, activities, branding, devices) outside the caller's
//! subtree do not exist for the caller: every read finds nothing, every change is `NOT_FOUND`,
//! and nothing changes.

use canopy_tests::{error_code, error_field, TestApp};
use serde_json::{json, Value};

const TABLES: [&str; 7] = [
    "customers",
    "contacts",
    "company_profiles",
    "activities",
    "brandings",
    "branding_assets",
    "devices",
];

/// Every row of the detail tables, to prove that refused requests changed nothing.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let mut rows = Vec::new();
    for table in TABLES {
        let sql = format!("SELECT * FROM {table} ORDER BY 1");
        let all: Vec<sqlx::any::AnyRow> = sqlx::query(&sql).fetch_all(&app.pool).await.unwrap();
        for row in all {
            use sqlx::Row;
            let cells: Vec<String> = (0..row.len())
                .map(|i| {
                    row.try_get::<Option<String>, _>(i)
                        .ok()
                        .flatten()
                        .or_else(|| {
                            row.try_get::<Option<i64>, _>(i)
                                .ok()
                                .flatten()
                                .map(|n| n.to_string())
                        })
                        .unwrap_or_default()
                })
                .collect();
            rows.push(format!("{table}: {}", cells.join("|")));
        }
    }
    rows
}

#[tokio::test]
async fn a_sibling_subtrees_details_cannot_be_read_or_changed() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let alpha = app
        .create_customer(&admin, &root, "Alpha", "DISTRIBUTOR", json!({}))
        .await;
    let beta = app
        .create_customer(&admin, &root, "Beta", "DISTRIBUTOR", json!({}))
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
        .sign_in("Alpha", "admin@alpha.example", "alpha password")
        .await;

    // Beta has one of everything.
    let contact = app
        .data(
            Some(&admin),
            "mutation($c: ID!) { addContact(customerId: $c, input: { lastName: \"Beta Person\" }) { id } }",
            json!({ "c": beta }),
        )
        .await["addContact"]["id"]
        .clone();
    let activity = app
        .data(
            Some(&admin),
            "mutation($c: ID!) { addActivity(customerId: $c, input: { kind: NOTE, subject: \"Beta note\", occursAt: \"2020-01-01T00:00:00Z\" }) { id } }",
            json!({ "c": beta }),
        )
        .await["addActivity"]["id"]
        .clone();
    app.data(
        Some(&admin),
        "mutation($c: ID!, $k: ID) { updateCompanyProfile(customerId: $c, input: { legalName: \"Beta B.V.\", billingContactId: $k }) { id } }",
        json!({ "c": beta, "k": contact }),
    )
    .await;
    app.data(
        Some(&admin),
        "mutation($c: ID!) { updateBranding(customerId: $c, input: { displayName: \"Beta\" }) { id } }",
        json!({ "c": beta }),
    )
    .await;
    let device = app.add_device(&admin, &beta, "beta-pc", 10).await;

    let reads = app
        .data(
            Some(&alpha_user),
            "query($c: ID!, $d: ID!) { customer(id: $c) { id } device(id: $d) { id } }",
            json!({ "c": beta, "d": device }),
        )
        .await;
    assert!(reads["customer"].is_null());
    assert!(reads["device"].is_null());

    let before = snapshot(&app).await;
    let attempts: Vec<(&str, &str, Value)> = vec![
        ("profile", "mutation($id: ID!) { updateCompanyProfile(customerId: $id, input: { legalName: \"Hacked\" }) { id } }", json!({ "id": beta })),
        ("add contact", "mutation($id: ID!) { addContact(customerId: $id, input: { lastName: \"Spy\" }) { id } }", json!({ "id": beta })),
        ("update contact", "mutation($id: ID!) { updateContact(id: $id, input: { lastName: \"Hacked\" }) { id } }", json!({ "id": contact })),
        ("remove contact", "mutation($id: ID!) { removeContact(id: $id) }", json!({ "id": contact })),
        ("add activity", "mutation($id: ID!) { addActivity(customerId: $id, input: { kind: NOTE, subject: \"Spy\", occursAt: \"2020-01-01T00:00:00Z\" }) { id } }", json!({ "id": beta })),
        ("update activity", "mutation($id: ID!) { updateActivity(id: $id, input: { kind: NOTE, subject: \"Hacked\", occursAt: \"2020-01-01T00:00:00Z\" }) { id } }", json!({ "id": activity })),
        ("remove activity", "mutation($id: ID!) { removeActivity(id: $id) }", json!({ "id": activity })),
        ("update branding", "mutation($id: ID!) { updateBranding(customerId: $id, input: { displayName: \"Hacked\" }) { id } }", json!({ "id": beta })),
        ("reset branding", "mutation($id: ID!) { resetBranding(customerId: $id) { id } }", json!({ "id": beta })),
        ("add device", "mutation($id: ID!) { addDevice(customerId: $id, input: { name: \"spy\" }) { id } }", json!({ "id": beta })),
        ("remove device", "mutation($id: ID!) { removeDevice(id: $id) }", json!({ "id": device })),
        ("a malformed contact ID", "mutation($id: ID!) { removeContact(id: $id) }", json!({ "id": "garbage" })),
        ("a device ID as activity", "mutation($id: ID!) { removeActivity(id: $id) }", json!({ "id": device })),
    ];
    for (why, query, vars) in attempts {
        let body = app.gql(Some(&alpha_user), query, vars).await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{why}: {body}");
    }
    // Pointing at a sibling's contact from one's own customer reads as "not your contact".
    let body = app
        .gql(
            Some(&alpha_user),
            "mutation($c: ID!, $k: ID) { updateCompanyProfile(customerId: $c, input: { billingContactId: $k }) { id } }",
            json!({ "c": alpha, "k": contact }),
        )
        .await;
    assert_eq!(error_field(&body), Some("billingContactId"), "{body}");
    let body = app
        .gql(
            Some(&alpha_user),
            "mutation($c: ID!, $k: ID) { addActivity(customerId: $c, input: { kind: CALL, subject: \"x\", occursAt: \"2020-01-01T00:00:00Z\", contactId: $k }) { id } }",
            json!({ "c": alpha, "k": contact }),
        )
        .await;
    assert_eq!(error_field(&body), Some("contactId"), "{body}");
    assert_eq!(before, snapshot(&app).await, "nothing changed");
}
