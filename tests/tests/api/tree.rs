//! The tree's shape: children pages, ancestors, counts, moving subtrees and searching.

use canopy_tests::{error_code, error_field, TestApp};
use serde_json::json;

#[tokio::test]
async fn moving_a_customer_moves_its_whole_subtree() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let a = app
        .create_customer(&admin, &root, "Dist A", "DISTRIBUTOR", json!({}))
        .await;
    let b = app
        .create_customer(&admin, &root, "Dist B", "DISTRIBUTOR", json!({}))
        .await;
    let reseller = app
        .create_customer(&admin, &a, "Reseller", "RESELLER", json!({}))
        .await;
    let end = app
        .create_customer(&admin, &reseller, "End", "END_CUSTOMER", json!({}))
        .await;
    let site = app
        .create_customer(&admin, &end, "Site", "SITE", json!({}))
        .await;

    const MOVE: &str = "mutation($id: ID!, $p: ID!, $v: Int) { moveCustomer(id: $id, newParentId: $p, expectedVersion: $v) { version parent { name } } }";
    let moved = app
        .data(
            Some(&admin),
            MOVE,
            json!({ "id": reseller, "p": b, "v": 1 }),
        )
        .await;
    assert_eq!(moved["moveCustomer"]["parent"]["name"], "Dist B");
    assert_eq!(moved["moveCustomer"]["version"], 2);

    let q = "query($s: ID!, $a: ID!, $b: ID!) { site: customer(id: $s) { ancestors { name } } a: customer(id: $a) { childCount descendantCount } b: customer(id: $b) { childCount descendantCount } root { descendantCount } }";
    let data = app
        .data(Some(&admin), q, json!({ "s": site, "a": a, "b": b }))
        .await;
    let names: Vec<&str> = data["site"]["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Root Company", "Dist B", "Reseller", "End"]);
    assert_eq!(data["a"], json!({ "childCount": 0, "descendantCount": 0 }));
    assert_eq!(data["b"], json!({ "childCount": 1, "descendantCount": 3 }));
    assert_eq!(data["root"]["descendantCount"], 5);

    let cases = [
        ("under itself", &reseller, &reseller, "CYCLE", None),
        ("under its own descendant", &reseller, &site, "CYCLE", None),
        ("under a lower level", &b, &end, "CYCLE", None),
        (
            "under an equal level",
            &b,
            &a,
            "LEVEL_RULE",
            Some("newParentId"),
        ),
        ("under a site", &end, &site, "CYCLE", None),
        ("the root", &root, &a, "FORBIDDEN", None),
    ];
    for (why, id, parent, code, field) in cases {
        let body = app
            .gql(Some(&admin), MOVE, json!({ "id": id, "p": parent }))
            .await;
        assert_eq!(error_code(&body), Some(code), "{why}: {body}");
        assert_eq!(error_field(&body), field, "{why}");
    }
    let body = app
        .gql(Some(&admin), MOVE, json!({ "id": end, "p": a }))
        .await;
    assert!(
        body.get("errors").is_none(),
        "an end-customer may sit right under a distributor: {body}"
    );
    let lower = app
        .create_customer(&admin, &a, "Another End", "END_CUSTOMER", json!({}))
        .await;
    let body = app
        .gql(Some(&admin), MOVE, json!({ "id": end, "p": lower }))
        .await;
    assert_eq!(
        error_code(&body),
        Some("LEVEL_RULE"),
        "level rule on move: {body}"
    );
    let body = app
        .gql(
            Some(&admin),
            MOVE,
            json!({ "id": reseller, "p": a, "v": 1 }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("CONFLICT"),
        "stale version on move: {body}"
    );
}

#[tokio::test]
async fn children_come_in_ordered_pages() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    for (name, level) in [
        ("delta", "RESELLER"),
        ("Alpha", "END_CUSTOMER"),
        ("charlie", "DISTRIBUTOR"),
        ("Bravo", "RESELLER"),
        ("echo", "DISTRIBUTOR"),
    ] {
        app.create_customer(&admin, &root, name, level, json!({}))
            .await;
    }
    const PAGE: &str = "query($after: String, $order: CustomerOrder) { root { childCount children(first: 2, after: $after, order: $order) { totalCount nodes { name } edges { cursor node { name } } pageInfo { hasNextPage endCursor hasPreviousPage } } } }";
    let mut names = Vec::new();
    let mut after = serde_json::Value::Null;
    let mut pages = 0;
    loop {
        let data = app
            .data(Some(&admin), PAGE, json!({ "after": after }))
            .await;
        let children = &data["root"]["children"];
        assert_eq!(children["totalCount"], 5);
        assert_eq!(
            children["nodes"].as_array().unwrap().len(),
            children["edges"].as_array().unwrap().len()
        );
        names.extend(
            children["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["name"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        if children["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = children["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    assert_eq!(
        names,
        ["Alpha", "Bravo", "charlie", "delta", "echo"],
        "by name, ignoring case"
    );

    let data = app
        .data(
            Some(&admin),
            PAGE.replace("first: 2", "first: 5").as_str(),
            json!({ "order": "LEVEL_AND_NAME" }),
        )
        .await;
    let by_level: Vec<&str> = data["root"]["children"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(by_level, ["charlie", "echo", "Bravo", "delta", "Alpha"]);

    let body = app
        .gql(
            Some(&admin),
            "{ root { children(first: 501) { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&body),
        Some("BAD_USER_INPUT"),
        "page sizes are capped: {body}"
    );
    let body = app
        .gql(
            Some(&admin),
            "{ root { children(after: \"garbage\") { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_field(&body), Some("after"), "{body}");
}

/// The names of a `customers` answer's nodes, in order.
fn names(data: &serde_json::Value) -> Vec<String> {
    data["customers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn search_covers_the_whole_subtree_with_filters() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let dist = app
        .create_customer(
            &admin,
            &root,
            "Northwind Distribution",
            "DISTRIBUTOR",
            json!({}),
        )
        .await;
    let res = app
        .create_customer(
            &admin,
            &dist,
            "Northwind Resale",
            "RESELLER",
            json!({ "inTrial": true }),
        )
        .await;
    app.create_customer(&admin, &res, "Contoso North", "END_CUSTOMER", json!({}))
        .await;
    app.create_customer(&admin, &root, "Fabrikam", "RESELLER", json!({}))
        .await;
    app.create_customer(&admin, &root, "100%_Literal", "RESELLER", json!({}))
        .await;

    const SEARCH: &str = "query($s: String, $l: [CustomerLevel!], $st: [CustomerState!], $u: ID) { customers(search: $s, levels: $l, states: $st, under: $u) { totalCount nodes { name } } }";
    let data = app
        .data(Some(&admin), SEARCH, json!({ "s": "NORTH" }))
        .await;
    assert_eq!(
        names(&data),
        [
            "Contoso North",
            "Northwind Distribution",
            "Northwind Resale"
        ]
    );
    assert_eq!(data["customers"]["totalCount"], 3);
    let data = app
        .data(
            Some(&admin),
            SEARCH,
            json!({ "s": "north", "l": ["RESELLER", "END_CUSTOMER"] }),
        )
        .await;
    assert_eq!(names(&data), ["Contoso North", "Northwind Resale"]);
    let data = app
        .data(Some(&admin), SEARCH, json!({ "st": ["IN_TRIAL"] }))
        .await;
    assert_eq!(names(&data), ["Northwind Resale"]);
    let data = app.data(Some(&admin), SEARCH, json!({ "u": res })).await;
    assert_eq!(names(&data), ["Contoso North", "Northwind Resale"]);
    let data = app.data(Some(&admin), SEARCH, json!({ "s": "%_" })).await;
    assert_eq!(names(&data), ["100%_Literal"], "wildcards are literal");
}

/// Search by a part of the name finds every change of a name, and treats the fragment as text
/// whatever characters it holds. Both backends keep a trigram index of the names (on SQLite
/// an FTS5 table that triggers maintain, which the invariants check against the names); a
/// tree this small is scanned on SQLite, and `tests/tests/seed.rs` searches one big enough
/// for its index.
#[tokio::test]
async fn name_search_follows_every_change_of_a_name() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let dist = app
        .create_customer(&admin, &root, "Widget Wholesale", "DISTRIBUTOR", json!({}))
        .await;
    let other = app
        .create_customer(
            &admin,
            &root,
            "Other Distribution",
            "DISTRIBUTOR",
            json!({}),
        )
        .await;
    let res = app
        .create_customer(&admin, &dist, "Müller \"Quoted\" IT", "RESELLER", json!({}))
        .await;
    const SEARCH: &str =
        "query($s: String) { customers(search: $s) { totalCount nodes { name } } }";
    let search = |s: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let data = app.data(Some(admin), SEARCH, json!({ "s": s })).await;
            let found = names(&data);
            assert_eq!(data["customers"]["totalCount"], found.len(), "{data:#}");
            found
        }
    };
    assert_eq!(search("WIDGET").await, ["Widget Wholesale"]);
    assert_eq!(search("ÜLLER").await, ["Müller \"Quoted\" IT"]);
    assert_eq!(search("\"quoted\"").await, ["Müller \"Quoted\" IT"]);
    assert_eq!(search("\" it").await, ["Müller \"Quoted\" IT"]);
    assert!(search("quoted it").await.is_empty());

    app.data(
        Some(&admin),
        "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Gadget Wholesale\" }) { id } }",
        json!({ "id": dist }),
    )
    .await;
    assert!(search("widget").await.is_empty(), "the old name is gone");
    assert_eq!(search("gadget").await, ["Gadget Wholesale"]);
    assert_eq!(search("wholesale").await, ["Gadget Wholesale"]);

    // A move changes the path, not the name: still found, now under the other distributor.
    app.data(
        Some(&admin),
        "mutation($id: ID!, $to: ID!) { moveCustomer(id: $id, newParentId: $to) { id } }",
        json!({ "id": res, "to": other }),
    )
    .await;
    assert_eq!(search("müller").await, ["Müller \"Quoted\" IT"]);
    app.data(
        Some(&admin),
        "mutation($id: ID!) { removeCustomer(id: $id) }",
        json!({ "id": res }),
    )
    .await;
    assert!(
        search("müller").await.is_empty(),
        "a removed customer is gone"
    );
    let violations = canopy_tests::invariants::violations(&app.pool).await;
    assert!(violations.is_empty(), "{violations:#?}");
}

/// A query nesting `children` reads the levels below at once (one statement for the subtree)
/// and pages each parent's children in memory; every page, cursor and count must be exactly
/// what reading level by level returns, in every order.
#[tokio::test]
async fn nested_children_pages_equal_level_by_level_pages() {
    let app = TestApp::spawn().await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    for d in ["Dist two", "dist One"] {
        let dist = app
            .create_customer(&admin, &root, d, "DISTRIBUTOR", json!({}))
            .await;
        for (name, level) in [
            ("delta", "RESELLER"),
            ("Alpha", "END_CUSTOMER"),
            ("charlie", "RESELLER"),
            ("Bravo", "END_CUSTOMER"),
            ("alpha 2", "RESELLER"),
        ] {
            let child = app
                .create_customer(&admin, &dist, &format!("{name} of {d}"), level, json!({}))
                .await;
            if level == "RESELLER" {
                for e in ["z", "Y", "x"] {
                    let name = format!("{e} under {name} of {d}");
                    app.create_customer(&admin, &child, &name, "END_CUSTOMER", json!({}))
                        .await;
                }
            }
        }
    }

    // One level of children: never read ahead (there is nothing below to save a statement on).
    const LEVEL: &str = "query($id: ID!, $order: CustomerOrder, $after: String) { customer(id: $id) { children(first: 2, order: $order, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name } } } } }";
    const NESTED: &str = "query($order: CustomerOrder) { root { children(first: 10, order: $order) { edges { node { id children(first: 2, order: $order) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name children(first: 2, order: $order) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name } } } } } } } } } } }";
    // The second page of a distributor's children, with their children nested below it.
    const AFTER: &str = "query($id: ID!, $order: CustomerOrder, $after: String) { customer(id: $id) { children(first: 2, order: $order, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name children(first: 2, order: $order) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name } } } } } } } }";

    let level = |id: serde_json::Value, order: &'static str, after: serde_json::Value| {
        let app = &app;
        let admin = &admin;
        async move {
            let data = app
                .data(
                    Some(admin),
                    LEVEL,
                    json!({ "id": id, "order": order, "after": after }),
                )
                .await;
            data["customer"]["children"].clone()
        }
    };
    // The page without the grandchildren nested in its nodes.
    let shallow = |page: &serde_json::Value| {
        let mut page = page.clone();
        for edge in page["edges"].as_array_mut().unwrap() {
            edge["node"].as_object_mut().unwrap().remove("children");
        }
        page
    };

    for order in ["NAME", "LEVEL_AND_NAME", "CREATED_AT"] {
        let data = app
            .data(Some(&admin), NESTED, json!({ "order": order }))
            .await;
        let distributors = data["root"]["children"]["edges"].as_array().unwrap();
        assert_eq!(distributors.len(), 2);
        for dist in distributors {
            let nested = &dist["node"]["children"];
            let id = dist["node"]["id"].clone();
            assert_eq!(
                shallow(nested),
                level(id.clone(), order, json!(null)).await,
                "{order}: a distributor's first page"
            );
            for edge in nested["edges"].as_array().unwrap() {
                assert_eq!(
                    edge["node"]["children"],
                    level(edge["node"]["id"].clone(), order, json!(null)).await,
                    "{order}: a grandchild page"
                );
            }
            // The nested page's cursor continues the list exactly as a level-by-level read.
            let after = nested["pageInfo"]["endCursor"].clone();
            let second = app
                .data(
                    Some(&admin),
                    AFTER,
                    json!({ "id": id, "order": order, "after": after }),
                )
                .await;
            let second = &second["customer"]["children"];
            assert_eq!(
                shallow(second),
                level(id.clone(), order, after.clone()).await,
                "{order}: a distributor's second page"
            );
            assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
            for edge in second["edges"].as_array().unwrap() {
                assert_eq!(
                    edge["node"]["children"],
                    level(edge["node"]["id"].clone(), order, json!(null)).await,
                    "{order}: a grandchild page below the second page"
                );
            }
        }
    }
}
