//! Redundant entries: an item of a run list that another item of the same list already
//! reaches (`web: role[base], role[app]` where `app` lists `base`). Chef applies each role
//! once, so the entry adds nothing Chef applies — its effect on the run order is computed with
//! the other suggestions ([`crate::effect`]); entries listed before the item that reaches them
//! are marked `reorders`. Paths through the owner itself do not count. In a cycle two items can
//! reach each other; then only the later one is reported.

use serde::Serialize;

use super::run_list_ids;
use crate::graph::{EdgeKind, Graph};

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

/// Redundant entries of every run list (see the module notes).
pub(super) fn redundant(g: &Graph, comps: &[Vec<u32>], comp: &[u32]) -> Vec<Redundant> {
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
