//! Roles, nodes and environments, read from JSON or the Ruby DSL the way Chef loads them.
//!
//! A role keeps every run list it has: `_default` (the `run_list`) and one per environment
//! (`env_run_lists`). Chef's `run_list_for(env)` returns the environment's list when the role
//! has one — replacing the default list, not merging with it — and the default list otherwise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Kind, Pos};
use crate::jsonc;
use crate::ruby::{self, Value, ValueKind};
use crate::run_list::{valid_role_name, RunListItem};

/// The name of the default environment and of the default run list.
pub const DEFAULT_ENV: &str = "_default";

/// One run-list entry and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The item, normalised.
    pub item: RunListItem,
    /// Where it was written, when known.
    pub pos: Option<Pos>,
}

/// A role.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    /// The name the role is found by: its file name without the extension (as chef-solo and
    /// chef-zero find roles on disk).
    pub key: String,
    /// The `name` the file declares (the file name when it declares none).
    pub name: String,
    /// The file.
    pub file: PathBuf,
    /// `description`.
    pub description: String,
    /// Run lists by environment; `_default` is the `run_list`.
    pub run_lists: BTreeMap<String, Vec<Entry>>,
    /// `default_attributes`, as JSON.
    pub default_attributes: serde_json::Value,
    /// `override_attributes`, as JSON.
    pub override_attributes: serde_json::Value,
}

impl Role {
    /// The run list Chef uses in `env`: the environment's own list when the role has one,
    /// else the default list.
    pub fn run_list_for(&self, env: &str) -> &[Entry] {
        self.run_lists
            .get(env)
            .or_else(|| self.run_lists.get(DEFAULT_ENV))
            .map_or(&[], Vec::as_slice)
    }

    /// The default run list.
    pub fn run_list(&self) -> &[Entry] {
        self.run_list_for(DEFAULT_ENV)
    }
}

/// A node (`nodes/*.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// `name`, or the file name when the file has none.
    pub name: String,
    /// The file.
    pub file: PathBuf,
    /// `chef_environment` (`_default` when absent).
    pub environment: String,
    /// `run_list` (or the legacy `recipes`).
    pub run_list: Vec<Entry>,
}

/// An environment (`environments/*.json` or `*.rb`).
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    /// The file name without its extension (a different `name` inside is flagged).
    pub name: String,
    /// The file.
    pub file: PathBuf,
    /// `description`.
    pub description: String,
    /// `cookbook_versions` constraints.
    pub cookbook_versions: BTreeMap<String, String>,
}

/// The file name without its extension.
pub fn file_stem(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn is_ruby(file: &Path) -> bool {
    file.extension().is_some_and(|e| e == "rb")
}

/// Collects diagnostics for one file.
struct Sink<'a> {
    file: &'a Path,
    out: Vec<Diagnostic>,
}

impl Sink<'_> {
    fn warn(&mut self, pos: Option<Pos>, kind: Kind, msg: impl Into<String>) {
        self.out.push(Diagnostic::new(self.file, pos, kind, msg));
    }
}

// ---------------------------------------------------------------------------------------------
// Roles

/// Reads a role file (`.rb` as Ruby DSL, anything else as JSON). Never fails: what is not
/// understood becomes a diagnostic, and the role keeps what was understood.
pub fn read_role(file: &Path, text: &str) -> (Role, Vec<Diagnostic>) {
    let mut sink = Sink {
        file,
        out: Vec::new(),
    };
    let key = file_stem(file);
    let mut role = Role {
        key: key.clone(),
        name: key.clone(),
        file: file.to_path_buf(),
        description: String::new(),
        run_lists: BTreeMap::new(),
        default_attributes: serde_json::Value::Object(serde_json::Map::new()),
        override_attributes: serde_json::Value::Object(serde_json::Map::new()),
    };
    let declared = if is_ruby(file) {
        role_from_dsl(&mut role, text, &mut sink)
    } else {
        role_from_json(&mut role, text, &mut sink)
    };
    if let Some((name, pos)) = declared {
        if !valid_role_name(&name) {
            sink.warn(
                pos,
                Kind::Invalid,
                format!("role name {name:?} may hold only letters, digits, `_` and `-`"),
            );
        }
        if name != key {
            sink.warn(
                pos,
                Kind::NameMismatch,
                format!(
                    "role file {key:?} declares name {name:?}: chef-solo and chef-zero find it as role[{key}], a Chef server as role[{name}]"
                ),
            );
        }
        role.name = name;
    }
    sink.out.sort_by_key(|d| d.pos);
    (role, sink.out)
}

fn role_from_dsl(
    role: &mut Role,
    text: &str,
    sink: &mut Sink<'_>,
) -> Option<(String, Option<Pos>)> {
    let program = ruby::parse(text);
    for w in program.warnings {
        sink.out.push(w.in_file(sink.file));
    }
    let mut declared = None;
    for call in program.calls {
        let pos = Some(call.pos);
        match call.name.as_str() {
            "name" => declared = dsl_string(&call, sink).map(|n| (n, pos)),
            "description" => role.description = dsl_string(&call, sink).unwrap_or_default(),
            "run_list" | "recipes" => {
                if !call.args.is_empty() {
                    let list = dsl_items(&call.args, sink);
                    role.run_lists.insert(DEFAULT_ENV.to_string(), list);
                }
            }
            "env_run_lists" | "env_run_list" | "env_run_lists_add" | "env_run_list_add" => {
                let replace = !call.name.ends_with("_add");
                let Some(hash) = dsl_hash(&call, sink) else {
                    continue;
                };
                let mut lists = BTreeMap::new();
                for (k, v) in hash {
                    let Some(env) = k.as_str() else {
                        sink.warn(
                            Some(k.pos),
                            Kind::Invalid,
                            format!(
                                "env run list key is {}, not an environment name",
                                k.type_name()
                            ),
                        );
                        continue;
                    };
                    let items = dsl_items(std::slice::from_ref(&v), sink);
                    empty_env_list(env, &items, Some(k.pos), sink);
                    lists.insert(env.to_string(), items);
                }
                if replace {
                    if !lists.contains_key(DEFAULT_ENV) {
                        sink.warn(
                            pos,
                            Kind::Invalid,
                            format!(
                                "`{}` without a \"_default\" key: Chef refuses to load this role",
                                call.name
                            ),
                        );
                    }
                    role.run_lists = lists;
                } else {
                    role.run_lists.extend(lists);
                }
            }
            "default_attributes" | "override_attributes" => {
                if call.args.is_empty() {
                    continue;
                }
                let Some(hash) = dsl_hash(&call, sink) else {
                    continue;
                };
                let json = Value {
                    kind: ValueKind::Hash(hash),
                    pos: call.pos,
                }
                .to_json();
                if call.name == "default_attributes" {
                    role.default_attributes = json;
                } else {
                    role.override_attributes = json;
                }
            }
            other => sink.warn(
                pos,
                Kind::Unsupported,
                format!("`{other}` is not a role DSL method; ignored"),
            ),
        }
    }
    declared
}

/// Chef's docs say an empty env run list means "use the default"; the code uses the empty list.
fn empty_env_list(env: &str, items: &[Entry], pos: Option<Pos>, sink: &mut Sink<'_>) {
    if env != DEFAULT_ENV && items.is_empty() {
        sink.warn(
            pos,
            Kind::Trap,
            format!("env run list {env:?} is empty: Chef runs nothing from this role in {env}, it does not fall back to the default list"),
        );
    }
}

/// The single string argument of `name "x"` / `description "x"`.
fn dsl_string(call: &ruby::Call, sink: &mut Sink<'_>) -> Option<String> {
    match call.args.as_slice() {
        [v] => match &v.kind {
            ValueKind::Str(s) | ValueKind::Sym(s) => Some(s.clone()),
            ValueKind::Unknown => None,
            _ => {
                sink.warn(
                    Some(v.pos),
                    Kind::Invalid,
                    format!("`{}` takes a string, not {}", call.name, v.type_name()),
                );
                None
            }
        },
        _ => {
            sink.warn(
                Some(call.pos),
                Kind::Invalid,
                format!(
                    "`{}` takes one string, not {} arguments",
                    call.name,
                    call.args.len()
                ),
            );
            None
        }
    }
}

/// The single hash argument of `env_run_lists(…)` / `default_attributes(…)`.
fn dsl_hash(call: &ruby::Call, sink: &mut Sink<'_>) -> Option<Vec<(Value, Value)>> {
    match call.args.as_slice() {
        [Value {
            kind: ValueKind::Hash(h),
            ..
        }] => Some(h.clone()),
        [Value {
            kind: ValueKind::Unknown,
            ..
        }] => None,
        [v] => {
            sink.warn(
                Some(v.pos),
                Kind::Invalid,
                format!("`{}` takes a hash, not {}", call.name, v.type_name()),
            );
            None
        }
        _ => {
            sink.warn(
                Some(call.pos),
                Kind::Invalid,
                format!(
                    "`{}` takes one hash, not {} arguments",
                    call.name,
                    call.args.len()
                ),
            );
            None
        }
    }
}

/// The message for an item Chef rejects, with the likely intended item when there is one.
fn item_error(e: &crate::run_list::ItemError, text: &str) -> String {
    match crate::run_list::likely_meant(text) {
        Some(m) => format!("{e} (did you mean {m}?); entry skipped"),
        None => format!("{e}; entry skipped"),
    }
}

/// Run-list items from DSL values, flattened as `Chef::RunList.new(*items)` does.
fn dsl_items(values: &[Value], sink: &mut Sink<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    for v in values {
        match &v.kind {
            ValueKind::Array(items) => out.extend(dsl_items(items, sink)),
            ValueKind::Str(s) => match RunListItem::parse(s) {
                Ok(item) => out.push(Entry {
                    item,
                    pos: Some(v.pos),
                }),
                Err(e) => sink.warn(Some(v.pos), Kind::InvalidItem, item_error(&e, s)),
            },
            ValueKind::Unknown | ValueKind::Nil => {}
            _ => sink.warn(
                Some(v.pos),
                Kind::Invalid,
                format!("run-list entry is {}, not a string; skipped", v.type_name()),
            ),
        }
    }
    out
}

fn role_from_json(
    role: &mut Role,
    text: &str,
    sink: &mut Sink<'_>,
) -> Option<(String, Option<Pos>)> {
    let obj = json_object(text, sink, "role")?;
    let mut declared = None;
    if let Some(v) = obj.get("name") {
        match v.as_str() {
            Some(n) => declared = Some((n.to_string(), jsonc::locate(text, 0, n))),
            None => sink.warn(None, Kind::Invalid, "\"name\" is not a string"),
        }
    }
    if let Some(d) = obj.get("description").and_then(serde_json::Value::as_str) {
        role.description = d.to_string();
    }
    let key = if obj.contains_key("run_list") {
        "run_list"
    } else {
        "recipes"
    };
    let default = obj
        .get(key)
        .map(|v| json_items(v, text, key, sink))
        .unwrap_or_default();
    role.run_lists.insert(DEFAULT_ENV.to_string(), default);
    match obj.get("env_run_lists") {
        Some(serde_json::Value::Object(envs)) => {
            let from = text.find("\"env_run_lists\"").unwrap_or(0);
            for (env, list) in envs {
                let items =
                    json_items_from(list, text, from, &format!("env_run_lists.{env}"), sink);
                empty_env_list(env, &items, jsonc::locate(text, from, env), sink);
                role.run_lists.insert(env.clone(), items);
            }
        }
        Some(serde_json::Value::Null) | None => {}
        Some(_) => sink.warn(
            None,
            Kind::Invalid,
            "\"env_run_lists\" is not an object; ignored",
        ),
    }
    for (field, slot) in [
        ("default_attributes", &mut role.default_attributes),
        ("override_attributes", &mut role.override_attributes),
    ] {
        match obj.get(field) {
            Some(v @ serde_json::Value::Object(_)) => *slot = v.clone(),
            Some(serde_json::Value::Null) | None => {}
            Some(_) => sink.warn(
                None,
                Kind::Invalid,
                format!("\"{field}\" is not an object; ignored"),
            ),
        }
    }
    declared
}

/// Parses JSON (comments allowed) that must be an object.
fn json_object(
    text: &str,
    sink: &mut Sink<'_>,
    what: &str,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let stripped = jsonc::strip_comments(text);
    match serde_json::from_str::<serde_json::Value>(&stripped) {
        Ok(serde_json::Value::Object(o)) => Some(o),
        Ok(other) => {
            let t = match other {
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::Bool(_) => "a boolean",
                _ => "null",
            };
            sink.warn(
                Some(Pos { line: 1, col: 1 }),
                Kind::Invalid,
                format!("a {what} file must hold a JSON object, not {t}"),
            );
            None
        }
        Err(e) => {
            let pos = Pos {
                line: e.line() as u32,
                col: e.column() as u32,
            };
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            sink.warn(Some(pos), Kind::Syntax, format!("invalid JSON: {msg}"));
            None
        }
    }
}

fn json_items(v: &serde_json::Value, text: &str, field: &str, sink: &mut Sink<'_>) -> Vec<Entry> {
    let from = text.find(&format!("\"{field}\"")).unwrap_or(0);
    json_items_from(v, text, from, field, sink)
}

/// Run-list items from a JSON array of strings or `{"type", "name", "version"}` objects.
fn json_items_from(
    v: &serde_json::Value,
    text: &str,
    from: usize,
    field: &str,
    sink: &mut Sink<'_>,
) -> Vec<Entry> {
    let serde_json::Value::Array(items) = v else {
        if !v.is_null() {
            sink.warn(
                jsonc::locate(text, 0, field),
                Kind::Invalid,
                format!("\"{field}\" is not an array; ignored"),
            );
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cursor = from;
    for item in items {
        match item {
            serde_json::Value::String(s) => {
                let pos = jsonc::locate(text, cursor, s);
                if let Some(p) = pos {
                    // Move past this occurrence so a repeated item points at its own place.
                    let quoted = serde_json::to_string(s).unwrap_or_default();
                    if let Some(i) = text[cursor..].find(&quoted) {
                        cursor += i + quoted.len();
                    }
                    let _ = p;
                }
                match RunListItem::parse(s) {
                    Ok(item) => out.push(Entry { item, pos }),
                    Err(e) => sink.warn(pos, Kind::InvalidItem, item_error(&e, s)),
                }
            }
            serde_json::Value::Object(o) => {
                let kind = o.get("type").and_then(serde_json::Value::as_str);
                let name = o.get("name").and_then(serde_json::Value::as_str);
                let version = o.get("version").and_then(serde_json::Value::as_str);
                let text_item = match (kind, name, version) {
                    (Some("role"), Some(n), _) => format!("role[{n}]"),
                    (Some("recipe"), Some(n), Some(v)) => format!("recipe[{n}@{v}]"),
                    (Some("recipe"), Some(n), None) => format!("recipe[{n}]"),
                    _ => {
                        sink.warn(None, Kind::Invalid, format!("run-list entry {item} in \"{field}\" needs \"type\" (role or recipe) and \"name\"; skipped"));
                        continue;
                    }
                };
                match RunListItem::parse(&text_item) {
                    Ok(i) => out.push(Entry { item: i, pos: None }),
                    Err(e) => sink.warn(None, Kind::InvalidItem, item_error(&e, &text_item)),
                }
            }
            other => sink.warn(
                None,
                Kind::Invalid,
                format!("run-list entry {other} in \"{field}\" is not a string; skipped"),
            ),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Nodes and environments

/// Reads a node JSON file. `None` when the file is not a JSON object (a diagnostic says why).
pub fn read_node(file: &Path, text: &str) -> (Option<Node>, Vec<Diagnostic>) {
    let mut sink = Sink {
        file,
        out: Vec::new(),
    };
    let Some(obj) = json_object(text, &mut sink, "node") else {
        return (None, sink.out);
    };
    let name = obj
        .get("name")
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| file_stem(file), str::to_string);
    let environment = obj
        .get("chef_environment")
        .and_then(serde_json::Value::as_str)
        .unwrap_or(DEFAULT_ENV)
        .to_string();
    let key = if obj.contains_key("run_list") {
        "run_list"
    } else {
        "recipes"
    };
    let run_list = obj
        .get(key)
        .map(|v| json_items(v, text, key, &mut sink))
        .unwrap_or_default();
    (
        Some(Node {
            name,
            file: file.to_path_buf(),
            environment,
            run_list,
        }),
        sink.out,
    )
}

/// Environments are found by file name, like roles; a different `name` inside is flagged.
fn env_name_check(key: &str, declared: &str, pos: Option<Pos>, sink: &mut Sink<'_>) {
    if key != declared {
        sink.warn(
            pos,
            Kind::NameMismatch,
            format!("environment file {key:?} declares name {declared:?}: chef-solo and chef-zero find it as {key}, a Chef server as {declared}"),
        );
    }
}

/// Reads an environment file (`.rb` DSL or JSON). The environment is named after its file.
pub fn read_environment(file: &Path, text: &str) -> (Option<Environment>, Vec<Diagnostic>) {
    let mut sink = Sink {
        file,
        out: Vec::new(),
    };
    let mut env = Environment {
        name: file_stem(file),
        file: file.to_path_buf(),
        description: String::new(),
        cookbook_versions: BTreeMap::new(),
    };
    if is_ruby(file) {
        let program = ruby::parse(text);
        for w in program.warnings {
            sink.out.push(w.in_file(file));
        }
        for call in program.calls {
            match call.name.as_str() {
                "name" => {
                    if let Some(n) = dsl_string(&call, &mut sink) {
                        env_name_check(&env.name, &n, Some(call.pos), &mut sink);
                    }
                }
                "description" => env.description = dsl_string(&call, &mut sink).unwrap_or_default(),
                "cookbook" => match call.args.as_slice() {
                    [c, v] => {
                        if let (Some(c), Some(v)) = (c.as_str(), v.as_str()) {
                            env.cookbook_versions.insert(c.to_string(), v.to_string());
                        }
                    }
                    _ => sink.warn(
                        Some(call.pos),
                        Kind::Invalid,
                        "`cookbook` takes a cookbook name and a version constraint",
                    ),
                },
                "cookbook_versions" => {
                    if let Some(h) = dsl_hash(&call, &mut sink) {
                        for (k, v) in h {
                            if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                                env.cookbook_versions.insert(k.to_string(), v.to_string());
                            }
                        }
                    }
                }
                "default_attributes" | "override_attributes" => {
                    let _ = dsl_hash(&call, &mut sink);
                }
                other => sink.warn(
                    Some(call.pos),
                    Kind::Unsupported,
                    format!("`{other}` is not an environment DSL method; ignored"),
                ),
            }
        }
        return (Some(env), sink.out);
    }
    let Some(obj) = json_object(text, &mut sink, "environment") else {
        return (None, sink.out);
    };
    if let Some(n) = obj.get("name").and_then(serde_json::Value::as_str) {
        env_name_check(&env.name, n, jsonc::locate(text, 0, n), &mut sink);
    }
    if let Some(d) = obj.get("description").and_then(serde_json::Value::as_str) {
        env.description = d.to_string();
    }
    if let Some(serde_json::Value::Object(cv)) = obj.get("cookbook_versions") {
        for (k, v) in cv {
            if let Some(v) = v.as_str() {
                env.cookbook_versions.insert(k.clone(), v.to_string());
            }
        }
    }
    (Some(env), sink.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(list: &[Entry]) -> Vec<String> {
        list.iter().map(|e| e.item.to_string()).collect()
    }

    #[test]
    fn a_json_role_with_comments_reads_run_list_and_env_lists() {
        let text = "// a role\n{\"name\": \"web\", /* c */ \"run_list\": [\"role[base]\", \"nginx\"],\n \"env_run_lists\": {\"prod\": [\"recipe[nginx::default@1.2.3]\"]}}";
        let (role, diags) = read_role(Path::new("roles/web.json"), text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(items(role.run_list()), vec!["role[base]", "recipe[nginx]"]);
        assert_eq!(
            items(role.run_list_for("prod")),
            vec!["recipe[nginx@1.2.3]"]
        );
        assert_eq!(
            items(role.run_list_for("staging")),
            vec!["role[base]", "recipe[nginx]"]
        );
        assert_eq!(role.run_list()[0].pos, Some(Pos { line: 2, col: 38 }));
    }

    #[test]
    fn a_json_role_without_run_list_uses_legacy_recipes() {
        let (role, _) = read_role(Path::new("r.json"), r#"{"recipes": ["a"]}"#);
        assert_eq!(items(role.run_list()), vec!["recipe[a]"]);
    }

    #[test]
    fn a_json_default_env_list_overrides_run_list_as_chef_merges_it() {
        let (role, _) = read_role(
            Path::new("r.json"),
            r#"{"run_list": ["a"], "env_run_lists": {"_default": ["b"]}}"#,
        );
        assert_eq!(items(role.run_list()), vec!["recipe[b]"]);
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let (_, diags) = read_role(Path::new("roles/x.json"), "{\n  \"name\": \"x\",,\n}");
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].to_string(),
            "roles/x.json:2:15: warning: invalid JSON: key must be a string"
        );
    }

    #[test]
    fn a_dsl_role_reads_name_run_list_env_lists_and_attributes() {
        let text = "name \"web\"\ndescription 'Web'\nall = %w[role[base] nginx]\nrun_list(all)\nenv_run_lists \"_default\" => all, prod: all + [\"recipe[x@1.0]\"]\ndefault_attributes(a: {b: 1})\n";
        let (role, diags) = read_role(Path::new("roles/web.rb"), text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(role.description, "Web");
        assert_eq!(items(role.run_list()), vec!["role[base]", "recipe[nginx]"]);
        assert_eq!(
            items(role.run_list_for("prod")),
            vec!["role[base]", "recipe[nginx]", "recipe[x@1.0]"]
        );
        assert_eq!(role.default_attributes, serde_json::json!({"a": {"b": 1}}));
    }

    #[test]
    fn env_run_lists_without_default_is_flagged() {
        let (_, diags) = read_role(Path::new("r.rb"), "env_run_lists 'prod' => ['a']\n");
        assert!(
            diags
                .iter()
                .any(|d| d.message.contains("without a \"_default\" key")),
            "{diags:?}"
        );
    }

    #[test]
    fn an_empty_env_list_is_flagged_because_chef_uses_it() {
        let (role, diags) = read_role(
            Path::new("r.json"),
            r#"{"run_list": ["a"], "env_run_lists": {"prod": []}}"#,
        );
        assert!(role.run_list_for("prod").is_empty());
        assert!(
            diags
                .iter()
                .any(|d| d.message.contains("does not fall back")),
            "{diags:?}"
        );
    }

    #[test]
    fn a_name_that_differs_from_the_file_is_flagged() {
        let (role, diags) = read_role(Path::new("roles/gp.rb"), "name \"hp\"\n");
        assert_eq!(role.key, "gp");
        assert_eq!(role.name, "hp");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].kind, Kind::NameMismatch);
        assert_eq!(diags[0].pos, Some(Pos { line: 1, col: 1 }));
    }

    #[test]
    fn bad_items_are_skipped_with_their_position() {
        let (role, diags) = read_role(Path::new("r.rb"), "run_list 'Recipe[x]', :sym, 'ok'\n");
        assert_eq!(items(role.run_list()), vec!["recipe[ok]"]);
        let msgs: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            vec![
                "r.rb:1:10: warning: run-list item \"Recipe[x]\" must be recipe[NAME] or role[NAME] (did you mean recipe[x]?); entry skipped",
                "r.rb:1:23: warning: run-list entry is a symbol, not a string; skipped"
            ]
        );
    }

    #[test]
    fn nodes_read_name_environment_and_run_list() {
        let (node, diags) = read_node(
            Path::new("nodes/web1.json"),
            "// run list\n{\"chef_environment\": \"prod\", \"run_list\": [\"role[web]\"]}",
        );
        assert!(diags.is_empty());
        let node = node.unwrap();
        assert_eq!(node.name, "web1");
        assert_eq!(node.environment, "prod");
        assert_eq!(items(&node.run_list), vec!["role[web]"]);
    }

    #[test]
    fn environments_read_from_dsl_and_json() {
        let (e, d) = read_environment(
            Path::new("testing.rb"),
            "name 'testing'\ndescription 'a' \\\n ' b'\ncookbook 'apt', '= 1.0'\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let e = e.unwrap();
        assert_eq!(
            (e.name.as_str(), e.description.as_str()),
            ("testing", "a b")
        );
        assert_eq!(
            e.cookbook_versions.get("apt").map(String::as_str),
            Some("= 1.0")
        );
        let (e, d) = read_environment(Path::new("prod.json"), r#"{"name": "production"}"#);
        assert_eq!(e.unwrap().name, "prod");
        assert_eq!(d[0].kind, Kind::NameMismatch);
    }
}
