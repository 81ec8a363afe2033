//! Output: DOT (knife-role-spaghetti's look), JSON for other tools, Mermaid, the text report,
//! and Graphviz run as an external program for PNG and SVG.

pub mod advice;
pub mod diff;
pub mod dot;
pub mod graphviz;
pub mod html;
pub mod json;
pub mod mermaid;
pub mod text;

/// The output format: `format` (`-G`) when given, else from `output`'s extension (`.gv` is
/// DOT, `.mmd` Mermaid), else `png`; lowercased and checked to be a plain format name.
pub fn format_for(
    format: Option<&str>,
    output: Option<&std::path::Path>,
) -> Result<String, String> {
    let f = match (format, output) {
        (Some(f), _) => f.to_ascii_lowercase(),
        (None, Some(o)) => match o
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
        {
            Some(e) if e == "gv" => "dot".into(),
            Some(e) if e == "mmd" => "mermaid".into(),
            Some(e) => e,
            None => "png".into(),
        },
        (None, None) => "png".into(),
    };
    if f.is_empty() || !f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b':') {
        return Err(format!(
            "-G {f:?}: a format is a Graphviz output format such as png, svg, pdf, or dot, json, mermaid"
        ));
    }
    Ok(f)
}

/// The default output file for `format`: `role-spaghetti.<ext>` (knife-role-spaghetti's name).
pub fn default_output(format: &str) -> std::path::PathBuf {
    let ext = match format {
        "mermaid" => "mmd",
        f => f.split(':').next().unwrap_or(f),
    };
    std::path::PathBuf::from(format!("role-spaghetti.{ext}"))
}

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
