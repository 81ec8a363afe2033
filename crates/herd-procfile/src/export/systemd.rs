//! systemd: one `APP-web.1.service` per instance and an `APP.target` that wants them all
//! (foreman's layout and settings: `Restart=always`, `RestartSec=14s`, `KillMode=mixed`,
//! `TimeoutStopSec=` the timeout). Values are quoted for systemd, with `%` and `$` escaped so
//! that bash, not systemd, expands variables.

use std::fmt::Write as _;

use super::quote;
use super::{exec_script, raw_command, File, Settings};
use crate::project::{Instance, Project};

pub(super) fn render(project: &Project, instances: &[Instance], s: &Settings) -> Vec<File> {
    let mut files = Vec::new();
    let mut wants = Vec::new();
    for inst in instances {
        let unit = format!("{}-{}.service", s.app, inst.name);
        let mut text = String::new();
        let _ = writeln!(text, "[Unit]");
        let _ = writeln!(text, "PartOf={}.target", s.app);
        let _ = writeln!(text, "StopWhenUnneeded=yes");
        let _ = writeln!(text);
        let _ = writeln!(text, "[Service]");
        let _ = writeln!(text, "User={}", s.user);
        let _ = writeln!(
            text,
            "WorkingDirectory={}",
            quote::systemd(&s.root.display().to_string())
        );
        for (k, v) in &inst.env {
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
        let _ = writeln!(text, "Restart=always");
        let _ = writeln!(text, "RestartSec=14s");
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
