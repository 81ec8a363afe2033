//! Cycles and the entries that break them.
//!
//! * **Cycles** are the strongly connected components of the run-list graph with more than one
//!   vertex, or with a self-loop (a role listing itself). Only roles can be on a cycle: recipes
//!   have no run lists and nothing lists a node.
//! * **Feedback set**: the fewest run-list entries whose removal leaves no cycle. Exact (search
//!   by increasing size) for a component of up to [`EXACT_EDGES`] internal entries, else the
//!   Eades–Lin–Smyth ordering heuristic followed by a pass that puts back every entry whose
//!   return makes no cycle, so the set is at least minimal. Among equal sets, the entries whose
//!   removal changes least of what runs come first ([`crate::effect`]: Chef applies each role
//!   once, so one entry of a cycle is usually inert), then entries whose owner is included by
//!   more roles (a widely shared role that lists one of its includers is the usual mistake).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Analysis, Budget};
use crate::effect::Edit;
use crate::graph::{EdgeKind, Graph};

/// Components with at most this many internal entries get an exact feedback set.
pub const EXACT_EDGES: usize = 20;

/// A cycle: a strongly connected component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cycle {
    /// The roles on it, sorted by name.
    pub members: Vec<u32>,
    /// One closed path through its first member: `a → b → c → a`.
    pub path: Vec<u32>,
    /// Its internal entries (edge ids).
    pub edges: Vec<u32>,
}

pub(super) fn cycles(
    g: &Graph,
    comps: &[Vec<u32>],
    comp: &[u32],
    a: &mut Analysis,
    sim: &mut Budget<'_>,
) {
    for (ci, members) in comps.iter().enumerate() {
        let internal: Vec<u32> = members
            .iter()
            .flat_map(|&v| g.out[v as usize].iter().copied())
            .filter(|&e| {
                let e = &g.edges[e as usize];
                e.kind == EdgeKind::RunList && comp[e.to as usize] == ci as u32
            })
            .collect();
        if internal.is_empty() {
            continue;
        }
        for &e in &internal {
            a.on_cycle[e as usize] = true;
        }
        let mut sorted = members.clone();
        sorted.sort_by(|x, y| {
            g.vertices[*x as usize]
                .name
                .cmp(&g.vertices[*y as usize].name)
        });
        let path = cycle_path(g, sorted[0], comp);
        // What removing each entry alone changes in what runs: the cut prefers inert entries.
        let cost: BTreeMap<u32, usize> = internal
            .iter()
            .map(|&e| {
                let w = sim.effect(&Edit::remove(&[e])).map_or(0, |x| x.weight());
                (e, w)
            })
            .collect();
        let (fs, exact) = feedback_set(g, &internal, &a.fan_in, &cost);
        a.feedback_exact &= exact;
        a.feedback.extend(fs);
        a.cycles.push(Cycle {
            members: sorted,
            path,
            edges: internal,
        });
    }
    a.cycles.sort_by(|x, y| {
        g.vertices[x.members[0] as usize]
            .name
            .cmp(&g.vertices[y.members[0] as usize].name)
    });
    a.feedback.sort_unstable();
}

/// The shortest closed path from `start` back to itself inside its component.
fn cycle_path(g: &Graph, start: u32, comp: &[u32]) -> Vec<u32> {
    let c = comp[start as usize];
    let mut parent: BTreeMap<u32, u32> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for e in g.run_list(v) {
            if comp[e.to as usize] != c {
                continue;
            }
            if e.to == start {
                let mut inner = Vec::new();
                let mut at = v;
                while at != start {
                    inner.push(at);
                    at = parent[&at];
                }
                inner.reverse();
                let mut out = vec![start];
                out.extend(inner);
                out.push(start);
                return out;
            }
            if e.to != start && !parent.contains_key(&e.to) {
                parent.insert(e.to, v);
                queue.push_back(e.to);
            }
        }
    }
    vec![start, start]
}

/// Whether the entries `edges` minus `removed` contain a cycle.
pub(super) fn has_cycle(g: &Graph, edges: &[u32], removed: &[bool]) -> bool {
    let mut adj: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let mut indeg: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, &e) in edges.iter().enumerate() {
        if removed[i] {
            continue;
        }
        let e = &g.edges[e as usize];
        adj.entry(e.from).or_default().push(e.to);
        indeg.entry(e.from).or_default();
        *indeg.entry(e.to).or_default() += 1;
    }
    // Kahn: a cycle remains iff not every vertex can be removed.
    let mut ready: Vec<u32> = indeg
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(v, _)| *v)
        .collect();
    let mut done = 0;
    while let Some(v) = ready.pop() {
        done += 1;
        for w in adj.get(&v).into_iter().flatten() {
            let d = indeg.get_mut(w).expect("every target has a degree");
            *d -= 1;
            if *d == 0 {
                ready.push(*w);
            }
        }
    }
    done < indeg.len()
}

/// The feedback set of one component's internal entries; `true` when known to be smallest.
fn feedback_set(
    g: &Graph,
    internal: &[u32],
    fan_in: &[u32],
    cost: &BTreeMap<u32, usize>,
) -> (Vec<u32>, bool) {
    // Self-loops are always in the set.
    let (loops, rest): (Vec<u32>, Vec<u32>) = internal
        .iter()
        .partition(|&&e| g.edges[e as usize].from == g.edges[e as usize].to);
    let mut edges = rest;
    // Preference order: entries whose removal changes least of what runs, then owners
    // included by many roles, then by name.
    edges.sort_by(|&x, &y| {
        let (ex, ey) = (&g.edges[x as usize], &g.edges[y as usize]);
        cost.get(&x)
            .cmp(&cost.get(&y))
            .then_with(|| fan_in[ey.from as usize].cmp(&fan_in[ex.from as usize]))
            .then_with(|| {
                g.vertices[ex.from as usize]
                    .name
                    .cmp(&g.vertices[ey.from as usize].name)
            })
            .then_with(|| {
                g.vertices[ex.to as usize]
                    .name
                    .cmp(&g.vertices[ey.to as usize].name)
            })
    });
    let mut removed = vec![false; edges.len()];
    if !has_cycle(g, &edges, &removed) {
        return (loops, true);
    }
    if edges.len() <= EXACT_EDGES {
        for k in 1..=edges.len() {
            if let Some(set) = first_breaking_subset(g, &edges, k) {
                let mut out = loops;
                out.extend(set);
                return (out, true);
            }
        }
    }
    // Eades–Lin–Smyth: order vertices, remove entries that point backwards.
    let order = els_order(g, &edges);
    for (i, &e) in edges.iter().enumerate() {
        let e = &g.edges[e as usize];
        removed[i] = order[&e.to] <= order[&e.from];
    }
    // Put back every entry whose return makes no cycle, the costliest first.
    for i in (0..edges.len()).rev() {
        if removed[i] {
            removed[i] = false;
            if has_cycle(g, &edges, &removed) {
                removed[i] = true;
            }
        }
    }
    let mut out = loops;
    out.extend(
        edges
            .iter()
            .zip(&removed)
            .filter(|(_, r)| **r)
            .map(|(e, _)| *e),
    );
    (out, false)
}

/// The first `k`-subset of `edges` (in lexicographic order) whose removal breaks every cycle.
fn first_breaking_subset(g: &Graph, edges: &[u32], k: usize) -> Option<Vec<u32>> {
    let n = edges.len();
    let mut idx: Vec<usize> = (0..k).collect();
    let mut removed = vec![false; n];
    loop {
        removed.fill(false);
        for &i in &idx {
            removed[i] = true;
        }
        if !has_cycle(g, edges, &removed) {
            return Some(idx.iter().map(|&i| edges[i]).collect());
        }
        // Next combination.
        let mut i = k;
        loop {
            if i == 0 {
                return None;
            }
            i -= 1;
            if idx[i] != i + n - k {
                break;
            }
        }
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

fn els_order(g: &Graph, edges: &[u32]) -> BTreeMap<u32, usize> {
    let mut out_e: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let mut in_e: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &e in edges {
        let e = &g.edges[e as usize];
        out_e.entry(e.from).or_default().push(e.to);
        in_e.entry(e.to).or_default().push(e.from);
        out_e.entry(e.to).or_default();
        in_e.entry(e.from).or_default();
    }
    let mut alive: std::collections::BTreeSet<u32> = out_e.keys().copied().collect();
    let live_deg =
        |m: &BTreeMap<u32, Vec<u32>>, v: u32, alive: &std::collections::BTreeSet<u32>| {
            m[&v].iter().filter(|w| alive.contains(w)).count()
        };
    let (mut s1, mut s2) = (Vec::new(), Vec::new());
    while !alive.is_empty() {
        let mut changed = true;
        while changed {
            changed = false;
            let verts: Vec<u32> = alive.iter().copied().collect();
            for v in verts {
                if live_deg(&out_e, v, &alive) == 0 {
                    alive.remove(&v);
                    s2.push(v);
                    changed = true;
                } else if live_deg(&in_e, v, &alive) == 0 {
                    alive.remove(&v);
                    s1.push(v);
                    changed = true;
                }
            }
        }
        if let Some(v) = alive.iter().copied().max_by_key(|&v| {
            (
                live_deg(&out_e, v, &alive) as i64 - live_deg(&in_e, v, &alive) as i64,
                std::cmp::Reverse(v),
            )
        }) {
            alive.remove(&v);
            s1.push(v);
        }
    }
    s2.reverse();
    s1.into_iter()
        .chain(s2)
        .enumerate()
        .map(|(i, v)| (v, i))
        .collect()
}
