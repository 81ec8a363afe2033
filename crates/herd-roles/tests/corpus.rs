//! The real repositories in `../shared/corpus/chef/` (skipped when absent): every role and
//! environment parses with zero warnings, and every run list equals what Chef would load, as
//! read by an independent extractor (`serde_json` for JSON roles; a line scanner of the
//! `run_list(…)` block for the Ruby roles, which all use that one form).

mod common;

use common::corpus;
use herd_roles::analysis::analyse;
use herd_roles::graph::{Graph, Options};
use herd_roles::{load, Kind, RunListItem, Sources};

/// `"a", "b"` strings between `run_list(` and the closing `)` line, normalised by Chef's rules.
fn scan_run_list(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("run_list(") {
            inside = true;
        }
        if inside {
            let mut rest = t;
            while let Some(start) = rest.find('"') {
                let after = &rest[start + 1..];
                let Some(end) = after.find('"') else { break };
                out.push(RunListItem::parse(&after[..end]).unwrap().to_string());
                rest = &after[end + 1..];
            }
            if t.ends_with(')') {
                break;
            }
        }
    }
    out
}

#[test]
fn openstreetmap_roles_parse_without_warnings_and_match_an_independent_scan() {
    let Some(root) = corpus("openstreetmap__chef") else {
        return;
    };
    let repo = load(&Sources::discover(&root, &[])).unwrap();
    assert_eq!(repo.roles.len(), 159);
    let warnings: Vec<String> = repo.parse_warnings().map(ToString::to_string).collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    // The one role whose name differs from its file is flagged, nothing else.
    let other: Vec<String> = repo
        .diagnostics
        .iter()
        .map(|d| format!("{:?} {}", d.kind, d.file.display()))
        .collect();
    assert_eq!(other.len(), 1, "{other:#?}");
    assert_eq!(repo.diagnostics[0].kind, Kind::NameMismatch);
    assert!(repo.diagnostics[0].file.ends_with("roles/gp-dl360e-g8.rb"));

    let mut with_run_list = 0;
    for role in &repo.roles {
        let text = std::fs::read_to_string(&role.file).unwrap();
        let ours: Vec<String> = role.run_list().iter().map(|e| e.item.to_string()).collect();
        assert_eq!(ours, scan_run_list(&text), "{}", role.file.display());
        assert!(!role.description.is_empty(), "{}", role.file.display());
        if !ours.is_empty() {
            with_run_list += 1;
        }
    }
    assert_eq!(with_run_list, 152);
    let g = Graph::build(&repo, &Options::default());
    let a = analyse(&g);
    assert!(a.cycles.is_empty());
    assert!(a.missing.is_empty(), "{:?}", a.missing);
}

#[test]
fn openstack_roles_and_environments_parse_without_warnings_and_match_serde_json() {
    let Some(root) = corpus("openstack-archive__openstack-chef-repo") else {
        return;
    };
    let repo = load(&Sources::discover(&root, &[])).unwrap();
    assert_eq!(repo.roles.len(), 58);
    assert_eq!(repo.environments.len(), 7);
    assert_eq!(repo.parse_warnings().count(), 0, "{:#?}", repo.diagnostics);
    // A real slip in the repository: two environment files declare the same name.
    let flagged: Vec<String> = repo
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{:?} {}",
                d.kind,
                d.file.file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    assert_eq!(
        flagged,
        vec!["NameMismatch vagrant-multi-centos7-neutron.json"]
    );
    for role in &repo.roles {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&role.file).unwrap()).unwrap();
        let want: Vec<String> = json["run_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| RunListItem::parse(v.as_str().unwrap()).unwrap().to_string())
            .collect();
        let ours: Vec<String> = role.run_list().iter().map(|e| e.item.to_string()).collect();
        assert_eq!(ours, want, "{}", role.file.display());
        assert_eq!(role.name, json["name"].as_str().unwrap());
        // Every role has `"env_run_lists": {}`: the default list is used everywhere.
        assert_eq!(role.run_lists.len(), 1);
    }
    let testing = repo
        .environments
        .iter()
        .find(|e| e.name == "testing")
        .unwrap();
    assert_eq!(
        testing.description,
        "Environment used in testing the upstream cookbooks and reference Chef repository"
    );
    let g = Graph::build(&repo, &Options::default());
    let a = analyse(&g);
    assert!(a.cycles.is_empty());
}
