//! `herd roles fix`: the safe recommendations written into the role and node files.
//!
//! Safe means the suggestion removes run-list entries (a cycle cut, redundant entries) and
//! its computed effect changes no expanded run list that runs. The suggestions are taken in
//! ranked order and each is kept only if, together with those kept before it, the change
//! still leaves everything that runs as it is (checked again by simulation, since two safe
//! removals can be unsafe together).
//!
//! A file is edited only where it is plain data: its entries are removed from the text
//! ([`edit`]), every other byte is kept, and the result is read again — the run lists must be
//! the old ones minus exactly those entries, and everything else (name, attributes, other
//! environments' lists, diagnostics) the same — or the file is left alone. Files holding Ruby
//! a static reader does not evaluate are never edited, and the refusal says where and why.

pub mod edit;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::analysis::{Action, Analysis};
use crate::diagnostic::{Kind, Pos};
use crate::effect::{Edit, Effect, Simulator};
use crate::graph::{Graph, VertexKind};
use crate::model::{read_node, read_role, Entry};
use crate::repo::Repository;

/// The new text of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFix {
    /// The file, as the repository names it (relative to its root when it was loaded so).
    pub file: PathBuf,
    /// Its text now.
    pub before: String,
    /// Its text after the fix.
    pub after: String,
    /// The changes made, in words.
    pub changes: Vec<String>,
}

/// A file left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The file.
    pub file: PathBuf,
    /// Why it is not edited.
    pub reason: String,
}

/// What `fix` would do.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The files to rewrite.
    pub fixes: Vec<FileFix>,
    /// The files that would need a change but are not edited.
    pub refused: Vec<Refusal>,
    /// The effect of every change written, together.
    pub effect: Effect,
    /// Suggestions left for a person: not removals, or not safe.
    pub left: Vec<String>,
}

/// The suggestions of `a` that are safe together, as entries (edge ids), in ranked order.
fn safe_entries(g: &Graph, a: &Analysis, left: &mut Vec<String>) -> (Vec<u32>, Effect) {
    let mut sim = Simulator::new(g);
    let mut kept: Vec<u32> = Vec::new();
    let mut effect = Effect::default();
    for s in &a.untangle {
        let removal = matches!(s.action, Action::BreakCycle | Action::RemoveRedundant);
        if !removal || !s.is_safe() {
            left.push(s.change.clone());
            continue;
        }
        let mut trial = kept.clone();
        trial.extend(&s.edges);
        let e = sim.effect(&Edit::remove(&trial));
        if e.is_safe() {
            kept = trial;
            effect = e;
        } else {
            left.push(format!(
                "{} (safe alone, not together with the changes before it)",
                s.change
            ));
        }
    }
    (kept, effect)
}

/// Plans the fix of the repository read from `root` (`g` and `a` built from `repo`). Files
/// are read from disk again, so the plan edits what is there now.
pub fn plan(repo: &Repository, root: &Path, g: &Graph, a: &Analysis) -> Plan {
    let mut out = Plan::default();
    let (edges, effect) = safe_entries(g, a, &mut out.left);
    out.effect = effect;
    // The entries to remove, by owner.
    let mut by_owner: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for e in edges {
        by_owner
            .entry(g.edges[e as usize].from)
            .or_default()
            .push(e);
    }
    for (owner, edges) in by_owner {
        let v = &g.vertices[owner as usize];
        let Some(file) = v.file.clone() else { continue };
        let changes: Vec<String> = edges
            .iter()
            .map(|&e| crate::render::advice::remove(g, e))
            .collect();
        match fix_file(repo, root, g, owner, &file, &edges) {
            Ok((before, after)) => out.fixes.push(FileFix {
                file,
                before,
                after,
                changes,
            }),
            Err(reason) => out.refused.push(Refusal { file, reason }),
        }
    }
    out
}

/// The entries of `list` at the positions of `edges`.
fn entries_at<'e>(g: &Graph, list: &'e [Entry], edges: &[u32]) -> Result<Vec<&'e Entry>, String> {
    edges
        .iter()
        .map(|&e| {
            let pos = g.edges[e as usize].pos;
            list.iter()
                .find(|x| pos.is_some() && x.pos == pos)
                .ok_or_else(|| {
                    format!(
                        "the entry {} has no known place in the file",
                        g.vertices[g.edges[e as usize].to as usize].label()
                    )
                })
        })
        .collect()
}

/// The run lists and everything else a file says, to compare before and after an edit.
#[derive(PartialEq)]
struct Reading {
    lists: BTreeMap<String, Vec<(String, Option<Pos>)>>,
    rest: String,
    diagnostics: Vec<(Kind, String)>,
}

fn read(path: &Path, text: &str, node: bool) -> Reading {
    let items = |l: &[Entry]| -> Vec<(String, Option<Pos>)> {
        l.iter().map(|e| (e.item.to_string(), e.pos)).collect()
    };
    if node {
        let (n, d) = read_node(path, text);
        let mut lists = BTreeMap::new();
        let rest = n.map_or_else(String::new, |n| {
            lists.insert(String::new(), items(&n.run_list));
            format!("{}\n{}", n.name, n.environment)
        });
        Reading {
            lists,
            rest,
            diagnostics: d.into_iter().map(|d| (d.kind, d.message)).collect(),
        }
    } else {
        let (r, d) = read_role(path, text);
        Reading {
            lists: r
                .run_lists
                .iter()
                .map(|(k, l)| (k.clone(), items(l)))
                .collect(),
            rest: format!(
                "{}\n{}\n{}\n{}",
                r.name, r.description, r.default_attributes, r.override_attributes
            ),
            diagnostics: d.into_iter().map(|d| (d.kind, d.message)).collect(),
        }
    }
}

/// Edits one file; `Err` says why it is left alone.
fn fix_file(
    repo: &Repository,
    root: &Path,
    g: &Graph,
    owner: u32,
    file: &Path,
    edges: &[u32],
) -> Result<(String, String), String> {
    let path = if file.is_absolute() {
        file.to_path_buf()
    } else {
        root.join(file)
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read it: {e}"))?;
    let v = &g.vertices[owner as usize];
    let node = v.kind == VertexKind::Node;
    let before = read(&path, &text, node);
    if let Some((kind, msg)) = before
        .diagnostics
        .iter()
        .find(|(k, _)| matches!(k, Kind::Syntax | Kind::Unsupported))
    {
        let what = if *kind == Kind::Syntax {
            "it does not parse"
        } else {
            "it holds Ruby that herd does not evaluate"
        };
        return Err(format!(
            "not edited: {what} ({msg}), so its run list is not known for certain"
        ));
    }
    // The entries as read, and the lists that hold them.
    let (list, env): (&[Entry], String) = if node {
        let n = repo
            .node(&v.name)
            .ok_or("not edited: the node is not in the repository")?;
        (&n.run_list, String::new())
    } else {
        let r = repo
            .role(&v.name)
            .ok_or("not edited: the role is not in the repository")?;
        let env = if r.run_lists.contains_key(&g.env) {
            g.env.clone()
        } else {
            crate::model::DEFAULT_ENV.to_string()
        };
        (r.run_list_for(&g.env), env)
    };
    let entries = entries_at(g, list, edges)?;
    // One literal used by several run lists (a local variable) would change them all.
    for e in &entries {
        let uses = before
            .lists
            .values()
            .flatten()
            .filter(|(_, p)| *p == e.pos)
            .count();
        if uses > 1 {
            return Err(format!(
                "not edited: the entry {} at {} is shared by {uses} run lists (a local variable), so removing it would change them all",
                e.item,
                e.pos.map(|p| p.to_string()).unwrap_or_default()
            ));
        }
    }
    let spots: Vec<(Pos, &crate::run_list::RunListItem)> = entries
        .iter()
        .filter_map(|e| e.pos.map(|p| (p, &e.item)))
        .collect();
    let after_text = edit::remove(&text, &spots).map_err(|e| format!("not edited: {e}"))?;
    // Read it again: exactly those entries gone, nothing else changed.
    let after = read(&path, &after_text, node);
    let mut expected = before.lists.clone();
    let key = if node { String::new() } else { env };
    if let Some(l) = expected.get_mut(&key) {
        l.retain(|(_, p)| !entries.iter().any(|e| e.pos == *p));
    }
    let strip =
        |m: &BTreeMap<String, Vec<(String, Option<Pos>)>>| -> BTreeMap<String, Vec<String>> {
            // An emptied `run_list()` may read as no list at all: Chef treats both the same.
            m.iter()
                .filter(|(_, l)| !l.is_empty())
                .map(|(k, l)| (k.clone(), l.iter().map(|(i, _)| i.clone()).collect()))
                .collect()
        };
    if strip(&after.lists) != strip(&expected) || after.rest != before.rest {
        return Err(
            "not edited: the edited file would not read as the same file minus those entries"
                .to_string(),
        );
    }
    if after.diagnostics != before.diagnostics {
        return Err("not edited: the edited file would read with other warnings".to_string());
    }
    Ok((text, after_text))
}
