//! The retry buffer of one destination: payloads waiting to be sent, oldest first. The newest
//! stay in memory up to [`MEMORY_BYTES`]; past that they go to files under the destination's
//! directory (`<data dir>/forward/<destination>/<sequence>.payload`), and at shutdown the
//! ones still in memory join them, so that a restart replays them in order. A payload leaves
//! (its file removed) only once the destination accepted it or refused it for good, so an
//! outage within the bound loses nothing and a clean restart sends nothing twice. Past the
//! bound the oldest payloads are dropped, counted by the caller.

use std::collections::VecDeque;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bytes kept in memory before payloads go to disk.
pub const MEMORY_BYTES: u64 = 4 * 1024 * 1024;

/// One request, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Path below the destination's base URL (`/api/v2/series`), or empty for the URL itself.
    pub path: String,
    /// `Content-Type`.
    pub content_type: String,
    /// `Content-Encoding`, empty for none.
    pub encoding: String,
    /// Points (or events, checks) it carries.
    pub points: u64,
    /// The oldest point's time, seconds since the epoch.
    pub oldest_s: u64,
    /// The body, compressed as `encoding` says.
    pub body: Vec<u8>,
}

const MAGIC: &[u8; 8] = b"herdfwd1";

impl Payload {
    /// Bytes it takes in the buffer.
    pub fn size(&self) -> u64 {
        (self.body.len() + self.path.len() + self.content_type.len() + self.encoding.len() + 64)
            as u64
    }

    /// The file form: magic `herdfwd1`, path, content type and encoding (each a `u32`
    /// little-endian length and UTF-8), points and oldest (`u64` little-endian), the body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size() as usize);
        out.extend_from_slice(MAGIC);
        for s in [&self.path, &self.content_type, &self.encoding] {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        out.extend_from_slice(&self.points.to_le_bytes());
        out.extend_from_slice(&self.oldest_s.to_le_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    /// Reads the file form; the error says what is wrong and at which byte.
    pub fn from_bytes(data: &[u8]) -> Result<Self, String> {
        fn take<'d>(data: &'d [u8], at: &mut usize, n: usize) -> Result<&'d [u8], String> {
            let piece = data
                .get(*at..at.saturating_add(n))
                .ok_or_else(|| format!("truncated at byte {at} (wanted {n} more)"))?;
            *at += n;
            Ok(piece)
        }
        let mut at = 0;
        if take(data, &mut at, 8)? != MAGIC {
            return Err("not a herd forward payload (bad magic at byte 0)".into());
        }
        let mut texts = Vec::new();
        for _ in 0..3 {
            let len = u32::from_le_bytes(take(data, &mut at, 4)?.try_into().expect("4 bytes"));
            let start = at;
            let text = std::str::from_utf8(take(data, &mut at, len as usize)?)
                .map_err(|e| format!("bad UTF-8 in the text at byte {start}: {e}"))?;
            texts.push(text.to_owned());
        }
        let points = u64::from_le_bytes(take(data, &mut at, 8)?.try_into().expect("8 bytes"));
        let oldest_s = u64::from_le_bytes(take(data, &mut at, 8)?.try_into().expect("8 bytes"));
        let body = data[at..].to_vec();
        let encoding = texts.pop().unwrap_or_default();
        let content_type = texts.pop().unwrap_or_default();
        let path = texts.pop().unwrap_or_default();
        Ok(Self {
            path,
            content_type,
            encoding,
            points,
            oldest_s,
            body,
        })
    }
}

#[derive(Debug)]
enum Slot {
    /// Shared with the sender while it sends it, not copied.
    Memory(u64, Arc<Payload>),
    /// Sequence number, bytes, points.
    Disk(u64, u64, u64),
}

/// What [`Buffer::push`] had to drop to stay under the bound.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Evicted {
    /// Payloads dropped.
    pub payloads: u64,
    /// Their points.
    pub points: u64,
}

/// The queue of one destination.
#[derive(Debug)]
pub struct Buffer {
    dir: Option<PathBuf>,
    limit: u64,
    slots: VecDeque<Slot>,
    next: u64,
    bytes: u64,
    memory: u64,
}

fn file(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:020}.payload"))
}

impl Buffer {
    /// A buffer of at most `limit` bytes; with `dir`, it spills there and picks up what an
    /// earlier run left (oldest first). Unreadable files are reported in the second value
    /// and left in place.
    pub fn open(dir: Option<PathBuf>, limit: u64) -> io::Result<(Self, Vec<String>)> {
        let mut buffer = Self {
            dir,
            limit,
            slots: VecDeque::new(),
            next: 0,
            bytes: 0,
            memory: 0,
        };
        let mut problems = Vec::new();
        if let Some(dir) = &buffer.dir {
            fs::create_dir_all(dir)?;
            let mut found = Vec::new();
            for entry in fs::read_dir(dir)? {
                let path = entry?.path();
                let seq = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".payload"))
                    .and_then(|n| n.parse::<u64>().ok());
                if let Some(seq) = seq {
                    found.push((seq, path));
                }
            }
            found.sort();
            for (seq, path) in found {
                match fs::read(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|d| Payload::from_bytes(&d))
                {
                    Ok(p) => {
                        let size = p.size();
                        buffer.slots.push_back(Slot::Disk(seq, size, p.points));
                        buffer.bytes += size;
                    }
                    Err(e) => problems.push(format!("{}: {e}", path.display())),
                }
                buffer.next = buffer.next.max(seq + 1);
            }
        }
        Ok((buffer, problems))
    }

    /// Bytes held.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Payloads held.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Adds a payload at the back, dropping the oldest ones past the bound (a payload larger
    /// than the whole bound is dropped itself).
    pub fn push(&mut self, payload: Payload) -> io::Result<Evicted> {
        let size = payload.size();
        let mut evicted = Evicted::default();
        if size > self.limit {
            evicted.payloads += 1;
            evicted.points += payload.points;
            return Ok(evicted);
        }
        while self.bytes + size > self.limit {
            let Some(points) = self.pop()? else { break };
            evicted.payloads += 1;
            evicted.points += points;
        }
        let seq = self.next;
        self.next += 1;
        match &self.dir {
            Some(dir) if self.memory + size > MEMORY_BYTES => {
                write_file(&file(dir, seq), &payload.to_bytes())?;
                self.slots.push_back(Slot::Disk(seq, size, payload.points));
            }
            _ => {
                self.memory += size;
                self.slots.push_back(Slot::Memory(seq, Arc::new(payload)));
            }
        }
        self.bytes += size;
        Ok(evicted)
    }

    /// The oldest payload (read from its file when it is on disk); a file that cannot be
    /// read any more is removed and reported.
    pub fn front(&mut self) -> Option<Result<Arc<Payload>, String>> {
        match self.slots.front()? {
            Slot::Memory(_, p) => Some(Ok(p.clone())),
            Slot::Disk(seq, ..) => {
                let path = file(self.dir.as_ref().expect("disk slots have a dir"), *seq);
                let read = fs::read(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|d| Payload::from_bytes(&d))
                    .map(Arc::new)
                    .map_err(|e| format!("{}: {e}", path.display()));
                if read.is_err() {
                    let _ = self.pop();
                }
                Some(read)
            }
        }
    }

    /// Removes the oldest payload (and its file); its points, if there was one.
    pub fn pop(&mut self) -> io::Result<Option<u64>> {
        let Some(slot) = self.slots.pop_front() else {
            return Ok(None);
        };
        Ok(Some(match slot {
            Slot::Memory(_, p) => {
                let size = p.size();
                self.memory -= size;
                self.bytes -= size;
                p.points
            }
            Slot::Disk(seq, size, points) => {
                self.bytes -= size;
                let path = file(self.dir.as_ref().expect("disk slots have a dir"), seq);
                match fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
                points
            }
        }))
    }

    /// Writes every payload held in memory to disk (at shutdown), so a restart finds them.
    pub fn persist(&mut self) -> io::Result<()> {
        let Some(dir) = self.dir.clone() else {
            return Ok(());
        };
        for slot in &mut self.slots {
            if let Slot::Memory(seq, p) = slot {
                write_file(&file(&dir, *seq), &p.to_bytes())?;
                let size = p.size();
                self.memory -= size;
                *slot = Slot::Disk(*seq, size, p.points);
            }
        }
        Ok(())
    }
}

/// Writes a file whole: to a temporary name, synced, then renamed, so a crash never leaves
/// half a payload under a payload's name.
fn write_file(path: &Path, data: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp)?;
    f.write_all(data)?;
    f.sync_data()?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(n: u8, len: usize) -> Payload {
        Payload {
            path: "/api/v2/series".into(),
            content_type: "application/json".into(),
            encoding: "deflate".into(),
            points: u64::from(n),
            oldest_s: 1_700_000_000 + u64::from(n),
            body: vec![n; len],
        }
    }

    #[test]
    fn spills_to_disk_and_a_reopen_replays_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("dest");
        let (mut b, problems) = Buffer::open(Some(d.clone()), 64 << 20).unwrap();
        assert!(problems.is_empty());
        // Three payloads of 1.5 MB: the third goes past 4 MiB, to disk.
        for n in 1..=3 {
            b.push(payload(n, 1_500_000)).unwrap();
        }
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
        assert_eq!(*b.front().unwrap().unwrap(), payload(1, 1_500_000));
        assert_eq!(b.pop().unwrap(), Some(1));
        b.persist().unwrap();
        drop(b);
        let (mut b, _) = Buffer::open(Some(d.clone()), 64 << 20).unwrap();
        assert_eq!(b.len(), 2);
        b.push(payload(4, 10)).unwrap();
        let mut seen = Vec::new();
        while let Some(p) = b.front() {
            seen.push(p.unwrap().points);
            b.pop().unwrap();
        }
        assert_eq!(seen, [2, 3, 4]);
        assert_eq!(b.bytes(), 0);
        assert_eq!(fs::read_dir(&d).unwrap().count(), 0);
    }

    #[test]
    fn the_bound_drops_the_oldest() {
        let (mut b, _) = Buffer::open(None, 1000).unwrap();
        assert_eq!(b.push(payload(1, 300)).unwrap(), Evicted::default());
        assert_eq!(b.push(payload(2, 300)).unwrap(), Evicted::default());
        let e = b.push(payload(3, 300)).unwrap();
        assert_eq!(
            e,
            Evicted {
                payloads: 1,
                points: 1
            }
        );
        assert_eq!(b.front().unwrap().unwrap().points, 2);
        assert_eq!(b.push(payload(9, 5000)).unwrap().points, 9);
    }

    #[test]
    fn a_damaged_file_is_reported_not_sent() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(format!("{:020}.payload", 7)),
            b"herdfwd1\xff",
        )
        .unwrap();
        let (b, problems) = Buffer::open(Some(dir.path().into()), 1 << 20).unwrap();
        assert!(b.is_empty());
        assert!(problems[0].contains("truncated at byte 8"), "{problems:?}");
    }

    proptest::proptest! {
        #[test]
        fn the_file_form_round_trips_and_any_cut_is_an_error(
            path in ".{0,40}", ctype in ".{0,20}", enc in "[a-z]{0,8}",
            points in proptest::prelude::any::<u64>(), oldest in proptest::prelude::any::<u64>(),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            cut in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let p = Payload { path, content_type: ctype, encoding: enc, points, oldest_s: oldest, body };
            let bytes = p.to_bytes();
            proptest::prop_assert_eq!(Payload::from_bytes(&bytes).unwrap(), p.clone());
            // Cut inside the header: an error naming a byte, never a panic.
            let header = bytes.len() - p.body.len();
            let at = cut.index(header);
            let err = Payload::from_bytes(&bytes[..at]).unwrap_err();
            proptest::prop_assert!(err.contains("byte"), "{}", err);
        }

        #[test]
        fn any_bytes_read_without_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..100)) {
            let mut with_magic = MAGIC.to_vec();
            with_magic.extend_from_slice(&data);
            for input in [&data[..], &with_magic[..]] {
                if let Ok(p) = Payload::from_bytes(input) {
                    proptest::prop_assert_eq!(p.to_bytes(), input.to_vec());
                }
            }
        }
    }
}
