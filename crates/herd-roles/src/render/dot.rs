//! DOT in knife-role-spaghetti's style: roles as red rounded boxes, recipes as blue components,
//! left to right. Added: missing roles dashed, entries on a cycle red and bold, version pins as
//! edge labels, nodes (green ellipses) and environments (purple folders, dotted links).
//!
//! Vertex ids are `role:NAME`, `recipe:NAME`, `node:NAME` and `environment:NAME`, quoted, so a
//! role and a recipe of the same name never merge (the original appended `_role`).

use std::fmt::Write as _;

use super::quote;
use crate::analysis::Analysis;
use crate::graph::{EdgeKind, Graph, Vertex, VertexKind};
use crate::model::DEFAULT_ENV;

/// The DOT id of a vertex.
pub fn id(v: &Vertex) -> String {
    let k = match v.kind {
        VertexKind::Role => "role",
        VertexKind::Recipe => "recipe",
        VertexKind::Node => "node",
        VertexKind::Environment => "environment",
    };
    quote(&format!("{k}:{}", v.name))
}

/// Writes `g` as DOT; `a` marks the entries on cycles.
pub fn write(g: &Graph, a: &Analysis) -> String {
    write_with_layout(g, a, "dot")
}

/// Writes `g` as DOT with a `layout=` graph attribute when `layout` is not `dot`, so that
/// `dot -Tpng` on the file uses that engine.
pub fn write_with_layout(g: &Graph, a: &Analysis, layout: &str) -> String {
    let mut s = String::with_capacity(64 + g.vertices.len() * 64 + g.edges.len() * 48);
    let title = if g.env == DEFAULT_ENV {
        "Chef Role Dependencies".to_string()
    } else {
        format!("Chef Role Dependencies ({})", g.env.replace('"', "\\\""))
    };
    s.push_str("digraph RoleDependencies {\n");
    let _ = writeln!(
        s,
        "  graph [fontname=\"Verdana\", fontsize=20, label=\"{title}\", labelloc=t, rankdir=LR, overlap=false, compound=true];"
    );
    if layout != "dot" {
        let _ = writeln!(s, "  graph [layout={}];", quote(layout));
    }
    s.push_str("  node [fontname=\"Verdana\"];\n");
    for v in &g.vertices {
        let label = quote(&v.name);
        let attrs = match (v.kind, v.defined) {
            (VertexKind::Role, true) => "shape=box, style=rounded, color=red",
            (VertexKind::Role, false) => {
                "shape=box, style=\"rounded,dashed\", color=red, tooltip=\"missing role\""
            }
            (VertexKind::Recipe, _) => "shape=component, color=blue",
            (VertexKind::Node, _) => "shape=ellipse, color=darkgreen",
            (VertexKind::Environment, _) => "shape=folder, color=purple",
        };
        let _ = writeln!(s, "  {} [label={label}, {attrs}];", id(v));
    }
    for (i, e) in g.edges.iter().enumerate() {
        let (from, to) = (&g.vertices[e.from as usize], &g.vertices[e.to as usize]);
        let mut attrs: Vec<String> = Vec::new();
        if let Some(v) = &e.version {
            attrs.push(format!("label={}", quote(&format!("@{v}"))));
        }
        if e.kind == EdgeKind::Environment {
            attrs.push("style=dotted, arrowhead=none, color=purple".into());
        } else if a.on_cycle.get(i).copied().unwrap_or(false) {
            attrs.push("color=red, penwidth=2".into());
        }
        if attrs.is_empty() {
            let _ = writeln!(s, "  {} -> {};", id(from), id(to));
        } else {
            let _ = writeln!(s, "  {} -> {} [{}];", id(from), id(to), attrs.join(", "));
        }
    }
    s.push_str("}\n");
    s
}
