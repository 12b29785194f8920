//! The `canopy` binary as operators run it: JSON logs that name each GraphQL operation, and a
//! clean exit on SIGTERM. (The library's own tests live in the `canopy-tests` crate.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn json_logs_name_the_operation_and_sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.path().join("c.db").display()))
        .env("CANOPY_ADMIN_PASSWORD", "correct horse battery staple")
        .env("CANOPY_STATIC_DIR", dir.path())
        .env("RUST_LOG", "info")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("canopy starts");
    let (lines, received) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let next = || {
        received
            .recv_timeout(Duration::from_secs(20))
            .expect("a line")
    };

    let address = loop {
        let line = next();
        if let Some(url) = line.strip_prefix("Canopy is running at http://") {
            break url.trim().to_owned();
        }
    };
    let mut stream = TcpStream::connect(&address).unwrap();
    let body = r#"{"query":"query PingForLogs { __typename }"}"#;
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: canopy\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let logged = loop {
        let line = next();
        if line.contains("PingForLogs") {
            break line;
        }
    };
    let entry: serde_json::Value = serde_json::from_str(&logged).expect("a JSON log line");
    assert_eq!(entry["level"], "INFO", "{entry}");
    assert_eq!(entry["span"]["operation"], "PingForLogs", "{entry}");
    assert_eq!(entry["outcome"], "ok", "{entry}");
    assert!(entry["duration_ms"].is_u64(), "{entry}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = (0..100)
        .find_map(|_| {
            std::thread::sleep(Duration::from_millis(100));
            child.try_wait().unwrap()
        })
        .expect("canopy exits within 10 s of SIGTERM");
    assert!(status.success(), "exit status {status}");
}
