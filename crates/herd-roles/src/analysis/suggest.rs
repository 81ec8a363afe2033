//! The ranked list of changes ("untangle first"), each with its computed effect. The words
//! are written by [`crate::render::advice`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::{run_list_ids, Analysis, Budget, Redundant};
use crate::effect::{Edit, Effect};
use crate::graph::Graph;
use crate::render::advice;

/// What a suggested change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Remove an entry that closes a cycle.
    BreakCycle,
    /// Create a role, or remove the entries naming it.
    FixMissing,
    /// Correct a run-list item Chef rejects (`Role[cache]`).
    FixInvalid,
    /// Remove entries already reached through another entry.
    RemoveRedundant,
    /// Merge roles with identical run lists.
    MergeIdentical,
    /// Delete a role nothing uses.
    DeleteUnused,
}

/// One suggested change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// What kind of change.
    pub action: Action,
    /// The change, in words.
    pub change: String,
    /// Why.
    pub reason: String,
    /// How many run-list entries it removes.
    pub edges_removed: usize,
    /// The entries to remove (edge ids), when the change is a removal.
    pub edges: Vec<u32>,
    /// What the change does to expanded run lists (`None`: not computed, over
    /// [`EFFECT_BUDGET`], or not a run-list change).
    pub effect: Option<Effect>,
    /// For a cycle cut that changes what runs: every other entry of the cycle and its effect.
    pub alternatives: Vec<Alternative>,
}

/// Another way to make the same change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alternative {
    /// The change, in words.
    pub change: String,
    /// The entry it removes (edge id).
    pub edge: u32,
    /// Its effect.
    pub effect: Option<Effect>,
}

impl Suggestion {
    /// Whether the change leaves every expanded run list that runs as it is (unknown effects
    /// are not safe).
    pub fn is_safe(&self) -> bool {
        self.effect.as_ref().is_some_and(Effect::is_safe)
    }
}

pub(super) fn suggestions(g: &Graph, a: &Analysis, sim: &mut Budget<'_>) -> Vec<Suggestion> {
    let mut out = Vec::new();
    // The edit behind each suggestion whose effect is computed once they are ranked, so that
    // the budget goes to the suggestions shown first.
    let mut edits: Vec<Option<Edit>> = Vec::new();
    for &e in &a.feedback {
        let cycle = a.cycles.iter().find(|c| c.edges.contains(&e));
        let reason = advice::break_cycle(g, e, cycle);
        let effect = sim.effect(&Edit::remove(&[e]));
        // When the chosen cut changes what runs, every other cut of the cycle does too (the
        // choice prefers the one changing least): show them all, with what each would change.
        let alternatives = match (cycle, &effect) {
            (Some(c), Some(x)) if !x.is_safe() => c
                .edges
                .iter()
                .filter(|&&o| o != e && !a.feedback.contains(&o))
                .take(10)
                .map(|&o| Alternative {
                    change: advice::remove(g, o),
                    edge: o,
                    effect: sim.effect(&Edit::remove(&[o])),
                })
                .collect(),
            _ => Vec::new(),
        };
        edits.push(None);
        out.push(Suggestion {
            action: Action::BreakCycle,
            change: advice::remove(g, e),
            reason,
            edges_removed: 1,
            edges: vec![e],
            effect,
            alternatives,
        });
    }
    for m in &a.missing {
        let owners: Vec<u32> = m
            .referenced_by
            .iter()
            .map(|&e| g.edges[e as usize].from)
            .collect();
        edits.push(Some(Edit::remove(&m.referenced_by)));
        let (change, reason) = advice::fix_missing(g, m.role, &owners);
        out.push(Suggestion {
            action: Action::FixMissing,
            change,
            reason,
            edges_removed: owners.len(),
            effect: None,
            edges: m.referenced_by.clone(),
            alternatives: Vec::new(),
        });
    }
    for inv in &g.invalid {
        edits.push(None);
        let (change, reason) = advice::fix_invalid(g, inv);
        out.push(Suggestion {
            action: Action::FixInvalid,
            change,
            reason,
            edges_removed: 0,
            edges: Vec::new(),
            effect: None,
            alternatives: Vec::new(),
        });
    }
    let mut by_item: BTreeMap<u32, Vec<&Redundant>> = BTreeMap::new();
    for r in &a.redundant {
        by_item
            .entry(g.edges[r.edge as usize].to)
            .or_default()
            .push(r);
    }
    for (item, rs) in by_item {
        let owners: Vec<u32> = rs.iter().map(|r| g.edges[r.edge as usize].from).collect();
        let edges: Vec<u32> = rs.iter().map(|r| r.edge).collect();
        edits.push(Some(Edit::remove(&edges)));
        let (change, reason) = advice::remove_redundant(g, item, &owners, &rs[0].via);
        out.push(Suggestion {
            action: Action::RemoveRedundant,
            change,
            reason,
            edges_removed: rs.len(),
            effect: None,
            edges,
            alternatives: Vec::new(),
        });
    }
    for (group, _) in a
        .identical
        .iter()
        .zip(&a.identical_attributes)
        .filter(|(_, same)| **same)
    {
        let len = g.run_list(group[0]).count();
        let edit = Edit {
            remove: Vec::new(),
            redirect: group[1..].iter().map(|&v| (v, group[0])).collect(),
        };
        edits.push(Some(edit));
        let (change, reason) = advice::merge_identical(g, group, len);
        out.push(Suggestion {
            action: Action::MergeIdentical,
            change,
            reason,
            edges_removed: len * (group.len() - 1),
            edges: Vec::new(),
            effect: None,
            alternatives: Vec::new(),
        });
    }
    if g.nodes_read > 0 {
        for &r in &a.unused {
            let edges: Vec<u32> = run_list_ids(g, r).collect();
            edits.push(None);
            let (change, reason) = advice::delete_unused(g, r);
            out.push(Suggestion {
                action: Action::DeleteUnused,
                change,
                reason,
                edges_removed: edges.len(),
                // Nothing lists it, so nothing but the role itself can change.
                effect: Some(Effect::default()),
                edges,
                alternatives: Vec::new(),
            });
        }
    }
    // Cycles first (they make every other number approximate), then missing roles and
    // invalid items (Chef fails on them), then redundant entries, then merges and deletions
    // (which need a human to agree); within each, the changes that leave what runs as it is
    // first, then the change removing most entries.
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&x, &y| {
        let (x, y) = (&out[x], &out[y]);
        x.action
            .cmp(&y.action)
            .then_with(|| y.edges_removed.cmp(&x.edges_removed))
            .then_with(|| x.change.cmp(&y.change))
    });
    for &i in &order {
        if let Some(edit) = &edits[i] {
            out[i].effect = sim.effect(edit);
        }
    }
    let mut ranked: Vec<Suggestion> = order.into_iter().map(|i| out[i].clone()).collect();
    ranked.sort_by(|x, y| {
        x.action
            .cmp(&y.action)
            .then_with(|| y.is_safe().cmp(&x.is_safe()))
    });
    ranked
}
