//! Wiring: open the database, make sure the root exists, build the schema and the HTTP routes,
//! and bind the listener. [`Application::build`] returns before serving, so callers (tests
//! included) can bind port 0 and read the port that was picked.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use async_graphql::http::GraphiQLSource;
use async_graphql_poem::{GraphQLRequest, GraphQLResponse};
use poem::endpoint::StaticFilesEndpoint;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::web::{Data, Html};
use poem::{get, handler, EndpointExt, IntoResponse, Request, Route, Server};

use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::context::{AppState, RequestCtx};
use crate::schema::{self, CanopySchema};
use crate::{auth, bootstrap, db};

/// A configured server, bound to its address but not yet serving.
pub struct Application {
    acceptor: TcpAcceptor,
    local_addr: SocketAddr,
    routes: poem::endpoint::BoxEndpoint<'static>,
    state: AppState,
}

impl Application {
    /// Builds the server with the system clock.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Builds the server with the given clock (tests move time with it).
    pub async fn build_with_clock(config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        let pool = db::connect(&config.database_url).await?;
        if let Some(first) = bootstrap::ensure_root(&pool, &config, clock.as_ref()).await? {
            announce_first_start(&first);
        }
        let state = AppState {
            pool,
            clock,
            session_ttl_ms: config.session_ttl_minutes.max(1) * 60_000,
            public_url: String::new(),
            sign_in_throttle: Default::default(),
            default_sender_email: config.default_sender_email.clone(),
        };
        let acceptor = TcpListener::bind(config.listen)
            .into_acceptor()
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let local_addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .context("the listener has no socket address")?;
        let mut state = state;
        state.public_url = match &config.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{local_addr}"),
        };
        let schema = schema::build().data(state.clone()).finish();
        let routes = routes(&config, schema, state.clone());
        Ok(Self {
            acceptor,
            local_addr,
            routes,
            state,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The shared state (database pool, clock), for tests that inspect the database.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the process receives Ctrl-C or SIGTERM, letting in-flight requests finish.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(
                self.routes,
                shutdown_signal(),
                Some(std::time::Duration::from_secs(30)),
            )
            .await
            .context("server error")
    }
}

fn announce_first_start(first: &bootstrap::FirstStart) {
    tracing::info!(root = %first.root_name, admin = %first.admin_user, "first start: created the root customer and its SUPERUSER");
    if let Some(password) = &first.generated_password {
        // Printed once, to the operator's terminal only; never logged.
        println!(
            "\nFirst start: sign in as customer '{}', user '{}', password '{}'.\n\
             This password is shown only now; change it after signing in.\n",
            first.root_name, first.admin_user, password
        );
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

fn routes(
    config: &Config,
    schema: CanopySchema,
    state: AppState,
) -> poem::endpoint::BoxEndpoint<'static> {
    let app = Route::new()
        .at("/graphql", get(graphql).post(graphql))
        .at("/graphiql", get(graphiql))
        .at("/assets/branding/:file", get(crate::branding::serve_asset))
        .at("/healthz", get(healthz));
    let app = if config.static_dir.join("index.html").is_file() {
        app.nest(
            "/",
            StaticFilesEndpoint::new(&config.static_dir)
                .index_file("index.html")
                .fallback_to_index(),
        )
    } else {
        tracing::warn!(dir = %config.static_dir.display(), "the web app is not built; serving the API only");
        app.at("/", get(app_missing))
    };
    let csp = crate::security::content_security_policy(&config.static_dir);
    crate::security::harden(app.data(schema).data(state), csp, &config.cors_origins)
}

/// Executes a GraphQL request as the viewer its bearer token names (if any).
#[handler]
async fn graphql(
    schema: Data<&CanopySchema>,
    state: Data<&AppState>,
    http: &Request,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let token = http
        .headers()
        .get(poem::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let viewer = match token {
        Some(token) => match auth::viewer_for_token(&state, token).await {
            Ok(viewer) => viewer,
            Err(err) => {
                let err: async_graphql::Error = err.into();
                return async_graphql::Response::from_errors(vec![
                    err.into_server_error(async_graphql::Pos::default())
                ])
                .into();
            }
        },
        None => None,
    };
    let client = http.remote_addr().as_socket_addr().map(|a| a.ip());
    let request = request
        .0
        .data(RequestCtx::new(&state, viewer).with_client(client));
    schema.execute(request).await.into()
}

#[handler]
fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Canopy GraphiQL")
            .finish(),
    )
}

#[handler]
fn healthz() -> &'static str {
    "ok"
}

#[handler]
fn app_missing() -> impl IntoResponse {
    Html(
        "<!doctype html><title>Canopy</title><p>The Canopy API is running at \
         <a href=\"/graphql\">/graphql</a> (explore it in <a href=\"/graphiql\">GraphiQL</a>). \
         The web app has not been built: run <code>scripts/run</code>.</p>",
    )
}
