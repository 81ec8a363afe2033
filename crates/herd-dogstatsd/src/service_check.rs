//! Service checks: `_sc|<name>|<status>[|d:…][|h:…][|#…][|m:<message>]`.
//!
//! Fields after the status are split on every `|`, the `m:` message included, as the Datadog
//! Agent reads them (`parse_service_checks.go`): the message ends at the next `|`, and fields
//! after it (`|#tags`, `|c:…`) are read like any other.

use crate::error::Bad;
use crate::metric::check_name;
use crate::{tags, ErrorKind, EscapedText, Limits, Origin, Tags, Truncation};

/// Service-check status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `0`
    Ok,
    /// `1`
    Warning,
    /// `2`
    Critical,
    /// `3`
    Unknown,
}

impl Status {
    /// The wire number.
    pub const fn code(self) -> u8 {
        match self {
            Self::Ok => 0,
            Self::Warning => 1,
            Self::Critical => 2,
            Self::Unknown => 3,
        }
    }

    /// A lower-case name (`ok`, `warning`, `critical`, `unknown`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Critical => "critical",
            Self::Unknown => "unknown",
        }
    }
}

/// One service-check message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceCheck<'a> {
    /// The check's name.
    pub name: &'a str,
    /// The status.
    pub status: Status,
    /// `d:` seconds since the epoch.
    pub timestamp: Option<i64>,
    /// `h:` hostname.
    pub hostname: Option<&'a str>,
    /// The tags.
    pub tags: Tags<'a>,
    /// `m:` message, in wire form. It ends at the next `|` (a message cannot hold one), as the
    /// Agent reads it; the encoder writes it last, as the protocol documentation asks.
    pub message: Option<EscapedText<'a>>,
    /// Origin fields.
    pub origin: Origin<'a>,
    /// What the decoder's limits cut.
    pub truncation: Truncation,
}

impl<'a> ServiceCheck<'a> {
    /// A check with no optional fields.
    pub fn new(name: &'a str, status: Status) -> Self {
        Self {
            name,
            status,
            timestamp: None,
            hostname: None,
            tags: Tags::EMPTY,
            message: None,
            origin: Origin::default(),
            truncation: Truncation::default(),
        }
    }
}

/// Parses a service-check line (it starts with `_sc|`).
pub(crate) fn parse<'a>(s: &'a str, limits: &Limits) -> Result<crate::Message<'a>, Bad> {
    let body = &s[4..];
    let (name, rest) = body
        .split_once('|')
        .ok_or((4, ErrorKind::MissingCheckName))?;
    let (name, name_cut) = check_name(name, limits).map_err(|(_, e)| {
        (
            4,
            if matches!(e, ErrorKind::EmptyName) {
                ErrorKind::MissingCheckName
            } else {
                e
            },
        )
    })?;
    let status_at = 4 + body.len() - rest.len();
    let (status, fields) = rest.split_once('|').unwrap_or((rest, ""));
    let status = match status {
        "0" => Status::Ok,
        "1" => Status::Warning,
        "2" => Status::Critical,
        "3" => Status::Unknown,
        _ => return Err((status_at, ErrorKind::InvalidStatus(status.to_owned()))),
    };
    let mut check = ServiceCheck::new(name, status);
    check.truncation.name = name_cut;
    let fields_at = s.len() - fields.len();
    for (off, field) in crate::split::split(fields, b'|') {
        let at = fields_at + off;
        // A malformed optional field is skipped, not fatal, as the Agent does.
        if let Some(d) = field.strip_prefix("d:") {
            check.timestamp = d.parse().ok().or(check.timestamp);
        } else if let Some(h) = field.strip_prefix("h:") {
            check.hostname = Some(h);
        } else if let Some(raw) = field.strip_prefix('#') {
            let (tags, count_cut, len_cut) = tags::check(raw, limits).map_err(|e| (at + 1, e))?;
            check.tags = tags;
            check.truncation.tag_count = count_cut;
            check.truncation.tag_len = len_cut;
        } else if let Some(m) = field.strip_prefix("m:") {
            check.message = Some(EscapedText::from_wire(m));
        } else {
            check.origin.take(field);
        }
    }
    Ok(crate::Message::ServiceCheck(check))
}
