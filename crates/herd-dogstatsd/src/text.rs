//! Event and service-check texts, which escape newlines as the two bytes `\n`.

use std::borrow::Cow;

/// A text as it stands on the wire: a newline is written as backslash + `n`.
///
/// Borrowed from the datagram; [`EscapedText::unescape`] gives the text a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EscapedText<'a>(&'a str);

impl<'a> EscapedText<'a> {
    /// Wraps text that is already in wire form.
    pub const fn from_wire(raw: &'a str) -> Self {
        Self(raw)
    }

    /// The wire form (`\n` still escaped).
    pub const fn as_wire(&self) -> &'a str {
        self.0
    }

    /// Whether the text is empty.
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text with each `\n` escape turned into a newline.
    pub fn unescape(&self) -> Cow<'a, str> {
        if self.0.contains("\\n") {
            Cow::Owned(self.0.replace("\\n", "\n"))
        } else {
            Cow::Borrowed(self.0)
        }
    }

    /// The wire form of a plain text: each newline becomes `\n` (a `\r` before it is dropped).
    pub fn escape(plain: &str) -> Cow<'_, str> {
        if plain.contains('\n') {
            Cow::Owned(plain.replace("\r\n", "\\n").replace('\n', "\\n"))
        } else {
            Cow::Borrowed(plain)
        }
    }
}
