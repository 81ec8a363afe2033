//! Stream framing for UDS stream sockets: each datagram is preceded by its length as a
//! 4-byte little-endian `u32`, as the Agent's `dogstatsd_stream_socket` expects.

use std::fmt;

/// Size of the length prefix.
pub const HEADER_LEN: usize = 4;

/// A frame that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// The header announces more bytes than the configured buffer.
    TooLarge {
        /// Byte offset of the frame header in the stream.
        offset: u64,
        /// Length the header announces.
        len: usize,
        /// The largest frame accepted.
        max: usize,
    },
    /// The stream ended inside a frame.
    Truncated {
        /// Byte offset of the frame header in the stream.
        offset: u64,
        /// Length the header announces (`None` when the header itself is cut).
        len: Option<usize>,
        /// Bytes that were there after the offset.
        available: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { offset, len, max } => write!(
                f,
                "frame at byte {offset} announces {len} bytes, more than the buffer of {max} \
                 (raise the buffer size, e.g. --buffer-size / DD_DOGSTATSD_BUFFER_SIZE)"
            ),
            Self::Truncated { offset, len: Some(len), available } => write!(
                f,
                "stream ends inside the frame at byte {offset}: it announces {len} bytes, {available} follow"
            ),
            Self::Truncated { offset, len: None, available } => write!(
                f,
                "stream ends inside the length header at byte {offset}: {available} of 4 bytes"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

/// Reads the next frame at the start of `buf`.
///
/// Returns `Ok(Some((payload, consumed)))` when a whole frame is there, `Ok(None)` when more
/// bytes are needed, and an error when the header announces more than `max` bytes (the
/// connection should then be closed: the stream cannot be resynchronised). `offset` is the
/// stream position of `buf[0]`, used in the error.
pub fn next_frame(
    buf: &[u8],
    max: usize,
    offset: u64,
) -> Result<Option<(&[u8], usize)>, FrameError> {
    let Some(header) = buf.first_chunk::<HEADER_LEN>() else {
        return Ok(None);
    };
    let len = u32::from_le_bytes(*header) as usize;
    if len > max {
        return Err(FrameError::TooLarge { offset, len, max });
    }
    let end = HEADER_LEN + len;
    Ok(buf.get(HEADER_LEN..end).map(|payload| (payload, end)))
}

/// Splits a whole stream (for example a capture file) into frames; the last item is an
/// error if the stream ends inside a frame.
pub fn frames(stream: &[u8], max: usize) -> Frames<'_> {
    Frames {
        stream,
        pos: 0,
        max,
        done: false,
    }
}

/// Iterator returned by [`frames`].
#[derive(Debug, Clone)]
pub struct Frames<'a> {
    stream: &'a [u8],
    pos: usize,
    max: usize,
    done: bool,
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<(u64, &'a [u8]), FrameError>;

    /// Each frame with the stream offset of its header.
    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos == self.stream.len() {
            return None;
        }
        let rest = &self.stream[self.pos..];
        let offset = self.pos as u64;
        match next_frame(rest, self.max, offset) {
            Ok(Some((payload, used))) => {
                self.pos += used;
                Some(Ok((offset, payload)))
            }
            Ok(None) => {
                self.done = true;
                let len = rest
                    .first_chunk::<HEADER_LEN>()
                    .map(|h| u32::from_le_bytes(*h) as usize);
                Some(Err(FrameError::Truncated {
                    offset,
                    len,
                    available: rest.len(),
                }))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Appends `payload` as one frame to `out`.
///
/// # Panics
/// If `payload` is longer than `u32::MAX` bytes.
pub fn encode_frame(payload: &[u8], out: &mut Vec<u8>) {
    let len = u32::try_from(payload.len()).expect("frame payload fits in u32");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_frames_are_split_and_partial_ones_wait() {
        let mut s = Vec::new();
        encode_frame(b"a:1|c", &mut s);
        encode_frame(b"", &mut s);
        encode_frame(b"b:2|g\nc:3|c", &mut s);
        let got: Vec<_> = frames(&s, 8192)
            .map(Result::unwrap)
            .map(|(_, p)| p)
            .collect();
        assert_eq!(got, [&b"a:1|c"[..], b"", b"b:2|g\nc:3|c"]);
        assert_eq!(next_frame(&s[..7], 8192, 0), Ok(None));
        assert_eq!(next_frame(&s[..3], 8192, 0), Ok(None));
    }

    #[test]
    fn a_frame_over_the_buffer_is_an_error_naming_offset_and_sizes() {
        let mut s = Vec::new();
        encode_frame(b"ok:1|c", &mut s);
        encode_frame(&[b'x'; 100], &mut s);
        let mut it = frames(&s, 64);
        assert!(it.next().unwrap().is_ok());
        let err = it.next().unwrap().unwrap_err();
        assert_eq!(
            err,
            FrameError::TooLarge {
                offset: 10,
                len: 100,
                max: 64
            }
        );
        assert!(err
            .to_string()
            .contains("frame at byte 10 announces 100 bytes"));
        assert!(it.next().is_none());
    }

    #[test]
    fn a_stream_cut_inside_a_frame_says_so() {
        let mut s = Vec::new();
        encode_frame(b"abcdef", &mut s);
        s.truncate(7);
        let err = frames(&s, 64).next().unwrap().unwrap_err();
        assert_eq!(
            err,
            FrameError::Truncated {
                offset: 0,
                len: Some(6),
                available: 7
            }
        );
        let err = frames(&s[..2], 64).next().unwrap().unwrap_err();
        assert_eq!(
            err,
            FrameError::Truncated {
                offset: 0,
                len: None,
                available: 2
            }
        );
    }
}
