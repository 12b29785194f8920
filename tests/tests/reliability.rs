//! Nothing lost, nothing corrupted: concurrent writers, a crash in the middle of writing, and a
//! backup taken under load. Each load is bounded in time and stays on loopback.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use canopy_server::db::Backend;
use canopy_tests::child::{self, ChildServer};
use canopy_tests::{error_code, invariants, Client, TestApp, TestDatabase};
use serde_json::{json, Value};

/// What the load acknowledged, to be checked against the database afterwards.
#[derive(Default)]
struct Ledger {
    /// Customers whose creation was acknowledged, by ID, with their name.
    created: HashMap<String, String>,
    /// Customers whose removal was acknowledged.
    removed: Vec<String>,
    /// Customers whose removal was sent and not yet answered: when the server dies then, the
    /// removal may have committed without its answer arriving, so either outcome is right.
    removals_in_flight: Vec<String>,
    /// Devices whose addition was acknowledged, and those whose removal was.
    devices: Vec<String>,
    devices_removed: Vec<String>,
    profile_edits: usize,
    /// The highest version an acknowledged change returned, per customer ID.
    versions: HashMap<String, i64>,
    /// The name set by the acknowledged rename with the highest version, per customer ID.
    names: HashMap<String, (i64, String)>,
    updates: usize,
    conflicts: usize,
    failures: Vec<String>,
}

/// A tiny deterministic generator, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The distributors every client writes under.
async fn distributors(app: &Client, token: &str, n: usize) -> Vec<String> {
    let root = app.root_id(token).await;
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            app.create_customer(
                token,
                &root,
                &format!("Distributor {i}"),
                "DISTRIBUTOR",
                json!({}),
            )
            .await,
        );
    }
    ids
}

/// One client: a random mix of creates, renames (with expectedVersion), moves and removals.
async fn client(
    app: Client,
    token: String,
    dists: Vec<String>,
    seed: u64,
    until: Instant,
    ledger: Arc<Mutex<Ledger>>,
) {
    let mut rng = Rng(seed);
    let mut mine: Vec<String> = Vec::new();
    let mut my_devices: Vec<String> = Vec::new();
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let op = rng.below(15);
        let body: Value;
        if op < 4 || mine.is_empty() {
            let name = format!("C{seed}-{n}");
            let parent = &dists[rng.below(dists.len())];
            let Ok(answer) = app
                .try_gql(
                    Some(&token),
                    "mutation($p: ID!, $n: String!) { createCustomer(input: { parentId: $p, name: $n, level: RESELLER, serviceType: ALL_INCLUSIVE, deviceCountry: \"DE\" }) { id } }",
                    json!({ "p": parent, "n": name }),
                )
                .await
            else {
                return; // the server is gone (the crash test killed it)
            };
            body = answer;
            if let Some(id) = body["data"]["createCustomer"]["id"].as_str() {
                mine.push(id.to_owned());
                ledger.lock().unwrap().created.insert(id.to_owned(), name);
            }
        } else if op < 7 {
            // Renames pick from everyone's customers, so clients race each other for versions.
            let id = {
                let ledger = ledger.lock().unwrap();
                let all: Vec<&String> = ledger.created.keys().collect();
                all[rng.below(all.len())].clone()
            };
            let Ok(current) = app
                .try_gql(
                    Some(&token),
                    "query($id: ID!) { customer(id: $id) { version } }",
                    json!({ "id": id }),
                )
                .await
            else {
                return;
            };
            let Some(version) = current["data"]["customer"]["version"].as_i64() else {
                continue;
            };
            let name = format!("R{seed}-{n}");
            let Ok(answer) = app
                .try_gql(
                    Some(&token),
                    "mutation($id: ID!, $n: String!, $v: Int) { updateCustomer(id: $id, input: { name: $n, expectedVersion: $v }) { version } }",
                    json!({ "id": id, "n": name, "v": version }),
                )
                .await
            else {
                return;
            };
            body = answer;
            if let Some(v) = body["data"]["updateCustomer"]["version"].as_i64() {
                let mut ledger = ledger.lock().unwrap();
                ledger.updates += 1;
                let top = ledger.versions.entry(id.clone()).or_default();
                *top = (*top).max(v);
                let named = ledger.names.entry(id).or_insert((0, String::new()));
                if v > named.0 {
                    *named = (v, name);
                }
            }
        } else if op < 9 {
            let id = mine[rng.below(mine.len())].clone();
            let to = &dists[rng.below(dists.len())];
            let Ok(answer) = app
                .try_gql(Some(&token), "mutation($id: ID!, $p: ID!) { moveCustomer(id: $id, newParentId: $p) { version } }", json!({ "id": id, "p": to }))
                .await
            else {
                return;
            };
            body = answer;
            if let Some(v) = body["data"]["moveCustomer"]["version"].as_i64() {
                let mut ledger = ledger.lock().unwrap();
                ledger.updates += 1;
                let top = ledger.versions.entry(id).or_default();
                *top = (*top).max(v);
            }
        } else if op < 12 {
            let id = mine[rng.below(mine.len())].clone();
            let Ok(answer) = app
                .try_gql(
                    Some(&token),
                    "mutation($id: ID!, $n: String!) { updateCompanyProfile(customerId: $id, input: { legalName: $n, address: { city: \"Utrecht\" } }) { id } }",
                    json!({ "id": id, "n": format!("Legal {seed}-{n}") }),
                )
                .await
            else {
                return;
            };
            body = answer;
            if body["errors"].is_null() {
                ledger.lock().unwrap().profile_edits += 1;
            }
        } else if op == 12 || (op == 13 && my_devices.is_empty()) {
            let customer = mine[rng.below(mine.len())].clone();
            let Ok(answer) = app
                .try_gql(
                    Some(&token),
                    "mutation($c: ID!, $n: String!, $b: Float) { addDevice(customerId: $c, input: { name: $n, usedStorageBytes: $b }) { id } }",
                    json!({ "c": customer, "n": format!("dev-{seed}-{n}"), "b": (rng.below(1 << 20) as f64) }),
                )
                .await
            else {
                return;
            };
            body = answer;
            if let Some(id) = body["data"]["addDevice"]["id"].as_str() {
                my_devices.push(id.to_owned());
                ledger.lock().unwrap().devices.push(id.to_owned());
            }
        } else if op == 13 {
            let id = my_devices.swap_remove(rng.below(my_devices.len()));
            let Ok(answer) = app
                .try_gql(
                    Some(&token),
                    "mutation($id: ID!) { removeDevice(id: $id) }",
                    json!({ "id": id }),
                )
                .await
            else {
                return;
            };
            body = answer;
            if body["errors"].is_null() {
                ledger.lock().unwrap().devices_removed.push(id);
            }
        } else {
            let id = mine.swap_remove(rng.below(mine.len()));
            ledger.lock().unwrap().removals_in_flight.push(id.clone());
            let Ok(answer) = app
                .try_gql(
                    Some(&token),
                    "mutation($id: ID!) { removeCustomer(id: $id) }",
                    json!({ "id": id }),
                )
                .await
            else {
                return;
            };
            ledger
                .lock()
                .unwrap()
                .removals_in_flight
                .retain(|sent| *sent != id);
            body = answer;
            if body["errors"].is_null() {
                ledger.lock().unwrap().removed.push(id);
            }
        }
        match error_code(&body) {
            None => {}
            Some("CONFLICT") => ledger.lock().unwrap().conflicts += 1,
            // A rename may race a removal of the same customer by another client.
            Some("NOT_FOUND") => {}
            // Customers with devices are not removed (DOMAIN.md); the load tries anyway.
            Some("HAS_DEVICES") => {}
            Some(code) => ledger
                .lock()
                .unwrap()
                .failures
                .push(format!("{code}: {body}")),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_keep_every_invariant_and_lose_nothing() {
    let app = Arc::new(TestApp::spawn().await);
    let admin = app.sign_in_admin().await;
    let dists = distributors(&app, &admin, 4).await;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let until = Instant::now() + Duration::from_secs(4);
    let clients: Vec<_> = (0..32)
        .map(|i| {
            tokio::spawn(client(
                app.api.clone(),
                admin.clone(),
                dists.clone(),
                0x9E37_79B9 + i,
                until,
                ledger.clone(),
            ))
        })
        .collect();
    for c in clients {
        c.await.expect("client finished");
    }

    // Every client has finished: the ledger is ours alone now.
    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    assert!(
        ledger.failures.is_empty(),
        "every answer was a success or a CONFLICT: {:#?}",
        ledger.failures
    );
    assert!(
        ledger.created.len() > 32,
        "the load did something ({} creates)",
        ledger.created.len()
    );
    eprintln!(
        "load: {} creates, {} removals, {} acknowledged updates, {} profile edits, {} devices added, {} removed, {} conflicts",
        ledger.created.len(),
        ledger.removed.len(),
        ledger.updates,
        ledger.profile_edits,
        ledger.devices.len(),
        ledger.devices_removed.len(),
        ledger.conflicts
    );
    assert_eq!(
        invariants::violations(&app.pool).await,
        Vec::<String>::new()
    );

    // Every acknowledged creation is there unless its removal was acknowledged too; no
    // acknowledged change is lost: the version is at least the highest one acknowledged, and
    // the name is the one of the newest acknowledged rename.
    for (id, _) in ledger
        .created
        .iter()
        .filter(|(id, _)| !ledger.removed.contains(id))
    {
        let found = app
            .data(
                Some(&admin),
                "query($id: ID!) { customer(id: $id) { name version } }",
                json!({ "id": id }),
            )
            .await;
        let version = found["customer"]["version"]
            .as_i64()
            .unwrap_or_else(|| panic!("acknowledged customer {id} is missing"));
        let acknowledged = ledger.versions.get(id).copied().unwrap_or(1);
        assert!(
            version >= acknowledged,
            "{id}: version {version} is behind an acknowledged {acknowledged}"
        );
        if let Some((_, name)) = ledger.names.get(id) {
            assert_eq!(
                found["customer"]["name"],
                json!(name),
                "{id}: the newest acknowledged rename won"
            );
        }
    }
    for id in &ledger.removed {
        let found = app
            .data(
                Some(&admin),
                "query($id: ID!) { customer(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(
            found["customer"].is_null(),
            "acknowledged removal of {id} is undone"
        );
    }
    for id in &ledger.devices {
        let found = app
            .data(
                Some(&admin),
                "query($id: ID!) { device(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        let removed = ledger.devices_removed.contains(id);
        assert_eq!(
            found["device"].is_null(),
            removed,
            "acknowledged device {id} (removed: {removed})"
        );
    }
}

/// SQLite only, in both runs: `canopy backup` and `canopy restore` exist for SQLite; a
/// PostgreSQL deployment backs up with `pg_dump`, which is PostgreSQL's to test.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_load_restores_a_sound_tree() {
    let database = Arc::new(TestDatabase::of(Backend::Sqlite).await);
    let app = Arc::new(TestApp::spawn_on(database, |_| {}).await);
    let admin = app.sign_in_admin().await;
    let dists = distributors(&app, &admin, 2).await;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let until = Instant::now() + Duration::from_secs(3);
    let clients: Vec<_> = (0..8)
        .map(|i| {
            tokio::spawn(client(
                app.api.clone(),
                admin.clone(),
                dists.clone(),
                7 + i,
                until,
                ledger.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    let (db_url,) = (app.database_url.clone(),);
    canopy_server::backup::backup(&db_url, &backup)
        .await
        .expect("online backup");
    for c in clients {
        c.await.unwrap();
    }

    let restored_url = format!("sqlite://{}", dir.path().join("restored.db").display());
    canopy_server::backup::restore(&backup, &restored_url)
        .await
        .expect("restore");
    let restored = canopy_server::db::connect(&restored_url)
        .await
        .expect("the restored database opens");
    assert_eq!(
        invariants::violations(&restored).await,
        Vec::<String>::new()
    );
    let (customers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM customers")
        .fetch_one(&restored)
        .await
        .unwrap();
    assert!(
        customers > 3,
        "the backup holds the load's writes up to its moment ({customers})"
    );
}

/// The crash test's child server (see `canopy_tests::child`); a no-op as a test of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child_server() {
    child::serve_if_child().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_mid_write_loses_nothing_acknowledged() {
    // On the run's backend: SQLite proves its WAL keeps every acknowledged commit, PostgreSQL
    // that a server killed mid-transaction leaves nothing half-written.
    let database = TestDatabase::new().await;
    let url = database.url.clone();
    let mut server = ChildServer::start("crash_child_server", &url);
    let api = Client::new(&server.address);
    let admin = api
        .sign_in("My Company", "admin", child::ADMIN_PASSWORD)
        .await;
    let dists = distributors(&api, &admin, 3).await;

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let until = Instant::now() + Duration::from_secs(30);
    let clients: Vec<_> = (0..16)
        .map(|i| {
            tokio::spawn(client(
                api.clone(),
                admin.clone(),
                dists.clone(),
                31 + i,
                until,
                ledger.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    // SIGKILL in the middle of the load: no shutdown, no flush.
    server.kill();
    // What was acknowledged before the kill is all that counts; later calls fail to connect.
    let acknowledged = {
        let ledger = ledger.lock().unwrap();
        (
            ledger.created.clone(),
            ledger.removed.clone(),
            ledger.names.clone(),
            ledger.removals_in_flight.clone(),
        )
    };
    for c in clients {
        c.abort();
    }
    assert!(
        acknowledged.0.len() > 10,
        "the load wrote before the kill ({})",
        acknowledged.0.len()
    );

    let server = ChildServer::start("crash_child_server", &url);
    let api = Client::new(&server.address);
    let admin = api
        .sign_in("My Company", "admin", child::ADMIN_PASSWORD)
        .await;
    let pool = canopy_server::db::connect(&url).await.unwrap();
    if canopy_tests::backend() == Backend::Sqlite {
        let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(integrity, "ok");
    }
    assert_eq!(invariants::violations(&pool).await, Vec::<String>::new());
    let (created, removed, names, in_flight) = acknowledged;
    let kept = |id: &&String| !removed.contains(id) && !in_flight.contains(id);
    for id in created.keys().filter(kept) {
        let found = api
            .data(
                Some(&admin),
                "query($id: ID!) { customer(id: $id) { name } }",
                json!({ "id": id }),
            )
            .await;
        assert!(
            !found["customer"].is_null(),
            "acknowledged customer {id} was lost in the crash"
        );
        if let Some((_, name)) = names.get(id) {
            // A later rename may have committed without its answer arriving; never an older one.
            let now = found["customer"]["name"].as_str().unwrap();
            assert!(
                now == name || now.starts_with('R'),
                "{id} is {now}, acknowledged {name}"
            );
        }
    }
    for id in &removed {
        let found = api
            .data(
                Some(&admin),
                "query($id: ID!) { customer(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(
            found["customer"].is_null(),
            "acknowledged removal of {id} survived the crash"
        );
    }
    drop(server);
}

/// Concurrent tree changes whose rules conflict, raced over and over: whatever order the
/// database lets them commit in, no cycle appears, the level rule holds and every count stays
/// right. (On PostgreSQL this is what the write lock of `db::begin_write` is for; SQLite has a
/// single writer by nature.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_moves_and_level_changes_never_break_the_tree() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let dists = distributors(&app, &admin, 2).await;
    const MOVE: &str =
        "mutation($id: ID!, $p: ID!) { moveCustomer(id: $id, newParentId: $p) { id } }";
    const LEVEL: &str = "mutation($id: ID!, $l: CustomerLevel!) { updateCustomer(id: $id, input: { level: $l }) { id } }";
    let mut both_won = Vec::new();
    for round in 0..12 {
        let create = |name: String, parent: &str, level: &'static str| {
            let (app, admin, parent) = (&app, &admin, parent.to_owned());
            async move {
                app.create_customer(admin, &parent, &name, level, json!({}))
                    .await
            }
        };
        let a = create(format!("Race A{round}"), &dists[0], "SUB_DISTRIBUTOR").await;
        let b = create(format!("Race B{round}"), &dists[1], "RESELLER").await;
        let x = create(format!("Race X{round}"), &dists[0], "END_CUSTOMER").await;
        // B under A and A under B at once (the second breaks the level rule, and both together
        // would be a cycle); X under B while B becomes an END_CUSTOMER (each is allowed alone,
        // together they break the level rule).
        let (b_under_a, a_under_b, x_under_b, b_lower) = tokio::join!(
            app.gql(Some(&admin), MOVE, json!({ "id": b, "p": a })),
            app.gql(Some(&admin), MOVE, json!({ "id": a, "p": b })),
            app.gql(Some(&admin), MOVE, json!({ "id": x, "p": b })),
            app.gql(Some(&admin), LEVEL, json!({ "id": b, "l": "END_CUSTOMER" })),
        );
        for body in [&b_under_a, &a_under_b, &x_under_b, &b_lower] {
            let code = error_code(body);
            assert!(
                matches!(code, None | Some("LEVEL_RULE") | Some("CYCLE")),
                "round {round}: unexpected answer {body}"
            );
        }
        assert!(
            error_code(&a_under_b).is_some(),
            "round {round}: a sub-distributor moved under a reseller"
        );
        if error_code(&x_under_b).is_none() && error_code(&b_lower).is_none() {
            both_won.push(round);
        }
    }
    assert_eq!(
        both_won,
        Vec::<i32>::new(),
        "an END_CUSTOMER got an END_CUSTOMER child"
    );
    assert_eq!(
        invariants::violations(&app.pool).await,
        Vec::<String>::new()
    );
}
