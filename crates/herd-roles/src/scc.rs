//! Strongly connected components (Tarjan), iterative so that a chain of 100,000 roles does not
//! overflow the stack.

/// The components of the graph `adj` (successor lists), in reverse topological order: every
/// edge between two components goes from a later component to an earlier one (sinks first).
/// Returns the components and the component index of each vertex.
pub fn tarjan(adj: &[Vec<u32>]) -> (Vec<Vec<u32>>, Vec<u32>) {
    const NONE: u32 = u32::MAX;
    let n = adj.len();
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![NONE; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut comps: Vec<Vec<u32>> = Vec::new();
    let mut next = 0u32;
    // Call stack of (vertex, next successor position).
    let mut calls: Vec<(u32, usize)> = Vec::new();
    for root in 0..n as u32 {
        if index[root as usize] != NONE {
            continue;
        }
        calls.push((root, 0));
        index[root as usize] = next;
        low[root as usize] = next;
        next += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut pos)) = calls.last_mut() {
            let vi = v as usize;
            if let Some(&w) = adj[vi].get(*pos) {
                *pos += 1;
                let wi = w as usize;
                if index[wi] == NONE {
                    index[wi] = next;
                    low[wi] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[wi] = true;
                    calls.push((w, 0));
                } else if on_stack[wi] {
                    low[vi] = low[vi].min(index[wi]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[vi]);
            }
            if low[vi] == index[vi] {
                let id = comps.len() as u32;
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    comp[w as usize] = id;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                members.reverse();
                comps.push(members);
            }
        }
    }
    (comps, comp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut comps: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
        for c in &mut comps {
            c.sort_unstable();
        }
        comps.sort();
        comps
    }

    #[test]
    fn a_cycle_with_a_tail_is_one_component_and_a_singleton() {
        // a→b→c→a, c→d (the sccmap example).
        let adj = vec![vec![1], vec![2], vec![0, 3], vec![]];
        let (comps, comp) = tarjan(&adj);
        assert_eq!(sorted(comps.clone()), vec![vec![0, 1, 2], vec![3]]);
        // Sinks first: d's component comes before the cycle's.
        assert!(comp[3] < comp[0]);
    }

    #[test]
    fn every_edge_goes_from_a_later_component_to_an_earlier_one() {
        let adj = vec![vec![1, 2], vec![3], vec![3], vec![], vec![0, 4]];
        let (_, comp) = tarjan(&adj);
        for (v, succ) in adj.iter().enumerate() {
            for &w in succ {
                assert!(comp[v] >= comp[w as usize]);
            }
        }
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000u32;
        let adj: Vec<Vec<u32>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![0] })
            .collect();
        let (comps, _) = tarjan(&adj);
        assert_eq!(comps.len(), 1);
        assert_eq!(comps[0].len(), n as usize);
    }
}
