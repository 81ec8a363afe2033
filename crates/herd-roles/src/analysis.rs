//! What to untangle: cycles and the entries that break them, redundant entries, depth, fan-in,
//! unused, missing and identical roles, and a ranked list of changes.
//!
//! # Theory of operation
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
//! * **Effects**: every suggestion carries what it does to expanded run lists, computed by
//!   expanding every role and node it can touch before and after ([`crate::effect`]), up to
//!   [`EFFECT_BUDGET`] run-list entries visited for the whole analysis.
//! * **Redundant entry**: an item of a run list that another item of the same list already
//!   reaches (`web: role[base], role[app]` where `app` lists `base`). Chef applies each role
//!   once, so the entry adds nothing — but when it comes *before* the item that reaches it,
//!   removing it moves it later in the expanded run list; such entries are marked `reorders`.
//!   Paths through the owner itself do not count. In a cycle two items can reach each other;
//!   then only the later one is reported.
//! * **Depth** of a role: the longest chain of role entries below it (0 for a role that lists no
//!   role). Roles on one cycle share a depth, counting the cycle as one step.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::effect::{Edit, Effect, Simulator};
use crate::graph::{EdgeKind, Graph, VertexKind};
use crate::scc::tarjan;

/// Components with at most this many internal entries get an exact feedback set.
pub const EXACT_EDGES: usize = 20;

/// Run-list entries visited while expanding for effects before the rest are left uncomputed
/// (a few seconds of work at most; see `docs/benchmarks.md`).
pub const EFFECT_BUDGET: usize = 40_000_000;

/// At most this much of the budget goes to one change (a change touching every node of a
/// large repository would otherwise leave nothing for the rest).
pub const EFFECT_LIMIT: usize = 4_000_000;

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

/// A redundant run-list entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redundant {
    /// The entry (edge id).
    pub edge: u32,
    /// The path that already brings the item in, from the other entry's item to this one.
    pub via: Vec<u32>,
    /// Whether the entry comes before the entry that reaches it (removing it changes the
    /// order of the expanded run list).
    pub reorders: bool,
}

/// A role referenced but not defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The role vertex.
    pub role: u32,
    /// The entries naming it (edge ids).
    pub referenced_by: Vec<u32>,
}

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

    let mut fan_in = vec![0u32; n];
    for e in &g.edges {
        if e.kind == EdgeKind::RunList {
            fan_in[e.to as usize] += 1;
        }
    }

    let mut a = Analysis {
        fan_in,
        feedback_exact: true,
        on_cycle: vec![false; g.edges.len()],
        ..Analysis::default()
    };
    let mut sim = Budget {
        sim: Simulator::new(g),
        left: EFFECT_BUDGET,
    };
    cycles(g, &comps, &comp, &mut a, &mut sim);
    depth(g, &comps, &comp, &mut a);
    a.redundant = redundant(g, &comps, &comp);
    for (i, v) in g.vertices.iter().enumerate() {
        if v.kind == VertexKind::Role && v.defined && a.fan_in[i] == 0 {
            a.unused.push(i as u32);
        }
        if v.kind == VertexKind::Role && !v.defined {
            a.missing.push(Missing {
                role: i as u32,
                referenced_by: g.inc[i].clone(),
            });
        }
    }
    identical(g, &mut a);
    a.untangle = suggestions(g, &a, &mut sim);
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

fn cycles(g: &Graph, comps: &[Vec<u32>], comp: &[u32], a: &mut Analysis, sim: &mut Budget<'_>) {
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
fn has_cycle(g: &Graph, edges: &[u32], removed: &[bool]) -> bool {
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

fn depth(g: &Graph, comps: &[Vec<u32>], comp: &[u32], a: &mut Analysis) {
    let mut cdepth = vec![0u32; comps.len()];
    let mut next: Vec<Option<u32>> = vec![None; comps.len()];
    // Components come sinks first, so successors are done before their predecessors.
    for (ci, members) in comps.iter().enumerate() {
        for &v in members {
            if g.vertices[v as usize].kind != VertexKind::Role {
                continue;
            }
            for e in g.run_list(v) {
                let cj = comp[e.to as usize] as usize;
                if cj != ci
                    && g.vertices[e.to as usize].kind == VertexKind::Role
                    && cdepth[cj] + 1 > cdepth[ci]
                {
                    cdepth[ci] = cdepth[cj] + 1;
                    next[ci] = Some(e.to);
                }
            }
        }
    }
    a.depth = (0..g.vertices.len())
        .map(|v| cdepth[comp[v] as usize])
        .collect();
    let top = (0..g.vertices.len())
        .filter(|&v| g.vertices[v].kind == VertexKind::Role)
        .max_by_key(|&v| (a.depth[v], std::cmp::Reverse(v)));
    if let Some(mut v) = top.map(|v| v as u32) {
        a.deepest.push(v);
        while let Some(w) = next[comp[v as usize] as usize] {
            a.deepest.push(w);
            v = w;
        }
    }
}

/// Redundant entries of every run list (see the module notes).
fn redundant(g: &Graph, comps: &[Vec<u32>], comp: &[u32]) -> Vec<Redundant> {
    let n = g.vertices.len();
    let acyclic = comps.iter().all(|c| c.len() == 1)
        && g.edges
            .iter()
            .all(|e| e.kind != EdgeKind::RunList || e.from != e.to);
    let bits = if acyclic {
        Descendants::new(g, comps)
    } else {
        None
    };
    let mut stamp = vec![0u32; n];
    let mut parent = vec![u32::MAX; n];
    // Position of each item vertex in the current list (u32::MAX: not in it).
    let mut slot = vec![u32::MAX; n];
    let mut gen = 0u32;
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for owner in 0..n as u32 {
        let list: Vec<u32> = run_list_ids(g, owner).collect();
        if list.len() < 2 {
            continue;
        }
        for (i, &e) in list.iter().enumerate() {
            slot[g.edges[e as usize].to as usize] = i as u32;
        }
        let k = list.len();
        let to = |i: usize| g.edges[list[i] as usize].to;
        if let Some(b) = &bits {
            // Descendant sets known: x is redundant when another item's set holds it.
            for (xi, &edge) in list.iter().enumerate() {
                let x = to(xi);
                if let Some(yi) = (0..k).find(|&yi| yi != xi && b.reaches(to(yi), x)) {
                    let via = b.path(g, to(yi), x);
                    out.push(Redundant {
                        edge,
                        via,
                        reorders: xi < yi,
                    });
                }
            }
        } else if acyclic {
            // One search per list, sharing the visited set, is exact on a graph without
            // cycles: a vertex first reached from one item cannot lead back to that item.
            gen += 1;
            for yi in 0..k {
                stack.clear();
                let y = to(yi);
                for e in g.run_list(y) {
                    if stamp[e.to as usize] != gen {
                        stamp[e.to as usize] = gen;
                        parent[e.to as usize] = y;
                        stack.push(e.to);
                    }
                }
                while let Some(v) = stack.pop() {
                    let xi = slot[v as usize];
                    if xi != u32::MAX {
                        let via = path_to(&parent, y, v);
                        out.push(Redundant {
                            edge: list[xi as usize],
                            via,
                            reorders: (xi as usize) < yi,
                        });
                    }
                    for e in g.run_list(v) {
                        if stamp[e.to as usize] != gen {
                            stamp[e.to as usize] = gen;
                            parent[e.to as usize] = v;
                            stack.push(e.to);
                        }
                    }
                }
            }
        } else {
            // Search from each item on its own, avoiding the owner — and, when the owner is on
            // a cycle, its whole cycle: otherwise two roles of one cycle could each call an
            // entry redundant because of the other's copy, and removing both would lose it.
            // Decide from the last item back so that of two items that reach each other the
            // earlier one stays.
            let oc = comp[owner as usize];
            let on_cycle = comps[oc as usize].len() > 1;
            let avoid = |v: u32| v == owner || (on_cycle && comp[v as usize] == oc);
            let mut reach = vec![vec![false; k]; k];
            for (yi, row) in reach.iter_mut().enumerate() {
                if avoid(to(yi)) {
                    // A role listing itself, or a role of its own cycle, cannot vouch for an
                    // entry.
                    continue;
                }
                gen += 1;
                stack.clear();
                stack.push(to(yi));
                stamp[to(yi) as usize] = gen;
                while let Some(v) = stack.pop() {
                    for e in g.run_list(v) {
                        if avoid(e.to) {
                            continue;
                        }
                        let xi = slot[e.to as usize];
                        if xi != u32::MAX && xi as usize != yi {
                            row[xi as usize] = true;
                        }
                        if stamp[e.to as usize] != gen {
                            stamp[e.to as usize] = gen;
                            stack.push(e.to);
                        }
                    }
                }
            }
            let mut flagged = vec![false; k];
            for xi in (0..k).rev() {
                if let Some(yi) = (0..k).find(|&yi| yi != xi && !flagged[yi] && reach[yi][xi]) {
                    flagged[xi] = true;
                    gen += 1;
                    let via = search_path(g, to(yi), to(xi), &avoid, &mut stamp, &mut parent, gen);
                    out.push(Redundant {
                        edge: list[xi],
                        via,
                        reorders: xi < yi,
                    });
                }
            }
        }
        for &e in &list {
            slot[g.edges[e as usize].to as usize] = u32::MAX;
        }
    }
    out.sort_by_key(|r| r.edge);
    out
}

/// At most this many bits for all descendant sets together (64 MiB); larger graphs search.
const MAX_DESCENDANT_BITS: usize = 512 << 20;

/// The descendant set of every vertex of an acyclic graph that has a run list and is listed
/// itself (the roles), as bitsets over the vertices that are listed (roles and recipes).
struct Descendants {
    /// Bit index of each vertex (`u32::MAX`: never listed).
    bit: Vec<u32>,
    /// Row of each vertex (`u32::MAX`: no set).
    row: Vec<u32>,
    words: usize,
    sets: Vec<u64>,
}

impl Descendants {
    #[allow(clippy::many_single_char_names)] // g, n, d, v, r, e, b: graph-walking shorthands
    fn new(g: &Graph, comps: &[Vec<u32>]) -> Option<Self> {
        let n = g.vertices.len();
        let mut bit = vec![u32::MAX; n];
        let mut listed = 0u32;
        for e in &g.edges {
            if e.kind == EdgeKind::RunList && bit[e.to as usize] == u32::MAX {
                bit[e.to as usize] = listed;
                listed += 1;
            }
        }
        let mut row = vec![u32::MAX; n];
        let mut rows = 0u32;
        for v in 0..n {
            if bit[v] != u32::MAX && g.run_list(v as u32).next().is_some() {
                row[v] = rows;
                rows += 1;
            }
        }
        let words = (listed as usize).div_ceil(64);
        if words * 64 * rows as usize > MAX_DESCENDANT_BITS {
            return None;
        }
        let mut d = Descendants {
            bit,
            row,
            words,
            sets: vec![0u64; words * rows as usize],
        };
        // Sinks first: every child's set is complete before its parents read it.
        let mut acc = vec![0u64; words];
        for c in comps {
            let v = c[0];
            let r = d.row[v as usize];
            if r == u32::MAX {
                continue;
            }
            acc.fill(0);
            for e in g.run_list(v) {
                let b = d.bit[e.to as usize] as usize;
                acc[b / 64] |= 1 << (b % 64);
                let cr = d.row[e.to as usize];
                if cr != u32::MAX {
                    let child = &d.sets[cr as usize * words..(cr as usize + 1) * words];
                    for (a, c) in acc.iter_mut().zip(child) {
                        *a |= c;
                    }
                }
            }
            d.sets[r as usize * words..(r as usize + 1) * words].copy_from_slice(&acc);
        }
        Some(d)
    }

    /// Whether `from` reaches `to` through at least one entry.
    fn reaches(&self, from: u32, to: u32) -> bool {
        let (r, b) = (self.row[from as usize], self.bit[to as usize]);
        if r == u32::MAX || b == u32::MAX {
            return false;
        }
        let b = b as usize;
        self.sets[r as usize * self.words + b / 64] & (1 << (b % 64)) != 0
    }

    /// A path from `from` to `to`, following at each step the first entry that still reaches it.
    fn path(&self, g: &Graph, from: u32, to: u32) -> Vec<u32> {
        let mut path = vec![from];
        let mut at = from;
        while at != to {
            let Some(next) = g
                .run_list(at)
                .map(|e| e.to)
                .find(|&c| c == to || self.reaches(c, to))
            else {
                break;
            };
            path.push(next);
            at = next;
        }
        path
    }
}

/// Run-list edge ids out of `v`, in order.
fn run_list_ids(g: &Graph, v: u32) -> impl Iterator<Item = u32> + '_ {
    g.out[v as usize]
        .iter()
        .copied()
        .filter(|&e| g.edges[e as usize].kind == EdgeKind::RunList)
}

fn path_to(parent: &[u32], from: u32, to: u32) -> Vec<u32> {
    let mut path = vec![to];
    let mut at = to;
    let mut guard = parent.len();
    while at != from && guard > 0 {
        at = parent[at as usize];
        if at == u32::MAX {
            break;
        }
        path.push(at);
        guard -= 1;
    }
    path.reverse();
    path
}

/// A path from `from` to `to` through no vertex `avoid` accepts (breadth first, so shortest).
fn search_path(
    g: &Graph,
    from: u32,
    to: u32,
    avoid: &dyn Fn(u32) -> bool,
    stamp: &mut [u32],
    parent: &mut [u32],
    gen: u32,
) -> Vec<u32> {
    let mut queue = std::collections::VecDeque::from([from]);
    stamp[from as usize] = gen;
    while let Some(v) = queue.pop_front() {
        for e in g.run_list(v) {
            if avoid(e.to) || stamp[e.to as usize] == gen {
                continue;
            }
            stamp[e.to as usize] = gen;
            parent[e.to as usize] = v;
            if e.to == to {
                return path_to(parent, from, to);
            }
            queue.push_back(e.to);
        }
    }
    vec![from, to]
}

fn identical(g: &Graph, a: &mut Analysis) {
    let mut groups: BTreeMap<Vec<(u32, Option<String>)>, Vec<u32>> = BTreeMap::new();
    for (i, v) in g.vertices.iter().enumerate() {
        if v.kind != VertexKind::Role || !v.defined {
            continue;
        }
        let list: Vec<(u32, Option<String>)> = g
            .run_list(i as u32)
            .map(|e| (e.to, e.version.clone()))
            .collect();
        if !list.is_empty() {
            groups.entry(list).or_default().push(i as u32);
        }
    }
    a.identical = groups.into_values().filter(|g| g.len() > 1).collect();
    a.identical.sort();
    a.identical_attributes = a
        .identical
        .iter()
        .map(|grp| {
            grp.iter().all(|&v| {
                g.vertices[v as usize].attributes == g.vertices[grp[0] as usize].attributes
            })
        })
        .collect();
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn names(g: &Graph, ids: &[u32], max: usize) -> String {
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

fn remove_text(g: &Graph, e: u32) -> String {
    let edge = &g.edges[e as usize];
    format!(
        "remove {} from the run list of {}",
        g.vertices[edge.to as usize].label(),
        g.vertices[edge.from as usize].label()
    )
}

fn suggestions(g: &Graph, a: &Analysis, sim: &mut Budget<'_>) -> Vec<Suggestion> {
    let mut out = Vec::new();
    // The edit behind each suggestion whose effect is computed once they are ranked, so that
    // the budget goes to the suggestions shown first.
    let mut edits: Vec<Option<Edit>> = Vec::new();
    for &e in &a.feedback {
        let edge = &g.edges[e as usize];
        let from = &g.vertices[edge.from as usize];
        let cycle = a.cycles.iter().find(|c| c.edges.contains(&e));
        let reason = match cycle {
            Some(c) if c.members.len() == 1 => format!("{} lists itself", from.label()),
            Some(c) => format!("breaks the cycle {}", path_text(g, &c.path)),
            None => String::from("breaks a cycle"),
        };
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
                    change: remove_text(g, o),
                    edge: o,
                    effect: sim.effect(&Edit::remove(&[o])),
                })
                .collect(),
            _ => Vec::new(),
        };
        edits.push(None);
        out.push(Suggestion {
            action: Action::BreakCycle,
            change: remove_text(g, e),
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
        let role = &g.vertices[m.role as usize];
        edits.push(Some(Edit::remove(&m.referenced_by)));
        out.push(Suggestion {
            action: Action::FixMissing,
            change: format!(
                "create {} or remove it from {} run list{}",
                role.label(),
                owners.len(),
                if owners.len() == 1 { "" } else { "s" }
            ),
            reason: format!(
                "listed by {}, but no role file defines it: Chef stops with MissingRole",
                names(g, &owners, 5)
            ),
            edges_removed: owners.len(),
            effect: None,
            edges: m.referenced_by.clone(),
            alternatives: Vec::new(),
        });
    }
    for inv in &g.invalid {
        let owner = inv.owner.map_or_else(
            || inv.file.display().to_string(),
            |o| g.vertices[o as usize].label(),
        );
        let place = match inv.pos {
            Some(p) => format!("{}:{p}", inv.file.display()),
            None => inv.file.display().to_string(),
        };
        edits.push(None);
        out.push(Suggestion {
            action: Action::FixInvalid,
            change: format!("correct the run-list item of {owner} at {place}"),
            reason: format!(
                "{}: Chef refuses to load the file",
                inv.message.trim_end_matches("; entry skipped")
            ),
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
        let example = rs[0];
        // Whether the run order changes is in the effect, computed, not guessed from the
        // entry's position.
        let reason = format!(
            "each already reaches it through another entry of the same run list (e.g. {}: {})",
            g.vertices[owners[0] as usize].label(),
            path_text(g, &example.via)
        );
        let edges: Vec<u32> = rs.iter().map(|r| r.edge).collect();
        edits.push(Some(Edit::remove(&edges)));
        out.push(Suggestion {
            action: Action::RemoveRedundant,
            change: format!(
                "remove {} from {} run list{} ({})",
                g.vertices[item as usize].label(),
                rs.len(),
                if rs.len() == 1 { "" } else { "s" },
                names(g, &owners, 5)
            ),
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
        out.push(Suggestion {
            action: Action::MergeIdentical,
            change: format!("merge roles {} into one", names(g, group, 5)),
            reason: format!(
                "their run lists and attributes are identical ({} each)",
                plural(len, "entry", "entries")
            ),
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
            out.push(Suggestion {
                action: Action::DeleteUnused,
                change: format!("delete unused {}", g.vertices[r as usize].label()),
                reason: format!(
                    "no role and none of the {} nodes read lists it",
                    g.nodes_read
                ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Options;
    use crate::repo::Repository;
    use crate::testutil::role;

    fn graph(roles: &[(&str, &[&str])]) -> Graph {
        let roles = roles.iter().map(|(k, items)| role(k, items)).collect();
        Graph::build(
            &Repository::from_parts(roles, vec![], vec![]),
            &Options::default(),
        )
    }

    fn edge_text(g: &Graph, e: u32) -> String {
        let e = &g.edges[e as usize];
        format!(
            "{}>{}",
            g.vertices[e.from as usize].name, g.vertices[e.to as usize].name
        )
    }

    #[test]
    fn knife_deps_cycles_are_found_and_broken_by_one_entry() {
        let g = graph(&[
            ("foo", &["role[bar]"]),
            ("bar", &["role[baz]"]),
            ("baz", &["role[foo]"]),
            ("self", &["role[self]"]),
        ]);
        let a = analyse(&g);
        assert_eq!(a.cycles.len(), 2);
        assert_eq!(
            path_text(&g, &a.cycles[0].path),
            "role[bar] → role[baz] → role[foo] → role[bar]"
        );
        assert_eq!(path_text(&g, &a.cycles[1].path), "role[self] → role[self]");
        assert_eq!(a.feedback.len(), 2);
        assert!(a.feedback_exact);
        assert_eq!(a.untangle[0].action, Action::BreakCycle);
    }

    #[test]
    fn the_inert_cut_wins_over_the_widely_included_role() {
        // base is listed by web, db and app; app lists base back. Removing role[app] from base
        // would stop web and db applying app; removing role[base] from app changes nothing
        // they run, so that is the cut, though base is the widely included role.
        let g = graph(&[
            ("base", &["role[app]"]),
            ("app", &["role[base]"]),
            ("web", &["role[base]"]),
            ("db", &["role[base]"]),
        ]);
        let a = analyse(&g);
        let fs: Vec<String> = a.feedback.iter().map(|&e| edge_text(&g, e)).collect();
        assert_eq!(fs, vec!["app>base"]);
    }

    #[test]
    fn the_cycle_is_cut_where_the_cut_changes_nothing_that_runs() {
        // The example: cutting monitoring from base would take collectd from web and
        // db; cutting base from monitoring changes nothing they run.
        let g = graph(&[
            ("base", &["ntp", "role[monitoring]"]),
            ("monitoring", &["collectd", "role[base]"]),
            ("web", &["role[base]", "nginx"]),
            ("db", &["role[base]", "postgresql"]),
        ]);
        let a = analyse(&g);
        let fs: Vec<String> = a.feedback.iter().map(|&e| edge_text(&g, e)).collect();
        assert_eq!(fs, vec!["monitoring>base"]);
        let s = &a.untangle[0];
        assert_eq!(
            s.change,
            "remove role[base] from the run list of role[monitoring]"
        );
        assert!(s.is_safe());
        assert!(s.alternatives.is_empty());
        assert!(s
            .effect
            .as_ref()
            .unwrap()
            .describe()
            .starts_with("changes no expanded run list that runs"));
    }

    #[test]
    fn when_every_cut_changes_something_each_cut_says_what() {
        // a and b list each other; web includes a, db includes b: whichever entry goes, one
        // of them loses a recipe.
        let g = graph(&[
            ("a", &["x", "role[b]"]),
            ("b", &["y", "role[a]"]),
            ("web", &["role[a]"]),
            ("db", &["role[b]"]),
        ]);
        let a = analyse(&g);
        let s = &a.untangle[0];
        assert_eq!(s.action, Action::BreakCycle);
        assert!(!s.is_safe());
        assert_eq!(s.change, "remove role[b] from the run list of role[a]");
        assert_eq!(
            s.effect.as_ref().unwrap().describe(),
            "role[web] would lose recipe[y] and no longer apply role[b] (nor its attributes) \
             (on its own, role[a] would lose recipe[y] and no longer apply role[b] (nor its attributes); \
             nothing runs it on its own)"
        );
        assert_eq!(s.alternatives.len(), 1);
        assert_eq!(
            s.alternatives[0].change,
            "remove role[a] from the run list of role[b]"
        );
        let alt = s.alternatives[0].effect.as_ref().unwrap();
        assert_eq!(alt.changes[0].targets, ["role[db]"]);
        assert_eq!(alt.changes[0].removed, ["recipe[x]"]);
    }

    #[test]
    fn an_entry_reached_through_another_entry_is_redundant() {
        let g = graph(&[
            ("base", &["ntp"]),
            ("app", &["role[base]", "rails"]),
            ("web", &["role[base]", "role[app]", "ntp"]),
        ]);
        let a = analyse(&g);
        let r: Vec<(String, String, bool)> = a
            .redundant
            .iter()
            .map(|r| (edge_text(&g, r.edge), path_text(&g, &r.via), r.reorders))
            .collect();
        assert_eq!(
            r,
            vec![
                (
                    "web>base".to_string(),
                    "role[app] → role[base]".to_string(),
                    true
                ),
                (
                    "web>ntp".to_string(),
                    "role[base] → recipe[ntp]".to_string(),
                    false
                ),
            ]
        );
    }

    #[test]
    fn items_that_reach_each_other_through_a_cycle_keep_the_first() {
        let g = graph(&[
            ("a", &["role[b]"]),
            ("b", &["role[a]"]),
            ("top", &["role[a]", "role[b]"]),
        ]);
        let a = analyse(&g);
        let r: Vec<String> = a.redundant.iter().map(|r| edge_text(&g, r.edge)).collect();
        assert_eq!(r, vec!["top>b"]);
    }

    #[test]
    fn a_role_listing_itself_makes_nothing_redundant() {
        let g = graph(&[("self", &["role[self]", "x"])]);
        assert!(analyse(&g).redundant.is_empty());
    }

    #[test]
    fn a_path_through_the_owner_does_not_make_an_entry_redundant() {
        // a lists b and x; b lists a (cycle). b reaches x only through a itself.
        let g = graph(&[("a", &["role[b]", "x"]), ("b", &["role[a]"])]);
        let a = analyse(&g);
        assert!(a.redundant.is_empty(), "{:?}", a.redundant);
    }

    #[test]
    fn depth_counts_role_levels_and_the_deepest_chain_is_reported() {
        let g = graph(&[
            ("machine", &["role[site]"]),
            ("site", &["role[country]", "x"]),
            ("country", &["role[base]"]),
            ("base", &["ntp"]),
        ]);
        let a = analyse(&g);
        let id = |n: &str| g.find(n).unwrap() as usize;
        assert_eq!((a.depth[id("machine")], a.depth[id("base")]), (3, 0));
        assert_eq!(
            path_text(&g, &a.deepest),
            "role[machine] → role[site] → role[country] → role[base]"
        );
    }

    #[test]
    fn fan_in_unused_missing_and_identical_are_counted() {
        let g = graph(&[
            ("a", &["role[base]", "role[monitor]"]),
            ("b", &["role[base]", "role[monitor]"]),
            ("base", &["ntp"]),
        ]);
        let a = analyse(&g);
        let id = |n: &str| g.find(n).unwrap();
        assert_eq!(a.fan_in[id("base") as usize], 2);
        assert_eq!(a.fan_in[id("recipe[ntp]") as usize], 1);
        assert_eq!(a.unused, vec![id("a"), id("b")]);
        assert_eq!(a.missing.len(), 1);
        assert_eq!(a.missing[0].role, id("monitor"));
        assert_eq!(a.identical, vec![vec![id("a"), id("b")]]);
        assert_eq!(a.untangle[0].action, Action::FixMissing);
        assert_eq!(a.untangle[1].action, Action::MergeIdentical);
    }

    #[test]
    fn a_large_component_uses_the_heuristic_and_still_breaks_every_cycle() {
        // A complete digraph on 7 roles: 42 entries, above the exact limit.
        let names: Vec<String> = (0..7).map(|i| format!("r{i}")).collect();
        let items: Vec<Vec<String>> = (0..7)
            .map(|i| {
                (0..7)
                    .filter(|&j| j != i)
                    .map(|j| format!("role[r{j}]"))
                    .collect()
            })
            .collect();
        let refs: Vec<Vec<&str>> = items
            .iter()
            .map(|v| v.iter().map(String::as_str).collect())
            .collect();
        let roles: Vec<(&str, &[&str])> = names
            .iter()
            .zip(&refs)
            .map(|(n, r)| (n.as_str(), r.as_slice()))
            .collect();
        let g = graph(&roles);
        let a = analyse(&g);
        assert!(!a.feedback_exact);
        // Any acyclic tournament keeps at most 21 of the 42 entries, so at least 21 go.
        assert_eq!(a.feedback.len(), 21);
        let mut removed = vec![false; a.cycles[0].edges.len()];
        for (i, e) in a.cycles[0].edges.iter().enumerate() {
            removed[i] = a.feedback.contains(e);
        }
        assert!(!has_cycle(&g, &a.cycles[0].edges, &removed));
    }
}
