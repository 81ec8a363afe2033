//! A small HTTP/1.1 client for herd's own commands (`herd query`, `herd store stats`) asking
//! a running daemon: one GET per connection, `http://` only (the API is on loopback unless a
//! token guards it).

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// A response: the status and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

/// Percent-encodes a query parameter's value.
pub fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len() * 3 / 2);
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `GET {base}{path}` (`base` as `http://host:port`), with the token as a bearer token.
pub fn get(base: &str, path: &str, token: Option<&str>) -> io::Result<Response> {
    let authority = base
        .strip_prefix("http://")
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{base}`: expected http://HOST:PORT"),
            )
        })?
        .trim_end_matches('/');
    let addr = authority.to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("`{authority}`: no address"),
        )
    })?;
    let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("{base}: {e} (is `herd statsd` running there?)"),
        )
    })?;
    conn.set_read_timeout(Some(Duration::from_secs(60)))?;
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n{auth}\r\n"
    )?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw)?;
    parse(&raw)
}

fn bad(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("bad HTTP response: {what}"),
    )
}

/// Status, headers and body of a whole response (`Content-Length`, chunked, or to the end).
fn parse(raw: &[u8]) -> io::Result<Response> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of head"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let chunked = lines
        .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.contains("chunked"));
    let mut body = &raw[split + 4..];
    let mut out = Vec::new();
    if chunked {
        loop {
            let end = body
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(|| bad("chunk size"))?;
            let size_text = String::from_utf8_lossy(&body[..end]);
            let size =
                usize::from_str_radix(size_text.trim(), 16).map_err(|_| bad("chunk size"))?;
            if size == 0 {
                break;
            }
            let chunk = body
                .get(end + 2..end + 2 + size)
                .ok_or_else(|| bad("short chunk"))?;
            out.extend_from_slice(chunk);
            body = body.get(end + 2 + size + 2..).unwrap_or_default();
        }
    } else {
        out.extend_from_slice(body);
    }
    Ok(Response {
        status,
        body: String::from_utf8_lossy(&out).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_parse_whole_and_chunked() {
        let r = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, "ok"));
        let r = parse(b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
            .unwrap();
        assert_eq!((r.status, r.body.as_str()), (400, "abcde"));
        assert!(parse(b"garbage").is_err());
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(
            encode("avg:a.b{x:1} by {h}"),
            "avg%3Aa.b%7Bx%3A1%7D%20by%20%7Bh%7D"
        );
    }
}
