//! A fleet: 50 herd daemons (processes on loopback, each with its own host name and data
//! directory) remote-write to one `victoria-metrics`; for every host, `sum:m{*} by {host}`
//! asked of that host's herd equals `sum by (host) (m)` asked of `victoria-metrics`.

mod forward_peers;
mod support;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use forward_peers::{eventually, free_port, herd_query, promql, send, victoria};
use support::http::get;

const FLEET: usize = 50;

/// One herd of the fleet, killed when dropped.
struct Herd {
    child: Child,
    udp: SocketAddr,
    http: SocketAddr,
    _data: tempfile::TempDir,
}

impl Drop for Herd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn herd(host: &str, write: &str) -> Herd {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(["statsd", "--udp", "127.0.0.1:0", "--http", "127.0.0.1:0"])
        .args([
            "--hostname",
            host,
            "--flush-interval",
            "1s",
            "--workers",
            "1",
        ])
        .args(["--remote-write", write, "--data-dir"])
        .arg(data.path())
        .env_remove("DYNO")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut head = String::new();
    stderr.read_line(&mut head).unwrap();
    // Keep reading, so that a chatty daemon never blocks on a full pipe.
    std::thread::spawn(move || {
        let _ = stderr.read_to_end(&mut Vec::new());
    });
    let find = |scheme: &str| crate::support::daemon::listening_addr(&head, scheme);
    Herd {
        udp: find("udp://"),
        http: find("http://"),
        child,
        _data: data,
    }
}

#[test]
fn fifty_herds_remote_write_to_one_victoria_metrics_and_agree_per_host() {
    let Some(vmp) = victoria(free_port()) else {
        return;
    };
    let v = vmp.addr;
    let write = format!("http://{v}/api/v1/write");
    let fleet: Vec<Herd> = (0..FLEET)
        .map(|i| herd(&format!("node-{i:02}"), &write))
        .collect();
    for (i, h) in fleet.iter().enumerate() {
        // Two series per host: their sum is 3·(i + 1).
        let a = format!("m:{}|g|#shard:a", i + 1);
        let b = format!("m:{}|g|#shard:b", 2 * (i + 1));
        send(h.udp, &[&a, &b]);
    }
    let herds_sum = |i: usize, h: &Herd| -> Option<f64> {
        let answer = herd_query(h.http, "sum:m{*} by {host}");
        let (scope, points) = answer.first()?;
        assert_eq!(scope, &format!("host:node-{i:02}"));
        points.last().map(|p| p.1)
    };
    eventually("every herd stored its points", || {
        fleet
            .iter()
            .enumerate()
            .all(|(i, h)| herds_sum(i, h) == Some(3.0 * (i + 1) as f64))
    });
    eventually("victoria-metrics has every host", || {
        assert_eq!(get(v, "/internal/force_flush", &[]).status, 200);
        promql(v, "sum by (host) (m)").len() == FLEET
    });
    let vm: std::collections::HashMap<String, f64> = promql(v, "sum by (host) (m)")
        .into_iter()
        .map(|(labels, value)| (labels["host"].as_str().unwrap().to_owned(), value))
        .collect();
    for (i, h) in fleet.iter().enumerate() {
        let host = format!("node-{i:02}");
        assert_eq!(
            Some(vm[&host]),
            herds_sum(i, h),
            "{host}: victoria-metrics and herd disagree"
        );
    }
}
