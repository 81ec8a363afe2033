//! Running the `herd` binary as a user would, and its output as one text for snapshots.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Variables from the environment running the tests that would change what herd does.
const LEAKS: [&str; 9] = [
    "PORT",
    "PS",
    "NO_COLOR",
    "FORCE_COLOR",
    "DYNO",
    "HERD_URL",
    "HERD_HTTP_TOKEN",
    "HERD_DATA_DIR",
    "DD_DOGSTATSD_PORT",
];

/// `herd` in `dir`, stdin closed, without [`LEAKS`].
pub fn herd(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_herd"));
    cmd.current_dir(dir).stdin(Stdio::null());
    for v in LEAKS {
        cmd.env_remove(v);
    }
    cmd
}

/// Runs `herd ARGS` in `dir` and collects its output.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    herd(dir).args(args).output().expect("herd runs")
}

/// Runs `herd ARGS` with `stdin` as its input.
pub fn run_with_input(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = herd(Path::new("."))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herd runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Exit code, stdout and stderr as one text, for snapshots.
pub fn transcript(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `herd roles ARGS` in `dir`.
pub fn roles(dir: &Path, args: &[&str]) -> Output {
    herd(dir)
        .arg("roles")
        .args(args)
        .output()
        .expect("herd runs")
}

/// `herd query --data-dir DIR QUERY --from -1h --format json`: each series' values summed.
pub fn query_sums(data: &Path, query: &str) -> Vec<f64> {
    let out = herd(Path::new("."))
        .args(["query", "--from", "-1h", "--format", "json", "--data-dir"])
        .arg(data)
        .arg(query)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{query}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    answer["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["pointlist"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p[1].as_f64())
                .sum()
        })
        .collect()
}
