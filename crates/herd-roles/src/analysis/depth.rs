//! Depth: the longest chain of role entries below a role (0 for a role that lists no role).
//! Roles on one cycle share a depth, counting the cycle as one step; the deepest chain is kept.

use super::Analysis;
use crate::graph::{Graph, VertexKind};

pub(super) fn depth(g: &Graph, comps: &[Vec<u32>], comp: &[u32], a: &mut Analysis) {
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
