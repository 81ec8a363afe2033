//! Graphviz's `sccmap` and `tred` as independent oracles: on random role graphs, the cycles
//! found equal `sccmap`'s strongly connected components, and on random acyclic graphs the
//! redundant entries equal the edges `tred` (transitive reduction) removes. Skipped when
//! Graphviz is absent, unless `HERD_REQUIRE_PEERS=1`.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::process::{Command, Stdio};

use herd_roles::analysis::analyse;
use herd_roles::graph::{Graph, Options};
use herd_roles::render::dot;
use herd_roles::synth::Rng;
use herd_roles::Repository;

mod common;

fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("-?")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        assert!(
            std::env::var_os("HERD_REQUIRE_PEERS").is_none_or(|v| v != "1"),
            "Graphviz `{tool}` is required (HERD_REQUIRE_PEERS=1) but not installed"
        );
        println!("skipped: Graphviz `{tool}` is not installed");
    }
    ok
}

fn run(tool: &str, input: &str) -> String {
    let mut child = Command::new(tool)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// A random repository: `n` roles, each listing up to 3 roles (any index, or only higher ones
/// when `acyclic`) and a recipe; a few with version pins.
fn random_repo(seed: u64, n: usize, acyclic: bool) -> Repository {
    let mut rng = Rng::new(seed);
    let roles = (0..n)
        .map(|i| {
            let mut includes = Vec::new();
            for _ in 0..rng.below(4) {
                let j = if acyclic {
                    if i + 1 >= n {
                        continue;
                    }
                    i + 1 + rng.below(n - i - 1)
                } else {
                    rng.below(n)
                };
                includes.push(j);
            }
            let recipe = if rng.below(4) == 0 {
                format!("c{}@1.0", rng.below(5))
            } else {
                format!("c{}", rng.below(5))
            };
            common::role(i, includes, &recipe)
        })
        .collect();
    Repository::from_parts(roles, vec![], vec![])
}

/// The quoted ids on a DOT edge line: `"a" -> "b" [..];` → (a, b).
fn edge(line: &str) -> Option<(String, String)> {
    let (l, r) = line.trim().split_once(" -> ")?;
    let unq = |s: &str| {
        s.split('[')
            .next()
            .unwrap_or("")
            .trim()
            .trim_end_matches(';')
            .trim()
            .trim_matches('"')
            .to_string()
    };
    Some((unq(l), unq(r)))
}

#[test]
fn cycles_equal_the_strong_components_sccmap_finds() {
    if !have("sccmap") {
        return;
    }
    for seed in 1..=40 {
        let repo = random_repo(seed, 5 + (seed as usize % 30), false);
        let g = Graph::build(
            &repo,
            &Options {
                recipes: false,
                ..Options::default()
            },
        );
        let a = analyse(&g);
        let ours: BTreeSet<BTreeSet<String>> = a
            .cycles
            .iter()
            .filter(|c| c.members.len() > 1)
            .map(|c| {
                c.members
                    .iter()
                    .map(|&v| format!("role:{}", g.vertices[v as usize].name))
                    .collect()
            })
            .collect();
        let mut theirs = BTreeSet::new();
        let mut current: Option<BTreeSet<String>> = None;
        for line in run("sccmap", &dot::write(&g, &a)).lines() {
            if line.starts_with("digraph cluster_") {
                current = Some(BTreeSet::new());
            } else if line.starts_with('}') {
                if let Some(c) = current.take() {
                    theirs.insert(c);
                }
            } else if let (Some(c), Some((from, to))) = (current.as_mut(), edge(line)) {
                c.insert(from);
                c.insert(to);
            }
        }
        assert_eq!(ours, theirs, "seed {seed}");
    }
}

#[test]
fn redundant_entries_equal_the_edges_tred_removes() {
    if !have("tred") {
        return;
    }
    let mut total = 0;
    for seed in 1..=40 {
        let repo = random_repo(seed, 5 + (seed as usize % 40), true);
        let g = Graph::build(&repo, &Options::default());
        let a = analyse(&g);
        assert!(a.cycles.is_empty());
        let id = |v: u32| {
            let v = &g.vertices[v as usize];
            format!(
                "{}:{}",
                if v.kind == herd_roles::graph::VertexKind::Role {
                    "role"
                } else {
                    "recipe"
                },
                v.name
            )
        };
        let all: BTreeSet<(String, String)> =
            g.edges.iter().map(|e| (id(e.from), id(e.to))).collect();
        let kept: BTreeSet<(String, String)> = run("tred", &dot::write(&g, &a))
            .lines()
            .filter_map(edge)
            .collect();
        let removed: BTreeSet<(String, String)> = all.difference(&kept).cloned().collect();
        let ours: BTreeSet<(String, String)> = a
            .redundant
            .iter()
            .map(|r| {
                let e = &g.edges[r.edge as usize];
                (id(e.from), id(e.to))
            })
            .collect();
        assert_eq!(ours, removed, "seed {seed}");
        total += ours.len();
    }
    assert!(
        total > 20,
        "the random graphs should hold redundant entries ({total})"
    );
}
