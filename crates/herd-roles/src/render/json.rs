//! JSON for other tools: vertices, edges, cycles and the whole analysis, with names rather than
//! ids wherever a reader would want them.

use std::path::PathBuf;

use serde::Serialize;

use crate::analysis::{path_text, Action, Analysis};
use crate::diagnostic::{Diagnostic, Pos};
use crate::effect::Effect;
use crate::graph::{Counts, EdgeKind, Graph, Invalid, VertexKind};

#[derive(Serialize)]
struct Doc<'a> {
    env: &'a str,
    counts: Counts,
    vertices: Vec<V<'a>>,
    edges: Vec<E<'a>>,
    cycles: Vec<C>,
    analysis: A<'a>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct V<'a> {
    id: usize,
    kind: VertexKind,
    name: &'a str,
    defined: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    depth: Option<u32>,
    fan_in: u32,
}

#[derive(Serialize)]
struct E<'a> {
    from: u32,
    to: u32,
    kind: EdgeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pos: Option<Pos>,
    cycle: bool,
    feedback: bool,
    redundant: bool,
}

#[derive(Serialize)]
struct C {
    members: Vec<String>,
    path: Vec<String>,
}

#[derive(Serialize)]
struct Entry {
    owner: String,
    item: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pos: Option<Pos>,
}

#[derive(Serialize)]
struct R {
    #[serde(flatten)]
    entry: Entry,
    via: Vec<String>,
    reorders: bool,
}

#[derive(Serialize)]
struct M {
    role: String,
    referenced_by: Vec<Entry>,
}

#[derive(Serialize)]
struct S<'a> {
    action: Action,
    change: &'a str,
    reason: &'a str,
    edges_removed: usize,
    /// What the change does to expanded run lists; absent when not computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    effect: Option<&'a Effect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safe: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    alternatives: Vec<Alt<'a>>,
}

#[derive(Serialize)]
struct Alt<'a> {
    change: &'a str,
    entry: Entry,
    #[serde(skip_serializing_if = "Option::is_none")]
    effect: Option<&'a Effect>,
}

#[derive(Serialize)]
struct A<'a> {
    feedback: Vec<Entry>,
    feedback_exact: bool,
    redundant: Vec<R>,
    duplicates: Vec<Entry>,
    max_depth: u32,
    deepest: Vec<String>,
    unused: Vec<String>,
    missing: Vec<M>,
    identical: Vec<Vec<String>>,
    identical_attributes: Vec<bool>,
    untangle: Vec<S<'a>>,
    invalid: &'a [Invalid],
}

fn entry(g: &Graph, e: u32) -> Entry {
    let edge = &g.edges[e as usize];
    let owner = &g.vertices[edge.from as usize];
    let to = &g.vertices[edge.to as usize];
    let item = match &edge.version {
        Some(v) => format!("{}@{v}]", to.label().trim_end_matches(']')),
        None => to.label(),
    };
    Entry {
        owner: owner.label(),
        item,
        file: owner.file.clone(),
        pos: edge.pos,
    }
}

/// Who includes `item` (`herd roles explain --reverse --format json`): each includer, whether
/// it lists the item directly, and the chain.
pub fn includers(g: &Graph, item: u32, inc: &[crate::expand::Includer]) -> String {
    let rows: Vec<serde_json::Value> = inc
        .iter()
        .map(|i| {
            serde_json::json!({
                "includer": g.vertices[i.vertex as usize].label(),
                "direct": i.path.len() == 2,
                "path": i.path.iter().map(|&p| g.vertices[p as usize].label()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(
        &serde_json::json!({"item": g.vertices[item as usize].label(), "included_by": rows}),
    )
    .unwrap_or_default();
    s.push('\n');
    s
}

/// `herd roles check --simulate … --format json`: the changes, their effect, and the expanded
/// run list of every role and node that changes, before and after.
pub fn simulation(
    g: &Graph,
    changes: &[String],
    effect: &Effect,
    diffs: &[crate::effect::Difference],
) -> serde_json::Value {
    serde_json::json!({
        "changes": changes,
        "effect": effect,
        "safe": effect.is_safe(),
        "differences": diffs.iter().map(|d| serde_json::json!({
            "target": g.vertices[d.target as usize].label(),
            "runs": d.runs,
            "before": d.before,
            "after": d.after,
            "roles_removed": d.roles_removed,
            "roles_added": d.roles_added,
        })).collect::<Vec<_>>(),
    })
}

/// Writes the graph, its cycles, the analysis and the diagnostics as pretty JSON.
pub fn write(g: &Graph, a: &Analysis, diagnostics: &[Diagnostic]) -> String {
    let labels = |ids: &[u32]| {
        ids.iter()
            .map(|&v| g.vertices[v as usize].label())
            .collect::<Vec<_>>()
    };
    let mut feedback = vec![false; g.edges.len()];
    for &e in &a.feedback {
        feedback[e as usize] = true;
    }
    let mut redundant = vec![false; g.edges.len()];
    for r in &a.redundant {
        redundant[r.edge as usize] = true;
    }
    let doc = Doc {
        env: &g.env,
        counts: g.counts(),
        vertices: g
            .vertices
            .iter()
            .enumerate()
            .map(|(i, v)| V {
                id: i,
                kind: v.kind,
                name: &v.name,
                defined: v.defined,
                file: v.file.as_ref(),
                depth: (v.kind == VertexKind::Role).then(|| a.depth.get(i).copied().unwrap_or(0)),
                fan_in: a.fan_in.get(i).copied().unwrap_or(0),
            })
            .collect(),
        edges: g
            .edges
            .iter()
            .enumerate()
            .map(|(i, e)| E {
                from: e.from,
                to: e.to,
                kind: e.kind,
                version: e.version.as_deref(),
                index: e.index,
                pos: e.pos,
                cycle: a.on_cycle.get(i).copied().unwrap_or(false),
                feedback: feedback[i],
                redundant: redundant[i],
            })
            .collect(),
        cycles: a
            .cycles
            .iter()
            .map(|c| C {
                members: labels(&c.members),
                path: labels(&c.path),
            })
            .collect(),
        analysis: A {
            feedback: a.feedback.iter().map(|&e| entry(g, e)).collect(),
            feedback_exact: a.feedback_exact,
            redundant: a
                .redundant
                .iter()
                .map(|r| R {
                    entry: entry(g, r.edge),
                    via: labels(&r.via),
                    reorders: r.reorders,
                })
                .collect(),
            duplicates: g
                .duplicates
                .iter()
                .map(|d| {
                    let owner = &g.vertices[d.owner as usize];
                    Entry {
                        owner: owner.label(),
                        item: d.item.clone(),
                        file: owner.file.clone(),
                        pos: d.pos,
                    }
                })
                .collect(),
            max_depth: a.deepest.len().saturating_sub(1) as u32,
            deepest: labels(&a.deepest),
            unused: labels(&a.unused),
            missing: a
                .missing
                .iter()
                .map(|m| M {
                    role: g.vertices[m.role as usize].name.clone(),
                    referenced_by: m.referenced_by.iter().map(|&e| entry(g, e)).collect(),
                })
                .collect(),
            identical: a.identical.iter().map(|grp| labels(grp)).collect(),
            identical_attributes: a.identical_attributes.clone(),
            untangle: a
                .untangle
                .iter()
                .map(|s| S {
                    action: s.action,
                    change: &s.change,
                    reason: &s.reason,
                    edges_removed: s.edges_removed,
                    effect: s.effect.as_ref(),
                    safe: s.effect.as_ref().map(Effect::is_safe),
                    alternatives: s
                        .alternatives
                        .iter()
                        .map(|alt| Alt {
                            change: &alt.change,
                            entry: entry(g, alt.edge),
                            effect: alt.effect.as_ref(),
                        })
                        .collect(),
                })
                .collect(),
            invalid: &g.invalid,
        },
        diagnostics,
    };
    let _ = path_text;
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
