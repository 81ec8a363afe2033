//! The data directory's lock: an advisory lock on `LOCK` held while the store is open, with
//! the holder's pid written in it so that a second opener can say who has it. The system
//! drops the lock when the holder exits, however it exits, so a killed daemon leaves no
//! stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::error::{AtPath, Error, Result};

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "LOCK";

/// Holds the lock until dropped.
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock on `dir`, or fails naming the directory and the holder's pid.
    pub(crate) fn take(dir: &Path) -> Result<Self> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .at(&path)?;
        // Held by this very process: a store being closed on another thread, or a lock a
        // child process was forked with between its fork and its exec (file descriptors are
        // closed at exec); either lets go within moments, so this waits up to a second.
        let mut tries = 0;
        let held = loop {
            match file.try_lock() {
                Err(TryLockError::WouldBlock)
                    if tries < 100 && holder(&mut file) == Some(std::process::id()) =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                other => break other,
            }
        };
        match held {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Locked {
                    dir: dir.to_owned(),
                    pid: holder(&mut file),
                    lock: path,
                });
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        // The pid is for the message a second opener prints; a full disk must not keep the
        // store from opening, so writing it is best effort.
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        Ok(Self { _file: file })
    }
}

/// The pid the lock's holder wrote in it.
fn holder(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}
