//! `herd blast`: a DogStatsD load generator. Payloads are generated up front from a seed, so
//! the sender does nothing per datagram but a send (and, when a rate is set, a clock check).
//!
//! The default traffic shape follows the mix of Datadog's lading `dogstatsd` generator: metric
//! kinds count 208 : gauge 66 : distribution 72 : set 9 : histogram 1, a share of messages
//! packed with several values, and several tags per message.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use herd_dogstatsd::frame::encode_frame;

/// Where to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `udp://host:port`
    Udp(SocketAddr),
    /// `unixgram:///path`
    Unixgram(PathBuf),
    /// `unix:///path` (stream, length-prefixed frames)
    Unix(PathBuf),
    /// `tcp://host:port` (newline-delimited)
    Tcp(SocketAddr),
}

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let addr = |a: &str| {
            a.parse::<SocketAddr>()
                .map_err(|_| format!("`{a}` is not an IP address with a port"))
        };
        if let Some(a) = s.strip_prefix("udp://") {
            Ok(Self::Udp(addr(a)?))
        } else if let Some(a) = s.strip_prefix("tcp://") {
            Ok(Self::Tcp(addr(a)?))
        } else if let Some(p) = s.strip_prefix("unixgram://") {
            Ok(Self::Unixgram(p.into()))
        } else if let Some(p) = s.strip_prefix("unix://") {
            Ok(Self::Unix(p.into()))
        } else {
            Err(format!("`{s}`: expected udp://HOST:PORT, tcp://HOST:PORT, unixgram:///PATH or unix:///PATH"))
        }
    }
}

/// The shape of the traffic.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Distinct contexts (name + tags).
    pub contexts: usize,
    /// Tags per message, min and max.
    pub tags: (usize, usize),
    /// Name length in bytes, min and max.
    pub name_len: (usize, usize),
    /// Tag length in bytes, min and max.
    pub tag_len: (usize, usize),
    /// Metric names drawn from a pool of this many (0: a name of its own per context).
    pub names: usize,
    /// Tags after the first drawn from a pool of this many (0: each random, its own).
    pub tag_pool: usize,
    /// Weights of c, g, d, s, h, ms.
    pub mix: [u32; 6],
    /// Share of messages packed with 2–8 values (0..=1).
    pub packed: f64,
    /// Largest datagram in bytes (1432 fits a 1500 MTU; 8192 is the UDS default).
    pub datagram_size: usize,
    /// Random seed.
    pub seed: u64,
}

impl Default for Shape {
    fn default() -> Self {
        Self {
            contexts: 10_000,
            tags: (3, 8),
            name_len: (10, 40),
            tag_len: (5, 20),
            names: 0,
            tag_pool: 0,
            mix: [208, 66, 72, 9, 1, 0],
            packed: 0.08,
            datagram_size: 1432,
            seed: 0x5eed,
        }
    }
}

/// xorshift64*: small, fast, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn between(&mut self, (lo, hi): (usize, usize)) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }
    fn word(&mut self, len: usize, out: &mut String) {
        const ABC: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
        for i in 0..len {
            let c = ABC[self.below(if i == 0 { 26 } else { ABC.len() })];
            out.push(c as char);
        }
    }
}

const TYPES: [&str; 6] = ["c", "g", "d", "s", "h", "ms"];

/// Pre-generated datagrams and how many messages each holds.
pub struct Payloads {
    /// The datagrams.
    pub datagrams: Vec<(Vec<u8>, u32)>,
}

/// Generates enough datagrams to touch every context at least once (and at least 64 MiB-free
/// amounts: capped at 32 MiB of payload).
pub fn generate(shape: &Shape) -> Payloads {
    let mut rng = Rng(shape.seed | 1);
    let total_weight: u32 = shape.mix.iter().sum::<u32>().max(1);
    // Pools of names and tags, when the contexts share them (as real ones do).
    let pool = |n: usize, len: (usize, usize), rng: &mut Rng| -> Vec<String> {
        (0..n)
            .map(|_| {
                let mut s = String::new();
                let l = rng.between(len).max(3);
                rng.word(l / 2, &mut s);
                s.push(':');
                rng.word(l - l / 2, &mut s);
                s
            })
            .collect()
    };
    let names = pool(shape.names, shape.name_len, &mut rng);
    let tag_pool = pool(shape.tag_pool, shape.tag_len, &mut rng);
    // Contexts: a name, a type and a tag set each.
    let contexts: Vec<(String, usize)> = (0..shape.contexts.max(1))
        .map(|i| {
            let mut s = String::with_capacity(128);
            s.push_str("blast.");
            if names.is_empty() {
                let len = rng.between(shape.name_len).saturating_sub(6).max(1);
                rng.word(len, &mut s);
            } else {
                s.push_str(&names[rng.below(names.len())].replace(':', "."));
            }
            let mut pick = (rng.next() % u64::from(total_weight)) as u32;
            let mut kind = 0;
            for (k, w) in shape.mix.iter().enumerate() {
                if pick < *w {
                    kind = k;
                    break;
                }
                pick -= w;
            }
            let tags = rng.between(shape.tags);
            let mut suffix = String::with_capacity(96);
            if tags == 0 {
                // Without tags, the name makes the context unique.
                let _ = write!(s, ".{i}");
            } else {
                // The first tag makes the context unique.
                let _ = write!(suffix, "|#ctx:{i}");
            }
            for _ in 1..tags {
                suffix.push(',');
                if !tag_pool.is_empty() {
                    suffix.push_str(&tag_pool[rng.below(tag_pool.len())]);
                    continue;
                }
                let (k, v) = (
                    rng.between(shape.tag_len).max(3) / 2,
                    rng.between(shape.tag_len).max(3) / 2,
                );
                rng.word(k, &mut suffix);
                suffix.push(':');
                rng.word(v, &mut suffix);
            }
            (format!("{s}\u{0}{suffix}"), kind)
        })
        .collect();
    let mut datagrams = Vec::new();
    let mut bytes = 0usize;
    let target_messages = (contexts.len() * 2).max(50_000);
    let mut messages = 0usize;
    let mut current = Vec::with_capacity(shape.datagram_size);
    let mut in_current = 0u32;
    let mut line = String::with_capacity(256);
    while messages < target_messages && bytes < 32 * 1024 * 1024 {
        let (ctx, kind) = &contexts[if messages < contexts.len() {
            messages
        } else {
            rng.below(contexts.len())
        }];
        let (name, tags) = ctx.split_once('\u{0}').expect("separator");
        line.clear();
        line.push_str(name);
        let values = if *kind != 3 && (rng.next() % 10_000) < (shape.packed * 10_000.0) as u64 {
            2 + rng.below(7)
        } else {
            1
        };
        for _ in 0..values {
            let _ = write!(line, ":{}", rng.below(1000));
        }
        let _ = writeln!(line, "|{}{}", TYPES[*kind], tags);
        if !current.is_empty() && current.len() + line.len() > shape.datagram_size {
            bytes += current.len();
            datagrams.push((
                std::mem::replace(&mut current, Vec::with_capacity(shape.datagram_size)),
                in_current,
            ));
            in_current = 0;
        }
        current.extend_from_slice(line.as_bytes());
        in_current += 1;
        messages += 1;
    }
    if !current.is_empty() {
        datagrams.push((current, in_current));
    }
    Payloads { datagrams }
}

/// What a run sent.
#[derive(Debug, Default, Clone, Copy)]
pub struct Report {
    /// Datagrams (or frames, or writes) sent.
    pub datagrams: u64,
    /// Messages in them.
    pub messages: u64,
    /// Bytes sent.
    pub bytes: u64,
    /// Sends that failed (UDP: the kernel refused; counted, the run goes on).
    pub errors: u64,
    /// Wall time.
    pub elapsed: Duration,
}

enum Sender {
    Udp(UdpSocket),
    Unixgram(UnixDatagram),
    Stream(Box<dyn Write>, bool),
}

impl Sender {
    fn connect(target: &Target) -> io::Result<Self> {
        Ok(match target {
            Target::Udp(addr) => {
                let bind: SocketAddr = if addr.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                }
                .parse()
                .expect("literal");
                let s = UdpSocket::bind(bind)?;
                s.connect(addr)?;
                Self::Udp(s)
            }
            Target::Unixgram(path) => {
                let s = UnixDatagram::unbound()?;
                s.connect(path)?;
                Self::Unixgram(s)
            }
            Target::Unix(path) => Self::Stream(
                Box::new(io::BufWriter::with_capacity(
                    256 * 1024,
                    UnixStream::connect(path)?,
                )),
                true,
            ),
            Target::Tcp(addr) => Self::Stream(
                Box::new(io::BufWriter::with_capacity(
                    256 * 1024,
                    TcpStream::connect(addr)?,
                )),
                false,
            ),
        })
    }

    fn send(&mut self, payload: &[u8], frame: &mut Vec<u8>) -> io::Result<()> {
        match self {
            Self::Udp(s) => s.send(payload).map(drop),
            Self::Unixgram(s) => s.send(payload).map(drop),
            Self::Stream(w, framed) => {
                if *framed {
                    frame.clear();
                    encode_frame(payload, frame);
                    w.write_all(frame)
                } else {
                    w.write_all(payload)
                }
            }
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match self {
            Self::Stream(w, _) => w.flush(),
            _ => Ok(()),
        }
    }
}

/// Sends the payloads round and round for `duration` (or `max_messages`), at most `rate`
/// messages per second when given.
pub fn run(
    target: &Target,
    payloads: &Payloads,
    rate: Option<u64>,
    duration: Duration,
    max_messages: Option<u64>,
) -> io::Result<Report> {
    let mut sender = Sender::connect(target)?;
    let mut report = Report::default();
    let mut frame = Vec::new();
    let started = Instant::now();
    let limit = max_messages.unwrap_or(u64::MAX);
    'outer: loop {
        for (payload, count) in &payloads.datagrams {
            if report.messages >= limit {
                break 'outer;
            }
            if report.datagrams % 64 == 0 {
                let elapsed = started.elapsed();
                if elapsed >= duration {
                    break 'outer;
                }
                if let Some(rate) = rate {
                    let due = Duration::from_secs_f64(report.messages as f64 / rate as f64);
                    if let Some(ahead) = due.checked_sub(elapsed) {
                        std::thread::sleep(ahead);
                    }
                }
            }
            match sender.send(payload, &mut frame) {
                Ok(()) => {
                    report.datagrams += 1;
                    report.messages += u64::from(*count);
                    report.bytes += payload.len() as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // UDP: the kernel refused this datagram (ENOBUFS, ECONNREFUSED...); count it.
                Err(_) if matches!(target, Target::Udp(_)) => report.errors += 1,
                Err(e) => return Err(e),
            }
        }
    }
    sender.finish()?;
    report.elapsed = started.elapsed();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use herd_dogstatsd::{decode, Limits};

    #[test]
    fn payloads_decode_cleanly_fit_the_datagram_size_and_cover_every_context() {
        let shape = Shape {
            contexts: 500,
            datagram_size: 1432,
            ..Shape::default()
        };
        let p = generate(&shape);
        let limits = Limits::default();
        let mut contexts = std::collections::HashSet::new();
        let mut total = 0;
        for (d, n) in &p.datagrams {
            assert!(d.len() <= 1432);
            let msgs: Vec<_> = decode(d, &limits).collect();
            assert_eq!(msgs.len(), *n as usize);
            for m in msgs {
                if let herd_dogstatsd::Message::Metric(m) = m.unwrap() {
                    contexts.insert(m.tags.iter().next().unwrap().to_owned());
                }
                total += 1;
            }
        }
        assert_eq!(contexts.len(), 500);
        assert!(total >= 1000);
    }

    #[test]
    fn the_same_seed_gives_the_same_traffic() {
        let a = generate(&Shape {
            contexts: 50,
            ..Shape::default()
        });
        let b = generate(&Shape {
            contexts: 50,
            ..Shape::default()
        });
        assert_eq!(a.datagrams, b.datagrams);
    }

    #[test]
    fn targets_parse_and_bad_ones_say_what_is_expected() {
        assert_eq!(
            "udp://127.0.0.1:8125".parse(),
            Ok(Target::Udp("127.0.0.1:8125".parse().unwrap()))
        );
        assert_eq!("unix:///tmp/s".parse(), Ok(Target::Unix("/tmp/s".into())));
        assert!("http://x"
            .parse::<Target>()
            .unwrap_err()
            .contains("expected udp://"));
    }
}
