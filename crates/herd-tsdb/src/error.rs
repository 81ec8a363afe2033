//! Errors: every one names the file (and, for damage, the byte offset) it is about.

use std::io;
use std::path::{Path, PathBuf};

/// What went wrong, and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
    /// Another process holds the data directory.
    #[error("{}: the data directory is in use by another process{} (lock file {})",
        dir.display(), pid.map(|p| format!(" (pid {p})")).unwrap_or_default(), lock.display())]
    Locked {
        /// The data directory.
        dir: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The pid written in the lock file by its holder, if readable.
        pid: Option<u32>,
    },
    /// A file was written by a newer format version than this build reads.
    #[error("{}: format version {found} is newer than the {supported} this build reads; open it with a newer herd", path.display())]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The store was opened read-only.
    #[error("{}: opened read-only; the daemon that owns the directory writes it", dir.display())]
    ReadOnly {
        /// The data directory.
        dir: PathBuf,
    },
    /// A file's bytes do not decode.
    #[error("{}: byte {offset}: {what}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the damage starts.
        offset: u64,
        /// What is wrong there.
        what: String,
    },
}

impl Error {
    /// An I/O error about `path`.
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// Damage in `path` at `offset`.
    pub(crate) fn corrupt(path: &Path, offset: u64, what: impl Into<String>) -> Self {
        Self::Corrupt {
            path: path.to_owned(),
            offset,
            what: what.into(),
        }
    }

    /// Whether this is a full disk (or an exceeded quota): nothing was lost, the write was refused.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Self::Io { source, .. } => matches!(
                source.kind(),
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
            ),
            _ => false,
        }
    }
}

/// `Result` with the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds the path to an `io::Result`.
pub(crate) trait AtPath<T> {
    /// The error, naming `path`.
    fn at(self, path: &Path) -> Result<T>;
}

impl<T> AtPath<T> for io::Result<T> {
    fn at(self, path: &Path) -> Result<T> {
        self.map_err(|e| Error::io(path, e))
    }
}
