//! Live updates over WebSocket (graphql-transport-ws): each subscriber receives the changes
//! in their own subtree, and nothing from anyone else's.

use std::sync::Arc;
use std::time::Duration;

use canopy_server::db::Backend;
use canopy_tests::{TestApp, TestDatabase};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const CHANGES: &str = "subscription($under: ID) { customerChanged(under: $under) { kind customerId parentId previousParentId customer { name } } }";

async fn open(app: &TestApp) -> Socket {
    let mut request = format!("{}/graphql", app.address.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
}

/// The next protocol message (answering pings), or `None` when the socket closes.
async fn receive(socket: &mut Socket) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")?;
        match message.ok()? {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "ping" {
                    send(socket, json!({ "type": "pong" })).await;
                    continue;
                }
                return Some(value);
            }
            Message::Close(frame) => {
                return Some(json!({
                    "type": "close",
                    "code": frame.as_ref().map(|f| u16::from(f.code)),
                    "reason": frame.as_ref().map(|f| f.reason.to_string()),
                }))
            }
            _ => continue,
        }
    }
}

/// Opens a connection and signs in with `token` (acknowledged).
async fn signed_in(app: &TestApp, token: &str) -> Socket {
    let mut socket = open(app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }),
    )
    .await;
    assert_eq!(
        receive(&mut socket).await.unwrap()["type"],
        "connection_ack"
    );
    socket
}

/// Opens a connection signed in with `token` and subscribes to customer changes.
async fn subscribe(app: &TestApp, token: &str, under: Option<&str>) -> Socket {
    let mut socket = signed_in(app, token).await;
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": CHANGES, "variables": { "under": under } } }),
    )
    .await;
    // The subscription is registered once the server has read the message; a round trip
    // through another query on the same socket proves it.
    send(
        &mut socket,
        json!({ "id": "sync", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    loop {
        let message = receive(&mut socket).await.unwrap();
        if message["id"] == "sync" && message["type"] == "complete" {
            break;
        }
        assert!(message["id"] == "sync", "unexpected {message}");
    }
    socket
}

/// The code of the error a subscription was refused with. async-graphql sends such errors
/// as a `next` payload (followed by `complete`) rather than an `error` message; both count.
fn refusal_code(message: &Value) -> Option<&str> {
    match message["type"].as_str() {
        Some("error") => message["payload"][0]["extensions"]["code"].as_str(),
        Some("next") => {
            assert!(message["payload"]["data"].is_null(), "{message}");
            message["payload"]["errors"][0]["extensions"]["code"].as_str()
        }
        _ => None,
    }
}

/// The next customer change on the subscription.
async fn next_change(socket: &mut Socket) -> Value {
    let message = receive(socket).await.expect("an event");
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"].get("errors").is_none(), "{message}");
    message["payload"]["data"]["customerChanged"].clone()
}

struct Tree {
    app: TestApp,
    admin: String,
    root: String,
    alpha: String,
    beta: String,
    /// An ADMINISTRATOR of Alpha.
    alpha_user: String,
}

async fn tree() -> Tree {
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
    Tree {
        app,
        admin,
        root,
        alpha,
        beta,
        alpha_user,
    }
}

#[tokio::test]
async fn subscribers_receive_changes_in_their_subtree_only() {
    let t = tree().await;
    let mut everything = subscribe(&t.app, &t.admin, None).await;
    let mut alpha_view = subscribe(&t.app, &t.alpha_user, None).await;

    // A change in the sibling subtree reaches the admin, not Alpha's user...
    let in_beta = t
        .app
        .create_customer(&t.admin, &t.beta, "Beta Reseller", "RESELLER", json!({}))
        .await;
    let change = next_change(&mut everything).await;
    assert_eq!(change["kind"], "CREATED");
    assert_eq!(change["customerId"], in_beta.as_str());
    assert_eq!(change["parentId"], t.beta.as_str());
    assert_eq!(change["customer"]["name"], "Beta Reseller");

    // ...whose first event is the next change in their own subtree (events arrive in order).
    let in_alpha = t
        .app
        .create_customer(&t.admin, &t.alpha, "Alpha Reseller", "RESELLER", json!({}))
        .await;
    let change = next_change(&mut alpha_view).await;
    assert_eq!(change["kind"], "CREATED");
    assert_eq!(change["customerId"], in_alpha.as_str());
    assert_eq!(change["customer"]["name"], "Alpha Reseller");
    assert_eq!(change["parentId"], t.alpha.as_str());
    assert_eq!(
        next_change(&mut everything).await["customerId"],
        in_alpha.as_str()
    );

    // Updates carry the customer as it is now.
    t.app
        .data(
            Some(&t.admin),
            "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Alpha Reseller Two\" }) { id } }",
            json!({ "id": in_alpha }),
        )
        .await;
    let change = next_change(&mut alpha_view).await;
    assert_eq!(change["kind"], "UPDATED");
    assert_eq!(change["customer"]["name"], "Alpha Reseller Two");
    assert_eq!(next_change(&mut everything).await["kind"], "UPDATED");

    // Moving it to Beta: Alpha's user learns it left (and no longer sees it or where it went).
    t.app
        .data(
            Some(&t.admin),
            "mutation($id: ID!, $to: ID!) { moveCustomer(id: $id, newParentId: $to) { id } }",
            json!({ "id": in_alpha, "to": t.beta }),
        )
        .await;
    let change = next_change(&mut alpha_view).await;
    assert_eq!(change["kind"], "MOVED");
    assert_eq!(change["customerId"], in_alpha.as_str());
    assert!(change["customer"].is_null(), "{change}");
    assert!(change["parentId"].is_null(), "{change}");
    assert_eq!(change["previousParentId"], t.alpha.as_str());
    let change = next_change(&mut everything).await;
    assert_eq!(change["kind"], "MOVED");
    assert_eq!(change["parentId"], t.beta.as_str());
    assert_eq!(change["previousParentId"], t.alpha.as_str());

    // Removals carry the ID of what is gone.
    let leaf = t
        .app
        .create_customer(&t.admin, &t.alpha, "Alpha Leaf", "END_CUSTOMER", json!({}))
        .await;
    assert_eq!(next_change(&mut alpha_view).await["kind"], "CREATED");
    t.app
        .data(
            Some(&t.alpha_user),
            "mutation($id: ID!) { removeCustomer(id: $id) }",
            json!({ "id": leaf }),
        )
        .await;
    let change = next_change(&mut alpha_view).await;
    assert_eq!(change["kind"], "REMOVED");
    assert_eq!(change["customerId"], leaf.as_str());
    assert!(change["customer"].is_null());
    assert_eq!(change["parentId"], t.alpha.as_str());
}

#[tokio::test]
async fn under_narrows_a_subscription_to_one_subtree() {
    let t = tree().await;
    let mut beta_only = subscribe(&t.app, &t.admin, Some(&t.beta)).await;
    t.app
        .create_customer(&t.admin, &t.alpha, "Alpha Reseller", "RESELLER", json!({}))
        .await;
    t.app
        .create_customer(&t.admin, &t.root, "Gamma Dist", "DISTRIBUTOR", json!({}))
        .await;
    let in_beta = t
        .app
        .create_customer(&t.admin, &t.beta, "Beta Reseller", "RESELLER", json!({}))
        .await;
    assert_eq!(
        next_change(&mut beta_only).await["customerId"],
        in_beta.as_str()
    );
}

#[tokio::test]
async fn a_subtree_outside_the_callers_scope_cannot_be_subscribed_to() {
    let t = tree().await;
    let mut socket = open(&t.app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "authToken": t.alpha_user } }),
    )
    .await;
    assert_eq!(
        receive(&mut socket).await.unwrap()["type"],
        "connection_ack"
    );
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": CHANGES, "variables": { "under": t.beta } } }),
    )
    .await;
    let message = receive(&mut socket).await.unwrap();
    assert_eq!(refusal_code(&message), Some("NOT_FOUND"), "{message}");
}

#[tokio::test]
async fn subscribing_needs_a_valid_session() {
    let t = tree().await;
    // Without a token the connection opens, but the subscription is refused.
    let mut socket = open(&t.app).await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(
        receive(&mut socket).await.unwrap()["type"],
        "connection_ack"
    );
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": CHANGES } }),
    )
    .await;
    let message = receive(&mut socket).await.unwrap();
    assert_eq!(refusal_code(&message), Some("UNAUTHENTICATED"), "{message}");

    // A token that is not a session closes the connection, saying why (async-graphql closes
    // with 1002 where graphql-ws clients also know 4403).
    let mut socket = open(&t.app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer nonsense" } }),
    )
    .await;
    let message = receive(&mut socket).await.unwrap();
    assert_eq!(message["type"], "close", "{message}");
    assert!(
        message["code"] == 1002 || message["code"] == 4403,
        "{message}"
    );
    assert!(
        message["reason"].as_str().unwrap().contains("not valid"),
        "{message}"
    );
}

#[tokio::test]
async fn a_subscription_ends_with_its_session() {
    let t = tree().await;
    let mut everything = subscribe(&t.app, &t.admin, None).await;
    let mut alpha_view = subscribe(&t.app, &t.alpha_user, None).await;
    t.app
        .create_customer(&t.admin, &t.alpha, "Before", "RESELLER", json!({}))
        .await;
    assert_eq!(
        next_change(&mut alpha_view).await["customer"]["name"],
        "Before"
    );

    // Signing out over HTTP ends the session the WebSocket was opened with: the next change
    // in view is not sent; the subscriber is told to sign in again, and the stream completes.
    // (The WebSocket itself stays open, so a client may sign in again on a new one.)
    let out = t
        .app
        .data(Some(&t.alpha_user), "mutation { signOut }", json!({}))
        .await;
    assert_eq!(out["signOut"], true);
    t.app
        .create_customer(&t.admin, &t.alpha, "After", "RESELLER", json!({}))
        .await;
    let message = receive(&mut alpha_view).await.unwrap();
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"]["data"].is_null(), "{message}");
    assert!(!message.to_string().contains("After"), "{message}");
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{message}"
    );
    let message = receive(&mut alpha_view).await.unwrap();
    assert_eq!(message["type"], "complete", "{message}");
    assert_eq!(message["id"], "1", "{message}");

    // Nor does the connection answer anything else in that session.
    for (id, query) in [("2", "{ root { name } }"), ("3", CHANGES)] {
        send(
            &mut alpha_view,
            json!({ "id": id, "type": "subscribe", "payload": { "query": query } }),
        )
        .await;
        let message = receive(&mut alpha_view).await.unwrap();
        assert_eq!(message["id"], id, "{message}");
        assert_eq!(refusal_code(&message), Some("UNAUTHENTICATED"), "{message}");
        assert!(!message.to_string().contains("Alpha"), "{message}");
        let message = receive(&mut alpha_view).await.unwrap();
        assert_eq!(message, json!({ "id": id, "type": "complete" }));
    }

    // A subscription in another session goes on.
    for name in ["Before", "After"] {
        assert_eq!(next_change(&mut everything).await["customer"]["name"], name);
    }
}

#[tokio::test]
async fn limits_apply_to_websocket_operations_too() {
    let t = tree().await;
    let mut socket = signed_in(&t.app, &t.admin).await;
    let aliases: String = (0..500).map(|i| format!("a{i}: kind ")).collect();
    let query = format!("subscription {{ customerChanged {{ {aliases} }} }}");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    let message = receive(&mut socket).await.unwrap();
    assert_eq!(
        refusal_code(&message),
        Some("QUERY_TOO_COMPLEX"),
        "{message}"
    );
}

#[tokio::test]
async fn turned_off_introspection_is_refused_over_websockets_too() {
    let app = TestApp::spawn_with(|config| config.introspection = false).await;
    let admin = app.sign_in_admin().await;
    let mut socket = signed_in(&app, &admin).await;
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe",
                "payload": { "query": "{ __schema { types { name } } }" } }),
    )
    .await;
    let message = receive(&mut socket).await.unwrap();
    assert_eq!(refusal_code(&message), Some("FORBIDDEN"), "{message}");
}

/// Two server processes (replicas) on one PostgreSQL database: a session made through one works
/// on the other, a write through one reads through the other, and the live update reaches the
/// subscribers of both. On PostgreSQL in both runs: SQLite serves one process by design.
#[tokio::test]
async fn two_servers_on_one_postgresql_database_share_sessions_data_and_live_updates() {
    let database = Arc::new(TestDatabase::of(Backend::Postgres).await);
    let first = TestApp::spawn_on(database, |_| {}).await;
    let second = first.spawn_replica().await;
    let admin = first.sign_in_admin().await;
    let root = second.root_id(&admin).await;
    let mut on_second = subscribe(&second, &admin, None).await;
    let mut on_first = subscribe(&first, &admin, None).await;

    let created = first
        .create_customer(&admin, &root, "Replicated Dist", "DISTRIBUTOR", json!({}))
        .await;
    let read = second
        .data(
            Some(&admin),
            "query($id: ID!) { customer(id: $id) { name } }",
            json!({ "id": created }),
        )
        .await;
    assert_eq!(read["customer"]["name"], "Replicated Dist");
    for socket in [&mut on_second, &mut on_first] {
        let change = next_change(socket).await;
        assert_eq!(change["kind"], "CREATED", "{change}");
        assert_eq!(change["customer"]["name"], "Replicated Dist", "{change}");
    }

    // And the other way round.
    second
        .data(
            Some(&admin),
            "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Renamed Dist\" }) { id } }",
            json!({ "id": created }),
        )
        .await;
    let change = next_change(&mut on_first).await;
    assert_eq!(change["kind"], "UPDATED", "{change}");
    assert_eq!(change["customer"]["name"], "Renamed Dist", "{change}");
}
