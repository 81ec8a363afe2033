//! Helpers for unit tests: roles built in code.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::model::{Entry, Role, DEFAULT_ENV};
use crate::run_list::RunListItem;

pub(crate) fn role(key: &str, items: &[&str]) -> Role {
    role_env(key, items, &[])
}

pub(crate) fn role_env(key: &str, items: &[&str], envs: &[(&str, &[&str])]) -> Role {
    let list = |items: &[&str]| -> Vec<Entry> {
        items
            .iter()
            .map(|i| Entry {
                item: RunListItem::parse(i).unwrap(),
                pos: None,
            })
            .collect()
    };
    let mut run_lists = BTreeMap::new();
    run_lists.insert(DEFAULT_ENV.to_string(), list(items));
    for (env, items) in envs {
        run_lists.insert((*env).to_string(), list(items));
    }
    Role {
        key: key.into(),
        name: key.into(),
        file: PathBuf::from(format!("roles/{key}.json")),
        description: String::new(),
        run_lists,
        default_attributes: serde_json::Value::Null,
        override_attributes: serde_json::Value::Null,
    }
}
