//! docker compose: one service per process type, `deploy.replicas` from the formation, `PORT`
//! set to the type's base port (each container has its own network, so replicas share it).
//!
//! Only the types that listen (`web`, or those named in `--port-types`) publish their port: on
//! a fixed host port for a single replica, an ephemeral one otherwise. The env files'
//! variables go to `APP.env` (mode 0600), named by `env_file:`, instead of the compose file
//! (a value compose's dialect cannot hold, with a `'` and a final `"` or `\`, stays in
//! `environment:`, and the compose file is then mode 0600 too).
//! When the app root holds a `Dockerfile` every service gets `build:` with it as the context
//! (and `image:` as the tag to build). A `release` type runs once (`restart: "no"`) and the
//! others `depends_on` its successful completion. `$` is doubled because compose interpolates
//! variables in the file.

use std::fmt::Write as _;

use super::quote::{compose_env_file, yaml};
use super::{exec_script, shared_env, File, Kind, Settings, RELEASE};
use crate::project::Project;

pub(super) fn render(project: &Project, kinds: &[Kind<'_>], s: &Settings) -> Vec<File> {
    let esc = |v: &str| yaml(&v.replace('$', "$$"));
    let mut files = Vec::new();
    let shared = shared_env(project);
    let env_file = format!("{}.env", s.app);
    // Values compose's env_file dialect cannot hold stay in `environment:`, and the compose
    // file is then private too.
    let mut inline: Vec<(&str, &str)> = Vec::new();
    let mut in_file = false;
    if !shared.is_empty() {
        let mut text = String::new();
        for &(k, v) in &shared {
            match compose_env_file(v) {
                Some(q) => {
                    let _ = writeln!(text, "{k}={q}");
                    in_file = true;
                }
                None => inline.push((k, v)),
            }
        }
        if in_file {
            files.push(File::secret(&env_file, text));
        }
    }
    let release = kinds.iter().any(|k| k.name == RELEASE);
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
        if let Some(context) = &s.build {
            let _ = writeln!(t, "    build:");
            let _ = writeln!(t, "      context: {}", esc(&context.display().to_string()));
        }
        let _ = writeln!(
            t,
            "    command: [\"/bin/sh\", \"-c\", {}]",
            esc(&exec_script(k.command))
        );
        if in_file {
            let _ = writeln!(t, "    env_file:");
            let _ = writeln!(t, "      - {}", yaml(&env_file));
        }
        let _ = writeln!(t, "    environment:");
        for (key, value) in &inline {
            let _ = writeln!(t, "      {}: {}", yaml(key), esc(value));
        }
        let _ = writeln!(t, "      \"PORT\": \"{}\"", first.port);
        let _ = writeln!(t, "      \"PS\": {}", esc(k.name));
        if s.listens(k.name) {
            let _ = writeln!(t, "    ports:");
            if k.instances.len() == 1 {
                let _ = writeln!(t, "      - \"{0}:{0}\"", first.port);
            } else {
                let _ = writeln!(t, "      - \"{}\"", first.port);
            }
        }
        if release && k.name != RELEASE {
            let _ = writeln!(t, "    depends_on:");
            let _ = writeln!(t, "      {}:", yaml(RELEASE));
            let _ = writeln!(t, "        condition: service_completed_successfully");
        }
        let _ = writeln!(t, "    deploy:");
        let _ = writeln!(t, "      replicas: {}", k.instances.len());
        if k.name == RELEASE {
            let _ = writeln!(t, "    restart: \"no\"");
        } else {
            let _ = writeln!(t, "    restart: unless-stopped");
        }
        let _ = writeln!(t, "    stop_grace_period: {}s", s.timeout);
    }
    let compose = if inline.is_empty() {
        File::new("docker-compose.yml", t)
    } else {
        File::secret("docker-compose.yml", t)
    };
    files.insert(0, compose);
    files
}
