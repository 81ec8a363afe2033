//! supervisord: one `APP.conf` with a `[program:APP-web-1]` per instance and a `[group:APP]`.
//! Unlike foreman's template, the programs stop as a group (`stopasgroup`, `killasgroup`) so
//! that a shell's children are not left behind.

use std::fmt::Write as _;

use super::quote;
use super::{dashed, exec_script, raw_command, File, Settings};
use crate::project::{Instance, Project};

pub(super) fn render(project: &Project, instances: &[Instance], s: &Settings) -> Vec<File> {
    let mut text = String::new();
    let mut names = Vec::new();
    for inst in instances {
        let program = format!("{}-{}", s.app, dashed(&inst.name));
        let script = exec_script(raw_command(project, inst));
        let env: Vec<String> = inst
            .env
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect();
        let _ = writeln!(text, "[program:{program}]");
        let _ = writeln!(
            text,
            "command=/bin/sh -c {}",
            quote::ini(&quote::shell(&script))
        );
        let _ = writeln!(text, "autostart=true");
        let _ = writeln!(text, "autorestart=true");
        let _ = writeln!(text, "stopsignal=TERM");
        let _ = writeln!(text, "stopwaitsecs={}", s.timeout);
        let _ = writeln!(text, "stopasgroup=true");
        let _ = writeln!(text, "killasgroup=true");
        let log = s.log_dir.join(dashed(&inst.name));
        let _ = writeln!(
            text,
            "stdout_logfile={}.log",
            quote::ini(&log.display().to_string())
        );
        let _ = writeln!(
            text,
            "stderr_logfile={}.error.log",
            quote::ini(&log.display().to_string())
        );
        let _ = writeln!(text, "user={}", s.user);
        let _ = writeln!(
            text,
            "directory={}",
            quote::ini(&s.root.display().to_string())
        );
        let _ = writeln!(text, "environment={}", quote::ini(&env.join(",")));
        let _ = writeln!(text);
        names.push(program);
    }
    let _ = writeln!(text, "[group:{}]", s.app);
    let _ = writeln!(text, "programs={}", names.join(","));
    vec![File::new(format!("{}.conf", s.app), text)]
}
