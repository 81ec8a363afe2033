//! Bad things on disk: torn and corrupt log records, truncated and damaged blocks, a block
//! from a newer version, a full disk. Each gives a clear error or warning naming the file
//! (and byte offset), and never costs what was already stored.

mod support;

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

use herd_aggregate::PointKind;
use herd_tsdb::{Error, FsyncPolicy, Options, Store};
use support::{flush, point, T0};

fn write_minutes(store: &Store, from: u64, to: u64) {
    for k in from..to {
        let t = T0 + k * 60_000;
        store
            .write(&flush(vec![point(
                "m",
                &[],
                "",
                PointKind::Gauge,
                t,
                k as f64,
            )]))
            .unwrap();
    }
}

fn minutes(store: &Store) -> Vec<u64> {
    let Some((id, _)) = store.series("m").first().cloned() else {
        return Vec::new();
    };
    store
        .read_buckets(id, T0 as i64, T0 as i64 + 100 * 86_400_000, 60_000)
        .iter()
        .map(|b| {
            assert_eq!(b.count, 1);
            b.sum as u64
        })
        .collect()
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

#[test]
fn a_corrupt_log_record_and_a_torn_tail_are_skipped_with_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Options::default()).unwrap();
    write_minutes(&store, 0, 10);
    drop(store);
    let wal = files(&dir.path().join("wal"), "wal").pop().unwrap();
    let mut bytes = fs::read(&wal).unwrap();
    // Records are the snapshot and ten flushes: damage the fifth flush, tear a copy of the last.
    let starts: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|w| w.1 == b"HRec")
        .map(|w| w.0)
        .collect();
    assert_eq!(starts.len(), 11);
    let fifth = starts[5];
    bytes[fifth + 14] ^= 0x55;
    let last = bytes[starts[10]..bytes.len() - 3].to_vec();
    bytes.extend_from_slice(&last);
    fs::write(&wal, &bytes).unwrap();

    let store = Store::open(dir.path(), Options::default()).unwrap();
    assert_eq!(minutes(&store), [0, 1, 2, 3, 5, 6, 7, 8, 9]);
    let w = store.warnings();
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!(
        (w[0].path.clone(), w[0].offset),
        (wal.clone(), fifth as u64)
    );
    assert!(w[0].what.contains("checksum"), "{}", w[0]);
    assert!(w[1].what.contains("torn"), "{}", w[1]);
    assert!(w[1].to_string().contains(&wal.display().to_string()));
    // The torn tail was cut off, so new flushes follow good records.
    write_minutes(&store, 10, 12);
    drop(store);
    let store = Store::open(dir.path(), Options::default()).unwrap();
    assert_eq!(minutes(&store).len(), 11);
    assert_eq!(store.warnings().len(), 1);
}

fn sealed_store(dir: &Path) -> PathBuf {
    let store = Store::open(dir, Options::default()).unwrap();
    write_minutes(&store, 0, 200); // 3 h 20 min: one sealed 2 h window
    store.seal_due().unwrap(); // the sealing thread's work done
    assert_eq!(store.stats().blocks, 1);
    drop(store);
    files(&dir.join("blocks"), "blk").pop().unwrap()
}

#[test]
fn a_truncated_block_is_named_and_the_rest_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let block = sealed_store(dir.path());
    let len = fs::metadata(&block).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&block)
        .unwrap()
        .set_len(len - 7)
        .unwrap();
    let store = Store::open(dir.path(), Options::default()).unwrap();
    let w = store.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].path, block);
    assert!(w[0].what.contains("truncated"), "{}", w[0]);
    assert_eq!(
        minutes(&store),
        (120..200).collect::<Vec<_>>(),
        "the head is intact"
    );
    let report = store.check();
    assert_eq!(report.damage.len(), 1);
    assert_eq!(report.damage[0].path, block);
}

#[test]
fn a_damaged_block_entry_is_found_by_check_with_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let block = sealed_store(dir.path());
    let mut bytes = fs::read(&block).unwrap();
    bytes[16 + 10] ^= 0xff; // inside the first (only) entry
    fs::write(&block, &bytes).unwrap();
    let store = Store::open(dir.path(), Options::default()).unwrap();
    let report = store.check();
    assert_eq!(report.damage.len(), 1, "{:?}", report.damage);
    assert_eq!(
        (report.damage[0].path.clone(), report.damage[0].offset),
        (block.clone(), 16)
    );
    assert!(report.damage[0].what.contains("checksum"));
    // A read skips the damaged entry and says so.
    assert_eq!(minutes(&store), (120..200).collect::<Vec<_>>());
    assert_eq!(store.warnings()[0].path, block);
    assert_eq!(herd_tsdb::check_dir(dir.path()), report);
}

#[test]
fn a_block_from_a_newer_version_refuses_to_open_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let block = sealed_store(dir.path());
    let mut bytes = fs::read(&block).unwrap();
    bytes[4..8].copy_from_slice(&7u32.to_le_bytes());
    fs::write(&block, &bytes).unwrap();
    let err = Store::open(dir.path(), Options::default()).unwrap_err();
    assert!(
        matches!(&err, Error::NewerVersion { path, found: 7, .. } if *path == block),
        "{err}"
    );
    assert!(err.to_string().contains(&block.display().to_string()));
}

/// Unmounts a tmpfs when dropped.
struct Unmount(PathBuf);
impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A 1 MiB tmpfs: writes fail with a full disk, naming the file; what was stored stays.
#[test]
fn a_full_disk_refuses_writes_and_keeps_what_was_stored() {
    let mount = tempfile::tempdir().unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(mount.path())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("HERD_REQUIRE_PEERS").is_none_or(|v| v != "1"),
            "mounting a tmpfs is required (HERD_REQUIRE_PEERS=1): run as root"
        );
        eprintln!("skipped: cannot mount a tmpfs (not root?)");
        return;
    }
    let _unmount = Unmount(mount.path().to_owned());
    let dir = mount.path().join("data");
    let opts = Options {
        fsync: FsyncPolicy::EveryFlush,
        ..Options::default()
    };
    let store = Store::open(&dir, opts.clone()).unwrap();
    let mut stored = 0u64;
    let err = loop {
        // Many new series per flush, so the series log and the log both fill up.
        let t = T0 + stored * 60_000;
        let pts = (0..50u64)
            .map(|s| {
                point(
                    "m",
                    &[&format!("series:{stored}-{s}")],
                    "",
                    PointKind::Gauge,
                    t,
                    stored as f64,
                )
            })
            .collect();
        match store.write(&flush(pts)) {
            Ok(()) => stored += 1,
            Err(e) => break e,
        }
        assert!(stored < 100_000, "a 1 MiB disk never filled");
    };
    assert!(err.is_disk_full(), "{err}");
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
    // Nothing of the refused flush was kept, in memory or on disk.
    assert_eq!(store.series("m").len() as u64, stored * 50);
    drop(store);
    let store = Store::open(&dir, opts).unwrap();
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());
    assert!(store.check().damage.is_empty());
    assert_eq!(store.series("m").len() as u64, stored * 50);
    let (id, key) = store.series("m").last().cloned().unwrap();
    let k: u64 = key.tags[0]["series:".len()..]
        .split('-')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let b = store.read_buckets(id, T0 as i64, T0 as i64 + 86_400_000 * 100, 60_000);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].sum, k as f64);
}

/// A fuzz finding: an entry whose pco header claims billions of values once made the decoder
/// allocate 4 GiB. Decoders now fill a buffer of the size the block's index gives.
#[test]
fn a_lying_pco_header_allocates_nothing_large() {
    let data = include_bytes!("data/fuzz-oom-pco-header.bin");
    let (&n, body) = data.split_first().unwrap();
    // As the fuzz target calls it; returns (no abort, no huge allocation).
    let decoded = herd_tsdb::decode_entry_body(body, u32::from(n) * 7);
    assert!(decoded <= 8);
    let _ = herd_tsdb::check_block_bytes(Path::new("0-00000001.blk"), data.to_vec());
}
