//! Tag lists, borrowed from the datagram.

use crate::limits::truncate_str;

/// The tags of a message: `key:value` or bare `value` entries, in the order sent.
///
/// Borrows the raw `#a,b:c` section; iteration skips empty entries and cuts each tag to the
/// decoder's tag length limit. Two tag lists are equal when they iterate to the same tags.
#[derive(Debug, Clone, Copy)]
pub struct Tags<'a> {
    raw: &'a str,
    max_len: u32,
}

impl<'a> Tags<'a> {
    /// No tags.
    pub const EMPTY: Tags<'static> = Tags {
        raw: "",
        max_len: u32::MAX,
    };

    /// Tags from their wire form, comma-separated and without the leading `#`.
    pub const fn from_wire(raw: &'a str) -> Self {
        Self {
            raw,
            max_len: u32::MAX,
        }
    }

    pub(crate) const fn with_max_len(raw: &'a str, max_len: u32) -> Self {
        Self { raw, max_len }
    }

    /// The raw comma-separated section (before any per-tag truncation).
    pub const fn as_wire(&self) -> &'a str {
        self.raw
    }

    /// The length each tag is cut to when iterated (`u32::MAX`: none).
    pub const fn max_len(&self) -> u32 {
        self.max_len
    }

    /// Iterates the tags.
    pub fn iter(&self) -> TagIter<'a> {
        TagIter {
            rest: self.raw,
            max: self.max_len as usize,
        }
    }

    /// Number of (non-empty) tags.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are no tags.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// Iterator over [`Tags`].
#[derive(Debug, Clone)]
pub struct TagIter<'a> {
    rest: &'a str,
    max: usize,
}

impl<'a> Iterator for TagIter<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (tag, rest) = match crate::split::find(self.rest.as_bytes(), b',') {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, ""),
            };
            self.rest = rest;
            if !tag.is_empty() {
                return Some(truncate_str(tag, self.max));
            }
        }
    }
}

impl<'a> IntoIterator for &Tags<'a> {
    type Item = &'a str;
    type IntoIter = TagIter<'a>;

    fn into_iter(self) -> TagIter<'a> {
        self.iter()
    }
}

impl Default for Tags<'_> {
    fn default() -> Self {
        Tags::EMPTY
    }
}

impl Eq for Tags<'_> {}

impl PartialEq for Tags<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// The tags of a raw section too short to break a limit (the common case), without a scan:
/// a section no longer than one tag may be holds no tag over the limit, and one shorter than
/// `2 × max_tags − 1` bytes holds at most `max_tags` tags (each takes a byte and a comma).
/// `None`: [`check`] must look.
#[inline]
pub(crate) fn check_short<'a>(raw: &'a str, limits: &crate::Limits) -> Option<Tags<'a>> {
    let max_tag = limits.max_tag_len.min(u32::MAX as usize);
    (raw.len() <= max_tag && raw.len() < limits.max_tags.saturating_mul(2).saturating_sub(1).max(1))
        .then(|| Tags::with_max_len(raw, max_tag as u32))
}

/// Checks a raw tag section against the limits: returns the (possibly shortened) raw section
/// and what was truncated, or the first limit broken when the policy is to reject.
pub(crate) fn check<'a>(
    raw: &'a str,
    limits: &crate::Limits,
) -> Result<(Tags<'a>, bool, bool), crate::ErrorKind> {
    let max_tag = limits.max_tag_len.min(u32::MAX as usize);
    if let Some(tags) = check_short(raw, limits) {
        return Ok((tags, false, false));
    }
    let mut count = 0usize;
    let mut long = false;
    let mut kept = raw.len();
    for (start, piece) in crate::split::split(raw, b',') {
        if !piece.is_empty() {
            if count == limits.max_tags {
                if limits.overflow == crate::Overflow::Reject {
                    return Err(crate::ErrorKind::TooManyTags {
                        max: limits.max_tags,
                    });
                }
                kept = start.saturating_sub(1);
                break;
            }
            count += 1;
            if piece.len() > max_tag {
                if limits.overflow == crate::Overflow::Reject {
                    return Err(crate::ErrorKind::TagTooLong {
                        len: piece.len(),
                        max: limits.max_tag_len,
                    });
                }
                long = true;
            }
        }
    }
    let too_many = kept < raw.len();
    Ok((
        Tags::with_max_len(&raw[..kept], max_tag as u32),
        too_many,
        long,
    ))
}
