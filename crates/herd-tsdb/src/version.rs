//! The data directory's format version, in the file `VERSION`: `herd-tsdb <n>`. A directory
//! written by a newer format is refused, never half-read.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use crate::error::{AtPath, Error, Result};

/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;
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
