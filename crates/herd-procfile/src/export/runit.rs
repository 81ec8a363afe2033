//! runit: one service directory `APP-web-1/` per instance with `run`, `log/run` (svlogd) and
//! an `env/` directory read by `chpst -e`, as foreman writes them.
//!
//! Each `env/KEY` file is mode 0600 and holds the value as `chpst -e` reads it: the first
//! line, with line breaks inside the value written as NUL bytes (which chpst turns back into
//! line breaks) and a final newline, so that an empty value sets the variable to "" instead of
//! removing it. A `release` type's `run` starts with `sv once .`, so runsv runs it once and
//! does not restart it; the other services' `run` first waits with `sv check` until the
//! release has finished (runit's way of ordering: a `run` that exits is retried a second
//! later), whether it succeeded or not.

use super::quote::shell;
use super::{dashed, exec_script, raw_command, File, Settings, RELEASE};
use crate::project::{Instance, Project};

pub(super) fn render(project: &Project, instances: &[Instance], s: &Settings) -> Vec<File> {
    let mut files = Vec::new();
    let releases: Vec<String> = instances
        .iter()
        .filter(|i| i.kind == RELEASE)
        .map(|i| {
            let dir = s.location.join(format!("{}-{}", s.app, dashed(&i.name)));
            shell(&dir.display().to_string())
        })
        .collect();
    for inst in instances {
        let dir = format!("{}-{}", s.app, dashed(&inst.name));
        let env_dir = s.location.join(&dir).join("env").display().to_string();
        let once = if inst.kind == RELEASE {
            // Run once: runsv will not start it again when it exits.
            "sv once .\n".to_owned()
        } else if releases.is_empty() {
            String::new()
        } else {
            // After `sv once` the release is wanted down: `check` passes once it has ended.
            format!(
                "sv -w 600 check {} >/dev/null || exit 1\n",
                releases.join(" ")
            )
        };
        let run = format!(
            "#!/bin/sh\n{once}cd {}\nexec 2>&1\nexec chpst -u {} -e {} /bin/sh -c {}\n",
            shell(&s.root.display().to_string()),
            shell(&s.user),
            shell(&env_dir),
            shell(&exec_script(raw_command(project, inst)))
        );
        let log = s.log_dir.join(dashed(&inst.name)).display().to_string();
        let log_run = format!(
            "#!/bin/sh\nset -e\n\nLOG={}\n\ntest -d \"$LOG\" || mkdir -p -m 2750 \"$LOG\" && chown {} \"$LOG\"\nexec chpst -u {} svlogd \"$LOG\"\n",
            shell(&log),
            shell(&s.user),
            shell(&s.user)
        );
        files.push(File::script(format!("{dir}/run"), run));
        files.push(File::script(format!("{dir}/log/run"), log_run));
        for (k, v) in &inst.env {
            let value = format!("{}\n", v.replace('\n', "\0"));
            files.push(File::secret(format!("{dir}/env/{k}"), value));
        }
    }
    files
}
