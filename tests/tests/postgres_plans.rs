//! On PostgreSQL the native read pool is two pools (`canopy_server::db::ReadPool::Postgres`):
//! statements are planned with their values, except lookups by key, which may reuse plans.
//! PostgreSQL-only by nature: SQLite has no plan cache to choose.

use canopy_server::db::{self, Backend, PoolSettings, ReadPool, ReadQuery};
use canopy_tests::TestDatabase;

#[tokio::test]
async fn lookups_may_reuse_plans_and_every_other_read_is_planned_with_its_values() {
    let database = TestDatabase::of(Backend::Postgres).await;
    let pool = db::connect(&database.url).await.unwrap();
    let reads = ReadPool::open(&database.url, &pool, PoolSettings::default())
        .await
        .unwrap();
    let sql = "SELECT current_setting('plan_cache_mode')";
    let planned: Vec<(String,)> = ReadQuery::new(sql).fetch_all(&reads).await.unwrap();
    let lookup: Vec<(String,)> = ReadQuery::lookup(sql).fetch_all(&reads).await.unwrap();
    assert_eq!(planned[0].0, "force_custom_plan");
    assert_eq!(lookup[0].0, "auto");
    reads.close().await;
    pool.close().await;
}
