//! Compacting a day's window blocks into one day block: every point, rollup, sketch, event
//! and check survives (property test against a naive sum, late points merged by a second
//! compaction), and `kill -9` at random moments of a compaction loses nothing and counts
//! nothing twice.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use herd_aggregate::PointKind;
use herd_tsdb::{FsyncPolicy, Options, Store, BLOCKS_DIR};
use proptest::prelude::*;
use support::{check, event, flush, point, sketch_point, T0};

const DAY: i64 = 86_400_000;
const STEPS: [i64; 7] = [10_000, 60_000, 300_000, 600_000, 3_600_000, 7_200_000, DAY];

fn block_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join(BLOCKS_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Random points (three float series, one distribution) over two and a half days in 1 h
    /// windows: after the days are compacted (and again after late points for a compacted
    /// day, and a reopen), every read equals a naive sum, merged sketches included.
    #[test]
    fn compaction_keeps_every_point_and_rollup(
        points in proptest::collection::vec((0u8..4, 0u64..21_600, -5_000i32..5_000), 1..400),
        late in proptest::collection::vec((0u8..4, 0u64..8_640, -5_000i32..5_000), 0..20),
        ranges in proptest::collection::vec((0u64..22_000, 1u64..22_000, 0usize..7), 1..8),
        reopen in any::<bool>(),
        minute_rollups in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let opts = Options {
            fsync: FsyncPolicy::Never,
            block: Duration::from_secs(3600),
            seal_delay: Duration::from_secs(3600 * 1000),
            minute_rollups,
            ..Options::default()
        };
        let mut store = Store::open(dir.path(), opts.clone()).unwrap();
        let mut naive: Vec<(u8, i64, f64)> = Vec::new();
        let write = |store: &Store, naive: &mut Vec<(u8, i64, f64)>, &(s, slot, v): &(u8, u64, i32)| {
            let t = T0 + slot * 10_000;
            let v = f64::from(v) / 10.0;
            // Series 3 is a distribution of two samples a point: v and v + 1.
            let p = if s == 3 {
                sketch_point("q", &[], t, &[v, v + 1.0])
            } else {
                point("p", &[&format!("s:{s}")], "", PointKind::Gauge, t, v)
            };
            store.write(&flush(vec![p])).unwrap();
            naive.push((s, t as i64, v));
        };
        for p in &points {
            write(&store, &mut naive, p);
        }
        store.seal(i64::MAX).unwrap();
        // Every day with points is one day block (or one window block).
        let days: std::collections::BTreeSet<i64> = naive.iter().map(|p| p.1.div_euclid(DAY)).collect();
        prop_assert_eq!(block_files(dir.path()).len(), days.len());
        // Late points for the first day: a window block beside its day block, merged by the
        // next compaction.
        for p in &late {
            write(&store, &mut naive, p);
        }
        store.seal(i64::MAX).unwrap();
        if reopen {
            drop(store);
            store = Store::open(dir.path(), opts).unwrap();
        }
        let days: std::collections::BTreeSet<i64> = naive.iter().map(|p| p.1.div_euclid(DAY)).collect();
        prop_assert_eq!(block_files(dir.path()).len(), days.len());
        prop_assert_eq!(store.stats().blocks, days.len());
        prop_assert!(store.check().damage.is_empty());
        support::buckets_equal_a_naive_reduction(&store, &naive, &ranges, &STEPS)?;
        for (id, _) in store.series("q") {
            for &(a, len, step) in &ranges {
                let step = STEPS[step];
                let from = T0 as i64 + a as i64 * 10_000;
                let to = from + len as i64 * 10_000;
                let (lo, hi) = (from.div_euclid(step) * step, (to - 1).div_euclid(step) * step + step);
                let mut want: BTreeMap<i64, (f64, u64)> = BTreeMap::new();
                for &(_, t, v) in naive.iter().filter(|p| p.0 == 3 && p.1 >= lo && p.1 < hi) {
                    let e = want.entry(t.div_euclid(step) * step).or_default();
                    e.0 += 2.0 * v + 1.0;
                    e.1 += 2;
                }
                let got = store.read_sketches(id, from, to, step);
                prop_assert_eq!(got.len(), want.len());
                for ((t, sk), (start, (sum, count))) in got.iter().zip(want) {
                    prop_assert_eq!((*t, sk.count()), (start, count));
                    prop_assert!((sk.sum() - sum).abs() < 1e-6, "{} vs {}", sk.sum(), sum);
                }
            }
        }
    }
}

// The crash test: a prepared directory holds a day at 10 s in 2 h windows, all sealed but
// the last (in the log). A child opens it and seals, which compacts the day; the parent kills
// it at a random moment, then checks the directory.

const CHILD_DIR: &str = "HERD_TSDB_COMPACT_DIR";
const SERIES: u64 = 12;

/// Options for a test that seals by hand (`Store::seal`), never on its own.
fn seal_by_hand() -> Options {
    Options {
        fsync: FsyncPolicy::Never,
        seal_delay: Duration::from_secs(3600 * 1000),
        ..Options::default()
    }
}

fn value(s: u64, i: u64) -> f64 {
    ((i * 7 + s * 13) % 50) as f64 / 10.0
}

/// Writes the day: `SERIES` gauges and a distribution at 10 s, an event and a check an
/// hour.
fn prepare(dir: &Path) {
    let store = Store::open(dir, seal_by_hand()).unwrap();
    for i in 0..8_640u64 {
        let t = T0 + i * 10_000;
        let mut pts: Vec<_> = (0..SERIES)
            .map(|s| {
                let tag = format!("s:{s}");
                point("c", &[&tag], "", PointKind::Gauge, t, value(s, i))
            })
            .collect();
        pts.push(sketch_point("d", &[], t, &[(i % 100) as f64, 1.0]));
        let mut f = flush(pts);
        if i % 360 == 0 {
            f.events
                .push(event(&format!("e{i}"), (t / 1000) as i64, &[]));
            f.checks
                .push(check("up", &format!("h{i}"), 0, (t / 1000) as i64));
        }
        store.write(&f).unwrap();
    }
    store.seal(T0 as i64 + DAY - 7_200_000).unwrap();
    store.sync().unwrap();
    assert_eq!(store.stats().blocks, 11, "the last window is in the log");
}

/// Checks that the directory holds the day exactly once, then finishes the compaction and
/// checks again.
fn verify(dir: &Path, what: &str) {
    let store = Store::open(dir, seal_by_hand()).unwrap();
    for round in 0..2 {
        let check = store.check();
        assert!(check.damage.is_empty(), "{what}: {:?}", check.damage);
        let st = store.stats();
        assert_eq!(
            st.points,
            (SERIES + 1) * 8_640 + 2 * round,
            "{what} round {round}: {st:?}"
        );
        assert_eq!(
            block_files(dir).len(),
            st.blocks,
            "{what}: superseded blocks are deleted at open"
        );
        let (from, to) = (T0 as i64, T0 as i64 + DAY);
        for (id, key) in store.series("c") {
            let s: u64 = key.tags[0][2..].parse().unwrap();
            let want: f64 = (0..8_640).map(|i| value(s, i)).sum();
            let day = store.read_buckets(id, from, to, DAY);
            assert_eq!(day.len(), 1, "{what}");
            assert_eq!(day[0].count, 8_640, "{what}");
            assert!((day[0].sum - want).abs() < 1e-6, "{what}");
            let fives = store.read_buckets(id, from, to, 300_000);
            assert!(
                fives.len() == 288 && fives.iter().all(|b| b.count == 30),
                "{what}"
            );
        }
        let (d, _) = store.series("d")[0].clone();
        let sk = store.read_sketches(d, from, to, DAY);
        assert_eq!(sk.len(), 1, "{what}");
        assert_eq!(sk[0].1.count(), 2 * 8_640, "{what}");
        let events = store.events(0, i64::MAX / 2000, &[]);
        assert_eq!(events.len(), 24, "{what}: each event once");
        assert_eq!(store.latest_checks().len(), 24, "{what}");
        if round == 0 {
            // Whatever the kill left, the next seal compacts the day: points of the next
            // day, and a seal of their window.
            for t in [T0 + 25 * 3_600_000, T0 + 25 * 3_600_000 + 60_000] {
                let p = point("other", &[], "", PointKind::Gauge, t, 1.0);
                store.write(&flush(vec![p])).unwrap();
            }
            store.seal(T0 as i64 + DAY + 7_200_000).unwrap();
            let day0: Vec<String> = block_files(dir)
                .into_iter()
                .filter(|n| n.split('-').next().unwrap().parse::<i64>().unwrap() < T0 as i64 + DAY)
                .collect();
            assert_eq!(
                day0.len(),
                1,
                "{what}: compacted after the reopen: {day0:?}"
            );
            assert!(day0[0].ends_with("-24h.blk"), "{what}: {day0:?}");
        }
    }
}

/// The compacting child: runs only with the variable set.
#[test]
fn compact_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let store = Store::open(&dir, seal_by_hand()).unwrap();
    println!("OPEN");
    store.seal(i64::MAX).unwrap();
    println!("DONE");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else if e.file_name() != "LOCK" {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Runs the child on a copy of `prepared`; kills it `kill_after` after it opened the store
/// (never, with `None`); the time from open to done (or to the kill).
fn run_child(exe: &Path, prepared: &Path, dir: &Path, kill_after: Option<Duration>) -> Duration {
    copy_dir(prepared, dir);
    let mut child = Command::new(exe)
        .args([
            "compact_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while !rx
        .recv_timeout(deadline - Instant::now())
        .expect("the child opens the store")
        .ends_with("OPEN")
    {}
    let opened = Instant::now();
    if let Some(after) = kill_after {
        std::thread::sleep(after);
        child.kill().unwrap();
    }
    child.wait().unwrap();
    let took = opened.elapsed();
    reader.join().unwrap();
    if kill_after.is_none() {
        assert!(
            rx.try_iter().any(|l| l.ends_with("DONE")),
            "the child finished"
        );
    }
    took
}

#[test]
fn kill_9_during_compaction_loses_nothing() {
    if std::env::var_os(CHILD_DIR).is_some() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let prepared = root.path().join("prepared");
    prepare(&prepared);
    // A copy of this test binary: another build in the shared target directory may replace
    // the original while the loop runs.
    let exe = root.path().join("compaction-test");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    // One run to the end: how long a seal and compaction take.
    let whole = run_child(&exe, &prepared, &root.path().join("whole"), None);
    verify(&root.path().join("whole"), "uninterrupted");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("seed {seed}, a compaction takes {whole:?}");
    let mut rng = support::Rng(seed);
    let span = whole.as_micros() as u64 * 11 / 10;
    // What the kills left: window blocks only, both (between the day block's rename and the
    // sources' deletion), the day block only.
    let mut left = [0; 3];
    for kill in 0..100 {
        let dir = root.path().join(format!("k{kill}"));
        let after = Duration::from_micros(rng.below(span));
        run_child(&exe, &prepared, &dir, Some(after));
        let names = block_files(&dir);
        let day = names.iter().any(|n| n.ends_with("-24h.blk"));
        let windows = names.iter().any(|n| !n.ends_with("-24h.blk"));
        left[usize::from(day) + usize::from(day && !windows)] += 1;
        verify(&dir, &format!("kill {kill} after {after:?} (seed {seed})"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
    println!("kills left window blocks only / both / the day block: {left:?}");

    // The narrow moment between the day block's rename and the sources' deletion, made on
    // purpose: the window blocks put back beside the day block. A reader beside a writer
    // counts the day once and deletes nothing; a writing open deletes the window blocks.
    let both = root.path().join("both");
    run_child(&exe, &prepared, &both, None);
    for e in std::fs::read_dir(prepared.join(BLOCKS_DIR)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), both.join(BLOCKS_DIR).join(e.file_name())).unwrap();
    }
    let files = block_files(&both).len();
    assert!(files >= 12, "{files}");
    let reader = Store::open_read_only(&both).unwrap();
    assert_eq!(reader.stats().points, (SERIES + 1) * 8_640);
    assert_eq!(block_files(&both).len(), files, "a reader deletes nothing");
    drop(reader);
    verify(&both, "window blocks beside their day block");
}

/// A version 1 directory (its files' headers say 1; v1 blocks have the same layout) opens
/// and reads as it is; the first compaction raises `VERSION` to 2 so that an older build
/// refuses the directory rather than miss the day block.
#[test]
fn a_version_1_directory_reads_and_is_raised_by_its_first_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let opts = seal_by_hand();
    let store = Store::open(dir.path(), opts.clone()).unwrap();
    for i in 0..8_640u64 {
        let p = point(
            "v",
            &[],
            "",
            PointKind::Rate,
            T0 + i * 10_000,
            (i % 7) as f64,
        );
        store.write(&flush(vec![p])).unwrap();
    }
    store.seal(T0 as i64 + DAY - 7_200_000).unwrap();
    drop(store);
    // Make it a version 1 directory: the version file and every file header.
    let set_v1 = |path: &Path| {
        let mut bytes = std::fs::read(path).unwrap();
        bytes[4..8].copy_from_slice(&1u32.to_le_bytes());
        std::fs::write(path, bytes).unwrap();
    };
    std::fs::write(dir.path().join("VERSION"), "herd-tsdb 1\n").unwrap();
    set_v1(&dir.path().join("series.log"));
    for sub in [BLOCKS_DIR, "wal"] {
        for e in std::fs::read_dir(dir.path().join(sub)).unwrap() {
            set_v1(&e.unwrap().path());
        }
    }
    let store = Store::open(dir.path(), opts).unwrap();
    assert!(store.check().damage.is_empty());
    let (id, _) = store.series("v")[0].clone();
    let want: f64 = (0..8_640u64).map(|i| (i % 7) as f64).sum();
    let read = |store: &Store| store.read_buckets(id, T0 as i64, T0 as i64 + DAY, DAY);
    assert_eq!(read(&store)[0].count, 8_640);
    assert!((read(&store)[0].sum - want).abs() < 1e-6);
    let version = || std::fs::read_to_string(dir.path().join("VERSION")).unwrap();
    assert_eq!(version().trim(), "herd-tsdb 1", "opening changes nothing");
    store.seal(i64::MAX).unwrap();
    assert_eq!(version().trim(), "herd-tsdb 2");
    let names = block_files(dir.path());
    assert!(
        names.len() == 1 && names[0].ends_with("-24h.blk"),
        "{names:?}"
    );
    assert_eq!(read(&store)[0].count, 8_640);
    assert!((read(&store)[0].sum - want).abs() < 1e-6);
}

/// A damaged entry in one of a day's blocks: the compaction of that day is given up with a
/// warning naming the file, nothing is replaced, the other series read as before, and the
/// day is not read again at every later seal.
#[test]
fn a_damaged_source_keeps_its_day_uncompacted_with_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let opts = seal_by_hand();
    let store = Store::open(dir.path(), opts.clone()).unwrap();
    for i in 0..1_440u64 {
        let t = T0 + i * 60_000;
        let pts = ["a", "b"]
            .iter()
            .map(|m| point(m, &[], "", PointKind::Gauge, t, 1.0))
            .collect();
        store.write(&flush(pts)).unwrap();
    }
    store.seal(T0 as i64 + DAY - 7_200_000).unwrap();
    drop(store);
    // Flip a byte inside the first entry (series "a") of the first block.
    let first = dir
        .path()
        .join(BLOCKS_DIR)
        .join(&block_files(dir.path())[0]);
    let mut bytes = std::fs::read(&first).unwrap();
    bytes[16 + 8] ^= 0x55;
    std::fs::write(&first, bytes).unwrap();
    let store = Store::open(dir.path(), opts).unwrap();
    store.seal(i64::MAX).unwrap();
    let about_first = |store: &Store| {
        store
            .warnings()
            .iter()
            .filter(|d| d.path == first || d.what.contains(&first.display().to_string()))
            .count()
    };
    assert_eq!(about_first(&store), 1, "{:?}", store.warnings());
    let names = block_files(dir.path());
    assert_eq!(names.len(), 12, "nothing replaced: {names:?}");
    let (b, _) = store.series("b")[0].clone();
    let day = store.read_buckets(b, T0 as i64, T0 as i64 + DAY, DAY);
    assert_eq!(day[0].count, 1_440);
    // A later seal (a window of the next day) does not try the damaged day again.
    let t = T0 + 86_400_000 + 60_000;
    let p = point("b", &[], "", PointKind::Gauge, t, 1.0);
    store.write(&flush(vec![p])).unwrap();
    store.seal(i64::MAX).unwrap();
    assert_eq!(about_first(&store), 1, "{:?}", store.warnings());
    assert_eq!(block_files(dir.path()).len(), 13);
}
