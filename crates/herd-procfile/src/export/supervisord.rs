//! supervisord: one `APP.conf` with a `[program:APP-web-1]` per instance and a `[group:APP]`.
//! Unlike foreman's template, the programs stop as a group (`stopasgroup`, `killasgroup`) so
//! that a shell's children are not left behind.
//!
//! supervisord has no environment file, and its `environment=` cannot hold a value with both
//! kinds of quote (it splits with a non-POSIX `shlex` and strips quotes from both ends). So the
//! env files' variables go to `APP.env` (mode 0600) in shell syntax, which the command sources
//! with `set -a` before running the Procfile command; `environment=` sets only `PORT` and `PS`.
//! A `release` type runs once (`autorestart=false`, `startsecs=0`) and is
//! started first (`priority=1`); supervisord cannot make the others wait for it to finish.

use std::fmt::Write as _;

use super::quote;
use super::{dashed, exec_script, raw_command, shared_env, File, Settings, RELEASE};
use crate::project::{Instance, Project};

pub(super) fn render(project: &Project, instances: &[Instance], s: &Settings) -> Vec<File> {
    let mut files = Vec::new();
    let shared = shared_env(project);
    let env_file = format!("{}.env", s.app);
    // A key starting with a digit is no shell variable (sourcing `1A=x` would run a command
    // named `1A=x`): it goes to `environment=` when that can hold its value.
    let (sourced, odd): (Vec<_>, Vec<_>) = shared
        .iter()
        .partition(|(k, _)| !k.starts_with(|c: char| c.is_ascii_digit()));
    let mut odd_env = String::new();
    for (k, v) in odd {
        let quoted = if v.starts_with(['"', '\'']) || v.ends_with(['"', '\'']) {
            None
        } else if !v.contains('"') {
            Some(format!("\"{v}\""))
        } else if !v.contains('\'') {
            Some(format!("'{v}'"))
        } else {
            None
        };
        if let Some(q) = quoted.filter(|_| !v.contains(['\n', '\r'])) {
            let _ = write!(odd_env, ",{k}={}", quote::ini(&q));
        }
    }
    let source = if sourced.is_empty() {
        String::new()
    } else {
        let mut text = String::new();
        for (k, v) in &sourced {
            let _ = writeln!(text, "{k}={}", quote::shell(v));
        }
        files.push(File::secret(&env_file, text));
        let path = s.location.join(&env_file).display().to_string();
        format!("set -a; . {}; set +a; ", quote::shell(&path))
    };
    let mut text = String::new();
    let mut names = Vec::new();
    for inst in instances {
        let program = format!("{}-{}", s.app, dashed(&inst.name));
        let script = format!("{source}{}", exec_script(raw_command(project, inst)));
        // `PORT` is digits and `PS` is `type.N` with the type's `[A-Za-z0-9_-]`: no quotes.
        let env = format!("PORT=\"{}\",PS=\"{}\"{odd_env}", inst.port, inst.name);
        let _ = writeln!(text, "[program:{program}]");
        let _ = writeln!(
            text,
            "command=/bin/sh -c {}",
            quote::ini(&quote::shell(&script))
        );
        let _ = writeln!(text, "autostart=true");
        if inst.kind == RELEASE {
            let _ = writeln!(text, "autorestart=false");
            let _ = writeln!(text, "startsecs=0");
            let _ = writeln!(text, "priority=1");
        } else {
            let _ = writeln!(text, "autorestart=true");
        }
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
        let _ = writeln!(text, "environment={env}");
        let _ = writeln!(text);
        names.push(program);
    }
    let _ = writeln!(text, "[group:{}]", s.app);
    let _ = writeln!(text, "programs={}", names.join(","));
    let conf = format!("{}.conf", s.app);
    files.insert(
        0,
        if odd_env.is_empty() {
            File::new(conf, text)
        } else {
            // Values in `environment=`: private like the env file.
            File::secret(conf, text)
        },
    );
    files
}
