//! `/graphiql` is served by Canopy itself from the npm packages `scripts/graphiql-assets`
//! installs (no CDN), and says how to install them when they are missing.

use std::process::Command;

use canopy_tests::{workspace_root, TestApp};

fn install_assets() {
    let script = workspace_root().join("scripts/graphiql-assets");
    let output = Command::new("bash")
        .arg(&script)
        .output()
        .expect("bash runs the script");
    assert!(
        output.status.success(),
        "scripts/graphiql-assets failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn graphiql_and_its_files_are_served_from_the_installed_packages() {
    tokio::task::spawn_blocking(install_assets).await.unwrap();
    let dir = workspace_root().join(".tools/graphiql/node_modules");
    let app = TestApp::spawn_with(|config| config.graphiql_dir = dir).await;
    let client = reqwest::Client::new();

    let page = client
        .get(format!("{}/graphiql", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("//"),
        "every URL is the server's own:\n{html}"
    );

    let files = [
        ("react.js", "text/javascript"),
        ("react-dom.js", "text/javascript"),
        ("graphql-ws.js", "text/javascript"),
        ("graphiql.js", "text/javascript"),
        ("graphiql.css", "text/css"),
        ("canopy-graphiql.js", "text/javascript"),
        ("canopy-graphiql.css", "text/css"),
    ];
    for (file, content_type) in files {
        assert!(
            html.contains(&format!("/graphiql/{file}")),
            "the page loads {file}"
        );
        let response = client
            .get(format!("{}/graphiql/{file}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{file}");
        let ct = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(ct.starts_with(content_type), "{file}: {ct}");
        assert!(!response.bytes().await.unwrap().is_empty(), "{file}");
    }
    let missing = client
        .get(format!("{}/graphiql/package.json", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404, "only the page's files are served");
}

#[tokio::test]
async fn without_the_packages_graphiql_says_how_to_install_them() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_path_buf();
    let app = TestApp::spawn_with(|config| config.graphiql_dir = dir).await;
    let page = reqwest::get(format!("{}/graphiql", app.address))
        .await
        .unwrap();
    assert_eq!(page.status(), 503);
    let html = page.text().await.unwrap();
    for needed in [
        "scripts/graphiql-assets",
        "--graphiql-dir",
        "CANOPY_GRAPHIQL_DIR",
    ] {
        assert!(html.contains(needed), "mentions {needed}:\n{html}");
    }
    assert!(!html.contains("<script"), "no fallback to a CDN:\n{html}");
}
