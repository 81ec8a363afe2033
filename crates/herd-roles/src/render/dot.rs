//! DOT in knife-role-spaghetti's style: roles as red rounded boxes, recipes as blue components,
//! left to right. Added: what to untangle is marked — roles on a cycle filled and bold, the
//! entries to cut dashed and labelled "cut", redundant entries grey, dotted and labelled
//! "redundant" — missing roles dashed, version pins as edge labels, nodes (green ellipses) and
//! environments (purple folders, dotted links), and a legend for the marks.
//!
//! For a picture ([`Drawing::picture`]) the recipes of one cookbook are drawn as one node with
//! a count (`apache2 (3 recipes)`) unless every recipe is asked for, environments no drawn node
//! is in are left out, and a large repository's roles are grouped in clusters by folder — or,
//! when they are all in one folder, the roles nothing includes by the role they list first.
//!
//! Vertex ids are `role:NAME`, `recipe:NAME`, `cookbook:NAME` (collapsed recipes),
//! `node:NAME` and `environment:NAME`, quoted, so a role and a recipe of the same name never
//! merge (the original appended `_role`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::quote;
use crate::analysis::Analysis;
use crate::graph::{EdgeKind, Graph, Vertex, VertexKind};
use crate::model::DEFAULT_ENV;

/// Above this many roles drawn, roles are grouped in clusters by folder.
pub const CLUSTER_ABOVE: usize = 40;

/// How to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawing<'a> {
    /// The Graphviz layout engine; other than `dot`, written into the file as `layout=`.
    pub layout: &'a str,
    /// Every recipe as its own node (else one node per cookbook with a count).
    pub all_recipes: bool,
    /// A legend of the marks.
    pub legend: bool,
    /// Clusters when the graph is large; leave out unconnected environments.
    pub tidy: bool,
}

impl<'a> Drawing<'a> {
    /// Every vertex and entry, nothing added (for other tools and the Graphviz oracles).
    pub const EXACT: Drawing<'static> = Drawing {
        layout: "dot",
        all_recipes: true,
        legend: false,
        tidy: false,
    };

    /// A picture for a person, laid out by `layout`.
    pub fn picture(layout: &'a str, all_recipes: bool) -> Self {
        Drawing {
            layout,
            all_recipes,
            legend: true,
            tidy: true,
        }
    }
}

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

/// Writes `g` as DOT with every vertex and entry; `a` marks cycles, cuts and redundant entries.
pub fn write(g: &Graph, a: &Analysis) -> String {
    write_with(g, a, &Drawing::EXACT)
}

/// [`write`], with a `layout=` graph attribute when `layout` is not `dot`, so that
/// `dot -Tpng` on the file uses that engine.
pub fn write_with_layout(g: &Graph, a: &Analysis, layout: &str) -> String {
    write_with(
        g,
        a,
        &Drawing {
            layout,
            ..Drawing::EXACT
        },
    )
}

/// The cookbook of a recipe name: `apache2::mod_ssl` → `apache2`.
fn cookbook(name: &str) -> &str {
    name.split("::").next().unwrap_or(name)
}

/// The folder a role's file is in (`roles/app`), for clusters.
fn folder(v: &Vertex) -> String {
    v.file
        .as_deref()
        .and_then(Path::parent)
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

const ROLE: &str = "shape=box, style=rounded, color=red";
const CYCLE_ROLE: &str =
    "shape=box, style=\"rounded,filled,bold\", color=red, fillcolor=\"#ffd0d0\", penwidth=2";
const MISSING_ROLE: &str =
    "shape=box, style=\"rounded,dashed\", color=red, tooltip=\"missing role\"";
const RECIPE: &str = "shape=component, color=blue";
const CUT: &str = "style=dashed, color=red, penwidth=2, label=\"cut\", fontcolor=red";
const ON_CYCLE: &str = "color=red, penwidth=2";
const REDUNDANT: &str = "style=dotted, color=gray55, label=\"redundant\", fontcolor=gray45";

/// Writes `g` as DOT as `d` says.
#[allow(clippy::too_many_lines, clippy::many_single_char_names)] // one pass over vertices, then edges, then the legend; g, a, d, s: as throughout the renderers
pub fn write_with(g: &Graph, a: &Analysis, d: &Drawing<'_>) -> String {
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
    if d.layout != "dot" {
        let _ = writeln!(s, "  graph [layout={}];", quote(d.layout));
    }
    s.push_str("  node [fontname=\"Verdana\"];\n  edge [fontname=\"Verdana\", fontsize=10];\n");

    let mut feedback = vec![false; g.edges.len()];
    for &e in &a.feedback {
        feedback[e as usize] = true;
    }
    let mut redundant = vec![false; g.edges.len()];
    for r in &a.redundant {
        redundant[r.edge as usize] = true;
    }
    let mut cycle_role = vec![false; g.vertices.len()];
    for c in &a.cycles {
        for &m in &c.members {
            cycle_role[m as usize] = true;
        }
    }
    // Recipes drawn per cookbook: the cookbook's node id when it has several recipes.
    let mut per_cookbook: BTreeMap<&str, usize> = BTreeMap::new();
    if !d.all_recipes {
        for v in g.vertices.iter().filter(|v| v.kind == VertexKind::Recipe) {
            *per_cookbook.entry(cookbook(&v.name)).or_default() += 1;
        }
    }
    let node_id = |v: &Vertex| -> String {
        if v.kind == VertexKind::Recipe
            && per_cookbook.get(cookbook(&v.name)).is_some_and(|&n| n > 1)
        {
            quote(&format!("cookbook:{}", cookbook(&v.name)))
        } else {
            id(v)
        }
    };
    let roles = g
        .vertices
        .iter()
        .filter(|v| v.kind == VertexKind::Role)
        .count();
    let mut folders: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    if d.tidy && roles > CLUSTER_ABOVE {
        for (i, v) in g.vertices.iter().enumerate() {
            if v.kind == VertexKind::Role && v.defined {
                folders.entry(folder(v)).or_default().push(i);
            }
        }
        if folders.len() < 2 {
            // One folder: group the roles no role includes by the role they list first
            // (machine roles by their site role, as in openstreetmap's layering).
            folders.clear();
            for (i, v) in g.vertices.iter().enumerate() {
                let listed = g.inc[i].iter().any(|&e| {
                    g.vertices[g.edges[e as usize].from as usize].kind == VertexKind::Role
                });
                if v.kind != VertexKind::Role || !v.defined || listed {
                    continue;
                }
                if let Some(first) = g
                    .run_list(i as u32)
                    .find(|e| g.vertices[e.to as usize].kind == VertexKind::Role)
                {
                    folders
                        .entry(format!(
                            "including {}",
                            g.vertices[first.to as usize].label()
                        ))
                        .or_default()
                        .push(i);
                }
            }
            folders.retain(|_, ids| ids.len() >= 3);
        }
    }
    let in_cluster: Vec<bool> = {
        let mut c = vec![false; g.vertices.len()];
        for ids in folders.values() {
            for &i in ids {
                c[i] = true;
            }
        }
        c
    };
    let line = |s: &mut String, i: usize, indent: &str| {
        let v = &g.vertices[i];
        let attrs = match (v.kind, v.defined) {
            (VertexKind::Role, true) if cycle_role[i] => CYCLE_ROLE,
            (VertexKind::Role, true) => ROLE,
            (VertexKind::Role, false) => MISSING_ROLE,
            (VertexKind::Recipe, _) => RECIPE,
            (VertexKind::Node, _) => "shape=ellipse, color=darkgreen",
            (VertexKind::Environment, _) => "shape=folder, color=purple",
        };
        let _ = writeln!(s, "{indent}{} [label={}, {attrs}];", id(v), quote(&v.name));
    };
    for (n, (dir, ids)) in folders.iter().enumerate() {
        let _ = writeln!(
            s,
            "  subgraph \"cluster_{n}\" {{\n    label={}; style=rounded; color=gray70; fontcolor=gray40;",
            quote(dir)
        );
        for &i in ids {
            line(&mut s, i, "    ");
        }
        s.push_str("  }\n");
    }
    let linked_env: Vec<bool> = {
        let mut l = vec![false; g.vertices.len()];
        for e in g.edges.iter().filter(|e| e.kind == EdgeKind::Environment) {
            l[e.to as usize] = true;
        }
        l
    };
    let mut cookbooks_drawn: Vec<&str> = Vec::new();
    for (i, v) in g.vertices.iter().enumerate() {
        if in_cluster[i] {
            continue;
        }
        if d.tidy && v.kind == VertexKind::Environment && !linked_env[i] {
            continue;
        }
        if v.kind == VertexKind::Recipe {
            let book = cookbook(&v.name);
            if let Some(&n) = per_cookbook.get(book).filter(|&&n| n > 1) {
                if !cookbooks_drawn.contains(&book) {
                    cookbooks_drawn.push(book);
                    let _ = writeln!(
                        s,
                        "  {} [label={}, {RECIPE}, tooltip={}];",
                        node_id(v),
                        quote(&format!("{book} ({n} recipes)")),
                        quote(&format!(
                            "{n} recipes of cookbook {book}; --all-recipes draws each"
                        ))
                    );
                }
                continue;
            }
        }
        line(&mut s, i, "  ");
    }
    // Entries; those collapsed into one cookbook node are drawn once per owner, marked
    // redundant only when all of them are.
    let mut merged: BTreeMap<(u32, String), (usize, bool, usize)> = BTreeMap::new();
    let mut order: Vec<(u32, String)> = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        let to = node_id(&g.vertices[e.to as usize]);
        let key = (e.from, to);
        match merged.get_mut(&key) {
            Some(m) => {
                m.1 &= redundant[i];
                m.2 += 1;
            }
            None => {
                merged.insert(key.clone(), (i, redundant[i], 1));
                order.push(key);
            }
        }
    }
    for key in order {
        let (i, all_redundant, count) = merged[&key];
        let e = &g.edges[i];
        let mut attrs: Vec<String> = Vec::new();
        if let (Some(v), 1) = (&e.version, count) {
            if !feedback[i] && !all_redundant {
                attrs.push(format!("label={}", quote(&format!("@{v}"))));
            }
        }
        if e.kind == EdgeKind::Environment {
            attrs.push("style=dotted, arrowhead=none, color=purple".into());
        } else if feedback[i] {
            attrs.push(CUT.into());
        } else if a.on_cycle.get(i).copied().unwrap_or(false) {
            attrs.push(ON_CYCLE.into());
        } else if all_redundant {
            attrs.push(REDUNDANT.into());
        }
        let from = id(&g.vertices[e.from as usize]);
        if attrs.is_empty() {
            let _ = writeln!(s, "  {from} -> {};", key.1);
        } else {
            let _ = writeln!(s, "  {from} -> {} [{}];", key.1, attrs.join(", "));
        }
    }
    if d.legend {
        legend(&mut s, a, g);
    }
    s.push_str("}\n");
    s
}

/// A legend of the marks that occur, as a cluster of sample nodes and entries.
fn legend(s: &mut String, a: &Analysis, g: &Graph) {
    let missing = g
        .vertices
        .iter()
        .any(|v| v.kind == VertexKind::Role && !v.defined);
    s.push_str("  subgraph \"cluster_legend\" {\n    label=\"Legend\"; style=rounded; color=gray60; fontcolor=gray30; fontsize=14;\n");
    let _ = writeln!(s, "    \"legend:role\" [label=\"role\", {ROLE}];");
    let _ = writeln!(s, "    \"legend:recipe\" [label=\"recipe\", {RECIPE}];");
    s.push_str("    \"legend:role\" -> \"legend:recipe\" [label=\"run-list entry\"];\n");
    if !a.cycles.is_empty() {
        let _ = writeln!(
            s,
            "    \"legend:cycle\" [label=\"role on a cycle\", {CYCLE_ROLE}];"
        );
        let _ = writeln!(
            s,
            "    \"legend:cycle2\" [label=\"role on a cycle\", {CYCLE_ROLE}];"
        );
        let _ = writeln!(s, "    \"legend:cycle\" -> \"legend:cycle2\" [{CUT}];");
    }
    if !a.redundant.is_empty() {
        let _ = writeln!(s, "    \"legend:red1\" [label=\"role\", {ROLE}];");
        let _ = writeln!(
            s,
            "    \"legend:red2\" [label=\"already reached\", {ROLE}];"
        );
        let _ = writeln!(s, "    \"legend:red1\" -> \"legend:red2\" [{REDUNDANT}];");
    }
    if missing {
        let _ = writeln!(
            s,
            "    \"legend:missing\" [label=\"missing role\", {MISSING_ROLE}];"
        );
    }
    s.push_str("  }\n");
}
