//! Datagram listeners (UDP, Unix datagram): batched receives with `recvmmsg`.
//!
//! A reader waits on nothing but its socket. At low rates it keeps a batch open for up to
//! [`LINGER`] after its first datagram, reading every datagram the moment it arrives, and hands
//! the batch over when it is half full or the linger ends: the kernel's buffer is emptied as
//! fast as datagrams come, and a worker still wakes once per batch, not once per datagram.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::RawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use super::Shared;
use crate::batch::Batch;
use crate::sys::{enable_drop_count, recv_batch, socket_drops, wait_readable, MAX_BATCH};
use crate::telemetry::{Listener, ListenerCounters};

/// How often a blocked reader looks at the stop flag.
const POLL: Duration = Duration::from_millis(100);

/// How long a batch stays open for more datagrams after its first one.
pub const LINGER: Duration = Duration::from_millis(2);

/// Longest a stopping reader keeps draining a socket that never empties (a sender at full
/// speed), so that shutdown ends within its timeout.
const DRAIN_LIMIT: Duration = Duration::from_millis(500);

/// Binds `readers` UDP sockets on `addr` (`SO_REUSEPORT` when more than one), each with the
/// kernel's drop count enabled and a receive buffer of `so_rcvbuf` bytes (0: the OS default).
///
/// `SO_REUSEPORT` would let a second daemon join the port and silently take half the
/// traffic; a socket bound without it first makes that case fail as it does with one reader.
pub fn bind_udp(addr: SocketAddr, readers: usize, so_rcvbuf: usize) -> io::Result<Vec<UdpSocket>> {
    if readers > 1 && addr.port() != 0 {
        drop(UdpSocket::bind(addr)?);
    }
    let mut sockets = Vec::new();
    let mut addr = addr;
    for _ in 0..readers {
        let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
        if readers > 1 {
            socket.set_reuse_port(true)?;
        }
        if so_rcvbuf > 0 {
            socket.set_recv_buffer_size(so_rcvbuf)?;
        }
        socket.bind(&addr.into())?;
        let socket: UdpSocket = socket.into();
        // Later readers join the port the first one got (when asked for port 0).
        addr = socket.local_addr()?;
        socket.set_read_timeout(Some(POLL))?;
        enable_drop_count(std::os::fd::AsRawFd::as_raw_fd(&socket))?;
        sockets.push(socket);
    }
    Ok(sockets)
}

/// Binds a Unix datagram socket, replacing a stale socket file, with the given mode.
pub fn bind_unixgram(path: &Path, mode: u32, so_rcvbuf: usize) -> io::Result<UnixDatagram> {
    super::remove_stale_socket(path)?;
    let socket = UnixDatagram::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    if so_rcvbuf > 0 {
        SockRef::from(&socket).set_recv_buffer_size(so_rcvbuf)?;
    }
    socket.set_read_timeout(Some(POLL))?;
    Ok(socket)
}

/// The receive buffer the kernel granted, in the units asked for (Linux reports twice the
/// usable size).
pub fn granted_rcvbuf(socket: &SockRef<'_>) -> io::Result<usize> {
    socket.recv_buffer_size().map(|b| b / 2)
}

/// The kernel's drop count of one socket, turned into a running total.
struct KernelDrops<'a> {
    fd: RawFd,
    seen: Option<u32>,
    counter: &'a ListenerCounters,
}

impl KernelDrops<'_> {
    /// Takes a newer reading of the socket's count (it only grows, modulo 2^32).
    fn update(&mut self, now: u32) {
        let before = self.seen.unwrap_or(0);
        let delta = now.wrapping_sub(before);
        // A reading older than one already taken (SO_MEMINFO, then a queued datagram's
        // SO_RXQ_OVFL stamp) is behind, not 4 billion ahead.
        if delta > 0 && delta < u32::MAX / 2 {
            self.counter
                .kernel_drops
                .fetch_add(u64::from(delta), Relaxed);
            self.seen = Some(now);
        } else if self.seen.is_none() {
            self.seen = Some(now);
        }
    }

    /// Reads the count now, for drops after the last datagram received.
    fn catch_up(&mut self) {
        if let Ok(now) = socket_drops(self.fd) {
            self.update(now);
        }
    }
}

/// How many of a batch's slots are taken.
fn used_slots(batch: &Batch, slot: usize) -> usize {
    batch
        .spans
        .last()
        .map_or(0, |&(o, _)| o as usize / slot + 1)
}

/// Reads datagrams until the daemon stops, then drains what the kernel still holds.
pub fn run(fd: RawFd, listener: Listener, shared: &Shared) {
    let slot = shared.buffer_size;
    // Up to MAX_BATCH datagrams, and no more than 256 KiB, per batch.
    let slots = (256 * 1024 / slot).clamp(1, MAX_BATCH);
    let counters = shared.telemetry.listener(listener);
    let mut drops = KernelDrops {
        fd,
        seen: None,
        counter: counters,
    };
    drops.catch_up();
    let mut batch = shared.pool.get(listener, slot * slots);
    let mut opened = Instant::now();
    let mut stop_seen: Option<Instant> = None;
    let mut errors_in_a_row = 0u32;
    loop {
        if stop_seen.is_none() && shared.stopping() {
            stop_seen = Some(Instant::now());
        }
        let held = !batch.spans.is_empty();
        let result = match stop_seen {
            Some(_) => recv_batch(fd, &mut batch.data, slot, &mut batch.spans, false),
            // The first datagram of a batch: block on the socket (up to POLL).
            None if !held => recv_batch(fd, &mut batch.data, slot, &mut batch.spans, true),
            // More for an open batch: wait on the socket until the linger ends.
            None => {
                let left = LINGER.saturating_sub(opened.elapsed());
                let ms = left.as_micros().div_ceil(1000) as i32;
                match wait_readable(fd, ms) {
                    Ok(true) => recv_batch(fd, &mut batch.data, slot, &mut batch.spans, false),
                    Ok(false) => Err(io::ErrorKind::TimedOut.into()),
                    Err(e) => Err(e),
                }
            }
        };
        match result {
            Ok(r) => {
                errors_in_a_row = 0;
                if !held {
                    opened = Instant::now();
                }
                counters.datagrams.fetch_add(r.datagrams as u64, Relaxed);
                counters.bytes.fetch_add(r.bytes as u64, Relaxed);
                counters.truncated.fetch_add(r.truncated as u64, Relaxed);
                if let Some(n) = r.kernel_drops {
                    drops.update(n);
                }
                // A busy socket fills half a batch at once: hand it over without lingering.
                if used_slots(&batch, slot) * 2 >= slots {
                    batch = hand_over(shared, batch, listener, slot * slots);
                }
                if stop_seen.is_some_and(|t| t.elapsed() >= DRAIN_LIMIT) {
                    break;
                }
            }
            Err(e) => match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                    if held {
                        batch = hand_over(shared, batch, listener, slot * slots);
                    } else {
                        drops.catch_up();
                    }
                    if stop_seen.is_some() {
                        break;
                    }
                }
                io::ErrorKind::Interrupted => {}
                _ => {
                    crate::internal_events::read_error(listener, counters, &e);
                    if stop_seen.is_some() {
                        break;
                    }
                    // recvmmsg's errors are passing (a queued ICMP error, ENOMEM): read again
                    // at once, but do not spin on one that persists.
                    errors_in_a_row += 1;
                    if errors_in_a_row > 8 {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            },
        }
    }
    shared.deliver(batch);
    drops.catch_up();
}

/// Delivers a batch and returns an empty one in its place.
fn hand_over(shared: &Shared, batch: Batch, listener: Listener, len: usize) -> Batch {
    shared.deliver(batch);
    shared.pool.get(listener, len)
}
