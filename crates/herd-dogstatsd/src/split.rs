//! Splitting on one ASCII byte with `memchr` (faster than `str::split` on short pieces).

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
        if let Some(i) = memchr::memchr(self.sep, rest) {
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
