//! The data-center table as reads see it: a copy kept for a short while in each process, so
//! that showing a customer's storage location costs no statement. Rules never read it: creating a
//! customer or changing its location reads the table inside its own transaction.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::store::{self, DataCenterRow};
use crate::db::Pool;
use crate::error::AppResult;

/// How long a copy serves reads. Operators add or retire data centers with SQL (see the module
/// documentation of `geo`); every process shows the change within this time.
pub const DATA_CENTERS_TTL: Duration = Duration::from_secs(30);

/// The process's copy of the data-center table.
pub struct DataCenterCache {
    ttl: Duration,
    copy: tokio::sync::Mutex<Option<(Instant, Arc<Vec<DataCenterRow>>)>>,
}

impl Default for DataCenterCache {
    fn default() -> Self {
        Self::with_ttl(DATA_CENTERS_TTL)
    }
}

impl DataCenterCache {
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            ttl,
            copy: Default::default(),
        }
    }

    /// The table, read again when the copy is older than its time to live. Readers wait for
    /// one another while it is read, so an expiry costs one statement, not one per request.
    pub async fn get(&self, pool: &Pool) -> AppResult<Arc<Vec<DataCenterRow>>> {
        let mut copy = self.copy.lock().await;
        if let Some((read_at, rows)) = copy.as_ref() {
            if read_at.elapsed() < self.ttl {
                return Ok(rows.clone());
            }
        }
        let rows = Arc::new(store::all(pool).await?);
        *copy = Some((Instant::now(), rows.clone()));
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn add_data_center(pool: &Pool) {
        sqlx::query(
            "INSERT INTO data_centers (code, name, country) VALUES ('BE', 'Belgium', 'BE')",
        )
        .execute(pool)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_copy_serves_reads_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("dc.db").display());
        let pool = crate::db::connect(&url).await.unwrap();

        let kept = DataCenterCache::default();
        let fresh = DataCenterCache::with_ttl(Duration::ZERO);
        let before = kept.get(&pool).await.unwrap().len();
        assert_eq!(fresh.get(&pool).await.unwrap().len(), before);
        add_data_center(&pool).await;
        assert_eq!(
            kept.get(&pool).await.unwrap().len(),
            before,
            "served from the copy"
        );
        assert_eq!(
            fresh.get(&pool).await.unwrap().len(),
            before + 1,
            "read again"
        );
        pool.close().await;
    }
}
