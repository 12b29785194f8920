//! `canopy seed` end to end: the anchor's shape by position and the plausible tree, written
//! into a fresh database of the run's backend, checked row by row and against the tree's
//! invariants, and then served by the real server.

use std::sync::Arc;

use canopy_server::config::{Cli, Command, SeedConfig};
use canopy_server::ids::{self, Kind};
use canopy_tests::{invariants, TestApp, TestDatabase};
use clap::Parser as _;
use serde_json::json;

const ROOT: &str = "Root Company";
const ADMIN: &str = "admin@root.example";
const PASSWORD: &str = "correct horse battery staple";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const NOW_MS: i64 = 1_780_000_000_000;

/// `canopy seed` as the command line gives it, with TestApp's root and admin.
fn seed_config(url: &str, args: &[&str]) -> SeedConfig {
    let mut argv = vec![
        "canopy",
        "seed",
        "--database",
        url,
        "--root-name",
        ROOT,
        "--admin-user",
        ADMIN,
        "--admin-password",
        PASSWORD,
    ];
    argv.extend_from_slice(args);
    match Cli::try_parse_from(argv).expect("valid arguments").command {
        Command::Seed(config) => *config,
        other => panic!("not a seed command: {other:?}"),
    }
}

async fn seed(url: &str, args: &[&str]) -> anyhow::Result<canopy_server::seed::Summary> {
    canopy_server::seed::run(&seed_config(url, args), &|_| {}).await
}

async fn count(pool: &canopy_server::db::Pool, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(pool).await.expect(sql);
    n
}

#[tokio::test]
async fn the_anchor_shape_is_seeded_by_position_and_served() {
    let db = Arc::new(TestDatabase::new().await);
    let summary = seed(
        &db.url,
        &[
            "--fanout",
            "2,2,2,3",
            "--contacts",
            "3",
            "--devices-per-leaf",
            "5",
        ],
    )
    .await
    .expect("the seed runs");
    // 2 + 4 + 8 + 24 customers, 3 contacts each, 5 devices per end-customer.
    assert_eq!(summary.written.customers, 38);
    assert_eq!(summary.written.contacts, 114);
    assert_eq!(summary.written.devices, 120);

    let pool = canopy_server::db::connect(&db.url).await.unwrap();
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM customers").await, 39);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM contacts").await, 114);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM devices").await, 120);
    let violations = invariants::violations(&pool).await;
    assert!(violations.is_empty(), "{violations:#?}");

    // Names, levels and parents by position: the anchor's id n is Canopy's id n + 1, and its
    // ids run level by level, each parent's children together.
    let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT id, parent_id, name, level FROM customers WHERE parent_id IS NOT NULL ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let fanout = [2_i64, 2, 2, 3];
    let words = ["Distributor", "Sub-distributor", "Reseller", "End-customer"];
    let mut expected = Vec::new();
    let (mut level_start, mut width, mut parent_start) = (1_i64, 1_i64, 0_i64);
    for (depth, f) in fanout.iter().enumerate() {
        let size = width * f;
        for n in level_start..level_start + size {
            let parent = if depth == 0 {
                1
            } else {
                parent_start + (n - level_start) / f + 1
            };
            expected.push((
                n + 1,
                parent,
                format!("{} {n}", words[depth]),
                depth as i64 + 1,
            ));
        }
        parent_start = level_start;
        level_start += size;
        width = size;
    }
    assert_eq!(rows, expected);

    let (first, last, email, phone): (String, String, String, String) = sqlx::query_as(
        "SELECT first_name, last_name, email, phone FROM contacts WHERE customer_id = 6 ORDER BY id LIMIT 1 OFFSET 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (
            first.as_str(),
            last.as_str(),
            email.as_str(),
            phone.as_str()
        ),
        ("Contact 2", "of 5", "c2.5@example.com", "+49 30 0000017")
    );
    let devices: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM devices WHERE customer_id = 16 ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let names: Vec<&str> = devices.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(
        names,
        ["dev-15-1", "dev-15-2", "dev-15-3", "dev-15-4", "dev-15-5"]
    );
    // Anchor countries: id 5 is SE (no data center) and stores at the anchor's id % 3 place.
    let (country, location): (String, String) =
        sqlx::query_as("SELECT device_country, storage_location FROM customers WHERE id = 6")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((country.as_str(), location.as_str()), ("SE", "US"));
    pool.close().await;

    // A second seed is refused: the installation is no longer empty.
    let again = seed(&db.url, &["--fanout", "1"]).await.unwrap_err();
    assert!(
        again.to_string().contains("already holds customers"),
        "{again:#}"
    );

    let app = TestApp::spawn_on(db.clone(), |_| {}).await;
    let token = app.sign_in_admin().await;
    let tree = app
        .data(
            Some(&token),
            "{ root { childCount descendantCount deviceCount(includeDescendants: true) \
               children(first: 10) { nodes { id name children(first: 10) { nodes { name \
               children(first: 10) { nodes { name children(first: 10) { totalCount \
               nodes { name deviceCount } } } } } } } } } }",
            json!({}),
        )
        .await;
    let root = &tree["root"];
    assert_eq!(root["childCount"], 2);
    assert_eq!(root["descendantCount"], 38);
    assert_eq!(root["deviceCount"], 120);
    let d1 = &root["children"]["nodes"][0];
    assert_eq!(d1["name"], "Distributor 1");
    assert_eq!(d1["id"], json!(ids::encode(Kind::Customer, 2).0));
    let sub = &d1["children"]["nodes"][0];
    assert_eq!(sub["name"], "Sub-distributor 3");
    let reseller = &sub["children"]["nodes"][0];
    assert_eq!(reseller["name"], "Reseller 7");
    let leaves = &reseller["children"]["nodes"];
    assert_eq!(reseller["children"]["totalCount"], 3);
    assert_eq!(leaves[0]["name"], "End-customer 15");
    assert_eq!(leaves[0]["deviceCount"], 5);

    let found = app
        .data(
            Some(&token),
            "{ customers(search: \"end-customer 3\", first: 50) { totalCount nodes { name } } }",
            json!({}),
        )
        .await;
    // End-customers 15…38: "end-customer 3" matches 30…38.
    assert_eq!(found["customers"]["totalCount"], 9, "{found:#}");

    // The id sequence continues after the seeded ids.
    let root_id = app.root_id(&token).await;
    let created = app
        .create_customer(&token, &root_id, "After the seed", "DISTRIBUTOR", json!({}))
        .await;
    assert_eq!(ids::decode(Kind::Customer, &created), Some(40));
    let violations = invariants::violations(&app.pool).await;
    assert!(violations.is_empty(), "{violations:#?}");
}

/// Every column of `table`, row by row, as text (for comparing two databases).
async fn dump(
    pool: &canopy_server::db::Pool,
    table: &str,
    columns: &str,
    filter: &str,
) -> Vec<String> {
    let joined = columns
        .split(',')
        .map(|c| format!("COALESCE(CAST({} AS TEXT), '~')", c.trim()))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    let first = columns.split(',').next().unwrap_or("id").trim();
    let sql = format!("SELECT {joined} FROM {table} {filter} ORDER BY {first}");
    let rows: Vec<(String,)> = sqlx::query_as(&sql).fetch_all(pool).await.expect(&sql);
    rows.into_iter().map(|r| r.0).collect()
}

async fn dump_all(pool: &canopy_server::db::Pool) -> Vec<Vec<String>> {
    vec![
        dump(
            pool,
            "customers",
            "id, parent_id, path, name, name_key, level, service_type, child_service_types, \
             device_country, storage_location, trial_expires_at, converted_at, \
             customer_reference, created_at, child_count, descendant_count, device_count, \
             storage_used_bytes, subtree_device_count, subtree_storage_used_bytes",
            "WHERE parent_id IS NOT NULL",
        )
        .await,
        dump(
            pool,
            "contacts",
            "id, customer_id, first_name, last_name, title, email, phone, roles",
            "",
        )
        .await,
        dump(
            pool,
            "devices",
            "id, customer_id, name, kind, storage_location, used_storage_bytes, created_at, last_backup_at",
            "",
        )
        .await,
        dump(
            pool,
            "activities",
            "id, customer_id, kind, subject, notes, occurs_at, contact_id",
            "",
        )
        .await,
        dump(
            pool,
            "brandings",
            "customer_id, display_name, primary_color, accent_color, sender_email",
            "",
        )
        .await,
    ]
}

#[tokio::test]
async fn the_plausible_tree_is_deterministic_and_keeps_the_domain_rules() {
    let now = NOW_MS.to_string();
    let args = [
        "--customers",
        "400",
        "--devices",
        "3000",
        "--seed",
        "42",
        "--now-ms",
        now.as_str(),
    ];
    let (a, b, c) = (
        TestDatabase::new().await,
        TestDatabase::new().await,
        TestDatabase::new().await,
    );
    seed(&a.url, &args).await.expect("first seed");
    seed(&b.url, &args).await.expect("second seed");
    let mut other = args;
    other[5] = "43";
    seed(&c.url, &other).await.expect("other seed");
    let (pa, pb, pc) = (
        canopy_server::db::connect(&a.url).await.unwrap(),
        canopy_server::db::connect(&b.url).await.unwrap(),
        canopy_server::db::connect(&c.url).await.unwrap(),
    );
    let first = dump_all(&pa).await;
    assert_eq!(first, dump_all(&pb).await, "same seed, same data");
    assert_ne!(first[0], dump_all(&pc).await[0], "another seed, other data");
    assert_eq!(first[0].len(), 400);
    assert_eq!(count(&pa, "SELECT COUNT(*) FROM devices").await, 3000);

    let violations = invariants::violations(&pa).await;
    assert!(violations.is_empty(), "{violations:#?}");
    // Every level below the root is there (sites too).
    assert_eq!(
        count(
            &pa,
            "SELECT COUNT(DISTINCT level) FROM customers WHERE parent_id IS NOT NULL"
        )
        .await,
        5
    );
    // Storage: a country with a data center stores there; the others chose an existing one.
    assert_eq!(
        count(
            &pa,
            "SELECT COUNT(*) FROM customers c JOIN data_centers d ON d.country = c.device_country \
             AND d.active = 1 WHERE c.storage_location <> d.code"
        )
        .await,
        0
    );
    assert!(
        count(
            &pa,
            "SELECT COUNT(*) FROM customers c WHERE NOT EXISTS \
             (SELECT 1 FROM data_centers d WHERE d.country = c.device_country)"
        )
        .await
            > 0,
        "some customers are in countries without a data center"
    );
    assert_eq!(
        count(
            &pa,
            "SELECT COUNT(*) FROM devices d JOIN customers c ON c.id = d.customer_id \
             WHERE d.storage_location <> c.storage_location"
        )
        .await,
        0
    );
    // Service types: a child's is one its parent offers.
    assert_eq!(
        count(
            &pa,
            "SELECT COUNT(*) FROM customers c JOIN customers p ON p.id = c.parent_id \
             WHERE p.child_service_types NOT LIKE '%' || c.service_type || '%'"
        )
        .await,
        0
    );
    // Trials last 30 days; some are running at `now`, some expired.
    assert_eq!(
        count(
            &pa,
            &format!(
                "SELECT COUNT(*) FROM customers WHERE trial_expires_at IS NOT NULL \
                 AND trial_expires_at <> created_at + {}",
                30 * DAY_MS
            )
        )
        .await,
        0
    );
    let running = count(
        &pa,
        &format!("SELECT COUNT(*) FROM customers WHERE trial_expires_at > {NOW_MS}"),
    )
    .await;
    let expired = count(
        &pa,
        &format!(
            "SELECT COUNT(*) FROM customers WHERE trial_expires_at <= {NOW_MS} AND converted_at IS NULL"
        ),
    )
    .await;
    assert!(
        running > 0 && expired > 0,
        "running {running}, expired {expired}"
    );
    // Devices are uneven: some customers none, some many.
    assert!(
        count(
            &pa,
            "SELECT COUNT(*) FROM customers WHERE level >= 4 AND device_count = 0"
        )
        .await
            > 0
    );
    assert!(count(&pa, "SELECT MAX(device_count) FROM customers").await >= 50);
    assert!(count(&pa, "SELECT COUNT(*) FROM brandings").await > 0);
    assert!(
        count(
            &pa,
            &format!("SELECT COUNT(*) FROM activities WHERE occurs_at > {NOW_MS}")
        )
        .await
            > 0
    );
    assert!(
        count(
            &pa,
            &format!("SELECT COUNT(*) FROM activities WHERE occurs_at <= {NOW_MS}")
        )
        .await
            > 0
    );
}

/// On SQLite a name search reads the trigram index when the fragment has three characters and
/// few matches for the searched subtree's size, and scans otherwise
/// (`customers::store::name_index_phrase`); in a tree of 525 the fragments below take both
/// ways. Either way the answer is every name that holds the fragment, in any case. On
/// PostgreSQL the same answers come through its own trigram index.
#[tokio::test]
async fn a_name_search_finds_the_same_names_through_the_index_or_a_scan() {
    let db = Arc::new(TestDatabase::new().await);
    seed(
        &db.url,
        &[
            "--fanout",
            "4,5,5,4",
            "--contacts",
            "1",
            "--devices-per-leaf",
            "1",
        ],
    )
    .await
    .expect("the seed runs");
    let app = TestApp::spawn_on(db.clone(), |_| {}).await;
    let token = app.sign_in_admin().await;
    // End-customers are numbered 125 to 524; Canopy's id is the anchor's plus one.
    let renamed = ids::encode(Kind::Customer, 301).0;
    app.data(
        Some(&token),
        "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Müller \\\"Quoted\\\" IT\" }) { id } }",
        json!({ "id": renamed }),
    )
    .await;

    let pool = canopy_server::db::connect(&db.url).await.unwrap();
    let names_under = |path: &'static str| {
        let pool = pool.clone();
        async move {
            let rows: Vec<(String,)> =
                sqlx::query_as("SELECT name FROM customers WHERE path LIKE $1")
                    .bind(format!("{path}%"))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            rows.into_iter().map(|(n,)| n).collect::<Vec<_>>()
        }
    };
    let everyone = names_under("/").await;
    let first_distributor = names_under("/1/2/").await;
    assert_eq!((everyone.len(), first_distributor.len()), (525, 131));

    const SEARCH: &str = "query($s: String, $u: ID) { customers(search: $s, under: $u, first: 500) { totalCount nodes { name } } }";
    for (needle, under) in [
        ("end-customer 12", None),    // 5 matches: the index
        ("\"quoted\"", None),         // 1: the index, a double quote in the phrase
        ("ÜLLER", None),              // 1: the index, any case
        ("reseller 3", None),         // 10: the index
        ("distributor", None),        // 24: the index
        ("end-customer", None),       // 400: a scan
        ("12", None),                 // two characters: a scan
        ("end-customer 12", Some(2)), // the index, within a distributor's subtree of 131
        ("reseller 3", Some(2)),      // 10 candidates, at most 13 read for 131: the index
        ("distributor", Some(2)),     // 24 candidates: a scan of the subtree
    ] {
        let (pool_names, u) = match under {
            Some(id) => (&first_distributor, json!(ids::encode(Kind::Customer, id).0)),
            None => (&everyone, json!(null)),
        };
        let mut expected: Vec<&str> = pool_names
            .iter()
            .filter(|n| n.to_lowercase().contains(&needle.to_lowercase()))
            .map(String::as_str)
            .collect();
        expected.sort_by_key(|n| n.to_lowercase());
        let data = app
            .data(Some(&token), SEARCH, json!({ "s": needle, "u": u }))
            .await;
        let found: Vec<&str> = data["customers"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        assert_eq!(found, expected, "{needle:?} under {under:?}");
        assert_eq!(
            data["customers"]["totalCount"],
            expected.len(),
            "{needle:?}"
        );
        assert!(!expected.is_empty(), "{needle:?} finds something");
    }
    let violations = invariants::violations(&pool).await;
    assert!(violations.is_empty(), "{violations:#?}");
}
