//! A real `herd statsd` process for tests: started on free ports, stopped with SIGTERM.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running `herd statsd --emit stdout`.
pub struct Daemon {
    child: Reaped,
    /// Bound UDP address.
    pub udp: Option<SocketAddr>,
    /// Bound TCP address.
    pub tcp: Option<SocketAddr>,
    /// Bound HTTP address.
    pub http: Option<SocketAddr>,
    /// Unix datagram socket.
    pub uds: Option<PathBuf>,
    /// The store's data directory (removed with the daemon).
    pub data: tempfile::TempDir,
    stderr_head: String,
}

/// The daemon's process, killed and reaped if a test ends (or panics) without stopping it,
/// so that a failing test leaves no daemon behind.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// What the daemon printed once stopped.
pub struct Stopped {
    /// Exit code.
    pub code: Option<i32>,
    /// Every JSON line of standard output.
    pub lines: Vec<serde_json::Value>,
    /// Standard error.
    pub stderr: String,
    /// The store's data directory (to start again on it).
    pub data: tempfile::TempDir,
}

impl Stopped {
    /// The point objects (not herd's own `herd.*` ones).
    pub fn points(&self) -> Vec<&serde_json::Value> {
        self.lines
            .iter()
            .filter(|l| {
                l.get("metric")
                    .is_some_and(|m| !m.as_str().unwrap_or("").starts_with("herd."))
            })
            .collect()
    }

    /// The one point named `name`.
    #[track_caller]
    pub fn point(&self, name: &str) -> &serde_json::Value {
        let found: Vec<_> = self
            .points()
            .into_iter()
            .filter(|p| p["metric"] == name)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{name}: {found:?}\nall: {:#?}",
            self.points()
        );
        found[0]
    }
}

impl Daemon {
    /// Starts `herd statsd` with these extra arguments (UDP and HTTP on free ports, the
    /// store in a new temporary directory).
    pub fn start(extra: &[&str]) -> Self {
        let data = tempfile::tempdir().unwrap();
        Self::start_in(data, extra)
    }

    /// Starts `herd statsd` with its store in `data` (a directory a test reopens).
    pub fn start_in(data: tempfile::TempDir, extra: &[&str]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_herd"));
        cmd.args([
            "statsd",
            "--udp",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--emit",
            "stdout",
            "--hostname",
            "testhost",
            "--data-dir",
        ])
        .arg(data.path())
        .args(extra)
        .env_remove("DYNO")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("herd statsd starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut head = String::new();
        stderr.read_line(&mut head).unwrap();
        assert!(
            head.contains("listening on"),
            "unexpected first line: {head}"
        );
        child.stderr = Some(stderr.into_inner());
        let find = |scheme: &str| {
            head.split_whitespace()
                .find_map(|w| w.strip_prefix(scheme))
                .map(|a| {
                    a.trim_end_matches(';')
                        .trim_end_matches("/metrics")
                        .to_owned()
                })
        };
        Self {
            udp: find("udp://").map(|a| a.parse().unwrap()),
            tcp: find("tcp://").map(|a| a.parse().unwrap()),
            http: find("http://").map(|a| a.parse().unwrap()),
            uds: find("unixgram://").map(PathBuf::from),
            data,
            child: Reaped(child),
            stderr_head: head,
        }
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.0.id()
    }

    /// Sends SIGTERM and collects the output.
    pub fn stop(mut self) -> Stopped {
        // kill(1) sends the signal: no unsafe code in tests.
        let status = Command::new("kill")
            .args(["-TERM", &self.child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut out = String::new();
        self.child
            .0
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let mut err = self.stderr_head.clone();
        self.child
            .0
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let code = self.child.0.wait().unwrap().code();
        let lines = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect();
        Stopped {
            code,
            lines,
            stderr: err,
            data: self.data,
        }
    }
}

/// Whether tests that need a peer must fail rather than skip when it is missing (CI).
pub fn peers_required() -> bool {
    std::env::var_os("HERD_REQUIRE_PEERS").is_some_and(|v| v == "1")
}

/// Skips (returns true) when `what` is missing, unless CI requires it.
pub fn skip_without(available: bool, what: &str) -> bool {
    if available {
        return false;
    }
    assert!(
        !peers_required(),
        "{what} is required (HERD_REQUIRE_PEERS=1) but missing; .ci/setup.d installs it"
    );
    eprintln!("skipping: {what} is not installed");
    true
}

/// The address after `scheme` (`udp://`, `http://`) in the daemon's "listening on …" line.
#[track_caller]
pub fn listening_addr(head: &str, scheme: &str) -> SocketAddr {
    head.split_whitespace()
        .find_map(|w| w.strip_prefix(scheme))
        .map_or_else(
            || panic!("{scheme} in {head:?}"),
            |a| a.trim_end_matches(';').trim_end_matches("/metrics"),
        )
        .parse()
        .unwrap()
}
