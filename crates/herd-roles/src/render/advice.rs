//! The words of the advice: paths, the changes suggested and why, and what a change does to
//! expanded run lists. The analyses decide; this file says it.

use std::fmt::Write as _;

use crate::analysis::Cycle;
use crate::effect::{Change, Effect};
use crate::graph::{Graph, Invalid};

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(crate) fn names(g: &Graph, ids: &[u32], max: usize) -> String {
    let mut s: Vec<String> = ids
        .iter()
        .take(max)
        .map(|&v| g.vertices[v as usize].name.clone())
        .collect();
    if ids.len() > max {
        s.push(format!("and {} more", ids.len() - max));
    }
    s.join(", ")
}

/// A path as `role[a] → role[b] → recipe[c]`.
pub fn path_text(g: &Graph, path: &[u32]) -> String {
    path.iter()
        .map(|&v| g.vertices[v as usize].label())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// `remove role[x] from the run list of role[y]`.
pub fn remove(g: &Graph, e: u32) -> String {
    let edge = &g.edges[e as usize];
    format!(
        "remove {} from the run list of {}",
        g.vertices[edge.to as usize].label(),
        g.vertices[edge.from as usize].label()
    )
}

/// Why an entry of a cycle is cut.
pub(crate) fn break_cycle(g: &Graph, e: u32, cycle: Option<&Cycle>) -> String {
    let from = &g.vertices[g.edges[e as usize].from as usize];
    match cycle {
        Some(c) if c.members.len() == 1 => format!("{} lists itself", from.label()),
        Some(c) => format!("breaks the cycle {}", path_text(g, &c.path)),
        None => String::from("breaks a cycle"),
    }
}

/// The change and the reason for a missing role listed by `owners`.
pub(crate) fn fix_missing(g: &Graph, role: u32, owners: &[u32]) -> (String, String) {
    (
        format!(
            "create {} or remove it from {} run list{}",
            g.vertices[role as usize].label(),
            owners.len(),
            if owners.len() == 1 { "" } else { "s" }
        ),
        format!(
            "listed by {}, but no role file defines it: Chef stops with MissingRole",
            names(g, owners, 5)
        ),
    )
}

/// The change and the reason for a run-list item Chef rejects.
pub(crate) fn fix_invalid(g: &Graph, inv: &Invalid) -> (String, String) {
    let owner = inv.owner.map_or_else(
        || inv.file.display().to_string(),
        |o| g.vertices[o as usize].label(),
    );
    let place = match inv.pos {
        Some(p) => format!("{}:{p}", inv.file.display()),
        None => inv.file.display().to_string(),
    };
    (
        format!("correct the run-list item of {owner} at {place}"),
        format!(
            "{}: Chef refuses to load the file",
            inv.message.trim_end_matches("; entry skipped")
        ),
    )
}

/// The change and the reason for entries of `item` that `owners` already reach otherwise
/// (`via`: one such path). Whether the run order changes is said by the effect, computed, not
/// guessed from the entry's position.
pub(crate) fn remove_redundant(
    g: &Graph,
    item: u32,
    owners: &[u32],
    via: &[u32],
) -> (String, String) {
    (
        format!(
            "remove {} from {} run list{} ({})",
            g.vertices[item as usize].label(),
            owners.len(),
            if owners.len() == 1 { "" } else { "s" },
            names(g, owners, 5)
        ),
        format!(
            "each already reaches it through another entry of the same run list (e.g. {}: {})",
            g.vertices[owners[0] as usize].label(),
            path_text(g, via)
        ),
    )
}

/// The change and the reason for roles with identical run lists (`len` entries) and attributes.
pub(crate) fn merge_identical(g: &Graph, group: &[u32], len: usize) -> (String, String) {
    (
        format!("merge roles {} into one", names(g, group, 5)),
        format!(
            "their run lists and attributes are identical ({} each)",
            plural(len, "entry", "entries")
        ),
    )
}

/// The change and the reason for a role nothing lists.
pub(crate) fn delete_unused(g: &Graph, role: u32) -> (String, String) {
    (
        format!("delete unused {}", g.vertices[role as usize].label()),
        format!(
            "no role and none of the {} nodes read lists it",
            g.nodes_read
        ),
    )
}

/// What a change does to expanded run lists, in words: `changes no expanded run list`, or
/// what goes where — first for roles and nodes that run, then for roles taken on their own.
pub fn effect(e: &Effect) -> String {
    let part = |runs: bool| -> Vec<String> {
        e.changes
            .iter()
            .filter(|c| c.runs == runs)
            .map(|c| format!("{} {}", who(c), what(c)))
            .collect()
    };
    let (running, alone) = (part(true), part(false));
    let lone = e
        .changes
        .iter()
        .filter(|c| !c.runs)
        .map(|c| c.targets.len() + c.more)
        .sum::<usize>();
    let alone = if alone.is_empty() {
        String::new()
    } else {
        let (one, all) = if lone == 1 {
            ("on its own", "it on its own")
        } else {
            ("on their own", "them on their own")
        };
        format!("{one}, {}; nothing runs {all}", alone.join("; "))
    };
    match (running.is_empty(), alone.is_empty()) {
        (true, true) => "changes no expanded run list".to_string(),
        (true, false) => format!("changes no expanded run list that runs ({alone})"),
        (false, true) => running.join("; "),
        (false, false) => format!("{} ({alone})", running.join("; ")),
    }
}

/// Roles and nodes named in words before "and N more".
const NAMED_IN_WORDS: usize = 6;

fn who(c: &Change) -> String {
    let shown = c.targets.len().min(NAMED_IN_WORDS);
    let mut s = c.targets[..shown].join(", ");
    let more = c.targets.len() - shown + c.more;
    if more > 0 {
        let _ = write!(s, " and {more} more");
    }
    s
}

fn what(c: &Change) -> String {
    let mut parts = Vec::new();
    if !c.removed.is_empty() {
        parts.push(format!("lose {}", c.removed.join(", ")));
    }
    if !c.added.is_empty() {
        parts.push(format!("gain {}", c.added.join(", ")));
    }
    if c.reordered {
        parts.push("run the same recipes in another order".to_string());
    }
    if !c.roles_removed.is_empty() {
        parts.push(format!(
            "no longer apply {} (nor its attributes)",
            c.roles_removed.join(", ")
        ));
    }
    if !c.roles_added.is_empty() {
        parts.push(format!("apply {}", c.roles_added.join(", ")));
    }
    match parts.len() {
        0 => String::new(),
        1 => format!("would {}", parts[0]),
        n => format!("would {} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}
