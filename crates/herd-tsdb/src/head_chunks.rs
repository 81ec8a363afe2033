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
use std::sync::atomic::{AtomicU64, Ordering};

/// The directory of the head chunk files.
pub(crate) const HEAD_DIR: &str = "head";
const RECORD_HEADER: u64 = 12;

/// One window's head chunk file.
#[derive(Debug)]
pub(crate) struct RunFile {
    path: PathBuf,
    file: File,
    /// Bytes reserved so far (appends take disjoint ranges).
    len: AtomicU64,
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
            len: AtomicU64::new(0),
        })
    }

    /// Appends a run whose predecessor is `prev`; the new run's reference (offset + 1).
    pub(crate) fn append(&self, prev: u64, bytes: &[u8]) -> io::Result<u64> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "run over 4 GiB"))?;
        let at = self
            .len
            .fetch_add(RECORD_HEADER + u64::from(len), Ordering::Relaxed);
        let mut rec = Vec::with_capacity(RECORD_HEADER as usize + bytes.len());
        rec.extend_from_slice(&prev.to_le_bytes());
        rec.extend_from_slice(&len.to_le_bytes());
        rec.extend_from_slice(bytes);
        self.file.write_all_at(&rec, at)?;
        Ok(at + 1)
    }

    /// The run at `reference` and its predecessor's reference.
    pub(crate) fn read(&self, reference: u64) -> io::Result<(u64, Vec<u8>)> {
        let at = reference - 1;
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
        self.len.load(Ordering::Relaxed)
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
        drop(f);
        assert!(!path.exists());
        std::fs::write(head.join("5-2.chunks"), b"left by a crash").unwrap();
        reset(dir.path()).unwrap();
        assert_eq!(std::fs::read_dir(&head).unwrap().count(), 0);
    }
}
