//! The raw-SQL floor of the load harness's read shapes: the fewest statements that fetch the
//! same data as `bench/queries/canopy.mjs`, run through the server's own read pool
//! (`db::ReadPool`: rusqlite on SQLite, sqlx's native driver on PostgreSQL, rows decoded by
//! position into tuples) with no HTTP and no GraphQL, from as many concurrent tasks as the HTTP
//! run has connections.
//! `docs/BENCHMARKS.md` compares Canopy's figures with these.
//!
//!   cargo bench -p canopy-server --bench raw_sql -- DATABASE_URL [SECONDS] [TASKS] [OUT.json]
//!
//! With OUT.json it also writes the figures in the shape `bench/load.mjs` writes them, so
//! `bench/report.mjs` can set them beside the HTTP runs.
//!
//! It only reads, so it may run against the database a server is using (not at the same time
//! as a measurement of that server, though: both would share the machine's two cores).

use std::time::{Duration, Instant};

use anyhow::Context as _;
use canopy_server::db::{self, Pool, PushSql, ReadPool, ReadQuery};
use canopy_shared::customer::CustomerLevel;
use rand::Rng;
use sqlx::Row;

#[path = "floor/statements.rs"]
mod statements;

// The server's allocator (server/src/main.rs), so the floor is measured like for like.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One read shape: its name and one request's statements, given random picks.
#[derive(Clone, Copy)]
enum Shape {
    Tree3,
    Page50,
    ById,
    Search,
}

impl Shape {
    const ALL: [Shape; 4] = [Shape::Tree3, Shape::Page50, Shape::ById, Shape::Search];

    fn name(self) -> &'static str {
        match self {
            Shape::Tree3 => "tree3",
            Shape::Page50 => "page50",
            Shape::ById => "byId",
            Shape::Search => "search",
        }
    }
}

/// What the shapes pick from, read once before the clock starts.
struct Picks {
    /// The distributors' materialised paths.
    distributor_paths: Vec<String>,
    /// The smallest and largest customer id.
    ids: (i64, i64),
}

async fn picks(pool: &Pool) -> anyhow::Result<Picks> {
    let distributor_paths = sqlx::query("SELECT path FROM customers WHERE level = $1")
        .bind(CustomerLevel::Distributor.rank())
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect::<Vec<_>>();
    anyhow::ensure!(
        !distributor_paths.is_empty(),
        "the database holds no distributors: seed it first (`canopy seed`)"
    );
    let row = sqlx::query("SELECT MIN(id), MAX(id) FROM customers")
        .fetch_one(pool)
        .await?;
    Ok(Picks {
        distributor_paths,
        ids: (row.get(0), row.get(1)),
    })
}

/// A random value in `range` (the thread's generator is not `Send`, so it is never held
/// across an `await`).
fn random<T, R>(range: R) -> T
where
    T: rand::distributions::uniform::SampleUniform,
    R: rand::distributions::uniform::SampleRange<T>,
{
    rand::thread_rng().gen_range(range)
}

/// Runs one request of `shape` and returns how many rows it read.
async fn request(reads: &ReadPool, shape: Shape, picks: &Picks) -> anyhow::Result<usize> {
    match shape {
        // A distributor and three levels below it: one subtree range of the path index.
        Shape::Tree3 => {
            let path = &picks.distributor_paths[random(0..picks.distributor_paths.len())];
            let q = statements::tree3("id, parent_id, name", path);
            let rows: Vec<(i64, Option<i64>, String)> = q.fetch_all(reads).await?;
            Ok(rows.len())
        }
        // One of the first 20 pages of end-customers, then their contacts in one statement.
        Shape::Page50 => {
            let page: i64 = random(0..20);
            let mut q = ReadQuery::new(
                "SELECT id, name, device_country, service_type, trial_expires_at, device_count \
                 FROM customers WHERE level = ",
            );
            q.push_bind(CustomerLevel::EndCustomer.rank())
                .push(" ORDER BY created_at, id LIMIT 50 OFFSET ")
                .push_bind(page * 50);
            type Customer = (i64, String, String, String, Option<i64>, i64);
            let customers: Vec<Customer> = q.fetch_all(reads).await?;
            let mut q = ReadQuery::lookup(
                "SELECT id, customer_id, first_name, last_name, email, phone FROM contacts \
                 WHERE customer_id IN (",
            );
            q.push_list(customers.iter().map(|c| c.0)).push(")");
            type Contact = (
                i64,
                i64,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            );
            let contacts: Vec<Contact> = q.fetch_all(reads).await?;
            Ok(customers.len() + contacts.len())
        }
        Shape::ById => {
            let id = random(picks.ids.0..=picks.ids.1);
            let mut q = ReadQuery::lookup(
                "SELECT id, parent_id, name, level, service_type, device_country, \
                 storage_location, trial_expires_at, created_at FROM customers WHERE id = ",
            );
            q.push_bind(id);
            type Customer = (
                i64,
                Option<i64>,
                String,
                i16,
                String,
                String,
                String,
                Option<i64>,
                i64,
            );
            let rows: Vec<Customer> = q.fetch_all(reads).await?;
            Ok(rows.len())
        }
        // The count and the first page of a substring search over the whole tree.
        Shape::Search => {
            let fragment = format!("{}7", random(1..=999));
            let search = |select| statements::name_search(reads, select, &fragment);
            let count: Vec<(i64,)> = search("SELECT COUNT(*) FROM customers")
                .fetch_all(reads)
                .await?;
            let mut q = search("SELECT id, name, level, trial_expires_at FROM customers");
            q.push(" ORDER BY name_key, id LIMIT 50");
            let rows: Vec<(i64, String, i16, Option<i64>)> = q.fetch_all(reads).await?;
            Ok(rows.len() + usize::from(count.first().is_some_and(|c| c.0 > 0)))
        }
    }
}

/// Runs `shape` from `tasks` concurrent tasks for `duration`; returns every request's latency.
async fn measure(
    reads: &ReadPool,
    shape: Shape,
    picks: &std::sync::Arc<Picks>,
    tasks: usize,
    duration: Duration,
) -> anyhow::Result<Vec<Duration>> {
    let until = Instant::now() + duration;
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (reads, picks) = (reads.clone(), picks.clone());
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let start = Instant::now();
                request(&reads, shape, &picks).await?;
                latencies.push(start.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Vec::new();
    for handle in handles {
        all.extend(handle.await??);
    }
    all.sort();
    Ok(all)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; everything else is ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let url = args
        .first()
        .context("usage: raw_sql DATABASE_URL [SECONDS] [TASKS] [OUT.json]")?;
    let seconds: u64 = args.get(1).map_or(Ok(10), |s| s.parse())?;
    let tasks: usize = args.get(2).map_or(Ok(32), |s| s.parse())?;
    let out = args.get(3);

    let pool = db::connect(url).await?;
    let picks = std::sync::Arc::new(picks(&pool).await?);
    let reads = ReadPool::open(url, &pool, db::PoolSettings::default()).await?;
    println!("raw SQL: {url} duration {seconds}s tasks {tasks}");
    let mut rows = Vec::new();
    for shape in Shape::ALL {
        // Warm the caches the way the HTTP runs' warm-up does.
        measure(&reads, shape, &picks, tasks, Duration::from_secs(2)).await?;
        let latencies = measure(&reads, shape, &picks, tasks, Duration::from_secs(seconds)).await?;
        println!(
            "{:<7} {:>8.1} req/s p50 {:.2} ms p99 {:.2} ms n={}",
            shape.name(),
            latencies.len() as f64 / seconds as f64,
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99),
            latencies.len()
        );
        rows.push(serde_json::json!({
            "query": shape.name(),
            "reqPerSec": latencies.len() as f64 / seconds as f64,
            "total": latencies.len(),
            "p50ms": percentile(&latencies, 0.50),
            "p99ms": percentile(&latencies, 0.99),
        }));
    }
    if let Some(out) = out {
        let label = format!("raw SQL ({:?})", db::Backend::of_url(url)?).to_lowercase();
        let report = serde_json::json!({ "label": label, "duration": seconds, "connections": tasks, "rows": rows });
        std::fs::write(out, serde_json::to_vec_pretty(&report)?)?;
    }
    Ok(())
}
