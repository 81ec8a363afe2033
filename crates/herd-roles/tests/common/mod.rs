//! Helpers shared by the integration tests: repositories built in memory, and the real
//! repositories of the shared corpus.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use herd_roles::model::{Entry, Role, DEFAULT_ENV};
use herd_roles::RunListItem;

/// Role `r{i}` (file `roles/r{i}.json`) whose default run list includes the roles `r{j}` for
/// each `j` in `includes`, then the recipe `recipe`.
pub fn role(i: usize, includes: impl IntoIterator<Item = usize>, recipe: &str) -> Role {
    let mut list: Vec<Entry> = includes
        .into_iter()
        .map(|j| Entry {
            item: RunListItem::role(&format!("r{j}")),
            pos: None,
        })
        .collect();
    list.push(Entry {
        item: RunListItem::parse(recipe).unwrap(),
        pos: None,
    });
    let mut run_lists = BTreeMap::new();
    run_lists.insert(DEFAULT_ENV.to_string(), list);
    Role {
        key: format!("r{i}"),
        name: format!("r{i}"),
        file: PathBuf::from(format!("roles/r{i}.json")),
        description: String::new(),
        run_lists,
        default_attributes: serde_json::Value::Null,
        override_attributes: serde_json::Value::Null,
    }
}

/// A repository of the shared corpus (`../shared/corpus/chef/<name>` beside the repository);
/// `None`, said, where it is absent.
pub fn corpus(name: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/chef")
        .join(name);
    if root.is_dir() {
        Some(root)
    } else {
        println!("skipped: {} is absent", root.display());
        None
    }
}
