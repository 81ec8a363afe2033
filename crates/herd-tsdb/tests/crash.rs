//! `kill -9` at random moments: a child process (this test binary, re-run with an
//! environment variable) writes flushes and reports each one after `Store::write` returned
//! (synced); the parent kills it with SIGKILL at a random point, reopens the directory and
//! checks that every reported flush is there, exactly once, and nothing else but possibly the
//! one flush in flight. Windows are one hour of one-minute flushes, so kills also land in
//! sealing and checkpointing.

mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use herd_aggregate::PointKind;
use herd_tsdb::{FsyncPolicy, Options, Store};
use support::{event, point, sketch_point, T0};

const CHILD_DIR: &str = "HERD_TSDB_CRASH_DIR";
const CHILD_START: &str = "HERD_TSDB_CRASH_START";
const STEP_MS: u64 = 60_000;

fn options() -> Options {
    Options {
        fsync: FsyncPolicy::EveryFlush,
        block: Duration::from_secs(3600),
        seal_delay: Duration::from_secs(0),
        ..Options::default()
    }
}

fn flush_of(k: u64) -> herd_aggregate::Flush {
    let t = T0 + k * STEP_MS;
    let mut f = support::flush(vec![
        point("crash.a", &[], "h", PointKind::Gauge, t, k as f64),
        point(
            "crash.b",
            &["env:prod"],
            "",
            PointKind::Rate,
            t,
            k as f64 / 10.0,
        ),
        sketch_point("crash.d", &[], t, &[k as f64, 1.0]),
    ]);
    f.events
        .push(event(&format!("e{k}"), (t / 1000) as i64, &[]));
    f
}

/// The writer: runs only in the child (the variable set), writes until killed.
#[test]
fn crash_writer_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let start: u64 = std::env::var(CHILD_START).unwrap().parse().unwrap();
    let store = Store::open(&dir, options()).unwrap();
    println!("OPEN");
    for k in start.. {
        store.write(&flush_of(k)).unwrap();
        println!("SYNCED {k}");
    }
}

/// Flush numbers present in the store, checking each is whole and there once.
fn present(dir: &std::path::Path) -> BTreeSet<u64> {
    let store = Store::open(dir, options()).unwrap();
    let check = store.check();
    assert!(check.damage.is_empty(), "{:?}", check.damage);
    let mut ks = BTreeSet::new();
    let far = T0 as i64 + 1_000 * 86_400_000;
    let step = STEP_MS as i64;
    let Some((a, _)) = store.series("crash.a").first().cloned() else {
        return ks;
    };
    for b in store.read_buckets(a, T0 as i64, far, step) {
        let k = ((b.start_ms - T0 as i64) / step) as u64;
        assert_eq!((b.count, b.sum), (1, k as f64), "flush {k} of crash.a");
        ks.insert(k);
    }
    let (rate, _) = store.series("crash.b")[0].clone();
    let rates: BTreeSet<u64> = store
        .read_buckets(rate, T0 as i64, far, step)
        .iter()
        .map(|b| ((b.start_ms - T0 as i64) / step) as u64)
        .collect();
    assert_eq!(rates, ks, "crash.b has the flushes crash.a has");
    let (d, _) = store.series("crash.d")[0].clone();
    let sketches = store.read_sketches(d, T0 as i64, far, step);
    assert_eq!(sketches.len(), ks.len());
    for (t, s) in sketches {
        let k = ((t - T0 as i64) / step) as u64;
        assert!(ks.contains(&k) && s.count() == 2 && s.max() == (k as f64).max(1.0));
    }
    let events = store.events(0, i64::MAX / 2000, &[]);
    let titles: BTreeSet<String> = events.iter().map(|e| e.title.clone()).collect();
    assert_eq!(events.len(), ks.len(), "each event once");
    assert_eq!(titles, ks.iter().map(|k| format!("e{k}")).collect());
    ks
}

#[test]
fn kill_9_at_random_points_loses_no_synced_flush() {
    if std::env::var_os(CHILD_DIR).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("seed {seed}");
    let mut rng = support::Rng(seed);
    let exe = std::env::current_exe().unwrap();
    let mut expected = BTreeSet::new();
    let started = Instant::now();
    let mut kills = 0;
    while kills < 100 {
        let next = expected.last().map_or(0, |k| k + 1);
        let mut child = Command::new(&exe)
            .args([
                "crash_writer_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .env(CHILD_START, next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until the store is open, then kill after a random number of flushes or a
        // random delay, whichever comes first.
        let mut reported = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let line = rx
                .recv_timeout(deadline - Instant::now())
                .expect("the writer opens the store");
            if line.ends_with("OPEN") {
                break;
            }
        }
        let flushes = rng.below(80);
        let delay = Duration::from_micros(rng.below(60_000));
        let until = Instant::now() + delay;
        while (reported.len() as u64) < flushes {
            let Some(left) = until.checked_duration_since(Instant::now()) else {
                break;
            };
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(k) = line.strip_prefix("SYNCED ") {
                        reported.push(k.parse::<u64>().unwrap());
                    }
                }
                Err(_) => break,
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        reader.join().unwrap();
        // Lines the writer printed before it died were synced too.
        reported.extend(
            rx.try_iter()
                .filter_map(|l| l.strip_prefix("SYNCED ").map(|k| k.parse::<u64>().unwrap())),
        );
        let found = present(dir.path());
        for k in expected.iter().chain(&reported) {
            assert!(
                found.contains(k),
                "kill {kills}: synced flush {k} is missing (seed {seed})"
            );
        }
        let in_flight = reported.last().map_or(next, |k| k + 1);
        for k in &found {
            assert!(
                expected.contains(k) || reported.contains(k) || *k == in_flight,
                "kill {kills}: flush {k} was never written (seed {seed})"
            );
        }
        expected = found;
    }
    let store = Store::open(dir.path(), options()).unwrap();
    let stats = store.stats();
    println!(
        "{kills} kills in {:?}: {} flushes kept, {stats:?}",
        started.elapsed(),
        expected.len()
    );
    assert!(stats.blocks > 0, "kills crossed seals: {stats:?}");
}
