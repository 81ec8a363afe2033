//! Removing run-list entries from the text of a role or node file, touching nothing else.
//!
//! An entry is found at the position the reader recorded for it: a quoted string (JSON, or
//! Ruby `"…"` / `'…'`), or a word of a Ruby `%w[…]` list (the reader records the list's
//! position; the word is found inside it and must occur there once). The entry goes with one
//! separator: the comma after it, or — when it is the last item — the comma before it; a word
//! goes with the blanks after it (or before it). An entry alone on its line goes with its
//! whole line, and when it was the last item of a multi-line list, the comma ending the line
//! before goes too (JSON forbids a trailing comma). Every other byte of the file is kept.

use crate::diagnostic::Pos;
use crate::run_list::RunListItem;

/// A byte range `start..end` to delete.
type Cut = (usize, usize);

/// The byte offset of a 1-based line and column (columns count characters).
pub(crate) fn offset(text: &str, pos: Pos) -> Option<usize> {
    let mut line_start = 0;
    for _ in 1..pos.line {
        line_start += text.get(line_start..)?.find('\n')? + 1;
    }
    let line = &text[line_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let col = pos.col.checked_sub(1)? as usize;
    if col == line.chars().count() {
        return Some(line_start + line.len());
    }
    line.char_indices().nth(col).map(|(i, _)| line_start + i)
}

/// The end of the quoted string starting at `at` (just past its closing quote).
fn string_end(text: &str, at: usize) -> Option<usize> {
    let b = text.as_bytes();
    let quote = *b.get(at)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let mut i = at + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return Some(i + 1),
            b'\n' if quote == b'"' && text[at..i].ends_with('\\') => i += 1,
            _ => i += 1,
        }
    }
    None
}

/// The span of the word reading as `item` inside the `%w[…]` literal starting at `at`, when
/// exactly one word there does.
fn word_span(text: &str, at: usize, item: &RunListItem) -> Option<Cut> {
    let rest = &text[at..];
    let rest = rest.strip_prefix('*').unwrap_or(rest);
    let skip = text.len() - at - rest.len();
    let body = rest
        .strip_prefix("%w")
        .or_else(|| rest.strip_prefix("%W"))?;
    let open = body.chars().next()?;
    let close = match open {
        '[' => ']',
        '(' => ')',
        '{' => '}',
        '<' => '>',
        c => c,
    };
    let start = at + skip + 2 + open.len_utf8();
    // Brackets nest inside the list (`%w[role[a] b]`), as the reader nests them.
    let mut level = 0u32;
    let mut end = None;
    for (i, c) in text[start..].char_indices() {
        if c == open && open != close {
            level += 1;
        } else if c == close {
            if level == 0 {
                end = Some(start + i);
                break;
            }
            level -= 1;
        }
    }
    let end = end?;
    let inner = &text[start..end];
    let mut found = None;
    let mut count = 0;
    let mut i = 0;
    for part in inner.split(|c: char| c.is_ascii_whitespace()) {
        if RunListItem::parse(part).as_ref() == Ok(item) {
            count += 1;
            found = Some((start + i, start + i + part.len()));
        }
        i += part.len() + 1;
    }
    (count == 1).then_some(found?)
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// What to delete for the quoted entry `s..e`, with its separator (see the module notes).
fn cut_for_item(text: &str, s: usize, e: usize, comma: bool) -> Vec<Cut> {
    let b = text.as_bytes();
    let line_start = text[..s].rfind('\n').map_or(0, |i| i + 1);
    let before_on_line = &text[line_start..s];
    // After the item: blanks, then the separator, then blanks.
    let mut after = e;
    while after < b.len() && is_blank(b[after]) {
        after += 1;
    }
    let has_sep_after = comma && b.get(after) == Some(&b',');
    let after_sep = if has_sep_after { after + 1 } else { e };
    let mut line_end = after_sep;
    while line_end < b.len() && is_blank(b[line_end]) {
        line_end += 1;
    }
    let alone = before_on_line.bytes().all(is_blank)
        && (line_end == b.len() || b[line_end] == b'\n' || b[line_end] == b'\r');
    if alone && line_start > 0 {
        let end = text[line_end..]
            .find('\n')
            .map_or(text.len(), |i| line_end + i + 1);
        if !has_sep_after && comma {
            // The last item of a multi-line list: the comma ending the previous item goes too.
            let prev = text[..line_start].trim_end();
            if prev.ends_with(',') {
                let comma_at = prev.len() - 1;
                return vec![(comma_at, comma_at + 1), (line_start, end)];
            }
        }
        return vec![(line_start, end)];
    }
    if has_sep_after {
        // `"a", "b"` → `"b"`: the item, its comma and the blanks after it.
        let mut end = after + 1;
        while end < b.len() && is_blank(b[end]) {
            end += 1;
        }
        return vec![(s, end)];
    }
    if comma {
        // The last item: `"a", "b"` → `"a"`, from the comma before it.
        let before = text[..s].trim_end_matches([' ', '\t']);
        if before.ends_with(',') {
            return vec![(before.len() - 1, e)];
        }
    }
    vec![(s, e)]
}

/// What to delete for the word `s..e` of a `%w[…]` list: the word and the blanks after it
/// (or before it, for the last word).
fn cut_for_word(text: &str, s: usize, e: usize) -> Cut {
    let b = text.as_bytes();
    let mut end = e;
    while end < b.len() && b[end].is_ascii_whitespace() {
        end += 1;
    }
    if end > e && !matches!(b.get(end), Some(b']' | b')' | b'}' | b'>')) {
        return (s, end);
    }
    let mut start = s;
    while start > 0 && b[start - 1].is_ascii_whitespace() {
        start -= 1;
    }
    if matches!(
        b.get(start.wrapping_sub(1)),
        Some(b'[' | b'(' | b'{' | b'<')
    ) {
        (s, e)
    } else {
        (start, e)
    }
}

/// Removes the entries at `entries` (where the reader found each, and the item it read
/// there) from `text`. `Err` names the entry that could not be found as a plain literal.
pub fn remove(text: &str, entries: &[(Pos, &RunListItem)]) -> Result<String, String> {
    let mut cuts: Vec<Cut> = Vec::new();
    for &(pos, item) in entries {
        let at = offset(text, pos).ok_or_else(|| format!("{pos}: no such place in the file"))?;
        let cut = if let Some(e) = string_end(text, at) {
            let quoted = &text[at + 1..e - 1];
            if RunListItem::parse(quoted).as_ref() != Ok(item) {
                return Err(format!(
                    "{pos}: expected the entry {item}, found {}",
                    &text[at..e]
                ));
            }
            cut_for_item(text, at, e, true)
        } else if let Some((s, e)) = word_span(text, at, item) {
            vec![cut_for_word(text, s, e)]
        } else {
            return Err(format!(
                "{pos}: the entry {item} is not a plain string, nor a word written once in a %w[] list"
            ));
        };
        cuts.extend(cut);
    }
    cuts.sort_unstable();
    if cuts.windows(2).any(|w| w[0].1 > w[1].0) {
        return Err("two entries to remove overlap".to_string());
    }
    let mut out = text.to_string();
    for &(s, e) in cuts.iter().rev() {
        out.replace_range(s..e, "");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, needle: &str) -> Pos {
        crate::jsonc::pos_of(text, text.find(needle).unwrap())
    }

    fn item(s: &str) -> RunListItem {
        RunListItem::parse(s).unwrap()
    }

    fn rm(text: &str, needle: &str, literal: &str) -> String {
        remove(text, &[(at(text, needle), &item(literal))]).unwrap()
    }

    #[test]
    fn an_inline_entry_goes_with_its_comma() {
        let t = r#"{"run_list": ["role[a]", "role[b]", "c"]}"#;
        assert_eq!(
            rm(t, "\"role[b]\"", "role[b]"),
            r#"{"run_list": ["role[a]", "c"]}"#
        );
        assert_eq!(
            rm(t, "\"c\"", "c"),
            r#"{"run_list": ["role[a]", "role[b]"]}"#
        );
        assert_eq!(
            rm(t, "\"role[a]\"", "role[a]"),
            r#"{"run_list": ["role[b]", "c"]}"#
        );
        assert_eq!(rm(r#"["x"]"#, "\"x\"", "x"), "[]");
    }

    #[test]
    fn an_entry_on_its_own_line_goes_with_the_line_and_the_last_takes_the_comma_before() {
        let t = "run_list(\n  \"role[a]\",\n  \"role[b]\"\n)\n";
        assert_eq!(
            rm(t, "\"role[a]\"", "role[a]"),
            "run_list(\n  \"role[b]\"\n)\n"
        );
        assert_eq!(
            rm(t, "\"role[b]\"", "role[b]"),
            "run_list(\n  \"role[a]\"\n)\n"
        );
        let trailing = "run_list [\n  'a',\n  'b',\n]\n";
        assert_eq!(rm(trailing, "'b'", "b"), "run_list [\n  'a',\n]\n");
    }

    #[test]
    fn a_word_of_a_word_list_goes_with_its_blank() {
        let t = "run_list %w[ role[a] b::c d ]\n";
        let pos = at(t, "%w");
        assert_eq!(
            remove(t, &[(pos, &item("b::c"))]).unwrap(),
            "run_list %w[ role[a] d ]\n"
        );
        assert_eq!(
            remove(t, &[(pos, &item("d"))]).unwrap(),
            "run_list %w[ role[a] b::c ]\n"
        );
        let twice = "run_list %w[a a::default]";
        assert!(remove(twice, &[(Pos { line: 1, col: 10 }, &item("a"))]).is_err());
    }

    #[test]
    fn odd_text_is_refused_without_a_panic() {
        let r = item("role[a]");
        for text in [
            "%wé",
            "%w",
            "\"",
            "'role[a]",
            "é\"role[a]\"",
            "%w[role[a] role[a]",
        ] {
            for col in 1..6 {
                let _ = remove(text, &[(Pos { line: 1, col }, &r)]);
            }
        }
    }

    #[test]
    fn a_wrong_place_is_refused() {
        let t = r#"["a", "b"]"#;
        assert!(remove(t, &[(at(t, "\"a\""), &item("b"))]).is_err());
        assert!(remove(t, &[(Pos { line: 9, col: 1 }, &item("a"))]).is_err());
    }
}
