//! The console in a real headless Chromium against the real server, used the way a person uses
//! it: find by label or visible text, click, type, read. One test per scenario of issue #5, each
//! with a fresh server and database and a screenshot under `target/screenshots/`.
//!
//! Needs the app built into `dist/` (scripts/test does it) and Debian's `chromium` and
//! `chromium-driver` (scripts/tools --browser installs them).

use std::future::Future;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use canopy_tests::{workspace_root, TestApp};
use fantoccini::{elements::Element, key::Key, Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::net::TcpStream;

/// How long anything may take to appear. Generous: the first load compiles the wasm on a busy
/// two-core CI machine.
const TIMEOUT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(100);

/// The flags that make Debian's Chromium run headless in a container (shared/TOOLCHAIN.md).
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,860",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_shows_the_customer_tree_and_signing_out_returns_to_the_form() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root_id = app.root_id(&token).await;
    let acme = app
        .create_customer(
            &token,
            &root_id,
            "Acme Distribution",
            "DISTRIBUTOR",
            json!({}),
        )
        .await;
    app.create_customer(
        &token,
        &root_id,
        "Birch Resellers",
        "RESELLER",
        json!({ "inTrial": true }),
    )
    .await;
    app.create_customer(
        &token,
        &acme,
        "Cedar Site Services",
        "END_CUSTOMER",
        json!({}),
    )
    .await;

    run_in_browser("customer-tree", |browser| async move {
        browser.open(&app, "/").await?;
        // Without a session the console sends us to the sign-in form.
        browser.wait_for_url_path("/sign-in").await?;
        browser
            .sign_in(&app.root_name, &app.admin_user, &app.admin_password)
            .await?;

        browser.wait_for_url_path("/customers").await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=current-customer]"),
                &app.root_name,
            )
            .await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=current-user]"), &app.admin_user)
            .await?;
        // The user's own customer starts open.
        let root = browser.tree_item(&app.root_name, 1).await?;
        ensure_text(&root, "2 sub-customers").await?;
        browser.tree_item("Acme Distribution", 2).await?;
        let birch = browser.tree_item("Birch Resellers", 2).await?;
        ensure_attr(&root, "aria-expanded", "true").await?;
        ensure_text(&birch, "Reseller").await?;
        ensure_text(&birch, "Trial: 30 days left").await?;

        browser.toggle("Expand Acme Distribution").await?;
        let cedar = browser.tree_item("Cedar Site Services", 3).await?;
        ensure_text(&cedar, "End-customer").await?;
        ensure_text(&cedar, "No sub-customers").await?;
        browser.screenshot("customer-tree").await?;

        browser
            .click(Locator::Css("[data-testid=sign-out]"))
            .await?;
        browser.wait_for_sign_in_form().await?;
        let stored = browser
            .client
            .execute("return localStorage.getItem('canopy.token');", vec![])
            .await?;
        if stored != Value::Null {
            bail!("the token is still stored after signing out: {stored}");
        }
        // The server revoked the session too: a reload stays on the form.
        browser.open(&app, "/").await?;
        browser.wait_for_url_path("/sign-in").await?;
        browser.screenshot("signed-out").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_shows_the_servers_message() {
    let app = spawn_app().await;
    let answer = app
        .gql(
            None,
            "mutation($c: String!, $u: String!, $p: String!) { signIn(customerName: $c, username: $u, password: $p) { token } }",
            json!({ "c": app.root_name, "u": app.admin_user, "p": "not the password" }),
        )
        .await;
    let message = answer["errors"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("signIn with a wrong password must fail: {answer:#}"))
        .to_owned();

    run_in_browser("wrong-password", |browser| async move {
        browser.open(&app, "/sign-in").await?;
        browser
            .sign_in(&app.root_name, &app.admin_user, "not the password")
            .await?;
        let error = browser
            .wait_for_text(Locator::Css("[data-testid=sign-in-error]"), &message)
            .await?;
        ensure_attr(&error, "role", "alert").await?;
        browser.screenshot("wrong-password").await?;
        // Still on the form, nothing stored.
        browser.wait_for_url_path("/sign-in").await?;
        browser.wait_for_sign_in_form().await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_server_no_longer_accepts_leads_back_to_sign_in() {
    let app = spawn_app().await;

    run_in_browser("stale-session", |browser| async move {
        browser.open(&app, "/sign-in").await?;
        browser.wait_for_sign_in_form().await?;
        browser
            .client
            .execute(
                "localStorage.setItem('canopy.token', 'revoked-long-ago');",
                vec![],
            )
            .await?;
        browser.open(&app, "/").await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=sign-in-notice]"),
                "Please sign in again",
            )
            .await?;
        browser.wait_for_url_path("/sign-in").await?;
        Ok(())
    })
    .await;
}

/// Signs in as the installation's SUPERUSER and waits for the console.
async fn sign_in_as_admin(browser: &Browser, app: &TestApp) -> Result<()> {
    browser.open(app, "/sign-in").await?;
    browser
        .sign_in(&app.root_name, &app.admin_user, &app.admin_password)
        .await?;
    browser.wait_for_url_path("/customers").await?;
    browser.tree_item(&app.root_name, 1).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_customer_in_germany_stores_its_data_in_germany() {
    let app = spawn_app().await;
    run_in_browser("add-customer-germany", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        let add = browser.button("Add customer").await?;
        add.click().await?;
        // Focus moves into the dialog, onto its first field.
        let name = browser.field_labelled("Name").await?;
        browser.wait_for_focus(&name).await?;
        // Escape closes it and gives focus back to the button that opened it.
        browser.press(Key::Escape).await?;
        browser.wait_for_focus(&add).await?;
        add.click().await?;

        browser.type_into("Name", "Berlin Backup GmbH").await?;
        browser.select("Customer level", "Reseller").await?;
        browser.choose("Device country", "Germ", "Germany").await?;
        let storage = browser.field_labelled("Data storage location").await?;
        eventually("the storage location to follow the country", || async {
            let disabled = storage.prop("disabled").await.ok()??;
            let value = storage.prop("value").await.ok()??;
            (disabled == "true" && value == "DE").then_some(())
        })
        .await?;
        browser
            .wait_for_page_text("Set by the device country: data is stored in Germany.")
            .await?;
        browser.screenshot("add-customer-germany-form").await?;
        browser.button("Save").await?.click().await?;

        browser.tree_item("Berlin Backup GmbH", 2).await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=detail-name]"),
                "Berlin Backup GmbH",
            )
            .await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=storage-location]"), "Germany")
            .await?;
        browser.screenshot("add-customer-germany").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_country_without_a_data_center_needs_a_choice_and_a_trial_shows_its_badge() {
    let app = spawn_app().await;
    run_in_browser("add-customer-choice", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        browser.button("Add customer").await?.click().await?;
        browser.type_into("Name", "Wiener Sicherung").await?;
        browser.select("Customer level", "End-customer").await?;
        browser.choose("Device country", "Austr", "Austria").await?;
        browser.check("In trial (30 days)").await?;
        browser.button("Save").await?.click().await?;
        // Beside the field, not sent: the form knows the rule.
        browser
            .wait_for_text(
                Locator::Css("#new-storage-error"),
                "choose a data storage location",
            )
            .await?;
        browser.screenshot("storage-location-required").await?;
        browser
            .select("Data storage location", "Switzerland")
            .await?;
        browser.button("Save").await?.click().await?;

        let item = browser.tree_item("Wiener Sicherung", 2).await?;
        ensure_text(&item, "Trial: 30 days left").await?;
        ensure_text(&item, "End-customer").await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=storage-location]"),
                "Switzerland",
            )
            .await?;
        browser.screenshot("trial-badge").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_warns_about_sign_in_and_moving_changes_the_breadcrumb() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let north = app
        .create_customer(
            &token,
            &root,
            "North Distribution",
            "DISTRIBUTOR",
            json!({}),
        )
        .await;
    app.create_customer(
        &token,
        &root,
        "South Distribution",
        "DISTRIBUTOR",
        json!({}),
    )
    .await;
    let shop = app
        .create_customer(&token, &north, "Corner Shop", "RESELLER", json!({}))
        .await;

    run_in_browser("rename-move", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        // A deep link opens the section directly, and survives a reload.
        browser
            .open(&app, &format!("/customers/{shop}/general"))
            .await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=breadcrumb]"),
                "North Distribution",
            )
            .await?;
        browser.client.refresh().await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=detail-name]"), "Corner Shop")
            .await?;

        browser.type_into("Name", "Corner Shop Ltd").await?;
        browser
            .wait_for_page_text(
                "After renaming, this customer's users must sign in with the new name.",
            )
            .await?;
        browser.screenshot("rename-warning").await?;
        browser
            .within_form("general-form")
            .await?
            .button("Save")
            .await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=saved]"), "Saved.")
            .await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=detail-name]"), "Corner Shop Ltd")
            .await?;

        browser
            .choose("New parent", "South", "South Distribution")
            .await?;
        browser.button("Move").await?.click().await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=breadcrumb]"),
                "South Distribution",
            )
            .await?;
        browser.toggle("Expand South Distribution").await?;
        browser.tree_item("Corner Shop Ltd", 3).await?;
        browser.screenshot("moved").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_contacts_and_activities_are_edited_in_their_sections() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let id = app
        .create_customer(
            &token,
            &root,
            "Harbour Logistics",
            "END_CUSTOMER",
            json!({}),
        )
        .await;

    run_in_browser("details", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        browser
            .open(&app, &format!("/customers/{id}/profile"))
            .await?;
        browser
            .type_into("Legal name", "Harbour Logistics B.V.")
            .await?;
        browser
            .type_into("Website", "https://harbour.example")
            .await?;
        browser.type_into("City", "Rotterdam").await?;
        browser.button("Save").await?.click().await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=saved]"), "Saved.")
            .await?;
        browser.client.refresh().await?;
        let legal = browser.field_labelled("Legal name").await?;
        eventually("the saved legal name after a reload", || async {
            (legal.prop("value").await.ok()?? == "Harbour Logistics B.V.").then_some(())
        })
        .await?;
        browser.screenshot("profile").await?;

        browser.link("Contacts").await?.click().await?;
        browser.button("Add contact").await?.click().await?;
        browser.type_into("First name", "Ada").await?;
        browser.type_into("Last name", "Lovelace").await?;
        browser.type_into("E-mail", "ada@harbour.example").await?;
        browser.check("Technical").await?;
        browser.button("Save").await?.click().await?;
        let contacts = browser
            .wait_for_text(Locator::Css("[data-testid=contacts]"), "Ada Lovelace")
            .await?;
        ensure_text(&contacts, "Technical").await?;
        browser.screenshot("contacts").await?;

        browser
            .link("Communication activities")
            .await?
            .click()
            .await?;
        for (subject, when, list) in [
            (
                "Quarterly review",
                "2099-03-01T10:00",
                "upcoming-activities",
            ),
            ("Onboarding call", "2020-01-15T09:30", "past-activities"),
        ] {
            browser.button("Add activity").await?.click().await?;
            browser.type_into("Subject", subject).await?;
            browser.type_datetime("Date and time", when).await?;
            browser.select("Contact", "Ada Lovelace").await?;
            browser.button("Save").await?.click().await?;
            browser
                .wait_for_text(Locator::Css(&format!("[data-testid={list}]")), subject)
                .await?;
        }
        browser.screenshot("activities").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branding_shows_a_live_preview_and_uploads_a_logo() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let id = app
        .create_customer(&token, &root, "Violet Reseller", "RESELLER", json!({}))
        .await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let logo = dir.path().join("logo.png");
    std::fs::write(&logo, TINY_PNG).expect("the logo is written");

    run_in_browser("branding", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        browser
            .open(&app, &format!("/customers/{id}/branding"))
            .await?;
        browser.type_into("Display name", "Violet Backup").await?;
        browser.type_into("Primary colour", "#5B2A86").await?;
        let preview = browser
            .find(Locator::Css("[data-testid=branding-preview] header"))
            .await?;
        eventually("the preview to take the colour", || async {
            let style = preview.attr("style").await.ok()??;
            style.contains("#5B2A86").then_some(())
        })
        .await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=branding-preview]"),
                "Violet Backup",
            )
            .await?;
        let file = browser.field_labelled("Logo").await?;
        file.send_keys(&logo.display().to_string()).await?;
        browser
            .find(Locator::Css(
                "[data-testid=branding-preview] img[data-testid=brand-logo]",
            ))
            .await?;
        browser.screenshot("branding-preview").await?;
        browser
            .within_form("branding-form")
            .await?
            .button("Save")
            .await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=saved]"), "Saved.")
            .await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=branding-source]"),
                "its own branding",
            )
            .await?;
        // After the save the preview shows the logo as the server serves it.
        let img = browser
            .find(Locator::Css(
                "[data-testid=branding-preview] img[data-testid=brand-logo]",
            ))
            .await?;
        eventually("the uploaded logo to be served", || async {
            let src = img.attr("src").await.ok()??;
            (!src.starts_with("blob:")).then_some(())
        })
        .await?;
        browser.screenshot("branding-saved").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_device_shows_its_storage_location_and_blocks_removal_until_removed() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let id = app
        .create_customer(
            &token,
            &root,
            "Nordic Sites",
            "END_CUSTOMER",
            json!({ "deviceCountry": "NO" }),
        )
        .await;

    run_in_browser("devices-removal", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        browser.link("Device management").await?.click().await?;
        browser.choose("Customer", "Nordic", "Nordic Sites").await?;
        browser.wait_for_page_text("No devices.").await?;
        // The seed's check: add a test device and read its Storage location column.
        browser.button("Columns").await?.click().await?;
        browser.ensure_checked("Storage location").await?;
        browser.button("Add test device").await?.click().await?;
        let cell = browser
            .find(Locator::Css(
                "[data-testid=device-row] td[data-column=storageLocation]",
            ))
            .await?;
        eventually("the Storage location column", || async {
            (cell.text().await.ok()? == "Norway").then_some(())
        })
        .await?;
        browser.screenshot("device-storage-location").await?;

        browser.open(&app, &format!("/customers/{id}")).await?;
        let remove = browser
            .find(Locator::Css("[data-testid=detail-remove]"))
            .await?;
        eventually("removal to be blocked", || async {
            (remove.attr("aria-disabled").await.ok()?? == "true").then_some(())
        })
        .await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=remove-reason]"),
                "it has devices (1)",
            )
            .await?;
        let trash = browser
            .find(Locator::Css(&format!(
                "[data-customer-id='{id}'] [data-testid=remove]"
            )))
            .await?;
        ensure_attr(&trash, "aria-disabled", "true").await?;
        browser.screenshot("removal-blocked").await?;

        browser.open(&app, &format!("/devices/{id}")).await?;
        browser
            .button_labelled_starting("Remove Test device")
            .await?
            .click()
            .await?;
        browser.within_dialog().await?.button("Remove").await?;
        browser.wait_for_page_text("No devices.").await?;

        browser.open(&app, &format!("/customers/{id}")).await?;
        let remove = browser
            .find(Locator::Css("[data-testid=detail-remove]"))
            .await?;
        eventually("removal to be allowed", || async {
            (remove.attr("aria-disabled").await.ok()?? == "false").then_some(())
        })
        .await?;
        remove.click().await?;
        browser.wait_for_page_text("Remove Nordic Sites?").await?;
        browser.screenshot("remove-confirmation").await?;
        browser.within_dialog().await?.button("Remove").await?;
        let gone = format!("[data-customer-id='{id}']");
        eventually("the customer to leave the tree", || async {
            browser
                .client
                .find(Locator::Css(&gone))
                .await
                .is_err()
                .then_some(())
        })
        .await?;
        browser.screenshot("removed").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supporter_sees_no_edit_or_remove_actions() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    app.create_customer(&token, &root, "Quiet Reseller", "RESELLER", json!({}))
        .await;
    app.create_user(
        &token,
        &root,
        "support@root.example",
        "SUPPORTER",
        "supporter password 1",
    )
    .await;

    run_in_browser("supporter", |browser| async move {
        browser.open(&app, "/sign-in").await?;
        browser
            .sign_in(
                &app.root_name,
                "support@root.example",
                "supporter password 1",
            )
            .await?;
        browser.tree_item("Quiet Reseller", 2).await?;
        browser.link("Quiet Reseller").await?.click().await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=detail-name]"), "Quiet Reseller")
            .await?;
        browser
            .find(Locator::Css("[data-testid=general-facts]"))
            .await?;
        for absent in [
            "[data-testid=add-customer]",
            "[data-testid=edit]",
            "[data-testid=remove]",
            "[data-testid=detail-remove]",
            "[data-testid=general-form]",
            "[data-testid=change-storage-location]",
        ] {
            if browser.client.find(Locator::Css(absent)).await.is_ok() {
                bail!("a SUPPORTER must not see {absent}");
            }
        }
        // Nor the sections their role does not open.
        let tabs = browser.find(Locator::Css("nav.tabs")).await?.text().await?;
        if tabs.contains("Users") || tabs.contains("History") {
            bail!("a SUPPORTER sees {tabs:?}");
        }
        browser.screenshot("supporter").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tree_works_from_the_keyboard() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let alpha = app
        .create_customer(
            &token,
            &root,
            "Alpha Distribution",
            "DISTRIBUTOR",
            json!({}),
        )
        .await;
    app.create_customer(&token, &alpha, "Alpha One", "RESELLER", json!({}))
        .await;
    app.create_customer(&token, &root, "Beta Distribution", "DISTRIBUTOR", json!({}))
        .await;

    run_in_browser("keyboard", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        let root_item = browser.tree_item(&app.root_name, 1).await?;
        browser.tree_item("Alpha Distribution", 2).await?;
        browser
            .client
            .execute(
                "arguments[0].focus();",
                vec![serde_json::to_value(&root_item)?],
            )
            .await?;
        browser.press(Key::Down).await?;
        let alpha_item = browser.tree_item("Alpha Distribution", 2).await?;
        browser.wait_for_focus(&alpha_item).await?;
        browser.press(Key::Right).await?;
        browser.tree_item("Alpha One", 3).await?;
        ensure_attr(&alpha_item, "aria-expanded", "true").await?;
        browser.press(Key::Down).await?;
        browser
            .wait_for_focus(&browser.tree_item("Alpha One", 3).await?)
            .await?;
        browser.press(Key::Enter).await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=detail-name]"), "Alpha One")
            .await?;
        browser.screenshot("keyboard").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_by_someone_else_appear_without_a_reload() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let west = app
        .create_customer(&token, &root, "West Distribution", "DISTRIBUTOR", json!({}))
        .await;

    run_in_browser("live-updates", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        browser.tree_item("West Distribution", 2).await?;
        let status = browser.find(Locator::Css("[data-testid=live-status]")).await?;
        eventually("live updates to connect", || async {
            (status.attr("data-status").await.ok()?? == "live").then_some(())
        })
        .await?;
        // Another person, through the API: a new customer, a rename.
        app.create_customer(&token, &root, "East Distribution", "DISTRIBUTOR", json!({})).await;
        app.data(
            Some(&token),
            "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"West Distribution AG\" }) { id } }",
            json!({ "id": west }),
        )
        .await;
        browser.tree_item("East Distribution", 2).await?;
        browser.tree_item("West Distribution AG", 2).await?;
        browser.screenshot("live-updates").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_edit_says_so_and_offers_to_reload() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let id = app
        .create_customer(&token, &root, "Maple Reseller", "RESELLER", json!({}))
        .await;

    run_in_browser("conflict", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        browser.open(&app, &format!("/customers/{id}/general")).await?;
        let status = browser.find(Locator::Css("[data-testid=live-status]")).await?;
        eventually("live updates to connect", || async {
            (status.attr("data-status").await.ok()?? == "live").then_some(())
        })
        .await?;
        browser.type_into("Customer reference", "MAPLE-1").await?;
        // Meanwhile someone else renames it.
        app.data(
            Some(&token),
            "mutation($id: ID!) { updateCustomer(id: $id, input: { name: \"Maple Reseller Inc\" }) { id } }",
            json!({ "id": id }),
        )
        .await;
        browser.wait_for_text(Locator::Css("[data-testid=changed-elsewhere]"), "Someone else changed this customer").await?;
        browser.within_form("general-form").await?.button("Save").await?;
        browser.wait_for_text(Locator::Css("[data-testid=problem]"), "Someone else changed this").await?;
        browser.screenshot("conflict").await?;
        browser.within_form("general-form").await?.button("Reload").await?;
        let name = browser.field_labelled("Name").await?;
        eventually("the other person's name after reloading", || async {
            (name.prop("value").await.ok()?? == "Maple Reseller Inc").then_some(())
        })
        .await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_user_without_a_password_gives_a_set_password_link() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let id = app
        .create_customer(&token, &root, "Linden Reseller", "RESELLER", json!({}))
        .await;

    run_in_browser("users", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        browser
            .open(&app, &format!("/customers/{id}/users"))
            .await?;
        browser.button("Add user").await?.click().await?;
        browser
            .type_into("Username (e-mail)", "ops@linden.example")
            .await?;
        browser.select("Role", "Manager").await?;
        browser.within_dialog().await?.button("Save").await?;
        let link = browser
            .find(Locator::Css("[data-testid=set-password-link] input"))
            .await?;
        eventually("the one-time link", || async {
            link.prop("value")
                .await
                .ok()??
                .contains("/set-password#token=")
                .then_some(())
        })
        .await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=users]"), "ops@linden.example")
            .await?;
        browser.screenshot("users").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_changes_a_storage_location_that_others_cannot() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    // Device country DE: stored in Germany, locked at creation.
    let spree = app
        .create_customer(&token, &root, "Spree Backup", "RESELLER", json!({}))
        .await;
    let oder = app
        .create_customer(&token, &root, "Oder Distribution", "DISTRIBUTOR", json!({}))
        .await;
    let shop = app
        .create_customer(&token, &oder, "Oder Shop", "RESELLER", json!({}))
        .await;
    // A SUPERUSER, but of a customer below the root; and the root's ADMINISTRATOR.
    app.create_user(
        &token,
        &oder,
        "chief@oder.example",
        "SUPERUSER",
        "oder password 1",
    )
    .await;
    app.create_user(
        &token,
        &root,
        "deputy@root.example",
        "ADMINISTRATOR",
        "admin password 2",
    )
    .await;

    run_in_browser("storage-location", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        browser
            .open(&app, &format!("/customers/{spree}/general"))
            .await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=storage-location]"), "Germany")
            .await?;
        let change = browser.button("Change storage location").await?;
        change.click().await?;
        // The dialog says what the change does, and takes the focus.
        let dialog = browser.find(Locator::Css("dialog[open]")).await?;
        ensure_text(&dialog, "Change data storage location").await?;
        ensure_text(&dialog, "existing devices keep theirs").await?;
        let select = browser.field_labelled("New data storage location").await?;
        browser.wait_for_focus(&select).await?;
        // Keeping the current location is an error beside the field.
        browser
            .within_dialog()
            .await?
            .button("Change storage location")
            .await?;
        browser
            .wait_for_text(
                Locator::Css("#new-storage-location-error"),
                "other than the current one",
            )
            .await?;
        browser
            .select("New data storage location", "Switzerland")
            .await?;
        browser.screenshot("storage-location-dialog").await?;
        browser
            .within_dialog()
            .await?
            .button("Change storage location")
            .await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=storage-location]"),
                "Switzerland",
            )
            .await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=saved]"),
                "Data storage location changed to Switzerland.",
            )
            .await?;
        // The dialog is gone and the focus is back on the button that opened it.
        browser.wait_for_focus(&change).await?;
        let stored = app
            .data(
                Some(&token),
                "query($id: ID!) { customer(id: $id) { storageLocation { code } } }",
                json!({ "id": spree }),
            )
            .await;
        if stored["customer"]["storageLocation"]["code"] != "CH" {
            bail!("the server did not store the change: {stored}");
        }
        browser.client.refresh().await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=storage-location]"),
                "Switzerland",
            )
            .await?;
        browser.screenshot("storage-location-changed").await?;

        // Others see the location, locked, without the control: the root's ADMINISTRATOR …
        browser
            .click(Locator::Css("[data-testid=sign-out]"))
            .await?;
        browser.wait_for_sign_in_form().await?;
        browser
            .sign_in(&app.root_name, "deputy@root.example", "admin password 2")
            .await?;
        browser.tree_item(&app.root_name, 1).await?;
        browser
            .open(&app, &format!("/customers/{spree}/general"))
            .await?;
        ensure_no_storage_control(&browser, "Switzerland").await?;
        // … and a SUPERUSER below the root.
        browser
            .click(Locator::Css("[data-testid=sign-out]"))
            .await?;
        browser.wait_for_sign_in_form().await?;
        browser
            .sign_in("Oder Distribution", "chief@oder.example", "oder password 1")
            .await?;
        browser.tree_item("Oder Distribution", 1).await?;
        browser
            .open(&app, &format!("/customers/{shop}/general"))
            .await?;
        ensure_no_storage_control(&browser, "Germany").await?;
        browser.screenshot("storage-location-locked").await?;
        Ok(())
    })
    .await;
}

/// The General section is editable and shows the storage location, but not the control that
/// changes it.
async fn ensure_no_storage_control(browser: &Browser, location: &str) -> Result<()> {
    browser
        .find(Locator::Css("[data-testid=general-form]"))
        .await?;
    browser
        .wait_for_text(Locator::Css("[data-testid=storage-location]"), location)
        .await?;
    if browser
        .client
        .find(Locator::Css("[data-testid=change-storage-location]"))
        .await
        .is_ok()
    {
        bail!("only the root customer's SUPERUSERs may see the storage-location control");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_levels_and_states_filter_the_whole_subtree_and_survive_a_reload() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let elm = app
        .create_customer(&token, &root, "Elm Distribution", "DISTRIBUTOR", json!({}))
        .await;
    app.create_customer(&token, &elm, "Elm Sub", "SUB_DISTRIBUTOR", json!({}))
        .await;
    let reseller = app
        .create_customer(&token, &elm, "Elm Reseller", "RESELLER", json!({}))
        .await;
    let dental = app
        .create_customer(&token, &reseller, "Elm Dental", "END_CUSTOMER", json!({}))
        .await;
    app.create_customer(&token, &dental, "Elm Dental Site", "SITE", json!({}))
        .await;
    app.create_customer(
        &token,
        &root,
        "Oak Reseller",
        "RESELLER",
        json!({ "inTrial": true }),
    )
    .await;

    run_in_browser("filters", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        browser.check("Reseller").await?;
        browser.check("End-customer").await?;
        // Deep in the subtree too, and nothing of another level.
        browser
            .wait_for_results(&["Elm Dental", "Elm Reseller", "Oak Reseller"])
            .await?;
        browser.screenshot("filters-levels").await?;
        let url = browser.client.current_url().await?;
        if url.query() != Some("level=RESELLER,END_CUSTOMER") {
            bail!("the filters are not in the address: {url}");
        }

        // A reload keeps them.
        browser.client.refresh().await?;
        browser
            .wait_for_results(&["Elm Dental", "Elm Reseller", "Oak Reseller"])
            .await?;
        for label in ["Reseller", "End-customer"] {
            let field = browser.field_labelled(label).await?;
            if field.prop("checked").await?.as_deref() != Some("true") {
                bail!("{label} is not ticked after the reload");
            }
        }
        let site = browser.field_labelled("Site").await?;
        if site.prop("checked").await?.as_deref() == Some("true") {
            bail!("Site is ticked after the reload");
        }

        // States narrow further; opening a result keeps the filters in the address.
        browser.check("In trial").await?;
        browser.wait_for_results(&["Oak Reseller"]).await?;
        browser.link("Oak Reseller").await?.click().await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=detail-name]"), "Oak Reseller")
            .await?;
        eventually("the address to keep the filters", || async {
            let url = browser.client.current_url().await.ok()?;
            (url.path().starts_with("/customers/")
                && url.query() == Some("level=RESELLER,END_CUSTOMER&state=IN_TRIAL"))
            .then_some(())
        })
        .await?;

        // Clearing them brings the tree back.
        browser.button("Clear filters").await?.click().await?;
        browser.tree_item(&app.root_name, 1).await?;
        eventually("the address to lose the filters", || async {
            let url = browser.client.current_url().await.ok()?;
            url.query().is_none().then_some(())
        })
        .await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_failure_shows_the_error_and_try_again_loads_the_data() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let aspen = app
        .create_customer(
            &token,
            &root,
            "Aspen Distribution",
            "DISTRIBUTOR",
            json!({}),
        )
        .await;
    app.create_customer(&token, &aspen, "Aspen Shop", "RESELLER", json!({}))
        .await;
    // The browser reaches the server only through this switchable proxy.
    let proxy = Proxy::start(&app.address).await.expect("the proxy starts");

    run_in_browser("network-retry", |browser| async move {
        browser.goto(&format!("{}/sign-in", proxy.address)).await?;
        browser
            .sign_in(&app.root_name, &app.admin_user, &app.admin_password)
            .await?;
        browser.tree_item("Aspen Distribution", 2).await?;

        // The network goes away: opening a customer and expanding one both fail, saying so.
        proxy.set_up(false);
        browser.link("Aspen Distribution").await?.click().await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=customer-detail] [data-testid=problem]"),
                "Cannot reach the Canopy server",
            )
            .await?;
        browser.toggle("Expand Aspen Distribution").await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=tree-error]"),
                "Cannot reach the Canopy server",
            )
            .await?;
        browser.screenshot("network-error").await?;

        // Back again: "Try again" loads what failed.
        proxy.set_up(true);
        browser
            .within_form("customer-detail")
            .await?
            .button("Try again")
            .await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=detail-name]"),
                "Aspen Distribution",
            )
            .await?;
        browser
            .within_form("tree-error")
            .await?
            .button("Try again")
            .await?;
        browser.tree_item("Aspen Shop", 3).await?;
        if browser
            .client
            .find(Locator::Css("[data-testid=problem]"))
            .await
            .is_ok()
        {
            bail!("the error is still shown after trying again");
        }
        browser.screenshot("network-retried").await?;

        // A save while the network is away says so; "Try again" saves once it is back.
        browser.link("Company profile").await?.click().await?;
        browser.type_into("City", "Lisbon").await?;
        proxy.set_up(false);
        browser.button("Save").await?.click().await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=profile-form] [data-testid=problem]"),
                "Cannot reach the Canopy server",
            )
            .await?;
        browser.screenshot("network-save-failed").await?;
        proxy.set_up(true);
        browser
            .within_form("profile-form")
            .await?
            .button("Try again")
            .await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=saved]"), "Saved.")
            .await?;
        let saved = app
            .data(
                Some(&token),
                "query($id: ID!) { customer(id: $id) { profile { address { city } } } }",
                json!({ "id": aspen }),
            )
            .await;
        let city = &saved["customer"]["profile"]["address"]["city"];
        if city != "Lisbon" {
            bail!("the city saved after trying again is {city}");
        }
        Ok(())
    })
    .await;
}

/// The README's picture: a realistic tree and a customer's contacts (saved as
/// `target/screenshots/console.png`; `docs/screenshot.png` is a copy).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_with_a_realistic_tree() {
    let app = spawn_app().await;
    let token = app.sign_in_admin().await;
    let root = app.root_id(&token).await;
    let europe = app
        .create_customer(
            &token,
            &root,
            "EuroBackup Distribution",
            "DISTRIBUTOR",
            json!({}),
        )
        .await;
    app.create_customer(
        &token,
        &root,
        "Pacific Data Partners",
        "DISTRIBUTOR",
        json!({ "deviceCountry": "AU" }),
    )
    .await;
    app.create_customer(
        &token,
        &root,
        "Maple IT Services",
        "RESELLER",
        json!({ "deviceCountry": "CA", "inTrial": true }),
    )
    .await;
    let benelux = app
        .create_customer(
            &token,
            &europe,
            "Benelux Secure",
            "SUB_DISTRIBUTOR",
            json!({ "deviceCountry": "NL" }),
        )
        .await;
    app.create_customer(
        &token,
        &europe,
        "Alpine Systems",
        "RESELLER",
        json!({ "deviceCountry": "CH", "inTrial": true }),
    )
    .await;
    let harbour = app
        .create_customer(
            &token,
            &benelux,
            "Harbour Logistics",
            "END_CUSTOMER",
            json!({ "deviceCountry": "NL" }),
        )
        .await;
    app.create_customer(
        &token,
        &benelux,
        "Delft Dental",
        "END_CUSTOMER",
        json!({ "deviceCountry": "NL" }),
    )
    .await;
    app.create_customer(
        &token,
        &harbour,
        "Rotterdam Warehouse",
        "SITE",
        json!({ "deviceCountry": "NL" }),
    )
    .await;
    for (first, last, email) in [
        ("Ada", "Lovelace", "ada@harbour.example"),
        ("Joris", "de Vries", "joris@harbour.example"),
    ] {
        app.data(
            Some(&token),
            "mutation($c: ID!, $i: ContactInput!) { addContact(customerId: $c, input: $i) { id } }",
            json!({ "c": harbour, "i": { "firstName": first, "lastName": last, "email": email, "roles": ["TECHNICAL"] } }),
        )
        .await;
    }

    run_in_browser("console", |browser| async move {
        sign_in_as_admin(&browser, &app).await?;
        browser.toggle("Expand EuroBackup Distribution").await?;
        browser.toggle("Expand Benelux Secure").await?;
        browser.tree_item("Harbour Logistics", 4).await?;
        browser
            .open(&app, &format!("/customers/{harbour}/contacts"))
            .await?;
        browser.toggle("Expand EuroBackup Distribution").await?;
        browser.toggle("Expand Benelux Secure").await?;
        browser.tree_item("Harbour Logistics", 4).await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=contacts]"), "Joris de Vries")
            .await?;
        browser.screenshot("console").await?;
        Ok(())
    })
    .await;
}

/// A 1×1 PNG, for the logo upload.
const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x60, 0xf8, 0xcf,
    0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Starts the server, after checking that there is an app for it to serve.
async fn spawn_app() -> TestApp {
    let index = workspace_root().join("dist").join("index.html");
    assert!(
        index.is_file(),
        "{} is missing: the browser test needs the built app. Run scripts/test, which builds it \
         with Trunk before running the tests.",
        index.display()
    );
    TestApp::spawn().await
}

/// Runs `scenario` in a fresh browser, saving a screenshot when it fails, and always stopping
/// the browser and its driver.
async fn run_in_browser<F, Fut>(name: &str, scenario: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    // One Chromium at a time: on a loaded two-core machine, parallel browsers made page loads
    // outlast the timeouts. Each scenario still gets its own server and database.
    static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_BROWSER.lock().await;
    let driver = ChromeDriver::start().await.expect("chromedriver starts");
    let client = driver.connect().await.expect("a Chromium session");
    let outcome = scenario(Browser {
        client: client.clone(),
    })
    .await;
    if outcome.is_err() {
        let shot = Browser {
            client: client.clone(),
        }
        .screenshot(&format!("{name}-failure"))
        .await;
        if let Err(e) = shot {
            eprintln!("could not save a failure screenshot: {e:#}");
        }
    }
    if let Err(e) = client.close().await {
        eprintln!("could not close the browser session: {e}");
    }
    drop(driver);
    if let Err(e) = outcome {
        panic!("scenario {name} failed: {e:#}");
    }
}

/// A Chromium session, with the steps the scenarios are written in.
struct Browser {
    client: Client,
}

impl Browser {
    async fn open(&self, app: &TestApp, path: &str) -> Result<()> {
        let url = format!("{}{path}", app.address);
        self.client
            .goto(&url)
            .await
            .with_context(|| format!("opening {url}"))
    }

    /// Opens an absolute address (e.g. through a [`Proxy`]).
    async fn goto(&self, url: &str) -> Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("opening {url}"))
    }

    /// Waits until the search results are exactly these customers (in any order).
    async fn wait_for_results(&self, names: &[&str]) -> Result<()> {
        let mut wanted: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        wanted.sort();
        let count = match names.len() {
            1 => "1 customer matches.".to_owned(),
            n => format!("{n} customers match."),
        };
        let shown = eventually(&format!("the results {wanted:?}"), || async {
            let results = self
                .client
                .find(Locator::Css("[data-testid=search-results]"))
                .await
                .ok()?;
            if !results.text().await.ok()?.contains(&count) {
                return None;
            }
            let mut shown = Vec::new();
            for name in results
                .find_all(Locator::Css(".result .node-name"))
                .await
                .ok()?
            {
                shown.push(name.text().await.ok()?);
            }
            shown.sort();
            (shown == wanted).then_some(shown)
        })
        .await;
        shown.map(drop)
    }

    /// Waits until the element is there; any polling of the page goes through here.
    async fn find(&self, locator: Locator<'_>) -> Result<Element> {
        self.client
            .wait()
            .at_most(TIMEOUT)
            .every(POLL)
            .for_element(locator)
            .await
            .with_context(|| format!("waiting for {locator:?}"))
    }

    /// Clicks the element, finding it again if the page redrew it in between (as a person
    /// would simply click again).
    async fn click(&self, locator: Locator<'_>) -> Result<()> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.find(locator).await?.click().await {
                Ok(()) => return Ok(()),
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference
                        && Instant::now() < deadline =>
                {
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The input that the label with this text is for.
    async fn input_labelled(&self, label: &str) -> Result<Element> {
        let xpath = format!("//input[@id=//label[normalize-space()='{label}']/@for]");
        self.find(Locator::XPath(&xpath)).await
    }

    async fn wait_for_sign_in_form(&self) -> Result<()> {
        self.input_labelled("Customer name").await?;
        self.find(Locator::XPath("//button[normalize-space()='Sign in']"))
            .await?;
        Ok(())
    }

    async fn sign_in(&self, customer: &str, username: &str, password: &str) -> Result<()> {
        for (label, value) in [
            ("Customer name", customer),
            ("Username", username),
            ("Password", password),
        ] {
            let input = self.input_labelled(label).await?;
            input.clear().await?;
            input.send_keys(value).await?;
        }
        self.click(Locator::XPath("//button[normalize-space()='Sign in']"))
            .await
    }

    /// The form control that the label with this text is for (input, select or textarea).
    async fn field_labelled(&self, label: &str) -> Result<Element> {
        let xpath = format!("//*[@id=//label[normalize-space()='{label}']/@for]");
        self.find(Locator::XPath(&xpath)).await
    }

    /// Replaces the text of the labelled field.
    async fn type_into(&self, label: &str, text: &str) -> Result<()> {
        let field = self.field_labelled(label).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Types into a `datetime-local` field, whose parts Chromium edits one by one.
    async fn type_datetime(&self, label: &str, value: &str) -> Result<()> {
        let field = self.field_labelled(label).await?;
        // Setting the value as a person's typing would, then announcing it like typing does.
        self.client
            .execute(
                "const el = arguments[0]; el.value = arguments[1]; \
                 el.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![serde_json::to_value(&field)?, json!(value)],
            )
            .await?;
        Ok(())
    }

    /// Picks the option with this text in the labelled select.
    async fn select(&self, label: &str, option: &str) -> Result<()> {
        let xpath = format!(
            "//select[@id=//label[normalize-space()='{label}']/@for]/option[normalize-space()='{option}']"
        );
        self.click(Locator::XPath(&xpath)).await
    }

    /// Ticks the labelled checkbox.
    async fn check(&self, label: &str) -> Result<()> {
        let field = self.field_labelled(label).await?;
        if field.prop("checked").await?.as_deref() != Some("true") {
            field.click().await?;
        }
        Ok(())
    }

    /// Makes sure the labelled checkbox is ticked.
    async fn ensure_checked(&self, label: &str) -> Result<()> {
        self.check(label).await
    }

    /// Types into the labelled combobox and picks the option with this text.
    async fn choose(&self, label: &str, typed: &str, option: &str) -> Result<()> {
        self.type_into(label, typed).await?;
        let xpath = format!("//li[@role='option'][span[1][normalize-space()='{option}']]");
        self.click(Locator::XPath(&xpath)).await?;
        let field = self.field_labelled(label).await?;
        eventually(&format!("{label} to show {option}"), || async {
            (field.prop("value").await.ok()?? == option).then_some(())
        })
        .await
    }

    /// The enabled button with this text.
    async fn button(&self, text: &str) -> Result<Element> {
        let xpath = format!(
            "//button[normalize-space()='{text}' and not(@disabled)] | //summary[normalize-space()='{text}']"
        );
        self.find(Locator::XPath(&xpath)).await
    }

    /// The button whose accessible name starts with this text.
    async fn button_labelled_starting(&self, prefix: &str) -> Result<Element> {
        let xpath = format!("//button[starts-with(@aria-label, '{prefix}')]");
        self.find(Locator::XPath(&xpath)).await
    }

    /// The link with this text.
    async fn link(&self, text: &str) -> Result<Element> {
        let xpath = format!("//a[normalize-space()='{text}']");
        self.find(Locator::XPath(&xpath)).await
    }

    /// The open dialog.
    async fn within_dialog(&self) -> Result<Scoped> {
        Ok(Scoped(self.find(Locator::Css("dialog[open]")).await?))
    }

    /// The form with this `data-testid`.
    async fn within_form(&self, testid: &str) -> Result<Scoped> {
        Ok(Scoped(
            self.find(Locator::Css(&format!("[data-testid={testid}]")))
                .await?,
        ))
    }

    /// Waits until the page shows `text` somewhere.
    async fn wait_for_page_text(&self, text: &str) -> Result<Element> {
        self.wait_for_text(Locator::Css("body"), text).await
    }

    /// Waits until `element` has the keyboard focus.
    async fn wait_for_focus(&self, element: &Element) -> Result<()> {
        let wanted = element.html(false).await.unwrap_or_default();
        let element = serde_json::to_value(element)?;
        let moved = eventually("the focus to move", || async {
            let focused = self
                .client
                .execute(
                    "return document.activeElement === arguments[0];",
                    vec![element.clone()],
                )
                .await
                .ok()?;
            (focused == Value::Bool(true)).then_some(())
        })
        .await;
        if moved.is_err() {
            let active = self
                .client
                .execute(
                    "return document.activeElement.outerHTML.slice(0, 200);",
                    vec![],
                )
                .await?;
            bail!("the focus is on {active} instead of {wanted:.200}");
        }
        Ok(())
    }

    /// Presses a key on whatever has the focus.
    async fn press(&self, key: Key) -> Result<()> {
        let active = self.client.active_element().await?;
        active.send_keys(&char::from(key).to_string()).await?;
        Ok(())
    }

    /// Waits until an element contains `text` (the element may exist, empty, before).
    async fn wait_for_text(&self, locator: Locator<'_>, text: &str) -> Result<Element> {
        let element = eventually(&format!("{locator:?} to say {text:?}"), || async {
            let element = self.client.find(locator).await.ok()?;
            let shown = element.text().await.ok()?;
            shown.contains(text).then_some(element)
        })
        .await?;
        Ok(element)
    }

    async fn wait_for_url_path(&self, path: &str) -> Result<()> {
        eventually(&format!("the address to be {path}"), || async {
            let url = self.client.current_url().await.ok()?;
            (url.path() == path).then_some(())
        })
        .await
    }

    /// The tree item with this name, checking it sits at `level` of the tree.
    async fn tree_item(&self, name: &str, level: u32) -> Result<Element> {
        let xpath = format!(
            "//li[@role='treeitem' and @aria-level='{level}']\
             [div/*[@data-testid='node-name' and normalize-space()='{name}']]"
        );
        self.find(Locator::XPath(&xpath))
            .await
            .with_context(|| format!("tree item {name:?} at level {level}"))
    }

    /// Clicks the expand/collapse button with this accessible name.
    async fn toggle(&self, label: &str) -> Result<()> {
        let css = format!("button[aria-label=\"{label}\"]");
        self.click(Locator::Css(&css)).await
    }

    /// Saves the page as `target/screenshots/<name>.png`.
    async fn screenshot(&self, name: &str) -> Result<()> {
        let png = self.client.screenshot().await?;
        let dir = target_dir().join("screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("screenshot: {}", path.display());
        Ok(())
    }
}

/// Part of the page (a dialog, a form), to click a button inside it.
struct Scoped(Element);

impl Scoped {
    /// Clicks the enabled button with this text inside, waiting for it.
    async fn button(&self, text: &str) -> Result<()> {
        let xpath = format!(".//button[normalize-space()='{text}' and not(@disabled)]");
        let scope = &self.0;
        let button = eventually(&format!("the button {text:?}"), || async {
            scope.find(Locator::XPath(&xpath)).await.ok()
        })
        .await?;
        button.click().await?;
        Ok(())
    }
}

/// Polls `probe` until it returns something, for at most [`TIMEOUT`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(value) = probe().await {
            return Ok(value);
        }
        if Instant::now() > deadline {
            bail!("timed out after {TIMEOUT:?} waiting for {what}");
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn ensure_attr(element: &Element, name: &str, expected: &str) -> Result<()> {
    let actual = element.attr(name).await?;
    if actual.as_deref() != Some(expected) {
        bail!("expected {name}={expected:?}, found {actual:?}");
    }
    Ok(())
}

async fn ensure_text(element: &Element, expected: &str) -> Result<()> {
    let text = element.text().await?;
    if !text.contains(expected) {
        bail!("expected {expected:?} in {text:?}");
    }
    Ok(())
}

/// The workspace's Cargo target directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// A `chromedriver` on a free loopback port, with its own Chromium profile; killed (with the
/// browsers it started) when dropped.
struct ChromeDriver {
    process: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl ChromeDriver {
    async fn start() -> Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let process = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that dropping it also ends the Chromium it started.
            .process_group(0)
            .spawn()
            .context(
                "cannot run chromedriver: install chromium-driver (scripts/tools --browser)",
            )?;
        let driver = Self {
            process,
            port,
            profile: tempfile::tempdir()?,
        };
        let deadline = Instant::now() + TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            if Instant::now() > deadline {
                bail!("chromedriver did not listen on port {port} within {TIMEOUT:?}");
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(driver)
    }

    async fn connect(&self) -> Result<Client> {
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", self.profile.path().display()));
        let capabilities = json!({
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args }
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object");
        };
        ClientBuilder::native()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .map_err(|e| anyhow!("starting Chromium through chromedriver: {e}"))
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The negative PID names the process group made at spawn: chromedriver and its browsers.
        let group = format!("-{}", self.process.id());
        let killed = Command::new("kill").args(["-KILL", "--", &group]).status();
        if !matches!(killed, Ok(status) if status.success()) {
            let _ = self.process.kill();
        }
        let _ = self.process.wait();
    }
}

/// A TCP proxy in front of the server that a test switches off and on, as if the network went
/// away and came back. Switching off also cuts the connections the browser keeps open.
/// WebSocket upgrades are always refused: live updates would otherwise reconnect and reload the
/// page's data by themselves, and the test is about the user's "Try again".
struct Proxy {
    address: String,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: &str) -> Result<Self> {
        let upstream = upstream
            .strip_prefix("http://")
            .context("the server's address is http")?
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = format!("http://{}", listener.local_addr()?);
        let up = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let accept = tokio::spawn({
            let up = Arc::clone(&up);
            let connections = Arc::clone(&connections);
            async move {
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        continue;
                    };
                    if !up.load(Ordering::SeqCst) {
                        // Closed at once: the browser's request fails.
                        continue;
                    }
                    let upstream = upstream.clone();
                    let task = tokio::spawn(forward(client, upstream));
                    let mut open = connections.lock().unwrap();
                    open.retain(|t: &tokio::task::AbortHandle| !t.is_finished());
                    open.push(task.abort_handle());
                }
            }
        });
        Ok(Self {
            address,
            up,
            connections,
            accept,
        })
    }

    /// Lets connections through, or refuses new ones and cuts the open ones.
    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            for connection in self.connections.lock().unwrap().drain(..) {
                connection.abort();
            }
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.set_up(false);
    }
}

/// Copies one browser connection to the server and back, unless it asks for a WebSocket.
async fn forward(mut client: TcpStream, upstream: String) {
    let mut head = [0u8; 2048];
    let Ok(n) = client.peek(&mut head).await else {
        return;
    };
    let request = String::from_utf8_lossy(&head[..n]).to_ascii_lowercase();
    if request.contains("upgrade: websocket") {
        return;
    }
    let Ok(mut server) = TcpStream::connect(upstream.as_str()).await else {
        return;
    };
    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
}
