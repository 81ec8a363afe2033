//! How roles are used: fan-in, unused roles, missing roles, and roles with identical run lists.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Analysis;
use crate::graph::{EdgeKind, Graph, VertexKind};

/// A role referenced but not defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The role vertex.
    pub role: u32,
    /// The entries naming it (edge ids).
    pub referenced_by: Vec<u32>,
}

/// Fan-in per vertex: how many roles and nodes list it.
pub(super) fn fan_in(g: &Graph) -> Vec<u32> {
    let mut fan_in = vec![0u32; g.vertices.len()];
    for e in &g.edges {
        if e.kind == EdgeKind::RunList {
            fan_in[e.to as usize] += 1;
        }
    }
    fan_in
}

/// Unused roles (defined, listed by nothing) and missing roles (listed, defined by nothing).
pub(super) fn unused_and_missing(g: &Graph, a: &mut Analysis) {
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
}

pub(super) fn identical(g: &Graph, a: &mut Analysis) {
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
