//! Backups of the console's own database: `canopy backup` makes a consistent copy while the
//! server runs, `canopy restore` puts one back while it is stopped.
//!
//! SQLite: `VACUUM INTO` writes a transactionally consistent, compacted copy through a read
//! transaction, so writers carry on (WAL) while it runs. PostgreSQL deployments use the
//! database's own tools instead (`pg_dump -Fc` / `pg_restore`), as the README describes.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context as _};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// Writes a consistent copy of the SQLite database at `database_url` to `to`, which must not
/// exist yet; returns its size in bytes.
pub async fn backup(database_url: &str, to: &Path) -> anyhow::Result<u64> {
    if to.exists() {
        bail!("{} exists already; choose a new file", to.display());
    }
    if crate::db::Backend::of_url(database_url)? != crate::db::Backend::Sqlite {
        bail!("backup works on SQLite databases; for PostgreSQL use pg_dump -Fc");
    }
    let mut conn = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("invalid database URL {database_url:?}"))?
        .read_only(true)
        .connect()
        .await
        .with_context(|| format!("cannot open {database_url}"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(to.to_string_lossy().as_ref())
        .execute(&mut conn)
        .await
        .context("VACUUM INTO failed")?;
    conn.close().await?;
    check_integrity(to).await?;
    Ok(std::fs::metadata(to)?.len())
}

/// Replaces the SQLite database at `database_url` with the backup `from` (after checking the
/// backup's integrity). The server must be stopped: the database's WAL files are removed.
pub async fn restore(from: &Path, database_url: &str) -> anyhow::Result<PathBuf> {
    check_integrity(from).await?;
    let target = sqlite_path(database_url)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side)
                .with_context(|| format!("cannot remove {}", side.display()))?;
        }
    }
    let partial = PathBuf::from(format!("{}.restoring", target.display()));
    std::fs::copy(from, &partial)
        .with_context(|| format!("cannot copy to {}", partial.display()))?;
    // Rename is atomic: the database file is either the old one or the whole backup.
    std::fs::rename(&partial, &target)
        .with_context(|| format!("cannot replace {}", target.display()))?;
    Ok(target)
}

async fn check_integrity(file: &Path) -> anyhow::Result<()> {
    let mut conn = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .connect()
        .await
        .with_context(|| format!("cannot open {}", file.display()))?;
    let (result,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    if result != "ok" {
        bail!(
            "{} fails SQLite's integrity check: {result}",
            file.display()
        );
    }
    Ok(())
}

fn sqlite_path(database_url: &str) -> anyhow::Result<PathBuf> {
    let Some(rest) = database_url.strip_prefix("sqlite:") else {
        bail!("restore works on SQLite databases; for PostgreSQL use pg_restore");
    };
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        bail!("{database_url} names no database file");
    }
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite://canopy.db").unwrap(),
            PathBuf::from("canopy.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///var/lib/c.db?mode=rwc").unwrap(),
            PathBuf::from("/var/lib/c.db")
        );
        assert!(sqlite_path("postgres://x/y").is_err());
        assert!(sqlite_path("sqlite::memory:").is_err());
    }

    #[tokio::test]
    async fn a_backup_restores_to_the_same_data() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("live.db").display());
        let pool = crate::db::connect(&url).await.unwrap();
        let backup_file = dir.path().join("backup.db");
        assert!(backup(&url, &backup_file).await.unwrap() > 0);
        assert!(
            backup(&url, &backup_file).await.is_err(),
            "never overwrites"
        );
        sqlx::query("DELETE FROM data_centers WHERE code = 'ZA'")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        restore(&backup_file, &url).await.unwrap();
        let pool = crate::db::connect(&url).await.unwrap();
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM data_centers")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 12);
    }
}
