//! Property tests: the Ruby DSL reader against generated roles, the JSON reader and the DSL
//! reader against arbitrary input, and the analyses against random graphs.

use std::path::Path;

use herd_roles::analysis::{analyse, topological_order};
use herd_roles::graph::{EdgeKind, Graph, Options};
use herd_roles::model::{read_role, Role};
use herd_roles::{Repository, RunListItem};
use proptest::prelude::*;

mod common;

fn cookbook() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,8}(::[a-z][a-z0-9_]{0,6})?"
}

/// A run-list item as a user writes it.
fn item() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_-]{0,10}".prop_map(|r| format!("role[{r}]")),
        cookbook().prop_map(|c| format!("recipe[{c}]")),
        (cookbook(), 0u8..20, 0u8..20).prop_map(|(c, a, b)| format!("recipe[{c}@{a}.{b}]")),
        cookbook(),
    ]
}

/// Renders a run list in one of the DSL forms real repositories use.
fn render(items: &[String], form: u8) -> String {
    let dq: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    let sq: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    match form {
        0 if !items.is_empty() => format!("run_list {}\n", dq.join(", ")),
        1 => format!("run_list(\n  {}\n)\n", sq.join(",\n  ")),
        2 if !items.is_empty() => format!("run_list [\n  {},\n]\n", dq.join(",\n  ")),
        3 => format!("run_list %w[ {} ]\n", items.join(" ")),
        4 => format!("run_list(*%w( {} ))\n", items.join("\n  ")),
        5 => format!("all = [{}]\nrun_list(all + [])\n", dq.join(", ")),
        6 if !items.is_empty() => format!("run_list {} \\\n  \n", dq.join(", \\\n  ")),
        _ => format!("run_list([[{}]])\n", dq.join("], [")),
    }
}

fn parsed(items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|s| RunListItem::parse(s).unwrap().to_string())
        .collect()
}

proptest! {
    #[test]
    fn property_test_a_rendered_role_reads_back_the_same_run_list(
        items in proptest::collection::vec(item(), 0..12),
        form in 0u8..8,
        name in "[a-z][a-z0-9_-]{0,12}",
    ) {
        let src = format!("# generated\nname \"{name}\"\ndescription 'd'\n{}", render(&items, form));
        let (role, diags) = read_role(Path::new(&format!("{name}.rb")), &src);
        prop_assert!(diags.is_empty(), "{src}\n{diags:?}");
        let got: Vec<String> = role.run_list().iter().map(|e| e.item.to_string()).collect();
        prop_assert_eq!(got, parsed(&items), "{}", src);
    }

    #[test]
    fn property_test_the_dsl_reader_never_panics(src in "\\PC{0,300}") {
        let _ = read_role(Path::new("x.rb"), &src);
    }

    #[test]
    fn property_test_the_dsl_reader_never_panics_on_ruby_like_text(
        parts in proptest::collection::vec(prop_oneof![
            Just("run_list"), Just("("), Just(")"), Just("["), Just("]"), Just("{"), Just("}"),
            Just(","), Just("\"a\""), Just("'b'"), Just("%w["), Just("*"), Just("=>"), Just("x:"),
            Just(":s"), Just("\n"), Just("\\\n"), Just("<<~E\n"), Just("E\n"), Just("#{"), Just("do"),
            Just("end"), Just("if"), Just("+"), Just("1"), Just("/"), Just("x ="), Just("."),
        ], 0..60)
    ) {
        let _ = read_role(Path::new("x.rb"), &parts.join(" "));
    }

    #[test]
    fn property_test_the_json_reader_never_panics(src in "\\PC{0,300}") {
        let _ = read_role(Path::new("x.json"), &src);
        let _ = herd_roles::model::read_node(Path::new("x.json"), &src);
    }

    #[test]
    fn property_test_json_comments_never_change_what_is_read(
        items in proptest::collection::vec(item(), 0..8),
    ) {
        let list: Vec<String> = items.iter().map(|s| serde_json::to_string(s).unwrap()).collect();
        let plain = format!("{{\"run_list\": [{}]}}", list.join(", "));
        let commented = format!("// c\n{{ /* a */ \"run_list\": [ // b\n{}]}}", list.join(", /* x */ "));
        let (a, _) = read_role(Path::new("r.json"), &plain);
        let (b, d) = read_role(Path::new("r.json"), &commented);
        prop_assert!(d.is_empty());
        let items = |r: &Role| r.run_list().iter().map(|e| e.item.clone()).collect::<Vec<_>>();
        prop_assert_eq!(items(&a), items(&b));
    }
}

/// A random role graph: `edges[i]` lists the roles role `i` includes.
fn role_graph(n: usize) -> impl Strategy<Value = Vec<Vec<usize>>> {
    proptest::collection::vec(proptest::collection::vec(0..n, 0..4), n)
}

fn repo(edges: &[Vec<usize>]) -> Repository {
    let roles = edges
        .iter()
        .enumerate()
        .map(|(i, out)| common::role(i, out.iter().copied(), &format!("c{}", i % 3)))
        .collect();
    Repository::from_parts(roles, vec![], vec![])
}

/// Reachability from every vertex (small graphs only).
fn closure(g: &Graph) -> Vec<Vec<bool>> {
    let n = g.vertices.len();
    (0..n)
        .map(|s| {
            let mut seen = vec![false; n];
            let mut stack = vec![s as u32];
            while let Some(v) = stack.pop() {
                for e in g.run_list(v) {
                    if !seen[e.to as usize] {
                        seen[e.to as usize] = true;
                        stack.push(e.to);
                    }
                }
            }
            seen
        })
        .collect()
}

/// The graph without the entries `drop` (edge ids), rebuilt from a repository.
fn without(g: &Graph, edges: &[Vec<usize>], drop: &[u32]) -> Graph {
    let mut kept = edges.to_vec();
    for &e in drop {
        let e = &g.edges[e as usize];
        let from: usize = g.vertices[e.from as usize].name[1..].parse().unwrap();
        let to = &g.vertices[e.to as usize].name;
        if let Some(to) = to.strip_prefix('r').and_then(|t| t.parse::<usize>().ok()) {
            // The graph keeps one edge per distinct entry: drop every copy.
            kept[from].retain(|x| *x != to);
        }
    }
    Graph::build(&repo(&kept), &Options::default())
}

proptest! {
    #[test]
    fn property_test_a_topological_order_respects_every_edge(edges in role_graph(30)) {
        // Keep only edges to higher indices: acyclic by construction.
        let dag: Vec<Vec<usize>> = edges.iter().enumerate().map(|(i, o)| o.iter().copied().filter(|j| *j > i).collect()).collect();
        let g = Graph::build(&repo(&dag), &Options::default());
        let order = topological_order(&g).expect("acyclic");
        let mut at = vec![0; g.vertices.len()];
        for (i, v) in order.iter().enumerate() {
            at[*v as usize] = i;
        }
        prop_assert_eq!(order.len(), g.vertices.len());
        for e in &g.edges {
            prop_assert!(at[e.from as usize] < at[e.to as usize]);
        }
        prop_assert!(analyse(&g).cycles.is_empty());
    }

    #[test]
    fn property_test_removing_the_feedback_set_leaves_no_cycle(edges in role_graph(12)) {
        let g = Graph::build(&repo(&edges), &Options::default());
        let a = analyse(&g);
        prop_assert_eq!(a.cycles.is_empty(), topological_order(&g).is_some());
        let h = without(&g, &edges, &a.feedback);
        prop_assert!(topological_order(&h).is_some(), "feedback {:?} left a cycle", a.feedback);
        // Minimal: putting any one entry back brings a cycle back.
        for (i, _) in a.feedback.iter().enumerate() {
            let mut fewer = a.feedback.clone();
            fewer.remove(i);
            prop_assert!(topological_order(&without(&g, &edges, &fewer)).is_none());
        }
    }

    #[test]
    fn property_test_removing_redundant_entries_keeps_what_every_role_reaches(edges in role_graph(16)) {
        let g = Graph::build(&repo(&edges), &Options::default());
        let a = analyse(&g);
        let drop: Vec<u32> = a.redundant.iter().map(|r| r.edge).collect();
        prop_assert!(drop.iter().all(|&e| g.edges[e as usize].kind == EdgeKind::RunList));
        let h = without(&g, &edges, &drop);
        let (before, after) = (closure(&g), closure(&h));
        for (i, v) in g.vertices.iter().enumerate() {
            let j = h.find(&v.label()).unwrap() as usize;
            for (k, w) in g.vertices.iter().enumerate() {
                if let Some(l) = h.find(&w.label()) {
                    prop_assert_eq!(before[i][k], after[j][l as usize], "{} → {}", v.label(), w.label());
                }
            }
        }
    }
}

/// The recipes Chef runs for every role, by the repository-level expander (independent of the
/// graph-level one the effects use).
fn runs(r: &Repository) -> std::collections::BTreeMap<String, Vec<String>> {
    r.roles
        .iter()
        .map(|role| {
            let x = herd_roles::expand::expand_role(r, &role.key, None).unwrap();
            (
                format!("role[{}]", role.key),
                x.recipes.into_iter().map(|e| e.item).collect(),
            )
        })
        .collect()
}

proptest! {
    #[test]
    fn property_test_every_effect_names_exactly_the_roles_whose_recipes_change(edges in role_graph(10)) {
        let g = Graph::build(&repo(&edges), &Options::default());
        let a = analyse(&g);
        let before = runs(&repo(&edges));
        for s in a.untangle.iter().filter(|s| !s.edges.is_empty()) {
            let Some(effect) = &s.effect else { continue };
            // Rebuild the repository without the suggestion's entries and expand every role.
            let mut kept = edges.clone();
            for &e in &s.edges {
                let e = &g.edges[e as usize];
                let from: usize = g.vertices[e.from as usize].name[1..].parse().unwrap();
                if let Some(to) = g.vertices[e.to as usize].name.strip_prefix('r').and_then(|t| t.parse::<usize>().ok()) {
                    kept[from].retain(|x| *x != to);
                }
            }
            let after = runs(&repo(&kept));
            let changed: Vec<&String> = before.keys().filter(|k| before[*k] != after[*k]).collect();
            let mut said: Vec<&String> = effect
                .changes
                .iter()
                .filter(|c| !c.removed.is_empty() || !c.added.is_empty() || c.reordered)
                .flat_map(|c| c.targets.iter())
                .collect();
            said.sort();
            prop_assert_eq!(changed, said, "{}: {}", s.change, effect.describe());
        }
    }
}

proptest! {
    #[test]
    fn property_test_fix_removes_exactly_one_entry_in_every_dsl_form(
        items in proptest::collection::vec(item(), 1..8),
        form in 0u8..8,
        pick in 0usize..8,
    ) {
        // Form 6 (`\` continuations) is left to the read-back check of `fix`, which refuses
        // an edit that does not read back.
        prop_assume!(form != 6);
        let src = format!("name \"x\"\n{}", render(&items, form));
        let (role, diags) = read_role(Path::new("x.rb"), &src);
        prop_assume!(diags.is_empty());
        let list = role.run_list();
        let k = pick % list.len();
        let Some(pos) = list[k].pos else { return Ok(()) };
        // A word written twice in one %w[] list is refused, not guessed.
        let Ok(after) = herd_roles::fix::edit::remove(&src, &[(pos, &list[k].item)]) else {
            prop_assert!(matches!(form, 3 | 4));
            return Ok(());
        };
        let (again, d2) = read_role(Path::new("x.rb"), &after);
        prop_assert!(d2.is_empty(), "{src}\n→\n{after}\n{d2:?}");
        let mut expected: Vec<String> = list.iter().map(|e| e.item.to_string()).collect();
        expected.remove(k);
        let got: Vec<String> = again.run_list().iter().map(|e| e.item.to_string()).collect();
        prop_assert_eq!(got, expected, "{}\n→\n{}", src, after);
    }
}
