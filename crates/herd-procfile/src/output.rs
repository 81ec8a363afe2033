//! The multiplexed log: `HH:MM:SS web.1  | line`, one colour per process type.
//!
//! Lines are assembled whole in one buffer and written with one `write` per batch, so a line
//! is never split or interleaved with another. Bytes are relayed as they came: invalid UTF-8
//! reaches the terminal unchanged instead of stopping anything.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// Longest line kept whole; a longer run without a newline is emitted in pieces this big.
pub const MAX_LINE: usize = 1 << 20;

/// foreman's palette: cyan yellow green magenta red blue, then the bright variants.
const PALETTE: [&str; 12] = [
    "\x1b[36m",
    "\x1b[33m",
    "\x1b[32m",
    "\x1b[35m",
    "\x1b[31m",
    "\x1b[34m",
    "\x1b[1;36m",
    "\x1b[1;33m",
    "\x1b[1;32m",
    "\x1b[1;35m",
    "\x1b[1;31m",
    "\x1b[1;34m",
];
const SYSTEM_COLOR: &str = "\x1b[37m";
const RESET: &str = "\x1b[0m";

/// How lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Prefix each line with `HH:MM:SS ` (local time).
    pub timestamps: bool,
    /// Colour the prefix with ANSI codes.
    pub color: bool,
}

/// Decides on colour the usual way: `-c` forces it; otherwise `NO_COLOR` (non-empty) turns it
/// off, `FORCE_COLOR` (non-empty, not `0`) turns it on, and else it is on for a terminal whose
/// `TERM` is not `dumb`.
pub fn color_wanted(
    forced: bool,
    no_color: Option<&str>,
    force_color: Option<&str>,
    term: Option<&str>,
    is_tty: bool,
) -> bool {
    if forced {
        return true;
    }
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if let Some(v) = force_color.filter(|v| !v.is_empty()) {
        return v != "0" && v != "false";
    }
    is_tty && term.is_some_and(|t| !t.is_empty() && t != "dumb")
}

/// A prepared prefix for one name.
#[derive(Debug, Clone)]
pub struct Label {
    /// Colour code plus padded name and ` | ` (time goes in front at write time).
    color: &'static str,
    padded: Vec<u8>,
}

/// Formats lines into a buffer and writes them out.
pub struct Output<W: Write> {
    out: W,
    buf: Vec<u8>,
    style: Style,
    width: usize,
    clock_second: i64,
    clock_text: [u8; 9],
    broken: bool,
}

impl<W: Write> Output<W> {
    /// `names` are every name that will be shown (used for the padding width).
    pub fn new<'a>(out: W, style: Style, names: impl IntoIterator<Item = &'a str>) -> Self {
        let width = names
            .into_iter()
            .map(|n| n.chars().count())
            .chain(std::iter::once("system".len()))
            .max()
            .unwrap_or(6);
        Self {
            out,
            buf: Vec::with_capacity(1 << 17),
            style,
            width,
            clock_second: i64::MIN,
            clock_text: *b"00:00:00 ",
            broken: false,
        }
    }

    /// The label for `name`, coloured by `color_index` (one per process type).
    pub fn label(&self, name: &str, color_index: usize) -> Label {
        let mut padded = Vec::with_capacity(self.width + 3);
        padded.extend_from_slice(name.as_bytes());
        padded.resize(
            padded.len() + self.width.saturating_sub(name.chars().count()),
            b' ',
        );
        padded.extend_from_slice(b" | ");
        Label {
            color: PALETTE[color_index % PALETTE.len()],
            padded,
        }
    }

    /// The label for herd's own lines.
    pub fn system_label(&self) -> Label {
        let mut l = self.label("system", 0);
        l.color = SYSTEM_COLOR;
        l
    }

    /// Reads the clock once for a batch of lines.
    pub fn tick(&mut self) {
        if !self.style.timestamps {
            return;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        if now != self.clock_second {
            self.clock_second = now;
            let (h, m, s) = crate::sys::local_hms(now);
            self.clock_text = [
                b'0' + h / 10,
                b'0' + h % 10,
                b':',
                b'0' + m / 10,
                b'0' + m % 10,
                b':',
                b'0' + s / 10,
                b'0' + s % 10,
                b' ',
            ];
        }
    }

    /// Appends one line (without its newline) to the buffer.
    pub fn line(&mut self, label: &Label, text: &[u8]) {
        if self.style.color {
            self.buf.extend_from_slice(label.color.as_bytes());
        }
        if self.style.timestamps {
            self.buf.extend_from_slice(&self.clock_text);
        }
        self.buf.extend_from_slice(&label.padded);
        if self.style.color {
            self.buf.extend_from_slice(RESET.as_bytes());
        }
        self.buf.extend_from_slice(text);
        self.buf.push(b'\n');
        if self.buf.len() >= 1 << 16 {
            self.flush();
        }
    }

    /// Appends a message of herd's own (or about a process) with a fresh clock reading.
    pub fn message(&mut self, label: &Label, text: &str) {
        self.tick();
        self.line(label, text.as_bytes());
    }

    /// Writes the buffer out. A closed output (EPIPE) is remembered and further output dropped,
    /// so that `herd start | head` still stops its processes properly.
    pub fn flush(&mut self) {
        if !self.broken && !self.buf.is_empty() {
            let result = self
                .out
                .write_all(&self.buf)
                .and_then(|()| self.out.flush());
            if let Err(e) = result {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.broken = true;
                }
            }
        }
        self.buf.clear();
    }

    /// The writer (for tests).
    pub fn into_inner(mut self) -> W {
        self.flush();
        let Self { out, .. } = self;
        out
    }
}

/// Splits a byte stream into lines for one process stream, keeping a partial last line.
#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// Feeds `chunk`, calling `emit` for each complete line (without `\n`; a `\r` before it is
    /// dropped too, so CRLF output reads cleanly).
    pub fn feed(&mut self, mut chunk: &[u8], mut emit: impl FnMut(&[u8])) {
        if !self.pending.is_empty() {
            let Some(i) = memchr::memchr(b'\n', chunk) else {
                self.pending.extend_from_slice(chunk);
                self.spill(&mut emit);
                return;
            };
            self.pending.extend_from_slice(&chunk[..i]);
            emit(trim_cr(&self.pending));
            self.pending.clear();
            chunk = &chunk[i + 1..];
        }
        let mut start = 0;
        for i in memchr::memchr_iter(b'\n', chunk) {
            emit(trim_cr(&chunk[start..i]));
            start = i + 1;
        }
        self.pending.extend_from_slice(&chunk[start..]);
        self.spill(&mut emit);
    }

    fn spill(&mut self, emit: &mut impl FnMut(&[u8])) {
        while self.pending.len() >= MAX_LINE {
            emit(&self.pending[..MAX_LINE]);
            self.pending.drain(..MAX_LINE);
        }
    }

    /// At end of stream: the final partial line, if any.
    pub fn finish(&mut self, mut emit: impl FnMut(&[u8])) {
        if !self.pending.is_empty() {
            emit(trim_cr(&self.pending));
            self.pending.clear();
        }
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Style {
        Style {
            timestamps: false,
            color: false,
        }
    }

    #[test]
    fn names_are_padded_to_the_longest_and_system() {
        let mut out = Output::new(Vec::new(), plain(), ["web.1", "worker.10"]);
        let web = out.label("web.1", 0);
        let sys = out.system_label();
        out.line(&web, b"hello");
        out.message(&sys, "bye");
        assert_eq!(
            String::from_utf8(out.into_inner()).unwrap(),
            "web.1     | hello\nsystem    | bye\n"
        );
        let mut out = Output::new(Vec::new(), plain(), ["a.1"]);
        let a = out.label("a.1", 0);
        out.line(&a, b"x");
        assert_eq!(out.into_inner(), b"a.1    | x\n");
    }

    #[test]
    fn timestamps_and_colours_wrap_the_prefix_only() {
        let style = Style {
            timestamps: true,
            color: true,
        };
        let mut out = Output::new(Vec::new(), style, ["web.1"]);
        let web = out.label("web.1", 1);
        out.tick();
        out.line(&web, b"x");
        let text = String::from_utf8(out.into_inner()).unwrap();
        assert!(text.starts_with("\x1b[33m"), "{text:?}");
        assert_eq!(&text[7..8], ":");
        assert!(text.ends_with(" web.1  | \x1b[0mx\n"), "{text:?}");
    }

    #[test]
    fn invalid_utf8_is_relayed_unchanged() {
        let mut out = Output::new(Vec::new(), plain(), ["w"]);
        let w = out.label("w", 0);
        out.line(&w, b"\xff\xfe ok");
        assert_eq!(out.into_inner(), b"w      | \xff\xfe ok\n");
    }

    #[test]
    fn splitter_joins_chunks_and_keeps_the_final_partial_line() {
        let mut s = LineSplitter::default();
        let mut lines: Vec<Vec<u8>> = Vec::new();
        s.feed(b"a\r\nb", |l| lines.push(l.to_vec()));
        s.feed(b"c\n\nd", |l| lines.push(l.to_vec()));
        s.finish(|l| lines.push(l.to_vec()));
        assert_eq!(
            lines,
            [b"a".to_vec(), b"bc".to_vec(), Vec::new(), b"d".to_vec()]
        );
    }

    #[test]
    fn overlong_lines_are_emitted_in_bounded_pieces() {
        let mut s = LineSplitter::default();
        let mut sizes = Vec::new();
        let big = vec![b'x'; MAX_LINE + 10];
        s.feed(&big, |l| sizes.push(l.len()));
        s.finish(|l| sizes.push(l.len()));
        assert_eq!(sizes, [MAX_LINE, 10]);
    }

    #[test]
    fn colour_decision_follows_flags_then_environment_then_terminal() {
        assert!(color_wanted(true, Some("1"), None, None, false));
        assert!(!color_wanted(
            false,
            Some("1"),
            Some("1"),
            Some("xterm"),
            true
        ));
        assert!(color_wanted(false, None, Some("1"), None, false));
        assert!(!color_wanted(false, None, Some("0"), Some("xterm"), true));
        assert!(color_wanted(false, Some(""), None, Some("xterm"), true));
        assert!(!color_wanted(false, None, None, Some("dumb"), true));
        assert!(!color_wanted(false, None, None, Some("xterm"), false));
    }
}
