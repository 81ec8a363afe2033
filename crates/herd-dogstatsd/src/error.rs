//! Decode errors: what was wrong, where, and the bytes that were wrong.

use std::fmt;

/// Why a message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The message is not valid UTF-8.
    InvalidUtf8,
    /// A metric without a `:` between name and value.
    MissingColon,
    /// A metric whose name is empty.
    EmptyName,
    /// A metric with no `|type` after its value.
    MissingType,
    /// A metric with no value (`name:|c`).
    EmptyValue,
    /// A value that is not a number.
    InvalidValue(String),
    /// A value that is NaN or infinite.
    NonFiniteValue(String),
    /// A type other than c, g, ms, h, s, d.
    UnknownType(String),
    /// A `@rate` that is not a number in [0, 1].
    InvalidSampleRate(String),
    /// A `T` timestamp that is not a positive whole number of seconds.
    InvalidTimestamp(String),
    /// A name longer than the limit (when the policy is to reject).
    NameTooLong {
        /// Length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// More tags than the limit (when the policy is to reject).
    TooManyTags {
        /// The limit.
        max: usize,
    },
    /// A tag longer than the limit (when the policy is to reject).
    TagTooLong {
        /// Length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An event whose `_e{title_len,text_len}:` header is malformed.
    EventHeader,
    /// An event whose header lengths run past the end of the message, or cut a UTF-8 character.
    EventLength {
        /// Title length from the header, in bytes.
        title: usize,
        /// Text length from the header, in bytes.
        text: usize,
    },
    /// An event with an empty title.
    EmptyEventTitle,
    /// A service check without a name (`_sc||0`).
    MissingCheckName,
    /// A service-check status other than 0, 1, 2, 3.
    InvalidStatus(String),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUtf8 => f.write_str("not valid UTF-8"),
            Self::MissingColon => f.write_str("no `:` between metric name and value"),
            Self::EmptyName => f.write_str("empty metric name"),
            Self::MissingType => {
                f.write_str("no `|type` after the value; expected one of c, g, ms, h, s, d")
            }
            Self::EmptyValue => f.write_str("empty value"),
            Self::InvalidValue(v) => write!(f, "value `{v}` is not a number"),
            Self::NonFiniteValue(v) => write!(
                f,
                "value `{v}` is not finite (NaN and infinity are rejected)"
            ),
            Self::UnknownType(t) => {
                write!(
                    f,
                    "unknown metric type `{t}`; expected one of c, g, ms, h, s, d"
                )
            }
            Self::InvalidSampleRate(r) => {
                write!(
                    f,
                    "sample rate `@{r}` is not a number from 0 to 1"
                )
            }
            Self::InvalidTimestamp(t) => {
                write!(
                    f,
                    "timestamp `T{t}` is not a positive number of seconds since the epoch"
                )
            }
            Self::NameTooLong { len, max } => {
                write!(f, "name is {len} bytes, over the limit of {max}")
            }
            Self::TooManyTags { max } => write!(f, "more than {max} tags"),
            Self::TagTooLong { len, max } => {
                write!(f, "a tag is {len} bytes, over the limit of {max}")
            }
            Self::EventHeader => {
                f.write_str("event header is not `_e{<title bytes>,<text bytes>}:`")
            }
            Self::EventLength { title, text } => write!(
                f,
                "event header lengths (title {title}, text {text} bytes) run past the end of the message or cut a UTF-8 character"
            ),
            Self::EmptyEventTitle => f.write_str("event title is empty"),
            Self::MissingCheckName => f.write_str("service check has no name"),
            Self::InvalidStatus(s) => {
                write!(f, "service check status `{s}`; expected 0 (ok), 1 (warning), 2 (critical) or 3 (unknown)")
            }
        }
    }
}

/// A message that could not be decoded, with its place in the datagram.
///
/// Displays as one line a user can act on:
/// ``message 3 at byte 118: unknown metric type `x` in `page.views:1|x`; …``
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// 1-based number of the message within the datagram (blank lines not counted).
    pub message: usize,
    /// Byte offset in the datagram where the problem was found.
    pub offset: usize,
    /// Byte offset in the datagram where the message starts.
    pub message_offset: usize,
    /// What was wrong.
    pub kind: ErrorKind,
    /// What the message was (a metric, an event, a service check), from its first bytes.
    pub message_kind: crate::MessageKind,
    /// The start of the offending message (at most 80 bytes, lossily decoded).
    pub excerpt: String,
}

/// Longest excerpt kept in an error, in bytes.
const EXCERPT_MAX: usize = 80;

impl DecodeError {
    pub(crate) fn new(
        message: usize,
        message_offset: usize,
        at: usize,
        line: &[u8],
        kind: ErrorKind,
    ) -> Self {
        let cut = &line[..line.len().min(EXCERPT_MAX)];
        let mut excerpt = String::from_utf8_lossy(cut).into_owned();
        if line.len() > EXCERPT_MAX {
            excerpt.push('…');
        }
        Self {
            message,
            offset: message_offset + at,
            message_offset,
            kind,
            message_kind: crate::MessageKind::of_line(line),
            excerpt,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Put the excerpt right after the reason's first clause, so the user sees what was
        // wrong, then where, then what would be right.
        let reason = self.kind.to_string();
        let (head, tail) = match reason.split_once("; ") {
            Some((h, t)) => (h, Some(t)),
            None => (reason.as_str(), None),
        };
        write!(
            f,
            "message {} at byte {}: {head} in `{}`",
            self.message,
            self.offset,
            self.excerpt.escape_debug()
        )?;
        if let Some(tail) = tail {
            write!(f, "; {tail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

/// A parse failure inside one message: the byte offset within the message and the reason.
pub(crate) type Bad = (usize, ErrorKind);
