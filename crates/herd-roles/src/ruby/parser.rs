//! A static reader for the Ruby that Chef role and environment files hold.
//!
//! Nothing is executed. The reader understands top-level method calls with or without
//! parentheses (`run_list "a", "b"`, `run_list(…)`), literals (strings with escapes and
//! interpolation of known locals, symbols, numbers, `true`/`false`/`nil`, arrays, hashes with
//! `=>` or `key:`, `%w[]`/`%i[]`, heredocs), `*` splats, local variables assigned such values,
//! and `+` on arrays and strings. Anything else — method calls on values, blocks, control flow,
//! constants — yields a [`Warning`] naming the construct and its position, and evaluates to
//! [`ValueKind::Unknown`], so the rest of the file is still read.

use std::collections::HashMap;

use super::lexer::{tokenize, StrPart, Tok, Token};
use crate::diagnostic::{Kind, Pos, Warning};

/// The deepest nesting of brackets the reader follows (fuzzed input must not overflow the stack).
const MAX_DEPTH: u32 = 200;
/// At most this many warnings per file; the rest are counted in one last warning.
const MAX_WARNINGS: usize = 50;

/// An evaluated value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The value.
    pub kind: ValueKind,
    /// Where it starts.
    pub pos: Pos,
}

/// The values the reader can evaluate.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// A string.
    Str(String),
    /// A symbol (without the colon).
    Sym(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `nil`.
    Nil,
    /// An array.
    Array(Vec<Value>),
    /// A hash, in source order.
    Hash(Vec<(Value, Value)>),
    /// Something not evaluated (a warning was given).
    Unknown,
}

impl Value {
    /// The string or symbol text, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::Str(s) | ValueKind::Sym(s) => Some(s),
            _ => None,
        }
    }

    /// A short name of the value's type for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ValueKind::Str(_) => "a string",
            ValueKind::Sym(_) => "a symbol",
            ValueKind::Int(_) => "an integer",
            ValueKind::Float(_) => "a float",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::Nil => "nil",
            ValueKind::Array(_) => "an array",
            ValueKind::Hash(_) => "a hash",
            ValueKind::Unknown => "an unevaluated expression",
        }
    }

    /// The value as JSON: symbols and hash keys become strings, unknown values `null`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            ValueKind::Str(s) | ValueKind::Sym(s) => J::String(s.clone()),
            ValueKind::Int(i) => J::from(*i),
            ValueKind::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            ValueKind::Bool(b) => J::Bool(*b),
            ValueKind::Nil | ValueKind::Unknown => J::Null,
            ValueKind::Array(a) => J::Array(a.iter().map(Value::to_json).collect()),
            ValueKind::Hash(h) => {
                let mut map = serde_json::Map::new();
                for (k, v) in h {
                    let key = match &k.kind {
                        ValueKind::Str(s) | ValueKind::Sym(s) => s.clone(),
                        ValueKind::Int(i) => i.to_string(),
                        ValueKind::Float(f) => f.to_string(),
                        ValueKind::Bool(b) => b.to_string(),
                        _ => String::new(),
                    };
                    map.insert(key, v.to_json());
                }
                J::Object(map)
            }
        }
    }
}

/// A top-level method call: `name args…`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The method name (`run_list`).
    pub name: String,
    /// Where the call starts.
    pub pos: Pos,
    /// The evaluated arguments; a trailing brace-less hash (`a => 1, b: 2`) is one hash argument.
    pub args: Vec<Value>,
}

/// What a file holds: its top-level calls in order, and warnings for the rest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    /// Top-level calls, in source order.
    pub calls: Vec<Call>,
    /// Everything the reader did not understand.
    pub warnings: Vec<Warning>,
}

/// Reads Ruby source statically. Never fails: what is not understood becomes a warning.
pub fn parse(text: &str) -> Program {
    let mut p = Parser {
        toks: tokenize(text),
        at: 0,
        locals: HashMap::new(),
        program: Program::default(),
        depth: 0,
        dropped: 0,
    };
    p.program_body();
    if p.dropped > 0 {
        let pos = p.program.warnings.last().map(|w| w.pos).unwrap_or_default();
        p.program.warnings.push(Warning {
            pos,
            kind: Kind::Unsupported,
            message: format!("{} more warnings not shown", p.dropped),
        });
    }
    p.program
}

struct Parser {
    toks: Vec<Token>,
    at: usize,
    locals: HashMap<String, Value>,
    program: Program,
    depth: u32,
    dropped: usize,
}

const BLOCK_OPENERS: [&str; 10] = [
    "if", "unless", "while", "until", "case", "def", "class", "module", "begin", "for",
];

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Const(s) => format!("constant `{s}`"),
        Tok::Label(s) => format!("label `{s}:`"),
        Tok::Sym(s) => format!("symbol `:{s}`"),
        Tok::Str(_) => "a string".to_string(),
        Tok::Words(..) => "a word array".to_string(),
        Tok::Int(i) => format!("`{i}`"),
        Tok::Float(f) => format!("`{f}`"),
        Tok::Punct(p) => format!("`{p}`"),
        Tok::Newline => "the end of the line".to_string(),
        Tok::Unknown(c) => format!("`{c}`"),
        Tok::Eof => "the end of the file".to_string(),
    }
}

impl Parser {
    fn tok(&self) -> &Tok {
        &self.toks[self.at].tok
    }

    fn token(&self) -> &Token {
        &self.toks[self.at]
    }

    fn pos(&self) -> Pos {
        self.toks[self.at].pos
    }

    fn nth(&self, ahead: usize) -> &Token {
        let i = (self.at + ahead).min(self.toks.len() - 1);
        &self.toks[i]
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.at].clone();
        if self.at + 1 < self.toks.len() {
            self.at += 1;
        }
        t
    }

    fn is(&self, p: &str) -> bool {
        matches!(self.tok(), Tok::Punct(q) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        if self.is(p) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn skip_newlines(&mut self) {
        while matches!(self.tok(), Tok::Newline) || self.is(";") {
            self.bump();
        }
    }

    fn at_statement_end(&self) -> bool {
        matches!(self.tok(), Tok::Newline | Tok::Eof) || self.is(";")
    }

    fn warn(&mut self, pos: Pos, kind: Kind, message: impl Into<String>) {
        if self.program.warnings.len() >= MAX_WARNINGS {
            self.dropped += 1;
            return;
        }
        self.program.warnings.push(Warning {
            pos,
            kind,
            message: message.into(),
        });
    }

    fn program_body(&mut self) {
        loop {
            self.skip_newlines();
            if matches!(self.tok(), Tok::Eof) {
                return;
            }
            let before = self.at;
            self.statement();
            if !self.at_statement_end() {
                let t = self.token().clone();
                self.warn(
                    t.pos,
                    Kind::Unsupported,
                    format!(
                        "{} after the statement is not evaluated; rest of line skipped",
                        describe(&t.tok)
                    ),
                );
                self.skip_statement();
            }
            if self.at == before {
                self.bump();
            }
        }
    }

    /// Skips to the end of the statement; a block opened by `do` or a keyword is skipped to its
    /// `end`.
    fn skip_statement(&mut self) {
        let mut depth = 0u32;
        let mut line_start = false;
        loop {
            match self.tok().clone() {
                Tok::Eof => return,
                Tok::Newline => {
                    if depth == 0 {
                        return;
                    }
                    line_start = true;
                }
                Tok::Punct(";") if depth == 0 => return,
                Tok::Ident(k) if k == "do" => depth += 1,
                Tok::Ident(k) if line_start && BLOCK_OPENERS.contains(&k.as_str()) => depth += 1,
                Tok::Ident(k) if k == "end" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.bump();
                        return;
                    }
                }
                _ => line_start = false,
            }
            if !matches!(self.tok(), Tok::Newline) {
                line_start = false;
            }
            self.bump();
        }
    }

    fn statement(&mut self) {
        let t = self.token().clone();
        match &t.tok {
            Tok::Ident(name) if BLOCK_OPENERS.contains(&name.as_str()) => {
                self.warn(
                    t.pos,
                    Kind::Unsupported,
                    format!(
                        "Ruby `{name}` is not evaluated; the statement and its body are skipped"
                    ),
                );
                // Count the opener itself: skip to its matching `end`.
                self.bump();
                self.skip_block();
            }
            Tok::Ident(name)
                if matches!(self.nth(1).tok, Tok::Punct("=")) && !name.starts_with(['@', '$']) =>
            {
                let name = name.clone();
                self.bump();
                self.bump();
                self.skip_newlines();
                let v = self.expr();
                self.locals.insert(name, v);
            }
            Tok::Ident(name)
                if !matches!(name.as_str(), "true" | "false" | "nil" | "end" | "do") =>
            {
                let name = name.clone();
                if self.locals.contains_key(&name) && !self.looks_like_command_args() {
                    // A bare local on its own line does nothing.
                    self.bump();
                    if !self.at_statement_end() {
                        let v = self.postfix(Value {
                            kind: ValueKind::Unknown,
                            pos: t.pos,
                        });
                        drop(v);
                    }
                    return;
                }
                self.bump();
                let args = if self.is("(") && !self.token().space_before {
                    self.bump();
                    let args = self.args(Some(")"));
                    if !self.eat(")") {
                        let p = self.pos();
                        self.warn(
                            p,
                            Kind::Syntax,
                            format!("expected `)` to close the call to `{name}` at {}", t.pos),
                        );
                    }
                    args
                } else if self.at_statement_end() {
                    Vec::new()
                } else {
                    self.args(None)
                };
                if self.is(".") || self.is("{") || matches!(self.tok(), Tok::Ident(k) if k == "do")
                {
                    let p = self.pos();
                    self.warn(
                        p,
                        Kind::Unsupported,
                        format!("method call or block on the result of `{name}` is not evaluated"),
                    );
                    self.skip_statement();
                }
                self.program.calls.push(Call {
                    name,
                    pos: t.pos,
                    args,
                });
            }
            _ => {
                let v = self.expr();
                if !matches!(v.kind, ValueKind::Unknown) {
                    self.warn(
                        t.pos,
                        Kind::Unsupported,
                        format!(
                            "{} on its own is not a role setting; ignored",
                            v.type_name()
                        ),
                    );
                }
            }
        }
    }

    /// After an identifier: do the next tokens look like the arguments of a command call?
    fn looks_like_command_args(&self) -> bool {
        let next = self.nth(1);
        match &next.tok {
            Tok::Punct("(") => !next.space_before,
            Tok::Str(_)
            | Tok::Words(..)
            | Tok::Sym(_)
            | Tok::Label(_)
            | Tok::Int(_)
            | Tok::Float(_) => true,
            Tok::Punct("[") => next.space_before,
            _ => false,
        }
    }

    /// Skips to the `end` that matches a keyword already consumed.
    fn skip_block(&mut self) {
        let mut depth = 1u32;
        let mut line_start = false;
        loop {
            match self.tok().clone() {
                Tok::Eof => return,
                Tok::Newline => {
                    line_start = true;
                    self.bump();
                    continue;
                }
                Tok::Ident(k) if k == "do" => depth += 1,
                Tok::Ident(k) if line_start && BLOCK_OPENERS.contains(&k.as_str()) => depth += 1,
                Tok::Ident(k) if k == "end" => {
                    depth -= 1;
                    if depth == 0 {
                        self.bump();
                        return;
                    }
                }
                _ => {}
            }
            line_start = false;
            self.bump();
        }
    }

    /// Arguments up to `close` (inside parentheses) or the end of the statement.
    fn args(&mut self, close: Option<&str>) -> Vec<Value> {
        let mut out = Vec::new();
        let mut hash: Vec<(Value, Value)> = Vec::new();
        let mut hash_pos = None;
        loop {
            if close.is_some() {
                self.skip_newlines();
            }
            if close.is_some_and(|c| self.is(c)) || self.at_statement_end() {
                break;
            }
            if let Some(p) = self.hash_pair(&mut hash) {
                hash_pos.get_or_insert(p);
            } else if self.is("*") || self.is("**") {
                let p = self.bump().pos;
                let v = self.expr();
                match v.kind {
                    ValueKind::Array(items) => out.extend(items),
                    ValueKind::Unknown => {}
                    ValueKind::Hash(h) => hash.extend(h),
                    _ => {
                        self.warn(
                            p,
                            Kind::Unsupported,
                            format!("splat of {} is not evaluated", v.type_name()),
                        );
                    }
                }
            } else if self.is("&") {
                let p = self.bump().pos;
                self.warn(p, Kind::Unsupported, "block argument `&` is not evaluated");
                let _ = self.expr();
            } else {
                let before = self.at;
                let v = self.expr();
                if self.is("=>") {
                    self.bump();
                    self.skip_newlines();
                    let val = self.expr();
                    hash_pos.get_or_insert(v.pos);
                    hash.push((v, val));
                } else {
                    out.push(v);
                }
                if self.at == before {
                    self.bump();
                }
            }
            if close.is_some() {
                self.skip_newlines();
            }
            if self.eat(",") {
                self.skip_newlines();
                continue;
            }
            if close.is_some_and(|c| self.is(c)) || self.at_statement_end() {
                break;
            }
            let t = self.token().clone();
            self.warn(
                t.pos,
                Kind::Syntax,
                format!("expected `,` between arguments, found {}", describe(&t.tok)),
            );
            self.recover(close);
            if !self.eat(",") {
                break;
            }
        }
        if let Some(pos) = hash_pos {
            out.push(Value {
                kind: ValueKind::Hash(hash),
                pos,
            });
        }
        out
    }

    /// Skips tokens (balanced) until `,` or `close` or the end of the statement.
    fn recover(&mut self, close: Option<&str>) {
        let mut depth = 0u32;
        loop {
            let stop = match self.tok() {
                Tok::Newline => depth == 0 && close.is_none(),
                Tok::Punct("(" | "[" | "{") => {
                    depth += 1;
                    false
                }
                Tok::Punct(")" | "]" | "}") if depth > 0 => {
                    depth -= 1;
                    false
                }
                Tok::Eof | Tok::Punct(")" | "]" | "}") => true,
                Tok::Punct(p) => depth == 0 && (*p == "," || close == Some(*p)),
                _ => false,
            };
            if stop {
                return;
            }
            self.bump();
        }
    }

    /// `key: value` or `"key": value`: a hash pair with a label. Returns where it started.
    fn hash_pair(&mut self, hash: &mut Vec<(Value, Value)>) -> Option<Pos> {
        let t = self.token().clone();
        if let Tok::Label(name) = &t.tok {
            self.bump();
            self.skip_newlines();
            let v = self.expr();
            hash.push((
                Value {
                    kind: ValueKind::Sym(name.clone()),
                    pos: t.pos,
                },
                v,
            ));
            return Some(t.pos);
        }
        None
    }

    fn expr(&mut self) -> Value {
        let mut left = self.term();
        while self.is("+") || self.is("-") {
            let t = self.bump();
            self.skip_newlines();
            let right = self.term();
            left = self.binary(left, right, &t);
        }
        if self.is("||")
            || self.is("&&")
            || self.is("==")
            || self.is("!=")
            || self.is("?")
            || self.is("..")
        {
            let t = self.token().clone();
            self.warn(
                t.pos,
                Kind::Unsupported,
                format!("operator {} is not evaluated", describe(&t.tok)),
            );
            self.bump();
            let _ = self.expr();
            return Value {
                kind: ValueKind::Unknown,
                pos: left.pos,
            };
        }
        left
    }

    /// `*`, `/`, `%` and `**` bind tighter than `+` and `-`.
    fn term(&mut self) -> Value {
        let mut left = self.unary();
        while self.is("*") || self.is("/") || self.is("%") || self.is("**") {
            let t = self.bump();
            self.skip_newlines();
            let right = self.unary();
            left = self.binary(left, right, &t);
        }
        left
    }

    /// Arithmetic on numbers, `+` on strings and arrays, `-` on arrays.
    #[allow(clippy::many_single_char_names)] // a, b, l, r, o: operands and operator
    fn binary(&mut self, left: Value, right: Value, op: &Token) -> Value {
        let pos = left.pos;
        let Tok::Punct(o) = op.tok else {
            return Value {
                kind: ValueKind::Unknown,
                pos,
            };
        };
        let kind = match (o, left.kind, right.kind) {
            (_, ValueKind::Unknown, _) | (_, _, ValueKind::Unknown) => ValueKind::Unknown,
            ("+", ValueKind::Array(mut a), ValueKind::Array(b)) => {
                a.extend(b);
                ValueKind::Array(a)
            }
            ("-", ValueKind::Array(a), ValueKind::Array(b)) => ValueKind::Array(
                a.into_iter()
                    .filter(|x| !b.iter().any(|y| y.kind == x.kind))
                    .collect(),
            ),
            ("+", ValueKind::Str(a), ValueKind::Str(b)) => ValueKind::Str(a + &b),
            (o, ValueKind::Int(a), ValueKind::Int(b)) => int_op(o, a, b),
            (
                o,
                l @ (ValueKind::Int(_) | ValueKind::Float(_)),
                r @ (ValueKind::Int(_) | ValueKind::Float(_)),
            ) => {
                let f = |v: ValueKind| match v {
                    ValueKind::Int(i) => i as f64,
                    ValueKind::Float(f) => f,
                    _ => 0.0,
                };
                let (a, b) = (f(l), f(r));
                let v = match o {
                    "+" => a + b,
                    "-" => a - b,
                    "*" => a * b,
                    "/" => a / b,
                    "**" => a.powf(b),
                    _ => f64::NAN,
                };
                if v.is_finite() {
                    ValueKind::Float(v)
                } else {
                    ValueKind::Unknown
                }
            }
            (o, l, r) => {
                let l = Value { kind: l, pos }.type_name();
                let r = Value { kind: r, pos }.type_name();
                self.warn(
                    op.pos,
                    Kind::Unsupported,
                    format!("`{o}` of {l} and {r} is not evaluated"),
                );
                ValueKind::Unknown
            }
        };
        Value { kind, pos }
    }

    fn unary(&mut self) -> Value {
        if self.is("-") {
            let p = self.bump().pos;
            match self.tok().clone() {
                Tok::Int(i) => {
                    self.bump();
                    return Value {
                        kind: ValueKind::Int(-i),
                        pos: p,
                    };
                }
                Tok::Float(f) => {
                    self.bump();
                    return Value {
                        kind: ValueKind::Float(-f),
                        pos: p,
                    };
                }
                _ => {
                    self.warn(p, Kind::Unsupported, "unary `-` is not evaluated");
                    let _ = self.unary();
                    return Value {
                        kind: ValueKind::Unknown,
                        pos: p,
                    };
                }
            }
        }
        let v = self.primary();
        self.postfix(v)
    }

    /// `.method`, `[index]` after a value: not evaluated.
    fn postfix(&mut self, v: Value) -> Value {
        let mut v = v;
        loop {
            if self.is(".") || (self.is("::") && !matches!(v.kind, ValueKind::Unknown)) {
                let dot = self.bump().pos;
                let name = match self.tok().clone() {
                    Tok::Ident(n) | Tok::Const(n) => {
                        self.bump();
                        n
                    }
                    _ => String::new(),
                };
                if !matches!(v.kind, ValueKind::Unknown) || !name.is_empty() {
                    self.warn(
                        dot,
                        Kind::Unsupported,
                        format!("method call `.{name}` is not evaluated"),
                    );
                }
                if self.is("(") && !self.token().space_before {
                    self.bump();
                    let _ = self.args(Some(")"));
                    self.eat(")");
                }
                self.skip_block_literal();
                v = Value {
                    kind: ValueKind::Unknown,
                    pos: v.pos,
                };
            } else if self.is("[") && !self.token().space_before {
                let p = self.bump().pos;
                self.warn(p, Kind::Unsupported, "indexing `[…]` is not evaluated");
                let _ = self.args(Some("]"));
                self.eat("]");
                v = Value {
                    kind: ValueKind::Unknown,
                    pos: v.pos,
                };
            } else {
                return v;
            }
        }
    }

    /// Skips a `{ |x| … }` or `do … end` block after a method call.
    fn skip_block_literal(&mut self) {
        if self.is("{") {
            let mut depth = 0u32;
            loop {
                match self.tok() {
                    Tok::Eof => return,
                    Tok::Punct("{") => depth += 1,
                    Tok::Punct("}") => {
                        depth -= 1;
                        if depth == 0 {
                            self.bump();
                            return;
                        }
                    }
                    _ => {}
                }
                self.bump();
            }
        } else if matches!(self.tok(), Tok::Ident(k) if k == "do") {
            self.bump();
            self.skip_block();
        }
    }

    fn primary(&mut self) -> Value {
        let t = self.token().clone();
        let pos = t.pos;
        if self.depth >= MAX_DEPTH {
            self.warn(
                pos,
                Kind::Unsupported,
                format!("nesting deeper than {MAX_DEPTH} levels is not read"),
            );
            self.skip_to_statement_end_raw();
            return Value {
                kind: ValueKind::Unknown,
                pos,
            };
        }
        match t.tok {
            Tok::Str(parts) => {
                self.bump();
                let mut s = self.interpolate(&parts, pos);
                // Adjacent literals concatenate: 'a' 'b' == 'ab'.
                while let Tok::Str(more) = self.tok().clone() {
                    self.bump();
                    let next = self.interpolate(&more, pos);
                    s = match (s, next) {
                        (Some(a), Some(b)) => Some(a + &b),
                        _ => None,
                    };
                }
                Value {
                    kind: s.map_or(ValueKind::Unknown, ValueKind::Str),
                    pos,
                }
            }
            Tok::Sym(s) => {
                self.bump();
                Value {
                    kind: ValueKind::Sym(s),
                    pos,
                }
            }
            Tok::Int(i) => {
                self.bump();
                Value {
                    kind: ValueKind::Int(i),
                    pos,
                }
            }
            Tok::Float(f) => {
                self.bump();
                Value {
                    kind: ValueKind::Float(f),
                    pos,
                }
            }
            Tok::Words(words, symbols, interp) => {
                self.bump();
                if interp {
                    self.warn(
                        pos,
                        Kind::Unsupported,
                        "interpolation `#{…}` inside %W[] is not evaluated",
                    );
                }
                let items = words
                    .into_iter()
                    .map(|w| Value {
                        kind: if symbols {
                            ValueKind::Sym(w)
                        } else {
                            ValueKind::Str(w)
                        },
                        pos,
                    })
                    .collect();
                Value {
                    kind: ValueKind::Array(items),
                    pos,
                }
            }
            Tok::Punct("[") => {
                self.bump();
                self.depth += 1;
                let items = self.args(Some("]"));
                self.depth -= 1;
                if !self.eat("]") {
                    let p = self.pos();
                    self.warn(
                        p,
                        Kind::Syntax,
                        format!("expected `]` to close the array opened at {pos}"),
                    );
                }
                Value {
                    kind: ValueKind::Array(items),
                    pos,
                }
            }
            Tok::Punct("{") => {
                self.bump();
                self.depth += 1;
                let v = self.hash_literal(pos);
                self.depth -= 1;
                v
            }
            Tok::Punct("(") => {
                self.bump();
                self.depth += 1;
                self.skip_newlines();
                let v = self.expr();
                self.skip_newlines();
                self.depth -= 1;
                if !self.eat(")") {
                    let p = self.pos();
                    self.warn(
                        p,
                        Kind::Syntax,
                        format!("expected `)` to close the parenthesis opened at {pos}"),
                    );
                }
                v
            }
            Tok::Ident(name) => {
                self.bump();
                match name.as_str() {
                    "true" => {
                        return Value {
                            kind: ValueKind::Bool(true),
                            pos,
                        }
                    }
                    "false" => {
                        return Value {
                            kind: ValueKind::Bool(false),
                            pos,
                        }
                    }
                    "nil" => {
                        return Value {
                            kind: ValueKind::Nil,
                            pos,
                        }
                    }
                    _ => {}
                }
                if let Some(v) = self.locals.get(&name) {
                    return Value {
                        kind: v.kind.clone(),
                        pos,
                    };
                }
                if self.is("(") && !self.token().space_before {
                    self.warn(
                        pos,
                        Kind::Unsupported,
                        format!("call to method `{name}` is not evaluated"),
                    );
                    self.bump();
                    let _ = self.args(Some(")"));
                    self.eat(")");
                } else {
                    self.warn(
                        pos,
                        Kind::Unsupported,
                        format!("`{name}` is not a known local variable; not evaluated"),
                    );
                }
                self.skip_block_literal();
                Value {
                    kind: ValueKind::Unknown,
                    pos,
                }
            }
            Tok::Const(name) => {
                self.bump();
                let mut full = name;
                while self.is("::") {
                    self.bump();
                    if let Tok::Const(n) | Tok::Ident(n) = self.tok().clone() {
                        self.bump();
                        full.push_str("::");
                        full.push_str(&n);
                    }
                }
                self.warn(
                    pos,
                    Kind::Unsupported,
                    format!("constant `{full}` is not evaluated"),
                );
                if self.is("(") && !self.token().space_before {
                    self.bump();
                    let _ = self.args(Some(")"));
                    self.eat(")");
                }
                Value {
                    kind: ValueKind::Unknown,
                    pos,
                }
            }
            Tok::Punct("->") => {
                self.bump();
                self.warn(pos, Kind::Unsupported, "lambda `->` is not evaluated");
                if self.is("(") {
                    self.bump();
                    self.recover(Some(")"));
                    self.eat(")");
                }
                self.skip_block_literal();
                Value {
                    kind: ValueKind::Unknown,
                    pos,
                }
            }
            ref other => {
                let what = describe(other);
                self.warn(pos, Kind::Syntax, format!("unexpected {what}"));
                if !matches!(
                    other,
                    Tok::Newline | Tok::Eof | Tok::Punct(")" | "]" | "}" | ",")
                ) {
                    self.bump();
                }
                Value {
                    kind: ValueKind::Unknown,
                    pos,
                }
            }
        }
    }

    fn skip_to_statement_end_raw(&mut self) {
        while !matches!(self.tok(), Tok::Eof | Tok::Newline) {
            self.bump();
        }
    }

    fn hash_literal(&mut self, pos: Pos) -> Value {
        let mut pairs = Vec::new();
        loop {
            self.skip_newlines();
            if self.eat("}") {
                return Value {
                    kind: ValueKind::Hash(pairs),
                    pos,
                };
            }
            if matches!(self.tok(), Tok::Eof) {
                self.warn(pos, Kind::Syntax, "hash opened here is never closed");
                return Value {
                    kind: ValueKind::Hash(pairs),
                    pos,
                };
            }
            let before = self.at;
            if self.hash_pair(&mut pairs).is_none() {
                if self.is("**") {
                    let p = self.bump().pos;
                    let v = self.expr();
                    match v.kind {
                        ValueKind::Hash(h) => pairs.extend(h),
                        ValueKind::Unknown => {}
                        _ => self.warn(
                            p,
                            Kind::Unsupported,
                            "double splat of a non-hash is not evaluated",
                        ),
                    }
                } else {
                    let k = self.expr();
                    self.skip_newlines();
                    if self.eat("=>") {
                        self.skip_newlines();
                        let v = self.expr();
                        pairs.push((k, v));
                    } else {
                        let t = self.token().clone();
                        self.warn(
                            t.pos,
                            Kind::Syntax,
                            format!("expected `=>` in hash, found {}", describe(&t.tok)),
                        );
                        self.recover(Some("}"));
                    }
                }
            }
            self.skip_newlines();
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                return Value {
                    kind: ValueKind::Hash(pairs),
                    pos,
                };
            }
            let t = self.token().clone();
            self.warn(
                t.pos,
                Kind::Syntax,
                format!("expected `,` or `}}` in hash, found {}", describe(&t.tok)),
            );
            self.recover(Some("}"));
            if !self.eat(",") {
                self.eat("}");
                return Value {
                    kind: ValueKind::Hash(pairs),
                    pos,
                };
            }
            if self.at == before {
                self.bump();
            }
        }
    }

    /// Joins a string's parts; `#{local}` of a known string local is substituted, anything else
    /// makes the string unknown (with a warning).
    fn interpolate(&mut self, parts: &[StrPart], pos: Pos) -> Option<String> {
        let mut s = String::new();
        let mut ok = true;
        for part in parts {
            match part {
                StrPart::Lit(t) => s.push_str(t),
                StrPart::Interp(code, at) => {
                    let name = code.trim();
                    match self.locals.get(name).map(|v| &v.kind) {
                        Some(ValueKind::Str(v) | ValueKind::Sym(v)) => s.push_str(v),
                        Some(ValueKind::Int(i)) => s.push_str(&i.to_string()),
                        _ => {
                            ok = false;
                            self.warn(
                                *at,
                                Kind::Unsupported,
                                format!("string interpolation `#{{{code}}}` is not evaluated"),
                            );
                        }
                    }
                }
            }
        }
        let _ = pos;
        ok.then_some(s)
    }
}

/// Integer arithmetic as Ruby does it: `/` and `%` round towards negative infinity; overflow
/// (Ruby would switch to a bignum) and division by zero are not evaluated.
fn int_op(op: &str, a: i64, b: i64) -> ValueKind {
    let v = match op {
        "+" => a.checked_add(b),
        "-" => a.checked_sub(b),
        "*" => a.checked_mul(b),
        "/" if b != 0 => a.checked_div(b).map(|q| {
            if (a % b != 0) && ((a < 0) != (b < 0)) {
                q - 1
            } else {
                q
            }
        }),
        "%" if b != 0 => a.checked_rem(b).map(|r| {
            if r != 0 && ((r < 0) != (b < 0)) {
                r + b
            } else {
                r
            }
        }),
        "**" => u32::try_from(b).ok().and_then(|e| a.checked_pow(e)),
        _ => None,
    };
    v.map_or(ValueKind::Unknown, ValueKind::Int)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &Value) -> Vec<String> {
        match &v.kind {
            ValueKind::Array(a) => a.iter().flat_map(strings).collect(),
            ValueKind::Str(s) => vec![s.clone()],
            _ => vec![format!("<{}>", v.type_name())],
        }
    }

    fn call_strings(src: &str) -> (Vec<String>, Vec<String>) {
        let p = parse(src);
        let args = p
            .calls
            .iter()
            .find(|c| c.name == "run_list")
            .map(|c| c.args.iter().flat_map(strings).collect())
            .unwrap_or_default();
        (
            args,
            p.warnings
                .iter()
                .map(|w| format!("{}: {}", w.pos, w.message))
                .collect(),
        )
    }

    #[test]
    fn every_run_list_form_gives_the_same_items() {
        let forms = [
            "run_list \"role[a]\", \"b\"",
            "run_list(\"role[a]\", \"b\")",
            "run_list [\"role[a]\", \"b\"]",
            "run_list [\n  \"role[a]\",\n  \"b\",\n]",
            "run_list(\n  'role[a]',\n  'b',\n)",
            "run_list %w[role[a] b]",
            "run_list %w( role[a] b )",
            "run_list *%w[role[a] b]",
            "run_list(*%w[role[a] b])",
            "run_list [[\"role[a]\"], [\"b\"]]",
            "all = [\"role[a]\"]\nrun_list(all + [\"b\"])",
            "x = \"a\"\nrun_list \"role[#{x}]\", \"b\"",
            "run_list \"role[a]\",\n  \"b\"",
            "run_list \"role[a]\", \\\n  \"b\"",
            "run_list(<<~A.strip, 'b')\n  role[a]\nA\n",
        ];
        for src in forms {
            let (items, warnings) = call_strings(src);
            if src.contains("<<~") {
                // `.strip` is a method call: reported, not evaluated.
                assert_eq!(items, vec!["<an unevaluated expression>", "b"], "{src}");
                assert_eq!(warnings.len(), 1, "{src}: {warnings:?}");
                continue;
            }
            assert_eq!(items, vec!["role[a]", "b"], "{src}");
            assert!(warnings.is_empty(), "{src}: {warnings:?}");
        }
    }

    #[test]
    fn hashes_with_rockets_labels_comments_and_nesting_become_json() {
        let src = "default_attributes(\n  :apt => { # comment\n    :x => %w[a b], 'y' => 1.5,\n  },\n  rsnapshot: { z: [true, nil, -3] }\n)\n";
        let p = parse(src);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let json = p.calls[0].args[0].to_json();
        assert_eq!(
            json,
            serde_json::json!({"apt": {"x": ["a", "b"], "y": 1.5}, "rsnapshot": {"z": [true, null, -3]}})
        );
    }

    #[test]
    fn a_command_call_with_a_braceless_hash_is_one_hash_argument() {
        let p = parse("env_run_lists \"_default\" => [], \"prod\" => [\"role[x]\"]\n");
        assert_eq!(p.calls[0].args.len(), 1);
        assert!(matches!(&p.calls[0].args[0].kind, ValueKind::Hash(h) if h.len() == 2));
    }

    #[test]
    fn blocks_and_method_calls_are_reported_with_their_position() {
        let (items, warnings) =
            call_strings("name 'x'\nrun_list %w[a b].map { |t| \"role[#{t}]\" }\n");
        assert_eq!(items, vec!["<an unevaluated expression>"]);
        assert_eq!(warnings, vec!["2:17: method call `.map` is not evaluated"]);
    }

    #[test]
    fn control_flow_is_skipped_to_its_end_and_reported_once() {
        let p = parse("if ENV['X']\n  run_list 'a'\nend\nname 'n'\n");
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert_eq!(p.warnings[0].pos, Pos { line: 1, col: 1 });
        assert_eq!(p.calls.len(), 1);
        assert_eq!(p.calls[0].name, "name");
    }

    #[test]
    fn unknown_interpolation_makes_the_string_unknown() {
        let (items, warnings) = call_strings("run_list \"role[#{nope}]\", \"b\"");
        assert_eq!(items, vec!["<an unevaluated expression>", "b"]);
        assert_eq!(
            warnings,
            vec!["1:16: string interpolation `#{nope}` is not evaluated"]
        );
    }

    #[test]
    fn integer_and_float_arithmetic_follows_ruby() {
        let p = parse("default_attributes(a: 1024 * 1024 / 2 + 1, b: -7 / 2, c: 7 % -3, d: 1.5 * 2, e: %w[a b c] - %w[b])\n");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(
            p.calls[0].args[0].to_json(),
            serde_json::json!({"a": 524_289, "b": -4, "c": -2, "d": 3.0, "e": ["a", "c"]})
        );
    }

    #[test]
    fn a_no_op_local_assignment_is_not_a_call() {
        let p = parse("default_attributes = []\nname 'x'\n");
        assert!(p.warnings.is_empty());
        assert_eq!(p.calls.len(), 1);
    }

    #[test]
    fn deep_nesting_is_reported_not_overflowed() {
        let src = format!("run_list {}", "[".repeat(10_000));
        let p = parse(&src);
        assert!(!p.warnings.is_empty());
    }

    #[test]
    fn unclosed_calls_are_syntax_warnings() {
        let p = parse("run_list('a',\n");
        assert!(
            p.warnings.iter().any(|w| w.kind == Kind::Syntax),
            "{:?}",
            p.warnings
        );
        assert_eq!(p.calls.len(), 1);
    }
}
