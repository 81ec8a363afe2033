//! Run-list expansion in Chef's order (`Chef::RunList::RunListExpansion`), with the path that
//! brought each recipe in, and the reverse question: who includes an item.
//!
//! Chef walks the run list depth first, in order. A role already applied is skipped (which is
//! how Chef silently cuts cycles); a missing role is logged and skipped, and the node run then
//! fails with `MissingRole`. A recipe already in the list is not added again; `c` and
//! `c::default` count as one, as Chef's compiler loads them once. Two different version pins of
//! one recipe are a `CookbookVersionConflict`.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use crate::graph::{EdgeKind, Graph};
use crate::model::{Entry, DEFAULT_ENV};
use crate::repo::Repository;
use crate::run_list::ItemKind;

/// A recipe of the expanded run list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expanded {
    /// `recipe[name]` or `recipe[name@version]`.
    pub item: String,
    /// The roles that brought it in, from the top: `["role[web]", "role[base]"]` (empty when
    /// the top run list lists it itself).
    pub path: Vec<String>,
}

/// Something the expansion skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The item.
    pub item: String,
    /// The roles that listed it.
    pub path: Vec<String>,
    /// Why: `already applied`, `already in the run list`, `missing`.
    pub reason: String,
}

/// An expanded run list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expansion {
    /// What was expanded: `role[web]` or `node[web1]`.
    pub top: String,
    /// The environment whose run lists were used.
    pub env: String,
    /// Recipes in the order Chef runs them.
    pub recipes: Vec<Expanded>,
    /// Roles in the order they were applied, each with its path.
    pub roles: Vec<Expanded>,
    /// Items skipped, with the reason.
    pub skipped: Vec<Skipped>,
    /// Missing roles (Chef fails the run on these).
    pub missing: Vec<Skipped>,
    /// Version conflicts.
    pub conflicts: Vec<String>,
    /// The roles' `default_attributes`, merged as Chef merges them (see [`deep_merge`]).
    pub default_attributes: serde_json::Value,
    /// The roles' `override_attributes`, merged the same way.
    pub override_attributes: serde_json::Value,
}

/// Expands `role[key]` in `env` (default `_default`). `None` when no role has that key.
pub fn expand_role(repo: &Repository, key: &str, env: Option<&str>) -> Option<Expansion> {
    let role = repo.role(key)?;
    let env = env.unwrap_or(DEFAULT_ENV);
    let top = vec![Entry {
        item: crate::run_list::RunListItem::role(&role.key),
        pos: None,
    }];
    Some(expand(repo, &format!("role[{key}]"), &top, env))
}

/// Expands a node's run list in its own environment, or in `env` when given.
pub fn expand_node(repo: &Repository, name: &str, env: Option<&str>) -> Option<Expansion> {
    let node = repo.node(name)?;
    let env = env.unwrap_or(&node.environment);
    Some(expand(repo, &format!("node[{name}]"), &node.run_list, env))
}

/// Expands what `target` names: `node[x]`, `role[x]`, or a bare name (a role, else a node).
pub fn expand_target(repo: &Repository, target: &str, env: Option<&str>) -> Option<Expansion> {
    if let Some(n) = target
        .strip_prefix("node[")
        .and_then(|t| t.strip_suffix(']'))
    {
        expand_node(repo, n, env)
    } else if let Some(r) = target
        .strip_prefix("role[")
        .and_then(|t| t.strip_suffix(']'))
    {
        expand_role(repo, r, env)
    } else {
        expand_role(repo, target, env).or_else(|| expand_node(repo, target, env))
    }
}

/// Expands `list` in `env`.
pub fn expand(repo: &Repository, top: &str, list: &[Entry], env: &str) -> Expansion {
    let mut x = Expansion {
        top: top.to_string(),
        env: env.to_string(),
        recipes: Vec::new(),
        roles: Vec::new(),
        skipped: Vec::new(),
        missing: Vec::new(),
        conflicts: Vec::new(),
        default_attributes: serde_json::Value::Object(serde_json::Map::new()),
        override_attributes: serde_json::Value::Object(serde_json::Map::new()),
    };
    // Roles being expanded; a role's attributes are merged when its run list is done, so an
    // including role's attributes win over those of the roles it includes (Chef's order).
    let mut open: Vec<&crate::model::Role> = Vec::new();
    let mut applied: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut recipes: HashMap<String, (usize, Option<String>)> = HashMap::new();
    // Explicit stack of (run list, next index); `path` holds the roles being expanded.
    let mut stack: Vec<(&[Entry], usize)> = vec![(list, 0)];
    let mut path: Vec<String> = Vec::new();
    let top_is_role = top.starts_with("role[");
    while let Some((items, i)) = stack.pop() {
        let Some(entry) = items.get(i) else {
            path.pop();
            if let Some(role) = open.pop() {
                deep_merge(&mut x.default_attributes, &role.default_attributes);
                deep_merge(&mut x.override_attributes, &role.override_attributes);
            }
            continue;
        };
        stack.push((items, i + 1));
        let item = &entry.item;
        let shown_path = if top_is_role {
            path.clone()
        } else {
            std::iter::once(top.to_string())
                .chain(path.iter().cloned())
                .collect()
        };
        match item.kind {
            ItemKind::Recipe => match recipes.get(&item.name) {
                Some((at, pinned)) => {
                    if let (Some(a), Some(b)) = (pinned, &item.version) {
                        if a != b {
                            x.conflicts.push(format!(
                                "recipe[{}] pinned to {a} (by {}) and to {b} (by {})",
                                item.name,
                                via(&x.recipes[*at].path, top),
                                via(&shown_path, top)
                            ));
                        }
                    }
                    x.skipped.push(Skipped {
                        item: item.to_string(),
                        path: shown_path,
                        reason: "already in the run list".into(),
                    });
                }
                None => {
                    recipes.insert(item.name.clone(), (x.recipes.len(), item.version.clone()));
                    x.recipes.push(Expanded {
                        item: item.to_string(),
                        path: shown_path,
                    });
                }
            },
            ItemKind::Role => {
                if applied.contains(&item.name) {
                    x.skipped.push(Skipped {
                        item: item.to_string(),
                        path: shown_path,
                        reason: "already applied".into(),
                    });
                    continue;
                }
                applied.insert(item.name.clone());
                let Some(role) = repo.role(&item.name) else {
                    x.missing.push(Skipped {
                        item: item.to_string(),
                        path: shown_path,
                        reason: "missing".into(),
                    });
                    continue;
                };
                x.roles.push(Expanded {
                    item: item.to_string(),
                    path: shown_path,
                });
                path.push(item.to_string());
                open.push(role);
                stack.push((role.run_list_for(env), 0));
            }
        }
    }
    x
}

/// Merges `with` into `onto` as `Chef::Mixin::DeepMerge.merge` does for role attributes:
/// hashes merge key by key, arrays are united (no duplicates, `onto`'s order first), anything
/// else is replaced by `with`.
pub fn deep_merge(onto: &mut serde_json::Value, with: &serde_json::Value) {
    use serde_json::Value as J;
    match (onto, with) {
        (J::Object(a), J::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(slot) => deep_merge(slot, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (J::Array(a), J::Array(b)) => {
            for v in b {
                if !a.contains(v) {
                    a.push(v.clone());
                }
            }
        }
        (_, J::Null) => {}
        (slot, v) => *slot = v.clone(),
    }
}

fn via(path: &[String], top: &str) -> String {
    path.last().cloned().unwrap_or_else(|| top.to_string())
}

/// Someone who includes an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Includer {
    /// The role or node.
    pub vertex: u32,
    /// A shortest chain from it to the item (vertex ids, both ends included).
    pub path: Vec<u32>,
}

/// Everyone who includes `item`, directly (path of two) or through roles, nearest first
/// (`knife crawl -i`, but transitive).
pub fn reverse(g: &Graph, item: u32) -> Vec<Includer> {
    let n = g.vertices.len();
    let mut next = vec![u32::MAX; n];
    let mut seen = vec![false; n];
    seen[item as usize] = true;
    let mut queue = VecDeque::from([item]);
    let mut out = Vec::new();
    while let Some(v) = queue.pop_front() {
        let mut preds: Vec<u32> = g.inc[v as usize]
            .iter()
            .map(|&e| &g.edges[e as usize])
            .filter(|e| e.kind == EdgeKind::RunList)
            .map(|e| e.from)
            .collect();
        preds.sort_by(|a, b| {
            g.vertices[*a as usize]
                .name
                .cmp(&g.vertices[*b as usize].name)
        });
        for p in preds {
            if seen[p as usize] {
                continue;
            }
            seen[p as usize] = true;
            next[p as usize] = v;
            let mut path = vec![p];
            let mut at = p;
            while at != item {
                at = next[at as usize];
                path.push(at);
            }
            out.push(Includer { vertex: p, path });
            queue.push_back(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Options;
    use crate::testutil::{role, role_env};

    fn repo() -> Repository {
        Repository::from_parts(
            vec![
                role("base", &["apt", "ntp"]),
                role("app", &["role[base]", "rails", "ntp::default"]),
                role_env(
                    "web",
                    &["role[base]", "role[app]", "nginx@1.2.0", "role[monitor]"],
                    &[("prod", &["role[base]", "nginx::hardened"])],
                ),
            ],
            vec![],
            vec![],
        )
    }

    fn lines(x: &Expansion) -> Vec<String> {
        x.recipes
            .iter()
            .map(|r| format!("{} <- {}", r.item, r.path.join(" > ")))
            .collect()
    }

    #[test]
    fn recipes_come_in_chefs_order_with_the_path_that_brought_them() {
        let x = expand_role(&repo(), "web", None).unwrap();
        assert_eq!(
            lines(&x),
            vec![
                "recipe[apt] <- role[web] > role[base]",
                "recipe[ntp] <- role[web] > role[base]",
                "recipe[rails] <- role[web] > role[app]",
                "recipe[nginx@1.2.0] <- role[web]",
            ]
        );
        let skipped: Vec<String> = x
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.item, s.reason))
            .collect();
        assert_eq!(
            skipped,
            vec![
                "role[base] (already applied)",
                "recipe[ntp] (already in the run list)"
            ]
        );
        assert_eq!(x.missing.len(), 1);
        assert_eq!(x.missing[0].item, "role[monitor]");
    }

    #[test]
    fn an_environment_list_replaces_the_default_one() {
        let x = expand_role(&repo(), "web", Some("prod")).unwrap();
        assert_eq!(
            lines(&x),
            vec![
                "recipe[apt] <- role[web] > role[base]",
                "recipe[ntp] <- role[web] > role[base]",
                "recipe[nginx::hardened] <- role[web]"
            ]
        );
    }

    #[test]
    fn a_cycle_is_cut_where_chef_cuts_it() {
        let r = Repository::from_parts(
            vec![role("a", &["role[b]", "x"]), role("b", &["role[a]", "y"])],
            vec![],
            vec![],
        );
        let x = expand_role(&r, "a", None).unwrap();
        assert_eq!(
            lines(&x),
            vec!["recipe[y] <- role[a] > role[b]", "recipe[x] <- role[a]"]
        );
        assert_eq!(x.skipped[0].item, "role[a]");
    }

    #[test]
    fn different_pins_of_one_recipe_are_a_conflict() {
        let r = Repository::from_parts(
            vec![role("a", &["role[b]", "x@1.0"]), role("b", &["x@2.0"])],
            vec![],
            vec![],
        );
        let x = expand_role(&r, "a", None).unwrap();
        assert_eq!(
            x.conflicts,
            vec!["recipe[x] pinned to 2.0 (by role[b]) and to 1.0 (by role[a])"]
        );
    }

    #[test]
    fn attributes_merge_with_the_including_role_winning() {
        let mut base = role("base", &["apt"]);
        base.default_attributes =
            serde_json::json!({"ntp": {"servers": ["a"], "enabled": true}, "tz": "UTC"});
        let mut web = role("web", &["role[base]"]);
        web.default_attributes = serde_json::json!({"ntp": {"servers": ["b"]}, "tz": "CET"});
        web.override_attributes = serde_json::json!({"nginx": {"workers": 4}});
        let r = Repository::from_parts(vec![base, web], vec![], vec![]);
        let x = expand_role(&r, "web", None).unwrap();
        assert_eq!(
            x.default_attributes,
            serde_json::json!({"ntp": {"servers": ["a", "b"], "enabled": true}, "tz": "CET"})
        );
        assert_eq!(
            x.override_attributes,
            serde_json::json!({"nginx": {"workers": 4}})
        );
    }

    #[test]
    fn reverse_lists_direct_then_transitive_includers() {
        let r = repo();
        let g = Graph::build(&r, &Options::default());
        let inc = reverse(&g, g.find("recipe[ntp]").unwrap());
        let text: Vec<String> = inc
            .iter()
            .map(|i| crate::analysis::path_text(&g, &i.path))
            .collect();
        assert_eq!(
            text,
            vec![
                "role[app] → recipe[ntp]",
                "role[base] → recipe[ntp]",
                "role[web] → role[app] → recipe[ntp]"
            ]
        );
    }
}
