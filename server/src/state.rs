//! What every request shares: the pools, the clock and the process-wide services. A ground
//! type: its pieces (`live::event`, `auth::throttle`, `auth::cache`, `geo::cache`) import
//! nothing above it.

use crate::clock::SharedClock;
use crate::db::{self, Pool};

/// Shared by all requests.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    /// The same database through the native driver, for loaders' reads (see `db::reads`).
    pub reads: db::ReadPool,
    pub clock: SharedClock,
    pub session_ttl_ms: i64,
    /// Failed sign-in counters.
    pub sign_in_throttle: std::sync::Arc<crate::auth::throttle::SignInThrottle>,
    /// Base URL of this installation as users reach it (for links such as set-password).
    pub public_url: String,
    /// The sender address of the installation's default branding (configuration).
    pub default_sender_email: String,
    /// Where committed customer changes are published for live subscribers.
    pub events: crate::live::event::SharedBus,
    /// The data-center table as reads show it.
    pub data_centers: std::sync::Arc<crate::geo::DataCenterCache>,
    /// Whether customer lists read ahead skip the general executor (`--fast-reads`), and how
    /// often they did.
    pub fast_reads: FastReads,
    /// Sessions resolved recently (`--session-cache`), forgotten on every change.
    pub sessions: std::sync::Arc<crate::auth::cache::SessionCache>,
    /// The queue every change waits in for its turn, and commits with (see `db::group_commit`).
    pub writes: db::GroupCommit,
}

/// The fast path of customer lists (`customers::graphql::fast_path`): whether it is on, and
/// how many lists it answered or gave way on (`canopy_fast_path_lists_total` in `/metrics`).
#[derive(Clone, Debug)]
pub struct FastReads {
    pub enabled: bool,
    lists: prometheus::IntCounterVec,
}

impl FastReads {
    pub fn new(enabled: bool) -> Self {
        let lists = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "fast_path_lists_total",
                "Customer lists the fast path answered (walked) or left to the general \
                 executor (gave_way).",
            ),
            &["outcome"],
        )
        .expect("a valid metric definition");
        Self { enabled, lists }
    }

    /// Counts one list by how it was answered.
    pub fn count(&self, walked: bool) {
        let outcome = if walked { "walked" } else { "gave_way" };
        self.lists.with_label_values(&[outcome]).inc();
    }

    /// The counter, for the metrics registry.
    pub fn counter(&self) -> prometheus::IntCounterVec {
        self.lists.clone()
    }
}
