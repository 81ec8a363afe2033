//! Stream listeners: TCP (newline-delimited messages) and Unix stream sockets (4-byte
//! little-endian length-prefixed frames, as DogStatsD clients send; or newline-delimited
//! text, as plain statsd clients send, told apart by a connection's first four bytes). One
//! thread per connection; a misbehaving client loses only its own connection.

use std::io::{self, Read};
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixListener;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use herd_dogstatsd::frame::{next_frame, HEADER_LEN};

use super::Shared;
use crate::internal_events;
use crate::sys::wait_readable;
use crate::telemetry::Listener;

/// Most connections per listener; more are refused (closed at once).
pub const MAX_CONNECTIONS: u64 = 1024;

/// How connections are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Messages end with `\n` (TCP).
    Newline,
    /// Length-prefixed frames (Unix stream, as the Agent's `dogstatsd_stream_socket`).
    LengthPrefixed,
}

/// Accepts connections until the daemon stops.
pub fn accept_tcp(listener: &TcpListener, shared: &Shared) {
    accept_loop(
        listener.as_raw_fd(),
        Listener::Tcp,
        Framing::Newline,
        shared,
        || listener.accept().map(|(s, _)| Box::new(s) as Box<dyn Conn>),
    );
}

/// Accepts connections until the daemon stops.
pub fn accept_unix(listener: &UnixListener, shared: &Shared) {
    accept_loop(
        listener.as_raw_fd(),
        Listener::UdsStream,
        Framing::LengthPrefixed,
        shared,
        || listener.accept().map(|(s, _)| Box::new(s) as Box<dyn Conn>),
    );
}

/// A readable connection with a read timeout.
pub trait Conn: Read + Send {
    /// Sets the read timeout.
    fn timeout(&self, d: Duration) -> io::Result<()>;
}

impl Conn for std::net::TcpStream {
    fn timeout(&self, d: Duration) -> io::Result<()> {
        self.set_read_timeout(Some(d))
    }
}

impl Conn for std::os::unix::net::UnixStream {
    fn timeout(&self, d: Duration) -> io::Result<()> {
        self.set_read_timeout(Some(d))
    }
}

fn accept_loop(
    fd: std::os::fd::RawFd,
    listener: Listener,
    framing: Framing,
    shared: &Shared,
    accept: impl Fn() -> io::Result<Box<dyn Conn>>,
) {
    let counters = shared.telemetry.listener(listener);
    let mut handles = Vec::new();
    while !shared.stopping() {
        match wait_readable(fd, 100) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => break,
        }
        let conn = match accept() {
            Ok(c) => c,
            Err(e) => {
                internal_events::accept_failed(listener, counters, &e);
                continue;
            }
        };
        if counters.connections.load(Relaxed) >= MAX_CONNECTIONS {
            internal_events::connection_refused(listener, MAX_CONNECTIONS);
            continue;
        }
        counters.connections.fetch_add(1, Relaxed);
        let shared = shared.clone();
        handles.push(std::thread::spawn(move || {
            read_connection(conn, listener, framing, &shared);
            shared
                .telemetry
                .listener(listener)
                .connections
                .fetch_sub(1, Relaxed);
        }));
        handles.retain(|h| !h.is_finished());
    }
    for h in handles {
        let _ = h.join();
    }
}

/// Whether a stream's first bytes are text rather than a frame header. A frame header of a
/// frame that fits the buffer has a zero in its high bytes; text has no zero byte at all.
pub fn looks_like_text(header: &[u8]) -> bool {
    !header.is_empty()
        && header
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'))
}

/// Reads one connection until EOF, an error, a bad frame, or the daemon stopping.
fn read_connection(
    mut conn: Box<dyn Conn>,
    listener: Listener,
    mut framing: Framing,
    shared: &Shared,
) {
    let counters = shared.telemetry.listener(listener);
    let max = shared.buffer_size;
    if conn.timeout(Duration::from_millis(100)).is_err() {
        return;
    }
    // Bytes read but not yet handed on (a partial line or frame).
    let mut pending: Vec<u8> = Vec::with_capacity(max.min(64 * 1024));
    let mut chunk = vec![0u8; 64 * 1024];
    let mut skipping_long_line = false;
    let mut stream_offset: u64 = 0;
    loop {
        let n = match conn.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if shared.stopping() {
                    break;
                }
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                internal_events::connection_read_error(listener, counters, &e);
                break;
            }
        };
        counters.bytes.fetch_add(n as u64, Relaxed);
        pending.extend_from_slice(&chunk[..n]);
        if framing == Framing::LengthPrefixed && stream_offset == 0 {
            // The first frame header decides: plain statsd clients send lines here.
            if pending.len() < HEADER_LEN {
                continue;
            }
            if looks_like_text(&pending[..HEADER_LEN]) {
                framing = Framing::Newline;
            }
        }
        let ok = match framing {
            Framing::Newline => {
                hand_on_lines(
                    &mut pending,
                    false,
                    &mut skipping_long_line,
                    listener,
                    shared,
                );
                true
            }
            Framing::LengthPrefixed => {
                hand_on_frames(&mut pending, &mut stream_offset, listener, shared)
            }
        };
        if !ok {
            return;
        }
    }
    // What is left at the end: a last line without newline still counts.
    if framing == Framing::Newline {
        hand_on_lines(
            &mut pending,
            true,
            &mut skipping_long_line,
            listener,
            shared,
        );
    } else if !pending.is_empty() {
        internal_events::partial_frame(listener, counters, pending.len(), stream_offset);
    }
}

/// Sends complete lines on (one chunk, many lines); keeps the partial last line. A line longer
/// than the buffer is counted as truncated and skipped up to its newline.
fn hand_on_lines(
    pending: &mut Vec<u8>,
    at_eof: bool,
    skipping: &mut bool,
    listener: Listener,
    shared: &Shared,
) {
    let counters = shared.telemetry.listener(listener);
    if *skipping {
        if pending.contains(&b'\n') {
            let first = pending.iter().position(|&b| b == b'\n').unwrap_or(0);
            pending.drain(..=first);
            *skipping = false;
        } else {
            pending.clear();
            return;
        }
    }
    let end = if at_eof {
        Some(pending.len())
    } else {
        memchr_last_newline(pending).map(|i| i + 1)
    };
    if let Some(end) = end.filter(|&e| e > 0) {
        let mut batch = shared.pool.get(listener, 0);
        batch.data.clear();
        batch.data.extend_from_slice(&pending[..end]);
        batch.spans.push((0, end as u32));
        counters.datagrams.fetch_add(1, Relaxed);
        pending.drain(..end);
        shared.deliver(batch);
    }
    if pending.len() > shared.buffer_size {
        counters.datagrams.fetch_add(1, Relaxed);
        counters.truncated.fetch_add(1, Relaxed);
        pending.clear();
        *skipping = true;
    }
}

fn memchr_last_newline(b: &[u8]) -> Option<usize> {
    b.iter().rposition(|&c| c == b'\n')
}

/// Sends every whole frame on; keeps a partial one. `false` when a frame is larger than the
/// buffer: the stream cannot be resynchronised, so the connection is closed.
fn hand_on_frames(
    pending: &mut Vec<u8>,
    offset: &mut u64,
    listener: Listener,
    shared: &Shared,
) -> bool {
    let counters = shared.telemetry.listener(listener);
    let mut batch = shared.pool.get(listener, 0);
    batch.data.clear();
    let mut used = 0;
    let result = loop {
        match next_frame(&pending[used..], shared.buffer_size, *offset) {
            Ok(Some((payload, n))) => {
                let start = batch.data.len() as u32;
                batch.data.extend_from_slice(payload);
                batch.spans.push((start, payload.len() as u32));
                counters.datagrams.fetch_add(1, Relaxed);
                used += n;
                *offset += n as u64;
            }
            Ok(None) => break true,
            Err(e) => {
                let header = &pending[used..used + HEADER_LEN];
                let hint = if looks_like_text(header) {
                    format!(
                        "; its length bytes look like text ({:?}): is the client sending \
                         newline-separated lines in the middle of a framed stream?",
                        String::from_utf8_lossy(header)
                    )
                } else {
                    String::new()
                };
                internal_events::frame_too_large(listener, counters, &e, &hint);
                break false;
            }
        }
    };
    pending.drain(..used);
    debug_assert!(result || pending.len() >= HEADER_LEN);
    shared.deliver(batch);
    result
}
