//! Tokens of the Ruby subset that Chef role and environment files use.
//!
//! The lexer never fails: a character it does not know becomes [`Tok::Unknown`], which the
//! parser reports with its position. Newlines are tokens only outside brackets, so a call that
//! spans lines inside `( … )`, `[ … ]` or `{ … }` reads as one statement, as in Ruby; a `\` at
//! the end of a line joins it to the next. Heredoc bodies are read when the line that opens
//! them ends, and patched into the string token the opener left behind.

use crate::diagnostic::Pos;

/// One piece of a string literal: text, or an interpolated `#{…}` expression left unevaluated.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    /// Literal text, escapes already applied.
    Lit(String),
    /// The source text inside `#{…}` and where it starts.
    Interp(String, Pos),
}

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A lower-case identifier or keyword (`run_list`, `nil`, `if`), or `@ivar` / `$global`.
    Ident(String),
    /// A constant (`Chef`, `File`).
    Const(String),
    /// A hash label: `key:` or `"key":`.
    Label(String),
    /// A symbol: `:name`, `:"name"`.
    Sym(String),
    /// A string literal (quotes or heredoc).
    Str(Vec<StrPart>),
    /// `%w[…]` (strings) or `%i[…]` (symbols); `true` when any word holds `#{`.
    Words(Vec<String>, bool, bool),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// Punctuation: `( ) [ ] { } , => = + - * ** . :: ; & | ? :` and friends.
    Punct(&'static str),
    /// The end of a statement line (outside brackets).
    Newline,
    /// A character this subset does not know.
    Unknown(char),
    /// The end of the input.
    Eof,
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// 1-based line and column of its first character.
    pub pos: Pos,
    /// Whether whitespace came right before it (tells `foo (x)` from `foo(x)`, `*a` from `a * b`).
    pub space_before: bool,
}

/// A heredoc opened on the current line, waiting for its body.
struct PendingHeredoc {
    token: usize,
    terminator: String,
    squiggly: bool,
    indented_end: bool,
    raw: bool,
}

struct Lexer<'a> {
    src: &'a [u8],
    text: &'a str,
    at: usize,
    line: u32,
    line_start: usize,
    depth: u32,
    out: Vec<Token>,
    pending: Vec<PendingHeredoc>,
}

/// Splits `text` into tokens. Always ends with [`Tok::Eof`].
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut lx = Lexer {
        src: text.as_bytes(),
        text,
        at: 0,
        line: 1,
        line_start: 0,
        depth: 0,
        out: Vec::new(),
        pending: Vec::new(),
    };
    lx.run();
    lx.out
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl Lexer<'_> {
    fn pos(&self) -> Pos {
        let col = self.text[self.line_start..self.at].chars().count() as u32 + 1;
        Pos {
            line: self.line,
            col,
        }
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.src.get(self.at + ahead).copied().unwrap_or(0)
    }

    fn push(&mut self, tok: Tok, pos: Pos, space_before: bool) {
        self.out.push(Token {
            tok,
            pos,
            space_before,
        });
    }

    fn newline(&mut self) {
        // `self.at` points just past the `\n`.
        self.line += 1;
        self.line_start = self.at;
    }

    fn at_line_start(&self) -> bool {
        self.at == self.line_start
    }

    fn run(&mut self) {
        let mut space = true;
        while self.at < self.src.len() {
            let b = self.src[self.at];
            if self.at_line_start() && self.text[self.at..].starts_with("=begin") {
                self.skip_block_comment();
                continue;
            }
            if self.at_line_start() && self.text[self.at..].starts_with("__END__") {
                let rest = &self.text[self.at + 7..];
                if rest.is_empty() || rest.starts_with('\n') || rest.starts_with("\r\n") {
                    break;
                }
            }
            match b {
                b' ' | b'\t' | b'\r' | b'\x0c' => {
                    self.at += 1;
                    space = true;
                }
                b'\\'
                    if matches!(self.peek(1), b'\n')
                        || (self.peek(1) == b'\r' && self.peek(2) == b'\n') =>
                {
                    self.at += if self.peek(1) == b'\r' { 3 } else { 2 };
                    self.end_of_line();
                    space = true;
                }
                b'\n' => {
                    let pos = self.pos();
                    self.at += 1;
                    if self.depth == 0 {
                        self.push(Tok::Newline, pos, space);
                    }
                    self.end_of_line();
                    space = true;
                }
                b'#' => {
                    while self.at < self.src.len() && self.src[self.at] != b'\n' {
                        self.at += 1;
                    }
                    space = true;
                }
                _ => {
                    self.token(space);
                    space = false;
                }
            }
        }
        let pos = self.pos();
        if !self.pending.is_empty() {
            // The file ended on the line that opened a heredoc: it has no body.
            self.pending.clear();
        }
        self.push(Tok::Eof, pos, true);
    }

    /// After a line break: update the line counter and read any heredoc bodies.
    fn end_of_line(&mut self) {
        self.newline();
        let pending = std::mem::take(&mut self.pending);
        for h in pending {
            self.read_heredoc_body(&h);
        }
    }

    fn skip_block_comment(&mut self) {
        loop {
            let end = self.text[self.at..]
                .find('\n')
                .map_or(self.src.len(), |i| self.at + i);
            let line = &self.text[self.at..end];
            let is_end = line.starts_with("=end");
            self.at = end;
            if self.at < self.src.len() {
                self.at += 1;
                self.newline();
            }
            if is_end || self.at >= self.src.len() {
                return;
            }
        }
    }

    fn token(&mut self, space: bool) {
        let pos = self.pos();
        let b = self.src[self.at];
        match b {
            b'"' | b'\'' | b'`' => {
                self.at += 1;
                let parts = self.quoted(b, b == b'"' || b == b'`', None);
                self.string_or_label(parts, pos, space);
            }
            b'%' if matches!(self.peek(1), b'w' | b'W' | b'i' | b'I')
                && Self::delimiter(self.peek(2)).is_some() =>
            {
                let kind = self.peek(1);
                let open = self.peek(2);
                self.at += 3;
                let (words, interp) = self.words(open);
                self.push(
                    Tok::Words(words, matches!(kind, b'i' | b'I'), interp),
                    pos,
                    space,
                );
            }
            b'%' if matches!(self.peek(1), b'q' | b'Q')
                && Self::delimiter(self.peek(2)).is_some() =>
            {
                let interp = self.peek(1) == b'Q';
                let open = self.peek(2);
                self.at += 3;
                let parts = self.quoted(open, interp, Self::delimiter(open));
                self.push(Tok::Str(parts), pos, space);
            }
            b'%' if matches!(self.peek(1), b'(' | b'[' | b'{' | b'<') => {
                let open = self.peek(1);
                self.at += 2;
                let parts = self.quoted(open, true, Self::delimiter(open));
                self.push(Tok::Str(parts), pos, space);
            }
            b'<' if self.peek(1) == b'<' && self.heredoc_start() => self.heredoc(pos, space),
            b':' if self.peek(1) == b':' => {
                self.at += 2;
                self.push(Tok::Punct("::"), pos, space);
            }
            b':' if self.peek(1) == b'"' || self.peek(1) == b'\'' => {
                let q = self.peek(1);
                self.at += 2;
                let parts = self.quoted(q, q == b'"', None);
                let mut s = String::new();
                for p in parts {
                    match p {
                        StrPart::Lit(t) => s.push_str(&t),
                        StrPart::Interp(code, _) => {
                            s.push_str("#{");
                            s.push_str(&code);
                            s.push('}');
                        }
                    }
                }
                self.push(Tok::Sym(s), pos, space);
            }
            b':' if is_ident_start(self.peek(1)) => {
                self.at += 1;
                let name = self.ident_text();
                self.push(Tok::Sym(name), pos, space);
            }
            b'0'..=b'9' => self.number(pos, space),
            b'@' | b'$' if is_ident_start(self.peek(1)) || self.peek(1) == b'@' => {
                let start = self.at;
                self.at += 1;
                if self.peek(0) == b'@' {
                    self.at += 1;
                }
                let rest = self.ident_text();
                let name = format!("{}{rest}", &self.text[start..self.at - rest.len()]);
                self.push(Tok::Ident(name), pos, space);
            }
            _ if is_ident_start(b) => {
                let name = self.ident_text();
                if self.peek(0) == b':' && self.peek(1) != b':' && !name.ends_with('?') {
                    self.at += 1;
                    self.push(Tok::Label(name), pos, space);
                } else if name.as_bytes()[0].is_ascii_uppercase() {
                    self.push(Tok::Const(name), pos, space);
                } else {
                    self.push(Tok::Ident(name), pos, space);
                }
            }
            _ => self.punct(pos, space),
        }
    }

    fn punct(&mut self, pos: Pos, space: bool) {
        const PUNCTS: [&str; 29] = [
            "**", "=>", "==", "!=", "&&", "||", "<=", ">=", "<<", "->", "..", "(", ")", "[", "]",
            "{", "}", ",", "=", "+", "-", "*", "/", "%", ".", ";", "&", "|", "?",
        ];
        for p in PUNCTS {
            if self.text[self.at..].starts_with(p) {
                self.at += p.len();
                match p {
                    "(" | "[" | "{" => self.depth += 1,
                    ")" | "]" | "}" => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                }
                self.push(Tok::Punct(p), pos, space);
                return;
            }
        }
        for p in [":", "!", "<", ">", "^", "~"] {
            if self.text[self.at..].starts_with(p) {
                self.at += 1;
                let tok = match p {
                    ":" => Tok::Punct(":"),
                    _ => Tok::Unknown(p.chars().next().unwrap_or('?')),
                };
                self.push(tok, pos, space);
                return;
            }
        }
        let c = self.text[self.at..].chars().next().unwrap_or('?');
        self.at += c.len_utf8();
        self.push(Tok::Unknown(c), pos, space);
    }

    fn ident_text(&mut self) -> String {
        let start = self.at;
        while self.at < self.src.len() && is_ident_char(self.src[self.at]) {
            self.at += 1;
        }
        // Multi-byte characters: never stop inside one.
        while self.at < self.src.len() && !self.text.is_char_boundary(self.at) {
            self.at += 1;
        }
        if matches!(self.peek(0), b'?' | b'!') && self.peek(1) != b'=' {
            self.at += 1;
        }
        self.text[start..self.at].to_string()
    }

    fn number(&mut self, pos: Pos, space: bool) {
        let start = self.at;
        while self.peek(0).is_ascii_digit() || self.peek(0) == b'_' {
            self.at += 1;
        }
        let mut float = false;
        if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            float = true;
            self.at += 1;
            while self.peek(0).is_ascii_digit() || self.peek(0) == b'_' {
                self.at += 1;
            }
        }
        if matches!(self.peek(0), b'e' | b'E')
            && (self.peek(1).is_ascii_digit()
                || (matches!(self.peek(1), b'+' | b'-') && self.peek(2).is_ascii_digit()))
        {
            float = true;
            self.at += 2;
            while self.peek(0).is_ascii_digit() {
                self.at += 1;
            }
        }
        let digits: String = self.text[start..self.at]
            .chars()
            .filter(|c| *c != '_')
            .collect();
        let tok = if float {
            digits.parse().map_or(Tok::Unknown('0'), Tok::Float)
        } else {
            digits.parse().map_or_else(
                |_| digits.parse().map_or(Tok::Unknown('0'), Tok::Float),
                Tok::Int,
            )
        };
        self.push(tok, pos, space);
    }

    fn delimiter(open: u8) -> Option<u8> {
        match open {
            b'[' => Some(b']'),
            b'(' => Some(b')'),
            b'{' => Some(b'}'),
            b'<' => Some(b'>'),
            b if b.is_ascii_punctuation() => Some(b),
            _ => None,
        }
    }

    /// Reads a quoted string up to `close` (the opening quote was consumed). `nest` is the
    /// opening bracket for `%q(…)` forms, which nest.
    fn quoted(&mut self, quote: u8, interpolate: bool, close: Option<u8>) -> Vec<StrPart> {
        let close = close.unwrap_or(quote);
        let nests = close != quote;
        let mut level = 0u32;
        let mut parts = Vec::new();
        let mut lit = String::new();
        while self.at < self.src.len() {
            let b = self.src[self.at];
            if nests && b == quote {
                level += 1;
            } else if b == close {
                if level == 0 {
                    self.at += 1;
                    break;
                }
                level -= 1;
            }
            if b == b'\\' && self.at + 1 < self.src.len() {
                self.at += 1;
                self.escape(interpolate, quote, close, &mut lit);
                continue;
            }
            if interpolate && b == b'#' && self.peek(1) == b'{' {
                if !lit.is_empty() {
                    parts.push(StrPart::Lit(std::mem::take(&mut lit)));
                }
                let pos = self.pos();
                self.at += 2;
                let start = self.at;
                let mut braces = 0u32;
                while self.at < self.src.len() {
                    match self.src[self.at] {
                        b'{' => braces += 1,
                        b'}' if braces == 0 => break,
                        b'}' => braces -= 1,
                        b'\n' => {
                            self.at += 1;
                            self.newline();
                            continue;
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
                let code = self.text[start..self.at.min(self.src.len())].to_string();
                self.at = (self.at + 1).min(self.src.len());
                parts.push(StrPart::Interp(code, pos));
                continue;
            }
            let c = self.text[self.at..].chars().next().unwrap_or('\u{fffd}');
            self.at += c.len_utf8();
            lit.push(c);
            if c == '\n' {
                self.newline();
            }
        }
        if !lit.is_empty() || parts.is_empty() {
            parts.push(StrPart::Lit(lit));
        }
        parts
    }

    /// One escape after `\` (consumed) in a string.
    fn escape(&mut self, interpolate: bool, quote: u8, close: u8, lit: &mut String) {
        let c = self.text[self.at..].chars().next().unwrap_or('\\');
        self.at += c.len_utf8();
        if !interpolate {
            // Single quotes: only `\\` and `\'` (or the closing delimiter) are escapes.
            if c == '\\' || c as u32 == u32::from(quote) || c as u32 == u32::from(close) {
                lit.push(c);
            } else {
                lit.push('\\');
                lit.push(c);
                if c == '\n' {
                    self.newline();
                }
            }
            return;
        }
        match c {
            'n' => lit.push('\n'),
            't' => lit.push('\t'),
            'r' => lit.push('\r'),
            's' => lit.push(' '),
            '0' => lit.push('\0'),
            'e' => lit.push('\u{1b}'),
            'a' => lit.push('\u{7}'),
            'b' => lit.push('\u{8}'),
            'f' => lit.push('\u{c}'),
            'v' => lit.push('\u{b}'),
            '\n' => self.newline(),
            'u' => {
                let (digits, braced) = if self.peek(0) == b'{' {
                    let end = self.text[self.at..]
                        .find('}')
                        .map_or(self.src.len(), |i| self.at + i);
                    let d = self.text[self.at + 1..end].to_string();
                    self.at = (end + 1).min(self.src.len());
                    (d, true)
                } else {
                    let end = (self.at + 4).min(self.src.len());
                    let d: String = self.text.get(self.at..end).unwrap_or("").to_string();
                    if d.len() == 4 && d.bytes().all(|b| b.is_ascii_hexdigit()) {
                        self.at = end;
                    }
                    (d, false)
                };
                let chars: Vec<&str> = if braced {
                    digits.split_whitespace().collect()
                } else {
                    vec![digits.as_str()]
                };
                for d in chars {
                    match u32::from_str_radix(d, 16).ok().and_then(char::from_u32) {
                        Some(ch) => lit.push(ch),
                        None => lit.push('\u{fffd}'),
                    }
                }
            }
            'x' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && self.peek(0).is_ascii_hexdigit() {
                    v = v * 16 + char::from(self.peek(0)).to_digit(16).unwrap_or(0);
                    self.at += 1;
                    n += 1;
                }
                lit.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            other => lit.push(other),
        }
    }

    /// `%w[a b]`: words split on whitespace, `\ ` keeps a space, brackets nest.
    fn words(&mut self, open: u8) -> (Vec<String>, bool) {
        let close = Self::delimiter(open).unwrap_or(open);
        let nests = close != open;
        let mut level = 0u32;
        let mut words = Vec::new();
        let mut word = String::new();
        let mut interp = false;
        while self.at < self.src.len() {
            let b = self.src[self.at];
            if nests && b == open {
                level += 1;
            } else if b == close {
                if level == 0 {
                    self.at += 1;
                    break;
                }
                level -= 1;
            }
            if b == b'\\' && self.at + 1 < self.src.len() {
                let c = self.text[self.at + 1..].chars().next().unwrap_or('\\');
                self.at += 1 + c.len_utf8();
                if c == '\n' {
                    self.newline();
                }
                word.push(c);
                continue;
            }
            if b.is_ascii_whitespace() {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                self.at += 1;
                if b == b'\n' {
                    self.newline();
                }
                continue;
            }
            if b == b'#' && self.peek(1) == b'{' {
                interp = true;
            }
            let c = self.text[self.at..].chars().next().unwrap_or('\u{fffd}');
            self.at += c.len_utf8();
            word.push(c);
        }
        if !word.is_empty() {
            words.push(word);
        }
        (words, interp)
    }

    /// Is the `<<` at `self.at` a heredoc opener (`<<~ID`, `<<-ID`, `<<ID`, `<<~'ID'`)?
    fn heredoc_start(&self) -> bool {
        let mut i = self.at + 2;
        if matches!(self.src.get(i), Some(b'~' | b'-')) {
            i += 1;
        }
        if matches!(self.src.get(i), Some(b'\'' | b'"')) {
            i += 1;
        }
        self.src
            .get(i)
            .is_some_and(|b| b.is_ascii_uppercase() || *b == b'_')
    }

    fn heredoc(&mut self, pos: Pos, space: bool) {
        self.at += 2;
        let mut squiggly = false;
        let mut indented_end = false;
        match self.peek(0) {
            b'~' => {
                squiggly = true;
                indented_end = true;
                self.at += 1;
            }
            b'-' => {
                indented_end = true;
                self.at += 1;
            }
            _ => {}
        }
        let mut raw = false;
        let quote = self.peek(0);
        if quote == b'\'' || quote == b'"' {
            raw = quote == b'\'';
            self.at += 1;
        }
        let terminator = self.ident_text();
        if (quote == b'\'' || quote == b'"') && self.peek(0) == quote {
            self.at += 1;
        }
        let token = self.out.len();
        self.push(Tok::Str(vec![StrPart::Lit(String::new())]), pos, space);
        self.pending.push(PendingHeredoc {
            token,
            terminator,
            squiggly,
            indented_end,
            raw,
        });
    }

    fn read_heredoc_body(&mut self, h: &PendingHeredoc) {
        let mut lines: Vec<&str> = Vec::new();
        loop {
            if self.at >= self.src.len() {
                break;
            }
            let end = self.text[self.at..]
                .find('\n')
                .map_or(self.src.len(), |i| self.at + i);
            let line = &self.text[self.at..end];
            let line = line.strip_suffix('\r').unwrap_or(line);
            self.at = end;
            if self.at < self.src.len() {
                self.at += 1;
                self.newline();
            }
            let candidate = if h.indented_end {
                line.trim_start()
            } else {
                line
            };
            if candidate == h.terminator {
                break;
            }
            lines.push(line);
        }
        let indent = if h.squiggly {
            lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0)
        } else {
            0
        };
        let mut body = String::new();
        for l in lines {
            body.push_str(l.get(indent..).unwrap_or_else(|| l.trim_start()));
            body.push('\n');
        }
        let parts = if h.raw {
            vec![StrPart::Lit(body)]
        } else {
            // Apply escapes and find interpolation by lexing the body as a double-quoted string.
            let mut inner = Lexer {
                src: body.as_bytes(),
                text: &body,
                at: 0,
                line: self.line,
                line_start: 0,
                depth: 0,
                out: Vec::new(),
                pending: Vec::new(),
            };
            inner.quoted(0, true, Some(0))
        };
        if let Some(t) = self.out.get_mut(h.token) {
            t.tok = Tok::Str(parts);
        }
    }

    fn string_or_label(&mut self, parts: Vec<StrPart>, pos: Pos, space: bool) {
        if self.peek(0) == b':' && self.peek(1) != b':' {
            if let [StrPart::Lit(s)] = parts.as_slice() {
                let s = s.clone();
                self.at += 1;
                self.push(Tok::Label(s), pos, space);
                return;
            }
        }
        self.push(Tok::Str(parts), pos, space);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src).into_iter().map(|t| t.tok).collect()
    }

    fn lit(s: &str) -> Tok {
        Tok::Str(vec![StrPart::Lit(s.to_string())])
    }

    #[test]
    fn a_command_call_with_two_strings_is_ident_str_comma_str() {
        assert_eq!(
            toks("run_list \"a\", 'b'\n"),
            vec![
                Tok::Ident("run_list".into()),
                lit("a"),
                Tok::Punct(","),
                lit("b"),
                Tok::Newline,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn newlines_inside_brackets_are_not_tokens() {
        let t = toks("run_list(\n  \"a\",\n  \"b\"\n)\n");
        assert_eq!(t.iter().filter(|t| **t == Tok::Newline).count(), 1);
    }

    #[test]
    fn a_backslash_at_the_end_of_a_line_joins_lines() {
        assert_eq!(
            toks("description 'a' \\\n 'b'"),
            vec![
                Tok::Ident("description".into()),
                lit("a"),
                lit("b"),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn word_arrays_split_on_whitespace_and_keep_brackets_inside() {
        assert_eq!(
            toks("%w[ role[a] b::c ]"),
            vec![
                Tok::Words(vec!["role[a]".into(), "b::c".into()], false, false),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("%w(a b)"),
            vec![
                Tok::Words(vec!["a".into(), "b".into()], false, false),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn labels_symbols_and_scope_are_told_apart() {
        assert_eq!(
            toks("a: :b, C::D, \"e\": 1"),
            vec![
                Tok::Label("a".into()),
                Tok::Sym("b".into()),
                Tok::Punct(","),
                Tok::Const("C".into()),
                Tok::Punct("::"),
                Tok::Const("D".into()),
                Tok::Punct(","),
                Tok::Label("e".into()),
                Tok::Int(1),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn double_quotes_apply_escapes_and_single_quotes_keep_them() {
        assert_eq!(toks(r#""a\tb\"c\u00e9""#), vec![lit("a\tb\"cé"), Tok::Eof]);
        assert_eq!(toks(r"'a\tb\'c\\'"), vec![lit("a\\tb'c\\"), Tok::Eof]);
    }

    #[test]
    fn interpolation_is_kept_as_code_with_its_position() {
        let t = toks("\"role[#{x}]\"");
        assert_eq!(
            t[0],
            Tok::Str(vec![
                StrPart::Lit("role[".into()),
                StrPart::Interp("x".into(), Pos { line: 1, col: 7 }),
                StrPart::Lit("]".into())
            ])
        );
    }

    #[test]
    fn heredoc_bodies_are_read_after_the_opening_line() {
        let t = tokenize("description <<~EOS\n  two\n    lines\n  EOS\nname 'x'\n");
        assert_eq!(t[1].tok, lit("two\n  lines\n"));
        let name = t
            .iter()
            .position(|t| t.tok == Tok::Ident("name".into()))
            .unwrap();
        assert_eq!(t[name].pos, Pos { line: 5, col: 1 });
    }

    #[test]
    fn comments_and_block_comments_are_skipped_with_lines_counted() {
        let t = tokenize("# a\n=begin\nx\n=end\nname 'x' # c\n");
        assert_eq!(t[1].tok, Tok::Ident("name".into()));
        assert_eq!(t[1].pos, Pos { line: 5, col: 1 });
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let t = tokenize("é = 'x'");
        assert_eq!(t[1].pos, Pos { line: 1, col: 3 });
    }
}
