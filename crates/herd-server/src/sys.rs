//! The few system calls std does not offer: batched receive, poll, signal waiting, and one
//! allocator setting.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::RawFd;

/// Sets glibc's allocator for a long-lived daemon: a single arena, and a fixed mmap threshold.
///
/// By default each thread that allocates gets an arena of its own, and memory freed in one is
/// not reused by another: the flush thread's points and the worker's states then peak side by
/// side (100k contexts with a flush inside the run: 63.7 MiB peak RSS at worst with per-thread
/// arenas, 54.3 with one; `docs/benchmarks.md`).
/// The daemon's threads allocate rarely (new contexts, new bucket states, flushes), so the
/// shared lock costs nothing measurable.
///
/// Allocations of 128 KiB and more are mapped and unmapped on their own (glibc would raise
/// this threshold as such blocks are freed, and then keep a flush's big buffers, the store's
/// ~2.3 MB log record at 100k points among them, inside its heap). A no-op with other C
/// libraries.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes an allocator parameter; any value is accepted or refused
    // (returning 0), and it may be called at any time.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}

/// Gives the pages of freed memory back to the system (glibc's `malloc_trim`).
///
/// A flush allocates and frees a few megabytes at 100k contexts (the points, the store's
/// log record, forwarders' payloads); glibc keeps freed memory inside its heap, so the
/// daemon's resident set would stay at its highest flush. Called after each flush, when
/// everything it allocated is freed; it costs a walk of the heap's free lists. A no-op
/// with other C libraries.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases free memory; it takes the allocator's lock and may
    // be called at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Most datagrams taken by one `recvmmsg`.
pub const MAX_BATCH: usize = 32;

/// What one batched receive got.
#[derive(Debug, Default, Clone, Copy)]
pub struct Received {
    /// Datagrams received (truncated ones included).
    pub datagrams: usize,
    /// Of which larger than their slot (dropped, counted).
    pub truncated: usize,
    /// Bytes copied.
    pub bytes: usize,
    /// The socket's kernel drop count as of the last datagram received (`SO_RXQ_OVFL`), when
    /// the kernel reported it.
    pub kernel_drops: Option<u32>,
}

/// `SO_RXQ_OVFL` (asm-generic value; the libc crate does not name it for glibc targets).
const SO_RXQ_OVFL: libc::c_int = 40;
/// `SO_MEMINFO` (asm-generic value), and the index of the drop count in its answer.
const SO_MEMINFO: libc::c_int = 55;

/// Room for one control message carrying a `u32` (`CMSG_SPACE(4)` is 24 on 64-bit Linux).
type Control = [u64; 4];

/// Asks the kernel to attach its drop count to every datagram received on `fd`
/// (`SO_RXQ_OVFL`), so that datagrams lost to a full receive buffer are counted.
pub fn enable_drop_count(fd: RawFd) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: a valid option value of the size given.
    let r = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            SO_RXQ_OVFL,
            (&raw const on).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The socket's drop count now (`SO_MEMINFO`): datagrams the kernel dropped for this socket,
/// including those after the last one received, which `SO_RXQ_OVFL` reports only with the
/// next datagram.
pub fn socket_drops(fd: RawFd) -> io::Result<u32> {
    let mut info = [0u32; libc::SK_MEMINFO_DROPS as usize + 1];
    let mut len = std::mem::size_of_val(&info) as libc::socklen_t;
    // SAFETY: `info` is writable for `len` bytes; the kernel writes at most that.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            SO_MEMINFO,
            info.as_mut_ptr().cast(),
            &raw mut len,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info[libc::SK_MEMINFO_DROPS as usize])
}

/// Receives up to `min(MAX_BATCH, buf.len() / slot)` datagrams into consecutive `slot`-byte
/// slots of `buf` with one `recvmmsg` (blocking for the first one up to the socket's receive
/// timeout, then taking what is there), into the slots after those `spans` already holds.
/// Whole datagrams are appended to `spans` as `(offset, len)`; a datagram longer than `slot`
/// is counted as truncated, not kept.
pub fn recv_batch(
    fd: RawFd,
    buf: &mut [u8],
    slot: usize,
    spans: &mut Vec<(u32, u32)>,
    wait: bool,
) -> io::Result<Received> {
    // Slots already holding a datagram of this batch are skipped.
    let first = spans.last().map_or(0, |&(o, _)| o as usize / slot + 1);
    let base = first * slot;
    let start = base.min(buf.len());
    let buf = &mut buf[start..];
    let n = (buf.len() / slot).min(MAX_BATCH);
    if n == 0 {
        return Ok(Received::default());
    }
    let mut iovs: [libc::iovec; MAX_BATCH] = [libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }; MAX_BATCH];
    let mut control: [Control; MAX_BATCH] = [[0; 4]; MAX_BATCH];
    // SAFETY: mmsghdr is plain data; all-zero is a valid (empty) value.
    let mut msgs: [libc::mmsghdr; MAX_BATCH] = unsafe { std::mem::zeroed() };
    for i in 0..n {
        iovs[i] = libc::iovec {
            iov_base: buf[i * slot..].as_mut_ptr().cast(),
            iov_len: slot,
        };
        msgs[i].msg_hdr.msg_iov = &raw mut iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = control[i].as_mut_ptr().cast();
        msgs[i].msg_hdr.msg_controllen = std::mem::size_of::<Control>() as _;
    }
    let flags = if wait {
        libc::MSG_WAITFORONE
    } else {
        libc::MSG_DONTWAIT
    };
    // SAFETY: every msg_iov points into `buf` at a distinct slot of `slot` bytes, and every
    // msg_control at a distinct control buffer of the size given, all alive for the call; `n`
    // is at most the arrays' length.
    let got = unsafe {
        libc::recvmmsg(
            fd,
            msgs.as_mut_ptr(),
            n as libc::c_uint,
            flags,
            std::ptr::null_mut(),
        )
    };
    if got < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut r = Received::default();
    for (i, m) in msgs.iter().take(got as usize).enumerate() {
        r.datagrams += 1;
        r.bytes += m.msg_len as usize;
        if m.msg_hdr.msg_flags & libc::MSG_TRUNC != 0 {
            r.truncated += 1;
        } else {
            spans.push(((base + i * slot) as u32, m.msg_len));
        }
        if let Some(drops) = drop_count(&m.msg_hdr) {
            r.kernel_drops = Some(drops);
        }
    }
    Ok(r)
}

/// The `SO_RXQ_OVFL` drop count in a received message's control data, if there is one.
fn drop_count(hdr: &libc::msghdr) -> Option<u32> {
    // SAFETY: `hdr` was filled by recvmmsg: its control pointer and length describe the
    // control buffer the kernel wrote, which the CMSG_* walkers stay within.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(hdr);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == SO_RXQ_OVFL {
                return Some(std::ptr::read_unaligned(
                    libc::CMSG_DATA(cmsg).cast::<u32>(),
                ));
            }
            cmsg = libc::CMSG_NXTHDR(hdr, cmsg);
        }
    }
    None
}

/// Waits until `fd` is readable or `timeout_ms` passes. `Ok(true)` when readable.
pub fn wait_readable(fd: RawFd, timeout_ms: i32) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&raw mut pfd, 1, timeout_ms) };
    match n {
        n if n < 0 => {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(e)
            }
        }
        0 => Ok(false),
        _ => Ok(true),
    }
}

fn term_signals() -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset initialise the set we own.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&raw mut set);
        libc::sigaddset(&raw mut set, libc::SIGINT);
        libc::sigaddset(&raw mut set, libc::SIGTERM);
        set
    }
}

/// Blocks SIGINT and SIGTERM in this thread and every thread it starts afterwards, so that
/// [`wait_for_signal`] receives them instead of the default action killing the process.
pub fn block_term_signals() {
    let set = term_signals();
    // SAFETY: a valid set; the old mask is not wanted.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, &raw const set, std::ptr::null_mut());
    }
}

/// Waits for SIGINT or SIGTERM (blocked first with [`block_term_signals`]); returns its number.
pub fn wait_for_signal() -> i32 {
    let set = term_signals();
    let mut sig: libc::c_int = 0;
    // SAFETY: a valid set and out pointer.
    unsafe {
        libc::sigwait(&raw const set, &raw mut sig);
    }
    sig
}
