//! The `canopy` binary: reads configuration and hands over to the library.

use canopy_server::config::{Cli, Command};
use canopy_server::{schema, Application};
use clap::Parser;

// A request builds and drops thousands of small values (rows, field values, the response
// tree), and SQLite's rows are allocated on sqlx's connection threads and freed on Tokio's:
// glibc's malloc and free were a third of the profile of a large tree read. mimalloc cut the
// CPU per request on PostgreSQL by a quarter to a third (SQLite's own allocations still go
// to the C library's malloc), for about 40 MiB more peak RSS under load (docs/BENCHMARKS.md). The binary sets it (and the raw-SQL bench, to measure like for like);
// tests keep the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Schema => {
            print!("{}", schema::sdl());
            Ok(())
        }
        Command::Backup { database_url, to } => {
            let bytes = canopy_server::backup::backup(&database_url, &to).await?;
            println!(
                "Backed up {database_url} to {} ({bytes} bytes)",
                to.display()
            );
            Ok(())
        }
        Command::Restore { from, database_url } => {
            let file = canopy_server::backup::restore(&from, &database_url).await?;
            println!("Restored {} from {}", file.display(), from.display());
            Ok(())
        }
        Command::Seed(config) => {
            let summary = canopy_server::seed::run(&config, &|line| println!("{line}")).await?;
            println!("{summary}");
            Ok(())
        }
        Command::Serve(config) => {
            canopy_server::ops::init_logging(config.log_format);
            let app = Application::build(*config).await?;
            tracing::info!(address = %app.local_addr(), "Canopy is listening");
            println!("Canopy is running at http://{}", app.local_addr());
            app.run_until_stopped().await
        }
    }
}
