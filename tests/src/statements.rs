//! Counting the SQL statements a request runs, for the tests that prove nested queries cost a
//! fixed number of statements however many customers they return.
//!
//! The counter is a process-wide tracing layer, so each test that uses it lives in a test
//! binary of its own and calls [`count_statements`] once before it starts the server.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

/// Counts sqlx's per-statement log events (target `sqlx::query`), except the `PRAGMA`s that
/// set up a new pool connection: how many connections a request opens depends on timing.
struct CountStatements;

/// The statement's summary, as sqlx logs it.
struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for CountStatements {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            let mut summary = Summary(String::new());
            event.record(&mut summary);
            if !summary.0.trim_start_matches('"').starts_with("PRAGMA") {
                STATEMENTS.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

/// Installs the counter as this process's tracing subscriber. Panics when the binary already
/// has one: the count would be wrong if anything else consumed the events.
pub fn count_statements() {
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(
            CountStatements.with_filter(
                tracing_subscriber::filter::Targets::new()
                    .with_target("sqlx::query", tracing::Level::TRACE),
            ),
        ),
    )
    .expect("the only subscriber in this binary");
}

/// The fewest statements any of `runs` runs of `request` took.
///
/// A DataLoader collects keys for a millisecond before it queries; on a busy machine a batch
/// can fire before the last keys of its level arrive, and the rest then go in a second
/// statement. That is scheduling, not the query's shape, and it comes and goes between runs.
/// One statement per item is the shape, and it shows in every run; so the fewest is the
/// figure that says whether a query batches.
pub async fn fewest_statements<F, Fut>(runs: usize, mut request: F) -> usize
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut fewest = usize::MAX;
    for _ in 0..runs {
        let before = STATEMENTS.load(Ordering::SeqCst);
        request().await;
        fewest = fewest.min(STATEMENTS.load(Ordering::SeqCst) - before);
    }
    fewest
}
