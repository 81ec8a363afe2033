//! Framed, checksummed records, as the write-ahead log and the series log hold them:
//!
//! `magic u32 | length u32 | crc32 u32 | payload`, little-endian, the crc32 over the length
//! and the payload. A reader that meets a bad record (torn by a crash, or damaged) reports it
//! with its byte offset and looks for the next magic number, so one bad record costs only
//! itself.

use std::fmt;
use std::path::{Path, PathBuf};

/// Marks a record's start: `HRec` in little-endian.
pub(crate) const MAGIC: u32 = u32::from_le_bytes(*b"HRec");
/// Bytes before the payload.
pub(crate) const HEADER: usize = 12;
/// Largest payload accepted (a larger length is damage).
pub(crate) const MAX_PAYLOAD: usize = 1 << 30;

/// Damage found on disk: the file, the byte offset, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The file.
    pub path: PathBuf,
    /// Where the damage starts.
    pub offset: u64,
    /// What is wrong there.
    pub what: String,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: byte {}: {}",
            self.path.display(),
            self.offset,
            self.what
        )
    }
}

/// One record framed for appending.
pub(crate) fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&header(payload));
    out.extend_from_slice(payload);
    out
}

/// The header that frames `payload` (magic, length, crc32 of length and payload).
pub(crate) fn header(payload: &[u8]) -> [u8; HEADER] {
    let mut out = [0u8; HEADER];
    out[..4].copy_from_slice(&MAGIC.to_le_bytes());
    let len = (payload.len() as u32).to_le_bytes();
    out[4..8].copy_from_slice(&len);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&len);
    crc.update(payload);
    out[8..].copy_from_slice(&crc.finalize().to_le_bytes());
    out
}

/// What a scan of a file's bytes found.
#[derive(Debug, Default)]
pub(crate) struct Scan<'a> {
    /// Good records: offset of the record and its payload.
    pub(crate) records: Vec<(u64, &'a [u8])>,
    /// Bad stretches, in file order.
    pub(crate) damage: Vec<Damage>,
    /// End of the last good record (where appending may resume once the rest is cut off).
    pub(crate) good_end: u64,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("four bytes"))
}

/// Whether a whole, intact record starts at `at`; its payload length if so.
fn record_at(bytes: &[u8], at: usize) -> Result<usize, String> {
    let rest = bytes.len() - at;
    if rest < HEADER {
        return Err(format!(
            "torn record: {rest} bytes where a record header needs {HEADER}"
        ));
    }
    if u32_at(bytes, at) != MAGIC {
        return Err("no record starts here (bad magic number)".into());
    }
    let len = u32_at(bytes, at + 4) as usize;
    if len > MAX_PAYLOAD {
        return Err(format!("record length {len} is larger than {MAX_PAYLOAD}"));
    }
    if rest - HEADER < len {
        return Err(format!(
            "torn record: length {len}, only {} bytes left in the file",
            rest - HEADER
        ));
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(&bytes[at + 4..at + 8]);
    crc.update(&bytes[at + HEADER..at + HEADER + len]);
    if crc.finalize() != u32_at(bytes, at + 8) {
        return Err(format!("checksum mismatch in a record of {len} bytes"));
    }
    Ok(len)
}

/// Every good record in `bytes` (the content of `path` from byte `base` on), skipping bad ones.
pub(crate) fn scan<'a>(path: &Path, bytes: &'a [u8], base: u64) -> Scan<'a> {
    let mut out = Scan {
        good_end: base,
        ..Scan::default()
    };
    let mut at = 0;
    while at < bytes.len() {
        match record_at(bytes, at) {
            Ok(len) => {
                out.records
                    .push((base + at as u64, &bytes[at + HEADER..at + HEADER + len]));
                at += HEADER + len;
                out.good_end = base + at as u64;
            }
            Err(what) => {
                out.damage.push(Damage {
                    path: path.to_owned(),
                    offset: base + at as u64,
                    what,
                });
                // Resynchronise at the next magic number that starts a good record.
                let magic = MAGIC.to_le_bytes();
                let mut next = at + 1;
                loop {
                    match bytes[next.min(bytes.len())..]
                        .windows(4)
                        .position(|w| w == magic)
                    {
                        Some(p) if record_at(bytes, next + p).is_ok() => {
                            next += p;
                            break;
                        }
                        Some(p) => next += p + 1,
                        None => {
                            next = bytes.len();
                            break;
                        }
                    }
                }
                at = next;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_records_survive_a_damaged_one_and_a_torn_tail() {
        let mut file = Vec::new();
        for p in [&b"one"[..], b"two", b"three"] {
            file.extend(frame(p));
        }
        let second = frame(b"one").len();
        file[second + HEADER + 1] ^= 0xff; // damage "two"
        let whole = file.len() as u64;
        let torn = frame(b"four");
        file.extend_from_slice(&torn[..torn.len() - 2]);
        let path = Path::new("wal/00000001.wal");
        let s = scan(path, &file, 100);
        let payloads: Vec<_> = s.records.iter().map(|r| r.1).collect();
        assert_eq!(payloads, [&b"one"[..], b"three"]);
        assert_eq!(s.good_end, 100 + whole);
        assert_eq!(s.damage.len(), 2);
        assert_eq!(s.damage[0].offset, 100 + second as u64);
        assert!(s.damage[0].what.contains("checksum"), "{}", s.damage[0]);
        assert_eq!(s.damage[1].offset, 100 + whole);
        assert!(s.damage[1]
            .to_string()
            .starts_with("wal/00000001.wal: byte "));
    }
}
