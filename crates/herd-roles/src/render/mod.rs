//! Output: DOT (knife-role-spaghetti's look), JSON for other tools, Mermaid, the text report,
//! and Graphviz run as an external program for PNG and SVG.

pub mod dot;
pub mod graphviz;
pub mod json;
pub mod mermaid;
pub mod text;

/// Escapes a string for a double-quoted DOT or Mermaid label.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn labels_escape_quotes_backslashes_and_newlines() {
        assert_eq!(quote("a\"b\\c\nd\r"), "\"a\\\"b\\\\c\\nd\"");
    }
}
