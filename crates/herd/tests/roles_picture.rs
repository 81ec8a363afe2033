//! The picture `herd roles graph` draws, checked in the SVG Graphviz renders from it (skipped
//! when Graphviz is absent, required when `HERD_REQUIRE_PEERS=1`): the entry to cut dashed and
//! labelled "cut", redundant entries dotted, grey and labelled "redundant", roles on a cycle
//! filled, a legend, one node per cookbook, clusters by folder for a large repository,
//! unconnected environments left out; and the summary's `--focus` hint (DOT, no Graphviz).

mod support;

use std::path::Path;
use std::process::Command;
use support::cli::roles as herd;

/// Whether Graphviz's `dot` runs; when it does not, the test is skipped unless CI requires it.
fn graphviz() -> bool {
    let ok = Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("HERD_REQUIRE_PEERS").is_none_or(|v| v != "1"),
            "Graphviz `dot` is required (HERD_REQUIRE_PEERS=1) but not installed"
        );
        println!("skipped: Graphviz `dot` is not installed");
    }
    ok
}

fn repo(files: &[(String, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, body) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

fn role(name: &str, items: &[&str]) -> (String, String) {
    let list: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    (
        format!("roles/{name}.json"),
        format!(
            "{{\"name\": \"{name}\", \"run_list\": [{}]}}\n",
            list.join(", ")
        ),
    )
}

/// Renders the repository in `dir` to SVG and returns it.
fn svg(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["graph", ".", "-o", "g.svg"];
    args.extend_from_slice(extra);
    let out = herd(dir, &args);
    assert!(out.status.success(), "{out:?}");
    std::fs::read_to_string(dir.join("g.svg")).unwrap()
}

/// The `<g>` element Graphviz writes for the node or edge titled `title` (`a&#45;&gt;b` for an
/// edge `a -> b`).
fn element<'s>(svg: &'s str, title: &str) -> &'s str {
    let t = format!("<title>{title}</title>");
    let at = svg
        .find(&t)
        .unwrap_or_else(|| panic!("{title} is not in the SVG"));
    let end = svg[at..].find("</g>").unwrap() + at;
    &svg[at..end]
}

fn edge<'s>(svg: &'s str, from: &str, to: &str) -> &'s str {
    element(svg, &format!("{from}&#45;&gt;{to}"))
}

#[test]
fn the_cut_is_dashed_and_labelled_cycle_roles_are_filled_and_a_legend_explains() {
    if !graphviz() {
        return;
    }
    let dir = repo(&[
        role("base", &["recipe[ntp]", "role[monitoring]"]),
        role("monitoring", &["recipe[collectd]", "role[base]"]),
        role("web", &["role[base]", "recipe[nginx]"]),
    ]);
    let svg = svg(dir.path(), &[]);
    let cut = edge(&svg, "role:monitoring", "role:base");
    assert!(
        cut.contains("stroke-dasharray") && cut.contains(">cut</text>"),
        "{cut}"
    );
    let kept = edge(&svg, "role:base", "role:monitoring");
    assert!(
        !kept.contains("stroke-dasharray") && kept.contains("stroke=\"red\""),
        "{kept}"
    );
    for r in ["role:base", "role:monitoring"] {
        assert!(element(&svg, r).contains("fill=\"#ffd0d0\""), "{r}");
    }
    assert!(element(&svg, "role:web").contains("fill=\"none\""));
    let legend = element(&svg, "cluster_legend");
    assert!(legend.contains(">Legend</text>"));
    assert!(svg.contains(">role on a cycle</text>"));
}

#[test]
fn a_redundant_entry_is_dotted_grey_and_labelled() {
    if !graphviz() {
        return;
    }
    let dir = repo(&[
        role("base", &["recipe[ntp]"]),
        role("app", &["role[base]", "recipe[rails]"]),
        role("web", &["role[app]", "role[base]"]),
    ]);
    let svg = svg(dir.path(), &[]);
    let r = edge(&svg, "role:web", "role:base");
    assert!(
        r.contains("stroke=\"#8c8c8c\"")
            && r.contains("stroke-dasharray=\"1,5\"")
            && r.contains(">redundant</text>"),
        "{r}"
    );
    assert!(!edge(&svg, "role:app", "role:base").contains("redundant"));
    assert!(
        !svg.contains("role on a cycle"),
        "no cycle, no cycle legend"
    );
}

#[test]
fn the_recipes_of_one_cookbook_are_one_node_unless_all_are_asked_for() {
    if !graphviz() {
        return;
    }
    let dir = repo(&[role(
        "web",
        &["apache2", "apache2::mod_ssl", "apache2::mod_php", "ntp"],
    )]);
    let svg_default = svg(dir.path(), &[]);
    assert!(svg_default.contains(">apache2 (3 recipes)</text>"));
    assert!(svg_default.contains("<title>recipe:ntp</title>"));
    assert!(!svg_default.contains("<title>recipe:apache2::mod_ssl</title>"));
    edge(&svg_default, "role:web", "cookbook:apache2");
    let all = svg(dir.path(), &["--all-recipes"]);
    for r in [
        "recipe:apache2",
        "recipe:apache2::mod_ssl",
        "recipe:apache2::mod_php",
    ] {
        edge(&all, "role:web", r);
    }
    assert!(!all.contains("recipes)</text>"));
}

#[test]
fn a_large_repository_is_clustered_by_folder_and_unconnected_environments_are_left_out() {
    if !graphviz() {
        return;
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..25 {
        let (p, b) = role(&format!("web{i}"), &["role[base]", "nginx"]);
        files.push((p.replace("roles/", "roles/web/"), b));
        let (p, b) = role(&format!("db{i}"), &["role[base]", "postgresql"]);
        files.push((p.replace("roles/", "roles/db/"), b));
    }
    files.push(role("base", &["ntp"]));
    files.push((
        "environments/lonely.json".to_string(),
        "{\"name\": \"lonely\"}".to_string(),
    ));
    let dir = repo(&files);
    let svg = svg(dir.path(), &[]);
    let clusters: Vec<&str> = ["roles/db", "roles/web"]
        .into_iter()
        .filter(|d| svg.contains(&format!(">{d}</text>")))
        .collect();
    assert_eq!(clusters, ["roles/db", "roles/web"]);
    assert!(element(&svg, "cluster_0").contains("<title>cluster_0</title>"));
    assert!(!svg.contains("environment:lonely"));
}

#[test]
fn the_summary_of_a_large_graph_suggests_focus() {
    let mut files = vec![role("base", &["ntp"])];
    for i in 0..61 {
        files.push(role(&format!("r{i}"), &["role[base]"]));
    }
    let dir = repo(&files);
    let out = herd(dir.path(), &["graph", ".", "-G", "dot", "-o", "g.dot"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("62 roles make a large picture: --focus ROLE draws what one role reaches"),
        "{text}"
    );
    let small = repo(&[role("base", &["ntp"])]);
    let out = herd(small.path(), &["graph", ".", "-G", "dot", "-o", "g.dot"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("--focus"));
}
