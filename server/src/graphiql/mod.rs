//! `/graphiql`: GraphiQL served by Canopy itself, from npm packages that
//! `scripts/graphiql-assets` installs (pinned versions) into `--graphiql-dir`. Nothing is
//! loaded from a CDN: consoles run in air-gapped networks. When the packages are missing the
//! page says how to install them.
//!
//! The page adds a sign-in bar (it calls `signIn` and puts the token in the request headers,
//! which the header editor shows and lets you change) and subscriptions over WebSocket.

use std::path::{Path, PathBuf};

use poem::http::{header, StatusCode};
use poem::web::{Data, Html, Path as UrlPath};
use poem::{handler, IntoResponse, Response};

/// Where the npm packages are, as configured.
#[derive(Clone, Debug)]
pub struct GraphiqlAssets {
    dir: PathBuf,
}

/// A file the page loads: its URL name, its path in the packages folder and its media type.
struct Asset {
    name: &'static str,
    path: &'static str,
    content_type: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The files of the pinned packages that the page uses (and the only ones served).
const ASSETS: [Asset; 5] = [
    Asset {
        name: "react.js",
        path: "react/umd/react.production.min.js",
        content_type: JS,
    },
    Asset {
        name: "react-dom.js",
        path: "react-dom/umd/react-dom.production.min.js",
        content_type: JS,
    },
    Asset {
        name: "graphql-ws.js",
        path: "graphql-ws/umd/graphql-ws.min.js",
        content_type: JS,
    },
    Asset {
        name: "graphiql.js",
        path: "graphiql/graphiql.min.js",
        content_type: JS,
    },
    Asset {
        name: "graphiql.css",
        path: "graphiql/graphiql.min.css",
        content_type: CSS,
    },
];

/// Canopy's own page script and style, compiled into the server.
const OWN: [(&str, &str, &str); 2] = [
    ("canopy-graphiql.js", include_str!("canopy-graphiql.js"), JS),
    (
        "canopy-graphiql.css",
        include_str!("canopy-graphiql.css"),
        CSS,
    ),
];

const PAGE: &str = include_str!("page.html");

impl GraphiqlAssets {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()),
        }
    }

    /// The package files that are not there.
    fn missing(&self) -> Vec<&'static str> {
        ASSETS
            .iter()
            .filter(|a| !self.dir.join(a.path).is_file())
            .map(|a| a.path)
            .collect()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The GraphiQL page, or instructions to install it.
#[handler]
pub fn page(assets: Data<&GraphiqlAssets>) -> Response {
    let missing = assets.missing();
    if missing.is_empty() {
        return Html(PAGE)
            .with_header(header::CACHE_CONTROL, "no-cache")
            .into_response();
    }
    let list: String = missing
        .iter()
        .map(|m| format!("<li><code>{}</code></li>", escape(m)))
        .collect();
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>GraphiQL is not installed</title>\
         <h1>GraphiQL is not installed on this server</h1>\
         <p>Canopy serves GraphiQL from its own copy of the npm packages, never from a CDN. \
         Install them with <code>scripts/graphiql-assets</code> in the Canopy folder (it puts \
         pinned versions in <code>.tools/graphiql/node_modules</code>), or start the server with \
         <code>--graphiql-dir</code> (or <code>CANOPY_GRAPHIQL_DIR</code>) naming a folder that \
         holds them, then reload this page.</p>\
         <p>Looked in <code>{}</code>; missing:</p><ul>{list}</ul>\
         <p>The API itself works without it, at <code>/graphql</code>.</p></html>",
        escape(&assets.dir.display().to_string())
    );
    (StatusCode::SERVICE_UNAVAILABLE, Html(body)).into_response()
}

/// One of the page's files.
#[handler]
pub async fn asset(assets: Data<&GraphiqlAssets>, name: UrlPath<String>) -> Response {
    if let Some((_, text, content_type)) = OWN.iter().find(|(n, _, _)| *n == name.as_str()) {
        return Response::builder()
            .content_type(*content_type)
            .header(header::CACHE_CONTROL, "no-cache")
            .body(*text);
    }
    let Some(asset) = ASSETS.iter().find(|a| a.name == name.as_str()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(assets.dir.join(asset.path)).await {
        Ok(bytes) => Response::builder()
            .content_type(asset.content_type)
            // Pinned package versions: a file only changes when the script pins another.
            .header(header::CACHE_CONTROL, "public, max-age=86400")
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .body(bytes),
        Err(_) => (
            StatusCode::NOT_FOUND,
            format!(
                "{} is missing: run scripts/graphiql-assets (see /graphiql)",
                asset.path
            ),
        )
            .into_response(),
    }
}
