//! systemd: one `APP-web.1.service` per instance and an `APP.target` that wants them all
//! (foreman's layout and settings: `Restart=always`, `RestartSec=14s`, `KillMode=mixed`,
//! `TimeoutStopSec=` the timeout).
//!
//! The env files' variables go to `APP.env` (mode 0600) named by `EnvironmentFile=`, so
//! secrets are not in the world-readable units; `PORT` and `PS` are set per unit. A `release`
//! type becomes a `Type=oneshot` unit that every other unit `Requires=` and starts `After=`.
//! Values are quoted for systemd, with `%` and `$` escaped so that bash, not systemd, expands
//! variables; paths are written bare, as systemd reads them (a quoted path is "not absolute").

use std::fmt::Write as _;

use super::quote;
use super::{exec_script, own_env, raw_command, shared_env, File, Settings, RELEASE};
use crate::project::{Instance, Project};

pub(super) fn render(project: &Project, instances: &[Instance], s: &Settings) -> Vec<File> {
    let mut files = Vec::new();
    let shared = shared_env(project);
    let env_file = format!("{}.env", s.app);
    if !shared.is_empty() {
        let mut text = String::new();
        for (k, v) in &shared {
            let _ = writeln!(text, "{k}={}", quote::systemd_env_file(v));
        }
        files.push(File::secret(&env_file, text));
    }
    let unit_name = |inst: &Instance| format!("{}-{}.service", s.app, inst.name);
    let releases: Vec<String> = instances
        .iter()
        .filter(|i| i.kind == RELEASE)
        .map(unit_name)
        .collect();
    let mut wants = Vec::new();
    for inst in instances {
        let unit = unit_name(inst);
        let release = inst.kind == RELEASE;
        let mut text = String::new();
        let _ = writeln!(text, "[Unit]");
        let _ = writeln!(text, "PartOf={}.target", s.app);
        let _ = writeln!(text, "StopWhenUnneeded=yes");
        if !release && !releases.is_empty() {
            let _ = writeln!(text, "Requires={}", releases.join(" "));
            let _ = writeln!(text, "After={}", releases.join(" "));
        }
        let _ = writeln!(text);
        let _ = writeln!(text, "[Service]");
        if release {
            let _ = writeln!(text, "Type=oneshot");
            let _ = writeln!(text, "RemainAfterExit=yes");
        }
        let _ = writeln!(text, "User={}", s.user);
        let _ = writeln!(
            text,
            "WorkingDirectory={}",
            quote::systemd_path(&s.root.display().to_string())
        );
        if !shared.is_empty() {
            let _ = writeln!(
                text,
                "EnvironmentFile={}",
                quote::systemd_path(&s.location.join(&env_file).display().to_string())
            );
        }
        for (k, v) in own_env(inst) {
            let _ = writeln!(
                text,
                "Environment={}",
                quote::systemd_env(&format!("{k}={v}"))
            );
        }
        let script = exec_script(raw_command(project, inst));
        let script = match script.strip_prefix("exec ") {
            Some(rest) => format!("exec -a \"{}-{}\" {rest}", s.app, inst.name),
            None => script,
        };
        let _ = writeln!(text, "ExecStart=/bin/bash -lc {}", quote::systemd(&script));
        if !release {
            let _ = writeln!(text, "Restart=always");
            let _ = writeln!(text, "RestartSec=14s");
        }
        let _ = writeln!(text, "StandardInput=null");
        let _ = writeln!(text, "StandardOutput=journal");
        let _ = writeln!(text, "StandardError=journal");
        let _ = writeln!(text, "SyslogIdentifier=%n");
        let _ = writeln!(text, "KillMode=mixed");
        let _ = writeln!(text, "TimeoutStopSec={}", s.timeout);
        files.push(File::new(&unit, text));
        wants.push(unit);
    }
    let target = format!(
        "[Unit]\nWants={}\n\n[Install]\nWantedBy=multi-user.target\n",
        wants.join(" ")
    );
    files.insert(0, File::new(format!("{}.target", s.app), target));
    files
}
