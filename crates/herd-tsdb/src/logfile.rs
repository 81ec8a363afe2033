//! An append-only file of framed records ([`crate::record`]) behind an 8-byte header (four
//! magic bytes naming the file's role, then the format version). Appends that fail (a full
//! disk) are cut back off, so what was written before stays readable.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{AtPath, Error, Result};
use crate::record::{self, Scan};
use crate::version::FORMAT_VERSION;

/// Bytes of the file header.
pub(crate) const FILE_HEADER: u64 = 8;

/// One open log file.
#[derive(Debug)]
pub(crate) struct LogFile {
    pub(crate) path: PathBuf,
    file: File,
    pub(crate) len: u64,
}

/// Reads a whole log file, checking its header: the bytes after it (empty for a file torn
/// inside its header).
pub(crate) fn read(path: &Path, magic: [u8; 4]) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .at(path)?;
    if bytes.len() < FILE_HEADER as usize {
        return Ok(Vec::new());
    }
    if bytes[..4] != magic {
        return Err(Error::corrupt(
            path,
            0,
            format!(
                "not a {} file (magic {:?})",
                String::from_utf8_lossy(&magic),
                String::from_utf8_lossy(&bytes[..4])
            ),
        ));
    }
    let version = u32::from_le_bytes(bytes[4..8].try_into().expect("four bytes"));
    if version > FORMAT_VERSION {
        return Err(Error::NewerVersion {
            path: path.to_owned(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    bytes.drain(..FILE_HEADER as usize);
    Ok(bytes)
}

/// The good records of a log file's body (as [`read`] gave it).
pub(crate) fn scan<'a>(path: &Path, body: &'a [u8]) -> Scan<'a> {
    record::scan(path, body, FILE_HEADER)
}

impl LogFile {
    /// Creates a new, empty log file (failing if it exists).
    pub(crate) fn create(path: &Path, magic: [u8; 4]) -> Result<Self> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .at(path)?;
        let mut header = magic.to_vec();
        header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        if let Err(e) = file.write_all(&header) {
            drop(file);
            let _ = fs::remove_file(path);
            return Err(Error::io(path, e));
        }
        Ok(Self {
            path: path.to_owned(),
            file,
            len: FILE_HEADER,
        })
    }

    /// Opens an existing log file for appending after its last good record (`good_end`, as a
    /// scan found it): a torn tail is cut off.
    pub(crate) fn append_to(path: &Path, good_end: u64, magic: [u8; 4]) -> Result<Self> {
        let file = match OpenOptions::new().write(true).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Self::create(path, magic),
            Err(e) => return Err(Error::io(path, e)),
        };
        let size = file.metadata().at(path)?.len();
        if size < FILE_HEADER {
            drop(file);
            fs::remove_file(path).at(path)?;
            return Self::create(path, magic);
        }
        if size > good_end {
            file.set_len(good_end).at(path)?;
        }
        let mut f = Self {
            path: path.to_owned(),
            file,
            len: good_end,
        };
        f.seek_end()?;
        Ok(f)
    }

    fn seek_end(&mut self) -> Result<()> {
        use std::io::Seek;
        self.file
            .seek(std::io::SeekFrom::Start(self.len))
            .map(|_| ())
            .at(&self.path)
    }

    /// Appends framed records (all or none of them).
    pub(crate) fn append(&mut self, framed: &[u8]) -> Result<()> {
        self.append_parts(&[framed])
    }

    /// Appends the bytes of `parts`, one after the other (all or none of them).
    fn append_parts(&mut self, parts: &[&[u8]]) -> Result<()> {
        for part in parts {
            if let Err(e) = self.file.write_all(part) {
                // Cut a partial record off, so the next append does not follow garbage.
                let _ = self.file.set_len(self.len);
                let _ = self.seek_end();
                return Err(Error::io(&self.path, e));
            }
        }
        self.len += parts.iter().map(|p| p.len() as u64).sum::<u64>();
        Ok(())
    }

    /// Cuts the file back to `len` bytes (undoing appends after it).
    pub(crate) fn cut(&mut self, len: u64) -> Result<()> {
        self.file.set_len(len).at(&self.path)?;
        self.len = len;
        self.seek_end()
    }

    /// Appends one record.
    pub(crate) fn append_record(&mut self, payload: &[u8]) -> Result<()> {
        // Header and payload written as they are: a big record is not copied to be framed.
        self.append_parts(&[&record::header(payload), payload])
    }

    /// Makes what was appended durable.
    pub(crate) fn sync(&mut self) -> Result<()> {
        self.file.sync_data().at(&self.path)
    }
}

/// Makes a directory's entries (created, renamed, removed files) durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).at(dir)
}
