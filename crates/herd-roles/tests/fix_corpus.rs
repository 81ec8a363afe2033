//! `herd roles fix` round-trips on the real repositories in `../shared/corpus/chef/` (skipped
//! when absent): every run-list entry of every role file — Ruby DSL (openstreetmap) and JSON
//! (openstack) — is removed from the file's text in turn; the result must read as the same role
//! minus exactly that entry, and differ from the original only on the entry's line (and, for the
//! last entry of a multi-line list, the comma ending the line before). Then the whole `fix`
//! plan on the openstack repository: only safe changes, applied files read back as planned.

mod common;

use std::path::{Path, PathBuf};

use common::corpus;
use herd_roles::analysis::analyse;
use herd_roles::fix::{self, edit};
use herd_roles::graph::{Graph, Options};
use herd_roles::model::read_role;
use herd_roles::{load, Sources};

/// Checks that `after` is `before` with only line `line` changed or removed (1-based), and
/// at most a trailing comma dropped from the line before.
fn only_that_line(before: &str, after: &str, line: usize) -> Result<(), String> {
    let b: Vec<&str> = before.split('\n').collect();
    let a: Vec<&str> = after.split('\n').collect();
    let i = line - 1;
    if a.len() == b.len() {
        for (k, (x, y)) in b.iter().zip(&a).enumerate() {
            if k != i && x != y {
                return Err(format!("line {} changed too: {x:?} → {y:?}", k + 1));
            }
        }
        return Ok(());
    }
    if a.len() + 1 != b.len() {
        return Err(format!("{} lines became {}", b.len(), a.len()));
    }
    let mut expect: Vec<String> = b.iter().map(|s| (*s).to_string()).collect();
    expect.remove(i);
    let same = |e: &[String]| e.iter().zip(&a).all(|(x, y)| x == y);
    if same(&expect) {
        return Ok(());
    }
    if i > 0 {
        if let Some(stripped) = expect[i - 1].strip_suffix(',') {
            expect[i - 1] = stripped.to_string();
            if same(&expect) {
                return Ok(());
            }
        }
    }
    Err("more than the entry's line changed".to_string())
}

fn round_trip_every_entry(dir: &Path) -> usize {
    let mut checked = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("roles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let (role, diags) = read_role(&file, &text);
        assert!(
            diags.iter().all(|d| !d.kind.is_parse_warning()),
            "{}: {diags:?}",
            file.display()
        );
        let list = role.run_list();
        for (k, entry) in list.iter().enumerate() {
            let pos = entry.pos.expect("every corpus entry has a place");
            let after = edit::remove(&text, &[(pos, &entry.item)])
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let (again, d2) = read_role(&file, &after);
            assert_eq!(d2, diags, "{}\n{after}", file.display());
            let mut expected: Vec<String> = list.iter().map(|e| e.item.to_string()).collect();
            expected.remove(k);
            let got: Vec<String> = again
                .run_list()
                .iter()
                .map(|e| e.item.to_string())
                .collect();
            assert_eq!(got, expected, "{} without {}", file.display(), entry.item);
            assert_eq!(again.default_attributes, role.default_attributes);
            assert_eq!(again.override_attributes, role.override_attributes);
            assert_eq!(again.name, role.name);
            // The other environments' lists are untouched (an emptied `run_list()` may read as
            // no default list at all, which Chef treats the same).
            let others = |r: &herd_roles::Role| -> Vec<(String, Vec<String>)> {
                r.run_lists
                    .iter()
                    .filter(|(k, _)| *k != herd_roles::DEFAULT_ENV)
                    .map(|(k, l)| (k.clone(), l.iter().map(|e| e.item.to_string()).collect()))
                    .collect()
            };
            assert_eq!(others(&again), others(&role));
            if let Err(e) = only_that_line(&text, &after, pos.line as usize) {
                panic!(
                    "{} without {} (line {}): {e}\n{after}",
                    file.display(),
                    entry.item,
                    pos.line
                );
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn every_entry_of_every_openstreetmap_ruby_role_is_removed_alone() {
    let Some(dir) = corpus("openstreetmap__chef") else {
        return;
    };
    assert!(round_trip_every_entry(&dir) > 300);
}

#[test]
fn every_entry_of_every_openstack_json_role_is_removed_alone() {
    let Some(dir) = corpus("openstack-archive__openstack-chef-repo") else {
        return;
    };
    assert!(round_trip_every_entry(&dir) > 100);
}

#[test]
fn the_openstack_fix_plan_removes_only_safe_entries_and_reads_back() {
    let Some(dir) = corpus("openstack-archive__openstack-chef-repo") else {
        return;
    };
    let mut repo = load(&Sources::discover(&dir, &[])).unwrap();
    repo.relative_to(&dir);
    let g = Graph::build(&repo, &Options::default());
    let a = analyse(&g);
    let plan = fix::plan(&repo, &dir, &g, &a);
    assert!(plan.refused.is_empty(), "{:?}", plan.refused);
    assert!(!plan.fixes.is_empty());
    assert!(plan.effect.is_safe(), "{}", plan.effect.describe());
    // Write the plan into a copy and read the whole repository again: no redundant entry of
    // the plan is left, and every role and node runs what it ran.
    let copy = tempfile::tempdir().unwrap();
    for sub in ["roles", "environments"] {
        std::fs::create_dir_all(copy.path().join(sub)).unwrap();
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, copy.path().join(sub).join(p.file_name().unwrap())).unwrap();
        }
    }
    for f in &plan.fixes {
        std::fs::write(copy.path().join(&f.file), &f.after).unwrap();
    }
    let mut fixed = load(&Sources::discover(copy.path(), &[])).unwrap();
    fixed.relative_to(copy.path());
    assert_eq!(fixed.diagnostics, repo.diagnostics);
    for role in &repo.roles {
        let before = herd_roles::expand::expand_role(&repo, &role.key, None).unwrap();
        let after = herd_roles::expand::expand_role(&fixed, &role.key, None).unwrap();
        let recipes = |x: &herd_roles::expand::Expansion| -> Vec<String> {
            x.recipes.iter().map(|r| r.item.clone()).collect()
        };
        let top = a.fan_in[g.find(&role.key).unwrap() as usize] == 0;
        if top {
            assert_eq!(recipes(&before), recipes(&after), "{}", role.key);
        }
    }
    let g2 = Graph::build(&fixed, &Options::default());
    let removed: usize = plan.fixes.iter().map(|f| f.changes.len()).sum();
    assert_eq!(g.edges.len() - g2.edges.len(), removed);
}
