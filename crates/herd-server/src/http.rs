//! The HTTP listener: `GET /metrics` (Prometheus text) and `GET /health`. Loopback by default.
//!
//! A deliberately small HTTP/1.1 responder (one request per connection) until the query API
//! brings a full HTTP stack.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use crate::sys::wait_readable;
use crate::telemetry::Telemetry;

/// Serves until `stop` is set.
pub fn serve(listener: &TcpListener, telemetry: &Telemetry, stop: &Arc<AtomicBool>) {
    while !stop.load(Relaxed) {
        if !matches!(wait_readable(listener.as_raw_fd(), 100), Ok(true)) {
            continue;
        }
        if let Ok((conn, _)) = listener.accept() {
            let _ = respond(conn, telemetry);
        }
    }
}

fn respond(mut conn: TcpStream, telemetry: &Telemetry) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut request = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    let line = request.split(|&b| b == b'\r').next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ');
    let (method, path) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let (status, kind, body) = match (method, path) {
        (b"GET", b"/metrics") => (
            "200 OK",
            "text/plain; version=0.0.4",
            telemetry.prometheus(),
        ),
        (b"GET", b"/health") => ("200 OK", "text/plain", "ok\n".to_owned()),
        (b"GET", _) => (
            "404 Not Found",
            "text/plain",
            "not found: try /metrics or /health\n".to_owned(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            "only GET\n".to_owned(),
        ),
    };
    write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
