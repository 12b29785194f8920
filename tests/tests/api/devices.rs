//! Devices: storage location, unique names, paging, and the maintained device counts and
//! storage totals of every customer and its subtree (through adds, removes and moves).

use canopy_tests::{error_code, error_field, TestApp};
use serde_json::{json, Value};

const TOTALS: &str = "query($id: ID!) { customer(id: $id) { own: deviceCount sub: deviceCount(includeDescendants: true) ownBytes: storageUsedBytes subBytes: storageUsedBytes(includeDescendants: true) removable } }";

/// (own devices, subtree devices, own bytes, subtree bytes) of a customer.
async fn totals(app: &TestApp, token: &str, id: &str) -> (i64, i64, i64, i64) {
    let c = app.data(Some(token), TOTALS, json!({ "id": id })).await["customer"].clone();
    let n = |v: &Value| v.as_f64().expect("a number") as i64;
    (
        n(&c["own"]),
        n(&c["sub"]),
        n(&c["ownBytes"]),
        n(&c["subBytes"]),
    )
}

struct Tree {
    app: TestApp,
    admin: String,
    root: String,
    dist: String,
    reseller: String,
    end: String,
}

/// Root → Dist (DE) → Reseller (NL) → End (NL, inherits nothing: its own country's center).
async fn tree() -> Tree {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let dist = app
        .create_customer(&admin, &root, "Dist", "DISTRIBUTOR", json!({}))
        .await;
    let reseller = app
        .create_customer(
            &admin,
            &dist,
            "Reseller",
            "RESELLER",
            json!({ "deviceCountry": "NL" }),
        )
        .await;
    let end = app
        .create_customer(
            &admin,
            &reseller,
            "End",
            "END_CUSTOMER",
            json!({ "deviceCountry": "NL" }),
        )
        .await;
    Tree {
        app,
        admin,
        root,
        dist,
        reseller,
        end,
    }
}

#[tokio::test]
async fn a_device_takes_its_customers_storage_location_and_counts_up_the_tree() {
    let Tree {
        app,
        admin,
        root,
        dist,
        reseller,
        end,
    } = tree().await;
    let data = app
        .data(
            Some(&admin),
            "mutation($c: ID!) { addDevice(customerId: $c, input: { name: \" Laptop-01 \", kind: \"Windows 11\", usedStorageBytes: 1500, lastBackupAt: \"2020-01-02T03:04:05Z\" }) { id name kind usedStorageBytes lastBackupAt createdAt storageLocation { code } customer { name } } }",
            json!({ "c": end }),
        )
        .await;
    let device = &data["addDevice"];
    assert_eq!(device["name"], "Laptop-01", "the name is trimmed");
    assert_eq!(device["kind"], "Windows 11");
    assert_eq!(device["usedStorageBytes"], 1500.0);
    assert_eq!(device["lastBackupAt"], "2020-01-02T03:04:05+00:00");
    assert_eq!(device["storageLocation"]["code"], "NL");
    assert_eq!(device["customer"]["name"], "End");

    app.add_device(&admin, &end, "Laptop-02", 500).await;
    app.add_device(&admin, &reseller, "Server", 10_000).await;
    app.add_device(&admin, &dist, "Office", 7).await;

    assert_eq!(totals(&app, &admin, &end).await, (2, 2, 2_000, 2_000));
    assert_eq!(
        totals(&app, &admin, &reseller).await,
        (1, 3, 10_000, 12_000)
    );
    assert_eq!(totals(&app, &admin, &dist).await, (1, 4, 7, 12_007));
    assert_eq!(totals(&app, &admin, &root).await, (0, 4, 0, 12_007));

    let by_id = app
        .data(
            Some(&admin),
            "query($id: ID!) { device(id: $id) { name customer { name } } }",
            json!({ "id": device["id"] }),
        )
        .await;
    assert_eq!(by_id["device"]["name"], "Laptop-01");
    let missing = app
        .data(
            Some(&admin),
            "query($id: ID!) { device(id: $id) { name } }",
            json!({ "id": end }),
        )
        .await;
    assert!(
        missing["device"].is_null(),
        "a customer's ID is not a device's"
    );
}

#[tokio::test]
async fn device_names_are_unique_within_a_customer_regardless_of_case() {
    let Tree {
        app,
        admin,
        reseller,
        end,
        ..
    } = tree().await;
    app.add_device(&admin, &end, "Laptop", 0).await;
    let body = app
        .gql(
            Some(&admin),
            "mutation($c: ID!) { addDevice(customerId: $c, input: { name: \"LAPTOP\" }) { id } }",
            json!({ "c": end }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NAME_TAKEN"), "{body}");
    assert_eq!(error_field(&body), Some("name"));
    // Another customer may use the name.
    app.add_device(&admin, &reseller, "laptop", 0).await;
    assert_eq!(totals(&app, &admin, &end).await.0, 1, "nothing was added");
}

#[tokio::test]
async fn bad_device_input_is_refused_with_the_field_and_the_rule() {
    let Tree {
        app, admin, end, ..
    } = tree().await;
    let cases = [
        ("a blank name", json!({ "name": "   " }), "name"),
        (
            "a name that is too long",
            json!({ "name": "x".repeat(129) }),
            "name",
        ),
        (
            "a control character in the name",
            json!({ "name": "pc\u{7}" }),
            "name",
        ),
        (
            "negative storage",
            json!({ "name": "pc", "usedStorageBytes": -1 }),
            "usedStorageBytes",
        ),
        (
            "a fraction of a byte",
            json!({ "name": "pc", "usedStorageBytes": 1.5 }),
            "usedStorageBytes",
        ),
        (
            "a last backup in the future",
            json!({ "name": "pc", "lastBackupAt": "2999-01-01T00:00:00Z" }),
            "lastBackupAt",
        ),
        (
            "a kind that is too long",
            json!({ "name": "pc", "kind": "k".repeat(65) }),
            "kind",
        ),
    ];
    for (why, input, field) in cases {
        let body = app
            .gql(
                Some(&admin),
                "mutation($c: ID!, $i: DeviceInput!) { addDevice(customerId: $c, input: $i) { id } }",
                json!({ "c": end, "i": input }),
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{why}: {body}");
        assert_eq!(error_field(&body), Some(field), "{why}: {body}");
    }
    assert_eq!(totals(&app, &admin, &end).await, (0, 0, 0, 0));
}

#[tokio::test]
async fn removing_devices_lowers_the_totals_and_then_allows_removing_the_customer() {
    let Tree {
        app,
        admin,
        dist,
        reseller,
        end,
        ..
    } = tree().await;
    let a = app.add_device(&admin, &end, "a", 100).await;
    let b = app.add_device(&admin, &end, "b", 50).await;
    const REMOVE_CUSTOMER: &str = "mutation($id: ID!) { removeCustomer(id: $id) }";
    const REMOVE_DEVICE: &str = "mutation($id: ID!) { removeDevice(id: $id) }";

    let body = app
        .gql(Some(&admin), REMOVE_CUSTOMER, json!({ "id": end }))
        .await;
    assert_eq!(error_code(&body), Some("HAS_DEVICES"), "{body}");
    let c = app.data(Some(&admin), TOTALS, json!({ "id": end })).await;
    assert_eq!(c["customer"]["removable"], false);

    let removed = app
        .data(Some(&admin), REMOVE_DEVICE, json!({ "id": a }))
        .await;
    assert_eq!(removed["removeDevice"], a.as_str());
    assert_eq!(totals(&app, &admin, &end).await, (1, 1, 50, 50));
    assert_eq!(totals(&app, &admin, &dist).await, (0, 1, 0, 50));
    let body = app
        .gql(Some(&admin), REMOVE_DEVICE, json!({ "id": a }))
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "already gone: {body}");

    app.data(Some(&admin), REMOVE_DEVICE, json!({ "id": b }))
        .await;
    assert_eq!(totals(&app, &admin, &reseller).await, (0, 0, 0, 0));
    app.data(Some(&admin), REMOVE_CUSTOMER, json!({ "id": end }))
        .await;
}

#[tokio::test]
async fn moving_a_subtree_moves_its_device_totals() {
    let Tree {
        app,
        admin,
        root,
        dist,
        reseller,
        end,
    } = tree().await;
    let other = app
        .create_customer(&admin, &root, "Other Dist", "DISTRIBUTOR", json!({}))
        .await;
    app.add_device(&admin, &end, "e1", 1_000).await;
    app.add_device(&admin, &end, "e2", 2_000).await;
    app.add_device(&admin, &reseller, "r1", 300).await;
    app.add_device(&admin, &dist, "d1", 4).await;
    app.add_device(&admin, &other, "o1", 50_000).await;

    app.data(
        Some(&admin),
        "mutation($id: ID!, $p: ID!) { moveCustomer(id: $id, newParentId: $p) { id } }",
        json!({ "id": reseller, "p": other }),
    )
    .await;
    assert_eq!(totals(&app, &admin, &dist).await, (1, 1, 4, 4));
    assert_eq!(totals(&app, &admin, &other).await, (1, 4, 50_000, 53_300));
    assert_eq!(totals(&app, &admin, &reseller).await, (1, 3, 300, 3_300));
    assert_eq!(totals(&app, &admin, &end).await, (2, 2, 3_000, 3_000));
    assert_eq!(totals(&app, &admin, &root).await, (0, 5, 0, 53_304));

    // The totals match the devices themselves everywhere.
    let (mismatches,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM customers c WHERE c.subtree_device_count <> \
         (SELECT COUNT(*) FROM devices d JOIN customers s ON s.id = d.customer_id \
          WHERE s.path >= c.path AND s.path < substr(c.path, 1, length(c.path) - 1) || '0') \
         OR c.subtree_storage_used_bytes <> \
         (SELECT COALESCE(SUM(d.used_storage_bytes), 0) FROM devices d JOIN customers s \
          ON s.id = d.customer_id \
          WHERE s.path >= c.path AND s.path < substr(c.path, 1, length(c.path) - 1) || '0')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(mismatches, 0);
}

const PAGE: &str = "query($id: ID!, $after: String, $all: Boolean) { customer(id: $id) { devices(first: 2, after: $after, includeDescendants: $all) { totalCount nodes { name customer { name } } edges { cursor } pageInfo { hasNextPage endCursor hasPreviousPage } } } }";

/// Every device name of a list, following the pages, and the page count.
async fn all_pages(app: &TestApp, token: &str, id: &str, all: bool) -> (Vec<String>, usize, i64) {
    let mut names = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = app
            .data(
                Some(token),
                PAGE,
                json!({ "id": id, "after": after, "all": all }),
            )
            .await;
        let devices = &data["customer"]["devices"];
        pages += 1;
        assert_eq!(devices["pageInfo"]["hasPreviousPage"], pages > 1);
        for node in devices["nodes"].as_array().unwrap() {
            names.push(format!(
                "{}/{}",
                node["customer"]["name"].as_str().unwrap(),
                node["name"].as_str().unwrap()
            ));
        }
        if devices["pageInfo"]["hasNextPage"] != true {
            return (names, pages, devices["totalCount"].as_i64().unwrap());
        }
        after = devices["pageInfo"]["endCursor"].clone();
        assert!(pages < 20, "paging ends");
    }
}

#[tokio::test]
async fn devices_are_paged_by_name_for_a_customer_and_by_customer_for_a_subtree() {
    let Tree {
        app,
        admin,
        dist,
        reseller,
        end,
        ..
    } = tree().await;
    for name in ["delta", "Alpha", "charlie", "bravo", "echo"] {
        app.add_device(&admin, &end, name, 1).await;
    }
    app.add_device(&admin, &reseller, "zulu", 1).await;
    app.add_device(&admin, &reseller, "yankee", 1).await;
    app.add_device(&admin, &dist, "x-ray", 1).await;

    let (own, pages, total) = all_pages(&app, &admin, &end, false).await;
    assert_eq!(
        own,
        [
            "End/Alpha",
            "End/bravo",
            "End/charlie",
            "End/delta",
            "End/echo"
        ],
        "by name, case-insensitively"
    );
    assert_eq!((pages, total), (3, 5));

    let (subtree, pages, total) = all_pages(&app, &admin, &dist, true).await;
    assert_eq!(
        subtree,
        [
            "Dist/x-ray",
            "Reseller/yankee",
            "Reseller/zulu",
            "End/Alpha",
            "End/bravo",
            "End/charlie",
            "End/delta",
            "End/echo"
        ],
        "grouped by customer down the tree, by name within each"
    );
    assert_eq!((pages, total), (4, 8));

    let (own, _, total) = all_pages(&app, &admin, &reseller, false).await;
    assert_eq!(own, ["Reseller/yankee", "Reseller/zulu"]);
    assert_eq!(total, 2);
}

#[tokio::test]
async fn only_superusers_administrators_and_managers_add_or_remove_devices() {
    let Tree {
        app, admin, dist, ..
    } = tree().await;
    app.create_user(
        &admin,
        &dist,
        "manager@dist.example",
        "MANAGER",
        "manager password",
    )
    .await;
    app.create_user(
        &admin,
        &dist,
        "operator@dist.example",
        "OPERATOR",
        "operator password",
    )
    .await;
    let manager = app
        .sign_in("Dist", "manager@dist.example", "manager password")
        .await;
    let operator = app
        .sign_in("Dist", "operator@dist.example", "operator password")
        .await;
    let device = app.add_device(&manager, &dist, "managed", 1).await;
    let body = app
        .gql(
            Some(&operator),
            "mutation($c: ID!) { addDevice(customerId: $c, input: { name: \"nope\" }) { id } }",
            json!({ "c": dist }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app
        .gql(
            Some(&operator),
            "mutation($id: ID!) { removeDevice(id: $id) }",
            json!({ "id": device }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // The operator still reads them.
    let (names, _, _) = all_pages(&app, &operator, &dist, false).await;
    assert_eq!(names, ["Dist/managed"]);
}
