//! Resource bounds: the server's memory stays bounded under many idle WebSocket connections and
//! adversarial queries, and it keeps answering. The server runs in a child process so that its
//! memory can be read alone.

use canopy_tests::child::{self, ChildServer};
use canopy_tests::Client;
use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// The child server's entry (see `canopy_tests::child`); a no-op as a test of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_server() {
    child::serve_if_child().await;
}

const IDLE_SOCKETS: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_stays_bounded_under_idle_websockets_and_abusive_queries() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let server = ChildServer::start("child_server", &url);
    let api = Client::new(&server.address);
    let token = api
        .sign_in("My Company", "admin", child::ADMIN_PASSWORD)
        .await;
    api.data(Some(&token), "{ root { name } }", json!({})).await;
    let baseline = server.rss_kib();

    // Many signed-in, subscribed, then idle WebSocket connections.
    let ws_url = server.address.replace("http://", "ws://") + "/graphql";
    let mut sockets = Vec::with_capacity(IDLE_SOCKETS);
    for i in 0..IDLE_SOCKETS {
        let mut request = ws_url.as_str().into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("socket opens");
        let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
        socket.send(Message::text(init.to_string())).await.unwrap();
        let ack = socket.next().await.expect("an answer").expect("a message");
        assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
        let subscribe = json!({ "id": i.to_string(), "type": "subscribe", "payload": { "query": "subscription { customerChanged { kind } }" } });
        socket
            .send(Message::text(subscribe.to_string()))
            .await
            .unwrap();
        sockets.push(socket);
    }
    let with_sockets = server.rss_kib();

    // Abusive queries, each refused, while the sockets stay open.
    let deep = format!(
        "{{ {}name{} }}",
        "root { children { nodes { ".repeat(50),
        " } } }".repeat(50)
    );
    let aliases: String = (0..10_000).map(|i| format!("a{i}: __typename ")).collect();
    for query in [deep, format!("{{ {aliases} }}")] {
        for _ in 0..20 {
            let body = api.gql(Some(&token), &query, json!({})).await;
            assert_eq!(canopy_tests::error_code(&body), Some("QUERY_TOO_COMPLEX"));
        }
    }
    // Still serving, and every subscriber still gets live updates.
    let root = api.root_id(&token).await;
    api.create_customer(&token, &root, "After The Storm", "RESELLER", json!({}))
        .await;
    for socket in sockets.iter_mut().take(5) {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), socket.next())
            .await
            .expect("a live update in time")
            .expect("a message")
            .expect("readable");
        assert!(event.to_text().unwrap().contains("CREATED"), "{event:?}");
    }
    let after = server.rss_kib();
    eprintln!(
        "RSS: {baseline} KiB at rest, {with_sockets} KiB with {IDLE_SOCKETS} idle subscriptions, {after} KiB after the abuse"
    );
    // Generous bound (a leak grows without limit; a working server stays far below this).
    let per_socket = (with_sockets.saturating_sub(baseline)) / IDLE_SOCKETS as u64;
    assert!(per_socket < 256, "{per_socket} KiB per idle subscription");
    assert!(
        after < with_sockets + 64 * 1024,
        "abusive queries grew memory to {after} KiB"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_gives_a_clean_error_and_recovers() {
    let app = canopy_tests::TestApp::spawn_with(|c| {
        c.db_max_connections = 2;
        c.db_acquire_timeout_secs = 1;
    })
    .await;
    let token = app.sign_in_admin().await;
    // Hold every connection of the server's pool.
    let held = (
        app.pool.acquire().await.unwrap(),
        app.pool.acquire().await.unwrap(),
    );
    for (who, token) in [("signed in", Some(token.as_str())), ("anonymous", None)] {
        let body = app.gql(token, "{ dataCenters { code } }", json!({})).await;
        assert_eq!(
            canopy_tests::error_code(&body),
            Some("SERVICE_UNAVAILABLE"),
            "{who}: {body}"
        );
    }
    drop(held);
    let data = app.data(Some(&token), "{ root { name } }", json!({})).await;
    assert_eq!(data["root"]["name"], app.root_name.as_str());
}
