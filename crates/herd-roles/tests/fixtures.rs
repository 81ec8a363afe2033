//! The fixtures under `tests/fixtures/`: every DSL form, cycles, missing roles, environments,
//! nodes; DOT and JSON output snapshotted.

use std::path::{Path, PathBuf};

use herd_roles::analysis::{analyse, path_text};
use herd_roles::graph::{Graph, Options};
use herd_roles::render;
use herd_roles::{load, Kind, Repository, Sources};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Loads a fixture with file paths shown relative to the fixture folder (stable snapshots).
fn repo(name: &str) -> Repository {
    let root = fixture(name);
    let mut r = load(&Sources::discover(&root, &[])).unwrap();
    let strip = |p: &mut PathBuf| {
        if let Ok(rel) = p.strip_prefix(&root) {
            *p = rel.to_path_buf();
        }
    };
    for role in &mut r.roles {
        strip(&mut role.file);
    }
    for node in &mut r.nodes {
        strip(&mut node.file);
    }
    for env in &mut r.environments {
        strip(&mut env.file);
    }
    for d in &mut r.diagnostics {
        strip(&mut d.file);
    }
    r
}

fn items(r: &Repository, key: &str, env: &str) -> Vec<String> {
    r.role(key)
        .unwrap()
        .run_list_for(env)
        .iter()
        .map(|e| e.item.to_string())
        .collect()
}

#[test]
fn every_dsl_form_reads_the_same_run_list_without_warnings() {
    let r = repo("dsl");
    let warnings: Vec<_> = r.parse_warnings().collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    let traps: Vec<String> = r
        .diagnostics
        .iter()
        .filter(|d| d.kind == Kind::Trap)
        .map(ToString::to_string)
        .collect();
    assert_eq!(traps, vec!["roles/env_labels.rb:3:47: warning: env run list \"staging\" is empty: Chef runs nothing from this role in staging, it does not fall back to the default list"]);
    let want = vec!["role[base]", "recipe[a]", "recipe[b::c@1.2.3]"];
    let mut checked = 0;
    for role in &r.roles {
        if role.key == "base" {
            continue;
        }
        assert_eq!(
            items(&r, &role.key, "_default"),
            want,
            "{}",
            role.file.display()
        );
        assert_eq!(role.name, role.key);
        checked += 1;
    }
    assert_eq!(checked, 16);
}

#[test]
fn dsl_strings_attributes_and_env_lists_are_read_exactly() {
    let r = repo("dsl");
    assert_eq!(
        r.role("escapes").unwrap().description,
        "Tab\tand \"quotes\" and é; 'single' keeps \\n: it's \\n"
    );
    assert_eq!(
        r.role("continuation").unwrap().description,
        "a long description"
    );
    assert_eq!(
        r.role("heredoc").unwrap().description,
        "A description\n  over two lines\n"
    );
    assert_eq!(
        r.role("hashes").unwrap().default_attributes,
        serde_json::json!({
            "apt": {"unattended_upgrades": {"enable": false}, "mirrors": ["a", "b"]},
            "rsnapshot": {"servers": {"retain": 7, "ratio": 0.5, "negative": -1, "off": null}}
        })
    );
    assert_eq!(
        r.role("hashes").unwrap().override_attributes,
        serde_json::json!({"x": {"y": [1, {"z": true}]}})
    );
    assert_eq!(
        items(&r, "locals", "production"),
        vec![
            "role[base]",
            "recipe[a]",
            "recipe[b::c@1.2.3]",
            "recipe[hardened]"
        ]
    );
    assert_eq!(items(&r, "env_labels", "production"), vec!["role[base]"]);
    assert!(items(&r, "env_labels", "staging").is_empty());
}

#[test]
fn unsupported_constructs_are_reported_with_file_line_and_column() {
    let r = repo("warnings");
    let text: Vec<String> = r.diagnostics.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("warnings", text.join("\n"));
    // What was understood is still drawn.
    assert_eq!(items(&r, "dynamic", "_default"), vec!["role[base]"]);
    assert_eq!(r.role("renamed").unwrap().name, "renamed_here");
}

#[test]
fn knife_deps_cycles_are_found_with_their_paths_and_the_entries_to_cut() {
    let r = repo("cycles");
    let g = Graph::build(&r, &Options::default());
    let a = analyse(&g);
    let cycles: Vec<String> = a.cycles.iter().map(|c| path_text(&g, &c.path)).collect();
    assert_eq!(
        cycles,
        vec![
            "role[bar] → role[baz] → role[foo] → role[bar]",
            "role[self] → role[self]"
        ]
    );
    assert_eq!(a.feedback.len(), 2);
    insta::assert_snapshot!("cycles_dot", render::dot::write(&g, &a));
}

#[test]
fn the_spaghetti_fixture_draws_like_the_original_plus_a_dashed_missing_role() {
    let r = repo("spaghetti");
    let g = Graph::build(&r, &Options::default());
    let a = analyse(&g);
    assert_eq!(a.missing.len(), 1);
    insta::assert_snapshot!("spaghetti_dot", render::dot::write(&g, &a));
    insta::assert_snapshot!("spaghetti_mermaid", render::mermaid::write(&g, &a));
}

#[test]
fn the_repository_fixture_reads_nodes_environments_and_env_lists() {
    let r = repo("repo");
    let kinds: Vec<(Kind, String)> = r
        .diagnostics
        .iter()
        .map(|d| (d.kind, d.to_string()))
        .collect();
    insta::assert_snapshot!(
        "repo_diagnostics",
        kinds
            .iter()
            .map(|(_, s)| s.clone())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(r.nodes.len(), 3);
    assert_eq!(r.node("stage1").unwrap().environment, "staging");
    assert_eq!(r.environments.len(), 2);
    assert_eq!(
        items(&r, "legacy", "_default"),
        vec!["recipe[apache2]", "recipe[apache2]", "recipe[php]"]
    );

    let g = Graph::build(&r, &Options::default());
    let a = analyse(&g);
    insta::assert_snapshot!("repo_json", render::json::write(&g, &a, &r.diagnostics));
    insta::assert_snapshot!(
        "repo_report",
        render::text::report(&g, &a, render::text::Limits::default())
    );

    let prod = Graph::build(
        &r,
        &Options {
            env: Some("production".into()),
            ..Options::default()
        },
    );
    insta::assert_snapshot!(
        "repo_production_dot",
        render::dot::write(&prod, &analyse(&prod))
    );
}

#[test]
fn explain_expands_a_node_in_its_own_environment() {
    let r = repo("repo");
    let x = herd_roles::expand::expand_node(&r, "web1.example.com", None).unwrap();
    insta::assert_snapshot!("explain_web1", render::text::expansion(&x));
}
