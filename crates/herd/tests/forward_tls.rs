//! Forwarding over HTTPS, end to end: the stand-in Datadog intake serves TLS with a server
//! certificate signed by a CA the test makes with the `openssl` command. herd trusts that CA
//! the way a user would, by naming it in `SSL_CERT_FILE`, and every point arrives; without
//! it the certificate is refused with an error that names the URL, the attempts are counted
//! and spaced by the backoff (not a tight loop), and nothing reaches the intake.

mod forward_peers;
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use forward_peers::{eventually, installed, intake_items, intake_records, intake_tls, send, Herd};
use support::daemon::skip_without;
use support::http::scrape;

/// `openssl` with `args` in `dir`, which must succeed.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`ca.pem`) and a server certificate for 127.0.0.1 it signed (`server.pem`,
/// `server.key`) in `dir`; `false` (skipped) without the `openssl` command.
fn certificates(dir: &Path) -> bool {
    if skip_without(installed("openssl"), "openssl (Debian package)") {
        return false;
    }
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=herd test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    );
    true
}

fn herd_args(url: &str) -> Vec<String> {
    [
        "--flush-interval",
        "1s",
        "--dd-api-key",
        "test-key",
        "--dd-url",
        url,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The certificates in a temporary directory and the stand-in intake serving HTTPS with them,
/// recording to `record.jsonl` there; `None` (skipped) without openssl or the intake's Python.
fn tls_intake() -> Option<(tempfile::TempDir, std::path::PathBuf, forward_peers::Peer)> {
    let dir = tempfile::tempdir().unwrap();
    if !certificates(dir.path()) {
        return None;
    }
    let record = dir.path().join("record.jsonl");
    let dd = intake_tls(
        &record,
        &dir.path().join("server.pem"),
        &dir.path().join("server.key"),
    )?;
    Some((dir, record, dd))
}

#[test]
fn a_ca_named_in_ssl_cert_file_is_trusted_and_every_point_arrives() {
    let Some((dir, record, dd)) = tls_intake() else {
        return;
    };
    let args = herd_args(&format!("https://127.0.0.1:{}", dd.addr.port()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ca = dir.path().join("ca.pem");
    let herd = Herd::start(&args, &[("SSL_CERT_FILE", ca.to_str().unwrap())]);
    for _ in 0..25 {
        send(herd.udp, &["tls.hits:2|c|#over:https"]);
    }
    send(herd.udp, &["tls.lat:5|d"]);
    let hits = |items: &[serde_json::Value]| -> f64 {
        items
            .iter()
            .filter(|i| i["metric"] == "tls.hits")
            .map(|i| i["value"].as_f64().unwrap() * i["interval"].as_f64().unwrap())
            .sum()
    };
    eventually("the points arrive over HTTPS", || {
        let items = intake_items(&record);
        hits(&items) == 50.0 && items.iter().any(|i| i["metric"] == "tls.lat")
    });
    let records = intake_records(&record);
    assert!(records.iter().all(|r| r["status"] == 202), "{records:#?}");
    let m = scrape(herd.http);
    assert_eq!(m["herd_forward_retries_total{target=\"datadog\"}"], 0);
    let said = herd.stderr.lock().unwrap().clone();
    assert!(!said.contains("forward to"), "{said}");
}

#[test]
fn an_untrusted_certificate_is_refused_naming_the_url_counted_and_spaced() {
    let Some((dir, record, dd)) = tls_intake() else {
        return;
    };
    let base = format!("https://127.0.0.1:{}", dd.addr.port());
    let args = herd_args(&base);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // A file that is not there: said, naming it, and Mozilla's roots are used, which do
    // not hold the test's CA.
    let missing = dir.path().join("no-such-ca.pem");
    let herd = Herd::start(&args, &[("SSL_CERT_FILE", missing.to_str().unwrap())]);
    let start = Instant::now();
    let url = format!("{base}/api/v2/series");
    let stderr = || herd.stderr.lock().unwrap().clone();
    while Instant::now() < start + Duration::from_secs(7) {
        send(herd.udp, &["tls.hits:1|c"]);
        std::thread::sleep(Duration::from_millis(100));
    }
    eventually("the refusal is said", || stderr().contains(&url));
    let said = stderr();
    let line = said.lines().find(|l| l.contains(&url)).unwrap();
    assert!(line.contains("certificate"), "{line}");
    assert!(line.contains("SSL_CERT_FILE"), "{line}");
    assert!(
        said.contains(&format!("SSL_CERT_FILE = {}", missing.display())),
        "{said}"
    );
    // Said once for the streak of failures, not at every attempt.
    assert_eq!(said.matches(&url).count(), 1, "{said}");
    // Counted, and spaced by the backoff (2 s, then 4 s, ...): a handful of attempts in
    // about seven seconds, not a tight loop.
    let retries = scrape(herd.http)["herd_forward_retries_total{target=\"datadog\"}"];
    assert!((1..=5).contains(&retries), "{retries} retries");
    // Nothing went through.
    assert!(intake_records(&record).is_empty());
    let m = scrape(herd.http);
    assert!(
        m["herd_forward_buffer_bytes{target=\"datadog\"}"] > 0,
        "{m:?}"
    );
}
