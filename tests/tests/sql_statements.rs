//! Nested tree queries cost a fixed number of SQL statements, however many customers they
//! return: relations load through per-request DataLoaders, one batch per nesting level.
//!
//! A test binary of its own, because it counts statements with a process-wide tracing layer.

use canopy_tests::statements::{count_statements, fewest_statements};
use canopy_tests::TestApp;
use serde_json::json;

const NESTED: &str = "{ root { name childCount descendantCount children(first: 100) { nodes { id name level state childCount descendantCount removable storageLocation { code } deviceCountry { name } parent { name } children(first: 100) { nodes { name childCount descendantCount parent { name } ancestors { name } children(first: 100) { totalCount nodes { name childCount descendantCount } } } } } } } }";

async fn statements_for(app: &TestApp, token: &str) -> usize {
    fewest_statements(3, || async {
        let data = app.data(Some(token), NESTED, json!({})).await;
        assert!(data["root"]["descendantCount"].as_i64().unwrap() > 0);
    })
    .await
}

/// Grows the tree by `n` distributors, each with two resellers with two end-customers each.
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
        for r in 0..2 {
            let reseller = app
                .create_customer(
                    token,
                    &dist,
                    &format!("{tag} Res {d}.{r}"),
                    "RESELLER",
                    json!({}),
                )
                .await;
            for e in 0..2 {
                app.create_customer(
                    token,
                    &reseller,
                    &format!("{tag} End {d}.{r}.{e}"),
                    "END_CUSTOMER",
                    json!({}),
                )
                .await;
            }
        }
    }
}

#[tokio::test]
async fn a_nested_tree_query_runs_a_fixed_number_of_statements() {
    count_statements();

    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;

    grow(&app, &token, &root, "Small", 2).await;
    let small = statements_for(&app, &token).await;
    grow(&app, &token, &root, "Large", 18).await;
    let large = statements_for(&app, &token).await;

    // Two fields of one level (`parent` and `ancestors`) share a loader and batch once or
    // twice depending on timing (more often on PostgreSQL, whose answers take longer): a
    // difference of a statement or two is scheduling; one query per customer would add 120.
    assert!(
        small.abs_diff(large) <= 2,
        "20 distributors (140 customers) cost as many statements as 2 (14) (got {small} and {large})"
    );
    // Session, root, data centers, then one batch per nesting level (children, parents,
    // ancestors): a small constant.
    assert!(large <= 10, "{large} statements for one nested query");
}
