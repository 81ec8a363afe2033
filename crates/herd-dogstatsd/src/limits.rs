//! Bounds on what one message may carry, and what happens past them.

/// What to do with a name or tag list that exceeds its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Keep the message, cut the name or tags to the limit, and mark it in [`Truncation`].
    /// Defaults to this: a too-long tag should not lose the point.
    #[default]
    Truncate,
    /// Reject the whole message with an error.
    Reject,
}

/// Limits applied while decoding. Each defaults to the limit Datadog's backend enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest metric name or service-check name, in bytes. Defaults to 200.
    pub max_name_len: usize,
    /// Longest single tag (`key:value`), in bytes. Defaults to 200.
    pub max_tag_len: usize,
    /// Most tags on one message. Defaults to 100.
    pub max_tags: usize,
    /// What to do past a limit. Defaults to [`Overflow::Truncate`].
    pub overflow: Overflow,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_name_len: 200,
            max_tag_len: 200,
            max_tags: 100,
            overflow: Overflow::Truncate,
        }
    }
}

impl Limits {
    /// Limits that never truncate nor reject (up to `u32::MAX` bytes per tag).
    pub const fn unbounded() -> Self {
        Self {
            max_name_len: usize::MAX,
            max_tag_len: u32::MAX as usize,
            max_tags: usize::MAX,
            overflow: Overflow::Truncate,
        }
    }
}

/// Which limits a decoded message was truncated to fit. All `false` when nothing was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Truncation {
    /// The name was longer than [`Limits::max_name_len`].
    pub name: bool,
    /// There were more tags than [`Limits::max_tags`]; the first ones were kept.
    pub tag_count: bool,
    /// At least one tag was longer than [`Limits::max_tag_len`].
    pub tag_len: bool,
}

impl Truncation {
    /// Whether anything was truncated.
    pub const fn any(self) -> bool {
        self.name || self.tag_count || self.tag_len
    }
}

/// Cuts `s` to at most `max` bytes, on a character boundary.
pub(crate) fn truncate_str(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
