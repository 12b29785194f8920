//! Operating the server: liveness and readiness probes, Prometheus metrics and logging.

pub mod metrics;

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem::{handler, IntoResponse, Response};

use crate::config::LogFormat;
use crate::state::AppState;
pub use metrics::Metrics;

/// `/healthz`: the process is up and serving HTTP.
#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

/// `/readyz`: the database answers a query, so requests can be served. A load balancer takes
/// the instance out of rotation while this fails.
#[handler]
pub async fn readyz(state: Data<&AppState>) -> Response {
    let probe = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM customers").fetch_one(&state.pool),
    )
    .await;
    match probe {
        Ok(Ok(_)) => "ready".into_response(),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness probe: the database query failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
        Err(_) => {
            tracing::warn!("readiness probe: the database did not answer within 2 s");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `/metrics`: Prometheus' text exposition format.
#[handler]
pub fn serve_metrics(metrics: Data<&Arc<Metrics>>) -> Response {
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}

/// Installs the process-wide log subscriber: `RUST_LOG` filters (default `info,sqlx=warn`),
/// `format` chooses human-readable lines or JSON objects (with the current span's fields, so
/// each GraphQL request's log lines carry its operation name).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .init(),
    }
}
