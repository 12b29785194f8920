//! The `canopy` binary: reads configuration and hands over to the library.

use canopy_server::config::{Cli, Command};
use canopy_server::{schema, Application};
use clap::Parser;

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
