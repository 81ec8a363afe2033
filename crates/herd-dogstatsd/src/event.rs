//! Events: `_e{<title bytes>,<text bytes>}:<title>|<text>[|d:…][|h:…][|k:…][|p:…][|s:…][|t:…][|#…]`.

use crate::error::Bad;
use crate::{tags, ErrorKind, EscapedText, Limits, Origin, Tags, Truncation};

/// Event priority (`p:`). Defaults to normal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// `normal`
    Normal,
    /// `low`
    Low,
}

impl Priority {
    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Low => "low",
        }
    }
}

/// Event alert type (`t:`). Defaults to info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertType {
    /// `error`
    Error,
    /// `warning`
    Warning,
    /// `info`
    Info,
    /// `success`
    Success,
}

impl AlertType {
    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
            Self::Success => "success",
        }
    }
}

/// One event message. Optional fields are `None` when absent, so that a decoded event
/// encodes back to the same bytes; the accessors give the Agent's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Event<'a> {
    /// Title (non-empty), in wire form.
    pub title: EscapedText<'a>,
    /// Text (may be empty), in wire form.
    pub text: EscapedText<'a>,
    /// `d:` seconds since the epoch.
    pub timestamp: Option<i64>,
    /// `h:` hostname.
    pub hostname: Option<&'a str>,
    /// `k:` aggregation key.
    pub aggregation_key: Option<&'a str>,
    /// `p:` priority.
    pub priority: Option<Priority>,
    /// `s:` source type name.
    pub source_type: Option<&'a str>,
    /// `t:` alert type.
    pub alert_type: Option<AlertType>,
    /// The tags.
    pub tags: Tags<'a>,
    /// Origin fields.
    pub origin: Origin<'a>,
    /// What the decoder's limits cut.
    pub truncation: Truncation,
}

impl Event<'_> {
    /// The priority, normal when none was sent.
    pub fn priority(&self) -> Priority {
        self.priority.unwrap_or(Priority::Normal)
    }

    /// The alert type, info when none was sent.
    pub fn alert_type(&self) -> AlertType {
        self.alert_type.unwrap_or(AlertType::Info)
    }
}

/// Parses an event line (it starts with `_e{`).
///
/// The lengths are read as the Datadog Agent reads them (`parse_events.go`, `parseEvent`): the
/// title is the first `title_len` bytes after the header, one byte is skipped (the `|` between
/// title and text, which is not checked), and the text is the next `text_len` bytes. Lengths
/// that run past the end of the line are an error; shorter ones are not: whatever follows the
/// text is read as optional fields, up to the next `|` for the first. Unlike the Agent, a cut
/// inside a UTF-8 character is an error (a title or text must be text).
pub(crate) fn parse<'a>(s: &'a str, limits: &Limits) -> Result<crate::Message<'a>, Bad> {
    let header_err = || (0, ErrorKind::EventHeader);
    let close = s.find('}').ok_or_else(header_err)?;
    let (title_len, text_len) = s[3..close].split_once(',').ok_or_else(header_err)?;
    let title_len = parse_len(title_len).ok_or_else(header_err)?;
    let text_len = parse_len(text_len).ok_or_else(header_err)?;
    if s.as_bytes().get(close + 1) != Some(&b':') {
        return Err(header_err());
    }
    let title_start = close + 2;
    if title_len == 0 {
        return Err((title_start, ErrorKind::EmptyEventTitle));
    }
    let length_err = || {
        (
            title_start,
            ErrorKind::EventLength {
                title: title_len,
                text: text_len,
            },
        )
    };
    let title_end = title_start.checked_add(title_len).ok_or_else(length_err)?;
    let text_start = title_end.checked_add(1).ok_or_else(length_err)?;
    let text_end = text_start.checked_add(text_len).ok_or_else(length_err)?;
    let fits = text_end <= s.len()
        && s.is_char_boundary(title_end)
        && s.is_char_boundary(text_start)
        && s.is_char_boundary(text_end);
    if !fits {
        return Err(length_err());
    }
    let mut event = Event {
        title: EscapedText::from_wire(&s[title_start..title_end]),
        text: EscapedText::from_wire(&s[text_start..text_end]),
        ..Event::default()
    };
    if text_end == s.len() {
        return Ok(crate::Message::Event(event));
    }
    for (off, field) in crate::split::split(&s[text_end..], b'|') {
        let at = text_end + off;
        // A malformed optional field is skipped, not fatal, as the Agent does.
        if let Some(d) = field.strip_prefix("d:") {
            event.timestamp = d.parse().ok().or(event.timestamp);
        } else if let Some(h) = field.strip_prefix("h:") {
            event.hostname = Some(h);
        } else if let Some(k) = field.strip_prefix("k:") {
            event.aggregation_key = Some(k);
        } else if let Some(p) = field.strip_prefix("p:") {
            event.priority = match p {
                "normal" => Some(Priority::Normal),
                "low" => Some(Priority::Low),
                _ => event.priority,
            };
        } else if let Some(src) = field.strip_prefix("s:") {
            event.source_type = Some(src);
        } else if let Some(t) = field.strip_prefix("t:") {
            event.alert_type = match t {
                "error" => Some(AlertType::Error),
                "warning" => Some(AlertType::Warning),
                "info" => Some(AlertType::Info),
                "success" => Some(AlertType::Success),
                _ => event.alert_type,
            };
        } else if let Some(raw) = field.strip_prefix('#') {
            let (tags, count_cut, len_cut) = tags::check(raw, limits).map_err(|e| (at + 1, e))?;
            event.tags = tags;
            event.truncation.tag_count = count_cut;
            event.truncation.tag_len = len_cut;
        } else {
            event.origin.take(field);
        }
    }
    Ok(crate::Message::Event(event))
}

/// A length from the event header: ASCII digits only.
fn parse_len(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
