//! PNG, SVG and every other Graphviz format, by running Graphviz's `dot` program (never linked).

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// The layouts offered (`dot -K`).
pub const LAYOUTS: [&str; 5] = ["dot", "neato", "fdp", "sfdp", "circo"];

/// Why Graphviz could not render.
#[derive(Debug, thiserror::Error)]
pub enum GraphvizError {
    /// `dot` is not on PATH.
    #[error(
        "Graphviz's `dot` program was not found on PATH, and it is needed for -G {format}. \
         Install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, Fedora: `dnf install graphviz`, \
         macOS: `brew install graphviz`), or write `-G mermaid` (drawn by GitHub, GitLab and the Mermaid \
         live editor), `-G dot` or `-G json`, which need no Graphviz"
    )]
    NotInstalled {
        /// The format asked for.
        format: String,
    },
    /// `dot` ran and failed.
    #[error("Graphviz `dot -K{layout} -T{format}` failed ({status}): {stderr}")]
    Failed {
        /// Layout.
        layout: String,
        /// Format.
        format: String,
        /// Exit status.
        status: String,
        /// What it printed.
        stderr: String,
    },
    /// Starting or talking to `dot` failed.
    #[error("running Graphviz `dot`: {0}")]
    Io(#[from] std::io::Error),
}

/// The program to run: `$HERD_DOT` when set (tests), else `dot`.
fn program() -> std::ffi::OsString {
    std::env::var_os("HERD_DOT").unwrap_or_else(|| "dot".into())
}

/// Whether Graphviz's `dot` can be run.
pub fn available() -> bool {
    Command::new(program())
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Renders `dot` text with `layout` to `format`, written to `output`.
pub fn render(dot: &str, layout: &str, format: &str, output: &Path) -> Result<(), GraphvizError> {
    run(dot, layout, format, Some(output)).map(|_| ())
}

/// Renders `dot` text with `layout` to `format` and returns the bytes (for standard output).
pub fn render_bytes(dot: &str, layout: &str, format: &str) -> Result<Vec<u8>, GraphvizError> {
    run(dot, layout, format, None)
}

fn run(
    dot: &str,
    layout: &str,
    format: &str,
    output: Option<&Path>,
) -> Result<Vec<u8>, GraphvizError> {
    let mut cmd = Command::new(program());
    cmd.arg(format!("-K{layout}")).arg(format!("-T{format}"));
    if let Some(o) = output {
        cmd.arg("-o").arg(o);
    }
    let mut child = match cmd
        .stdin(Stdio::piped())
        .stdout(if output.is_some() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(GraphvizError::NotInstalled {
                format: format.to_string(),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let text = dot.to_string();
    // Write from a thread so a full stderr pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output()?;
    let _ = writer.join();
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(GraphvizError::Failed {
            layout: layout.to_string(),
            format: format.to_string(),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}
