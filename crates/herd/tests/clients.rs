//! Real clients no one here wrote — the Python `datadog` package's `DogStatsd` and npm
//! `hot-shots` — send every type, tags, sample rates, events and service checks; the points
//! herd flushes must follow the Datadog Agent's semantics exactly.
//! `.ci/setup.d/statsd-clients.sh` installs both; without them these tests skip (locally).

mod support;

use std::path::PathBuf;
use std::process::Command;

use serde_json::json;
use support::daemon::{skip_without, Daemon, Stopped};

fn python_has_datadog() -> bool {
    Command::new("python3")
        .args(["-c", "import datadog"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn node_modules() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/ci-node/node_modules"
    ))
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The same workload in each client: (name, what the Agent emits for it).
fn assert_agent_semantics(out: &Stopped, prefix: &str) {
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let p = |n: &str| out.point(&format!("{prefix}.{n}"));
    // Three increments of 1: sum 3 over 10 s.
    assert_eq!(
        (p("count")["type"].clone(), p("count")["value"].clone()),
        (json!("rate"), json!(0.3))
    );
    assert_eq!(p("count")["tags"], json!(["env:test", "team:a"]));
    // Two increments at rate 0.5 (client sampling forced to send): each counts 2.
    assert_eq!(p("sampled")["value"], 0.4);
    assert_eq!(p("gauge")["value"], 7.0);
    assert_eq!(p("gauge")["type"], "gauge");
    assert_eq!(p("hist.max")["value"], 30.0);
    assert_eq!(p("hist.median")["value"], 10.0);
    assert_eq!(p("hist.avg")["value"], 20.0);
    assert_eq!(
        (
            p("hist.count")["type"].clone(),
            p("hist.count")["value"].clone()
        ),
        (json!("rate"), json!(0.2))
    );
    assert_eq!(p("hist.95percentile")["value"], 30.0);
    assert_eq!(
        p("timer.max")["value"],
        250.0,
        "timers stay in milliseconds, as the Agent keeps them"
    );
    assert_eq!(p("set")["value"], 2.0);
    let dist = p("dist");
    assert_eq!(dist["type"], "sketch");
    assert_eq!(
        (
            dist["sketch"]["count"].clone(),
            dist["sketch"]["sum"].clone()
        ),
        (json!(2), json!(7.0))
    );
    assert_eq!(
        p("host")["host"],
        "db9",
        "a host: tag sets the host and is consumed"
    );
    assert_eq!(p("host")["tags"], json!([]));
    let events: Vec<_> = out.lines.iter().filter_map(|l| l.get("event")).collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["title"], format!("{prefix} deploy"));
    assert_eq!(events[0]["text"], "v2\nrolled out");
    assert_eq!(events[0]["alert_type"], "success");
    assert_eq!(events[0]["tags"], json!(["env:test"]));
    let checks: Vec<_> = out
        .lines
        .iter()
        .filter_map(|l| l.get("service_check"))
        .collect();
    assert_eq!(checks.len(), 1, "{checks:?}");
    assert_eq!(checks[0]["name"], format!("{prefix}.check"));
    assert_eq!(checks[0]["status"], 1);
    assert_eq!(checks[0]["message"], "slow");
}

const PYTHON_WORKLOAD: &str = r"
import sys
import datadog.dogstatsd.base as base
from datadog.dogstatsd import DogStatsd
base.random = lambda: 0.0  # the client samples randomly; make every sampled call send
target = sys.argv[1]
if target.startswith('/'):
    # A blocking send: the kernel queues only net.unix.max_dgram_qlen (10) datagrams, and a
    # non-blocking client drops past that before the daemon's reader is scheduled.
    s = DogStatsd(socket_path=target, disable_telemetry=True, socket_timeout=5)
else:
    host, port = target.rsplit(':', 1)
    s = DogStatsd(host=host, port=int(port), disable_telemetry=True)
for _ in range(3):
    s.increment('py.count', tags=['team:a', 'env:test'])
s.increment('py.sampled', sample_rate=0.5)
s.increment('py.sampled', sample_rate=0.5)
s.gauge('py.gauge', 5)
s.gauge('py.gauge', 7)
s.histogram('py.hist', 10)
s.histogram('py.hist', 30)
s.timing('py.timer', 250)
s.distribution('py.dist', 3)
s.distribution('py.dist', 4)
s.set('py.set', 'a'); s.set('py.set', 'b'); s.set('py.set', 'a')
s.gauge('py.host', 1, tags=['host:db9'])
s.event('py deploy', 'v2\nrolled out', alert_type='success', tags=['env:test'])
s.service_check('py.check', 1, message='slow')
s.flush()
s.close_socket()
";

#[test]
fn python_datadog_client_over_udp() {
    if skip_without(python_has_datadog(), "python3 with the datadog package") {
        return;
    }
    let d = Daemon::start(&[]);
    run(Command::new("python3").args(["-c", PYTHON_WORKLOAD, &d.udp.unwrap().to_string()]));
    assert_agent_semantics(&d.stop(), "py");
}

#[test]
fn python_datadog_client_over_uds() {
    if skip_without(python_has_datadog(), "python3 with the datadog package") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("dsd.socket");
    let d = Daemon::start(&["--uds", sock.to_str().unwrap()]);
    run(Command::new("python3").args(["-c", PYTHON_WORKLOAD, sock.to_str().unwrap()]));
    assert_agent_semantics(&d.stop(), "py");
}

const NODE_WORKLOAD: &str = r"
const StatsD = require('hot-shots');
Math.random = () => 0; // make every sampled call send
const [target, protocol] = [process.argv[1], process.argv[2]];
const opts = { protocol, errorHandler: (e) => { console.error(e); process.exit(1); } };
if (protocol === 'uds') { opts.path = target; } else {
  const i = target.lastIndexOf(':'); opts.host = target.slice(0, i); opts.port = Number(target.slice(i + 1));
}
const c = new StatsD(opts);
for (let i = 0; i < 3; i++) c.increment('js.count', 1, ['team:a', 'env:test']);
c.increment('js.sampled', 1, 0.5);
c.increment('js.sampled', 1, 0.5);
c.gauge('js.gauge', 5); c.gauge('js.gauge', 7);
c.histogram('js.hist', 10); c.histogram('js.hist', 30);
c.timing('js.timer', 250);
c.distribution('js.dist', 3); c.distribution('js.dist', 4);
c.set('js.set', 'a'); c.set('js.set', 'b'); c.set('js.set', 'a');
c.gauge('js.host', 1, ['host:db9']);
c.event('js deploy', 'v2\nrolled out', { alert_type: 'success' }, ['env:test']);
c.check('js.check', c.CHECKS.WARNING, { message: 'slow' });
c.close((err) => process.exit(err ? 1 : 0));
";

fn node_has_hot_shots() -> bool {
    node_modules().join("hot-shots").is_dir()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
}

fn node(target: &str, protocol: &str) -> Command {
    let mut cmd = Command::new("node");
    cmd.args(["-e", NODE_WORKLOAD, target, protocol])
        .env("NODE_PATH", node_modules());
    cmd
}

#[test]
fn hot_shots_over_udp() {
    if skip_without(
        node_has_hot_shots(),
        "node with hot-shots in target/ci-node",
    ) {
        return;
    }
    let d = Daemon::start(&[]);
    run(&mut node(&d.udp.unwrap().to_string(), "udp"));
    assert_agent_semantics(&d.stop(), "js");
}

#[test]
fn hot_shots_over_tcp() {
    if skip_without(
        node_has_hot_shots(),
        "node with hot-shots in target/ci-node",
    ) {
        return;
    }
    let d = Daemon::start(&["--tcp", "127.0.0.1:0"]);
    run(&mut node(&d.tcp.unwrap().to_string(), "tcp"));
    assert_agent_semantics(&d.stop(), "js");
}
