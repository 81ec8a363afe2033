//! Sealed blocks: one immutable file per block window (and checkpoint), holding every series
//! of the window as compressed columns, its 1-minute and 1-hour rollups, and the window's
//! events and service checks. Read with positional reads; every entry and the index carry a
//! crc32. The layout is in `docs/storage.md`.
//!
//! ```text
//! "HBLK" | version u32 | window start i64
//! entry*   (crc32 u32 | kind u8 | sections, each a varint length and bytes)
//! events   (crc32 u32 | count | events)       checks (crc32 u32 | count | checks)
//! index    (entry count | per entry: id, kind, points, first, last, offset, length |
//!           events offset, length | checks offset, length)
//! trailer  index offset u64 | index length u32 | index crc32 u32
//! ```

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use herd_aggregate::{CheckRecord, EventRecord, Sketch};

use crate::codec::{DecodeError, Reader, Writer};
use crate::encoding::{decode_f64, decode_i64, decode_u64, encode_f64, encode_i64, encode_u64};
use crate::error::{AtPath, Error, Result};
use crate::head::Window;
use crate::index::Index;
use crate::key::{Bucket, SeriesId, SeriesKind};
use crate::record::Damage;
use crate::rollup::{self, Resolution, ALL, LEVELS};
use crate::version::FORMAT_VERSION;
use crate::wal::{decode_check, decode_event, encode_check, encode_event};

/// A block file's magic bytes.
pub const MAGIC: [u8; 4] = *b"HBLK";
const HEADER: u64 = 16;
const TRAILER: u64 = 16;
/// Most points one entry may claim (a day at 1 s is 86,400): more is damage, and the bound
/// keeps a damaged count from asking for gigabytes.
const MAX_ENTRY_POINTS: u64 = 1 << 22;

/// Where one series' entry sits in a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryMeta {
    pub(crate) id: u64,
    pub(crate) kind: SeriesKind,
    pub(crate) points: u32,
    pub(crate) first_ms: i64,
    pub(crate) last_ms: i64,
    pub(crate) offset: u64,
    pub(crate) len: u32,
    /// Bytes of the entry holding the points (the rest are rollups).
    pub(crate) raw_len: u32,
}

/// An open block.
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) path: PathBuf,
    /// This block's number among those the process opened (the read cache's key).
    pub(crate) seq: u64,
    file: Source,
    pub(crate) window_start: i64,
    pub(crate) checkpoint: u64,
    /// The span of a day block (24 h); `None` for a window block (the store's window).
    pub(crate) span_ms: Option<i64>,
    /// Sorted by id.
    pub(crate) entries: Vec<EntryMeta>,
    events: (u64, u32),
    checks: (u64, u32),
    pub(crate) bytes: u64,
    /// Time of the first and last point (`i64::MAX`, `i64::MIN` for none).
    pub(crate) first_ms: i64,
    pub(crate) last_ms: i64,
}

/// Blocks opened so far by this process (each block's [`Block::seq`]).
static OPENED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A day in milliseconds: the span of a compacted block.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// The file name of a block: window start and checkpoint number.
pub(crate) fn file_name(window_start: i64, checkpoint: u64) -> String {
    format!("{window_start}-{checkpoint:08}.blk")
}

/// The file name of a day block (a UTC day's window blocks compacted into one): day start,
/// the highest checkpoint of the blocks it replaces, and its span.
pub(crate) fn day_file_name(day_start: i64, checkpoint: u64) -> String {
    format!("{day_start}-{checkpoint:08}-24h.blk")
}

/// Window start, checkpoint and (for a day block) span in ms of a block file name.
pub(crate) fn parse_full_name(name: &str) -> Option<(i64, u64, Option<i64>)> {
    let stem = name.strip_suffix(".blk")?;
    let (stem, span) = match stem.strip_suffix("-24h") {
        Some(s) => (s, Some(DAY_MS)),
        None => (stem, None),
    };
    let (start, ckpt) = stem.rsplit_once('-')?;
    Some((start.parse().ok()?, ckpt.parse().ok()?, span))
}

/// Window start and checkpoint of a block file name (window or day block).
pub(crate) fn parse_name(name: &str) -> Option<(i64, u64)> {
    parse_full_name(name).map(|(s, c, _)| (s, c))
}

fn with_crc(body: &[u8]) -> Vec<u8> {
    let mut out = crc32fast::hash(body).to_le_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// A rollup level is stored only when it holds at most a tenth as many rows as the next
/// finer level stored (or the points): coarser reads of a level not stored derive its rows
/// from that finer level, which costs at most ten rows read per row. The hour level is
/// always stored, and the 5-minute level wherever it halves the rows ([`DASHBOARD_THINNING`]).
pub(crate) const THINNING: usize = 10;

/// The 5-minute level is what a day's dashboard reads (Datadog's default interval for a
/// 1-day range): it is stored wherever it holds at most half as many rows as the next finer
/// level stored (for points a minute apart, a fifth), so that a day's query never decodes
/// the points.
pub(crate) const DASHBOARD_THINNING: usize = 2;

/// Whether a level of `rows` rows is stored above a finer level of `finer` rows.
pub(crate) fn level_stored(
    level: Resolution,
    rows: usize,
    finer: usize,
    force_minute: bool,
) -> bool {
    let thinning = match level {
        Resolution::Hour => return true,
        Resolution::Minute if force_minute => return true,
        Resolution::FiveMinutes => DASHBOARD_THINNING,
        _ => THINNING,
    };
    rows.saturating_mul(thinning) <= finer
}

/// Encodes one series' points (sorted by time) with its rollups; the bytes, and how many of
/// them (from the start) hold the points rather than the rollups.
///
/// Levels are stored by [`level_stored`] (for 10 s points: 5 minutes and 1 hour; the minute
/// rows thin the points only 6×; for points a minute apart: 5 minutes and 1 hour); a level
/// not stored has no rows and reads of it derive them.
/// `force_minute` stores the minute level whatever it thins.
pub(crate) fn encode_float_entry(points: &[(i64, f64)], force_minute: bool) -> (Vec<u8>, usize) {
    let mut w = Writer::default();
    w.u8(SeriesKind::Gauge.code()); // a float entry; the series' kind is in the index
    let ts: Vec<i64> = points.iter().map(|p| p.0).collect();
    let vs: Vec<f64> = points.iter().map(|p| p.1).collect();
    w.bytes(&encode_i64(&ts));
    w.bytes(&encode_f64(&vs));
    let raw = 4 + w.buf.len();
    let mut finer = points.len();
    for level in LEVELS {
        let mut b = rollup::buckets(points, level.ms());
        let keep = level_stored(level, b.len(), finer, force_minute);
        if keep {
            finer = b.len();
        } else {
            b.clear();
        }
        w.varint(b.len() as u64);
        w.bytes(&encode_i64(
            &b.iter().map(|b| b.start_ms).collect::<Vec<_>>(),
        ));
        w.bytes(&encode_f64(&b.iter().map(|b| b.min).collect::<Vec<_>>()));
        w.bytes(&encode_f64(&b.iter().map(|b| b.max).collect::<Vec<_>>()));
        w.bytes(&encode_f64(&b.iter().map(|b| b.sum).collect::<Vec<_>>()));
        w.bytes(&encode_u64(&b.iter().map(|b| b.count).collect::<Vec<_>>()));
    }
    (with_crc(&w.buf), raw)
}

fn sketch_blob(w: &mut Writer, sketches: &[(i64, Sketch)]) {
    w.varint(sketches.len() as u64);
    w.bytes(&encode_i64(
        &sketches.iter().map(|s| s.0).collect::<Vec<_>>(),
    ));
    let mut blob = Writer::default();
    for (_, s) in sketches {
        blob.sketch(s);
    }
    w.bytes(&blob.buf);
}

/// Encodes one sketch series' points (sorted by time) with its rollups (as
/// [`encode_float_entry`]).
pub(crate) fn encode_sketch_entry(points: &[(i64, Sketch)]) -> (Vec<u8>, usize) {
    let mut w = Writer::default();
    w.u8(SeriesKind::Sketch.code());
    sketch_blob(&mut w, points);
    let raw = 4 + w.buf.len();
    for level in LEVELS {
        sketch_blob(&mut w, &rollup::sketches(points, level.ms()));
    }
    (with_crc(&w.buf), raw)
}

/// Checks an entry's crc; its body.
pub(crate) fn entry_body(bytes: &[u8]) -> Result<&[u8], DecodeError> {
    if bytes.len() < 4 {
        return Err(DecodeError::new(0, "entry shorter than its checksum"));
    }
    let (crc, body) = bytes.split_at(4);
    if crc32fast::hash(body).to_le_bytes() != crc {
        return Err(DecodeError::new(0, "entry checksum mismatch"));
    }
    Ok(body)
}

/// A float entry's points.
pub(crate) fn decode_points(body: &[u8], points: usize) -> Result<Vec<(i64, f64)>, DecodeError> {
    let mut r = Reader::new(body);
    if r.u8("entry kind")? == SeriesKind::Sketch.code() {
        return Err(DecodeError::new(0, "not a float entry"));
    }
    let ts = decode_i64(r.bytes("times")?, points, "times")?;
    let vs = decode_f64(r.bytes("values")?, points, "values")?;
    Ok(ts.into_iter().zip(vs).collect())
}

/// Float buckets of one resolution from an entry body (raw points as one-value buckets);
/// for sketch entries, each sketch's summary. A level the entry does not store is derived
/// from the finest stored level below it (or the points): the same buckets.
pub(crate) fn decode_buckets(
    body: &[u8],
    points: usize,
    res: Resolution,
) -> Result<Vec<Bucket>, DecodeError> {
    let mut r = Reader::new(body);
    let kind = r.u8("entry kind")?;
    if kind == SeriesKind::Sketch.code() {
        return Ok(decode_sketches(body, points, res)?
            .iter()
            .map(|(t, s)| rollup::sketch_bucket(*t, s))
            .collect());
    }
    let ts = r.bytes("times")?;
    let vs = r.bytes("values")?;
    if res == Resolution::Raw {
        return Ok(decode_points(body, points)?
            .into_iter()
            .map(|(t, v)| Bucket::one(t, v))
            .collect());
    }
    // The finest stored level read so far: its rows and columns.
    let mut finer: Option<(usize, Vec<&[u8]>)> = None;
    for level in LEVELS {
        let n = r.len(points, "rollup rows")?;
        let cols: Vec<&[u8]> = (0..5)
            .map(|_| r.bytes("rollup column"))
            .collect::<Result<_, _>>()?;
        if n > 0 || points == 0 {
            if level == res {
                return rollup_rows(n, &cols);
            }
            finer = Some((n, cols));
        } else if level == res {
            // Not stored (see `encode_float_entry`): from the finest level stored, or the
            // points, which are sorted.
            if let Some((n, cols)) = &finer {
                return Ok(rollup::rebucket(&rollup_rows(*n, cols)?, res.ms()));
            }
            let ts = decode_i64(ts, points, "times")?;
            let vs = decode_f64(vs, points, "values")?;
            let p: Vec<(i64, f64)> = ts.into_iter().zip(vs).collect();
            return Ok(rollup::buckets(&p, res.ms()));
        }
    }
    unreachable!("every resolution is handled")
}

/// `n` rollup rows from their five columns.
fn rollup_rows(n: usize, cols: &[&[u8]]) -> Result<Vec<Bucket>, DecodeError> {
    let starts = decode_i64(cols[0], n, "rollup starts")?;
    let min = decode_f64(cols[1], n, "rollup min")?;
    let max = decode_f64(cols[2], n, "rollup max")?;
    let sum = decode_f64(cols[3], n, "rollup sum")?;
    let count = decode_u64(cols[4], n, "rollup count")?;
    Ok((0..n)
        .map(|i| Bucket {
            start_ms: starts[i],
            min: min[i],
            max: max[i],
            sum: sum[i],
            count: count[i],
        })
        .collect())
}

fn read_sketch_blob(r: &mut Reader<'_>, limit: usize) -> Result<Vec<(i64, Sketch)>, DecodeError> {
    let n = r.len(limit, "sketch rows")?;
    let ts = decode_i64(r.bytes("sketch times")?, n, "sketch times")?;
    let mut blob = Reader::new(r.bytes("sketches")?);
    let mut out = Vec::with_capacity(n);
    for t in ts {
        out.push((t, blob.sketch()?));
    }
    Ok(out)
}

/// Sketches of one resolution from a sketch entry's body.
pub(crate) fn decode_sketches(
    body: &[u8],
    points: usize,
    res: Resolution,
) -> Result<Vec<(i64, Sketch)>, DecodeError> {
    let mut r = Reader::new(body);
    if r.u8("entry kind")? != SeriesKind::Sketch.code() {
        return Err(DecodeError::new(0, "not a sketch entry"));
    }
    for level in ALL {
        let rows = read_sketch_blob(&mut r, points)?;
        if level == Resolution::Raw && rows.len() != points {
            return Err(DecodeError::new(
                0,
                format!("{} sketches where {points} were expected", rows.len()),
            ));
        }
        if level == res {
            return Ok(rows);
        }
    }
    unreachable!("every resolution is handled")
}

/// Writes the window's series, events and checks as a block file, synced; the caller
/// syncs the directory. A failure leaves no file behind.
pub(crate) fn write(
    dir: &Path,
    window_start: i64,
    checkpoint: u64,
    window: &Window,
    index: &Index,
    force_minute: bool,
) -> Result<Block> {
    let mut out = BlockWriter::create(dir.join(file_name(window_start, checkpoint)), window_start)?;
    for (id, chunk) in window.series() {
        let kind = index.kind(id).unwrap_or(SeriesKind::Gauge);
        if kind == SeriesKind::Sketch {
            let mut p = chunk.sketches();
            p.sort_by_key(|x| x.0);
            out.sketch_entry(id, &p)?;
        } else {
            let mut p = chunk.points();
            p.sort_by_key(|x| x.0);
            out.float_entry(id, kind, &p, force_minute)?;
        }
    }
    out.finish(&window.events, &window.checks)
}

/// Writes a block file entry by entry (ids increasing) into `<name>.tmp`; [`finish`] syncs
/// it and renames it into place. Dropped unfinished (an error), it removes its file.
///
/// [`finish`]: BlockWriter::finish
pub(crate) struct BlockWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
    at: u64,
    entries: u64,
    last_id: Option<u64>,
    index: Writer,
}

impl BlockWriter {
    /// Starts the block file `path` (written as `path.tmp` until finished).
    pub(crate) fn create(path: PathBuf, window_start: i64) -> Result<Self> {
        let tmp = path.with_extension("blk.tmp");
        let file = File::create(&tmp).at(&tmp)?;
        let mut w = Self {
            path,
            tmp,
            out: Some(BufWriter::with_capacity(1 << 20, file)),
            at: 0,
            entries: 0,
            last_id: None,
            index: Writer::default(),
        };
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        header.extend_from_slice(&window_start.to_le_bytes());
        w.put(&header)?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<u64> {
        let start = self.at;
        let out = self.out.as_mut().expect("an unfinished writer");
        out.write_all(bytes).at(&self.tmp)?;
        self.at += bytes.len() as u64;
        Ok(start)
    }

    fn entry(
        &mut self,
        id: SeriesId,
        kind: SeriesKind,
        times: (usize, i64, i64),
        encoded: (Vec<u8>, usize),
    ) -> Result<()> {
        assert!(
            self.last_id.is_none_or(|l| l < id.0),
            "block entries in id order"
        );
        self.last_id = Some(id.0);
        let (bytes, raw) = encoded;
        let offset = self.put(&bytes)?;
        let ix = &mut self.index;
        ix.varint(id.0);
        ix.u8(kind.code());
        ix.varint(times.0 as u64);
        ix.zigzag(times.1);
        ix.zigzag(times.2);
        ix.varint(offset);
        ix.varint(bytes.len() as u64);
        ix.varint(raw as u64);
        self.entries += 1;
        Ok(())
    }

    /// Adds a float series' points (sorted by time, at least one) with its rollups.
    pub(crate) fn float_entry(
        &mut self,
        id: SeriesId,
        kind: SeriesKind,
        points: &[(i64, f64)],
        force_minute: bool,
    ) -> Result<()> {
        let times = (points.len(), points[0].0, points[points.len() - 1].0);
        self.entry(id, kind, times, encode_float_entry(points, force_minute))
    }

    /// Adds a sketch series' points (sorted by time, at least one) with its rollups.
    pub(crate) fn sketch_entry(&mut self, id: SeriesId, points: &[(i64, Sketch)]) -> Result<()> {
        let times = (points.len(), points[0].0, points[points.len() - 1].0);
        self.entry(id, SeriesKind::Sketch, times, encode_sketch_entry(points))
    }

    /// Writes the events, checks, index and trailer, syncs the file and renames it into
    /// place (the caller syncs the directory); the block, opened.
    pub(crate) fn finish(
        mut self,
        events: &[EventRecord],
        checks: &[CheckRecord],
    ) -> Result<Block> {
        let mut ev = Writer::default();
        ev.varint(events.len() as u64);
        for e in events {
            encode_event(&mut ev, e);
        }
        let mut ck = Writer::default();
        ck.varint(checks.len() as u64);
        for c in checks {
            encode_check(&mut ck, c);
        }
        let mut ix = Writer::default();
        ix.varint(self.entries);
        ix.buf
            .extend_from_slice(&std::mem::take(&mut self.index.buf));
        for section in [with_crc(&ev.buf), with_crc(&ck.buf)] {
            let offset = self.put(&section)?;
            ix.varint(offset);
            ix.varint(section.len() as u64);
        }
        let index_offset = self.put(&ix.buf)?;
        let mut trailer = index_offset.to_le_bytes().to_vec();
        trailer.extend_from_slice(&(ix.buf.len() as u32).to_le_bytes());
        trailer.extend_from_slice(&crc32fast::hash(&ix.buf).to_le_bytes());
        self.put(&trailer)?;
        let out = self.out.take().expect("an unfinished writer");
        let file = out
            .into_inner()
            .map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        file.sync_all().at(&self.tmp)?;
        drop(file);
        fs::rename(&self.tmp, &self.path).at(&self.path)?;
        open(&self.path)
    }
}

impl Drop for BlockWriter {
    fn drop(&mut self) {
        if self.out.is_some() || self.tmp.exists() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Where a block's bytes are read from: its file (positional reads), or memory (for
/// checking bytes that are not a file, as the fuzz target does).
#[derive(Debug)]
enum Source {
    File(File),
    Memory(Vec<u8>),
}

impl Source {
    fn size(&self, path: &Path) -> Result<u64> {
        match self {
            Self::File(f) => Ok(f.metadata().at(path)?.len()),
            Self::Memory(m) => Ok(m.len() as u64),
        }
    }
}

fn read_at(file: &Source, path: &Path, offset: u64, len: u64) -> Result<Vec<u8>> {
    match file {
        Source::File(f) => {
            let mut buf = vec![0; len as usize];
            f.read_exact_at(&mut buf, offset).at(path)?;
            Ok(buf)
        }
        Source::Memory(m) => offset
            .checked_add(len)
            .filter(|&end| end <= m.len() as u64)
            .map(|end| m[offset as usize..end as usize].to_vec())
            .ok_or_else(|| Error::corrupt(path, offset, format!("{len} bytes past the end"))),
    }
}

/// Decodes `body` as the body of one block entry (past its checksum) of `points` points, at
/// every resolution, as float and as sketch entry: for the fuzz target, so that decoders are
/// reached without a matching checksum. The number of resolutions that decoded.
#[doc(hidden)]
pub fn decode_entry_body(body: &[u8], points: u32) -> usize {
    let n = (u64::from(points).min(MAX_ENTRY_POINTS)) as usize;
    ALL.into_iter()
        .map(|r| {
            usize::from(decode_buckets(body, n, r).is_ok())
                + usize::from(decode_sketches(body, n, r).is_ok())
        })
        .sum()
}

/// Opens block bytes held in memory, as if they were the file `path`, and verifies every
/// checksum and column: the damage found (empty for a good block). Never panics, whatever
/// the bytes.
pub fn check_block_bytes(path: &Path, bytes: Vec<u8>) -> Vec<Damage> {
    match open_source(path, Source::Memory(bytes)) {
        Ok(b) => b.verify(),
        Err(e) => vec![to_damage(path, 0, e)],
    }
}

/// Opens a block, reading its header, trailer and index.
pub(crate) fn open(path: &Path) -> Result<Block> {
    open_source(path, Source::File(File::open(path).at(path)?))
}

fn open_source(path: &Path, file: Source) -> Result<Block> {
    let size = file.size(path)?;
    let (window_start, checkpoint, span_ms) = path
        .file_name()
        .and_then(|n| parse_full_name(&n.to_string_lossy()))
        .ok_or_else(|| {
            Error::corrupt(
                path,
                0,
                "not a block file name (<window start>-<checkpoint>[-24h].blk)",
            )
        })?;
    if size < HEADER + TRAILER {
        return Err(Error::corrupt(
            path,
            0,
            format!("truncated block: {size} bytes, less than a header and a trailer"),
        ));
    }
    let header = read_at(&file, path, 0, HEADER)?;
    if header[..4] != MAGIC {
        return Err(Error::corrupt(
            path,
            0,
            "not a block file (bad magic number)",
        ));
    }
    let version = u32::from_le_bytes(header[4..8].try_into().expect("four bytes"));
    if version > FORMAT_VERSION {
        return Err(Error::NewerVersion {
            path: path.to_owned(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let trailer = read_at(&file, path, size - TRAILER, TRAILER)?;
    let index_offset = u64::from_le_bytes(trailer[..8].try_into().expect("eight bytes"));
    let index_len = u64::from(u32::from_le_bytes(
        trailer[8..12].try_into().expect("four bytes"),
    ));
    let crc = u32::from_le_bytes(trailer[12..].try_into().expect("four bytes"));
    if index_offset < HEADER || index_offset.saturating_add(index_len) != size - TRAILER {
        return Err(Error::corrupt(path, size - TRAILER, format!(
            "truncated or damaged block: the trailer's index ({index_offset}, {index_len} bytes) does not end where the trailer starts"
        )));
    }
    let ix = read_at(&file, path, index_offset, index_len)?;
    if crc32fast::hash(&ix) != crc {
        return Err(Error::corrupt(
            path,
            index_offset,
            "index checksum mismatch",
        ));
    }
    let corrupt = |e: DecodeError| Error::corrupt(path, index_offset + e.at as u64, e.what);
    let mut r = Reader::new(&ix);
    let n = r.len(ix.len(), "entry count").map_err(corrupt)?;
    let mut entries = Vec::with_capacity(n);
    let section = |r: &mut Reader<'_>, what: &str| -> Result<(u64, u32), DecodeError> {
        let at = r.at;
        let offset = r.varint(what)?;
        let len = r.varint(what)?;
        if offset < HEADER || offset.saturating_add(len) > index_offset || len > u64::from(u32::MAX)
        {
            return Err(DecodeError::new(
                at,
                format!("{what} ({offset}, {len} bytes) outside the data"),
            ));
        }
        Ok((offset, len as u32))
    };
    for _ in 0..n {
        let id = r.varint("series id").map_err(corrupt)?;
        let at = r.at;
        let kind = SeriesKind::from_code(r.u8("kind").map_err(corrupt)?)
            .ok_or_else(|| corrupt(DecodeError::new(at, "unknown series kind")))?;
        let points = r.varint("point count").map_err(corrupt)?;
        let first_ms = r.zigzag("first time").map_err(corrupt)?;
        let last_ms = r.zigzag("last time").map_err(corrupt)?;
        let (offset, len) = section(&mut r, "entry").map_err(corrupt)?;
        let raw_len = r.len(len as usize, "points length").map_err(corrupt)? as u32;
        if points == 0 || points > MAX_ENTRY_POINTS {
            return Err(corrupt(DecodeError::new(
                at,
                format!("point count {points} out of range"),
            )));
        }
        let points = points as u32;
        if entries.last().is_some_and(|e: &EntryMeta| e.id >= id) {
            return Err(corrupt(DecodeError::new(at, "series ids not increasing")));
        }
        entries.push(EntryMeta {
            id,
            kind,
            points,
            first_ms,
            last_ms,
            offset,
            len,
            raw_len,
        });
    }
    let events = section(&mut r, "events").map_err(corrupt)?;
    let checks = section(&mut r, "checks").map_err(corrupt)?;
    let first_ms = entries.iter().map(|e| e.first_ms).min().unwrap_or(i64::MAX);
    let last_ms = entries.iter().map(|e| e.last_ms).max().unwrap_or(i64::MIN);
    Ok(Block {
        path: path.to_owned(),
        seq: OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        file,
        window_start,
        checkpoint,
        span_ms,
        entries,
        events,
        checks,
        bytes: size,
        first_ms,
        last_ms,
    })
}

impl Block {
    /// Where the block's window ends: a day block's day, else `block_ms` (the store's
    /// window) after its start.
    pub(crate) fn end_ms(&self, block_ms: i64) -> i64 {
        self.window_start
            .saturating_add(self.span_ms.unwrap_or(block_ms))
    }

    /// The entry of `id`.
    pub(crate) fn entry(&self, id: SeriesId) -> Option<&EntryMeta> {
        self.entries
            .binary_search_by_key(&id.0, |e| e.id)
            .ok()
            .map(|i| &self.entries[i])
    }

    /// `len` bytes at `offset`, unchecked (a run of adjacent entries read at once; each is
    /// checked with [`entry_body`]).
    pub(crate) fn read_span(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        read_at(&self.file, &self.path, offset, len)
    }

    /// An entry's checked body.
    pub(crate) fn read(&self, e: &EntryMeta) -> Result<Vec<u8>> {
        let bytes = read_at(&self.file, &self.path, e.offset, u64::from(e.len))?;
        entry_body(&bytes).map_err(|d| Error::corrupt(&self.path, e.offset, d.what))?;
        Ok(bytes[4..].to_vec())
    }

    /// Names damage in an entry (at `e.offset` + the decoder's offset).
    pub(crate) fn damage(&self, e: &EntryMeta, d: &DecodeError) -> Damage {
        Damage {
            path: self.path.clone(),
            offset: e.offset + 4 + d.at as u64,
            what: d.what.clone(),
        }
    }

    fn section(&self, (offset, len): (u64, u32)) -> Result<Vec<u8>> {
        let bytes = read_at(&self.file, &self.path, offset, u64::from(len))?;
        entry_body(&bytes).map_err(|d| Error::corrupt(&self.path, offset, d.what))?;
        Ok(bytes[4..].to_vec())
    }

    /// The window's events.
    pub(crate) fn events(&self) -> Result<Vec<EventRecord>> {
        let body = self.section(self.events)?;
        let mut r = Reader::new(&body);
        let corrupt =
            |e: DecodeError| Error::corrupt(&self.path, self.events.0 + 4 + e.at as u64, e.what);
        let n = r.len(body.len(), "event count").map_err(corrupt)?;
        (0..n)
            .map(|_| decode_event(&mut r, body.len()).map_err(corrupt))
            .collect()
    }

    /// The window's service checks.
    pub(crate) fn checks(&self) -> Result<Vec<CheckRecord>> {
        let body = self.section(self.checks)?;
        let mut r = Reader::new(&body);
        let corrupt =
            |e: DecodeError| Error::corrupt(&self.path, self.checks.0 + 4 + e.at as u64, e.what);
        let n = r.len(body.len(), "check count").map_err(corrupt)?;
        (0..n)
            .map(|_| decode_check(&mut r, body.len()).map_err(corrupt))
            .collect()
    }

    /// Points in the block.
    pub(crate) fn points(&self) -> u64 {
        self.entries.iter().map(|e| u64::from(e.points)).sum()
    }

    /// Reads and decodes everything; the damage found.
    pub(crate) fn verify(&self) -> Vec<Damage> {
        let mut out = Vec::new();
        for e in &self.entries {
            let body = match self.read(e) {
                Ok(b) => b,
                Err(err) => {
                    out.push(to_damage(&self.path, e.offset, err));
                    continue;
                }
            };
            let n = e.points as usize;
            let checked = if e.kind == SeriesKind::Sketch {
                ALL.into_iter()
                    .try_for_each(|r| decode_sketches(&body, n, r).map(|_| ()))
            } else {
                ALL.into_iter()
                    .try_for_each(|r| decode_buckets(&body, n, r).map(|_| ()))
            };
            if let Err(d) = checked {
                out.push(self.damage(e, &d));
            }
        }
        if let Err(err) = self.events() {
            out.push(to_damage(&self.path, self.events.0, err));
        }
        if let Err(err) = self.checks() {
            out.push(to_damage(&self.path, self.checks.0, err));
        }
        out
    }
}

/// An error as damage (keeping its own offset when it has one).
pub(crate) fn to_damage(path: &Path, offset: u64, e: Error) -> Damage {
    match e {
        Error::Corrupt { path, offset, what } => Damage { path, offset, what },
        e => Damage {
            path: path.to_owned(),
            offset,
            what: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::{HOUR_MS, MINUTE_MS};
    use proptest::prelude::*;

    /// A small real block: two float series and one sketch series.
    fn sample_block() -> Vec<u8> {
        use crate::index::Index;
        use crate::key::SeriesKey;
        static BLOCK: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        BLOCK
            .get_or_init(|| {
                let mut index = Index::default();
                let mut head = crate::head::Head::new(HOUR_MS);
                for (id, kind) in [
                    (0, SeriesKind::Gauge),
                    (1, SeriesKind::Rate),
                    (2, SeriesKind::Sketch),
                ] {
                    let key = SeriesKey {
                        name: format!("m{id}"),
                        tags: vec![],
                        host: String::new(),
                        kind,
                        interval_ms: 10_000,
                    };
                    index.insert(SeriesId(id), &key);
                    for i in 0..200 {
                        let v = if kind == SeriesKind::Sketch {
                            let mut s = Sketch::default();
                            s.insert(f64::from(i), 2);
                            crate::head::Sample::Sketch(s)
                        } else {
                            crate::head::Sample::Scalar(f64::from(i % 17) / 10.0)
                        };
                        head.push(SeriesId(id), i64::from(i) * 10_000, &v);
                    }
                }
                let dir = tempfile::tempdir().unwrap();
                let w = &head.windows[&0];
                let b = write(dir.path(), 0, 1, w, &index, true).unwrap();
                fs::read(&b.path).unwrap()
            })
            .clone()
    }

    fn sorted(mut p: Vec<(i64, f64)>) -> Vec<(i64, f64)> {
        p.sort_by_key(|x| x.0);
        p
    }

    proptest! {
        /// Encode → decode is the identity for the points, and the rollups are the
        /// rollups of the points.
        #[test]
        fn float_entries_round_trip(
            start in -1_000_000_000_000i64..2_000_000_000_000,
            steps in proptest::collection::vec((0i64..50_000, any::<f64>(), 0u8..4), 1..400),
            minute in any::<bool>(),
            dense in any::<bool>(),
        ) {
            let mut t = start;
            // Dense points (~4 a second) store minute rows and derive 5-minute ones.
            let div = if dense { 100 } else { 1 };
            let points = sorted(steps.iter().map(|&(d, v, shape)| {
                t += d / div;
                let v = match shape { 0 => v, 1 => (v % 1000.0).round() / 10.0, 2 => 3.0, _ => -0.5 };
                (t, v)
            }).collect());
            let (bytes, raw) = encode_float_entry(&points, minute);
            prop_assert!(raw <= bytes.len());
            let body = entry_body(&bytes).unwrap();
            let back = decode_buckets(body, points.len(), Resolution::Raw).unwrap();
            prop_assert_eq!(back.len(), points.len());
            for (b, p) in back.iter().zip(&points) {
                prop_assert_eq!(b.start_ms, p.0);
                prop_assert_eq!(b.sum.to_bits(), p.1.to_bits());
            }
            // Each level stored (by the thinning rule) or derived from the finest level
            // stored below it (its rows merged), or from the points.
            let (mut finer_ms, mut finer_rows) = (None, points.len());
            for (res, ms) in [
                (Resolution::Minute, MINUTE_MS),
                (Resolution::FiveMinutes, rollup::FIVE_MINUTES_MS),
                (Resolution::Hour, HOUR_MS),
            ] {
                let got = decode_buckets(body, points.len(), res).unwrap();
                let rows = rollup::buckets(&points, ms);
                let stored = level_stored(res, rows.len(), finer_rows, minute);
                let want = match finer_ms {
                    Some(f) if !stored => rollup::rebucket(&rollup::buckets(&points, f), ms),
                    _ => rows.clone(),
                };
                if stored {
                    (finer_ms, finer_rows) = (Some(ms), rows.len());
                }
                prop_assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    prop_assert_eq!((g.start_ms, g.count), (w.start_ms, w.count));
                    prop_assert_eq!(g.sum.to_bits(), w.sum.to_bits());
                    prop_assert_eq!(g.min.to_bits(), w.min.to_bits());
                    prop_assert_eq!(g.max.to_bits(), w.max.to_bits());
                }
            }
        }

        #[test]
        fn sketch_entries_round_trip(
            samples in proptest::collection::vec(proptest::collection::vec(-1e6f64..1e6, 1..20), 1..30),
        ) {
            let points: Vec<(i64, Sketch)> = samples.iter().enumerate().map(|(i, vs)| {
                let mut s = Sketch::default();
                for &v in vs { s.insert(v, 1); }
                (i as i64 * 10_000, s)
            }).collect();
            let (bytes, _) = encode_sketch_entry(&points);
            let body = entry_body(&bytes).unwrap();
            prop_assert_eq!(&decode_sketches(body, points.len(), Resolution::Raw).unwrap(), &points);
            let minute = decode_sketches(body, points.len(), Resolution::Minute).unwrap();
            prop_assert_eq!(minute, rollup::sketches(&points, MINUTE_MS));
        }

        /// A real block with bytes flipped or cut: damage is found (or the flip was
        /// harmless), never a panic.
        #[test]
        fn damaged_blocks_never_panic(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
        ) {
            let good = sample_block();
            let path = Path::new("0-00000001.blk");
            prop_assert_eq!(check_block_bytes(path, good.clone()), vec![]);
            let mut bytes = good.clone();
            for (at, x) in &flips {
                let i = at.index(bytes.len());
                bytes[i] ^= x | 1;
            }
            let _ = check_block_bytes(path, bytes);
            let mut cut_bytes = good;
            cut_bytes.truncate(cut.index(cut_bytes.len()));
            prop_assert!(!check_block_bytes(path, cut_bytes).is_empty());
        }

        /// Whatever the bytes, checking them never panics.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = check_block_bytes(Path::new("0-00000001.blk"), bytes);
        }
    }
}
