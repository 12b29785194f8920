//! The console in a real headless Chromium against the real server: signing in, browsing the
//! customer tree and signing out the way a person does it (find by label, click, type, read).
//!
//! Needs the app built into `dist/` (scripts/test does it) and Debian's `chromium` and
//! `chromium-driver` (scripts/tools --browser installs them).

use std::future::Future;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use canopy_tests::{workspace_root, TestApp};
use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
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

        browser.wait_for_url_path("/").await?;
        browser
            .wait_for_text(
                Locator::Css("[data-testid=current-customer]"),
                &app.root_name,
            )
            .await?;
        browser
            .wait_for_text(Locator::Css("[data-testid=current-user]"), &app.admin_user)
            .await?;
        let root = browser.tree_item(&app.root_name, 1).await?;
        ensure_attr(&root, "aria-expanded", "false").await?;
        ensure_text(&root, "2 sub-customers").await?;

        browser.toggle(&format!("Expand {}", app.root_name)).await?;
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

    async fn click(&self, locator: Locator<'_>) -> Result<()> {
        self.find(locator).await?.click().await?;
        Ok(())
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
             [div/span[@data-testid='node-name' and normalize-space()='{name}']]"
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
