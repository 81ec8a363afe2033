//! The demo's web load: HTTP/1.1 requests over keep-alive connections at a rate that rises
//! step by step (a geometric ramp, e.g. 50 → 2,000 requests/s), counting every answer by
//! status. A request counts once its whole response has been read; one that fails midway is
//! counted apart, since the app may or may not have seen it.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A rate that rises in `steps` equal steps from `start` to `top` requests per second over
/// `span`, then stays at `top`.
#[derive(Debug, Clone, Copy)]
pub struct Ramp {
    /// Requests per second of the first step.
    pub start: f64,
    /// Requests per second of the last step.
    pub top: f64,
    /// Number of steps (at least 1).
    pub steps: u32,
    /// How long the ramp lasts.
    pub span: Duration,
}

impl Ramp {
    fn step_len(&self) -> f64 {
        (self.span.as_secs_f64() / f64::from(self.steps.max(1))).max(1e-3)
    }

    /// The rate of step `i` (0-based): geometric from `start` to `top`.
    pub fn rate_of_step(&self, i: u32) -> f64 {
        let last = self.steps.max(1) - 1;
        if last == 0 {
            return self.top;
        }
        let i = i.min(last);
        self.start * (self.top / self.start).powf(f64::from(i) / f64::from(last))
    }

    /// Which step `elapsed` falls in.
    pub fn step_at(&self, elapsed: Duration) -> u32 {
        let i = (elapsed.as_secs_f64() / self.step_len()) as u32;
        i.min(self.steps.max(1) - 1)
    }

    /// When the `n`-th request (0-based) is due, counted from the start: the inverse of the
    /// number of requests the ramp asks for by then.
    pub fn due(&self, n: u64) -> Duration {
        let len = self.step_len();
        let mut before = 0.0; // requests due before this step
        let n = n as f64;
        for i in 0..self.steps.max(1) {
            let rate = self.rate_of_step(i);
            let in_step = rate * len;
            if n < before + in_step || i + 1 == self.steps.max(1) {
                let t = f64::from(i) * len + (n - before) / rate;
                return Duration::from_secs_f64(t.max(0.0));
            }
            before += in_step;
        }
        Duration::ZERO
    }
}

/// What the load generator did, by outcome. Shared by its threads.
#[derive(Debug, Default)]
pub struct Tally {
    /// Answered requests.
    pub answered: AtomicU64,
    /// Answers with status 2xx.
    pub ok: AtomicU64,
    /// Answers with status 404.
    pub not_found: AtomicU64,
    /// Answers with status 5xx.
    pub server_error: AtomicU64,
    /// Other statuses.
    pub other: AtomicU64,
    /// Requests that failed before their answer was read (connection errors).
    pub failed: AtomicU64,
}

impl Tally {
    fn count(&self, status: u16) {
        self.answered.fetch_add(1, Ordering::Relaxed);
        let bucket = match status {
            200..=299 => &self.ok,
            404 => &self.not_found,
            500..=599 => &self.server_error,
            _ => &self.other,
        };
        bucket.fetch_add(1, Ordering::Relaxed);
    }

    /// `12345 requests answered (2xx: …, 404: …, 5xx: …), 0 failed`.
    pub fn summary(&self) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut s = format!(
            "{} requests answered (2xx: {}, 404: {}, 5xx: {}",
            g(&self.answered),
            g(&self.ok),
            g(&self.not_found),
            g(&self.server_error)
        );
        if g(&self.other) > 0 {
            let _ = write!(s, ", other: {}", g(&self.other));
        }
        let _ = write!(s, "), {} failed", g(&self.failed));
        s
    }
}

/// The `n`-th request of the mix: product pages (some missing), the catalogue, checkouts and
/// the home page, from a thousand users.
pub fn request(n: u64) -> String {
    let user = n.wrapping_mul(2_654_435_761) % 1000;
    let (method, path) = match n % 10 {
        0..=5 => ("GET", format!("/products/{}", (n * 7) % 24 + 1)),
        6 | 7 => ("GET", "/products".to_owned()),
        8 => ("POST", "/checkout".to_owned()),
        _ => ("GET", "/".to_owned()),
    };
    format!("{method} {path}?user={user} HTTP/1.1\r\nHost: shop\r\nContent-Length: 0\r\n\r\n")
}

/// Sends the ramp's requests to `target` from `threads` threads until `stop` is set.
pub fn run(target: SocketAddr, ramp: Ramp, threads: usize, stop: &AtomicBool, tally: &Tally) {
    let next = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| worker(target, &ramp, started, &next, stop, tally));
        }
    });
}

fn worker(
    target: SocketAddr,
    ramp: &Ramp,
    started: Instant,
    next: &AtomicU64,
    stop: &AtomicBool,
    tally: &Tally,
) {
    let mut conn: Option<Connection> = None;
    while !stop.load(Ordering::Relaxed) {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let due = started + ramp.due(n);
        // Sleep in short slices so that a stop is noticed at once.
        loop {
            let now = Instant::now();
            if now >= due || stop.load(Ordering::Relaxed) {
                break;
            }
            std::thread::sleep((due - now).min(Duration::from_millis(50)));
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if conn.is_none() {
            if let Ok(c) = Connection::open(target) {
                conn = Some(c);
            } else {
                // Not sent: nothing the app could have counted.
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        if let Ok((status, keep_alive)) = c.exchange(&request(n)) {
            tally.count(status);
            if !keep_alive {
                conn = None;
            }
        } else {
            tally.failed.fetch_add(1, Ordering::Relaxed);
            conn = None;
        }
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    fn open(target: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect_timeout(&target, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::new(stream),
        })
    }

    /// Sends a request and reads its whole response: `(status, keep the connection)`.
    fn exchange(&mut self, request: &str) -> std::io::Result<(u16, bool)> {
        self.reader.get_mut().write_all(request.as_bytes())?;
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = 0usize;
        let mut keep_alive = true;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value
                        .parse()
                        .map_err(|_| std::io::Error::other("bad content-length"))?;
                } else if name.eq_ignore_ascii_case("connection") {
                    keep_alive = !value.eq_ignore_ascii_case("close");
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, keep_alive))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> Ramp {
        Ramp {
            start: 50.0,
            top: 2000.0,
            steps: 8,
            span: Duration::from_secs(120),
        }
    }

    #[test]
    fn the_ramp_rises_step_by_step_from_start_to_top() {
        let r = ramp();
        assert!((r.rate_of_step(0) - 50.0).abs() < 1e-9);
        assert!((r.rate_of_step(7) - 2000.0).abs() < 1e-6);
        for i in 1..8 {
            assert!(r.rate_of_step(i) > r.rate_of_step(i - 1));
        }
        assert_eq!(r.step_at(Duration::from_secs(0)), 0);
        assert_eq!(r.step_at(Duration::from_secs(16)), 1);
        assert_eq!(r.step_at(Duration::from_secs(1000)), 7);
    }

    #[test]
    fn due_times_follow_the_rate_of_each_step() {
        let r = ramp();
        // 15 s at 50/s: request 750 opens the second step.
        assert_eq!(r.due(0), Duration::ZERO);
        assert!((r.due(749).as_secs_f64() - 14.98).abs() < 1e-6);
        assert!((r.due(750).as_secs_f64() - 15.0).abs() < 1e-6);
        // Past the ramp the top rate goes on.
        let total: f64 = (0..8).map(|i| r.rate_of_step(i) * 15.0).sum();
        let end = r.due(total as u64).as_secs_f64();
        assert!((end - 120.0).abs() < 0.01, "{end}");
        let later = r.due(total as u64 + 2000).as_secs_f64();
        assert!((later - 121.0).abs() < 0.01, "{later}");
        // Monotonic.
        let mut last = Duration::ZERO;
        for n in (0..40_000).step_by(97) {
            assert!(r.due(n) >= last);
            last = r.due(n);
        }
    }

    #[test]
    fn the_mix_names_every_route() {
        let all: String = (0..10).map(request).collect();
        for p in [
            "GET /products/",
            "GET /products?",
            "POST /checkout?",
            "GET /?user=",
        ] {
            assert!(all.contains(p), "{p} in {all}");
        }
    }
}
