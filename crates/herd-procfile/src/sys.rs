//! The few operating-system calls the supervisor needs that std does not offer: signal
//! delivery through a self-pipe, `poll`, `waitpid(-1)`, process-group signals, the Linux child
//! subreaper flag and local time. Every `unsafe` block of the crate lives here.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};

/// The write end of the self-pipe, read by the signal handler (-1 when none).
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

/// Creates a pipe whose two ends are close-on-exec. Returns `(read, write)`.
pub fn pipe() -> io::Result<(File, File)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe(2) to fill.
    let rc = unsafe { libc::pipe(fds.as_mut_ptr()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe(2) succeeded, so both descriptors are open and owned by nobody else.
    let (r, w) = unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) };
    set_cloexec(r.as_raw_fd())?;
    set_cloexec(w.as_raw_fd())?;
    Ok((r, w))
}

fn set_cloexec(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own, with flag arguments only.
    let rc = unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Makes reads and writes on `fd` return `WouldBlock` instead of waiting.
pub fn set_nonblocking(fd: &impl AsRawFd) -> io::Result<()> {
    let fd = fd.as_raw_fd();
    // SAFETY: fcntl on a descriptor owned by the caller, with flag arguments only.
    let rc = unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags == -1 {
            -1
        } else {
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK)
        }
    };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

extern "C" fn on_signal(signo: libc::c_int) {
    let fd = WAKE_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        let byte = signo as u8;
        // SAFETY: write(2) is async-signal-safe; the pipe is non-blocking, so a full pipe drops
        // the byte (the loop is already awake then); errno is saved and restored around it.
        unsafe {
            let saved = *errno_location();
            libc::write(fd, std::ptr::addr_of!(byte).cast(), 1);
            *errno_location() = saved;
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: returns the calling thread's errno slot.
    unsafe { libc::__errno_location() }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: returns the calling thread's errno slot.
    unsafe { libc::__error() }
}

/// Routes `signals` to `wake` (one byte per delivery, the signal number) and returns the read
/// end. Dispositions go back to the default when a child execs, so children are unaffected.
pub fn route_signals(signals: &[libc::c_int]) -> io::Result<File> {
    let (r, w) = pipe()?;
    set_nonblocking(&r)?;
    set_nonblocking(&w)?;
    let old = WAKE_FD.swap(OwnedFd::from(w).into_raw_fd(), Ordering::SeqCst);
    if old >= 0 {
        // SAFETY: `old` was leaked by an earlier call and is owned by nobody else.
        unsafe { libc::close(old) };
    }
    for &sig in signals {
        // SAFETY: a zeroed sigaction is valid; we set a handler that only calls write(2).
        let rc = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&raw mut action.sa_mask);
            libc::sigaction(sig, &raw const action, std::ptr::null_mut())
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(r)
}

/// Puts `signals` back to their default disposition.
pub fn restore_default_signals(signals: &[libc::c_int]) {
    for &sig in signals {
        // SAFETY: installing SIG_DFL is always valid.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
}

/// Waits until one of `fds` is readable (or hung up), or `timeout_ms` passes (-1: forever).
/// Returns, per descriptor, whether it is ready.
pub fn poll_readable(fds: &[RawFd], timeout_ms: i32, ready: &mut Vec<bool>) -> io::Result<()> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: `pfds` is a valid array of `pfds.len()` pollfd structs.
    let rc = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout_ms) };
    ready.clear();
    if rc < 0 {
        let err = io::Error::last_os_error();
        if err.kind() == io::ErrorKind::Interrupted {
            ready.resize(fds.len(), false);
            return Ok(());
        }
        return Err(err);
    }
    ready.extend(pfds.iter().map(|p| p.revents != 0));
    Ok(())
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `exit(code)`.
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
}

impl Status {
    /// The shell convention: the code, or 128 + signal.
    pub fn code(self) -> i32 {
        match self {
            Self::Exited(c) => c,
            Self::Signaled(s) => 128 + s,
        }
    }
}

/// Reaps one exited child of this process (any, including adopted orphans) without waiting.
/// `Ok(None)`: children exist but none has exited. `Err` with `ECHILD`: no children at all.
pub fn reap_any() -> io::Result<Option<(i32, Status)>> {
    let mut status: libc::c_int = 0;
    // SAFETY: waitpid with a valid out-pointer.
    let pid = unsafe { libc::waitpid(-1, &raw mut status, libc::WNOHANG) };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        return Ok(None);
    }
    let st = if libc::WIFEXITED(status) {
        Status::Exited(libc::WEXITSTATUS(status))
    } else {
        Status::Signaled(libc::WTERMSIG(status))
    };
    Ok(Some((pid, st)))
}

/// Sends `signal` to process group `pgid`. A group that is gone is not an error.
pub fn kill_group(pgid: i32, signal: libc::c_int) {
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals a group; no memory is involved.
        unsafe { libc::kill(-pgid, signal) };
    }
}

/// Sends `signal` to process `pid`. A process that is gone is not an error.
pub fn kill_pid(pid: i32, signal: libc::c_int) {
    if pid > 1 {
        // SAFETY: kill(2) on a single pid; no memory is involved.
        unsafe { libc::kill(pid, signal) };
    }
}

/// This process's id.
pub fn getpid() -> i32 {
    std::process::id() as i32
}

/// Makes this process adopt orphaned descendants (Linux `PR_SET_CHILD_SUBREAPER`), so that a
/// grandchild that double-forks or calls `setsid` is reparented here, reaped and killed.
/// Returns whether the kernel accepted it.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn become_subreaper() -> bool {
    // SAFETY: prctl with integer arguments only.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 }
}

/// Subreapers exist on Linux only.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn become_subreaper() -> bool {
    false
}

/// In a freshly forked child: ask for SIGTERM when the parent dies (Linux), so that even a
/// `kill -9` of herd does not leave its direct children running.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn set_parent_death_signal(cmd: &mut std::process::Command, parent: i32) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs between fork and exec and only calls async-signal-safe
    // functions (prctl, getppid, kill); it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM, 0, 0, 0);
            // The parent may have died before prctl: then we were already reparented.
            if libc::getppid() != parent {
                libc::kill(libc::getpid(), libc::SIGTERM);
            }
            Ok(())
        });
    }
}

/// Forks this process. Returns the child's pid in the parent and 0 in the child.
///
/// Only for a process that has started no thread yet: the child is a full copy of a
/// single-threaded process and may do anything afterwards.
pub fn fork() -> io::Result<i32> {
    // SAFETY: fork(2) has no memory arguments; the caller guarantees that no other thread
    // exists, so the child holds no lock another thread owned.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(pid)
}

/// Asks for `signal` when the parent process dies (Linux `PR_SET_PDEATHSIG`), in this process.
/// Returns false when the parent is no longer `parent` (it died before the request): then the
/// caller should act as if the signal had come.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn die_with_parent(signal: libc::c_int, parent: i32) -> bool {
    // SAFETY: prctl and getppid with integer arguments only.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, signal, 0, 0, 0);
        libc::getppid() == parent
    }
}

/// No parent-death signal outside Linux.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn die_with_parent(_signal: libc::c_int, _parent: i32) -> bool {
    true
}

/// No parent-death signal outside Linux.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn set_parent_death_signal(_cmd: &mut std::process::Command, _parent: i32) {}

/// Gives back the resident pages of code that only start-up needed (argument parsing, file
/// loading, spawning) once supervision has begun: `MADV_DONTNEED` on every executable file
/// mapping (this program and its shared libraries) that holds no copy-on-write page. Those
/// pages are identical to the file, so any that are needed again fault back in from the page
/// cache; a mapping with a written page is left alone. Returns the kilobytes released. Linux
/// only.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn release_startup_code() -> usize {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return 0;
    };
    let mut released = 0;
    let mut current: Option<(usize, usize, usize)> = None; // start, end, rss kB
    let mut flush = |range: Option<(usize, usize, usize)>, dirty: bool| {
        if let Some((start, end, rss)) = range {
            if !dirty && end > start {
                // SAFETY: the range is a whole mapping of this process, read-only and clean:
                // discarding it only drops page-cache copies that fault back in unchanged.
                let rc = unsafe {
                    libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED)
                };
                if rc == 0 {
                    released += rss;
                }
            }
        }
    };
    let mut dirty = false;
    for line in smaps.lines() {
        let mut fields = line.split_ascii_whitespace();
        let first = fields.next().unwrap_or("");
        if let Some((a, b)) = first
            .split_once('-')
            .filter(|(a, _)| a.bytes().all(|c| c.is_ascii_hexdigit()))
        {
            flush(current.take(), dirty);
            dirty = false;
            let perms = fields.next().unwrap_or("");
            let path = fields.nth(3).unwrap_or("");
            if perms == "r-xp" && path.starts_with('/') {
                if let (Ok(start), Ok(end)) =
                    (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
                {
                    current = Some((start, end, 0));
                }
            }
        } else if let Some(range) = current.as_mut() {
            let value: usize = fields.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            match first {
                "Rss:" => range.2 = value,
                // Pages of a private file mapping that were ever written are counted here
                // (copy-on-write copies); page-cache dirtiness (a freshly built binary) is not
                // a reason to keep a page.
                "Anonymous:" if value > 0 => dirty = true,
                _ => {}
            }
        }
    }
    flush(current.take(), dirty);
    released
}

/// Nothing to release outside Linux.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn release_startup_code() -> usize {
    0
}

/// Local wall-clock time as (hours, minutes, seconds) for the given Unix time.
pub fn local_hms(unix_seconds: i64) -> (u8, u8, u8) {
    let t: libc::time_t = unix_seconds as libc::time_t;
    // SAFETY: a zeroed tm is valid; localtime_r fills it from a valid time_t pointer.
    let (ok, tm) = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        let ok = !libc::localtime_r(&raw const t, &raw mut tm).is_null();
        (ok, tm)
    };
    if ok {
        (tm.tm_hour as u8, tm.tm_min as u8, tm.tm_sec as u8)
    } else {
        let s = unix_seconds.rem_euclid(86_400);
        ((s / 3600) as u8, ((s / 60) % 60) as u8, (s % 60) as u8)
    }
}

/// One row of the process table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcInfo {
    /// Process id.
    pub pid: i32,
    /// Parent process id.
    pub ppid: i32,
    /// Process group id.
    pub pgid: i32,
}

/// Every live (non-zombie) process, read from `/proc`. Empty where `/proc` is not available.
pub fn process_table() -> Vec<ProcInfo> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut table = Vec::new();
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name is in parentheses and may hold anything: parse after the last ')'.
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let mut fields = stat[close + 1..].split_ascii_whitespace();
        let state = fields.next().unwrap_or("");
        let ppid = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let pgid = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        if state != "Z" && state != "X" {
            table.push(ProcInfo { pid, ppid, pgid });
        }
    }
    table
}

/// The descendants of `root` in `table`, not entering the subtrees rooted at `exclude`.
pub fn descendants_of(table: &[ProcInfo], root: i32, exclude: &[i32]) -> Vec<ProcInfo> {
    let mut out: Vec<ProcInfo> = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for p in table {
            if p.ppid == parent && !exclude.contains(&p.pid) && !out.iter().any(|o| o.pid == p.pid)
            {
                out.push(*p);
                frontier.push(p.pid);
            }
        }
    }
    out
}

/// Wakes the supervisor loop from another thread (a service that finished).
pub fn wake() {
    on_signal(0);
}

/// The name of a signal (`SIGTERM`), or `SIG<n>`.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGCHLD => "SIGCHLD",
        libc::SIGCONT => "SIGCONT",
        libc::SIGSTOP => "SIGSTOP",
        libc::SIGTSTP => "SIGTSTP",
        libc::SIGXCPU => "SIGXCPU",
        _ => return format!("SIG{signal}"),
    };
    name.to_owned()
}

/// Whether standard output is a terminal.
pub fn stdout_is_tty() -> bool {
    // SAFETY: isatty on a descriptor number; no memory is involved.
    unsafe { libc::isatty(1) == 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_shell_codes() {
        assert_eq!(Status::Exited(3).code(), 3);
        assert_eq!(Status::Signaled(libc::SIGTERM).code(), 143);
        assert_eq!(signal_name(libc::SIGKILL), "SIGKILL");
        assert_eq!(signal_name(77), "SIG77");
    }

    #[test]
    fn descendants_skip_excluded_subtrees() {
        let p = |pid, ppid| ProcInfo {
            pid,
            ppid,
            pgid: pid,
        };
        let table = [
            p(10, 1),
            p(11, 10),
            p(12, 11),
            p(20, 10),
            p(21, 20),
            p(30, 1),
        ];
        let pids = |v: Vec<ProcInfo>| {
            let mut v: Vec<i32> = v.into_iter().map(|i| i.pid).collect();
            v.sort_unstable();
            v
        };
        assert_eq!(pids(descendants_of(&table, 10, &[])), [11, 12, 20, 21]);
        assert_eq!(pids(descendants_of(&table, 10, &[20])), [11, 12]);
    }

    #[test]
    fn local_time_is_a_valid_clock_reading() {
        let (h, m, s) = local_hms(1_700_000_000);
        assert!(h < 24 && m < 60 && s < 61);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn descendants_finds_a_grandchild() {
        let mut child = std::process::Command::new("/bin/sh")
            .args(["-c", "sleep 5 & wait"])
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let mut found = Vec::new();
        for _ in 0..200 {
            found = descendants_of(&process_table(), pid, &[]);
            if !found.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(descendants_of(&process_table(), getpid(), &[pid]), []);
        kill_pid(found[0].pid, libc::SIGKILL);
        child.wait().unwrap();
    }
}
