//! Creating, editing, converting and removing customers, with every field rule of DOMAIN.md.

use canopy_tests::{error_code, error_field, TestApp};
use serde_json::{json, Value};

const CUSTOMER: &str = "query($id: ID!) { customer(id: $id) { id name level serviceType childServiceTypes deviceCountry { code name } storageLocation { code name } state trialExpiresAt createdAt customerReference version modules removable childCount descendantCount parent { id } } }";

async fn customer(app: &TestApp, token: &str, id: &str) -> Value {
    app.data(Some(token), CUSTOMER, json!({ "id": id })).await["customer"].clone()
}

struct Fixture {
    app: TestApp,
    admin: String,
    root: String,
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    Fixture { app, admin, root }
}

#[tokio::test]
async fn a_new_customer_gets_its_countrys_data_center_and_its_levels_modules() {
    let Fixture { app, admin, root } = fixture().await;
    let id = app
        .create_customer(
            &admin,
            &root,
            "  Acme Distribution  ",
            "DISTRIBUTOR",
            json!({ "customerReference": "ACME-1" }),
        )
        .await;
    let c = customer(&app, &admin, &id).await;
    assert_eq!(c["name"], "Acme Distribution", "the name is trimmed");
    assert_eq!(c["level"], "DISTRIBUTOR");
    assert_eq!(c["deviceCountry"]["code"], "DE");
    assert_eq!(c["storageLocation"]["code"], "DE");
    assert_eq!(c["state"], "IN_PRODUCTION");
    assert!(c["trialExpiresAt"].is_null());
    assert_eq!(c["customerReference"], "ACME-1");
    assert_eq!(c["version"], 1);
    assert_eq!(c["childServiceTypes"], json!(["ALL_INCLUSIVE"]));
    assert_eq!(c["removable"], true);
    assert_eq!(c["parent"]["id"], root.as_str());
    let modules = c["modules"].as_array().unwrap();
    assert!(
        !modules.contains(&json!("AUTOMATIC_DEPLOYMENT")),
        "not for distributors"
    );
    assert!(modules.contains(&json!("CUSTOMER_MANAGEMENT")));

    let site_parent = app
        .create_customer(&admin, &id, "Acme End", "END_CUSTOMER", json!({}))
        .await;
    let site = app
        .create_customer(&admin, &site_parent, "Acme Site", "SITE", json!({}))
        .await;
    let s = customer(&app, &admin, &site).await;
    let modules = s["modules"].as_array().unwrap();
    assert!(modules.contains(&json!("AUTOMATIC_DEPLOYMENT")));
    assert!(
        !modules.contains(&json!("CUSTOMER_MANAGEMENT")),
        "a site manages no customers"
    );
}

#[tokio::test]
async fn the_storage_location_follows_the_country_or_must_be_chosen() {
    let Fixture { app, admin, root } = fixture().await;
    // A country with a data center: its own, stated or not.
    let same = app
        .create_customer(
            &admin,
            &root,
            "Stated Same",
            "RESELLER",
            json!({ "deviceCountry": "nl", "storageLocation": "NL" }),
        )
        .await;
    assert_eq!(
        customer(&app, &admin, &same).await["storageLocation"]["code"],
        "NL"
    );
    // A country without one (Belgium): the caller's choice.
    let chosen = app
        .create_customer(
            &admin,
            &root,
            "Belgian",
            "RESELLER",
            json!({ "deviceCountry": "BE", "storageLocation": "NL" }),
        )
        .await;
    let c = customer(&app, &admin, &chosen).await;
    assert_eq!(c["deviceCountry"]["name"], "Belgium");
    assert_eq!(c["storageLocation"]["code"], "NL");

    let cases = [
        (
            "another data center for a country that has one",
            json!({ "deviceCountry": "DE", "storageLocation": "NL" }),
        ),
        (
            "no choice for a country without a data center",
            json!({ "deviceCountry": "BE" }),
        ),
        (
            "an unknown data center",
            json!({ "deviceCountry": "BE", "storageLocation": "XX" }),
        ),
    ];
    for (why, extra) in cases {
        let body = app
            .try_create_customer(&admin, &root, "Storage Case", "RESELLER", extra)
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{why}: {body}");
        assert_eq!(error_field(&body), Some("storageLocation"), "{why}");
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_and_the_rule() {
    let Fixture { app, admin, root } = fixture().await;
    app.create_customer(&admin, &root, "Existing Name", "RESELLER", json!({}))
        .await;
    let long = "n".repeat(129);
    let cases: Vec<(&str, &str, Value, &str, &str)> = vec![
        ("empty name", "", json!({}), "BAD_USER_INPUT", "name"),
        ("blank name", "   ", json!({}), "BAD_USER_INPUT", "name"),
        ("too long name", &long, json!({}), "BAD_USER_INPUT", "name"),
        (
            "control character",
            "Bad\u{1}Name",
            json!({}),
            "BAD_USER_INPUT",
            "name",
        ),
        (
            "duplicate in other case",
            "EXISTING name",
            json!({}),
            "NAME_TAKEN",
            "name",
        ),
        (
            "duplicate with spaces",
            " existing name ",
            json!({}),
            "NAME_TAKEN",
            "name",
        ),
        (
            "unknown country",
            "Nowhere Ltd",
            json!({ "deviceCountry": "XX" }),
            "BAD_USER_INPUT",
            "deviceCountry",
        ),
        (
            "country name instead of code",
            "Nowhere Ltd",
            json!({ "deviceCountry": "Germany" }),
            "BAD_USER_INPUT",
            "deviceCountry",
        ),
        (
            "too long reference",
            "Ref Ltd",
            json!({ "customerReference": "r".repeat(65) }),
            "BAD_USER_INPUT",
            "customerReference",
        ),
        (
            "no child service types",
            "Types Ltd",
            json!({ "childServiceTypes": [] }),
            "BAD_USER_INPUT",
            "childServiceTypes",
        ),
    ];
    for (why, name, extra, code, field) in cases {
        let body = app
            .try_create_customer(&admin, &root, name, "RESELLER", extra)
            .await;
        assert_eq!(error_code(&body), Some(code), "{why}: {body}");
        assert_eq!(error_field(&body), Some(field), "{why}: {body}");
    }
    let total = app
        .data(Some(&admin), "{ customers { totalCount } }", json!({}))
        .await;
    assert_eq!(
        total["customers"]["totalCount"], 2,
        "nothing was half-written"
    );
    assert!(
        app.create_customer(&admin, &root, &"n".repeat(128), "RESELLER", json!({}))
            .await
            .len()
            > 1
    );
}

#[tokio::test]
async fn the_level_rule_holds_on_create() {
    let Fixture { app, admin, root } = fixture().await;
    let reseller = app
        .create_customer(&admin, &root, "Reseller", "RESELLER", json!({}))
        .await;
    let end = app
        .create_customer(&admin, &reseller, "End", "END_CUSTOMER", json!({}))
        .await;
    let site = app
        .create_customer(&admin, &end, "Site", "SITE", json!({}))
        .await;
    // Levels may be skipped.
    app.create_customer(&admin, &root, "Direct End", "END_CUSTOMER", json!({}))
        .await;

    let cases = [
        ("same level as the parent", &reseller, "RESELLER"),
        ("above the parent", &reseller, "DISTRIBUTOR"),
        ("a second ROOT", &root, "ROOT"),
        ("below a SITE", &site, "SITE"),
    ];
    for (why, parent, level) in cases {
        let body = app
            .try_create_customer(&admin, parent, "Level Case", level, json!({}))
            .await;
        assert_eq!(error_code(&body), Some("LEVEL_RULE"), "{why}: {body}");
        assert_eq!(error_field(&body), Some("level"), "{why}");
    }
}

#[tokio::test]
async fn a_childs_service_type_must_be_offered_by_its_parent() {
    let Fixture { app, admin, root } = fixture().await;
    let software = app
        .create_customer(
            &admin,
            &root,
            "Software Seller",
            "DISTRIBUTOR",
            json!({ "serviceType": "SOFTWARE_ONLY" }),
        )
        .await;
    let body = app
        .try_create_customer(&admin, &software, "Wants All", "RESELLER", json!({}))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(error_field(&body), Some("serviceType"));
    let child = app
        .create_customer(
            &admin,
            &software,
            "Gets Software",
            "RESELLER",
            json!({ "serviceType": "SOFTWARE_ONLY" }),
        )
        .await;
    // The parent cannot stop offering what a child uses.
    let body = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { updateCustomer(id: $id, input: { childServiceTypes: [ALL_INCLUSIVE] }) { id } }",
            json!({ "id": software }),
        )
        .await;
    assert_eq!(error_field(&body), Some("childServiceTypes"), "{body}");
    assert!(!child.is_empty());
}

#[tokio::test]
async fn a_trial_lasts_thirty_days_until_converted() {
    let Fixture { app, admin, root } = fixture().await;
    let id = app
        .create_customer(
            &admin,
            &root,
            "Trial Co",
            "RESELLER",
            json!({ "inTrial": true }),
        )
        .await;
    let c = customer(&app, &admin, &id).await;
    assert_eq!(c["state"], "IN_TRIAL");
    let created = chrono::DateTime::parse_from_rfc3339(c["createdAt"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(c["trialExpiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, chrono::Duration::days(30));

    app.clock.advance_ms(29 * 24 * 3600 * 1000);
    let admin = app.sign_in_admin().await;
    assert_eq!(customer(&app, &admin, &id).await["state"], "IN_TRIAL");
    app.clock.advance_ms(24 * 3600 * 1000 + 1000);
    let admin = app.sign_in_admin().await;
    assert_eq!(customer(&app, &admin, &id).await["state"], "TRIAL_EXPIRED");
    let expired = app
        .data(
            Some(&admin),
            "{ customers(states: [TRIAL_EXPIRED]) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(expired["customers"]["nodes"], json!([{ "id": id }]));

    let converted = app
        .data(
            Some(&admin),
            "mutation($id: ID!) { convertToProduction(id: $id) { state trialExpiresAt version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(converted["convertToProduction"]["state"], "IN_PRODUCTION");
    assert!(
        !converted["convertToProduction"]["trialExpiresAt"].is_null(),
        "conversion clears nothing else"
    );
    let again = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { convertToProduction(id: $id) { state } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&again), Some("BAD_USER_INPUT"));
}

const UPDATE: &str = "mutation($id: ID!, $i: UpdateCustomerInput!) { updateCustomer(id: $id, input: $i) { name level version deviceCountry { code } storageLocation { code } customerReference } }";

#[tokio::test]
async fn updates_keep_the_rules_and_detect_conflicts() {
    let Fixture { app, admin, root } = fixture().await;
    let dist = app
        .create_customer(&admin, &root, "Dist", "DISTRIBUTOR", json!({}))
        .await;
    let reseller = app
        .create_customer(&admin, &dist, "Reseller", "RESELLER", json!({}))
        .await;
    app.create_customer(&admin, &root, "Taken", "RESELLER", json!({}))
        .await;

    let renamed = app
        .data(Some(&admin), UPDATE, json!({ "id": reseller, "i": { "name": "Reseller Two", "expectedVersion": 1, "deviceCountry": "FR", "customerReference": "R-2" } }))
        .await;
    let r = &renamed["updateCustomer"];
    assert_eq!(r["name"], "Reseller Two");
    assert_eq!(r["version"], 2);
    assert_eq!(r["deviceCountry"]["code"], "FR");
    assert_eq!(
        r["storageLocation"]["code"], "DE",
        "the storage location never follows the country"
    );

    let cleared = app
        .data(
            Some(&admin),
            UPDATE,
            json!({ "id": reseller, "i": { "customerReference": null } }),
        )
        .await;
    assert!(cleared["updateCustomer"]["customerReference"].is_null());

    let cases = [
        (
            "stale version",
            json!({ "id": reseller, "i": { "name": "X", "expectedVersion": 1 } }),
            "CONFLICT",
            None,
        ),
        (
            "name of another customer",
            json!({ "id": reseller, "i": { "name": "TAKEN" } }),
            "NAME_TAKEN",
            Some("name"),
        ),
        (
            "level not below the parent",
            json!({ "id": reseller, "i": { "level": "DISTRIBUTOR" } }),
            "LEVEL_RULE",
            Some("level"),
        ),
        (
            "level not above the children",
            json!({ "id": dist, "i": { "level": "END_CUSTOMER" } }),
            "LEVEL_RULE",
            Some("level"),
        ),
        (
            "ROOT for a non-root",
            json!({ "id": dist, "i": { "level": "ROOT" } }),
            "LEVEL_RULE",
            Some("level"),
        ),
        (
            "a bad country",
            json!({ "id": dist, "i": { "deviceCountry": "ZZ" } }),
            "BAD_USER_INPUT",
            Some("deviceCountry"),
        ),
        (
            "an empty name",
            json!({ "id": dist, "i": { "name": " " } }),
            "BAD_USER_INPUT",
            Some("name"),
        ),
    ];
    for (why, vars, code, field) in cases {
        let body = app.gql(Some(&admin), UPDATE, vars).await;
        assert_eq!(error_code(&body), Some(code), "{why}: {body}");
        assert_eq!(error_field(&body), field, "{why}");
    }
    // A level change that keeps the rule on both sides is fine.
    let ok = app
        .data(
            Some(&admin),
            UPDATE,
            json!({ "id": dist, "i": { "level": "SUB_DISTRIBUTOR" } }),
        )
        .await;
    assert_eq!(ok["updateCustomer"]["level"], "SUB_DISTRIBUTOR");
    // Renaming to the same name in another case is not a conflict with itself.
    let ok = app
        .data(
            Some(&admin),
            UPDATE,
            json!({ "id": dist, "i": { "name": "DIST" } }),
        )
        .await;
    assert_eq!(ok["updateCustomer"]["name"], "DIST");
}

#[tokio::test]
async fn removal_needs_no_children_and_no_devices() {
    let Fixture { app, admin, root } = fixture().await;
    let parent = app
        .create_customer(&admin, &root, "Parent", "DISTRIBUTOR", json!({}))
        .await;
    let child = app
        .create_customer(&admin, &parent, "Child", "RESELLER", json!({}))
        .await;
    const REMOVE: &str = "mutation($id: ID!) { removeCustomer(id: $id) }";

    let body = app.gql(Some(&admin), REMOVE, json!({ "id": parent })).await;
    assert_eq!(error_code(&body), Some("HAS_CHILDREN"), "{body}");
    assert_eq!(customer(&app, &admin, &parent).await["removable"], false);

    let device = app
        .data(
            Some(&admin),
            "mutation($c: ID!) { addDevice(customerId: $c, input: { name: \"pc\" }) { id } }",
            json!({ "c": child }),
        )
        .await["addDevice"]["id"]
        .clone();
    let body = app.gql(Some(&admin), REMOVE, json!({ "id": child })).await;
    assert_eq!(error_code(&body), Some("HAS_DEVICES"), "{body}");
    assert_eq!(customer(&app, &admin, &child).await["removable"], false);
    app.data(
        Some(&admin),
        "mutation($id: ID!) { removeDevice(id: $id) }",
        json!({ "id": device }),
    )
    .await;

    let removed = app.data(Some(&admin), REMOVE, json!({ "id": child })).await;
    assert_eq!(removed["removeCustomer"], child.as_str());
    assert!(customer(&app, &admin, &child).await.is_null());
    let p = customer(&app, &admin, &parent).await;
    assert_eq!(p["childCount"], 0);
    assert_eq!(p["removable"], true);
    app.data(Some(&admin), REMOVE, json!({ "id": parent }))
        .await;

    let body = app.gql(Some(&admin), REMOVE, json!({ "id": root })).await;
    assert_eq!(
        error_code(&body),
        Some("FORBIDDEN"),
        "never the root: {body}"
    );
    let body = app.gql(Some(&admin), REMOVE, json!({ "id": child })).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "already gone: {body}");
}

#[tokio::test]
async fn only_the_root_customers_superusers_change_storage_locations() {
    let Fixture { app, admin, root } = fixture().await;
    let dist = app
        .create_customer(&admin, &root, "Dist", "DISTRIBUTOR", json!({}))
        .await;
    let reseller = app
        .create_customer(&admin, &dist, "Reseller", "RESELLER", json!({}))
        .await;
    const CHANGE: &str = "mutation($id: ID!, $s: String!) { changeStorageLocation(id: $id, storageLocation: $s) { storageLocation { code } version } }";

    let changed = app
        .data(Some(&admin), CHANGE, json!({ "id": reseller, "s": "CH" }))
        .await;
    assert_eq!(
        changed["changeStorageLocation"]["storageLocation"]["code"],
        "CH"
    );
    let body = app
        .gql(Some(&admin), CHANGE, json!({ "id": reseller, "s": "XX" }))
        .await;
    assert_eq!(error_field(&body), Some("storageLocation"));

    app.create_user(
        &admin,
        &dist,
        "super@dist.example",
        "SUPERUSER",
        "dist password 1",
    )
    .await;
    let dist_super = app
        .sign_in("Dist", "super@dist.example", "dist password 1")
        .await;
    let body = app
        .gql(
            Some(&dist_super),
            CHANGE,
            json!({ "id": reseller, "s": "NL" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}

#[tokio::test]
async fn countries_and_data_centers_are_listed() {
    let app = TestApp::spawn().await;
    let data = app
        .data(None, "{ countries { code name dataCenter { code } } dataCenters { code name country { code } } }", json!({}))
        .await;
    let countries = data["countries"].as_array().unwrap();
    assert!(countries.len() >= 249, "all of ISO 3166-1");
    let find = |code: &str| {
        countries
            .iter()
            .find(|c| c["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(find("DE")["dataCenter"]["code"], "DE");
    assert_eq!(find("ZA")["dataCenter"]["code"], "ZA");
    assert!(find("BE")["dataCenter"].is_null());
    let codes: Vec<&str> = data["dataCenters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for code in [
        "US", "BR", "CA", "AU", "GB", "DE", "NL", "CH", "FR", "IT", "NO", "ZA",
    ] {
        assert!(codes.contains(&code), "{code}");
    }
}

#[tokio::test]
async fn ids_of_removed_customers_and_devices_are_never_given_again() {
    let Fixture { app, admin, root } = fixture().await;
    let first = app
        .create_customer(&admin, &root, "Short Lived", "RESELLER", json!({}))
        .await;
    let device = app.add_device(&admin, &first, "pc-1", 1).await;
    app.data(
        Some(&admin),
        "mutation($id: ID!) { removeDevice(id: $id) }",
        json!({ "id": device }),
    )
    .await;
    app.data(
        Some(&admin),
        "mutation($id: ID!) { removeCustomer(id: $id) }",
        json!({ "id": first }),
    )
    .await;
    let second = app
        .create_customer(&admin, &root, "Newcomer", "RESELLER", json!({}))
        .await;
    let other_device = app.add_device(&admin, &second, "pc-1", 1).await;
    assert_ne!(
        first, second,
        "a stale customer ID must not name the new customer"
    );
    assert_ne!(
        device, other_device,
        "a stale device ID must not name the new device"
    );
    let history = app
        .data(
            Some(&admin),
            "query($c: ID!) { auditLog(customerId: $c) { nodes { customerName } } }",
            json!({ "c": second }),
        )
        .await;
    let names: Vec<&str> = history["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["customerName"].as_str().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| *n == "Newcomer"),
        "the new customer's history is its own: {names:?}"
    );
}

/// Writes that arrive together share one transaction (`db::group_commit`), each in a savepoint
/// of its own: one that fails (here, a name another create in the same burst took first) must
/// fail alone, and every other must be kept, with the counts it changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn creates_that_arrive_together_fail_alone_and_keep_the_rest() {
    let Fixture { app, admin, root } = fixture().await;
    let parent = app
        .create_customer(&admin, &root, "Burst Parent", "DISTRIBUTOR", json!({}))
        .await;
    // 24 creates at once: 12 names, each asked for twice.
    let names: Vec<String> = (0..24).map(|i| format!("Burst child {}", i / 2)).collect();
    let bodies = futures::future::join_all(
        names
            .iter()
            .map(|name| app.try_create_customer(&admin, &parent, name, "RESELLER", json!({}))),
    )
    .await;
    let mut created = Vec::new();
    for (name, body) in names.iter().zip(&bodies) {
        match body.get("errors") {
            None => created.push(name.clone()),
            Some(_) => assert_eq!(error_code(body), Some("NAME_TAKEN"), "{name}: {body}"),
        }
    }
    created.sort();
    let mut expected: Vec<String> = (0..12).map(|i| format!("Burst child {i}")).collect();
    expected.sort();
    assert_eq!(created, expected, "each name exactly once");

    let data = app
        .data(
            Some(&admin),
            "query($id: ID!) { customer(id: $id) { childCount descendantCount \
             children(first: 50) { nodes { name } } } }",
            json!({ "id": parent }),
        )
        .await;
    let mut children: Vec<String> = data["customer"]["children"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect();
    children.sort();
    assert_eq!(children, expected);
    assert_eq!(data["customer"]["childCount"], 12);
    assert_eq!(data["customer"]["descendantCount"], 12);

    // The burst was committed in batches, so the test tried what it says.
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /metrics"))
    };
    let (changes, commits) = (
        value("canopy_write_batch_changes_sum"),
        value("canopy_write_batch_changes_count"),
    );
    assert!(changes > commits, "{changes} changes in {commits} commits");
}
