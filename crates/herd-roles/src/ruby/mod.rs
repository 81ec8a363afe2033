//! The Ruby DSL of role and environment files, read statically: never executed.

mod lexer;
mod parser;

pub use parser::{parse, Call, Program, Value, ValueKind};
