//! Exporters: the same processes written out for real process managers.
//!
//! foreman's formats (systemd, supervisord, launchd, runit) keep foreman's file layout and
//! settings, with the quoting fixed so that a command or value holding quotes, `$` or `%`
//! survives; docker compose and Kubernetes go beyond foreman for apps that outgrow one machine.
//! Every exporter is a pure function from the project to a list of files; [`write`] puts them
//! on disk.

mod compose;
mod kubernetes;
mod launchd;
mod quote;
mod runit;
mod supervisord;
mod systemd;
mod write;

pub use write::{write, WriteError, Written, MANIFEST};

use std::fmt;
use std::path::PathBuf;

use crate::command_line::CommandLine;
use crate::project::{Instance, Project};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One `APP-web.1.service` per instance plus `APP.target`.
    Systemd,
    /// One `APP.conf` with a program per instance and a group.
    Supervisord,
    /// One `APP-web-1.plist` per instance.
    Launchd,
    /// One service directory per instance with `run`, `log/run` and `env/`.
    Runit,
    /// A `docker-compose.yml` with one service per process type.
    Compose,
    /// One Deployment per process type.
    Kubernetes,
}

impl Format {
    /// Every format, for help texts.
    pub const ALL: [Format; 6] = [
        Self::Systemd,
        Self::Supervisord,
        Self::Launchd,
        Self::Runit,
        Self::Compose,
        Self::Kubernetes,
    ];

    /// Parses a format name (`docker-compose` and `k8s` are accepted aliases).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "systemd" => Some(Self::Systemd),
            "supervisord" => Some(Self::Supervisord),
            "launchd" => Some(Self::Launchd),
            "runit" => Some(Self::Runit),
            "compose" | "docker-compose" => Some(Self::Compose),
            "kubernetes" | "k8s" => Some(Self::Kubernetes),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Systemd => "systemd",
            Self::Supervisord => "supervisord",
            Self::Launchd => "launchd",
            Self::Runit => "runit",
            Self::Compose => "compose",
            Self::Kubernetes => "kubernetes",
        })
    }
}

/// Settings shared by the exporters (foreman's `export` options).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Application name, the prefix of every unit (foreman `-a`). Defaults to the root's name.
    pub app: String,
    /// User to run as (foreman `-u`). Defaults to the app name.
    pub user: String,
    /// Log directory (foreman `-l`). Defaults to `/var/log/APP`.
    pub log_dir: PathBuf,
    /// Absolute app root: the working directory.
    pub root: PathBuf,
    /// Absolute directory the files are exported to (runit's `env/` path points into it).
    pub location: PathBuf,
    /// Seconds between SIGTERM and SIGKILL.
    pub timeout: u64,
    /// Container image for compose and Kubernetes. Defaults to `APP:latest`.
    pub image: String,
    /// Process types that listen on `PORT` and get a published port in compose and a
    /// `containerPort` in Kubernetes (foreman's convention: `web`).
    pub port_types: Vec<String>,
    /// The compose build context: the app root when it holds a `Dockerfile`.
    pub build: Option<PathBuf>,
}

impl Settings {
    /// Whether process type `kind` listens on its `PORT`.
    pub fn listens(&self, kind: &str) -> bool {
        self.port_types.iter().any(|t| t == kind)
    }
}

/// The process type that Heroku runs once per deploy (`release: rake db:migrate`): exported as
/// a one-off that the other types start after, never as a service that restarts.
pub const RELEASE: &str = "release";

/// One file to write, relative to the export directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Path under the export directory.
    pub path: PathBuf,
    /// Contents.
    pub contents: String,
    /// Permission bits: 0o644, 0o755 for scripts, 0o600 for files holding `.env` values.
    pub mode: u32,
}

impl File {
    fn new(path: impl Into<PathBuf>, contents: String) -> Self {
        Self {
            path: path.into(),
            contents,
            mode: 0o644,
        }
    }

    fn script(path: impl Into<PathBuf>, contents: String) -> Self {
        Self {
            mode: 0o755,
            ..Self::new(path, contents)
        }
    }

    /// A file holding secrets from the env files: readable by its owner only.
    fn secret(path: impl Into<PathBuf>, contents: String) -> Self {
        Self {
            mode: 0o600,
            ..Self::new(path, contents)
        }
    }
}

/// What the exporters see of one process type.
struct Kind<'a> {
    name: &'a str,
    /// The Procfile command, unexpanded: variables come from the environment at run time.
    command: &'a str,
    instances: Vec<&'a Instance>,
}

/// Renders `instances` of `project` in `format`.
pub fn render(
    format: Format,
    project: &Project,
    instances: &[Instance],
    settings: &Settings,
) -> Vec<File> {
    match format {
        Format::Systemd => systemd::render(project, instances, settings),
        Format::Supervisord => supervisord::render(project, instances, settings),
        Format::Launchd => launchd::render(project, instances, settings),
        Format::Runit => runit::render(project, instances, settings),
        Format::Compose => compose::render(project, &kinds(project, instances), settings),
        Format::Kubernetes => kubernetes::render(project, &kinds(project, instances), settings),
    }
}

fn kinds<'a>(project: &'a Project, instances: &'a [Instance]) -> Vec<Kind<'a>> {
    let mut out: Vec<Kind<'a>> = Vec::new();
    for inst in instances {
        if let Some(k) = out.iter_mut().find(|k| k.name == inst.kind) {
            k.instances.push(inst);
        } else {
            out.push(Kind {
                name: &inst.kind,
                command: raw_command(project, inst),
                instances: vec![inst],
            });
        }
    }
    out
}

fn raw_command<'a>(project: &'a Project, inst: &'a Instance) -> &'a str {
    project
        .procfile
        .get(&inst.kind)
        .map_or(inst.command.as_str(), |e| e.command.as_str())
}

/// The env files' variables, without the per-instance `PORT` and `PS` (which the managers set
/// next to them, and which must win).
fn shared_env(project: &Project) -> Vec<(&str, &str)> {
    project
        .env
        .iter()
        .filter(|(k, _)| k != "PORT" && k != "PS")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// `PORT` and `PS` of one instance.
fn own_env(inst: &Instance) -> [(&'static str, String); 2] {
    [("PORT", inst.port.to_string()), ("PS", inst.name.clone())]
}

/// `web.1` → `web-1` (names where dots are awkward).
fn dashed(name: &str) -> String {
    name.replace('.', "-")
}

/// The shell script for a command: `exec CMD` when that keeps its meaning.
fn exec_script(command: &str) -> String {
    match CommandLine::new(command) {
        CommandLine::Direct(_) => format!("exec {}", command.trim_start()),
        CommandLine::Shell(script) => script,
    }
}
