//! What every request shares: the pools, the clock and the process-wide services. A ground
//! type: its pieces (`live::event`, `auth::throttle`, `geo::cache`) import nothing above it.

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
}
