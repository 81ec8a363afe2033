//! `herd start --statsd`: the app's processes are pointed at the daemon herd actually started
//! (wherever `--statsd` flags moved it), and the daemon's own `herd.*` metrics stay out of
//! the app's output unless asked for.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_herd"))
        .arg("start")
        .args(args)
        .current_dir(dir)
        .env_remove("PORT")
        .env_remove("DD_AGENT_HOST")
        .env_remove("DD_DOGSTATSD_PORT")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The app prints what it was given, then sends a counter to exactly that address, for a
/// second (so a slow daemon start cannot lose all of it).
const APP: &str = "web: bash -c 'echo \"dd=$DD_AGENT_HOST:$DD_DOGSTATSD_PORT url=$DD_DOGSTATSD_URL statsd=$STATSD_HOST:$STATSD_PORT\"; for i in $(seq 10); do printf \"app.hits:1|c\" > /dev/udp/$DD_AGENT_HOST/$DD_DOGSTATSD_PORT; sleep 0.1; done'\n";

#[test]
fn the_app_gets_the_daemons_address_and_no_self_metrics_by_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Procfile"), APP).unwrap();
    let port = free_udp_port();
    let flags =
        format!("--statsd=--udp 127.0.0.1:{port} --http off --emit stdout --flush-interval 60s");
    let out = start(dir.path(), &["--no-timestamp", &flags]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let want =
        format!("web.1  | dd=127.0.0.1:{port} url=udp://127.0.0.1:{port} statsd=127.0.0.1:{port}");
    assert!(stdout.lines().any(|l| l == want), "{want}\n{stdout}");
    // The app's counter reached the daemon through those variables.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("statsd | ") && l.contains("\"app.hits\"")),
        "{stdout}"
    );
    assert!(!stdout.contains("\"herd.dogstatsd."), "{stdout}");
    assert!(!stdout.contains("\"herd.flush."), "{stdout}");

    let out = start(
        dir.path(),
        &["--no-timestamp", &flags, "--statsd-self-metrics"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"herd.dogstatsd.datagrams\""), "{stdout}");
}
