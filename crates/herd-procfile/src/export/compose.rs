//! docker compose: one service per process type, `deploy.replicas` from the formation, `PORT`
//! set to the type's base port (each container has its own network, so replicas share it)
//! and published on a fixed host port for a single replica, an ephemeral one otherwise.
//! `$` is doubled because compose interpolates variables in the file.

use std::fmt::Write as _;

use super::quote::yaml;
use super::{exec_script, File, Kind, Settings};
use crate::project::Project;

pub(super) fn render(_project: &Project, kinds: &[Kind<'_>], s: &Settings) -> Vec<File> {
    let esc = |v: &str| yaml(&v.replace('$', "$$"));
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Written by `herd export compose`: one service per Procfile process type."
    );
    let _ = writeln!(t, "name: {}", yaml(&s.app));
    let _ = writeln!(t, "services:");
    for k in kinds {
        let first = k.instances[0];
        let _ = writeln!(t, "  {}:", yaml(k.name));
        let _ = writeln!(t, "    image: {}", esc(&s.image));
        let _ = writeln!(
            t,
            "    command: [\"/bin/sh\", \"-c\", {}]",
            esc(&exec_script(k.command))
        );
        let _ = writeln!(t, "    environment:");
        for (key, value) in &first.env {
            let value = if key == "PS" { k.name } else { value.as_str() };
            let _ = writeln!(t, "      {}: {}", yaml(key), esc(value));
        }
        let _ = writeln!(t, "    ports:");
        if k.instances.len() == 1 {
            let _ = writeln!(t, "      - \"{0}:{0}\"", first.port);
        } else {
            let _ = writeln!(t, "      - \"{}\"", first.port);
        }
        let _ = writeln!(t, "    deploy:");
        let _ = writeln!(t, "      replicas: {}", k.instances.len());
        let _ = writeln!(t, "    restart: unless-stopped");
        let _ = writeln!(t, "    stop_grace_period: {}s", s.timeout);
    }
    vec![File::new("docker-compose.yml", t)]
}
