//! Unit tests of the analyses on small graphs built in code.

use super::cycles::has_cycle;
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
