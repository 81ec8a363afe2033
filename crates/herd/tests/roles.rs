//! `herd roles`: the CLI run as a real process on the fixtures of `herd-roles`, asserting the
//! graph itself (DOT, JSON), the reports, exit codes and error messages. Graphviz renders are
//! checked when Graphviz is installed (required when `HERD_REQUIRE_PEERS=1`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::cli::roles as herd;
use support::cli::transcript;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../herd-roles/tests/fixtures")
}

/// Whether Graphviz is installed; when it is not, the test is skipped unless CI requires it.
fn graphviz(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("HERD_REQUIRE_PEERS").is_none_or(|v| v != "1"),
            "Graphviz `{tool}` is required (HERD_REQUIRE_PEERS=1) but not installed"
        );
        println!("skipped: Graphviz `{tool}` is not installed");
    }
    ok
}

#[test]
fn graph_writes_dot_of_the_spaghetti_fixture_with_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = herd(
        &fixtures().join("spaghetti"),
        &[
            "graph",
            ".",
            "-o",
            dir.path().join("g.dot").to_str().unwrap(),
        ],
    );
    let text = transcript(&out).replace(dir.path().to_str().unwrap(), "[TMP]");
    insta::assert_snapshot!("graph_spaghetti_summary", text);
    let dot = std::fs::read_to_string(dir.path().join("g.dot")).unwrap();
    assert!(dot.contains("\"role:webserver\" -> \"role:monitor\";"));
    assert!(
        dot.contains("\"role:monitor\" [label=\"monitor\", shape=box, style=\"rounded,dashed\"")
    );
}

#[test]
fn graph_json_to_stdout_holds_vertices_edges_cycles_and_the_analysis() {
    let out = herd(
        &fixtures().join("cycles"),
        &["graph", "-G", "json", "-o", "-"],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["cycles"][0]["path"],
        serde_json::json!(["role[bar]", "role[baz]", "role[foo]", "role[bar]"])
    );
    assert_eq!(v["analysis"]["feedback"].as_array().unwrap().len(), 2);
    assert_eq!(v["counts"]["roles"], 5);
    let red = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cycle"] == true)
        .count();
    assert_eq!(red, 4);
    // The summary goes to stderr when the graph goes to stdout.
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 cycles"));
}

#[test]
fn the_format_comes_from_the_extension_and_mermaid_and_neato_work() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixtures().join("spaghetti");
    let out = herd(
        &f,
        &["graph", "-o", dir.path().join("g.mmd").to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    assert!(std::fs::read_to_string(dir.path().join("g.mmd"))
        .unwrap()
        .starts_with("flowchart LR\n"));
    let out = herd(
        &f,
        &[
            "graph",
            "-N",
            "-o",
            dir.path().join("g.gv").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    assert!(std::fs::read_to_string(dir.path().join("g.gv"))
        .unwrap()
        .contains("graph [layout=\"neato\"];"));
}

#[test]
fn focus_and_no_recipes_draw_part_of_the_graph() {
    let out = herd(
        &fixtures().join("repo"),
        &[
            "graph",
            "-G",
            "dot",
            "-o",
            "-",
            "--focus",
            "web",
            "--no-recipes",
            "--no-nodes",
        ],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    insta::assert_snapshot!("graph_focus_web", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn png_and_svg_are_rendered_by_graphviz_with_dot_and_neato() {
    if !graphviz("dot") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let f = fixtures().join("repo");
    let out = herd(dir.path(), &["graph", f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", transcript(&out));
    let png = std::fs::read(dir.path().join("role-spaghetti.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let out = herd(
        dir.path(),
        &["graph", f.to_str().unwrap(), "-N", "-o", "g.svg"],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let svg = std::fs::read_to_string(dir.path().join("g.svg")).unwrap();
    assert!(svg.contains("<svg"));
    // Every role and recipe is in the picture.
    for name in ["rails", "apache2", "monitoring", "web1.example.com"] {
        assert!(
            svg.contains(&format!(">{name}<")),
            "{name} missing from the SVG"
        );
    }
}

#[test]
fn without_graphviz_png_fails_clearly_and_dot_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixtures().join("cycles");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_herd"))
            .arg("roles")
            .args(args)
            .current_dir(dir.path())
            .env("HERD_DOT", "/nonexistent/dot")
            .output()
            .unwrap()
    };
    let out = run(&["graph", f.to_str().unwrap()]);
    insta::assert_snapshot!("graph_without_graphviz", transcript(&out));
    let out = run(&["graph", f.to_str().unwrap(), "-G", "dot"]);
    assert!(out.status.success());
    assert!(dir.path().join("role-spaghetti.dot").exists());
}

#[test]
fn check_reports_everything_and_fail_on_sets_the_exit_code() {
    let f = fixtures().join("repo");
    let out = herd(&f, &["check"]);
    insta::assert_snapshot!("check_repo", transcript(&out));
    let out = herd(&f, &["check", "--fail-on", "cycles"]);
    assert_eq!(out.status.code(), Some(0));
    let out = herd(&f, &["check", "--fail-on", "cycles,missing,redundant"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("herd roles check: failing on missing (1), redundant (4)"));
    let out = herd(
        &fixtures().join("cycles"),
        &["check", "--fail-on", "cycles"],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn check_with_an_environment_uses_its_run_lists() {
    let out = herd(
        &fixtures().join("repo"),
        &["check", "--env", "production", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["env"], "production");
    let names: Vec<&str> = v["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"nginx::hardened"));
    assert!(
        !names.contains(&"stage1"),
        "a staging node is not in production"
    );
}

#[test]
fn explain_shows_the_expanded_run_list_and_who_includes_an_item() {
    let f = fixtures().join("repo");
    let out = herd(&f, &["explain", "web1.example.com"]);
    insta::assert_snapshot!("explain_node", transcript(&out));
    let out = herd(&fixtures().join("spaghetti"), &["explain", "webserver"]);
    insta::assert_snapshot!("explain_role_with_attributes", transcript(&out));
    let out = herd(&f, &["explain", "--reverse", "recipe[ntp]"]);
    insta::assert_snapshot!("explain_reverse_ntp", transcript(&out));
    let out = herd(&f, &["explain", "role[rails]", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["recipes"][0]["item"], "recipe[apt]");
    assert_eq!(
        v["recipes"][0]["path"],
        serde_json::json!(["role[rails]", "role[base]"])
    );
}

#[test]
fn errors_name_the_input_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = herd(dir.path(), &["graph", "."]);
    insta::assert_snapshot!("error_no_roles", transcript(&out));
    let out = herd(&fixtures().join("repo"), &["explain", "nope"]);
    insta::assert_snapshot!("error_unknown_role", transcript(&out));
    let out = herd(
        &fixtures().join("repo"),
        &["graph", "--focus", "nope", "-G", "dot"],
    );
    insta::assert_snapshot!("error_unknown_focus", transcript(&out));
    let out = herd(
        &fixtures().join("warnings"),
        &["check", "--fail-on", "warnings"],
    );
    insta::assert_snapshot!("check_warnings", transcript(&out));
}

#[test]
fn role_paths_can_be_given_several_times() {
    let f = fixtures();
    let out = herd(
        &f,
        &[
            "check",
            "--role-path",
            "spaghetti/roles",
            "--role-path",
            "cycles/roles",
            "--format",
            "json",
        ],
    );
    // Cycles and a missing role break a Chef run: check fails on them by default.
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["roles"], 8, "3 spaghetti roles + 5 cycle roles");
    assert_eq!(v["cycles"].as_array().unwrap().len(), 2);
}

#[test]
fn graph_help_names_every_option() {
    let out = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(["roles", "graph", "--help"])
        .output()
        .unwrap();
    insta::assert_snapshot!("graph_help", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn an_unknown_environment_is_warned_about() {
    let out = herd(
        &fixtures().join("repo"),
        &[
            "check",
            "--env",
            "prodution",
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("environment \"prodution\" is not defined")
            && err.contains("known environments: _default, production, staging"),
        "{}",
        transcript(&out)
    );
    let out = herd(
        &fixtures().join("repo"),
        &["check", "--env", "production", "--format", "json"],
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("is not defined"));
}
