//! Finding and splitting on one ASCII byte inside a message.
//!
//! The pieces of a message are short (a name, a value, a tag: a few to a few dozen bytes), so
//! the cost of a search is its set-up, not its scan: [`find`] is inlined and looks at eight
//! bytes at a time in a `u64` (no call, no CPU dispatch), and hands long inputs to `memchr`.

/// Inputs longer than this go to `memchr`, whose vector loop wins once set up.
const SHORT: usize = 64;

/// Every byte of a `u64` set to `b`.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The position of the first `needle` in `hay`.
#[inline]
pub(crate) fn find(hay: &[u8], needle: u8) -> Option<usize> {
    if hay.len() > SHORT {
        return memchr::memchr(needle, hay);
    }
    let mut words = hay.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes")) ^ splat(needle);
        // The high bit of each byte of `t` says whether that byte of `x` is non-zero (exact:
        // no carry crosses bytes), so `zero` marks the bytes equal to `needle`.
        let t = ((x & splat(0x7f)).wrapping_add(splat(0x7f))) | x;
        let zero = !t & splat(0x80);
        if zero != 0 {
            return Some(base + (zero.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == needle)
        .map(|i| base + i)
}

/// The pieces of `s` between `sep` bytes, each with its byte offset in `s`.
#[inline]
pub(crate) fn split(s: &str, sep: u8) -> Split<'_> {
    Split {
        s,
        pos: 0,
        done: false,
        sep,
    }
}

/// Iterator returned by [`split`].
pub(crate) struct Split<'a> {
    s: &'a str,
    pos: usize,
    done: bool,
    sep: u8,
}

impl<'a> Iterator for Split<'a> {
    type Item = (usize, &'a str);

    #[inline]
    fn next(&mut self) -> Option<(usize, &'a str)> {
        if self.done {
            return None;
        }
        let start = self.pos;
        let rest = &self.s.as_bytes()[start..];
        if let Some(i) = find(rest, self.sep) {
            self.pos = start + i + 1;
            // `sep` is ASCII, so both sides are on character boundaries.
            Some((start, &self.s[start..start + i]))
        } else {
            self.done = true;
            Some((start, &self.s[start..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn property_test_find_agrees_with_a_plain_search(
            hay in prop::collection::vec(prop::sample::select(b":|,#@\n\x00\x7f\x80\xffab".to_vec()), 0..150),
            needle in prop::sample::select(b":|,#a\x80\xff".to_vec()),
        ) {
            prop_assert_eq!(super::find(&hay, needle), hay.iter().position(|&b| b == needle));
        }
    }

    #[test]
    fn it_splits_like_str_split_and_gives_offsets() {
        for s in ["", "a", "a|b", "|a||b|", "é|ü"] {
            let ours: Vec<_> = super::split(s, b'|').collect();
            let std: Vec<_> = s.split('|').collect();
            assert_eq!(ours.iter().map(|p| p.1).collect::<Vec<_>>(), std);
            for (off, piece) in ours {
                assert_eq!(&s[off..off + piece.len()], piece);
            }
        }
    }
}
