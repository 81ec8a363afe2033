//! Datagram listeners (UDP, Unix datagram): batched receives with `recvmmsg`.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::RawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use super::Shared;
use crate::sys::{recv_batch, MAX_BATCH};
use crate::telemetry::Listener;

/// How often a blocked reader looks at the stop flag.
const POLL: Duration = Duration::from_millis(100);

/// Binds `readers` UDP sockets on `addr` (`SO_REUSEPORT` when more than one).
pub fn bind_udp(addr: SocketAddr, readers: usize, so_rcvbuf: usize) -> io::Result<Vec<UdpSocket>> {
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

/// How long a UDP reader lingers to fill a batch at low rates (see [`run`]).
pub const UDP_LINGER: Duration = Duration::from_millis(2);

/// Reads datagrams until the daemon stops, then drains what the kernel still holds.
/// `linger` > 0 lets a reader wait that long to fill a batch when traffic is light.
pub fn run(fd: RawFd, listener: Listener, shared: &Shared, linger: Duration) {
    let slot = shared.buffer_size;
    // Up to MAX_BATCH datagrams, and no more than 256 KiB, per batch.
    let slots = (256 * 1024 / slot).clamp(1, MAX_BATCH);
    let counters = shared.telemetry.listener(listener);
    loop {
        let stopping = shared.stopping();
        let mut batch = shared.pool.get(listener, slot * slots);
        match recv_batch(fd, &mut batch.data, slot, &mut batch.spans, !stopping) {
            Ok(mut r) => {
                // UDP at a low rate: rather than wake a worker for every datagram, linger
                // a little and hand over a fuller batch. Only when less than half the batch
                // came at once, so a busy socket never waits; never for Unix sockets, whose
                // queue is 10 datagrams deep and whose non-blocking clients drop when full.
                if linger > Duration::ZERO && r.datagrams < slots / 2 && !stopping {
                    std::thread::sleep(linger);
                    if let Ok(more) = recv_batch(fd, &mut batch.data, slot, &mut batch.spans, false)
                    {
                        r.datagrams += more.datagrams;
                        r.truncated += more.truncated;
                        r.bytes += more.bytes;
                    }
                }
                counters.datagrams.fetch_add(r.datagrams as u64, Relaxed);
                counters.bytes.fetch_add(r.bytes as u64, Relaxed);
                counters.truncated.fetch_add(r.truncated as u64, Relaxed);
                shared.deliver(batch);
            }
            Err(e) => {
                shared.pool.put(batch);
                match e.kind() {
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                        if stopping {
                            return;
                        }
                    }
                    io::ErrorKind::Interrupted => {}
                    _ => {
                        counters.read_errors.fetch_add(1, Relaxed);
                        crate::log::warn(&format!(
                            "{} listener: read error: {e}",
                            listener.as_str()
                        ));
                        if stopping {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            }
        }
    }
}
