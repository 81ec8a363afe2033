//! launchd: one `APP-web-1.plist` per instance (foreman's keys: `Label`, `EnvironmentVariables`,
//! `ProgramArguments`, `KeepAlive`, `RunAtLoad`, log paths, `UserName`, `WorkingDirectory`), plus
//! `ExitTimeOut` for the stop timeout. The command runs under `/bin/sh -c` rather than being
//! split on spaces, so quoted arguments keep their meaning.
//!
//! launchd has no environment file, so when the env files set anything the plists are written
//! with mode 0600. A `release` type runs once at load (`KeepAlive` false); launchd has no
//! ordering between jobs.

use std::fmt::Write as _;

use super::quote::xml;
use super::{dashed, exec_script, raw_command, File, Settings, RELEASE};
use crate::project::{Instance, Project};

pub(super) fn render(project: &Project, instances: &[Instance], s: &Settings) -> Vec<File> {
    let mut files = Vec::new();
    for inst in instances {
        let label = format!("{}-{}", s.app, dashed(&inst.name));
        let log = s.log_dir.join(dashed(&inst.name)).display().to_string();
        let mut t = String::new();
        let _ = writeln!(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        let _ = writeln!(t, "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">");
        let _ = writeln!(t, "<plist version=\"1.0\">");
        let _ = writeln!(t, "<dict>");
        let _ = writeln!(
            t,
            "    <key>Label</key>\n    <string>{}</string>",
            xml(&label)
        );
        let _ = writeln!(t, "    <key>EnvironmentVariables</key>\n    <dict>");
        for (k, v) in &inst.env {
            let _ = writeln!(
                t,
                "        <key>{}</key>\n        <string>{}</string>",
                xml(k),
                xml(v)
            );
        }
        let _ = writeln!(t, "    </dict>");
        let _ = writeln!(t, "    <key>ProgramArguments</key>\n    <array>");
        for arg in [
            "/bin/sh".to_owned(),
            "-c".to_owned(),
            exec_script(raw_command(project, inst)),
        ] {
            let _ = writeln!(t, "        <string>{}</string>", xml(&arg));
        }
        let _ = writeln!(t, "    </array>");
        let keep_alive = if inst.kind == RELEASE {
            "false"
        } else {
            "true"
        };
        let _ = writeln!(t, "    <key>KeepAlive</key>\n    <{keep_alive}/>");
        let _ = writeln!(t, "    <key>RunAtLoad</key>\n    <true/>");
        let _ = writeln!(
            t,
            "    <key>StandardOutPath</key>\n    <string>{}.log</string>",
            xml(&log)
        );
        let _ = writeln!(
            t,
            "    <key>StandardErrorPath</key>\n    <string>{}.error.log</string>",
            xml(&log)
        );
        let _ = writeln!(
            t,
            "    <key>UserName</key>\n    <string>{}</string>",
            xml(&s.user)
        );
        let _ = writeln!(
            t,
            "    <key>WorkingDirectory</key>\n    <string>{}</string>",
            xml(&s.root.display().to_string())
        );
        let _ = writeln!(
            t,
            "    <key>ExitTimeOut</key>\n    <integer>{}</integer>",
            s.timeout
        );
        let _ = writeln!(t, "</dict>");
        let _ = writeln!(t, "</plist>");
        let path = format!("{label}.plist");
        files.push(if project.env.is_empty() {
            File::new(path, t)
        } else {
            File::secret(path, t)
        });
    }
    files
}
