//! Putting an export on disk, and taking away what an earlier export wrote and this one does
//! not (`app-web.2.service` after the formation went from `web=2` to `web=1`).
//!
//! Every export records the files it wrote in `DIR/.herd-export`, one relative path a line. A
//! re-export removes the files listed there that it does not write again (and directories
//! left empty by that). Without that record, a file in `DIR` named like the app's
//! (`APP-…` or `APP.…`) that this export would not write makes the export refuse, naming the
//! file: it may be a unit of an earlier foreman export that is still enabled.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::File;

/// The record of the files an export wrote, inside the export directory.
pub const MANIFEST: &str = ".herd-export";

/// What [`write`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// Files written, relative to the export directory.
    pub written: Vec<PathBuf>,
    /// Files of an earlier export removed because this one does not write them.
    pub removed: Vec<PathBuf>,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Files that look like an earlier export of the app, which this export would leave stale.
    #[error("{dir} holds {files}, which this export does not write and no earlier herd export recorded in {MANIFEST}; remove them (and disable the units) or export to an empty directory", dir = dir.display(), files = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "))]
    Stale {
        /// The export directory.
        dir: PathBuf,
        /// The files, relative to it.
        files: Vec<PathBuf>,
    },
}

/// Writes `files` under `dir` with their modes, creating directories as needed, and removes
/// what the previous export of `dir` wrote and this one does not. `app` is the prefix used to
/// recognise files of an unrecorded earlier export.
pub fn write(dir: &Path, files: &[File], app: &str) -> Result<Written, WriteError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| WriteError::Io { path, source }
    };
    let manifest_path = dir.join(MANIFEST);
    let new: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let old: Option<Vec<PathBuf>> = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => Some(
            text.lines()
                .filter(|l| !l.is_empty())
                .map(PathBuf::from)
                // Only plain relative paths: the record must not reach outside `dir`.
                .filter(|p| {
                    p.components()
                        .all(|c| matches!(c, std::path::Component::Normal(_)))
                })
                .collect(),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&manifest_path)(e)),
    };
    if old.is_none() {
        let stale = unrecorded(dir, &new, app);
        if !stale.is_empty() {
            return Err(WriteError::Stale {
                dir: dir.to_owned(),
                files: stale,
            });
        }
    }
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        write_file(&path, &f.contents, f.mode).map_err(io(&path))?;
    }
    let mut removed = Vec::new();
    for path in old.unwrap_or_default() {
        if new.contains(&path) {
            continue;
        }
        let full = dir.join(&path);
        match std::fs::remove_file(&full) {
            Ok(()) => removed.push(path.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&full)(e)),
        }
        // Directories the removed file leaves empty (runit's `APP-web-2/env/`) go too.
        let mut parent = path.parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            if std::fs::remove_dir(dir.join(p)).is_err() {
                break;
            }
            parent = p.parent();
        }
    }
    let mut record = String::new();
    for p in &new {
        record.push_str(&p.display().to_string());
        record.push('\n');
    }
    write_file(&manifest_path, &record, 0o644).map_err(io(&manifest_path))?;
    Ok(Written {
        written: new,
        removed,
    })
}

/// Entries of `dir` named like the app's files (`APP-…`, `APP.…`) that `new` does not hold.
fn unrecorded(dir: &Path, new: &[PathBuf], app: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| PathBuf::from(e.file_name()))
        .filter(|name| {
            let s = name.to_string_lossy();
            let ours = s
                .strip_prefix(app)
                .is_some_and(|rest| rest.starts_with(['-', '.']));
            ours && !new.iter().any(|p| p.starts_with(name))
        })
        .collect();
    out.sort();
    out
}

/// Writes `contents` to `path` with permission bits `mode`. A file meant to be private is
/// created private, so its contents are never readable by others, even for a moment.
fn write_file(path: &Path, contents: &str, mode: u32) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)?;
    // An existing file keeps its old mode on open: set it explicitly.
    file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    file.write_all(contents.as_bytes())
}
