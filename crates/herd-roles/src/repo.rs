//! Finding and reading a Chef repository: `roles/`, `nodes/` and `environments/` under a
//! repository root, or a roles folder on its own. Folders are walked recursively (Chef's
//! `Role.from_disk` does; knife-role-spaghetti read only the top level). Files are read in
//! parallel; the result does not depend on the order they finish in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Kind};
use crate::model::{read_environment, read_node, read_role, Environment, Node, Role};

/// Files larger than this are skipped with a diagnostic (a role file is a few kilobytes).
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Where to look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// Role folders.
    pub roles: Vec<PathBuf>,
    /// Node folders.
    pub nodes: Vec<PathBuf>,
    /// Environment folders.
    pub environments: Vec<PathBuf>,
}

impl Sources {
    /// `path` is a repository root when it holds `roles/`, `nodes/` or `environments/`, and a
    /// roles folder otherwise. `role_paths`, when given, replace the roles folder.
    pub fn discover(path: &Path, role_paths: &[PathBuf]) -> Self {
        let sub = |name: &str| {
            let p = path.join(name);
            if p.is_dir() {
                vec![p]
            } else {
                Vec::new()
            }
        };
        let is_root = ["roles", "nodes", "environments"]
            .iter()
            .any(|d| path.join(d).is_dir());
        let roles = if !role_paths.is_empty() {
            role_paths.to_vec()
        } else if is_root {
            sub("roles")
        } else {
            vec![path.to_path_buf()]
        };
        Sources {
            roles,
            nodes: if is_root { sub("nodes") } else { Vec::new() },
            environments: if is_root {
                sub("environments")
            } else {
                Vec::new()
            },
        }
    }
}

/// A folder that could not be read at all. The OS error is said once, in the message (not
/// also as the error's source, which would print it twice in a chain).
#[derive(Debug, thiserror::Error)]
#[error("cannot read folder {}: {cause}", path.display())]
pub struct LoadError {
    /// The folder.
    pub path: PathBuf,
    /// Why.
    pub cause: std::io::Error,
}

/// Everything read from a repository.
#[derive(Debug, Clone, Default)]
pub struct Repository {
    /// Roles, sorted by key (file name).
    pub roles: Vec<Role>,
    /// Nodes, sorted by name.
    pub nodes: Vec<Node>,
    /// Environments, sorted by name.
    pub environments: Vec<Environment>,
    /// Everything not understood, and findings about files (name mismatches, duplicates).
    pub diagnostics: Vec<Diagnostic>,
}

impl Repository {
    /// The role found as `role[key]`.
    pub fn role(&self, key: &str) -> Option<&Role> {
        self.roles
            .binary_search_by(|r| r.key.as_str().cmp(key))
            .ok()
            .map(|i| &self.roles[i])
    }

    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes
            .binary_search_by(|n| n.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.nodes[i])
    }

    /// Whether `env` means something here: `_default`, an environment file, a node's
    /// `chef_environment`, or a key of some role's env run lists.
    pub fn knows_env(&self, env: &str) -> bool {
        env == crate::model::DEFAULT_ENV
            || self.environments.iter().any(|e| e.name == env)
            || self.nodes.iter().any(|n| n.environment == env)
            || self.roles.iter().any(|r| r.run_lists.contains_key(env))
    }

    /// Makes every file path relative to `root` (the repository the user named), so messages
    /// read `roles/web.json:3:5` whether the repository was given as `.` or as a full path.
    /// Paths outside `root` (a `--role-path` elsewhere) stay as they are.
    pub fn relative_to(&mut self, root: &Path) {
        let rel = |f: &mut PathBuf| {
            if let Ok(p) = f.strip_prefix(root) {
                if !p.as_os_str().is_empty() {
                    *f = p.to_path_buf();
                }
            }
        };
        self.roles.iter_mut().for_each(|r| rel(&mut r.file));
        self.nodes.iter_mut().for_each(|n| rel(&mut n.file));
        self.environments.iter_mut().for_each(|e| rel(&mut e.file));
        self.diagnostics.iter_mut().for_each(|d| rel(&mut d.file));
    }

    /// Every environment name the repository mentions, sorted: `_default`, environment files,
    /// nodes' `chef_environment`, keys of roles' env run lists.
    pub fn known_envs(&self) -> Vec<String> {
        let mut envs: Vec<String> = std::iter::once(crate::model::DEFAULT_ENV.to_string())
            .chain(self.environments.iter().map(|e| e.name.clone()))
            .chain(self.nodes.iter().map(|n| n.environment.clone()))
            .chain(self.roles.iter().flat_map(|r| r.run_lists.keys().cloned()))
            .collect();
        envs.sort();
        envs.dedup();
        envs
    }

    /// A warning when `env` names an environment the repository never mentions (a typo
    /// would otherwise silently use the default run lists), listing the known ones.
    pub fn env_warning(&self, env: &str) -> Option<String> {
        (!self.knows_env(env)).then(|| {
            format!(
                "environment {env:?} is not defined: no environment file, node or env run list names it, \
                 so every role uses its default run list; known environments: {}",
                self.known_envs().join(", ")
            )
        })
    }

    /// Diagnostics that mean part of a file was not understood.
    pub fn parse_warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.kind.is_parse_warning())
    }

    /// Builds a repository from roles, nodes and environments already read (tests, benches).
    pub fn from_parts(
        mut roles: Vec<Role>,
        mut nodes: Vec<Node>,
        mut environments: Vec<Environment>,
    ) -> Self {
        roles.sort_by(|a, b| a.key.cmp(&b.key));
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        environments.sort_by(|a, b| a.name.cmp(&b.name));
        Repository {
            roles,
            nodes,
            environments,
            diagnostics: Vec::new(),
        }
    }
}

/// Reads every role, node and environment under `sources`.
pub fn load(sources: &Sources) -> Result<Repository, LoadError> {
    let mut diagnostics = Vec::new();
    let role_files = walk_all(&sources.roles, &["json", "rb"], &mut diagnostics)?;
    let node_files = walk_all(&sources.nodes, &["json"], &mut diagnostics)?;
    let env_files = walk_all(&sources.environments, &["json", "rb"], &mut diagnostics)?;

    let roles = read_parallel(&role_files, &mut diagnostics, |f, t| {
        let (r, d) = read_role(f, t);
        (Some(r), d)
    });
    let nodes = read_parallel(&node_files, &mut diagnostics, read_node);
    let environments = read_parallel(&env_files, &mut diagnostics, read_environment);

    let roles = dedup(
        roles,
        |r| r.key.clone(),
        |r| &r.file,
        "role",
        &mut diagnostics,
    );
    let nodes = dedup(
        nodes,
        |n| n.name.clone(),
        |n| &n.file,
        "node",
        &mut diagnostics,
    );
    let environments = dedup(
        environments,
        |e| e.name.clone(),
        |e| &e.file,
        "environment",
        &mut diagnostics,
    );
    Ok(Repository {
        roles,
        nodes,
        environments,
        diagnostics,
    })
}

fn walk_all(
    dirs: &[PathBuf],
    exts: &[&str],
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    for dir in dirs {
        walk(dir, exts, &mut files, diags, true)?;
    }
    // Byte order (not `Path`'s component order, which is several times slower to compare).
    files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    files.dedup();
    Ok(files)
}

fn walk(
    dir: &Path,
    exts: &[&str],
    files: &mut Vec<PathBuf>,
    diags: &mut Vec<Diagnostic>,
    top: bool,
) -> Result<(), LoadError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(cause) if top => {
            return Err(LoadError {
                path: dir.to_path_buf(),
                cause,
            })
        }
        Err(e) => {
            diags.push(Diagnostic::new(
                dir,
                None,
                Kind::Io,
                format!("cannot read folder: {e}"),
            ));
            return Ok(());
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                diags.push(Diagnostic::new(
                    dir,
                    None,
                    Kind::Io,
                    format!("cannot list folder: {e}"),
                ));
                continue;
            }
        };
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            if !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                walk(&path, exts, files, diags, false)?;
            }
        } else if path
            .extension()
            .is_some_and(|e| exts.iter().any(|x| e == *x))
        {
            if ft.is_symlink() && path.is_dir() {
                diags.push(Diagnostic::new(
                    &path,
                    None,
                    Kind::Io,
                    "symlinked folder not followed",
                ));
                continue;
            }
            files.push(path);
        } else if ft.is_symlink() && path.is_dir() {
            diags.push(Diagnostic::new(
                &path,
                None,
                Kind::Io,
                "symlinked folder not followed",
            ));
        }
    }
    Ok(())
}

/// Reads a file of at most [`MAX_FILE_BYTES`] (`None` when larger). No `stat`: role and node
/// files are small, and one system call fewer per file is 5% of reading 60,000 of them.
fn read_bounded(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(4096);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= MAX_FILE_BYTES).then_some(bytes))
}

/// Reads and parses `files` on all cores; results and diagnostics keep the files' order.
fn read_parallel<T: Send>(
    files: &[PathBuf],
    diags: &mut Vec<Diagnostic>,
    parse: impl Fn(&Path, &str) -> (Option<T>, Vec<Diagnostic>) + Sync,
) -> Vec<T> {
    let one = |f: &PathBuf| -> (Option<T>, Vec<Diagnostic>) {
        let io = |msg: String| (None, vec![Diagnostic::new(f, None, Kind::Io, msg)]);
        match read_bounded(f) {
            Ok(Some(bytes)) => {
                let text = String::from_utf8_lossy(&bytes);
                let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
                parse(f, text)
            }
            Ok(None) => io(format!(
                "file is larger than {MAX_FILE_BYTES} bytes; skipped"
            )),
            Err(e) => io(format!("cannot read file: {e}")),
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8);
    let results: Vec<(Option<T>, Vec<Diagnostic>)> = if threads <= 1 || files.len() < 64 {
        files.iter().map(one).collect()
    } else {
        let chunk = files.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|c| s.spawn(|| c.iter().map(one).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
    let mut out = Vec::with_capacity(results.len());
    for (item, d) in results {
        diags.extend(d);
        out.extend(item);
    }
    out
}

/// Keeps one object per key. Roles: JSON wins over Ruby (Chef's `from_disk` order), else the
/// first path; every loser is reported.
fn dedup<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    file: impl Fn(&T) -> &PathBuf,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let mut by_key: BTreeMap<String, T> = BTreeMap::new();
    for item in items {
        let k = key(&item);
        let Some(existing) = by_key.get(&k) else {
            by_key.insert(k, item);
            continue;
        };
        let json = |p: &PathBuf| p.extension().is_some_and(|e| e == "json");
        let (keep_new, kept, dropped) = if json(file(&item)) && !json(file(existing)) {
            (true, file(&item).clone(), file(existing).clone())
        } else {
            (false, file(existing).clone(), file(&item).clone())
        };
        diags.push(Diagnostic::new(
            &dropped,
            None,
            Kind::Duplicate,
            format!(
                "{what} {k:?} is also defined in {}; using that file (Chef raises Duplicate{}) ",
                kept.display(),
                capitalise(what)
            ),
        ));
        if keep_new {
            by_key.insert(k, item);
        }
    }
    by_key.into_values().collect()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn a_root_is_told_from_a_roles_folder() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "roles/a.json", "{}");
        let s = Sources::discover(dir.path(), &[]);
        assert_eq!(s.roles, vec![dir.path().join("roles")]);
        let s = Sources::discover(&dir.path().join("roles"), &[]);
        assert_eq!(s.roles, vec![dir.path().join("roles")]);
        assert!(s.nodes.is_empty());
    }

    #[test]
    fn roles_are_found_recursively_and_json_wins_a_duplicate() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "roles/a.rb", "run_list 'x'\n");
        write(dir.path(), "roles/sub/a.json", r#"{"run_list": ["y"]}"#);
        write(dir.path(), "roles/sub/deeper/b.rb", "run_list 'z'\n");
        write(dir.path(), "roles/README.md", "not a role");
        let repo = load(&Sources::discover(dir.path(), &[])).unwrap();
        let keys: Vec<&str> = repo.roles.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, vec!["a", "b"]);
        assert_eq!(repo.role("a").unwrap().run_list()[0].item.name, "y");
        assert_eq!(repo.diagnostics.len(), 1);
        assert_eq!(repo.diagnostics[0].kind, Kind::Duplicate);
    }

    #[test]
    fn an_environment_is_known_from_files_nodes_or_env_run_lists() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "roles/a.json",
            r#"{"env_run_lists": {"prod": []}}"#,
        );
        write(dir.path(), "nodes/n.json", r#"{"chef_environment": "qa"}"#);
        write(dir.path(), "environments/dev.json", r#"{"name": "dev"}"#);
        let repo = load(&Sources::discover(dir.path(), &[])).unwrap();
        for env in ["_default", "prod", "qa", "dev"] {
            assert!(repo.knows_env(env), "{env}");
        }
        assert!(!repo.knows_env("production"));
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let err = load(&Sources {
            roles: vec![PathBuf::from("/nonexistent/roles")],
            ..Sources::default()
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read folder /nonexistent/roles: "),
            "{err}"
        );
    }
}
