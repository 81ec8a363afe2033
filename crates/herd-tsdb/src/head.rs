//! The head: points not yet sealed into blocks, per block window and series, held as compact
//! append-only byte columns (timestamps as zigzag delta-of-delta varints, usually one byte;
//! values `XOR`ed with the previous value and stored without their zero bytes, one byte for a
//! repeat), not as per-point structs. Every [`FREEZE`] float points the columns are frozen:
//! compressed as a sealed block's columns are (a statsd-shaped value costs 6–7 bytes in the
//! `XOR` form, about one in pco), and the append columns start again. A writing store keeps
//! the frozen runs in its window's head chunk file ([`crate::head_chunks`]), so memory holds
//! only each series' unfrozen tail; a read-only store (or one whose file failed) keeps them
//! in memory.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use herd_aggregate::{CheckRecord, EventRecord, Sketch};

use crate::codec::{Reader, Writer};
use crate::head_chunks::RunFile;
use crate::key::SeriesId;
use crate::series_table::SeriesTable;

/// One point's value as the head and the log take it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sample {
    /// A float.
    Scalar(f64),
    /// A sketch.
    Sketch(Sketch),
}

/// One series' points in one window (48 bytes, and its tail's bytes). Where its frozen runs
/// are is the window's [`Runs`], passed in.
#[derive(Debug, Default, Clone)]
pub(crate) struct Chunk {
    /// The newest frozen run in the window's file (offset + 1; 0 for none); each names the
    /// one before. A run past 4 GiB of file is kept in memory instead.
    last_run: u32,
    /// The unfrozen points, one after the other: each a zigzag delta-of-delta time varint,
    /// then its value (a float's `XOR` control byte and bytes, or a sketch). Exactly as long
    /// as its bytes: a growing `Vec`'s slack was a third of the tails.
    tail: Box<[u8]>,
    /// Points in `tail` (the low 8 bits), points in frozen runs (the next 23), and
    /// [`SKETCHES`] once a sketch was pushed.
    n: u32,
    last_ts: i64,
    last_delta: i64,
    /// The bits of the tail's last value (0 for an empty tail): the next value is `XOR`ed
    /// with them. (Decoding them from the tail at each point instead made a log replay of
    /// 7.2 M points take 1.9 s, not 1 s.)
    last_bits: u64,
}

// What a series costs in a window before its tail: checked, as it is the head's memory.
const _: () = assert!(std::mem::size_of::<Chunk>() == 48);

/// Most points a frozen run holds (200 s of 10 s points): the unfrozen tail is what a
/// series costs in memory.
///
/// A series' runs end where its count of points in the window plus its id is a multiple of
/// this, so different series freeze at different flushes: series that started together
/// (all of them, when the daemon starts) would otherwise fill their tails together, and the
/// heap would keep their high-water mark, every tail at its longest, for good (100k series
/// over 215 s: the store's RSS grew by 39.9 MiB in lockstep).
pub(crate) const FREEZE: u32 = 20;

/// A sketch tail is frozen once it holds this many bytes, or [`FREEZE`] points: frozen
/// sketches are stored as they are held, so holding them in memory saves nothing (a
/// distribution's tail of 19 sketches was ~1.5 KB).
const SKETCH_TAIL_BYTES: usize = 192;

/// The flag in `Chunk::n` of a chunk of sketches.
const SKETCHES: u32 = 1 << 31;
/// The tail's points in `Chunk::n`.
const TAIL: u32 = 0xff;
/// The frozen points in `Chunk::n`, shifted by 8 (8.4 M points a series and window, a point
/// every millisecond for over two hours; the count stops there, the points do not).
const FROZEN: u32 = (SKETCHES - 1) >> 8;

/// Where a window's frozen runs go: its head chunk file, else (a read-only store, or a file
/// that could not be made or written) memory, by series.
#[derive(Debug, Default, Clone)]
pub(crate) struct Runs {
    file: Option<Arc<RunFile>>,
    /// Frozen runs kept in memory, after those in the file: once a series' run is kept, its
    /// later ones are too (runs stay in order).
    kept: HashMap<SeriesId, Vec<Box<[u8]>>, foldhash::fast::RandomState>,
}

impl Runs {
    fn in_file(file: Option<Arc<RunFile>>) -> Self {
        Self {
            file,
            kept: HashMap::default(),
        }
    }

    /// Bytes of the runs kept in memory.
    fn kept_bytes(&self) -> usize {
        self.kept
            .values()
            .flat_map(|runs| runs.iter().map(|r| r.len() + 16))
            .sum()
    }
}

impl Chunk {
    /// No point was ever pushed (a slot of a [`SeriesTable`] page with no series).
    pub(crate) fn is_empty(&self) -> bool {
        self.n & !SKETCHES == 0
    }

    /// Appends `bytes` to the tail, which stays exactly as long as its bytes.
    fn append(&mut self, bytes: &[u8]) {
        let mut tail = std::mem::take(&mut self.tail).into_vec();
        tail.reserve_exact(bytes.len());
        tail.extend_from_slice(bytes);
        self.tail = tail.into_boxed_slice();
    }

    /// Takes the time of a new point; its encoding (a zigzag delta-of-delta varint) and length.
    fn encode_ts(&mut self, t: i64) -> ([u8; 10], usize) {
        let delta = t.wrapping_sub(self.last_ts);
        let dod = delta.wrapping_sub(self.last_delta);
        self.last_delta = delta;
        self.last_ts = t;
        self.n += 1;
        crate::codec::varint_bytes(crate::codec::zigzag(dod))
    }

    /// Points in the tail.
    fn tail_len(&self) -> u32 {
        self.n & TAIL
    }

    /// Whether the tail is a whole run now (see [`FREEZE`]).
    fn run_ends(&self, id: SeriesId) -> bool {
        let phase = (id.0 % u64::from(FREEZE)) as u32;
        self.tail_len() >= FREEZE
            || (self.frozen() + self.tail_len() + phase).is_multiple_of(FREEZE)
    }

    /// Points in frozen runs.
    fn frozen(&self) -> u32 {
        (self.n >> 8) & FROZEN
    }

    /// Appends a float point of series `id`.
    pub(crate) fn push(&mut self, t: i64, v: f64, id: SeriesId, runs: &mut Runs) {
        let x = v.to_bits() ^ self.last_bits;
        self.last_bits = v.to_bits();
        let (ts, ts_len) = self.encode_ts(t);
        let mut point = [0u8; 19];
        point[..ts_len].copy_from_slice(&ts[..ts_len]);
        let mut len = ts_len + 1;
        if x != 0 {
            let trail = x.trailing_zeros() / 8;
            let lead = x.leading_zeros() / 8;
            let bytes_len = (8 - lead - trail) as usize;
            point[ts_len] = ((trail as u8) << 4) | bytes_len as u8;
            let bytes = (x >> (trail * 8)).to_le_bytes();
            point[len..len + bytes_len].copy_from_slice(&bytes[..bytes_len]);
            len += bytes_len;
        }
        self.append(&point[..len]);
        if self.run_ends(id) {
            self.freeze(id, runs);
        }
    }

    /// Compresses the append columns into a frozen run (to the window's file, else kept in
    /// memory) and starts them again. A run starts with its number of points.
    fn freeze(&mut self, id: SeriesId, runs: &mut Runs) {
        let mut w = Writer::default();
        w.varint(u64::from(self.tail_len()));
        if self.n & SKETCHES == 0 {
            let (ts, vs): (Vec<i64>, Vec<f64>) = self.tail_points().into_iter().unzip();
            w.bytes(&crate::encoding::encode_i64(&ts));
            w.bytes(&crate::encoding::encode_f64(&vs));
        } else {
            // Sketches are frozen as they are held (they are not columns).
            w.buf.extend_from_slice(&self.tail);
        }
        let on_disk = match &runs.file {
            Some(f) if !runs.kept.contains_key(&id) => f
                .append(u64::from(self.last_run), &w.buf)
                .ok()
                .and_then(|r| u32::try_from(r).ok()),
            _ => None,
        };
        match on_disk {
            Some(r) => self.last_run = r,
            None => runs
                .kept
                .entry(id)
                .or_default()
                .push(w.buf.into_boxed_slice()),
        }
        let frozen = self.frozen().saturating_add(self.tail_len()).min(FROZEN);
        self.tail = Box::default();
        self.n = (self.n & SKETCHES) | (frozen << 8);
        self.last_ts = 0;
        self.last_delta = 0;
        self.last_bits = 0;
    }

    /// Appends a sketch point of series `id`.
    pub(crate) fn push_sketch(&mut self, t: i64, s: &Sketch, id: SeriesId, runs: &mut Runs) {
        let (ts, ts_len) = self.encode_ts(t);
        self.n |= SKETCHES;
        let mut w = Writer {
            buf: Vec::with_capacity(ts_len + 64),
        };
        w.buf.extend_from_slice(&ts[..ts_len]);
        w.sketch(s);
        self.append(&w.buf);
        if self.run_ends(id) || self.tail.len() >= SKETCH_TAIL_BYTES {
            self.freeze(id, runs);
        }
    }

    /// Number of points.
    pub(crate) fn len(&self) -> usize {
        self.frozen() as usize + self.tail_len() as usize
    }

    fn tail_points(&self) -> Vec<(i64, f64)> {
        let mut r = Reader::new(&self.tail);
        let (mut t, mut d) = (0i64, 0i64);
        let mut bits = 0u64;
        (0..self.tail_len())
            .map(|_| {
                d = d.wrapping_add(r.zigzag("head time").expect("head bytes are our own"));
                t = t.wrapping_add(d);
                let control = r.u8("head value").expect("head bytes are our own");
                if control != 0 {
                    let len = usize::from(control & 0x0f);
                    let trail = u32::from(control >> 4);
                    let mut raw = [0u8; 8];
                    raw[..len].copy_from_slice(r.take(len, "head value").expect("our own"));
                    bits ^= u64::from_le_bytes(raw) << (trail * 8);
                }
                (t, f64::from_bits(bits))
            })
            .collect()
    }
}

/// A chunk with the window's runs, for reading.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkRef<'a> {
    chunk: &'a Chunk,
    id: SeriesId,
    runs: &'a Runs,
}

impl ChunkRef<'_> {
    /// The frozen runs' bytes, oldest first.
    fn frozen_runs(&self) -> Vec<std::borrow::Cow<'_, [u8]>> {
        let mut out = Vec::new();
        if let Some(f) = &self.runs.file {
            let mut at = u64::from(self.chunk.last_run);
            while at != 0 {
                let (prev, run) = f.read(at).unwrap_or_else(|e| {
                    panic!("head chunk file {} unreadable: {e}", f.path().display())
                });
                out.push(std::borrow::Cow::Owned(run));
                at = prev;
            }
            out.reverse();
        }
        if let Some(kept) = self.runs.kept.get(&self.id) {
            out.extend(kept.iter().map(|r| std::borrow::Cow::Borrowed(&**r)));
        }
        out
    }

    /// The points of the frozen runs, in arrival order.
    fn frozen_points(&self) -> Vec<(i64, f64)> {
        let mut out = Vec::with_capacity(self.chunk.frozen() as usize);
        for run in self.frozen_runs() {
            let mut r = Reader::new(&run);
            let n = r.varint("frozen count").expect("head bytes are our own") as usize;
            let ts = r
                .bytes("frozen times")
                .and_then(|b| crate::encoding::decode_i64(b, n, "times"));
            let vs = r
                .bytes("frozen values")
                .and_then(|b| crate::encoding::decode_f64(b, n, "values"));
            out.extend(
                ts.expect("head bytes are our own")
                    .into_iter()
                    .zip(vs.expect("head bytes are our own")),
            );
        }
        out
    }

    /// The times, in arrival order.
    pub(crate) fn times(&self) -> Vec<i64> {
        if self.chunk.n & SKETCHES != 0 {
            return self.sketches().into_iter().map(|p| p.0).collect();
        }
        let mut out: Vec<i64> = self.frozen_points().into_iter().map(|p| p.0).collect();
        out.extend(self.chunk.tail_points().into_iter().map(|p| p.0));
        out
    }

    /// The float points, in arrival order.
    pub(crate) fn points(&self) -> Vec<(i64, f64)> {
        let mut out = self.frozen_points();
        out.extend(self.chunk.tail_points());
        out
    }

    /// The sketch points, in arrival order.
    pub(crate) fn sketches(&self) -> Vec<(i64, Sketch)> {
        let mut out = Vec::with_capacity(self.chunk.len());
        for run in self.frozen_runs() {
            let mut r = Reader::new(&run);
            let n = r
                .varint("frozen sketch count")
                .expect("head bytes are our own");
            decode_sketches(&mut r, n, &mut out);
        }
        let tail = self.chunk.tail_len();
        decode_sketches(
            &mut Reader::new(&self.chunk.tail),
            u64::from(tail),
            &mut out,
        );
        out
    }
}

/// Appends `n` sketch points of a tail (or frozen run of sketches) to `out`.
fn decode_sketches(r: &mut Reader<'_>, n: u64, out: &mut Vec<(i64, Sketch)>) {
    let (mut t, mut d) = (0i64, 0i64);
    for _ in 0..n {
        d = d.wrapping_add(r.zigzag("head time").expect("head bytes are our own"));
        t = t.wrapping_add(d);
        out.push((t, r.sketch().expect("head bytes are our own")));
    }
}

/// Points, events and checks of one block window.
#[derive(Debug, Default, Clone)]
pub(crate) struct Window {
    series: SeriesTable,
    /// Where its series' frozen runs go.
    runs: Runs,
    pub(crate) events: Vec<EventRecord>,
    pub(crate) checks: Vec<CheckRecord>,
}

impl Window {
    /// Every series with points, by increasing id.
    pub(crate) fn series(&self) -> impl Iterator<Item = (SeriesId, ChunkRef<'_>)> {
        let runs = &self.runs;
        self.series
            .iter()
            .map(move |(id, chunk)| (id, ChunkRef { chunk, id, runs }))
    }

    /// The chunk of `id`, if it has points here.
    pub(crate) fn chunk(&self, id: SeriesId) -> Option<ChunkRef<'_>> {
        let chunk = self.series.get(id)?;
        Some(ChunkRef {
            chunk,
            id,
            runs: &self.runs,
        })
    }

    fn push_scalar(&mut self, id: SeriesId, t: i64, v: f64) {
        self.series.entry(id).push(t, v, id, &mut self.runs);
    }

    fn push_sketch(&mut self, id: SeriesId, t: i64, s: &Sketch) {
        self.series.entry(id).push_sketch(t, s, id, &mut self.runs);
    }

    /// Bytes held in memory by its series.
    fn bytes(&self) -> usize {
        self.series.bytes()
            + self.series.iter().map(|(_, c)| c.tail.len()).sum::<usize>()
            + self.runs.kept_bytes()
    }

    /// Adds another window's points, events and checks (of the same start) to this one.
    fn absorb(&mut self, other: Window, is_sketch: &dyn Fn(SeriesId) -> bool) {
        for (id, chunk) in other.series() {
            if is_sketch(id) {
                for (t, s) in chunk.sketches() {
                    self.push_sketch(id, t, &s);
                }
            } else {
                for (t, v) in chunk.points() {
                    self.push_scalar(id, t, v);
                }
            }
        }
        self.events.extend(other.events);
        self.checks.extend(other.checks);
    }
}

/// Every window not yet sealed, by window start: the open ones, which take points, and the
/// ones a seal took out, which are still read until their blocks replace them.
#[derive(Debug, Default)]
pub(crate) struct Head {
    pub(crate) windows: BTreeMap<i64, Window>,
    /// Closed windows being written into blocks (no longer written to: a late point for one
    /// opens a new window of the same start in `windows`).
    pub(crate) sealing: BTreeMap<i64, Arc<Window>>,
    block_ms: i64,
    /// The head chunk directory (`None`: frozen runs stay in memory).
    run_dir: Option<PathBuf>,
    /// Head chunk files created (their names' second number).
    files: u64,
}

impl Head {
    pub(crate) fn new(block_ms: i64) -> Self {
        Self {
            windows: BTreeMap::new(),
            sealing: BTreeMap::new(),
            block_ms,
            run_dir: None,
            files: 0,
        }
    }

    /// A head whose frozen runs go to files in `dir` (emptied by [`crate::head_chunks::reset`]).
    pub(crate) fn with_run_dir(block_ms: i64, dir: PathBuf) -> Self {
        Self {
            run_dir: Some(dir),
            ..Self::new(block_ms)
        }
    }

    fn window(&mut self, t_ms: i64) -> &mut Window {
        let start = crate::key::align(t_ms, self.block_ms);
        if !self.windows.contains_key(&start) {
            // A file that cannot be made leaves the window's runs in memory.
            let runs = self.run_dir.as_ref().and_then(|d| {
                self.files += 1;
                RunFile::create(d.join(format!("{start}-{}.chunks", self.files)))
                    .ok()
                    .map(Arc::new)
            });
            self.windows.insert(
                start,
                Window {
                    runs: Runs::in_file(runs),
                    ..Window::default()
                },
            );
        }
        self.windows.get_mut(&start).expect("inserted")
    }

    pub(crate) fn push(&mut self, id: SeriesId, t_ms: i64, v: &Sample) {
        match v {
            Sample::Scalar(v) => self.push_scalar(id, t_ms, *v),
            Sample::Sketch(s) => self.push_sketch(id, t_ms, s),
        }
    }

    pub(crate) fn push_scalar(&mut self, id: SeriesId, t_ms: i64, v: f64) {
        self.window(t_ms).push_scalar(id, t_ms, v);
    }

    pub(crate) fn push_sketch(&mut self, id: SeriesId, t_ms: i64, s: &Sketch) {
        self.window(t_ms).push_sketch(id, t_ms, s);
    }

    pub(crate) fn push_event(&mut self, e: EventRecord) {
        self.window(e.timestamp.saturating_mul(1000)).events.push(e);
    }

    pub(crate) fn push_check(&mut self, c: CheckRecord) {
        self.window(c.timestamp.saturating_mul(1000)).checks.push(c);
    }

    /// The chunks of `id` in windows overlapping `[from, to)`, those being sealed included.
    pub(crate) fn chunks(
        &self,
        id: SeriesId,
        from: i64,
        to: i64,
    ) -> impl Iterator<Item = ChunkRef<'_>> {
        let first = crate::key::align(from, self.block_ms);
        let range = first..to.max(first);
        self.sealing
            .range(range.clone())
            .map(|(_, w)| &**w)
            .chain(self.windows.range(range).map(|(_, w)| w))
            .filter_map(move |w| w.chunk(id))
    }

    /// Every window held, those being sealed first.
    pub(crate) fn all_windows(&self) -> impl Iterator<Item = &Window> {
        self.sealing
            .values()
            .map(|w| &**w)
            .chain(self.windows.values())
    }

    /// Moves the open windows that start before `keep_from` to the sealing ones; their starts.
    /// A window whose start is already being sealed (a late point reopened it) stays open,
    /// for the next seal.
    pub(crate) fn take_closed(&mut self, keep_from: i64) -> Vec<(i64, Arc<Window>)> {
        let starts: Vec<i64> = self
            .windows
            .range(..keep_from)
            .map(|(&s, _)| s)
            .filter(|s| !self.sealing.contains_key(s))
            .collect();
        let mut out = Vec::with_capacity(starts.len());
        for s in starts {
            let w = Arc::new(self.windows.remove(&s).expect("listed"));
            self.sealing.insert(s, Arc::clone(&w));
            out.push((s, w));
        }
        out
    }

    /// Drops the sealing windows of `starts`: their blocks now hold them.
    pub(crate) fn sealed(&mut self, starts: &[i64]) {
        for s in starts {
            self.sealing.remove(s);
        }
    }

    /// Gives the sealing windows of `starts` back to the open ones (their seal failed): the
    /// points a late window of the same start took meanwhile are added to them.
    pub(crate) fn give_back(&mut self, starts: &[i64], is_sketch: &dyn Fn(SeriesId) -> bool) {
        for s in starts {
            let Some(w) = self.sealing.remove(s) else {
                continue;
            };
            let mut w = Arc::try_unwrap(w).unwrap_or_else(|shared| (*shared).clone());
            if let Some(late) = self.windows.remove(s) {
                w.absorb(late, is_sketch);
            }
            self.windows.insert(*s, w);
        }
    }

    /// Points held.
    pub(crate) fn points(&self) -> usize {
        self.all_windows()
            .flat_map(|w| w.series.iter())
            .map(|(_, c)| c.len())
            .sum()
    }

    /// Bytes of frozen runs in head chunk files.
    pub(crate) fn file_bytes(&self) -> u64 {
        self.all_windows()
            .filter_map(|w| w.runs.file.as_ref())
            .map(|f| f.len())
            .sum()
    }

    /// Bytes held in memory by the point columns.
    pub(crate) fn bytes(&self) -> usize {
        self.all_windows().map(Window::bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: SeriesId = SeriesId(7);

    /// A window whose frozen runs go to `file` (else stay in memory).
    fn window(file: Option<&Arc<RunFile>>) -> Window {
        Window {
            runs: Runs::in_file(file.cloned()),
            ..Window::default()
        }
    }

    #[test]
    fn columns_give_back_what_was_pushed() {
        let mut w = window(None);
        let pts = [
            (1_000, 1.5),
            (11_000, 1.5),
            (21_000, -0.1),
            (5_000, f64::MAX),
            (31_000, 0.0),
            (i64::MIN, f64::NAN),
        ];
        for &(t, v) in &pts {
            w.push_scalar(ID, t, v);
        }
        let back = w.chunk(ID).unwrap().points();
        assert_eq!(back.len(), pts.len());
        for (a, b) in back.iter().zip(&pts) {
            assert_eq!(a.0, b.0);
            assert_eq!(a.1.to_bits(), b.1.to_bits());
        }
        // A regular series costs two bytes a point once the step is known (series 20's runs
        // end at multiples of FREEZE points).
        let mut w = window(None);
        let id = SeriesId(u64::from(FREEZE));
        for i in 0..i64::from(FREEZE) - 1 {
            w.push_scalar(id, 1_700_000_000_000 + i * 10_000, 3.0);
        }
        let c = w.series.get(id).unwrap();
        assert_eq!(c.frozen(), 0);
        assert!(c.tail.len() <= 2 * FREEZE as usize + 16, "{}", c.tail.len());
    }

    #[test]
    fn frozen_runs_in_the_file_or_in_memory_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let file = Arc::new(RunFile::create(dir.path().join("w.chunks")).unwrap());
        let mut on_disk = window(Some(&file));
        let mut in_memory = window(None);
        let pts: Vec<(i64, f64)> = (0..100)
            .map(|i| (1_700_000_000_000 + i * 10_000, (i % 7) as f64 * 0.1))
            .collect();
        for &(t, v) in &pts {
            on_disk.push_scalar(ID, t, v);
            on_disk.push_scalar(SeriesId(5000), t, -v);
            in_memory.push_scalar(ID, t, v);
        }
        assert_eq!(on_disk.chunk(ID).unwrap().points(), pts);
        assert_eq!(in_memory.chunk(ID).unwrap().points(), pts);
        let other = on_disk.chunk(SeriesId(5000)).unwrap().points();
        assert_eq!(other[99], (pts[99].0, -pts[99].1));
        assert_eq!(on_disk.series.get(ID).unwrap().len(), 100);
        // Series 7's first run ends at 13 points, series 5000's at 20: the runs of different
        // series end at different flushes.
        assert_eq!(on_disk.series.get(ID).unwrap().frozen(), 93);
        assert_eq!(on_disk.series.get(SeriesId(5000)).unwrap().frozen(), 100);
        // Memory holds the tails only; the file holds both series' runs.
        assert_eq!(on_disk.runs.kept_bytes(), 0);
        assert!(in_memory.runs.kept_bytes() > 0);
        assert!(file.len() > 0);
        let times: Vec<i64> = pts.iter().map(|p| p.0).collect();
        assert_eq!(on_disk.chunk(ID).unwrap().times(), times);
        assert_eq!(
            on_disk.series().map(|(id, _)| id).collect::<Vec<_>>(),
            [ID, SeriesId(5000)]
        );
    }

    #[test]
    fn sketches_freeze_to_the_file_and_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = Arc::new(RunFile::create(dir.path().join("w.chunks")).unwrap());
        for (mut w, bins) in [
            (window(Some(&file)), 1),
            (window(None), 1),
            (window(Some(&file)), 50),
        ] {
            let mut want = Vec::new();
            let mut s = Sketch::default();
            for i in 0..i64::from(FREEZE) * 2 + 3 {
                for b in 0..bins {
                    s.insert((i * 1000 + b * 37) as f64, 1);
                }
                w.push_sketch(ID, 1_000 + i * 10_000, &s);
                want.push((1_000 + i * 10_000, s.clone()));
            }
            let c = w.series.get(ID).unwrap();
            assert!(c.frozen() > 0);
            // A tail of big sketches is frozen by its bytes.
            assert!(c.tail.len() < SKETCH_TAIL_BYTES + 4096, "{}", c.tail.len());
            assert_eq!(c.len(), want.len());
            let chunk = w.chunk(ID).unwrap();
            assert_eq!(chunk.sketches(), want);
            assert_eq!(chunk.times(), want.iter().map(|p| p.0).collect::<Vec<_>>());
        }
    }

    #[test]
    fn sketches_come_back() {
        let mut w = window(None);
        let mut s = Sketch::default();
        s.insert(2.0, 3);
        w.push_sketch(ID, 10, &s);
        s.insert(100.0, 1);
        w.push_sketch(ID, 20, &s);
        let back = w.chunk(ID).unwrap().sketches();
        assert_eq!(back[1], (20, s));
        assert_eq!(back[0].1.count(), 3);
    }
}
