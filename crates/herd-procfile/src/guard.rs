//! The guard: what makes a `kill -9` of herd take the whole process tree with it.
//!
//! A process killed with SIGKILL runs no code, so a supervisor cannot clean up after its own
//! death; and its children's `PR_SET_PDEATHSIG` reaches only them, not the grandchildren
//! that a shell or a daemon started. So on Linux herd splits in two at start-up:
//!
//! * the **guard** is the process that was started (the pid a user or a script knows). It is a
//!   child subreaper, forwards SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 to the supervisor,
//!   and exits with the supervisor's exit code;
//! * the **supervisor** is its forked child, a subreaper too, which does all the work and asks
//!   for SIGTERM when the guard dies (`PR_SET_PDEATHSIG`).
//!
//! `kill -9` of the guard: the supervisor gets SIGTERM and stops the whole tree as on Ctrl-C
//! (SIGTERM, the timeout, SIGKILL, until no descendant is left). `kill -9` of the supervisor:
//! its orphans, however deep and whatever their session, are reparented to the guard, which
//! sends them SIGTERM, waits up to the timeout and SIGKILLs what is left.
//!
//! Forking is only sound before any thread exists, so [`guarded`] must run first.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::sys::{self, Status};

const FORWARDED: [libc::c_int; 5] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGUSR1,
    libc::SIGUSR2,
];

/// Runs `work` in a supervised child process and returns its exit code, making sure that no
/// descendant outlives this process even when it is killed with SIGKILL (Linux). `timeout` is
/// the grace period between SIGTERM and SIGKILL for orphans left by a killed supervisor.
///
/// Call it before starting any thread. Outside Linux, or when forking fails, `work` runs in
/// this process.
pub fn guarded(timeout: Duration, work: impl FnOnce() -> i32) -> i32 {
    if !cfg!(any(target_os = "linux", target_os = "android")) || !sys::become_subreaper() {
        return work();
    }
    let mut handled = FORWARDED.to_vec();
    handled.push(libc::SIGCHLD);
    // Handlers first, so that a signal arriving right after the fork is not lost.
    let Ok(wake) = sys::route_signals(&handled) else {
        return work();
    };
    let guard = sys::getpid();
    let pid = match sys::fork() {
        Ok(0) => {
            sys::restore_default_signals(&handled);
            drop(wake);
            if !sys::die_with_parent(libc::SIGTERM, guard) {
                // The guard is already gone: stop as soon as the work has set itself up.
                sys::kill_pid(sys::getpid(), libc::SIGTERM);
            }
            let code = work();
            std::process::exit(code);
        }
        Ok(pid) => pid,
        Err(_) => {
            sys::restore_default_signals(&handled);
            return work();
        }
    };
    let code = watch(&wake, pid, timeout);
    sys::restore_default_signals(&handled);
    code
}

/// The guard's loop: forward signals to `child` until it exits, then clear up.
fn watch(wake: &std::fs::File, child: i32, timeout: Duration) -> i32 {
    let mut ready = Vec::new();
    let mut bytes = [0u8; 64];
    let status = loop {
        if let Some(status) = reap_until(child) {
            break status;
        }
        if sys::poll_readable(&[wake.as_raw_fd()], 1000, &mut ready).is_err() {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        if let Ok(n) = (&*wake).read(&mut bytes) {
            for &b in &bytes[..n] {
                let signal = i32::from(b);
                if FORWARDED.contains(&signal) {
                    sys::kill_pid(child, signal);
                }
            }
        }
    };
    clear_orphans(timeout);
    status.code()
}

/// Reaps every exited child; returns the status of `child` once it has exited.
fn reap_until(child: i32) -> Option<Status> {
    let mut found = None;
    while let Ok(Some((pid, status))) = sys::reap_any() {
        if pid == child {
            found = Some(status);
        }
    }
    found
}

/// SIGTERM to every process left under the guard, up to `timeout` for them to go, then
/// SIGKILL until none is left. Nothing is left when the supervisor ended normally.
fn clear_orphans(timeout: Duration) {
    let me = sys::getpid();
    let left = || sys::descendants_of(&sys::process_table(), me, &[]);
    let mut orphans = left();
    if orphans.is_empty() {
        return;
    }
    let mut termed: Vec<i32> = Vec::new();
    let deadline = Instant::now() + timeout;
    while !orphans.is_empty() {
        let kill = Instant::now() >= deadline;
        for p in &orphans {
            if kill {
                sys::kill_pid(p.pid, libc::SIGKILL);
            } else if !termed.contains(&p.pid) {
                // Once each, a process that appeared since the last round included.
                sys::kill_pid(p.pid, libc::SIGTERM);
                termed.push(p.pid);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
        while let Ok(Some(_)) = sys::reap_any() {}
        orphans = left();
    }
}
