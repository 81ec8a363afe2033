//! Metric messages: `<name>:<value>[:<value>…]|<type>[|@rate][|#tags][|T<ts>][|c:…][|e:…][|card:…]`.

use crate::error::Bad;
use crate::limits::truncate_str;
use crate::split::find;
use crate::value::{parse_rate, parse_timestamp, parse_value};
use crate::{tags, ErrorKind, Limits, Origin, Overflow, Tags, Truncation};

/// The six DogStatsD metric types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// `c`: a count, summed over the flush interval.
    Count,
    /// `g`: a gauge, last value wins.
    Gauge,
    /// `ms`: a timer, aggregated like a histogram (milliseconds, not converted).
    Timer,
    /// `h`: a histogram, aggregated on the host into max, median, avg, count, percentiles.
    Histogram,
    /// `s`: a set, counting distinct members.
    Set,
    /// `d`: a distribution, aggregated into a sketch.
    Distribution,
}

impl MetricType {
    /// The wire spelling (`c`, `g`, `ms`, `h`, `s`, `d`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Count => "c",
            Self::Gauge => "g",
            Self::Timer => "ms",
            Self::Histogram => "h",
            Self::Set => "s",
            Self::Distribution => "d",
        }
    }

    fn parse(s: &str) -> Result<Self, ErrorKind> {
        Self::from_wire(s).ok_or_else(|| unknown_type(s))
    }

    /// The type a wire spelling names.
    #[inline]
    fn from_wire(s: &str) -> Option<Self> {
        Some(match s {
            "c" => Self::Count,
            "g" => Self::Gauge,
            "ms" => Self::Timer,
            "h" => Self::Histogram,
            "s" => Self::Set,
            "d" => Self::Distribution,
            _ => return None,
        })
    }
}

#[cold]
#[inline(never)]
fn unknown_type(s: &str) -> ErrorKind {
    ErrorKind::UnknownType(s.to_owned())
}

/// The value(s) of a metric. Numeric forms are validated (finite numbers) at decode time.
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    /// One number.
    One(f64),
    /// Packed numbers as sent (`1:2::3`, protocol 1.1); empty pieces are skipped as the Agent does.
    Packed(&'a str),
    /// Several numbers given by a caller (for encoding).
    Many(&'a [f64]),
    /// A set member, kept whole (a `:` inside it belongs to it).
    Set(&'a str),
}

impl<'a> Values<'a> {
    /// The numbers, in order (nothing for a set member).
    pub fn numbers(&self) -> impl Iterator<Item = f64> + 'a {
        let (one, packed, many): (Option<f64>, &'a str, &'a [f64]) = match *self {
            Self::One(v) => (Some(v), "", &[]),
            Self::Packed(raw) => (None, raw, &[]),
            Self::Many(vs) => (None, "", vs),
            Self::Set(_) => (None, "", &[]),
        };
        one.into_iter()
            .chain(
                crate::split::split(packed, b':')
                    .filter(|p| !p.1.is_empty())
                    .filter_map(|p| parse_value(p.1).ok()),
            )
            .chain(many.iter().copied())
    }

    /// The set member, for a set.
    pub const fn set_member(&self) -> Option<&'a str> {
        match *self {
            Self::Set(m) => Some(m),
            _ => None,
        }
    }

    /// How many samples these values stand for (a set member is one).
    pub fn len(&self) -> usize {
        match self {
            Self::One(_) | Self::Set(_) => 1,
            _ => self.numbers().count(),
        }
    }

    /// Whether there are no samples (only possible for an empty [`Values::Many`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for Values<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.set_member(), other.set_member()) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.numbers().eq(other.numbers()),
            _ => false,
        }
    }
}

/// One metric message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric<'a> {
    /// The metric name (non-empty).
    pub name: &'a str,
    /// The value or values.
    pub values: Values<'a>,
    /// The type.
    pub kind: MetricType,
    /// The first value was written with an explicit `+` or `-`: for a gauge, Etsy statsd
    /// reads that as a delta to the current value (DogStatsD as an absolute value).
    pub explicit_sign: bool,
    /// `@rate` as sent: in (0, 1], or 0; [`Metric::rate`] gives the effective rate.
    pub sample_rate: Option<f64>,
    /// The tags.
    pub tags: Tags<'a>,
    /// `T` timestamp (seconds): the point bypasses aggregation.
    pub timestamp: Option<u64>,
    /// Origin fields.
    pub origin: Origin<'a>,
    /// What the decoder's limits cut.
    pub truncation: Truncation,
}

impl<'a> Metric<'a> {
    /// A metric with no optional fields.
    pub fn new(name: &'a str, kind: MetricType, values: Values<'a>) -> Self {
        Self {
            name,
            values,
            kind,
            explicit_sign: false,
            sample_rate: None,
            tags: Tags::EMPTY,
            timestamp: None,
            origin: Origin::default(),
            truncation: Truncation::default(),
        }
    }

    /// The sample rate to weigh samples by: 1 when none was sent, and 1 for `@0`.
    ///
    /// The Datadog Agent accepts `@0` and counts a histogram, timer or distribution sample
    /// sent with it once, as unsampled (`pkg/metrics/histogram.go`, `addSample`; the sketch's
    /// `Agent.Insert`); for a count it multiplies the value by `1 / 0`, an infinity
    /// (`pkg/metrics/counter.go`). herd reads `@0` as unsampled for every type.
    #[inline]
    pub fn rate(&self) -> f64 {
        match self.sample_rate {
            Some(r) if r > 0.0 => r,
            _ => 1.0,
        }
    }
}

/// The Etsy statsd form `key:1|c:2|ms|@0.1`: several `value|type[|@rate]` groups for one name.
///
/// DogStatsD has no such form (it reads the type `c:2` as unknown); the decoder hands it over as
/// this distinct shape so the aggregator can honour it or count it as an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EtsyMulti<'a> {
    /// The name shared by every group.
    pub name: &'a str,
    groups: &'a str,
    /// What the decoder's limits cut (the name only).
    pub truncation: Truncation,
}

impl<'a> EtsyMulti<'a> {
    /// Each group as a metric of its own (validated at decode time).
    pub fn metrics(&self) -> impl Iterator<Item = Metric<'a>> + 'a {
        let name = self.name;
        self.groups
            .split(':')
            .filter_map(move |g| parse_group(name, g).ok())
    }
}

/// Parses one metric line (already known not to be an event or service check).
///
/// The common case (a short name, a plain number, a known type, a rate in `(0, 1]`, a short
/// tag section) goes through helpers that return `Option`s: a `Result` carrying an
/// [`ErrorKind`] is returned through memory, and reading it back right after it was written
/// piecewise stalls the CPU (a failed store-to-load forward) for longer than the parse itself.
/// Anything else takes the checked path, which also names the error.
#[inline]
pub(crate) fn parse<'a>(s: &'a str, limits: &Limits) -> Result<crate::Message<'a>, Bad> {
    let bytes = s.as_bytes();
    let pipe = find(bytes, b'|');
    let head_end = pipe.unwrap_or(bytes.len());
    let colon = find(&bytes[..head_end], b':').ok_or((0, ErrorKind::MissingColon))?;
    let (name, name_cut) = if colon > 0 && colon <= limits.max_name_len {
        (&s[..colon], false)
    } else {
        check_name(&s[..colon], limits)?
    };
    let value_str = &s[colon + 1..head_end];
    let pipe = pipe.ok_or((bytes.len(), ErrorKind::MissingType))?;

    let rest = &s[pipe + 1..];
    let type_end = find(rest.as_bytes(), b'|').unwrap_or(rest.len());
    let ty = &rest[..type_end];
    if ty.contains(':') {
        return parse_etsy_multi(name, name_cut, &s[colon + 1..], colon + 1);
    }
    let Some(kind) = MetricType::from_wire(ty) else {
        return Err((pipe + 1, unknown_type(ty)));
    };
    let one = if kind == MetricType::Set {
        None
    } else {
        crate::value::parse_simple(value_str.as_bytes())
    };
    let values = match one {
        Some(v) => Values::One(v),
        None => parse_values(value_str, kind).map_err(|e| (colon + 1, e))?,
    };
    let mut metric = Metric::new(name, kind, values);
    metric.explicit_sign =
        kind != MetricType::Set && matches!(value_str.as_bytes().first(), Some(b'+' | b'-'));
    metric.truncation.name = name_cut;

    let mut tags_raw = None;
    if type_end < rest.len() {
        let base = pipe + 1 + type_end + 1;
        for (off, field) in crate::split::split(&rest[type_end + 1..], b'|') {
            let at = base + off;
            let bad = |e| (at, e);
            match field.as_bytes().first() {
                None => {}
                Some(b'@') => {
                    metric.sample_rate = Some(match crate::value::simple_rate(&field[1..]) {
                        Some(r) => r,
                        None => parse_rate(&field[1..]).map_err(bad)?,
                    });
                }
                Some(b'#') => tags_raw = Some((at + 1, &field[1..])),
                Some(b'T') => metric.timestamp = Some(parse_timestamp(&field[1..]).map_err(bad)?),
                Some(_) => {
                    // Origin fields, or an unknown field, which is skipped as the Agent does.
                    metric.origin.take(field);
                }
            }
        }
    }
    if let Some((at, raw)) = tags_raw {
        let (tags, count_cut, len_cut) = match tags::check_short(raw, limits) {
            Some(tags) => (tags, false, false),
            None => tags::check(raw, limits).map_err(|e| (at, e))?,
        };
        metric.tags = tags;
        metric.truncation.tag_count = count_cut;
        metric.truncation.tag_len = len_cut;
    }
    Ok(crate::Message::Metric(metric))
}

/// Applies the name limit.
#[inline]
pub(crate) fn check_name<'a>(name: &'a str, limits: &Limits) -> Result<(&'a str, bool), Bad> {
    if name.is_empty() {
        return Err((0, ErrorKind::EmptyName));
    }
    if name.len() <= limits.max_name_len {
        return Ok((name, false));
    }
    match limits.overflow {
        Overflow::Reject => Err((
            0,
            ErrorKind::NameTooLong {
                len: name.len(),
                max: limits.max_name_len,
            },
        )),
        Overflow::Truncate => Ok((truncate_str(name, limits.max_name_len), true)),
    }
}

/// The values of a metric (the checked path: `parse` reads a plain number itself).
fn parse_values(s: &str, kind: MetricType) -> Result<Values<'_>, ErrorKind> {
    if s.is_empty() {
        return Err(ErrorKind::EmptyValue);
    }
    if kind == MetricType::Set {
        return Ok(Values::Set(s));
    }
    if find(s.as_bytes(), b':').is_none() {
        return parse_value(s).map(Values::One);
    }
    parse_packed(s)
}

/// Packed values (`1:2::3`).
#[inline(never)]
fn parse_packed(s: &str) -> Result<Values<'_>, ErrorKind> {
    let mut count = 0usize;
    let mut first = 0.0;
    for (_, piece) in crate::split::split(s, b':').filter(|p| !p.1.is_empty()) {
        let v = parse_value(piece)?;
        if count == 0 {
            first = v;
        }
        count += 1;
    }
    match count {
        0 => Err(ErrorKind::EmptyValue),
        1 => Ok(Values::One(first)),
        _ => Ok(Values::Packed(s)),
    }
}

/// One Etsy group: `value|type[|@rate]` (further fields are ignored, as Etsy statsd does).
fn parse_group<'a>(name: &'a str, group: &'a str) -> Result<Metric<'a>, ErrorKind> {
    let mut fields = group.split('|');
    let value = fields.next().unwrap_or("");
    let kind = MetricType::parse(fields.next().ok_or(ErrorKind::MissingType)?)?;
    let values = parse_values(value, kind)?;
    let mut metric = Metric::new(name, kind, values);
    metric.explicit_sign =
        kind != MetricType::Set && matches!(value.as_bytes().first(), Some(b'+' | b'-'));
    for field in fields {
        if let Some(rate) = field.strip_prefix('@') {
            metric.sample_rate = Some(parse_rate(rate)?);
        }
    }
    Ok(metric)
}

fn parse_etsy_multi<'a>(
    name: &'a str,
    name_cut: bool,
    groups: &'a str,
    groups_at: usize,
) -> Result<crate::Message<'a>, Bad> {
    let mut at = groups_at;
    for group in groups.split(':') {
        parse_group(name, group).map_err(|e| (at, e))?;
        at += group.len() + 1;
    }
    let truncation = Truncation {
        name: name_cut,
        ..Truncation::default()
    };
    Ok(crate::Message::EtsyMulti(EtsyMulti {
        name,
        groups,
        truncation,
    }))
}

impl EtsyMulti<'_> {
    pub(crate) fn groups_wire(&self) -> &str {
        self.groups
    }
}
