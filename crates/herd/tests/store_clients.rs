//! Datadog's own Python packages at both ends of the store: the `datadog` client sends every
//! type, and `datadog-api-client` (Datadog's API client) pointed at herd reads the answers
//! back through `/api/v1/query`. Both are installed by `.ci/setup.d`; without them these tests
//! skip (locally).

mod support;

use std::process::Command;

use support::daemon::{skip_without, Daemon};

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

const SEND: &str = r"
import sys
from datadog.dogstatsd import DogStatsd
host, port = sys.argv[1].rsplit(':', 1)
s = DogStatsd(host=host, port=int(port), disable_telemetry=True)
for _ in range(3):
    s.increment('pyq.count', tags=['team:a'])
s.increment('pyq.count', 4, tags=['team:b'])
s.gauge('pyq.gauge', 5)
s.gauge('pyq.gauge', 7)
s.histogram('pyq.hist', 10)
s.histogram('pyq.hist', 30)
for v in range(1, 101):
    s.distribution('pyq.dist', v)
s.flush()
";

/// Asks herd through Datadog's API client; prints `query<TAB>sum of points` per query.
const READ: &str = r"
import sys, time
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.v1.api.metrics_api import MetricsApi
config = Configuration(host='http://' + sys.argv[1])
config.api_key['apiKeyAuth'] = 'unused-on-loopback'
config.api_key['appKeyAuth'] = 'unused-on-loopback'
now = int(time.time())
with ApiClient(config) as client:
    api = MetricsApi(client)
    for q in sys.argv[2:]:
        r = api.query_metrics(_from=now - 600, to=now + 60, query=q)
        total = sum(p.value[1] for s in r.series for p in s.pointlist if p.value[1] is not None)
        print(q + '\t' + repr(total) + '\t' + str(len(r.series)))
";

#[test]
fn python_clients_write_and_read_through_the_store() {
    if skip_without(python_has("datadog"), "python3 with the datadog package")
        || skip_without(
            python_has("datadog_api_client"),
            "python3 with the datadog-api-client package",
        )
    {
        return;
    }
    let d = Daemon::start(&["--flush-interval", "1s"]);
    let sent = Command::new("python3")
        .args(["-c", SEND, &d.udp.unwrap().to_string()])
        .output()
        .unwrap();
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    // Two flushes: every bucket of the burst is closed and stored.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let queries = [
        "sum:pyq.count{*}.as_count()",
        "sum:pyq.count{team:b}.as_count()",
        "sum:pyq.count{*} by {team}.as_count()",
        "max:pyq.gauge{*}",
        "max:pyq.hist.max{*}",
        "sum:pyq.hist.count{*}.as_count()",
        "p50:pyq.dist{*}",
        "max:pyq.dist{*}",
    ];
    let read = Command::new("python3")
        .args(["-c", READ, &d.http.unwrap().to_string()])
        .args(queries)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&read.stdout).into_owned();
    assert!(
        read.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let answer = |q: &str| -> (f64, usize) {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{q}\t")))
            .unwrap();
        let mut f = line.split('\t').skip(1);
        (
            f.next().unwrap().parse().unwrap(),
            f.next().unwrap().parse().unwrap(),
        )
    };
    assert_eq!(answer("sum:pyq.count{*}.as_count()"), (7.0, 1));
    assert_eq!(answer("sum:pyq.count{team:b}.as_count()"), (4.0, 1));
    assert_eq!(answer("sum:pyq.count{*} by {team}.as_count()"), (7.0, 2));
    assert_eq!(answer("max:pyq.gauge{*}").0, 7.0);
    assert_eq!(answer("max:pyq.hist.max{*}").0, 30.0);
    assert_eq!(answer("sum:pyq.hist.count{*}.as_count()").0, 2.0);
    // Percentiles from the merged sketch, within its relative accuracy (1/128).
    let p50 = answer("p50:pyq.dist{*}").0;
    assert!((p50 - 50.0).abs() <= 50.0 / 100.0 + 1.0, "p50 {p50}");
    let max = answer("max:pyq.dist{*}").0;
    assert!((max - 100.0).abs() <= 1.0, "max {max}");
    assert_eq!(d.stop().code, Some(0));
}
