//! A page of customers with all their details — profile, contacts, activities with authors,
//! own and effective branding (which looks at every ancestor), device totals and device pages —
//! costs a fixed number of SQL statements, however many customers the page holds.
//!
//! A test binary of its own, because it counts statements with a process-wide tracing layer.

use canopy_tests::statements::{count_statements, fewest_statements};
use canopy_tests::TestApp;
use serde_json::json;

const DETAILS: &str = "{ customers(first: 500) { totalCount nodes { name \
    profile { legalName billingContact { lastName } address { city } } \
    contacts { lastName roles } \
    activities { subject timing author { username } contact { lastName } } \
    branding { displayName } \
    effectiveBranding { displayName senderEmail inheritedFrom { name } } \
    deviceCount storageUsedBytes(includeDescendants: true) \
    own: devices(first: 2) { totalCount nodes { name } } \
    all: devices(first: 3, includeDescendants: true) { totalCount nodes { name customer { name } storageLocation { code } } } \
} } }";

async fn statements_for(app: &TestApp, token: &str) -> usize {
    fewest_statements(3, || async {
        let data = app.data(Some(token), DETAILS, json!({})).await;
        assert!(data["customers"]["totalCount"].as_i64().unwrap() > 1);
    })
    .await
}

/// Adds `n` branded distributors, each with a reseller that has a contact (its billing
/// contact), an activity with it, and devices.
async fn grow(app: &TestApp, token: &str, root: &str, tag: &str, n: usize) {
    for d in 0..n {
        let dist = app
            .create_customer(
                token,
                root,
                &format!("{tag} Dist {d}"),
                "DISTRIBUTOR",
                json!({}),
            )
            .await;
        app.data(
            Some(token),
            "mutation($c: ID!) { updateBranding(customerId: $c, input: { displayName: \"Branded\" }) { id } }",
            json!({ "c": dist }),
        )
        .await;
        let reseller = app
            .create_customer(
                token,
                &dist,
                &format!("{tag} Res {d}"),
                "RESELLER",
                json!({}),
            )
            .await;
        let contact = app
            .data(
                Some(token),
                "mutation($c: ID!) { addContact(customerId: $c, input: { lastName: \"Payne\", roles: [BILLING] }) { id } }",
                json!({ "c": reseller }),
            )
            .await["addContact"]["id"]
            .clone();
        app.data(
            Some(token),
            "mutation($c: ID!, $k: ID) { updateCompanyProfile(customerId: $c, input: { legalName: \"Res\", billingContactId: $k, address: { city: \"Utrecht\" } }) { id } }",
            json!({ "c": reseller, "k": contact }),
        )
        .await;
        app.data(
            Some(token),
            "mutation($c: ID!, $k: ID) { addActivity(customerId: $c, input: { kind: CALL, subject: \"Call\", occursAt: \"2020-01-01T00:00:00Z\", contactId: $k }) { id } }",
            json!({ "c": reseller, "k": contact }),
        )
        .await;
        for i in 0..3 {
            app.add_device(token, &reseller, &format!("pc-{i}"), 100)
                .await;
        }
        app.add_device(token, &dist, "dist-pc", 5).await;
    }
}

#[tokio::test]
async fn a_page_of_customers_with_all_details_runs_a_fixed_number_of_statements() {
    count_statements();

    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;

    grow(&app, &token, &root, "Small", 2).await;
    let small = statements_for(&app, &token).await;
    grow(&app, &token, &root, "Large", 20).await;
    let large = statements_for(&app, &token).await;

    // The same loader asked from two nesting levels (customers for `inheritedFrom` and for a
    // device's `customer`) batches once or twice depending on timing; one query per customer
    // would add dozens.
    assert!(
        large.abs_diff(small) <= 2,
        "22 branded distributors cost as many statements as 2 (got {small} and {large})"
    );
    // Session, page and count, then one batch per relation and level: a small constant.
    assert!(large <= 20, "{large} statements for one page of details");
}
