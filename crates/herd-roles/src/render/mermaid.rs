//! Mermaid flowchart: paste into Markdown that renders Mermaid. Same look as the DOT output.

use std::fmt::Write as _;

use crate::analysis::Analysis;
use crate::graph::{EdgeKind, Graph, VertexKind};

fn label(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "#quot;"))
}

/// Writes `g` as a Mermaid flowchart.
pub fn write(g: &Graph, a: &Analysis) -> String {
    let mut s = String::from("flowchart LR\n");
    for (i, v) in g.vertices.iter().enumerate() {
        let (open, close, class) = match (v.kind, v.defined) {
            (VertexKind::Role, true) => ("(", ")", "role"),
            (VertexKind::Role, false) => ("(", ")", "missing"),
            (VertexKind::Recipe, _) => ("[", "]", "recipe"),
            (VertexKind::Node, _) => ("([", "])", "node"),
            (VertexKind::Environment, _) => ("[/", "/]", "environment"),
        };
        let _ = writeln!(s, "  v{i}{open}{}{close}:::{class}", label(&v.label()));
    }
    let mut red = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        let arrow = if e.kind == EdgeKind::Environment {
            "-.-"
        } else {
            "-->"
        };
        match &e.version {
            Some(v) => {
                let _ = writeln!(
                    s,
                    "  v{} {arrow}|{}| v{}",
                    e.from,
                    label(&format!("@{v}")),
                    e.to
                );
            }
            None => {
                let _ = writeln!(s, "  v{} {arrow} v{}", e.from, e.to);
            }
        }
        if a.on_cycle.get(i).copied().unwrap_or(false) {
            red.push(i.to_string());
        }
    }
    s.push_str("  classDef role stroke:#d00000,stroke-width:2px\n");
    s.push_str("  classDef missing stroke:#d00000,stroke-dasharray:5 5\n");
    s.push_str("  classDef recipe stroke:#0000d0\n");
    s.push_str("  classDef node stroke:#008000\n");
    s.push_str("  classDef environment stroke:#800080\n");
    if !red.is_empty() {
        let _ = writeln!(
            s,
            "  linkStyle {} stroke:#d00000,stroke-width:2px",
            red.join(",")
        );
    }
    s
}
