//! The outputs of `herd statsd` that users and scripts read, kept as snapshots: every setting
//! with its default and source, the help text, every value error, and the `/metrics` families.
//! A change to any of them shows up here as a diff.

mod support;

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};

use support::daemon::Daemon;

/// `herd statsd ARGS` with only the given environment (no `DD_*` or `HERD_*` from outside).
fn statsd(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_herd"));
    cmd.arg("statsd").args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn print_config_defaults() {
    let out = statsd(&["--print-config", "--hostname", "testhost"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("print_config_defaults", stdout(&out));
}

#[test]
fn print_config_from_every_source() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("herd.toml");
    std::fs::write(
        &file,
        "tags = [\"team:a\", \"b\"]\nqueue_size = 16\nexpiry_seconds = 60\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let out = statsd(
        &[
            "--print-config",
            "--config",
            file,
            "--workers",
            "3",
            "--etsy-gauges",
        ],
        &[
            ("HERD_FLUSH_INTERVAL", "1s"),
            ("HERD_QUEUE_SIZE", "8"),
            ("DD_DOGSTATSD_PORT", "9125"),
            ("DD_DOGSTATSD_NON_LOCAL_TRAFFIC", "true"),
            ("DD_HISTOGRAM_PERCENTILES", "0.99 0.5"),
            ("DD_TAGS", "region:eu  az:b"),
            ("DYNO", "web.1"),
            ("HEROKU_APP_NAME", "shop"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(
        "print_config_every_source",
        stdout(&out).replace(file, "FILE")
    );
}

#[test]
fn help() {
    let out = statsd(&["--help"], &[]);
    assert!(out.status.success());
    insta::assert_snapshot!("statsd_help", stdout(&out));
}

#[test]
fn every_bad_value_says_key_value_source_and_what_is_allowed() {
    let cases: &[(&str, &str)] = &[
        ("--udp", "localhost"),
        ("--tcp", "nope"),
        ("--http", "8127"),
        ("--flush-interval", "soon"),
        ("--flush-interval", "3s500ms"),
        ("--flush-interval", "700ms"),
        ("--histogram-aggregates", "max,p99"),
        ("--histogram-percentiles", "95"),
        ("--expiry-seconds", "-1"),
        ("--context-limit", "many"),
        ("--buffer-size", "10"),
        ("--so-rcvbuf", "big"),
        ("--udp-readers", "two"),
        ("--workers", "x"),
        ("--queue-size", "0x10"),
        ("--overload", "wait"),
        ("--socket-mode", "999"),
        ("--max-name-len", "-"),
        ("--max-tag-len", "-"),
        ("--max-tags", "-"),
        ("--oversize", "cut"),
        ("--emit", "file"),
        ("--shutdown-timeout", "never"),
    ];
    let mut transcript = String::new();
    for (flag, value) in cases {
        let out = statsd(&[flag, value, "--print-config"], &[]);
        let _ = write!(
            transcript,
            "$ herd statsd {flag} {value}\nexit {:?}\n{}\n",
            out.status.code(),
            stderr(&out)
        );
    }
    let env = statsd(&["--print-config"], &[("DD_DOGSTATSD_BUFFER_SIZE", "huge")]);
    let _ = write!(
        transcript,
        "$ DD_DOGSTATSD_BUFFER_SIZE=huge herd statsd\nexit {:?}\n{}\n",
        env.status.code(),
        stderr(&env)
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "flush_intervall = \"1s\"\n").unwrap();
    let out = statsd(&["--config", file.to_str().unwrap()], &[]);
    let _ = write!(
        transcript,
        "$ herd statsd --config bad.toml\nexit {:?}\n{}\n",
        out.status.code(),
        stderr(&out).replace(file.to_str().unwrap(), "bad.toml")
    );
    insta::assert_snapshot!("statsd_value_errors", transcript);
}

#[test]
fn metrics_families() {
    let d = Daemon::start(&[]);
    let mut conn = TcpStream::connect(d.http.unwrap()).unwrap();
    conn.write_all(b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    conn.read_to_string(&mut body).unwrap();
    let out = d.stop();
    assert_eq!(out.code, Some(0));
    let text = body
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    insta::assert_snapshot!("metrics_families", text);
}
