//! The write-ahead log: one record per flush in numbered segments `wal/<seq>.wal`, synced as
//! the [`FsyncPolicy`] says. When windows are sealed into blocks, a new segment starts with a
//! snapshot record holding what the head still has; that segment is a checkpoint, and the
//! segments before it are deleted. Opening replays the newest checkpoint and every segment
//! after it.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use herd_aggregate::{CheckRecord, EventRecord, Value};

use crate::codec::{DecodeError, Reader, Writer};
use crate::error::{AtPath, Result};
use crate::head::Sample;
use crate::key::SeriesId;
use crate::logfile::{self, LogFile};
use crate::record::Damage;

/// A segment file's magic bytes.
pub(crate) const MAGIC: [u8; 4] = *b"HWAL";
/// A segment is rotated past this size.
const SEGMENT_BYTES: u64 = 64 << 20;

/// When the log is synced to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FsyncPolicy {
    /// After every flush (one fsync per 10 s flush): a crash loses nothing written.
    #[default]
    EveryFlush,
    /// At the first flush after this much time since the last sync: a crash loses at most
    /// the flushes since then.
    Interval(Duration),
    /// Never (the system writes back when it likes): a process crash loses nothing, a power
    /// loss loses what the system had not written back.
    Never,
}

/// What a record holds: a flush, or (first in a checkpoint segment) the head's content.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) snapshot: bool,
    pub(crate) points: Vec<(SeriesId, i64, Sample)>,
    pub(crate) events: Vec<EventRecord>,
    pub(crate) checks: Vec<CheckRecord>,
}

const FLUSH: u8 = 1;
const SNAPSHOT: u8 = 2;

fn opt_str(w: &mut Writer, s: Option<&str>) {
    match s {
        None => w.u8(0),
        Some(s) => {
            w.u8(1);
            w.str(s);
        }
    }
}

fn read_opt_str(r: &mut Reader<'_>, what: &str) -> Result<Option<String>, DecodeError> {
    match r.u8(what)? {
        0 => Ok(None),
        _ => r.str(what).map(Some),
    }
}

fn tags(w: &mut Writer, tags: &[String]) {
    w.varint(tags.len() as u64);
    for t in tags {
        w.str(t);
    }
}

fn read_tags(r: &mut Reader<'_>, limit: usize) -> Result<Vec<String>, DecodeError> {
    let n = r.len(limit, "tag count")?;
    (0..n).map(|_| r.str("tag")).collect()
}

fn known(
    r: &Reader<'_>,
    s: &str,
    of: &[&'static str],
    what: &str,
) -> Result<&'static str, DecodeError> {
    of.iter()
        .find(|&&k| k == s)
        .copied()
        .ok_or_else(|| DecodeError::new(r.at, format!("unknown {what} {s:?}")))
}

pub(crate) fn encode_event(w: &mut Writer, e: &EventRecord) {
    w.str(&e.title);
    w.str(&e.text);
    w.zigzag(e.timestamp);
    w.str(&e.host);
    tags(w, &e.tags);
    w.str(e.priority);
    w.str(e.alert_type);
    opt_str(w, e.aggregation_key.as_deref());
    opt_str(w, e.source_type.as_deref());
}

pub(crate) fn decode_event(r: &mut Reader<'_>, limit: usize) -> Result<EventRecord, DecodeError> {
    let title = r.str("event title")?;
    let text = r.str("event text")?;
    let timestamp = r.zigzag("event time")?;
    let host = r.str("event host")?;
    let tags = read_tags(r, limit)?;
    let p = r.str("event priority")?;
    let priority = known(r, &p, &["normal", "low"], "event priority")?;
    let a = r.str("event alert type")?;
    let alert_type = known(
        r,
        &a,
        &["error", "warning", "info", "success"],
        "alert type",
    )?;
    Ok(EventRecord {
        title,
        text,
        timestamp,
        host,
        tags,
        priority,
        alert_type,
        aggregation_key: read_opt_str(r, "aggregation key")?,
        source_type: read_opt_str(r, "source type")?,
    })
}

pub(crate) fn encode_check(w: &mut Writer, c: &CheckRecord) {
    w.str(&c.name);
    w.u8(c.status);
    w.zigzag(c.timestamp);
    w.str(&c.host);
    tags(w, &c.tags);
    w.str(&c.message);
}

pub(crate) fn decode_check(r: &mut Reader<'_>, limit: usize) -> Result<CheckRecord, DecodeError> {
    Ok(CheckRecord {
        name: r.str("check name")?,
        status: r.u8("check status")?,
        timestamp: r.zigzag("check time")?,
        host: r.str("check host")?,
        tags: read_tags(r, limit)?,
        message: r.str("check message")?,
    })
}

/// A flush record's payload straight from a flush's points (no [`Entry`] built): `points`
/// gives each point's series, time and value; the same bytes [`Entry::encode`] writes.
pub(crate) fn encode_flush<'a>(
    points: impl ExactSizeIterator<Item = (SeriesId, i64, &'a Value)>,
    events: &[EventRecord],
    checks: &[CheckRecord],
) -> Vec<u8> {
    let mut w = Writer {
        buf: Vec::with_capacity(points.len() * 20 + 16),
    };
    w.u8(FLUSH);
    w.varint(points.len() as u64);
    for (id, t, v) in points {
        match v {
            Value::Scalar(v) => encode_point(&mut w, id, t, &Sample::Scalar(*v)),
            Value::Sketch(s) => {
                w.varint(id.0);
                w.zigzag(t);
                w.u8(1);
                w.sketch(s);
            }
        }
    }
    encode_tail(&mut w, events, checks);
    w.buf
}

fn encode_point(w: &mut Writer, id: SeriesId, t: i64, v: &Sample) {
    w.varint(id.0);
    w.zigzag(t);
    match v {
        Sample::Scalar(v) => {
            w.u8(0);
            w.f64(*v);
        }
        Sample::Sketch(s) => {
            w.u8(1);
            w.sketch(s);
        }
    }
}

fn encode_tail(w: &mut Writer, events: &[EventRecord], checks: &[CheckRecord]) {
    w.varint(events.len() as u64);
    for e in events {
        encode_event(w, e);
    }
    w.varint(checks.len() as u64);
    for c in checks {
        encode_check(w, c);
    }
}

impl Entry {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(if self.snapshot { SNAPSHOT } else { FLUSH });
        w.varint(self.points.len() as u64);
        for (id, t, v) in &self.points {
            encode_point(&mut w, *id, *t, v);
        }
        encode_tail(&mut w, &self.events, &self.checks);
        w.buf
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let snapshot = match r.u8("record type")? {
            FLUSH => false,
            SNAPSHOT => true,
            t => return Err(DecodeError::new(0, format!("unknown record type {t}"))),
        };
        let limit = bytes.len();
        let n = r.len(limit, "point count")?;
        let mut points = Vec::with_capacity(n);
        for _ in 0..n {
            let id = SeriesId(r.varint("series id")?);
            let t = r.zigzag("time")?;
            let at = r.at;
            let v = match r.u8("value type")? {
                0 => Sample::Scalar(r.f64("value")?),
                1 => Sample::Sketch(r.sketch()?),
                t => return Err(DecodeError::new(at, format!("unknown value type {t}"))),
            };
            points.push((id, t, v));
        }
        let n = r.len(limit, "event count")?;
        let events = (0..n)
            .map(|_| decode_event(&mut r, limit))
            .collect::<Result<_, _>>()?;
        let n = r.len(limit, "check count")?;
        let checks = (0..n)
            .map(|_| decode_check(&mut r, limit))
            .collect::<Result<_, _>>()?;
        if !r.is_empty() {
            return Err(DecodeError::new(r.at, "bytes after the record's end"));
        }
        Ok(Self {
            snapshot,
            points,
            events,
            checks,
        })
    }
}

/// The open log.
#[derive(Debug)]
pub(crate) struct Wal {
    dir: PathBuf,
    seq: u64,
    file: LogFile,
    policy: FsyncPolicy,
    last_sync: Instant,
    unsynced: bool,
}

/// What opening the log found: the segments to replay, in order, and damage skipped.
/// Entries are decoded and handed over one at a time by [`Replay::replay`], so a log of a
/// whole block window is never held decoded (a point decoded is ~70 bytes, logged ~18).
#[derive(Debug, Default)]
pub(crate) struct Replay {
    /// Each segment to replay, with its bytes when read ahead (a read-only open reads
    /// them before the series log; a writing one reads each as it replays it).
    segments: Vec<(PathBuf, Option<Vec<u8>>)>,
    /// A torn tail of the last segment, which a writing open cuts off before replaying.
    torn: Vec<Damage>,
    pub(crate) damage: Vec<Damage>,
    /// The number of the checkpoint segment replayed from: blocks sealed for a later
    /// checkpoint were never committed.
    pub(crate) checkpoint: u64,
}

impl Replay {
    /// Hands every good entry to `visit`, in log order; damage found is added to `damage`.
    pub(crate) fn replay(&mut self, mut visit: impl FnMut(Entry)) -> Result<()> {
        for (path, body) in std::mem::take(&mut self.segments) {
            let body = match body {
                Some(b) => b,
                None => logfile::read(&path, MAGIC)?,
            };
            let scan = logfile::scan(&path, &body);
            self.damage.extend(scan.damage);
            for (at, payload) in scan.records {
                match Entry::decode(payload) {
                    Ok(e) => visit(e),
                    Err(e) => self.damage.push(Damage {
                        path: path.clone(),
                        offset: at + crate::record::HEADER as u64 + e.at as u64,
                        what: e.what,
                    }),
                }
            }
        }
        self.damage.append(&mut self.torn);
        Ok(())
    }
}

fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:08}.wal"))
}

/// The segments in `dir`, by number.
pub(crate) fn segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).at(dir)? {
        let e = e.at(dir)?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        if let Some(seq) = name.strip_suffix(".wal").and_then(|s| s.parse().ok()) {
            out.push((seq, e.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Reads the log in `dir` without changing it: the segments, the index of the checkpoint
/// segment replay starts from, the end of the last segment's last good record, and what to
/// replay (the segments' bytes read ahead when `read_ahead`, else read again as replayed).
#[allow(clippy::type_complexity)]
pub(crate) fn load(
    dir: &Path,
    read_ahead: bool,
) -> Result<(Vec<(u64, PathBuf)>, usize, u64, Replay)> {
    let segs = segments(dir)?;
    // The newest segment starting with a snapshot; one segment's bytes held at a time.
    let mut start = 0;
    let mut last_end = logfile::FILE_HEADER;
    let mut torn = Vec::new();
    let mut ahead: Vec<Option<Vec<u8>>> = vec![None; segs.len()];
    for (i, (_, path)) in segs.iter().enumerate().rev() {
        let body = logfile::read(path, MAGIC)?;
        if i + 1 == segs.len() {
            let scan = logfile::scan(path, &body);
            last_end = scan.good_end;
            if !read_ahead {
                // Reported now: the writing open cuts it off before the segment is replayed.
                torn.extend(scan.damage.into_iter().filter(|d| d.offset >= last_end));
            }
        }
        let found = is_checkpoint(path, &body);
        if read_ahead {
            ahead[i] = Some(body);
        }
        if found {
            start = i;
            break;
        }
    }
    let replay = Replay {
        segments: segs[start..]
            .iter()
            .zip(ahead.drain(start..))
            .map(|((_, p), body)| (p.clone(), body))
            .collect(),
        torn,
        damage: Vec::new(),
        checkpoint: segs.get(start).map_or(1, |s| s.0),
    };
    Ok((segs, start, last_end, replay))
}

/// Whether a segment's first good record is a snapshot.
fn is_checkpoint(path: &Path, body: &[u8]) -> bool {
    let s = logfile::scan(path, body);
    s.records
        .first()
        .is_some_and(|&(at, p)| at == logfile::FILE_HEADER && p.first() == Some(&SNAPSHOT))
}

impl Wal {
    /// Opens (or creates) the log in `dir`, returning what to replay.
    pub(crate) fn open(dir: &Path, policy: FsyncPolicy) -> Result<(Self, Replay)> {
        fs::create_dir_all(dir).at(dir)?;
        let (segs, start, last_end, replay) = load(dir, false)?;
        let bodies = segs;
        // Segments before the checkpoint hold only what it and the blocks hold.
        for (_, path) in &bodies[..start] {
            fs::remove_file(path).at(path)?;
        }
        let file = if let Some((seq, path)) = bodies.last() {
            (*seq, LogFile::append_to(path, last_end, MAGIC)?)
        } else {
            let path = segment_path(dir, 1);
            let mut f = LogFile::create(&path, MAGIC)?;
            f.append_record(
                &Entry {
                    snapshot: true,
                    ..Entry::default()
                }
                .encode(),
            )?;
            f.sync()?;
            logfile::sync_dir(dir)?;
            (1, f)
        };
        Ok((
            Self {
                dir: dir.to_owned(),
                seq: file.0,
                file: file.1,
                policy,
                last_sync: Instant::now(),
                unsynced: false,
            },
            replay,
        ))
    }

    /// Appends one record's payload (from [`encode_flush`]); syncs as the policy says.
    pub(crate) fn append_payload(&mut self, payload: &[u8]) -> Result<()> {
        if self.file.len > SEGMENT_BYTES {
            let path = segment_path(&self.dir, self.seq + 1);
            self.sync()?;
            self.file = LogFile::create(&path, MAGIC)?;
            self.seq += 1;
            logfile::sync_dir(&self.dir)?;
        }
        self.file.append_record(payload)?;
        self.unsynced = true;
        match self.policy {
            FsyncPolicy::EveryFlush => self.sync(),
            FsyncPolicy::Interval(d) if self.last_sync.elapsed() >= d => self.sync(),
            _ => Ok(()),
        }
    }

    /// Syncs what was appended.
    pub(crate) fn sync(&mut self) -> Result<()> {
        if self.unsynced {
            self.file.sync()?;
            self.unsynced = false;
        }
        self.last_sync = Instant::now();
        Ok(())
    }

    /// Starts a checkpoint segment holding `snapshot` (synced), then deletes the older
    /// segments. Until the snapshot is synced, the old segments stay the truth.
    pub(crate) fn checkpoint(&mut self, snapshot: &Entry) -> Result<()> {
        self.sync()?;
        let path = segment_path(&self.dir, self.seq + 1);
        let mut f = LogFile::create(&path, MAGIC)?;
        let written = f.append_record(&snapshot.encode()).and_then(|()| f.sync());
        if let Err(e) = written {
            drop(f);
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        logfile::sync_dir(&self.dir)?;
        self.file = f;
        self.seq += 1;
        for (seq, old) in segments(&self.dir)? {
            if seq < self.seq {
                fs::remove_file(&old).at(&old)?;
            }
        }
        logfile::sync_dir(&self.dir)
    }

    /// The current checkpoint's number (blocks sealed for a later one are not committed).
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }
}

#[cfg(test)]
mod tests {
    use herd_aggregate::Sketch;
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// A flush encoded from its points directly is the record an `Entry` encodes, and
        /// decodes back to it.
        #[test]
        fn a_flush_encodes_as_its_entry_does(
            raw in proptest::collection::vec(
                (0u64..1_000_000, any::<i64>(), any::<f64>(), proptest::option::of(proptest::collection::vec(0.0f64..1e6, 1..5))),
                0..40,
            ),
        ) {
            let values: Vec<(SeriesId, i64, Value)> = raw
                .iter()
                .map(|(id, t, v, samples)| {
                    let value = match samples {
                        None => Value::Scalar(*v),
                        Some(xs) => {
                            let mut s = Sketch::default();
                            for &x in xs {
                                s.insert(x, 1);
                            }
                            Value::Sketch(Box::new(s))
                        }
                    };
                    (SeriesId(*id), *t, value)
                })
                .collect();
            let entry = Entry {
                snapshot: false,
                points: values
                    .iter()
                    .map(|(id, t, v)| {
                        let sample = match v {
                            Value::Scalar(x) => Sample::Scalar(*x),
                            Value::Sketch(s) => Sample::Sketch((**s).clone()),
                        };
                        (*id, *t, sample)
                    })
                    .collect(),
                events: Vec::new(),
                checks: Vec::new(),
            };
            let direct = encode_flush(values.iter().map(|(id, t, v)| (*id, *t, v)), &[], &[]);
            prop_assert_eq!(&direct, &entry.encode());
            let back = Entry::decode(&direct).unwrap();
            prop_assert_eq!(back.points.len(), entry.points.len());
            for (a, b) in back.points.iter().zip(&entry.points) {
                prop_assert_eq!(a.0, b.0);
                prop_assert_eq!(a.1, b.1);
                match (&a.2, &b.2) {
                    (Sample::Scalar(x), Sample::Scalar(y)) => prop_assert_eq!(x.to_bits(), y.to_bits()),
                    (x, y) => prop_assert_eq!(x, y),
                }
            }
        }
    }
}
