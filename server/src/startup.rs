//! Wiring: open the database, make sure the root exists, build the schema and the HTTP routes,
//! and bind the listener. [`Application::build`] returns before serving, so callers (tests
//! included) can bind port 0 and read the port that was picked. [`routes`] is the one place
//! that lists every URL the server answers.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use poem::endpoint::StaticFilesEndpoint;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::web::Html;
use poem::{get, handler, EndpointExt, IntoResponse, Route, Server};
use tokio::sync::{watch, Notify};

use crate::auth::{self, cache::SessionCache};
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::graphiql::{self, GraphiqlAssets};
use crate::http::{GraphQLEndpoint, Limits};
use crate::live::{LocalBus, PgBus};
use crate::ops::{self, Metrics};
use crate::schema::CanopySchema;
use crate::state::AppState;
use crate::{bootstrap, db};

/// A configured server, bound to its address but not yet serving.
pub struct Application {
    acceptor: TcpAcceptor,
    local_addr: SocketAddr,
    routes: poem::endpoint::BoxEndpoint<'static>,
    state: AppState,
    shutdown: ShutdownTrigger,
    /// Set when shutting down: WebSocket connections, which the graceful shutdown does not
    /// wait for, close on it instead of outliving the server.
    closing: watch::Sender<bool>,
}

/// Starts a graceful shutdown of a running [`Application`], as SIGTERM does (tests and
/// embedders use it).
#[derive(Clone, Debug, Default)]
pub struct ShutdownTrigger(Arc<Notify>);

impl ShutdownTrigger {
    /// Stops accepting connections, lets in-flight requests finish, then ends
    /// [`Application::run_until_stopped`]. Works before the server runs, too.
    pub fn trigger(&self) {
        self.0.notify_one();
    }
}

impl Application {
    /// Builds the server with the system clock.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Builds the server with the given clock (tests move time with it).
    pub async fn build_with_clock(config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        let settings = db::PoolSettings {
            max_connections: config.db_max_connections,
            acquire_timeout: std::time::Duration::from_secs(config.db_acquire_timeout_secs),
        };
        let pool = db::connect_with(&config.database_url, settings).await?;
        if let Some(first) = bootstrap::ensure_root(&pool, &config, clock.as_ref()).await? {
            announce_first_start(&first);
        }
        let backend = db::Backend::of(&pool);
        // Live updates reach the subscribers of every process sharing a PostgreSQL database.
        let events = match backend {
            db::Backend::Sqlite => LocalBus::shared(),
            db::Backend::Postgres => PgBus::start(&config.database_url, pool.clone()).await?,
        };
        let reads = db::ReadPool::open(&config.database_url, &pool, settings).await?;
        // SQLite serves one process, whose own writes are all the changes there are; on
        // PostgreSQL the cache is deaf until it listens for the other processes' changes.
        let sessions = Arc::new(SessionCache::new(
            config.session_cache,
            backend == db::Backend::Sqlite,
        ));
        if config.session_cache && backend == db::Backend::Postgres {
            auth::cache::listen(&config.database_url, &sessions).await?;
        }
        let state = AppState {
            writes: db::GroupCommit::new(pool.clone()),
            pool,
            reads,
            clock,
            session_ttl_ms: config.session_ttl_minutes.max(1) * 60_000,
            public_url: String::new(),
            sign_in_throttle: Default::default(),
            default_sender_email: config.default_sender_email.clone(),
            events,
            data_centers: Default::default(),
            fast_reads: crate::state::FastReads::new(config.fast_reads),
            sessions,
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
        let limits = Limits::default();
        let schema = CanopySchema::new(state.clone(), limits, config.introspection);
        let metrics = Arc::new(Metrics::new(
            state.pool.clone(),
            state.reads.clone(),
            state.events.clone(),
        )?);
        metrics.register(state.fast_reads.counter())?;
        metrics.register(state.sessions.counter())?;
        metrics.register(state.writes.histogram())?;
        let (closing, closing_rx) = watch::channel(false);
        let routes = routes(&config, schema, state.clone(), metrics, limits, closing_rx);
        Ok(Self {
            acceptor,
            local_addr,
            routes,
            state,
            shutdown: ShutdownTrigger::default(),
            closing,
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

    /// A handle that shuts the server down gracefully, like SIGTERM.
    pub fn shutdown_trigger(&self) -> ShutdownTrigger {
        self.shutdown.clone()
    }

    /// Serves until the process receives Ctrl-C or SIGTERM (or the [`ShutdownTrigger`]
    /// fires): then it stops accepting connections and lets in-flight requests finish, for
    /// up to 30 seconds.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let trigger = self.shutdown.0.clone();
        let closing = self.closing;
        let stop = async move {
            tokio::select! {
                () = shutdown_signal() => {},
                () = trigger.notified() => tracing::info!("shutting down on request"),
            }
            let _ = closing.send(true);
        };
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(self.routes, stop, Some(std::time::Duration::from_secs(30)))
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

/// Every URL the server answers.
fn routes(
    config: &Config,
    schema: CanopySchema,
    state: AppState,
    metrics: Arc<Metrics>,
    limits: Limits,
    closing: watch::Receiver<bool>,
) -> poem::endpoint::BoxEndpoint<'static> {
    let graphql = GraphQLEndpoint::new(schema.clone(), state.clone(), metrics.clone(), limits)
        .closing_with(closing);
    let app = Route::new()
        .at("/graphql", graphql)
        .at("/graphiql", get(graphiql::page))
        .at("/graphiql/:name", get(graphiql::asset))
        .at("/healthz", get(ops::healthz))
        .at("/readyz", get(ops::readyz))
        .at("/metrics", get(ops::serve_metrics))
        .at("/assets/branding/:file", get(crate::branding::serve_asset));
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
    let app = app
        .data(schema)
        .data(state)
        .data(metrics)
        .data(GraphiqlAssets::new(&config.graphiql_dir));
    crate::security::harden(app, csp, &config.cors_origins)
}

#[handler]
fn app_missing() -> impl IntoResponse {
    Html(
        "<!doctype html><title>Canopy</title><p>The Canopy API is running at \
         <a href=\"/graphql\">/graphql</a> (explore it in <a href=\"/graphiql\">GraphiQL</a>). \
         The web app has not been built: run <code>scripts/run</code>.</p>",
    )
}
