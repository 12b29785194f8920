//! The real server in a child process, for tests that kill it or measure its memory: the test
//! binary runs itself again with [`DATABASE_ENV`] set, and that run's entry test (which calls
//! [`serve_if_child`]) serves the database until it is killed.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};

/// Set in the child's environment: the database it serves.
pub const DATABASE_ENV: &str = "CANOPY_CHILD_DATABASE";
/// The admin password of every child server's first start.
pub const ADMIN_PASSWORD: &str = "child server password";

/// In the child process, serves [`DATABASE_ENV`]'s database forever; elsewhere returns at once.
pub async fn serve_if_child() {
    let Ok(database_url) = std::env::var(DATABASE_ENV) else {
        return;
    };
    let mut config = canopy_server::Config::for_database(database_url);
    config.admin_password = Some(ADMIN_PASSWORD.into());
    let app = canopy_server::Application::build(config)
        .await
        .expect("child server starts");
    println!("LISTENING http://{}", app.local_addr());
    app.run_until_stopped().await.expect("child server runs");
}

/// A server running in a child process.
pub struct ChildServer {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
}

impl ChildServer {
    /// Starts the child, whose entry is the test named `entry_test` in this test binary.
    pub fn start(entry_test: &str, database_url: &str) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("the test binary"))
            .args([entry_test, "--exact", "--nocapture", "--test-threads=1"])
            .env(DATABASE_ENV, database_url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("child starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("the child prints its address")
                .expect("readable output");
            // The test harness prints "test <name> ... " on the same line first.
            if let Some((_, address)) = line.split_once("LISTENING ") {
                break address.trim().to_owned();
            }
        };
        // Keep draining the child's output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, address }
    }

    /// The child's resident memory in KiB (Linux `/proc`).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the child's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    /// Kills the child with SIGKILL and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}
