//! The end-to-end test harness: [`TestApp::spawn`] starts the real Canopy server on a free
//! loopback port over a fresh database, and offers a small GraphQL client for it.
//!
//! The backend comes from `CANOPY_TEST_BACKEND`: `sqlite` (the default: a fresh file in a
//! temporary folder) or `postgres` (a fresh database on the server at
//! `CANOPY_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432`, dropped again
//! when the test ends). `scripts/test` runs the whole suite once with each.

pub mod child;
pub mod invariants;
pub mod statements;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use canopy_server::clock::OffsetClock;
use canopy_server::db::Backend;
use canopy_server::{Application, Config};
use serde_json::{json, Value};
use sqlx::Connection as _;

/// The backend this test run uses (`CANOPY_TEST_BACKEND`, default SQLite).
pub fn backend() -> Backend {
    match std::env::var("CANOPY_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("CANOPY_TEST_BACKEND={other:?}: use sqlite or postgres"),
    }
}

/// A fresh, empty database of one backend, removed when dropped.
pub struct TestDatabase {
    /// The URL to pass to `--database`.
    pub url: String,
    /// The PostgreSQL server and database name, to drop it again.
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    /// A fresh database of the run's backend ([`backend`]).
    pub async fn new() -> Self {
        Self::of(backend()).await
    }

    /// A fresh database of `backend`, whatever the run's backend is (for the few tests of
    /// behaviour that exists on one backend only).
    pub async fn of(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}", dir.path().join("canopy.db").display()),
                postgres: None,
                _dir: dir,
            },
            Backend::Postgres => {
                static NEXT: AtomicU32 = AtomicU32::new(0);
                let server = std::env::var("CANOPY_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
                let server = server.trim_end_matches('/').to_owned();
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or_default();
                let name = format!(
                    "canopy_test_{}_{}_{nanos}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                );
                let mut admin = sqlx::PgConnection::connect(&format!("{server}/test"))
                    .await
                    .expect("PostgreSQL is reachable (CANOPY_TEST_POSTGRES_URL)");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .expect("a test database can be created");
                // Commits need not wait for the disk in throwaway databases (a crash of the
                // PostgreSQL server itself is not what any test is about).
                sqlx::query(&format!(
                    "ALTER DATABASE {name} SET synchronous_commit = off"
                ))
                .execute(&mut admin)
                .await
                .expect("a test database can be configured");
                let _ = admin.close().await;
                Self {
                    url: format!("{server}/{name}"),
                    postgres: Some((server, name)),
                    _dir: dir,
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop may run inside the test's runtime, which must not block on itself: the drop
        // runs on its own thread and runtime. FORCE ends the server's pooled connections.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&format!("{server}/test")).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, anyhow::Error>(())
        })
        .join();
        if let Ok(Err(err)) = dropped {
            eprintln!("could not drop test database: {err:#}");
        }
    }
}

/// A running server with its own database, stopped when dropped.
pub struct TestApp {
    /// The HTTP client for this server (its methods are available on `TestApp` directly).
    pub api: Client,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    pub root_name: String,
    pub admin_user: String,
    pub admin_password: String,
    /// The server's clock: move it to test time-dependent rules.
    pub clock: Arc<OffsetClock>,
    /// The server's database pool, for checks that look underneath the API.
    pub pool: canopy_server::db::Pool,
    /// The server's database URL.
    pub database_url: String,
    server: tokio::task::JoinHandle<()>,
    // Declared after `server`'s handle; dropped after the server is aborted.
    database: Arc<TestDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

impl TestApp {
    /// Starts a server with a fresh database, serving the built app from `<workspace>/dist`.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`spawn`](Self::spawn), after letting `adjust` change the configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_on(Arc::new(TestDatabase::new().await), adjust).await
    }

    /// A second server on this one's database (as a second replica would be).
    pub async fn spawn_replica(&self) -> TestApp {
        self.spawn_replica_with(|_| {}).await
    }

    /// Like [`spawn_replica`](Self::spawn_replica), configured otherwise by `adjust`.
    pub async fn spawn_replica_with(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_on(self.database.clone(), adjust).await
    }

    /// Starts a server on `database` (which it keeps alive), after `adjust`.
    pub async fn spawn_on(
        database: Arc<TestDatabase>,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut config = Config::for_database(database.url.clone());
        config.root_name = "Root Company".into();
        config.admin_user = "admin@root.example".into();
        config.admin_password = Some("correct horse battery staple".into());
        config.static_dir = workspace_root().join("dist");
        adjust(&mut config);
        let clock = Arc::new(OffsetClock::default());
        let app = Application::build_with_clock(config.clone(), clock.clone())
            .await
            .expect("the server starts");
        let address = format!("http://{}", app.local_addr());
        let pool = app.state().pool.clone();
        let server = tokio::spawn(async move {
            let _ = app.run_until_stopped().await;
        });
        TestApp {
            api: Client::new(&address),
            address,
            root_name: config.root_name,
            admin_user: config.admin_user,
            admin_password: config.admin_password.unwrap_or_default(),
            clock,
            pool,
            database_url: config.database_url,
            server,
            database,
        }
    }

    /// Signs in as the root customer's SUPERUSER.
    pub async fn sign_in_admin(&self) -> String {
        self.sign_in(&self.root_name, &self.admin_user, &self.admin_password)
            .await
    }
}

impl std::ops::Deref for TestApp {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.api
    }
}

/// A GraphQL-over-HTTP client for a Canopy server, with request helpers.
#[derive(Clone)]
pub struct Client {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    http: reqwest::Client,
}

impl Client {
    /// A client of the server at `address`.
    pub fn new(address: &str) -> Self {
        Self {
            address: address.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// POSTs a GraphQL request and returns the whole response body, or the transport error.
    pub async fn try_gql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> reqwest::Result<Value> {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await?.json().await
    }

    /// POSTs a GraphQL request and returns the whole response body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        response.json().await.expect("a JSON body")
    }

    /// Like [`gql`](Self::gql), but panics on GraphQL errors and returns `data`.
    pub async fn data(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Signs in and returns the session token, panicking on failure.
    pub async fn sign_in(&self, customer: &str, username: &str, password: &str) -> String {
        let data = self
            .data(
                None,
                "mutation($c: String!, $u: String!, $p: String!) { signIn(customerName: $c, username: $u, password: $p) { token } }",
                json!({ "c": customer, "u": username, "p": password }),
            )
            .await;
        data["signIn"]["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// The root customer's ID as the admin sees it.
    pub async fn root_id(&self, token: &str) -> String {
        let data = self.data(Some(token), "{ root { id } }", json!({})).await;
        data["root"]["id"].as_str().expect("root id").to_owned()
    }

    /// Creates a customer and returns its ID; `extra` fields override the defaults
    /// (ALL_INCLUSIVE, device country DE).
    pub async fn create_customer(
        &self,
        token: &str,
        parent_id: &str,
        name: &str,
        level: &str,
        extra: Value,
    ) -> String {
        let body = self
            .try_create_customer(token, parent_id, name, level, extra)
            .await;
        assert!(
            body.get("errors").is_none(),
            "createCustomer {name} failed: {body:#}"
        );
        body["data"]["createCustomer"]["id"]
            .as_str()
            .expect("an id")
            .to_owned()
    }

    /// Attempts `createCustomer` and returns the whole response.
    pub async fn try_create_customer(
        &self,
        token: &str,
        parent_id: &str,
        name: &str,
        level: &str,
        extra: Value,
    ) -> Value {
        let mut input = json!({
            "parentId": parent_id,
            "name": name,
            "level": level,
            "serviceType": "ALL_INCLUSIVE",
            "deviceCountry": "DE",
        });
        if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                input.insert(k.clone(), v.clone());
            }
        }
        self.gql(
            Some(token),
            "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await
    }

    /// Creates a user through `createUser` and returns the user's ID.
    pub async fn create_user(
        &self,
        token: &str,
        customer_id: &str,
        username: &str,
        role: &str,
        password: &str,
    ) -> String {
        let data = self
            .data(
                Some(token),
                "mutation($c: ID!, $i: UserInput!) { createUser(customerId: $c, input: $i) { id } }",
                json!({ "c": customer_id, "i": { "username": username, "role": role, "password": password } }),
            )
            .await;
        data["createUser"]["id"]
            .as_str()
            .expect("a user id")
            .to_owned()
    }
}

/// A file sent with [`TestApp::upload`].
#[derive(Clone, Debug)]
pub struct UploadFile {
    /// Where the file goes in the variables, e.g. `variables.input.logo`.
    pub path: String,
    pub filename: String,
    /// The part's declared media type (`application/octet-stream` when `None`).
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl UploadFile {
    pub fn new(path: &str, filename: &str, content_type: Option<&str>, bytes: Vec<u8>) -> Self {
        Self {
            path: path.into(),
            filename: filename.into(),
            content_type: content_type.map(Into::into),
            bytes,
        }
    }
}

impl TestApp {
    /// POSTs a GraphQL multipart request (the GraphQL multipart request spec): `operations`,
    /// then `map`, then one part per file. The files' variables may be left out of
    /// `variables`; they are set to null as the spec requires.
    pub async fn upload(
        &self,
        token: Option<&str>,
        query: &str,
        mut variables: Value,
        files: Vec<UploadFile>,
    ) -> Value {
        let mut map = serde_json::Map::new();
        for (i, file) in files.iter().enumerate() {
            map.insert(i.to_string(), json!([file.path]));
            let mut target = &mut variables;
            let steps: Vec<&str> = file.path.split('.').skip(1).collect();
            for (n, step) in steps.iter().enumerate() {
                if n + 1 == steps.len() {
                    target[*step] = Value::Null;
                } else {
                    target = &mut target[*step];
                }
            }
        }
        let operations = json!({ "query": query, "variables": variables });
        let mut form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", Value::Object(map).to_string());
        for (i, file) in files.into_iter().enumerate() {
            let part = reqwest::multipart::Part::bytes(file.bytes)
                .file_name(file.filename)
                .mime_str(
                    file.content_type
                        .as_deref()
                        .unwrap_or("application/octet-stream"),
                )
                .expect("a media type");
            form = form.part(i.to_string(), part);
        }
        let mut request = self
            .api
            .http
            .post(format!("{}/graphql", self.address))
            .multipart(form);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        response.json().await.expect("a JSON body")
    }

    /// GETs a path of the server (e.g. an asset URL the API returned).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.api
            .http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("the server answers")
    }

    /// Adds a device using `usedStorageBytes` and returns its ID.
    pub async fn add_device(
        &self,
        token: &str,
        customer_id: &str,
        name: &str,
        bytes: i64,
    ) -> String {
        let data = self
            .data(
                Some(token),
                "mutation($c: ID!, $i: DeviceInput!) { addDevice(customerId: $c, input: $i) { id } }",
                json!({ "c": customer_id, "i": { "name": name, "usedStorageBytes": bytes } }),
            )
            .await;
        data["addDevice"]["id"]
            .as_str()
            .expect("a device id")
            .to_owned()
    }
}

/// The `extensions.code` of a response's first error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// The `extensions.field` of a response's first error, if any.
pub fn error_field(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}
