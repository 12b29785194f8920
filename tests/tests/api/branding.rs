//! Branding: inheritance down the tree, the installation default, validation, and logo and
//! icon uploads (typed by content, SVG sanitised) served from immutable, sandboxed URLs.

use canopy_tests::{error_code, error_field, TestApp, UploadFile};
use serde_json::{json, Value};

const EFFECTIVE: &str = "query($id: ID!) { customer(id: $id) { branding { displayName senderEmail } effectiveBranding { displayName primaryColor accentColor backgroundColor senderEmail logoUrl iconUrl inheritedFrom { name } } } }";
const UPDATE: &str = "mutation($c: ID!, $i: BrandingInput!) { updateBranding(customerId: $c, input: $i) { branding { displayName primaryColor senderEmail logoUrl iconUrl } } }";
const RESET: &str =
    "mutation($c: ID!) { resetBranding(customerId: $c) { branding { displayName } } }";

async fn effective(app: &TestApp, token: &str, id: &str) -> Value {
    app.data(Some(token), EFFECTIVE, json!({ "id": id })).await["customer"].clone()
}

async fn brand(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    app.data(Some(token), UPDATE, json!({ "c": id, "i": input }))
        .await["updateBranding"]["branding"]
        .clone()
}

/// PNG signature and header, padded to `size` bytes (only the content's type is checked).
fn png(size: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.resize(size.max(bytes.len()), 0);
    bytes
}

fn ico() -> Vec<u8> {
    let mut bytes = vec![0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0];
    bytes.extend_from_slice(&40u32.to_le_bytes());
    bytes.extend_from_slice(&22u32.to_le_bytes());
    bytes.resize(62, 0);
    bytes
}

fn svg(body: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">{body}</svg>").into_bytes()
}

struct Chain {
    app: TestApp,
    admin: String,
    dist: String,
    reseller: String,
    end: String,
}

async fn chain_with(adjust: impl FnOnce(&mut canopy_server::Config)) -> Chain {
    let app = TestApp::spawn_with(adjust).await;
    let admin = app.sign_in_admin().await;
    let root = app.root_id(&admin).await;
    let dist = app
        .create_customer(&admin, &root, "Dist", "DISTRIBUTOR", json!({}))
        .await;
    let reseller = app
        .create_customer(&admin, &dist, "Reseller", "RESELLER", json!({}))
        .await;
    let end = app
        .create_customer(&admin, &reseller, "End", "END_CUSTOMER", json!({}))
        .await;
    Chain {
        app,
        admin,
        dist,
        reseller,
        end,
    }
}

#[tokio::test]
async fn branding_is_inherited_across_three_levels_until_it_is_reset() {
    let Chain {
        app,
        admin,
        dist,
        reseller,
        end,
    } = chain_with(|_| {}).await;
    // Nobody is branded: the installation default, from nowhere in particular.
    let e = effective(&app, &admin, &end).await;
    assert!(e["branding"].is_null());
    assert_eq!(
        e["effectiveBranding"]["senderEmail"],
        "backup@solarwinds.com"
    );
    assert!(e["effectiveBranding"]["inheritedFrom"].is_null());
    assert!(e["effectiveBranding"]["displayName"].is_null());

    let own = brand(
        &app,
        &admin,
        &dist,
        json!({ "displayName": "Dist Backup", "primaryColor": "#1a73e8", "accentColor": "#FFaa00", "senderEmail": "backup@dist.example" }),
    )
    .await;
    assert_eq!(own["primaryColor"], "#1A73E8", "colours are upper case");
    for id in [&reseller, &end] {
        let e = effective(&app, &admin, id).await;
        assert!(e["branding"].is_null(), "it inherits");
        let b = &e["effectiveBranding"];
        assert_eq!(b["displayName"], "Dist Backup");
        assert_eq!(b["accentColor"], "#FFAA00");
        assert_eq!(b["senderEmail"], "backup@dist.example");
        assert_eq!(b["inheritedFrom"]["name"], "Dist");
    }
    let d = effective(&app, &admin, &dist).await;
    assert_eq!(d["branding"]["displayName"], "Dist Backup");
    assert!(d["effectiveBranding"]["inheritedFrom"].is_null(), "its own");

    // The reseller customises only its name: it starts from what it showed.
    let own = brand(
        &app,
        &admin,
        &reseller,
        json!({ "displayName": "Reseller Backup" }),
    )
    .await;
    assert_eq!(own["senderEmail"], "backup@dist.example");
    assert_eq!(own["primaryColor"], "#1A73E8");
    let e = effective(&app, &admin, &end).await;
    assert_eq!(e["effectiveBranding"]["displayName"], "Reseller Backup");
    assert_eq!(e["effectiveBranding"]["inheritedFrom"]["name"], "Reseller");

    let reset = app
        .data(Some(&admin), RESET, json!({ "c": reseller }))
        .await;
    assert!(reset["resetBranding"]["branding"].is_null());
    let e = effective(&app, &admin, &end).await;
    assert_eq!(e["effectiveBranding"]["displayName"], "Dist Backup");
    assert_eq!(e["effectiveBranding"]["inheritedFrom"]["name"], "Dist");

    app.data(Some(&admin), RESET, json!({ "c": dist })).await;
    let e = effective(&app, &admin, &end).await;
    assert_eq!(
        e["effectiveBranding"]["senderEmail"],
        "backup@solarwinds.com"
    );
    assert!(e["effectiveBranding"]["inheritedFrom"].is_null());
    // Resetting what inherits already changes nothing.
    app.data(Some(&admin), RESET, json!({ "c": end })).await;

    let log = app
        .data(
            Some(&admin),
            "query($c: ID) { auditLog(customerId: $c, first: 5) { nodes { action before after } } }",
            json!({ "c": reseller }),
        )
        .await;
    let actions: Vec<&str> = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[..2], ["branding.reset", "branding.update"]);
}

#[tokio::test]
async fn the_installation_default_sender_comes_from_the_configuration() {
    let Chain {
        app, admin, end, ..
    } = chain_with(|config| {
        config.default_sender_email = "reports@msp.example".into();
    })
    .await;
    let e = effective(&app, &admin, &end).await;
    assert_eq!(e["effectiveBranding"]["senderEmail"], "reports@msp.example");
}

#[tokio::test]
async fn a_resellers_users_see_their_distributors_branding_but_not_the_distributor() {
    let Chain {
        app,
        admin,
        dist,
        reseller,
        end,
    } = chain_with(|_| {}).await;
    brand(
        &app,
        &admin,
        &dist,
        json!({ "displayName": "Dist Backup", "senderEmail": "backup@dist.example" }),
    )
    .await;
    app.create_user(
        &admin,
        &reseller,
        "ops@reseller.example",
        "OPERATOR",
        "reseller password",
    )
    .await;
    let user = app
        .sign_in("Reseller", "ops@reseller.example", "reseller password")
        .await;
    for id in [&reseller, &end] {
        let e = effective(&app, &user, id).await;
        let b = &e["effectiveBranding"];
        assert_eq!(b["displayName"], "Dist Backup");
        assert_eq!(b["senderEmail"], "backup@dist.example");
        assert!(
            b["inheritedFrom"].is_null(),
            "the distributor is outside the user's view"
        );
    }
}

#[tokio::test]
async fn bad_branding_input_is_refused_with_the_field_and_the_rule() {
    let Chain {
        app, admin, dist, ..
    } = chain_with(|_| {}).await;
    let cases = [
        (
            "a colour without #",
            json!({ "primaryColor": "1A73E8" }),
            "primaryColor",
        ),
        (
            "a short colour",
            json!({ "accentColor": "#fff" }),
            "accentColor",
        ),
        (
            "a colour name",
            json!({ "backgroundColor": "white" }),
            "backgroundColor",
        ),
        (
            "a bad sender",
            json!({ "senderEmail": "backup" }),
            "senderEmail",
        ),
        ("no sender", json!({ "senderEmail": null }), "senderEmail"),
        (
            "a display name that is too long",
            json!({ "displayName": "d".repeat(101) }),
            "displayName",
        ),
    ];
    for (why, input, field) in cases {
        let body = app
            .gql(Some(&admin), UPDATE, json!({ "c": dist, "i": input }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{why}: {body}");
        assert_eq!(error_field(&body), Some(field), "{why}: {body}");
    }
    assert!(
        effective(&app, &admin, &dist).await["branding"].is_null(),
        "nothing was branded"
    );
}

#[tokio::test]
async fn uploaded_files_are_served_from_immutable_sandboxed_urls() {
    let Chain {
        app,
        admin,
        dist,
        end,
        ..
    } = chain_with(|_| {}).await;
    let logo = png(2_000);
    let body = app
        .upload(
            Some(&admin),
            UPDATE,
            json!({ "c": dist, "i": { "displayName": "Dist" } }),
            vec![
                UploadFile::new(
                    "variables.i.logo",
                    "logo.png",
                    Some("image/png"),
                    logo.clone(),
                ),
                UploadFile::new("variables.i.icon", "favicon.ico", None, ico()),
            ],
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let own = &body["data"]["updateBranding"]["branding"];
    let logo_url = own["logoUrl"].as_str().unwrap().to_owned();
    let icon_url = own["iconUrl"].as_str().unwrap().to_owned();
    assert!(
        logo_url.starts_with("/assets/branding/") && logo_url.ends_with(".png"),
        "{logo_url}"
    );
    assert!(icon_url.ends_with(".ico"), "{icon_url}");
    assert_eq!(
        effective(&app, &admin, &end).await["effectiveBranding"]["logoUrl"],
        logo_url.as_str(),
        "the files are inherited with the rest"
    );

    let response = app.get(&logo_url).await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(
        header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        header("content-security-policy"),
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(response.bytes().await.unwrap().to_vec(), logo);
    let icon = app.get(&icon_url).await;
    assert_eq!(icon.headers()["content-type"], "image/x-icon");

    for missing in [
        logo_url.replace(".png", ".svg"),
        format!("/assets/branding/{}.png", "0".repeat(64)),
        "/assets/branding/not-a-hash.png".to_owned(),
    ] {
        assert_eq!(app.get(&missing).await.status(), 404, "{missing}");
    }

    // The audit names the files by hash, type and size, never their bytes.
    let log = app
        .data(
            Some(&admin),
            "query($c: ID) { auditLog(customerId: $c, first: 1) { nodes { action after } } }",
            json!({ "c": dist }),
        )
        .await;
    let after: Value =
        serde_json::from_str(log["auditLog"]["nodes"][0]["after"].as_str().unwrap()).unwrap();
    assert_eq!(after["logo"]["contentType"], "image/png");
    assert_eq!(after["logo"]["size"], 2_000);
    assert!(logo_url.contains(after["logo"]["sha256"].as_str().unwrap()));

    // A new logo replaces the old one, whose file goes with it.
    let body = app
        .upload(
            Some(&admin),
            UPDATE,
            json!({ "c": dist, "i": {} }),
            vec![UploadFile::new(
                "variables.i.logo",
                "new.png",
                None,
                png(3_000),
            )],
        )
        .await;
    let new_url = body["data"]["updateBranding"]["branding"]["logoUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_url, logo_url);
    assert_eq!(app.get(&logo_url).await.status(), 404);
    let icon_now = &body["data"]["updateBranding"]["branding"]["iconUrl"];
    assert_eq!(icon_now, icon_url.as_str(), "the icon stays");
    // Null removes a file.
    let own = brand(&app, &admin, &dist, json!({ "logo": null })).await;
    assert!(own["logoUrl"].is_null());
}

#[tokio::test]
async fn an_svg_logo_is_sanitised_before_it_is_served() {
    let Chain {
        app, admin, dist, ..
    } = chain_with(|_| {}).await;
    let logo = svg(
        "<title>Dist</title><rect width=\"10\" height=\"10\" fill=\"#1A73E8\"/>\
         <image href=\"https://tracker.example/pixel.png\" width=\"1\" height=\"1\"/>",
    );
    let body = app
        .upload(
            Some(&admin),
            UPDATE,
            json!({ "c": dist, "i": {} }),
            vec![UploadFile::new(
                "variables.i.logo",
                "logo.svg",
                Some("image/svg+xml"),
                logo,
            )],
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let url = body["data"]["updateBranding"]["branding"]["logoUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.ends_with(".svg"), "{url}");
    let response = app.get(&url).await;
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    assert!(response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .ends_with("sandbox"));
    let served = response.text().await.unwrap();
    assert!(served.contains("<rect"), "{served}");
    assert!(
        !served.contains("tracker.example"),
        "no external reference: {served}"
    );
}

#[tokio::test]
async fn bad_uploads_are_refused_by_their_content_and_size() {
    let Chain {
        app, admin, dist, ..
    } = chain_with(|_| {}).await;
    // (why it is refused, input field, file name, declared type, content)
    type Case<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Vec<u8>);
    let cases: Vec<Case> = vec![
        ("a logo over 512 KiB", "logo", "logo.png", Some("image/png"), png(512 * 1024 + 1)),
        ("an icon over 128 KiB", "icon", "icon.png", Some("image/png"), png(128 * 1024 + 1)),
        ("PNG bytes named .svg", "logo", "logo.svg", None, png(100)),
        ("PNG bytes declared as SVG", "logo", "logo", Some("image/svg+xml"), png(100)),
        ("text named .png", "logo", "logo.png", Some("image/png"), b"just text".to_vec()),
        ("an SVG as icon", "icon", "icon.svg", None, svg("<rect/>")),
        ("an ICO as logo", "logo", "logo.ico", None, ico()),
        ("an SVG with script", "logo", "logo.svg", None, svg("<script>alert(document.cookie)</script><rect/>")),
        ("an SVG with an event handler", "logo", "logo.svg", None, svg("<rect onmouseover=\"alert(1)\"/>")),
        ("an SVG with a script link", "logo", "logo.svg", None, svg("<a href=\"javascript:alert(1)\"><rect/></a>")),
        ("an SVG with foreign HTML", "logo", "logo.svg", None, svg("<foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\">x</div></foreignObject>")),
        ("a broken SVG", "logo", "logo.svg", None, b"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect>".to_vec()),
        ("an empty file", "logo", "logo.png", None, Vec::new()),
    ];
    for (why, field, filename, content_type, bytes) in cases {
        let body = app
            .upload(
                Some(&admin),
                UPDATE,
                json!({ "c": dist, "i": {} }),
                vec![UploadFile::new(
                    &format!("variables.i.{field}"),
                    filename,
                    content_type,
                    bytes,
                )],
            )
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{why}: {body}");
        assert_eq!(error_field(&body), Some(field), "{why}: {body}");
    }
    let (files,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM branding_assets")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(files, 0, "nothing was stored");
    assert!(effective(&app, &admin, &dist).await["branding"].is_null());

    // An Upload variable without a file in the request is an input error, not a crash.
    let body = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({ "c": dist, "i": { "logo": "#__graphql_file__:7" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    // A made-up placeholder is refused as input (async-graphql's own Upload panics on it).
    let body = app
        .gql(
            Some(&admin),
            UPDATE,
            json!({ "c": dist, "i": { "logo": "#__graphql_file__:abc" } }),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");
}

#[tokio::test]
async fn only_superusers_and_administrators_change_branding() {
    let Chain {
        app, admin, dist, ..
    } = chain_with(|_| {}).await;
    app.create_user(
        &admin,
        &dist,
        "manager@dist.example",
        "MANAGER",
        "manager password",
    )
    .await;
    let manager = app
        .sign_in("Dist", "manager@dist.example", "manager password")
        .await;
    let body = app
        .gql(
            Some(&manager),
            UPDATE,
            json!({ "c": dist, "i": { "displayName": "Mine" } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app.gql(Some(&manager), RESET, json!({ "c": dist })).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
}
