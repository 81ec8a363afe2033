//! Head chunk files: a writing store's frozen head runs live on disk, not in memory, like
//! Prometheus' head chunks. One file per head window, `head/<window start>-<n>.chunks`,
//! append-only, read with positional reads; a run is written once and read by the seal and
//! by queries of recent data. Each run record is `previous run (offset + 1, 0 for none) u64 |
//! length u32 | bytes`, so a series keeps only the offset of its newest run and walks back.
//!
//! These files are never the truth: they are not synced, and opening a data directory
//! deletes them and rebuilds the head from the write-ahead log. A window's file is deleted
//! when the window is dropped (sealed, or the store closed).

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The directory of the head chunk files.
pub(crate) const HEAD_DIR: &str = "head";
const RECORD_HEADER: u64 = 12;
/// Runs are gathered and written in pieces of about this many bytes (one write for ~1,000
/// runs: freezing 100k series every 20 points would otherwise be 5,000 writes a flush).
const WRITE_BATCH: usize = 64 << 10;

/// One window's head chunk file.
#[derive(Debug)]
pub(crate) struct RunFile {
    path: PathBuf,
    file: File,
    pending: Mutex<Pending>,
}

/// Runs appended but not yet written: they follow the file's `written` bytes.
#[derive(Debug, Default)]
struct Pending {
    written: u64,
    bytes: Vec<u8>,
}

impl RunFile {
    /// Creates (truncating) the file at `path`.
    pub(crate) fn create(path: PathBuf) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        Ok(Self {
            path,
            file,
            pending: Mutex::default(),
        })
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends a run whose predecessor is `prev`; the new run's reference (offset + 1).
    pub(crate) fn append(&self, prev: u64, bytes: &[u8]) -> io::Result<u64> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "run over 4 GiB"))?;
        let mut p = self.pending();
        let at = p.written + p.bytes.len() as u64;
        p.bytes.extend_from_slice(&prev.to_le_bytes());
        p.bytes.extend_from_slice(&len.to_le_bytes());
        p.bytes.extend_from_slice(bytes);
        if p.bytes.len() >= WRITE_BATCH {
            // A failure leaves the runs pending (still read from memory), tried again later;
            // this run is refused, so its chunk keeps it in memory.
            if let Err(e) = self.file.write_all_at(&p.bytes, p.written) {
                let keep = usize::try_from(at - p.written).expect("pending fits memory");
                p.bytes.truncate(keep);
                return Err(e);
            }
            p.written += p.bytes.len() as u64;
            p.bytes.clear();
        }
        Ok(at + 1)
    }

    /// The run at `reference` and its predecessor's reference.
    pub(crate) fn read(&self, reference: u64) -> io::Result<(u64, Vec<u8>)> {
        let at = reference - 1;
        {
            // A run is wholly written or wholly pending.
            let p = self.pending();
            if at >= p.written {
                let from = usize::try_from(at - p.written).expect("pending fits memory");
                let rec = &p.bytes[from..];
                let prev = u64::from_le_bytes(rec[..8].try_into().expect("eight bytes"));
                let len = u32::from_le_bytes(rec[8..12].try_into().expect("four bytes"));
                let body = rec[12..12 + len as usize].to_vec();
                return Ok((prev, body));
            }
        }
        let mut head = [0u8; RECORD_HEADER as usize];
        self.file.read_exact_at(&mut head, at)?;
        let prev = u64::from_le_bytes(head[..8].try_into().expect("eight bytes"));
        let len = u32::from_le_bytes(head[8..].try_into().expect("four bytes"));
        let mut body = vec![0u8; len as usize];
        self.file.read_exact_at(&mut body, at + RECORD_HEADER)?;
        Ok((prev, body))
    }

    /// Bytes written.
    pub(crate) fn len(&self) -> u64 {
        let p = self.pending();
        p.written + p.bytes.len() as u64
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Empties (creating if needed) the head chunk directory of the data directory `dir`: what
/// an earlier run left there is rebuilt from the log.
pub(crate) fn reset(dir: &Path) -> io::Result<PathBuf> {
    let head = dir.join(HEAD_DIR);
    fs::create_dir_all(&head)?;
    for e in fs::read_dir(&head)? {
        let path = e?.path();
        if path.extension().is_some_and(|x| x == "chunks") {
            fs::remove_file(&path)?;
        }
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_chain_back_and_the_file_goes_with_its_window() {
        let dir = tempfile::tempdir().unwrap();
        let head = reset(dir.path()).unwrap();
        let path = head.join("0-1.chunks");
        let f = RunFile::create(path.clone()).unwrap();
        let a = f.append(0, b"first").unwrap();
        let b = f.append(a, b"second run").unwrap();
        let c = f.append(0, b"other series").unwrap();
        assert_eq!(f.read(b).unwrap(), (a, b"second run".to_vec()));
        assert_eq!(f.read(a).unwrap(), (0, b"first".to_vec()));
        assert_eq!(f.read(c).unwrap(), (0, b"other series".to_vec()));
        assert_eq!(f.len(), 3 * 12 + 5 + 10 + 12);
        // Enough runs to be written in several batches: each reads back, written or pending.
        let mut refs = vec![c];
        for i in 0..10_000u32 {
            let prev = *refs.last().unwrap();
            refs.push(f.append(prev, &i.to_le_bytes().repeat(3)).unwrap());
        }
        assert!(std::fs::metadata(&path).unwrap().len() > 0);
        for (i, r) in refs.iter().enumerate().skip(1) {
            let (prev, body) = f.read(*r).unwrap();
            assert_eq!(prev, refs[i - 1]);
            assert_eq!(body, ((i - 1) as u32).to_le_bytes().repeat(3));
        }
        assert_eq!(f.read(b).unwrap(), (a, b"second run".to_vec()));
        drop(f);
        assert!(!path.exists());
        std::fs::write(head.join("5-2.chunks"), b"left by a crash").unwrap();
        reset(dir.path()).unwrap();
        assert_eq!(std::fs::read_dir(&head).unwrap().count(), 0);
    }
}
