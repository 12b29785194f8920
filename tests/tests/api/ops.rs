//! Operations: health and readiness probes, Prometheus metrics, graceful shutdown.

use std::time::Duration;

use canopy_server::db::Backend;
use canopy_server::{Application, Config};
use canopy_tests::{backend, workspace_root, TestApp, TestDatabase};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn healthz_says_alive_and_readyz_checks_the_database() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    // Without a database, the instance is alive but not ready.
    app.pool.close().await;
    let health = client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_outcome() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    app.data(Some(&admin), "query TreeTop { root { name } }", json!({}))
        .await;
    app.gql(None, "query TreeTop { root { name } }", json!({}))
        .await;
    app.gql(Some(&admin), "query Broken { nope }", json!({}))
        .await;

    let response = reqwest::get(format!("{}/metrics", app.address))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    for expected in [
        r#"canopy_graphql_requests_total{operation="TreeTop",outcome="ok"} 1"#,
        r#"canopy_graphql_requests_total{operation="TreeTop",outcome="error"} 1"#,
        r#"canopy_graphql_requests_total{operation="Broken",outcome="rejected"} 1"#,
        r#"canopy_graphql_requests_total{operation="anonymous",outcome="ok"}"#,
        r#"canopy_graphql_request_duration_seconds_bucket{operation="TreeTop",le="0.1"}"#,
        r#"canopy_graphql_request_duration_seconds_count{operation="TreeTop"} 2"#,
        r#"canopy_db_pool_connections{pool="primary",state="idle"}"#,
        r#"canopy_db_pool_connections{pool="primary",state="in_use"}"#,
        r#"canopy_db_pool_max_connections{pool="primary"} 8"#,
        "canopy_live_subscriptions 0",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    // The native-driver read pools (see server/src/db/reads.rs) are reported beside it.
    let read_pools: &[&str] = match backend() {
        Backend::Sqlite => &["reads"],
        Backend::Postgres => &["reads", "lookups"],
    };
    for pool in read_pools {
        for expected in [
            format!(r#"canopy_db_pool_connections{{pool="{pool}",state="idle"}}"#),
            format!(r#"canopy_db_pool_connections{{pool="{pool}",state="in_use"}}"#),
            format!(r#"canopy_db_pool_max_connections{{pool="{pool}"}} 8"#),
        ] {
            assert!(text.contains(&expected), "missing {expected} in\n{text}");
        }
    }
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish_and_stops_accepting() {
    let database = TestDatabase::new().await;
    let mut config = Config::for_database(database.url.clone());
    config.admin_password = Some("correct horse battery staple".into());
    config.static_dir = workspace_root().join("dist");
    let app = Application::build(config).await.expect("the server starts");
    let address = app.local_addr();
    let trigger = app.shutdown_trigger();
    let server = tokio::spawn(app.run_until_stopped());

    // A request whose body is still arriving when the shutdown starts.
    let body = json!({ "query": "{ dataCenters { code } }" }).to_string();
    let (first, rest) = body.split_at(10);
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /graphql HTTP/1.1\r\nHost: canopy\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{first}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    trigger.trigger();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // New connections are no longer served...
    let refused = match tokio::net::TcpStream::connect(address).await {
        Err(_) => true,
        Ok(mut late) => {
            let _ = late
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: canopy\r\n\r\n")
                .await;
            let mut buf = Vec::new();
            let read =
                tokio::time::timeout(Duration::from_secs(2), late.read_to_end(&mut buf)).await;
            !String::from_utf8_lossy(&buf).contains("200 OK") || read.is_err()
        }
    };
    assert!(
        refused,
        "a connection made after the shutdown began was served"
    );

    // ...while the one in flight completes.
    stream.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("the in-flight request is answered")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"code\":\"DE\""), "{answer}");

    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops")
        .unwrap()
        .expect("and ends cleanly");
}

#[tokio::test]
async fn a_shutdown_closes_open_websockets() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let database = TestDatabase::new().await;
    let mut config = Config::for_database(database.url.clone());
    config.static_dir = workspace_root().join("dist");
    let app = Application::build(config).await.expect("the server starts");
    let url = format!("ws://{}/graphql", app.local_addr());
    let trigger = app.shutdown_trigger();
    let server = tokio::spawn(app.run_until_stopped());

    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    trigger.trigger();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops")
        .unwrap()
        .expect("and ends cleanly");
    // Subscriptions do not linger past the server: the client sees its connection end (and
    // a graphql-ws client reconnects, to another instance).
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) => break,
                Some(Ok(message)) if message.is_close() => break,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(
        end.is_ok(),
        "the WebSocket is still open after the shutdown"
    );
}
