//! Telling whoever started the daemon that it listens, so that nothing it starts next sends
//! to a port not yet bound: s6's notification descriptor (a newline written to an inherited
//! file descriptor, which is then closed; the buildpack's profile script waits on it) and
//! systemd's `NOTIFY_SOCKET` (`READY=1`, for `Type=notify` units).
#![allow(unsafe_code)]

use std::io::Write as _;
use std::os::fd::FromRawFd as _;
use std::os::unix::net::UnixDatagram;

/// Says the daemon is ready on `fd` (when given) and on `$NOTIFY_SOCKET` (when set). A
/// notification that cannot be delivered is returned as a line to log; the daemon runs on.
pub fn notify(fd: Option<i32>) -> Vec<String> {
    let mut problems: Vec<String> = fd.and_then(notify_fd).into_iter().collect();
    if let Some(path) = std::env::var_os("NOTIFY_SOCKET") {
        if let Err(e) = send_ready(&path) {
            problems.push(format!("NOTIFY_SOCKET {}: {e}", path.to_string_lossy()));
        }
    }
    problems
}

/// Writes the newline to `fd` and closes it; what went wrong, as a line to log.
fn notify_fd(fd: i32) -> Option<String> {
    write_newline(fd)
        .err()
        .map(|e| format!("ready fd {fd}: {e}"))
}

fn write_newline(fd: i32) -> std::io::Result<()> {
    if fd <= 2 {
        return Err(std::io::Error::other(
            "is stdin, stdout or stderr; give a descriptor of its own",
        ));
    }
    // SAFETY: F_GETFD only reads the descriptor's flags; it fails with EBADF when the
    // descriptor is not open, and then nothing else touches it.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the descriptor is open (checked above), was inherited for this use only, and is
    // owned by this File from here on: nothing else in the daemon knows its number.
    let mut file = unsafe { std::fs::File::from_raw_fd(fd) };
    file.write_all(b"\n")
    // Dropping `file` closes the descriptor: the reader sees the line, then end of file.
}

fn send_ready(path: &std::ffi::OsStr) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let socket = UnixDatagram::unbound()?;
    let bytes = path.as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt as _;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            socket.send_to_addr(b"READY=1\n", &addr)?;
            return Ok(());
        }
        #[cfg(not(target_os = "linux"))]
        return Err(std::io::Error::other("abstract sockets need Linux"));
    }
    socket.send_to(b"READY=1\n", path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;
    use std::os::fd::IntoRawFd as _;

    #[test]
    fn the_descriptor_gets_a_newline_then_end_of_file() {
        let (mut reader, writer) = std::io::pipe().unwrap();
        let fd = writer.into_raw_fd();
        assert_eq!(notify_fd(fd), None);
        let mut got = String::new();
        reader.read_to_string(&mut got).unwrap();
        assert_eq!(got, "\n");
    }

    #[test]
    fn a_closed_or_standard_descriptor_is_reported_not_used() {
        let (_r, w) = std::io::pipe().unwrap();
        let fd = w.into_raw_fd();
        // SAFETY: closing a descriptor this test owns.
        unsafe { libc::close(fd) };
        let said = notify_fd(fd).unwrap();
        assert!(said.starts_with(&format!("ready fd {fd}: ")), "{said}");
        let said = notify_fd(1).unwrap();
        assert!(said.contains("stdout"), "{said}");
    }

    #[test]
    fn systemd_hears_ready() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        send_ready(path.as_os_str()).unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\n");
    }
}
