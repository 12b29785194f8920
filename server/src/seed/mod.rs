//! `canopy seed`: fills an empty installation with a generated customer tree, fast enough for
//! a million customers and ten million devices.
//!
//! Two shapes ([`plan::Shape`]):
//! - **realistic** (`--customers N --devices M --seed S`): distributors, sub-distributors,
//!   resellers, end-customers and sites with uneven fan-out and some skipped levels, contacts,
//!   a few past and upcoming activities, branded resellers, 30-day trials (running, expired and
//!   converted), countries with and without a data center, and devices spread unevenly. The
//!   same seed (and `--now-ms`) gives the same data.
//! - **anchor** (`--fanout 10,10,10,20 --contacts 3 --devices-per-leaf 5`): the tree of
//!   `../shared/anchors/seed.sql`, by position. The anchor's ids run level by level; Canopy's ids
//!   run in the same order after the root's, so the anchor's customer id n is Canopy's
//!   customer id n + B, where B is the highest customer id the database had handed out (the
//!   root's, 1, on a fresh database: n ⇒ n + 1). Names are "Distributor n",
//!   "Sub-distributor n", "Reseller n", "End-customer n"; contacts "Contact k of n"
//!   (`ck.n@example.com`, phone `+49 30` and `n·3 + k` in seven digits); devices `dev-n-k` on
//!   the deepest level. The anchor's `id % 3` service types map basic ⇒ `SOFTWARE_ONLY` and
//!   standard, premium ⇒ `ALL_INCLUSIVE`; its `id % 8` countries are kept (DE FR US GB NL SE
//!   ES IT); the storage location is the country's data center, and for SE and ES (none) the
//!   anchor's `id % 3` location (eu-central ⇒ DE, eu-west ⇒ NL, us-east ⇒ US); `id % 7 = 0`
//!   customers were created in trial, which ends 30 days after `created_at` (2024-01-01 plus
//!   `id` × 37 minutes, as in the anchor).
//!
//! [`plan`] computes every row, path and maintained aggregate in memory; [`store`] holds all
//! of the SQL and bulk-loads the plan in one transaction.

pub mod plan;
pub mod store;

use std::time::Instant;

use crate::bootstrap;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, SeedConfig};
use crate::db;

pub use store::Written;

/// What a seed wrote, and how long it took.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    pub written: Written,
    pub seconds: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = &self.written;
        write!(
            f,
            "Seeded {} customers, {} contacts, {} devices, {} activities and {} brandings \
             in {:.1} s",
            w.customers, w.contacts, w.devices, w.activities, w.brandings, self.seconds
        )
    }
}

/// Runs `canopy seed`: migrates the database, creates the root and its SUPERUSER if it is
/// new, refuses one that already has customers below the root, then plans and loads the
/// tree. `say` receives progress lines.
pub async fn run(config: &SeedConfig, say: &dyn Fn(String)) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let url = config.database_url.as_str();
    let pool = db::connect(url).await?;
    let mut serve = Config::for_database(url);
    serve.root_name = config.root_name.clone();
    serve.admin_user = config.admin_user.clone();
    serve.admin_password = config.admin_password.clone();
    if let Some(first) = bootstrap::ensure_root(&pool, &serve, &SystemClock).await? {
        say(format!(
            "Created the root customer '{}' and its SUPERUSER '{}'",
            first.root_name, first.admin_user
        ));
        if let Some(password) = first.generated_password {
            say(format!(
                "Its password is '{password}'; it is shown only now, change it after signing in."
            ));
        }
    }
    if store::has_customers_below_root(&pool).await? {
        anyhow::bail!(
            "the database already holds customers below the root; `canopy seed` only fills \
             an empty installation (use a new database)"
        );
    }
    let base = store::read_base(&pool).await?;
    pool.close().await;

    let shape = match (&config.fanout, config.customers) {
        (Some(fanout), _) => plan::Shape::Anchor {
            fanout: fanout.clone(),
            contacts: config.contacts,
            devices_per_leaf: config.devices_per_leaf,
        },
        (None, Some(customers)) => {
            const DAY_MS: i64 = 24 * 60 * 60 * 1000;
            let now_ms = config
                .now_ms
                .unwrap_or_else(|| SystemClock.now_ms() / DAY_MS * DAY_MS);
            plan::Shape::Realistic {
                customers,
                devices: config.devices,
                seed: config.seed,
                now_ms,
            }
        }
        (None, None) => anyhow::bail!("give --customers N or --fanout A,B,…"),
    };
    let planning = Instant::now();
    let plan = plan::Plan::build(shape, base)?;
    say(format!(
        "Planned {} customers, {} contacts and {} devices in {:.1} s",
        plan.customers.len(),
        plan.contact_total,
        plan.device_total,
        planning.elapsed().as_secs_f64()
    ));
    let written = store::load(url, &plan, say).await?;
    Ok(Summary {
        written,
        seconds: started.elapsed().as_secs_f64(),
    })
}
