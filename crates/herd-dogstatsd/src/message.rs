//! A datagram is newline-separated messages; each is a metric, an event or a service check.

use memchr::memchr;

use crate::{event, metric, service_check, DecodeError, ErrorKind, Limits};
use crate::{EtsyMulti, Event, Metric, ServiceCheck};

/// One decoded message, borrowing from the datagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Message<'a> {
    /// A metric sample (or packed samples).
    Metric(Metric<'a>),
    /// The Etsy statsd multi-metric form `key:1|c:2|ms`.
    EtsyMulti(EtsyMulti<'a>),
    /// An event (`_e{…}`).
    Event(Event<'a>),
    /// A service check (`_sc|…`).
    ServiceCheck(ServiceCheck<'a>),
}

/// What a message is, as the decoder tells them apart by their first bytes: for counting
/// messages and errors by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A metric (also the Etsy multi-metric form).
    Metric,
    /// An event (`_e{…}`).
    Event,
    /// A service check (`_sc|…`).
    ServiceCheck,
}

impl MessageKind {
    /// Every kind, in [`MessageKind::index`] order.
    pub const ALL: [Self; 3] = [Self::Metric, Self::Event, Self::ServiceCheck];

    /// `metric`, `event` or `service_check`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Metric => "metric",
            Self::Event => "event",
            Self::ServiceCheck => "service_check",
        }
    }

    /// Position in [`MessageKind::ALL`] (for arrays of counters).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The kind of a line, from its first bytes.
    pub fn of_line(line: &[u8]) -> Self {
        if line.starts_with(b"_e{") {
            Self::Event
        } else if line.starts_with(b"_sc|") {
            Self::ServiceCheck
        } else {
            Self::Metric
        }
    }
}

impl Message<'_> {
    /// What this message is.
    pub const fn kind(&self) -> MessageKind {
        match self {
            Self::Metric(_) | Self::EtsyMulti(_) => MessageKind::Metric,
            Self::Event(_) => MessageKind::Event,
            Self::ServiceCheck(_) => MessageKind::ServiceCheck,
        }
    }
}

/// Decodes a datagram into its messages. See [`Messages`].
pub fn decode<'a>(datagram: &'a [u8], limits: &'a Limits) -> Messages<'a> {
    Messages {
        buf: datagram,
        // One check of the whole datagram is cheaper than one per line; a datagram that is
        // not UTF-8 throughout is checked line by line, so its valid lines still decode.
        text: std::str::from_utf8(datagram).ok(),
        pos: 0,
        index: 0,
        limits,
    }
}

/// Iterator over the messages of a datagram: `Ok` for each valid message, `Err` for each
/// invalid one, in order. An invalid message never hides a valid neighbour.
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    buf: &'a [u8],
    /// `buf` as text, when all of it is UTF-8.
    text: Option<&'a str>,
    pos: usize,
    index: usize,
    limits: &'a Limits,
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, DecodeError>;

    // Inlined, with the metric parser, into the caller's loop: a 168-byte `Message` returned
    // through memory and read back at once stalls on a failed store forward.
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.buf.get(self.pos..).filter(|r| !r.is_empty())?;
            let start = self.pos;
            let (len, advance) = match memchr(b'\n', rest) {
                Some(i) => (i, i + 1),
                None => (rest.len(), rest.len()),
            };
            self.pos += advance;
            let mut line = &rest[..len];
            if let Some((b'\r', head)) = line.split_last() {
                line = head;
            }
            if line.is_empty() {
                continue;
            }
            self.index += 1;
            let index = self.index;
            let parsed = match self.text {
                // Cut at ASCII bytes (`\n`, `\r`), so on character boundaries.
                Some(text) => parse_text(&text[start..start + line.len()], self.limits),
                None => parse_line(line, self.limits),
            };
            return Some(
                parsed.map_err(|(at, kind)| DecodeError::new(index, start, at, line, kind)),
            );
        }
    }
}

#[inline(never)]
fn parse_line<'a>(line: &'a [u8], limits: &Limits) -> Result<Message<'a>, (usize, ErrorKind)> {
    let s = std::str::from_utf8(line).map_err(|e| (e.valid_up_to(), ErrorKind::InvalidUtf8))?;
    parse_text(s, limits)
}

#[inline]
fn parse_text<'a>(s: &'a str, limits: &Limits) -> Result<Message<'a>, (usize, ErrorKind)> {
    if s.starts_with("_e{") {
        event::parse(s, limits)
    } else if s.starts_with("_sc|") {
        service_check::parse(s, limits)
    } else {
        metric::parse(s, limits)
    }
}
