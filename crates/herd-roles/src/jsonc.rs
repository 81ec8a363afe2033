//! JSON with comments, as Chef's parser accepts it: `//` line comments and `/* */` block
//! comments are replaced by spaces (newlines kept), so `serde_json`'s line and column still point
//! into the original file.

/// Replaces comments outside strings with spaces, keeping every newline and every byte offset.
/// An unterminated block comment runs to the end of the text, as it would for Chef.
pub fn strip_comments(text: &str) -> String {
    let src = text.as_bytes();
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    let mut in_string = false;
    while i < src.len() {
        let b = src[i];
        if in_string {
            out.push(b);
            if b == b'\\' && i + 1 < src.len() {
                out.push(src[i + 1]);
                i += 2;
                continue;
            }
            if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match (b, src.get(i + 1)) {
            (b'"', _) => {
                in_string = true;
                out.push(b);
                i += 1;
            }
            (b'/', Some(b'/')) => {
                while i < src.len() && src[i] != b'\n' {
                    out.push(b' ');
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                out.extend_from_slice(b"  ");
                i += 2;
                while i < src.len() && !(src[i] == b'*' && src.get(i + 1) == Some(&b'/')) {
                    out.push(if src[i] == b'\n' { b'\n' } else { b' ' });
                    i += 1;
                }
                if i < src.len() {
                    out.extend_from_slice(b"  ");
                    i += 2;
                }
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Only ASCII bytes inside comments were replaced by ASCII spaces, and multi-byte sequences
    // outside comments were copied whole, so the result is UTF-8. Comment bytes of a multi-byte
    // character each become one space, which keeps byte offsets (columns count bytes in JSON).
    String::from_utf8(out).unwrap_or_default()
}

/// Where in `text` the JSON string literal `needle` first occurs at or after byte `from`,
/// as a 1-based line and column. Used to point at a run-list item, which `serde_json`'s `Value`
/// does not locate.
pub fn locate(text: &str, from: usize, needle: &str) -> Option<crate::diagnostic::Pos> {
    let quoted = serde_json::to_string(needle).ok()?;
    let at = from + text.get(from..)?.find(&quoted)?;
    Some(pos_of(text, at))
}

/// The 1-based line and column (in characters) of byte offset `at`.
pub fn pos_of(text: &str, at: usize) -> crate::diagnostic::Pos {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    crate::diagnostic::Pos {
        line,
        col: before[line_start..].chars().count() as u32 + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_block_comments_become_spaces_and_offsets_are_kept() {
        let src = "// run list\n{\"a\": /* x\ny */ 1, \"u\": \"http://x/*y*/\"}";
        let out = strip_comments(src);
        assert_eq!(out.len(), src.len());
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v, serde_json::json!({"a": 1, "u": "http://x/*y*/"}));
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn escaped_quotes_do_not_end_strings() {
        let out = strip_comments(r#"{"a": "b\" // c"} // d"#);
        assert_eq!(out.trim_end(), r#"{"a": "b\" // c"}"#);
    }

    #[test]
    fn comments_with_multibyte_characters_stay_valid_utf8() {
        let out = strip_comments("{} // café ☕\n");
        assert!(out.starts_with("{} "));
        assert!(out.ends_with('\n'));
    }

    #[test]
    fn locate_finds_a_quoted_item_after_an_offset() {
        let text = "{\n  \"run_list\": [\n    \"role[a]\"\n  ]\n}";
        assert_eq!(
            locate(text, 0, "role[a]"),
            Some(crate::diagnostic::Pos { line: 3, col: 5 })
        );
    }
}
