//! runit: one service directory `APP-web-1/` per instance with `run`, `log/run` (svlogd) and
//! an `env/` directory read by `chpst -e`, as foreman writes them.

use super::quote::shell;
use super::{dashed, exec_script, raw_command, File, Settings};
use crate::project::{Instance, Project};

pub(super) fn render(project: &Project, instances: &[Instance], s: &Settings) -> Vec<File> {
    let mut files = Vec::new();
    for inst in instances {
        let dir = format!("{}-{}", s.app, dashed(&inst.name));
        let env_dir = s.location.join(&dir).join("env").display().to_string();
        let run = format!(
            "#!/bin/sh\ncd {}\nexec 2>&1\nexec chpst -u {} -e {} /bin/sh -c {}\n",
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
        files.push(File {
            path: format!("{dir}/run").into(),
            contents: run,
            executable: true,
        });
        files.push(File {
            path: format!("{dir}/log/run").into(),
            contents: log_run,
            executable: true,
        });
        for (k, v) in &inst.env {
            files.push(File::new(format!("{dir}/env/{k}"), v.clone()));
        }
    }
    files
}
