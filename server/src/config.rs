//! Command line and environment configuration (`canopy serve`, `canopy schema`, `canopy seed`,
//! `canopy backup`, `canopy restore`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Canopy: the customer-management console for backup service providers.
#[derive(Debug, Parser)]
#[command(name = "canopy", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the GraphQL API and the web app.
    Serve(Box<Config>),
    /// Print the GraphQL schema (SDL) to standard output.
    Schema,
    /// Write a consistent copy of the (SQLite) database while the server runs.
    Backup {
        /// The database to copy.
        #[arg(
            long = "database",
            env = "DATABASE_URL",
            default_value = "sqlite://canopy.db"
        )]
        database_url: String,
        /// The new file to write.
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the (SQLite) database with a backup; stop the server first.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The database to replace.
        #[arg(
            long = "database",
            env = "DATABASE_URL",
            default_value = "sqlite://canopy.db"
        )]
        database_url: String,
    },
    /// Fill an empty installation with a generated customer tree, for demos and benchmarks.
    ///
    /// Two shapes: `--customers N --devices M [--seed S]` makes a plausible MSP tree
    /// (deterministic: the same seed gives the same data), and `--fanout 10,10,10,20
    /// --contacts 3 --devices-per-leaf 5` makes the performance anchor's tree
    /// (../shared/anchors/seed.sql) by position: the anchor's customer id n is Canopy's id n + 1
    /// on a fresh database (whose root is id 1), names "Distributor n", "Sub-distributor n",
    /// "Reseller n", "End-customer n".
    Seed(Box<SeedConfig>),
}

/// Everything `canopy serve` can be told; each flag can also come from the environment.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "CANOPY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Database URL: `sqlite://FILE` (the file is created when missing) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (the database must exist).
    #[arg(
        long = "database",
        env = "DATABASE_URL",
        default_value = "sqlite://canopy.db"
    )]
    pub database_url: String,

    /// Name of the root customer created on first start.
    #[arg(long, env = "CANOPY_ROOT_NAME", default_value = "My Company")]
    pub root_name: String,

    /// Username of the SUPERUSER created on first start.
    #[arg(long, env = "CANOPY_ADMIN_USER", default_value = "admin")]
    pub admin_user: String,

    /// Password of that SUPERUSER; when unset on first start a strong one is generated and
    /// printed once.
    #[arg(long, env = "CANOPY_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Folder with the web app's built files (Trunk's output).
    #[arg(long, env = "CANOPY_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// The URL users reach this installation at, for links it hands out (set-password links);
    /// defaults to `http://<listen>`.
    #[arg(long, env = "CANOPY_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Origins (e.g. `https://tools.example.com`) whose pages may call the API from a browser;
    /// comma-separated. None by default: cross-origin browser calls are refused.
    #[arg(long, env = "CANOPY_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// How long a session lasts without use, in minutes.
    #[arg(long, env = "CANOPY_SESSION_TTL_MINUTES", default_value_t = 12 * 60)]
    pub session_ttl_minutes: i64,

    /// Sender address of automated reports and notifications for customers that neither have
    /// branding of their own nor a branded ancestor (the installation's default branding).
    #[arg(
        long,
        env = "CANOPY_DEFAULT_SENDER_EMAIL",
        default_value = DEFAULT_SENDER_EMAIL,
        value_parser = parse_sender_email
    )]
    pub default_sender_email: String,

    /// Database connections in the pool.
    #[arg(long, env = "CANOPY_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,

    /// Seconds a request waits for a free database connection before it is refused with
    /// `SERVICE_UNAVAILABLE`.
    #[arg(long, env = "CANOPY_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = 5)]
    pub db_acquire_timeout_secs: u64,

    /// Folder holding GraphiQL's npm packages (`scripts/graphiql-assets` installs them); the
    /// server serves `/graphiql` from there, never from a CDN.
    #[arg(
        long,
        env = "CANOPY_GRAPHIQL_DIR",
        default_value = ".tools/graphiql/node_modules"
    )]
    pub graphiql_dir: PathBuf,

    /// Whether the schema can be introspected (`--introspection=false` turns it off; GraphiQL
    /// and code generators need it).
    #[arg(long, env = "CANOPY_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,

    /// Whether lists of customers that were read ahead (a subtree's levels, a page's nodes)
    /// are answered by Canopy's own walk of the selection set, without a future per field
    /// (`customers::graphql::fast_path`). On by default; `--fast-reads=false` sends every
    /// field through async-graphql's general executor, which gives the same answers more
    /// slowly (the differential test compares the two).
    #[arg(long, env = "CANOPY_FAST_READS", default_value_t = true, action = clap::ArgAction::Set)]
    pub fast_reads: bool,

    /// Whether bearer tokens are checked against the sessions this process resolved in the
    /// last minute, instead of the database on every request (`auth::cache`). Every change
    /// that could end or narrow a session is heard at once, from this process or (on
    /// PostgreSQL, through LISTEN/NOTIFY) from any other; `--session-cache=false` asks the
    /// database every time.
    #[arg(long, env = "CANOPY_SESSION_CACHE", default_value_t = true, action = clap::ArgAction::Set)]
    pub session_cache: bool,

    /// Log output: `text` for people, `json` (one object per line) for log collectors.
    #[arg(long, env = "CANOPY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Everything `canopy seed` can be told (see [`Command::Seed`] and [`crate::seed`]).
#[derive(Clone, Debug, Args)]
#[command(group(
    clap::ArgGroup::new("shape").required(true).args(["customers", "fanout"])
))]
pub struct SeedConfig {
    /// The database to fill (migrated first); it must hold no customer below the root.
    #[arg(
        long = "database",
        env = "DATABASE_URL",
        default_value = "sqlite://canopy.db"
    )]
    pub database_url: String,

    /// Name of the root customer, when the database is new and it is created.
    #[arg(long, env = "CANOPY_ROOT_NAME", default_value = "My Company")]
    pub root_name: String,

    /// Username of the root's SUPERUSER, when the database is new.
    #[arg(long, env = "CANOPY_ADMIN_USER", default_value = "admin")]
    pub admin_user: String,

    /// Password of that SUPERUSER; generated and printed once when unset.
    #[arg(long, env = "CANOPY_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Plausible tree: this many customers below the root (distributors, sub-distributors,
    /// resellers, end-customers and sites, with uneven fan-out).
    #[arg(long, conflicts_with_all = ["fanout", "contacts", "devices_per_leaf"])]
    pub customers: Option<u32>,

    /// Plausible tree: this many devices, spread unevenly over the customers.
    #[arg(long, default_value_t = 0, requires = "customers")]
    pub devices: u64,

    /// Plausible tree: the random seed (the same seed gives the same data).
    #[arg(long, default_value_t = 1, requires = "customers")]
    pub seed: u64,

    /// Plausible tree: the instant trials, activities and backups are placed around, as
    /// Unix milliseconds; defaults to the start of the current UTC day (so runs on the same
    /// day with the same seed give identical data).
    #[arg(long, requires = "customers")]
    pub now_ms: Option<i64>,

    /// Anchor tree: children per parent, level by level below the root (1 to 4 levels:
    /// distributors, sub-distributors, resellers, end-customers), e.g. `10,10,10,20`.
    #[arg(long, value_delimiter = ',')]
    pub fanout: Option<Vec<u32>>,

    /// Anchor tree: contacts of every customer ("Contact k of n", ck.n@example.com).
    #[arg(long, default_value_t = 3, requires = "fanout")]
    pub contacts: u32,

    /// Anchor tree: devices ("dev-n-k") of every customer of the deepest level.
    #[arg(long, default_value_t = 5, requires = "fanout")]
    pub devices_per_leaf: u32,
}

/// The installation's default sender, as in the original product.
pub const DEFAULT_SENDER_EMAIL: &str = "backup@solarwinds.com";

fn parse_sender_email(input: &str) -> Result<String, String> {
    canopy_shared::email::parse_email(input)
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, with the span fields (e.g. the GraphQL operation name).
    Json,
}

impl Config {
    /// A configuration for tests and embedding: the defaults, with the given database.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            root_name: "My Company".into(),
            admin_user: "admin".into(),
            admin_password: None,
            static_dir: PathBuf::from("dist"),
            public_url: None,
            cors_origins: Vec::new(),
            session_ttl_minutes: 12 * 60,
            default_sender_email: DEFAULT_SENDER_EMAIL.into(),
            db_max_connections: 8,
            db_acquire_timeout_secs: 5,
            graphiql_dir: PathBuf::from(".tools/graphiql/node_modules"),
            introspection: true,
            fast_reads: true,
            session_cache: true,
            log_format: LogFormat::Text,
        }
    }
}
