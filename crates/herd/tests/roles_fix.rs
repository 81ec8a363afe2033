//! `herd roles fix` as a process on repositories written to a temporary folder: the dry run
//! prints a unified diff and writes nothing; the real run rewrites only the entries concerned
//! (every other byte kept) and the repository then checks clean; a file holding Ruby that herd
//! does not evaluate is left alone, with the reason.

mod support;

use support::cli::roles as herd;

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, body) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

const BASE: &str = "{\n  \"name\": \"base\",\n  \"run_list\": [\n    \"recipe[ntp]\",\n    \"role[monitoring]\"\n  ]\n}\n";
const MONITORING: &str = "# Monitoring for every host\nname \"monitoring\"\nrun_list(\n  \"recipe[collectd]\",\n  \"role[base]\"\n)\ndefault_attributes(:collectd => { :interval => 10 })\n";
const WEB: &str =
    "{\"name\": \"web\", \"run_list\": [\"role[base]\", \"recipe[ntp]\", \"recipe[nginx]\"]}\n";

fn monitoring() -> tempfile::TempDir {
    repo(&[
        ("roles/base.json", BASE),
        ("roles/monitoring.rb", MONITORING),
        ("roles/web.json", WEB),
    ])
}

#[test]
fn the_dry_run_prints_the_diff_and_writes_nothing() {
    let dir = monitoring();
    let out = herd(dir.path(), &["fix", ".", "--dry-run"]);
    assert!(out.status.success(), "{out:?}");
    let diff = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        diff,
        "--- a/roles/monitoring.rb\n+++ b/roles/monitoring.rb\n@@ -1,7 +1,6 @@\n # Monitoring for every host\n name \"monitoring\"\n run_list(\n-  \"recipe[collectd]\",\n-  \"role[base]\"\n+  \"recipe[collectd]\"\n )\n default_attributes(:collectd => { :interval => 10 })\n\
         --- a/roles/web.json\n+++ b/roles/web.json\n@@ -1,1 +1,1 @@\n-{\"name\": \"web\", \"run_list\": [\"role[base]\", \"recipe[ntp]\", \"recipe[nginx]\"]}\n+{\"name\": \"web\", \"run_list\": [\"role[base]\", \"recipe[nginx]\"]}\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "would make 2 changes in 2 files; effect: changes no expanded run list that runs"
        ),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("roles/monitoring.rb")).unwrap(),
        MONITORING
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("roles/web.json")).unwrap(),
        WEB
    );
}

#[test]
fn fix_rewrites_only_the_entries_and_the_repository_then_checks_clean() {
    let dir = monitoring();
    let out = herd(dir.path(), &["fix", "."]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "roles/monitoring.rb: remove role[base] from the run list of role[monitoring]\nroles/web.json: remove recipe[ntp] from the run list of role[web]\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("roles/monitoring.rb")).unwrap(),
        MONITORING.replace(
            "  \"recipe[collectd]\",\n  \"role[base]\"\n",
            "  \"recipe[collectd]\"\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("roles/web.json")).unwrap(),
        WEB.replace("\"recipe[ntp]\", ", "")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("roles/base.json")).unwrap(),
        BASE
    );
    let check = herd(dir.path(), &["check", "."]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        report.contains("Cycles: 0") && report.contains("Redundant entries: 0"),
        "{report}"
    );
    // web still runs what it ran.
    let explain = herd(dir.path(), &["explain", ".", "web"]);
    assert!(String::from_utf8_lossy(&explain.stdout).contains("1. recipe[ntp]"));
    assert!(String::from_utf8_lossy(&explain.stdout).contains("2. recipe[collectd]"));
    assert!(String::from_utf8_lossy(&explain.stdout).contains("3. recipe[nginx]"));
}

#[test]
fn a_file_with_ruby_herd_does_not_evaluate_is_left_alone_with_the_reason() {
    let dynamic = "name \"monitoring\"\nrun_list \"recipe[collectd]\", \"role[base]\"\n%w(a b).map { |x| x }\n";
    let dir = repo(&[
        ("roles/base.json", BASE),
        ("roles/monitoring.rb", dynamic),
        ("roles/web.json", WEB),
    ]);
    let out = herd(dir.path(), &["fix", "."]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("herd roles fix: roles/monitoring.rb: not edited: it holds Ruby that herd does not evaluate (method call `.map` is not evaluated)"),
        "{err}"
    );
    assert!(err.contains("(1 file(s) left alone, see above)"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("roles/monitoring.rb")).unwrap(),
        dynamic
    );
}

#[test]
fn a_node_file_with_comments_is_edited_too() {
    // Chef's node files may start with a `//` comment; the redundant role[base] goes, the
    // comment and the rest stay.
    let node = "// run list\n{\n  \"name\": \"web1\",\n  \"run_list\": [\n    \"role[base]\",\n    \"role[web]\"\n  ]\n}\n";
    let dir = repo(&[
        (
            "roles/base.json",
            "{\"name\": \"base\", \"run_list\": [\"recipe[ntp]\"]}\n",
        ),
        (
            "roles/web.json",
            "{\"name\": \"web\", \"run_list\": [\"role[base]\", \"recipe[nginx]\"]}\n",
        ),
        ("nodes/web1.json", node),
    ]);
    let out = herd(dir.path(), &["fix", "."]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "nodes/web1.json: remove role[base] from the run list of node[web1]\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("nodes/web1.json")).unwrap(),
        node.replace("    \"role[base]\",\n", "")
    );
}
