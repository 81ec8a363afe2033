//! The data directory's format version, in the file `VERSION`: `herd-tsdb <n>`. A directory
//! written by a newer format is refused, never half-read.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use crate::error::{AtPath, Error, Result};

/// The format version this build writes and the newest it reads. 2 added day blocks
/// (`<day>-<checkpoint>-24h.blk`, replacing a day's window blocks) and rollup levels stored
/// by how much they thin the rows; version 1 directories and blocks still read.
pub const FORMAT_VERSION: u32 = 2;
/// The version file's name in the data directory.
pub const VERSION_FILE: &str = "VERSION";

/// Checks the directory's version, writing it when the directory is new.
pub(crate) fn check_or_create(dir: &Path) -> Result<()> {
    let path = dir.join(VERSION_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => {
            let found = text
                .trim()
                .strip_prefix("herd-tsdb ")
                .and_then(|v| v.parse::<u32>().ok())
                .ok_or_else(|| {
                    Error::corrupt(
                        &path,
                        0,
                        format!("expected `herd-tsdb <version>`, found {:?}", text.trim()),
                    )
                })?;
            if found > FORMAT_VERSION {
                return Err(Error::NewerVersion {
                    path,
                    found,
                    supported: FORMAT_VERSION,
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let tmp = dir.join("VERSION.tmp");
            fs::write(&tmp, format!("herd-tsdb {FORMAT_VERSION}\n")).at(&tmp)?;
            fs::rename(&tmp, &path).at(&path)
        }
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// Raises the directory's version file to [`FORMAT_VERSION`] (tmp, sync, rename, directory
/// sync), before files only this version reads are written into it, so that an older build
/// refuses the directory rather than miss them.
pub(crate) fn upgrade(dir: &Path) -> Result<()> {
    let path = dir.join(VERSION_FILE);
    let current = format!("herd-tsdb {FORMAT_VERSION}");
    match fs::read_to_string(&path) {
        Ok(text) if text.trim() == current => return Ok(()),
        Ok(_) => {}
        Err(e) => return Err(Error::io(&path, e)),
    }
    let tmp = dir.join("VERSION.tmp");
    let file = fs::File::create(&tmp).at(&tmp)?;
    std::io::Write::write_all(&mut &file, format!("{current}\n").as_bytes()).at(&tmp)?;
    file.sync_all().at(&tmp)?;
    fs::rename(&tmp, &path).at(&path)?;
    crate::logfile::sync_dir(dir)
}
