//! The session cache (`server/src/auth/cache.rs`): a token checked once is answered from memory
//! afterwards, yet every change that ends or narrows a session takes effect on the very next
//! request — on the server that made it, and on every other server on the same PostgreSQL
//! database. Each test first uses the session, so that it is cached when the change comes.

use std::sync::Arc;
use std::time::Duration;

use canopy_server::db::Backend;
use canopy_tests::{error_code, TestApp, TestDatabase};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";
// `me` alone answers null without a session; `root` needs one.
const WHO: &str = "{ me { username role } root { id } }";
const SEE: &str = "query($id: ID!) { customer(id: $id) { id } }";
const UPDATE_USER: &str =
    "mutation($id: ID!, $i: UserInput!) { updateUser(id: $id, input: $i) { id } }";
const MOVE: &str =
    "mutation($id: ID!, $to: ID!) { moveCustomer(id: $id, newParentId: $to) { id } }";

/// Two distributors, a reseller under the first, and an ADMINISTRATOR of the reseller.
struct World {
    admin: String,
    second_distributor: String,
    reseller: String,
    user_id: String,
    username: &'static str,
}

async fn world(app: &TestApp) -> World {
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let first = app
        .create_customer(&admin, &root, "First Dist", "DISTRIBUTOR", json!({}))
        .await;
    let second_distributor = app
        .create_customer(&admin, &root, "Second Dist", "DISTRIBUTOR", json!({}))
        .await;
    let reseller = app
        .create_customer(&admin, &first, "The Reseller", "RESELLER", json!({}))
        .await;
    let username = "ada@reseller.example";
    let user_id = app
        .create_user(&admin, &reseller, username, "ADMINISTRATOR", PASSWORD)
        .await;
    World {
        admin,
        second_distributor,
        reseller,
        user_id,
        username,
    }
}

/// Uses `token` twice, so that its session is in the server's cache.
async fn warm(app: &TestApp, token: &str) {
    for _ in 0..2 {
        app.data(Some(token), WHO, json!({})).await;
    }
}

async fn metric(app: &TestApp, outcome: &str) -> u64 {
    let text = reqwest::get(format!("{}/metrics", app.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = format!("canopy_session_cache_lookups_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&key))
        .map_or(0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn a_token_checked_once_is_answered_from_memory() {
    let app = TestApp::spawn().await;
    let token = app.sign_in_admin().await;
    let hits = metric(&app, "hit").await;
    warm(&app, &token).await;
    app.data(Some(&token), WHO, json!({})).await;
    assert!(
        metric(&app, "hit").await >= hits + 2,
        "later checks hit the cache"
    );

    // And with the cache turned off, every check asks the database.
    let off = app.spawn_replica_with(|c| c.session_cache = false).await;
    warm(&off, &token).await;
    assert_eq!(metric(&off, "hit").await, 0);
}

#[tokio::test]
async fn every_change_to_a_cached_session_takes_effect_on_the_next_request() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let token = app.sign_in("The Reseller", w.username, PASSWORD).await;
    let other = app.sign_in("The Reseller", w.username, PASSWORD).await;
    warm(&app, &token).await;
    warm(&app, &other).await;

    // A new role.
    let demote = json!({ "id": w.user_id, "i": { "username": w.username, "role": "SUPPORTER" } });
    app.data(Some(&w.admin), UPDATE_USER, demote).await;
    let me = app.data(Some(&token), WHO, json!({})).await;
    assert_eq!(me["me"]["role"], "SUPPORTER");

    // A move of the user's customer: the scope is its path, which the move changed.
    app.data(
        Some(&w.admin),
        MOVE,
        json!({ "id": w.reseller, "to": w.second_distributor }),
    )
    .await;
    let seen = app
        .data(Some(&token), SEE, json!({ "id": w.reseller }))
        .await;
    assert_eq!(seen["customer"]["id"], w.reseller.as_str());

    // Signing out.
    app.data(Some(&token), "mutation { signOut }", json!({}))
        .await;
    let body = app.gql(Some(&token), WHO, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    // The user's removal.
    warm(&app, &other).await;
    app.data(
        Some(&w.admin),
        "mutation($id: ID!) { removeUser(id: $id) }",
        json!({ "id": w.user_id }),
    )
    .await;
    let body = app.gql(Some(&other), WHO, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

#[tokio::test]
async fn a_new_password_ends_the_users_cached_sessions() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let token = app.sign_in("The Reseller", w.username, PASSWORD).await;
    warm(&app, &token).await;
    let new_password = json!({ "id": w.user_id,
        "i": { "username": w.username, "role": "ADMINISTRATOR", "password": "another horse battery staple" } });
    app.data(Some(&w.admin), UPDATE_USER, new_password).await;
    let body = app.gql(Some(&token), WHO, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

/// What `token` gets on `app` once the change made on another server has reached it: asked
/// until `done` holds, for at most five seconds. A notification travels from the committing
/// transaction through PostgreSQL to the listening process, which takes well under a
/// millisecond on one host; the bound only keeps a loaded test machine from failing the test.
async fn on_replica(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let body = app.gql(Some(token), query, variables.clone()).await;
        if done(&body) || tokio::time::Instant::now() > deadline {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Two servers on one PostgreSQL database: what one server changes ends or narrows the
/// sessions the other has cached. On PostgreSQL in both runs: SQLite serves one process.
#[tokio::test]
async fn a_change_on_one_server_reaches_the_sessions_another_server_cached() {
    let database = Arc::new(TestDatabase::of(Backend::Postgres).await);
    let first = TestApp::spawn_on(database, |_| {}).await;
    let second = first.spawn_replica().await;
    let w = world(&first).await;
    let token = first.sign_in("The Reseller", w.username, PASSWORD).await;
    let other = first.sign_in("The Reseller", w.username, PASSWORD).await;
    warm(&second, &token).await;
    warm(&second, &other).await;
    let hits = metric(&second, "hit").await;
    assert!(hits >= 2, "the replica serves the sessions from its cache");

    let demote = json!({ "id": w.user_id, "i": { "username": w.username, "role": "SUPPORTER" } });
    first.data(Some(&w.admin), UPDATE_USER, demote).await;
    let me = on_replica(&second, &token, WHO, json!({}), |b| {
        b["data"]["me"]["role"] == "SUPPORTER"
    })
    .await;
    assert_eq!(me["data"]["me"]["role"], "SUPPORTER", "{me}");

    warm(&second, &token).await;
    first
        .data(
            Some(&w.admin),
            MOVE,
            json!({ "id": w.reseller, "to": w.second_distributor }),
        )
        .await;
    let seen = on_replica(&second, &token, SEE, json!({ "id": w.reseller }), |b| {
        b["data"]["customer"]["id"] == w.reseller.as_str()
    })
    .await;
    assert_eq!(
        seen["data"]["customer"]["id"],
        w.reseller.as_str(),
        "{seen}"
    );

    warm(&second, &token).await;
    first
        .data(Some(&token), "mutation { signOut }", json!({}))
        .await;
    let unauthenticated = |b: &Value| error_code(b) == Some("UNAUTHENTICATED");
    let body = on_replica(&second, &token, WHO, json!({}), unauthenticated).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    warm(&second, &other).await;
    first
        .data(
            Some(&w.admin),
            "mutation($id: ID!) { removeUser(id: $id) }",
            json!({ "id": w.user_id }),
        )
        .await;
    let body = on_replica(&second, &other, WHO, json!({}), unauthenticated).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}
