//! Prometheus metrics: GraphQL requests by operation name and outcome, their latency, the
//! database pools' use and the number of live subscriptions. Each [`Application`] has its own
//! registry, so several servers in one process (tests) do not mix their numbers.
//!
//! [`Application`]: crate::Application

use std::collections::HashSet;
use std::sync::Mutex;

use prometheus::{
    Encoder as _, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::db::{Pool, PoolUse, ReadPool};
use crate::live::event::SharedBus;

/// Operation names become label values; past this many distinct names (clients choose them)
/// further ones are counted as `other`, so a client cannot blow up the series count.
const MAX_OPERATION_LABELS: usize = 200;
const MAX_OPERATION_NAME: usize = 64;

/// How a GraphQL request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Executed without errors.
    Ok,
    /// Executed, with errors in the response.
    Error,
    /// Refused before execution: malformed, invalid or over the limits.
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Rejected => "rejected",
        }
    }
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGaugeVec,
    subscriptions: IntGauge,
    labels: Mutex<HashSet<String>>,
    pool: Pool,
    reads: ReadPool,
    bus: SharedBus,
}

impl Metrics {
    /// Registers the metrics; the pools and the event bus are read at each scrape.
    pub fn new(pool: Pool, reads: ReadPool, bus: SharedBus) -> anyhow::Result<Self> {
        let registry = Registry::new_custom(Some("canopy".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "graphql_requests_total",
                "GraphQL operations received, by operation name and outcome (ok, error, rejected).",
            ),
            &["operation", "outcome"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "graphql_request_duration_seconds",
                "Time to check, execute and answer a GraphQL operation, by operation name.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["operation"],
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database connections open, by pool (primary: writes and transactions; reads \
                 and lookups: the native-driver read pools) and state (idle, in_use).",
            ),
            &["pool", "state"],
        )?;
        let pool_max = IntGaugeVec::new(
            Opts::new(
                "db_pool_max_connections",
                "The most connections each database pool opens.",
            ),
            &["pool"],
        )?;
        let subscriptions = IntGauge::new(
            "live_subscriptions",
            "Live customerChanged subscriptions open on this server.",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(subscriptions.clone()))?;
        Ok(Self {
            registry,
            requests,
            duration,
            pool_connections,
            pool_max,
            subscriptions,
            labels: Mutex::new(HashSet::new()),
            pool,
            reads,
            bus,
        })
    }

    /// Adds a metric that another part of the server keeps (the fast path's counts).
    pub fn register(
        &self,
        collector: impl prometheus::core::Collector + 'static,
    ) -> anyhow::Result<()> {
        self.registry.register(Box::new(collector))?;
        Ok(())
    }

    /// The label an operation name is counted under: `anonymous` without a name, `other` for
    /// names that are too long, odd, or beyond the first [`MAX_OPERATION_LABELS`].
    pub fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return "anonymous".into();
        };
        let valid = !name.is_empty()
            && name.len() <= MAX_OPERATION_NAME
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return "other".into();
        }
        let mut labels = self.labels.lock().unwrap_or_else(|e| e.into_inner());
        if labels.contains(name) || labels.len() < MAX_OPERATION_LABELS {
            labels.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".into()
        }
    }

    /// Counts a request by its (raw) operation name.
    pub fn record(&self, name: Option<&str>, outcome: Outcome, seconds: f64) {
        let label = self.operation_label(name);
        self.record_label(&label, outcome, seconds);
    }

    /// Counts a request under a label from [`operation_label`](Self::operation_label).
    pub fn record_label(&self, label: &str, outcome: Outcome, seconds: f64) {
        self.requests
            .with_label_values(&[label, outcome.as_str()])
            .inc();
        if outcome != Outcome::Rejected {
            self.duration.with_label_values(&[label]).observe(seconds);
        }
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let primary = PoolUse::of("primary", &self.pool);
        for pool in std::iter::once(primary).chain(self.reads.usage()) {
            self.pool_connections
                .with_label_values(&[pool.name, "idle"])
                .set(i64::from(pool.idle));
            self.pool_connections
                .with_label_values(&[pool.name, "in_use"])
                .set(i64::from(pool.open - pool.idle));
            self.pool_max
                .with_label_values(&[pool.name])
                .set(i64::from(pool.max));
        }
        self.subscriptions
            .set(i64::try_from(self.bus.subscriber_count()).unwrap_or(i64::MAX));
        let mut out = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %err, "cannot encode the metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
