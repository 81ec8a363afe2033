//! The text report of `herd roles check` (and the summary after `graph`), and the text of
//! `herd roles explain`.

use std::fmt::Write as _;

use crate::analysis::{path_text, Action, Analysis, Suggestion};
use crate::effect::{Difference, Effect};
use crate::expand::{Expansion, Includer};
use crate::graph::{Graph, VertexKind};

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Items per section before "… and N more".
    pub per_section: usize,
    /// Suggestions in "Untangle first".
    pub suggestions: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_section: 20,
            suggestions: 10,
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn at(g: &Graph, e: u32) -> String {
    let edge = &g.edges[e as usize];
    let owner = &g.vertices[edge.from as usize];
    match (&owner.file, edge.pos) {
        (Some(f), Some(p)) => format!(" ({}:{p})", f.display()),
        (Some(f), None) => format!(" ({})", f.display()),
        _ => String::new(),
    }
}

fn more(s: &mut String, total: usize, shown: usize) {
    if total > shown {
        let _ = writeln!(
            s,
            "  … and {} more (all of them are in -G json)",
            total - shown
        );
    }
}

/// The one-line summary of what was read.
pub fn headline(g: &Graph) -> String {
    let c = g.counts();
    let mut s = format!(
        "{}, {}, {} in {}",
        plural(c.roles, "role", "roles"),
        plural(c.role_edges, "role entry", "role entries"),
        plural(c.recipe_edges, "recipe entry", "recipe entries"),
        if g.env == crate::model::DEFAULT_ENV {
            "the _default run lists".to_string()
        } else {
            format!("environment {}", g.env)
        }
    );
    if c.nodes > 0 || c.environments > 0 {
        let _ = write!(
            s,
            "; {}, {}",
            plural(c.nodes, "node", "nodes"),
            plural(c.environments, "environment", "environments")
        );
    }
    s
}

/// The full report.
#[allow(clippy::many_single_char_names)] // g, a: graph and analysis, as throughout the crate
pub fn report(g: &Graph, a: &Analysis, limits: Limits) -> String {
    let mut s = String::new();
    let n = limits.per_section;
    let _ = writeln!(s, "{}", headline(g));

    let _ = writeln!(s, "\nCycles: {}", a.cycles.len());
    for c in a.cycles.iter().take(n) {
        let _ = write!(s, "  {}", path_text(g, &c.path));
        if c.members.len() + 1 < c.path.len() || c.members.len() > c.path.len() - 1 {
            let names: Vec<&str> = c
                .members
                .iter()
                .map(|&v| g.vertices[v as usize].name.as_str())
                .collect();
            let _ = write!(
                s,
                "  (component of {}: {})",
                c.members.len(),
                names.join(", ")
            );
        }
        s.push('\n');
    }
    more(&mut s, a.cycles.len(), n);
    if !a.feedback.is_empty() {
        let _ = writeln!(
            s,
            "  Remove {} to break them all ({}):",
            plural(a.feedback.len(), "entry", "entries"),
            if a.feedback_exact {
                "the smallest set"
            } else {
                "a minimal set; components too large for an exact search"
            }
        );
        for &e in a.feedback.iter().take(n) {
            let edge = &g.edges[e as usize];
            let _ = writeln!(
                s,
                "    {} from {}{}",
                g.vertices[edge.to as usize].label(),
                g.vertices[edge.from as usize].label(),
                at(g, e)
            );
        }
        more(&mut s, a.feedback.len(), n);
    }

    let _ = writeln!(s, "\nMissing roles: {}", a.missing.len());
    for m in a.missing.iter().take(n) {
        let by: Vec<String> = m
            .referenced_by
            .iter()
            .map(|&e| {
                format!(
                    "{}{}",
                    g.vertices[g.edges[e as usize].from as usize].label(),
                    at(g, e)
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "  {} listed by {}",
            g.vertices[m.role as usize].label(),
            by.join(", ")
        );
    }
    more(&mut s, a.missing.len(), n);

    let _ = writeln!(s, "\nInvalid run-list items: {}", g.invalid.len());
    for inv in g.invalid.iter().take(n) {
        let place = match inv.pos {
            Some(p) => format!("{}:{p}", inv.file.display()),
            None => inv.file.display().to_string(),
        };
        let _ = writeln!(
            s,
            "  {place}: {} (Chef refuses to load this file)",
            inv.message
        );
    }
    more(&mut s, g.invalid.len(), n);

    let _ = writeln!(
        s,
        "\nRedundant entries: {}",
        a.redundant.len() + g.duplicates.len()
    );
    for r in a.redundant.iter().take(n) {
        let edge = &g.edges[r.edge as usize];
        let _ = writeln!(
            s,
            "  {} lists {}{}: already reached through {}{}",
            g.vertices[edge.from as usize].label(),
            g.vertices[edge.to as usize].label(),
            at(g, r.edge),
            path_text(g, &r.via),
            if r.reorders {
                " (listed first: removing it moves it later in the run)"
            } else {
                ""
            }
        );
    }
    more(&mut s, a.redundant.len(), n);
    for d in g.duplicates.iter().take(n) {
        let owner = &g.vertices[d.owner as usize];
        let place = match (&owner.file, d.pos) {
            (Some(f), Some(p)) => format!(" ({}:{p})", f.display()),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "  {} lists {} twice{place}: Chef drops the copy{}",
            owner.label(),
            d.item,
            d.conflict
                .as_ref()
                .map(|c| format!("; {c}: CookbookVersionConflict"))
                .unwrap_or_default()
        );
    }
    more(&mut s, g.duplicates.len(), n);

    let max = a.deepest.len().saturating_sub(1);
    let _ = writeln!(s, "\nDepth: {max}");
    if max > 0 {
        let _ = writeln!(s, "  deepest chain: {}", path_text(g, &a.deepest));
    }

    let mut fan: Vec<usize> = (0..g.vertices.len())
        .filter(|&v| {
            matches!(g.vertices[v].kind, VertexKind::Role | VertexKind::Recipe) && a.fan_in[v] > 1
        })
        .collect();
    fan.sort_by(|&x, &y| {
        a.fan_in[y]
            .cmp(&a.fan_in[x])
            .then_with(|| g.vertices[x].label().cmp(&g.vertices[y].label()))
    });
    let _ = writeln!(s, "\nMost included (fan-in):");
    if fan.is_empty() {
        let _ = writeln!(s, "  nothing is listed more than once");
    }
    for &v in fan.iter().take(n.min(10)) {
        let _ = writeln!(s, "  {:>5}  {}", a.fan_in[v], g.vertices[v].label());
    }

    let _ = writeln!(
        s,
        "\nUnused roles: {}{}",
        a.unused.len(),
        if g.nodes_read == 0 && !a.unused.is_empty() {
            " (no nodes were read: these are the roles nodes would list)"
        } else {
            ""
        }
    );
    let names: Vec<&str> = a
        .unused
        .iter()
        .take(n * 3)
        .map(|&v| g.vertices[v as usize].name.as_str())
        .collect();
    if !names.is_empty() {
        let _ = writeln!(s, "  {}", names.join(", "));
    }
    more(&mut s, a.unused.len(), n * 3);

    let _ = writeln!(s, "\nIdentical run lists: {}", a.identical.len());
    for (grp, same) in a.identical.iter().zip(&a.identical_attributes).take(n) {
        let names: Vec<&str> = grp
            .iter()
            .map(|&v| g.vertices[v as usize].name.as_str())
            .collect();
        let note = if *same {
            "same attributes too: duplicates"
        } else {
            "attributes differ"
        };
        let _ = writeln!(s, "  {} ({note})", names.join(", "));
    }
    more(&mut s, a.identical.len(), n);

    let _ = writeln!(s, "\nUntangle first:");
    if a.untangle.is_empty() {
        let _ = writeln!(s, "  nothing to untangle");
    }
    for (i, sug) in a.untangle.iter().take(limits.suggestions).enumerate() {
        let _ = writeln!(s, "  {}. {}", i + 1, sug.change);
        if sug.edges_removed == 0 {
            let _ = writeln!(s, "     {}", sug.reason);
        } else {
            let _ = writeln!(
                s,
                "     {} ({} removed)",
                sug.reason,
                plural(sug.edges_removed, "entry", "entries")
            );
        }
        if let Some(effect) = effect_text(sug) {
            let _ = writeln!(s, "     effect: {effect}");
        }
        if !sug.alternatives.is_empty() {
            let _ = writeln!(s, "     every other cut changes what runs too:");
            for alt in &sug.alternatives {
                let _ = writeln!(
                    s,
                    "       - {}: {}",
                    alt.change,
                    alt.effect
                        .as_ref()
                        .map_or_else(|| NOT_COMPUTED.to_string(), Effect::describe)
                );
            }
        }
    }
    if a.untangle.len() > limits.suggestions {
        let _ = writeln!(
            s,
            "  … and {} more (all of them are in -G json)",
            a.untangle.len() - limits.suggestions
        );
    }
    s
}

const NOT_COMPUTED: &str =
    "not computed (it touches too many roles and nodes to expand them all within the analysis's limit)";

/// A suggestion's effect in words (`None` for changes that are not run-list edits).
fn effect_text(sug: &Suggestion) -> Option<String> {
    match (&sug.effect, sug.action) {
        (Some(e), _) => Some(e.describe()),
        (None, Action::FixInvalid) => None,
        (None, _) => Some(NOT_COMPUTED.to_string()),
    }
}

/// The short summary printed after `herd roles graph`.
pub fn summary(g: &Graph, a: &Analysis) -> String {
    let mut s = format!("{}\n", headline(g));
    let _ = writeln!(
        s,
        "{}, {}, {}, depth {}",
        plural(a.cycles.len(), "cycle", "cycles"),
        plural(a.missing.len(), "missing role", "missing roles"),
        plural(
            a.redundant.len() + g.duplicates.len(),
            "redundant entry",
            "redundant entries"
        ),
        a.deepest.len().saturating_sub(1)
    );
    if !a.untangle.is_empty() {
        s.push_str("Untangle first:\n");
        for (i, sug) in a.untangle.iter().take(3).enumerate() {
            let _ = writeln!(s, "  {}. {} — {}", i + 1, sug.change, sug.reason);
            if let Some(effect) = effect_text(sug) {
                let _ = writeln!(s, "     effect: {effect}");
            }
        }
        s.push_str("(herd roles check for the full report)\n");
    }
    let roles = g.counts().roles;
    if roles > LARGE {
        let _ = writeln!(
            s,
            "{roles} roles make a large picture: --focus ROLE draws what one role reaches and what reaches it; --no-recipes draws roles only"
        );
    }
    s
}

/// Above this many roles, the summary suggests `--focus`.
pub const LARGE: usize = 60;

/// The text of `herd roles check --simulate`: the changes, their effect, and the expanded run
/// list of every role and node that changes, before and after.
pub fn simulation(g: &Graph, changes: &[String], effect: &Effect, diffs: &[Difference]) -> String {
    let mut s = String::from("\nSimulated:\n");
    for c in changes {
        let _ = writeln!(s, "  {c}");
    }
    let _ = writeln!(s, "Effect: {}", effect.describe());
    for d in diffs {
        let _ = writeln!(
            s,
            "{}{}",
            g.vertices[d.target as usize].label(),
            if d.runs {
                ""
            } else {
                " (runs only through the roles that include it)"
            }
        );
        let _ = writeln!(s, "  before: {}", d.before.join(", "));
        let _ = writeln!(s, "  after:  {}", d.after.join(", "));
        if !d.roles_removed.is_empty() {
            let _ = writeln!(s, "  no longer applies: {}", d.roles_removed.join(", "));
        }
        if !d.roles_added.is_empty() {
            let _ = writeln!(s, "  now applies: {}", d.roles_added.join(", "));
        }
    }
    s
}

/// The text of `herd roles explain`.
pub fn expansion(x: &Expansion) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} in environment {}: {}",
        x.top,
        x.env,
        plural(x.recipes.len(), "recipe", "recipes")
    );
    let width = x
        .recipes
        .iter()
        .map(|r| r.item.chars().count())
        .max()
        .unwrap_or(0);
    for (i, r) in x.recipes.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {:>3}. {:<width$}  via {}",
            i + 1,
            r.item,
            r.path.join(" → ")
        );
    }
    if !x.roles.is_empty() {
        let roles: Vec<&str> = x.roles.iter().map(|r| r.item.as_str()).collect();
        let _ = writeln!(s, "Roles applied, in order: {}", roles.join(", "));
    }
    if !x.skipped.is_empty() {
        let _ = writeln!(s, "Skipped as Chef skips them:");
        for k in &x.skipped {
            let _ = writeln!(
                s,
                "  {} ({}), listed by {}",
                k.item,
                k.reason,
                k.path.last().map_or(x.top.as_str(), String::as_str)
            );
        }
    }
    for m in &x.missing {
        let _ = writeln!(
            s,
            "Missing: {} (included by {}): Chef stops this run with MissingRole",
            m.item,
            m.path.last().map_or(x.top.as_str(), String::as_str)
        );
    }
    for c in &x.conflicts {
        let _ = writeln!(s, "Conflict: {c}: Chef stops with CookbookVersionConflict");
    }
    for (what, attrs) in [
        ("Default", &x.default_attributes),
        ("Override", &x.override_attributes),
    ] {
        if attrs.as_object().is_some_and(|o| !o.is_empty()) {
            let pretty = serde_json::to_string_pretty(attrs).unwrap_or_default();
            let _ = writeln!(
                s,
                "{what} attributes from the roles (merged as Chef merges them):"
            );
            for line in pretty.lines() {
                let _ = writeln!(s, "  {line}");
            }
        }
    }
    s
}

/// The text of `herd roles explain --reverse`.
pub fn includers(g: &Graph, item: u32, inc: &[Includer]) -> String {
    let mut s = String::new();
    let direct: Vec<&Includer> = inc.iter().filter(|i| i.path.len() == 2).collect();
    let _ = writeln!(
        s,
        "{} is listed by {} directly and reached from {} in all",
        g.vertices[item as usize].label(),
        plural(direct.len(), "role or node", "roles or nodes"),
        plural(inc.len(), "role or node", "roles or nodes"),
    );
    if !direct.is_empty() {
        s.push_str("Directly:\n");
        for i in &direct {
            let e = g.inc[item as usize]
                .iter()
                .copied()
                .find(|&e| g.edges[e as usize].from == i.vertex);
            let _ = writeln!(
                s,
                "  {}{}",
                g.vertices[i.vertex as usize].label(),
                e.map(|e| at(g, e)).unwrap_or_default()
            );
        }
    }
    let through: Vec<&Includer> = inc.iter().filter(|i| i.path.len() > 2).collect();
    if !through.is_empty() {
        s.push_str("Through other roles:\n");
        for i in through {
            let _ = writeln!(s, "  {}", path_text(g, &i.path));
        }
    }
    s
}
