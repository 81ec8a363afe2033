//! What to untangle: cycles and the entries that break them, redundant entries, depth, fan-in,
//! unused, missing and identical roles, and a ranked list of changes with their effects.
//! One file per analysis; the words of the advice are in [`crate::render::advice`].
//!
//! * [`cycles`]: cycles and the feedback set, cut where the cut changes least of what runs.
//! * [`redundant`]: entries already reached through another entry of the same run list.
//! * [`depth`]: the longest chain of role entries below each role.
//! * [`usage`]: fan-in, unused, missing and identical roles.
//! * [`suggest`]: the ranked changes, each with its effect ([`crate::effect`]), computed up to
//!   [`EFFECT_BUDGET`] run-list entries visited for the whole analysis.

mod cycles;
mod depth;
mod redundant;
mod suggest;
#[cfg(test)]
mod tests;
mod usage;

use serde::Serialize;

pub use crate::render::advice::path_text;
pub use cycles::{Cycle, EXACT_EDGES};
pub use redundant::Redundant;
pub use suggest::{Action, Alternative, Suggestion};
pub use usage::Missing;

use crate::effect::{Edit, Effect, Simulator};
use crate::graph::{EdgeKind, Graph};
use crate::scc::tarjan;

/// Run-list entries visited while expanding for effects before the rest are left uncomputed:
/// on the 10,000-role, 50,000-node benchmark repository this keeps the whole analysis near
/// 0.25 s (`bench/roles/README.md`); the corpus repositories need a small fraction of it.
pub const EFFECT_BUDGET: usize = 2_000_000;

/// At most this much of the budget goes to one change (a change touching every node of a
/// large repository would otherwise leave nothing for the rest).
pub const EFFECT_LIMIT: usize = 500_000;

/// Everything found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Analysis {
    /// Cycles.
    pub cycles: Vec<Cycle>,
    /// The fewest entries to remove to break every cycle (edge ids).
    pub feedback: Vec<u32>,
    /// Whether every component's feedback set is known to be the smallest.
    pub feedback_exact: bool,
    /// Redundant entries.
    pub redundant: Vec<Redundant>,
    /// Depth per vertex (roles; 0 for others).
    pub depth: Vec<u32>,
    /// The deepest chain of roles: role ids from the top.
    pub deepest: Vec<u32>,
    /// Fan-in per vertex: how many roles and nodes list it.
    pub fan_in: Vec<u32>,
    /// Defined roles that no role or node lists.
    pub unused: Vec<u32>,
    /// Missing roles.
    pub missing: Vec<Missing>,
    /// Groups of defined roles with the same non-empty run list.
    pub identical: Vec<Vec<u32>>,
    /// For each group in `identical`, whether the roles' attributes are identical too (only
    /// then are they true duplicates worth merging).
    pub identical_attributes: Vec<bool>,
    /// Suggested changes, most useful first.
    pub untangle: Vec<Suggestion>,
    /// Whether each edge lies on a cycle.
    pub on_cycle: Vec<bool>,
}

/// The run-list graph's vertices in topological order (every owner before the items it
/// lists), or `None` when it has a cycle.
pub fn topological_order(g: &Graph) -> Option<Vec<u32>> {
    let adj: Vec<Vec<u32>> = (0..g.vertices.len() as u32)
        .map(|v| g.run_list(v).map(|e| e.to).collect())
        .collect();
    if adj
        .iter()
        .enumerate()
        .any(|(v, succ)| succ.contains(&(v as u32)))
    {
        return None;
    }
    let (comps, _) = tarjan(&adj);
    if comps.iter().any(|c| c.len() > 1) {
        return None;
    }
    // Tarjan emits sinks first.
    Some(comps.into_iter().rev().map(|c| c[0]).collect())
}

/// Analyses `g`.
pub fn analyse(g: &Graph) -> Analysis {
    let n = g.vertices.len();
    let adj: Vec<Vec<u32>> = (0..n as u32)
        .map(|v| g.run_list(v).map(|e| e.to).collect())
        .collect();
    let (comps, comp) = tarjan(&adj);
    let mut a = Analysis {
        fan_in: usage::fan_in(g),
        feedback_exact: true,
        on_cycle: vec![false; g.edges.len()],
        ..Analysis::default()
    };
    let mut sim = Budget {
        sim: Simulator::new(g),
        left: EFFECT_BUDGET,
    };
    cycles::cycles(g, &comps, &comp, &mut a, &mut sim);
    depth::depth(g, &comps, &comp, &mut a);
    a.redundant = redundant::redundant(g, &comps, &comp);
    usage::unused_and_missing(g, &mut a);
    usage::identical(g, &mut a);
    a.untangle = suggest::suggestions(g, &a, &mut sim);
    a
}

/// A simulator with a limit on the work spent.
struct Budget<'g> {
    sim: Simulator<'g>,
    left: usize,
}

impl Budget<'_> {
    /// The effect of `edit`, or `None` when finding it would take more than
    /// [`EFFECT_LIMIT`] or the whole budget is spent.
    fn effect(&mut self, edit: &Edit) -> Option<Effect> {
        if self.left == 0 {
            return None;
        }
        let (e, spent) = self.sim.effect_within(edit, EFFECT_LIMIT.min(self.left));
        self.left = self.left.saturating_sub(spent.max(1));
        e
    }
}

/// Run-list edge ids out of `v`, in order.
pub(crate) fn run_list_ids(g: &Graph, v: u32) -> impl Iterator<Item = u32> + '_ {
    g.out[v as usize]
        .iter()
        .copied()
        .filter(|&e| g.edges[e as usize].kind == EdgeKind::RunList)
}
