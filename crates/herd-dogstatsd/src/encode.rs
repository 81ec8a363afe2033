//! The encoder: the wire form of each message, so that `decode(encode(m)) == m`.

use std::io::Write as _;

use crate::{EtsyMulti, Event, Message, Metric, ServiceCheck, Tags, Values};

impl Message<'_> {
    /// Appends the wire form of this message to `out`, without a trailing newline.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Metric(m) => m.encode(out),
            Self::EtsyMulti(m) => m.encode(out),
            Self::Event(e) => e.encode(out),
            Self::ServiceCheck(c) => c.encode(out),
        }
    }
}

impl Metric<'_> {
    /// Appends the wire form of this metric to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.name.as_bytes());
        out.push(b':');
        match self.values {
            Values::Set(member) => out.extend_from_slice(member.as_bytes()),
            values => {
                for (i, v) in values.numbers().enumerate() {
                    if i > 0 {
                        out.push(b':');
                    } else if self.explicit_sign && v.is_sign_positive() {
                        out.push(b'+');
                    }
                    write_number(out, v);
                }
            }
        }
        out.push(b'|');
        out.extend_from_slice(self.kind.as_str().as_bytes());
        if let Some(rate) = self.sample_rate {
            out.extend_from_slice(b"|@");
            write_number(out, rate);
        }
        write_tags(out, &self.tags);
        if let Some(ts) = self.timestamp {
            let _ = write!(out, "|T{ts}");
        }
        self.origin.encode(out);
    }
}

impl EtsyMulti<'_> {
    /// Appends the wire form (`name:group:group…`) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.name.as_bytes());
        out.push(b':');
        out.extend_from_slice(self.groups_wire().as_bytes());
    }
}

impl Event<'_> {
    /// Appends the wire form of this event to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let (title, text) = (self.title.as_wire(), self.text.as_wire());
        let _ = write!(out, "_e{{{},{}}}:{title}|{text}", title.len(), text.len());
        if let Some(d) = self.timestamp {
            let _ = write!(out, "|d:{d}");
        }
        write_opt(out, b"|h:", self.hostname);
        write_opt(out, b"|k:", self.aggregation_key);
        write_opt(out, b"|p:", self.priority.map(crate::Priority::as_str));
        write_opt(out, b"|s:", self.source_type);
        write_opt(out, b"|t:", self.alert_type.map(crate::AlertType::as_str));
        write_tags(out, &self.tags);
        self.origin.encode(out);
    }
}

impl ServiceCheck<'_> {
    /// Appends the wire form of this service check to `out` (`m:` last, as the protocol asks).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let _ = write!(out, "_sc|{}|{}", self.name, self.status.code());
        if let Some(d) = self.timestamp {
            let _ = write!(out, "|d:{d}");
        }
        write_opt(out, b"|h:", self.hostname);
        write_tags(out, &self.tags);
        self.origin.encode(out);
        write_opt(out, b"|m:", self.message.map(|m| m.as_wire()));
    }
}

fn write_opt(out: &mut Vec<u8>, prefix: &[u8], value: Option<&str>) {
    if let Some(v) = value {
        out.extend_from_slice(prefix);
        out.extend_from_slice(v.as_bytes());
    }
}

fn write_tags(out: &mut Vec<u8>, tags: &Tags<'_>) {
    let mut first = true;
    for tag in tags {
        out.extend_from_slice(if first { b"|#" } else { b"," });
        out.extend_from_slice(tag.as_bytes());
        first = false;
    }
}

/// Writes a number in its shortest form that reads back exactly: integers without a
/// fraction, others in Rust's shortest round-trip notation (exponent for very large/small).
pub(crate) fn write_number(out: &mut Vec<u8>, v: f64) {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let _ = write!(out, "{}", v as i64);
        if v == 0.0 && v.is_sign_negative() {
            // `-0` must stay negative zero.
            out.pop();
            out.extend_from_slice(b"-0");
        }
    } else {
        let _ = write!(out, "{v:?}");
    }
}
