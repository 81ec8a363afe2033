//! `herd roles check` advice that is safe to follow: the cycle cut chosen by its effect on
//! expanded run lists, `--simulate`, the default exit code on what breaks a Chef run, invalid
//! items in the report, `--env` typos, and `explain` taking the repository like the others.
//! The CLI runs as a real process on small repositories written to a temporary folder.

mod support;

use std::process::Output;
use support::cli::roles as herd;

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `files` (path, content) under a new temporary folder.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, body) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

/// The issue's example: base and monitoring list each other; web and db include base; node
/// web1 runs web in production.
fn monitoring() -> tempfile::TempDir {
    repo(&[
        (
            "roles/base.json",
            r#"{"name": "base", "run_list": ["recipe[ntp]", "role[monitoring]"]}"#,
        ),
        (
            "roles/monitoring.rb",
            "name \"monitoring\"\nrun_list \"recipe[collectd]\", \"role[base]\"\n",
        ),
        (
            "roles/web.json",
            r#"{"name": "web", "run_list": ["role[base]", "recipe[nginx]"]}"#,
        ),
        (
            "roles/db.json",
            r#"{"name": "db", "run_list": ["role[base]", "recipe[postgresql]"]}"#,
        ),
        (
            "nodes/web1.json",
            r#"{"name": "web1", "chef_environment": "production", "run_list": ["role[web]"]}"#,
        ),
    ])
}

#[test]
fn the_cycle_cut_is_the_one_that_changes_nothing_that_runs_and_check_fails_on_the_cycle() {
    let dir = monitoring();
    let out = herd(dir.path(), &["check", "."]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("herd roles check: failing on cycles (1)"),
        "{stderr}"
    );
    let first = stdout
        .split("Untangle first:\n")
        .nth(1)
        .expect("an untangle section");
    let mut lines = first.lines();
    assert_eq!(
        lines.next(),
        Some("  1. remove role[base] from the run list of role[monitoring]")
    );
    lines.next();
    let effect = lines.next().unwrap();
    assert!(
        effect.starts_with("     effect: changes no expanded run list that runs"),
        "{effect}"
    );
    assert!(!stdout.contains("remove role[monitoring] from the run list of role[base]"));
    // JSON says the same, with the effect as data.
    let out = herd(dir.path(), &["check", ".", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["analysis"]["untangle"][0];
    assert_eq!(s["action"], "break_cycle");
    assert_eq!(s["safe"], true);
    assert_eq!(
        s["effect"]["changes"][0]["targets"],
        serde_json::json!(["role[monitoring]"])
    );
    assert_eq!(s["effect"]["changes"][0]["runs"], false);
}

#[test]
fn simulate_prints_before_and_after_for_every_role_and_node_that_changes() {
    let dir = monitoring();
    let out = herd(
        dir.path(),
        &[
            "check",
            ".",
            "--fail-on",
            "none",
            "--simulate",
            "remove role[monitoring] from role[base]",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let sim = stdout.split("\nSimulated:\n").nth(1).expect("a simulation");
    assert!(sim.starts_with("  remove role[monitoring] from role[base]\nEffect: "));
    for (who, before, after) in [
        (
            "role[base] (runs only through the roles that include it)",
            "recipe[ntp], recipe[collectd]",
            "recipe[ntp]",
        ),
        (
            "role[web]",
            "recipe[ntp], recipe[collectd], recipe[nginx]",
            "recipe[ntp], recipe[nginx]",
        ),
        (
            "role[db]",
            "recipe[ntp], recipe[collectd], recipe[postgresql]",
            "recipe[ntp], recipe[postgresql]",
        ),
        (
            "node[web1]",
            "recipe[ntp], recipe[collectd], recipe[nginx]",
            "recipe[ntp], recipe[nginx]",
        ),
    ] {
        let block = format!("{who}\n  before: {before}\n  after:  {after}\n");
        assert!(sim.contains(&block), "{block} not in:\n{sim}");
    }
    // The inert cut changes only monitoring on its own.
    let out = herd(
        dir.path(),
        &[
            "check",
            ".",
            "--simulate",
            "remove role[base] from role[monitoring]",
        ],
    );
    let (stdout, _) = text(&out);
    let sim = stdout.split("\nSimulated:\n").nth(1).unwrap();
    assert!(sim.contains("Effect: changes no expanded run list that runs"));
    assert!(!sim.contains("role[web]\n") && !sim.contains("node[web1]\n"));
    // Two changes at once break the cycle both ways.
    let out = herd(
        dir.path(),
        &[
            "check",
            ".",
            "--simulate",
            "remove role[base] from role[monitoring]",
            "--simulate",
            "remove collectd from monitoring",
        ],
    );
    let (stdout, _) = text(&out);
    assert!(stdout.contains("node[web1]\n  before: recipe[ntp], recipe[collectd], recipe[nginx]\n  after:  recipe[ntp], recipe[nginx]\n"));
}

#[test]
fn a_bad_simulation_is_refused_before_any_report() {
    let dir = monitoring();
    let out = herd(
        dir.path(),
        &["check", ".", "--simulate", "remove role[db] from role[web]"],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(
            "the run list of role[web] does not list role[db] (it lists role[base], recipe[nginx])"
        ),
        "{stderr}"
    );
}

#[test]
fn when_every_cut_changes_something_the_report_says_what_each_removes() {
    let dir = repo(&[
        (
            "roles/a.json",
            r#"{"name": "a", "run_list": ["recipe[x]", "role[b]"]}"#,
        ),
        (
            "roles/b.json",
            r#"{"name": "b", "run_list": ["recipe[y]", "role[a]"]}"#,
        ),
        (
            "roles/web.json",
            r#"{"name": "web", "run_list": ["role[a]"]}"#,
        ),
        (
            "roles/db.json",
            r#"{"name": "db", "run_list": ["role[b]"]}"#,
        ),
    ]);
    let out = herd(dir.path(), &["check", "."]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains(
        "  1. remove role[b] from the run list of role[a]\n     breaks the cycle role[a] → role[b] → role[a] (1 entry removed)\n     effect: role[web] would lose recipe[y]"
    ), "{stdout}");
    assert!(
        stdout.contains(
            "     every other cut changes what runs too:\n       - remove role[a] from the run list of role[b]: role[db] would lose recipe[x]"
        ),
        "{stdout}"
    );
}

#[test]
fn an_invalid_item_is_in_the_report_and_the_untangle_list_and_fails_check() {
    let dir = repo(&[
        (
            "roles/web.json",
            "{\"name\": \"web\",\n \"run_list\": [\"recipe[nginx]\", \"Role[cache]\"]}",
        ),
        (
            "roles/cache.json",
            r#"{"name": "cache", "run_list": ["redis"]}"#,
        ),
    ]);
    let out = herd(dir.path(), &["check", dir.path().to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("failing on invalid (1)"), "{stderr}");
    // Paths are relative to the repository, even when it is given as a full path.
    assert!(stdout.contains(
        "Invalid run-list items: 1\n  roles/web.json:2:32: run-list item \"Role[cache]\" must be recipe[NAME] or role[NAME] (did you mean role[cache]?)"
    ), "{stdout}");
    assert!(stdout.contains("  1. correct the run-list item of role[web] at roles/web.json:2:32\n"));
    let out = herd(dir.path(), &["check", ".", "--fail-on", "redundant"]);
    assert!(out.status.success());
}

#[test]
fn an_unknown_environment_lists_the_known_ones() {
    let dir = monitoring();
    let out = herd(dir.path(), &["check", ".", "--env", "nosuchenv"]);
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("environment \"nosuchenv\" is not defined")
            && stderr.contains("known environments: _default, production"),
        "{stderr}"
    );
}

#[test]
fn explain_takes_the_repository_first_like_graph_and_check() {
    let dir = monitoring();
    let parent = dir.path().parent().unwrap();
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    let positional = herd(parent, &["explain", name, "web"]);
    let flag = herd(parent, &["explain", "--repo", name, "web"]);
    let here = herd(dir.path(), &["explain", "web"]);
    assert!(positional.status.success(), "{:?}", text(&positional));
    assert_eq!(positional.stdout, flag.stdout);
    assert_eq!(positional.stdout, here.stdout);
    assert!(String::from_utf8_lossy(&here.stdout)
        .starts_with("role[web] in environment _default: 3 recipes"));
    let reverse = herd(parent, &["explain", name, "--reverse", "recipe[collectd]"]);
    assert!(reverse.status.success(), "{:?}", text(&reverse));
    assert!(String::from_utf8_lossy(&reverse.stdout).contains("role[monitoring]"));
}

#[test]
fn simulate_with_json_adds_the_simulation_to_the_one_document() {
    let dir = monitoring();
    let out = herd(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "json",
            "--simulate",
            "remove role[monitoring] from role[base]",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let sim = &v["simulation"];
    assert_eq!(sim["safe"], false);
    assert_eq!(
        sim["changes"],
        serde_json::json!(["remove role[monitoring] from role[base]"])
    );
    let node = sim["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["target"] == "node[web1]")
        .expect("node[web1] changes");
    assert_eq!(
        node["before"],
        serde_json::json!(["recipe[ntp]", "recipe[collectd]", "recipe[nginx]"])
    );
    assert_eq!(
        node["after"],
        serde_json::json!(["recipe[ntp]", "recipe[nginx]"])
    );
    assert_eq!(
        node["roles_removed"],
        serde_json::json!(["role[monitoring]"])
    );
    assert!(v["analysis"]["untangle"].is_array());
}
