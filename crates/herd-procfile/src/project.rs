//! A project: the Procfile, its root, the `.env` files and the concrete processes to run.
//!
//! foreman's rules: the root is the Procfile's directory unless `-d` is given; `.env` in the
//! root is read when present and `-e` is not given; `.env` values beat the inherited
//! environment and later files beat earlier ones. Each instance gets
//! `PORT = base + 100 × (index of its type among all Procfile entries) + (instance − 1)`,
//! with `base` from `-p`, then `PORT` in the env files, then `PORT` in herd's environment, then
//! 5000; and `PS=web.1`. `$VAR` in a command is expanded from the env files, PORT and PS.

use std::path::{Path, PathBuf};

use crate::command_line::{expand, CommandLine};
use crate::dotenv::{self, DotenvError};
use crate::formation::Formation;
use crate::procfile::{Procfile, ProcfileError};

/// Where to find things; `None` means foreman's default.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-f`: the Procfile (default `ROOT/Procfile`, or `./Procfile`).
    pub procfile: Option<PathBuf>,
    /// `-d`: the app root (default: the Procfile's directory).
    pub root: Option<PathBuf>,
    /// `-e`: env files (default: `ROOT/.env` if it exists).
    pub env_files: Option<Vec<PathBuf>>,
    /// `-p`: base port.
    pub port: Option<u32>,
    /// Load past a repeated process type (keeping its first definition) and record it in
    /// [`Project::duplicates`], for `herd check` to report every problem at once.
    pub keep_going: bool,
}

/// Why a project could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The Procfile is malformed.
    #[error(transparent)]
    Procfile(#[from] ProcfileError),
    /// An env file is malformed or missing.
    #[error(transparent)]
    Dotenv(#[from] DotenvError),
    /// No entry in the Procfile.
    #[error("{}: no processes defined (expected lines like `web: bundle exec puma`)", path.display())]
    Empty {
        /// The Procfile.
        path: PathBuf,
    },
    /// A process named on the command line (or in a formation) is not in the Procfile.
    #[error("{place}no process type `{name}` in {} (defined: {known}){}", path.display(), did_you_mean(suggestion.as_deref()))]
    UnknownProcess {
        /// Where the name was given (`-m wrker=1: `), or empty.
        place: String,
        /// The requested name.
        name: String,
        /// The Procfile.
        path: PathBuf,
        /// Names that exist, comma-separated.
        known: String,
        /// The closest defined name, when one is close.
        suggestion: Option<String>,
    },
    /// A `PORT` value is not a port number.
    #[error("{origin}: PORT `{value}` is not a port number")]
    BadPort {
        /// Where the value came from.
        origin: String,
        /// The value.
        value: String,
    },
    /// The computed port of an instance is past 65535.
    #[error("{name}: port {port} is above 65535 (lower the base port with -p or the formation)")]
    PortOverflow {
        /// The instance.
        name: String,
        /// The computed port.
        port: u32,
    },
}

/// A loaded project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The Procfile's path.
    pub procfile_path: PathBuf,
    /// The working directory of every process.
    pub root: PathBuf,
    /// The parsed Procfile.
    pub procfile: Procfile,
    /// Variables from the env files, later files winning, in first-seen order.
    pub env: Vec<(String, String)>,
    /// The base port.
    pub base_port: u32,
    /// Lines of the env files that assign nothing (foreman skips them): warned about and
    /// listed by `check`.
    pub env_skipped: Vec<dotenv::Skipped>,
    /// Repeated process types, when loaded with [`Options::keep_going`].
    pub duplicates: Vec<String>,
}

/// One process instance to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Process type (`web`).
    pub kind: String,
    /// Instance number, from 1.
    pub number: u32,
    /// `web.1`.
    pub name: String,
    /// Index of the type in the Procfile (colour slot, port offset).
    pub index: usize,
    /// `PORT`.
    pub port: u32,
    /// The command with `$VAR` expanded.
    pub command: String,
    /// Variables for the child: env files, then `PORT` and `PS`.
    pub env: Vec<(String, String)>,
}

impl Project {
    /// Loads the Procfile and env files. `env_port` is `PORT` from herd's environment.
    /// A missing Procfile is an error unless `procfile_optional` (for `herd run`).
    pub fn load(
        opts: &Options,
        env_port: Option<&str>,
        procfile_optional: bool,
    ) -> Result<Self, ProjectError> {
        let procfile_path = match (&opts.procfile, &opts.root) {
            (Some(p), _) => p.clone(),
            (None, Some(root)) => root.join("Procfile"),
            (None, None) => PathBuf::from("Procfile"),
        };
        let root = match &opts.root {
            Some(r) => r.clone(),
            None => match procfile_path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                _ => PathBuf::from("."),
            },
        };
        let mut duplicates = Vec::new();
        let procfile = if procfile_optional && !procfile_path.exists() {
            Procfile::default()
        } else {
            let scan = Procfile::read_scan(&procfile_path)?;
            if opts.keep_going {
                duplicates = scan.duplicates.iter().map(ToString::to_string).collect();
            } else if let Some(first) = scan.duplicates.into_iter().next() {
                return Err(first.into());
            }
            scan.procfile
        };
        let default_env = root.join(".env");
        let files = opts.env_files.clone().unwrap_or_else(|| {
            if default_env.is_file() {
                vec![default_env]
            } else {
                Vec::new()
            }
        });
        let mut env: Vec<(String, String)> = Vec::new();
        let mut port_origin = None;
        let mut env_skipped = Vec::new();
        for file in &files {
            let parsed = dotenv::read(file)?;
            env_skipped.extend(parsed.skipped);
            for var in parsed.vars {
                if var.key == "PORT" {
                    port_origin = Some(format!("{}:{}", file.display(), var.line));
                }
                set(&mut env, var.key, var.value);
            }
        }
        let base_port = if let Some(p) = opts.port {
            p
        } else if let Some((_, v)) = env.iter().find(|(k, _)| k == "PORT") {
            parse_port(v, port_origin.as_deref().unwrap_or(".env"))?
        } else if let Some(v) = env_port.filter(|v| !v.is_empty()) {
            parse_port(v, "PORT in the environment")?
        } else {
            5000
        };
        Ok(Self {
            procfile_path,
            root,
            procfile,
            env,
            base_port,
            env_skipped,
            duplicates,
        })
    }

    /// Fails with foreman's message when the Procfile has no entries.
    pub fn require_entries(&self) -> Result<(), ProjectError> {
        if self.procfile.entries.is_empty() {
            return Err(ProjectError::Empty {
                path: self.procfile_path.clone(),
            });
        }
        Ok(())
    }

    /// The instances to run: every type by `formation`, or only `selected` (one each unless
    /// the formation names a count for it), in Procfile order.
    pub fn instances(
        &self,
        selected: &[String],
        formation: &Formation,
    ) -> Result<Vec<Instance>, ProjectError> {
        self.require_entries()?;
        for name in selected {
            self.require_type(name, "")?;
        }
        // A formation naming a type that does not exist would silently run nothing for it.
        for name in formation.counts.keys() {
            self.require_type(
                name,
                &format!("formation {name}={}: ", formation.count(name)),
            )?;
        }
        let mut out = Vec::new();
        for (index, entry) in self.procfile.entries.iter().enumerate() {
            let count = if selected.is_empty() {
                formation.count(&entry.name)
            } else if selected.contains(&entry.name) {
                formation.counts.get(&entry.name).copied().unwrap_or(1)
            } else {
                0
            };
            for number in 1..=count {
                let name = format!("{}.{number}", entry.name);
                let port = self.base_port + 100 * index as u32 + (number - 1);
                if port > 65_535 {
                    return Err(ProjectError::PortOverflow { name, port });
                }
                let mut env = self.env.clone();
                set(&mut env, "PORT".into(), port.to_string());
                set(&mut env, "PS".into(), name.clone());
                out.push(Instance {
                    kind: entry.name.clone(),
                    number,
                    command: expand(&entry.command, &env),
                    name,
                    index,
                    port,
                    env,
                });
            }
        }
        Ok(out)
    }

    /// Fails unless `name` is a process type of the Procfile; `place` prefixes the message
    /// (where the name came from) and the closest defined name is suggested.
    pub fn require_type(&self, name: &str, place: &str) -> Result<(), ProjectError> {
        if self.procfile.get(name).is_some() {
            return Ok(());
        }
        let names = self.procfile.names();
        Err(ProjectError::UnknownProcess {
            place: place.to_owned(),
            name: name.to_owned(),
            path: self.procfile_path.clone(),
            known: names.join(", "),
            suggestion: closest(name, &names).map(str::to_owned),
        })
    }

    /// Paths in the project made absolute against the current directory (for exporters).
    pub fn absolute_root(&self) -> PathBuf {
        std::path::absolute(&self.root).unwrap_or_else(|_| self.root.clone())
    }
}

impl Instance {
    /// The argument vector to execute. With `profile_d`, the command runs in bash after
    /// sourcing `.profile.d/*.sh` and `.profile` from the working directory, as a Heroku dyno
    /// does.
    pub fn argv(&self, profile_d: bool) -> Vec<String> {
        let line = CommandLine::new(&self.command);
        if !profile_d {
            return line.argv();
        }
        let body = match line {
            CommandLine::Direct(_) => format!("exec {}", self.command.trim_start()),
            CommandLine::Shell(script) => script,
        };
        vec!["/bin/bash".into(), "-c".into(), profile_d_script(&body)]
    }
}

/// The bash script that sources a dyno's startup files, then runs `body`.
pub fn profile_d_script(body: &str) -> String {
    format!(
        "for f in .profile.d/*.sh; do if [ -r \"$f\" ]; then . \"$f\"; fi; done; unset f; \
         if [ -r .profile ]; then . ./.profile; fi; {body}"
    )
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!("; did you mean `{s}`?"))
}

/// The name in `names` closest to `name` by edit distance, if it is close: at most a third of
/// the longer name's length, and at least one edit allowed.
fn closest<'a>(name: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| (edit_distance(name, n), *n))
        .filter(|(d, n)| *d <= (name.chars().count().max(n.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Edit distance over characters (insertions, deletions, substitutions and swaps of two
/// neighbours, each counting 1: `wbe` is one edit from `web`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d: Vec<usize> = vec![0; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1)
                    .min(d[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(d[(i - 2) * width + j - 2] + 1);
                }
                v
            };
        }
    }
    d[a.len() * width + b.len()]
}

fn set(env: &mut Vec<(String, String)>, key: String, value: String) {
    if let Some(slot) = env.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = value;
    } else {
        env.push((key, value));
    }
}

fn parse_port(value: &str, origin: &str) -> Result<u32, ProjectError> {
    match value.trim().parse::<u32>() {
        Ok(p) if p <= 65_535 => Ok(p),
        _ => Err(ProjectError::BadPort {
            origin: origin.to_owned(),
            value: value.to_owned(),
        }),
    }
}

/// `path` relative to `base` when it is not absolute.
pub fn resolve(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        base.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(
        procfile: &str,
        env_files: &[(&str, &str)],
        opts: Options,
    ) -> (tempfile::TempDir, Result<Project, ProjectError>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Procfile"), procfile).unwrap();
        for (name, text) in env_files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let mut opts = opts;
        opts.root.get_or_insert_with(|| dir.path().to_owned());
        if let Some(files) = &mut opts.env_files {
            for f in files.iter_mut() {
                *f = dir.path().join(&*f);
            }
        }
        let p = Project::load(&opts, None, false);
        (dir, p)
    }

    fn ports(p: &Project, selected: &[&str], formation: &str) -> Vec<(String, u32)> {
        let selected: Vec<String> = selected.iter().map(|s| (*s).to_owned()).collect();
        p.instances(&selected, &Formation::parse(formation).unwrap())
            .unwrap()
            .into_iter()
            .map(|i| (i.name, i.port))
            .collect()
    }

    #[test]
    fn ports_follow_foremans_formula() {
        let (_d, p) = project("web: a\nworker: b\n", &[], Options::default());
        let p = p.unwrap();
        assert_eq!(
            ports(&p, &[], "all=1,web=2"),
            [
                ("web.1".into(), 5000),
                ("web.2".into(), 5001),
                ("worker.1".into(), 5100)
            ]
        );
        // The index counts every entry, even when only one type is started.
        assert_eq!(ports(&p, &["worker"], ""), [("worker.1".into(), 5100)]);
        // foreman: a formation without `all` runs only what it names.
        assert_eq!(ports(&p, &[], "web=1"), [("web.1".into(), 5000)]);
    }

    #[test]
    fn base_port_precedence_is_flag_then_env_file_then_environment() {
        let opts = Options {
            port: Some(3000),
            ..Options::default()
        };
        let (_d, p) = project("web: a\n", &[(".env", "PORT=4000\n")], opts);
        assert_eq!(p.unwrap().base_port, 3000);
        let (_d, p) = project("web: a\n", &[(".env", "PORT=4000\n")], Options::default());
        assert_eq!(p.unwrap().base_port, 4000);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Procfile"), "web: a\n").unwrap();
        let opts = Options {
            root: Some(dir.path().into()),
            ..Options::default()
        };
        assert_eq!(
            Project::load(&opts, Some("7000"), false).unwrap().base_port,
            7000
        );
        assert_eq!(Project::load(&opts, None, false).unwrap().base_port, 5000);
        let err = Project::load(&opts, Some("http"), false)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "PORT in the environment: PORT `http` is not a port number"
        );
    }

    #[test]
    fn later_env_files_win_and_port_ps_are_set_and_expanded() {
        let opts = Options {
            env_files: Some(vec!["a.env".into(), "b.env".into()]),
            ..Options::default()
        };
        let (_d, p) = project(
            "web: serve --port $PORT --name $PS --db $DB\n",
            &[("a.env", "DB=one\nKEEP=1\n"), ("b.env", "DB=two\n")],
            opts,
        );
        let p = p.unwrap();
        let inst = &p.instances(&[], &Formation::default()).unwrap()[0];
        assert_eq!(inst.command, "serve --port 5000 --name web.1 --db two");
        let get = |k: &str| {
            inst.env
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("DB"), Some("two"));
        assert_eq!(get("KEEP"), Some("1"));
        assert_eq!(get("PORT"), Some("5000"));
        assert_eq!(get("PS"), Some("web.1"));
    }

    #[test]
    fn errors_name_the_problem() {
        let (_d, p) = project("# nothing\n", &[], Options::default());
        let err = p
            .unwrap()
            .instances(&[], &Formation::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(
                "Procfile: no processes defined (expected lines like `web: bundle exec puma`)"
            ),
            "{err}"
        );
        let (_d, p) = project("web: a\n", &[], Options::default());
        let err = p
            .unwrap()
            .instances(&["db".into()], &Formation::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("no process type `db` in ") && err.ends_with("(defined: web)"),
            "{err}"
        );
        let (_d, p) = project("web: a\n", &[(".env", "A B\nC=1\n")], Options::default());
        let p = p.unwrap();
        assert_eq!(p.env, [("C".to_owned(), "1".to_owned())]);
        assert!(
            p.env_skipped[0]
                .to_string()
                .ends_with(".env:1: ignored `A B`: no `=`: expected KEY=value"),
            "{:?}",
            p.env_skipped
        );
        let (_d, p) = project("web: a\nweb: b\n", &[], Options::default());
        assert!(p
            .unwrap_err()
            .to_string()
            .contains("Procfile:2: process type `web`"));
        let opts = Options {
            keep_going: true,
            ..Options::default()
        };
        let (_d, p) = project("web: a\nweb: b\n", &[], opts);
        let p = p.unwrap();
        assert_eq!(p.procfile.get("web").unwrap().command, "a");
        assert_eq!(p.duplicates.len(), 1);
        let opts = Options {
            port: Some(65_500),
            ..Options::default()
        };
        let (_d, p) = project("a: x\nb: y\n", &[], opts);
        let err = p
            .unwrap()
            .instances(&[], &Formation::default())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("b.1: port 65600 is above 65535"), "{err}");
    }

    #[test]
    fn unknown_types_in_a_formation_are_errors_with_a_suggestion() {
        let (_d, p) = project("web: a\nworker: b\n", &[], Options::default());
        let p = p.unwrap();
        let err = p
            .instances(&[], &Formation::parse("web=1,wrker=1").unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("formation wrker=1: no process type `wrker` in ")
                && err.ends_with("(defined: web, worker); did you mean `worker`?"),
            "{err}"
        );
        let err = p
            .instances(&[], &Formation::parse("nosuch=2").unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("(defined: web, worker)"), "{err}");
        assert!(p
            .instances(&[], &Formation::parse("all=2,web=1").unwrap())
            .is_ok());
        let err = p
            .instances(&["wbe".into()], &Formation::default())
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("did you mean `web`?"), "{err}");
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("wrker", "worker"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("wbe", "web"), 1);
        assert_eq!(closest("clok", &["web", "clock"]), Some("clock"));
        assert_eq!(closest("zzz", &["web", "clock"]), None);
    }

    #[test]
    fn root_defaults_to_the_procfile_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join("app/Procfile.dev"), "web: a\n").unwrap();
        std::fs::write(dir.path().join("app/.env"), "X=1\n").unwrap();
        let opts = Options {
            procfile: Some(dir.path().join("app/Procfile.dev")),
            ..Options::default()
        };
        let p = Project::load(&opts, None, false).unwrap();
        assert_eq!(p.root, dir.path().join("app"));
        assert_eq!(p.env, [("X".to_owned(), "1".to_owned())]);
    }

    #[test]
    fn profile_d_wraps_the_command_in_bash() {
        let inst = Instance {
            kind: "web".into(),
            number: 1,
            name: "web.1".into(),
            index: 0,
            port: 5000,
            command: "serve -p 5000".into(),
            env: Vec::new(),
        };
        assert_eq!(inst.argv(false), ["serve", "-p", "5000"]);
        let argv = inst.argv(true);
        assert_eq!(argv[0], "/bin/bash");
        assert!(argv[2].ends_with("; exec serve -p 5000"), "{}", argv[2]);
    }
}
