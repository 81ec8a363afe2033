//! Kubernetes: one Deployment per process type in `APP-TYPE.yaml`, with `replicas` from the
//! formation, `PORT` set to the type's base port, `PS` set to the pod's name (replicas cannot
//! be numbered), and `terminationGracePeriodSeconds` from the timeout. Only the types that
//! listen (`web`, or `--port-types`) declare a `containerPort`.
//!
//! The env files' variables go to a `Secret` in `APP-env.yaml` (mode 0600) that every
//! container reads with `envFrom`; `PORT` and `PS` in `env` win over it. A `release` type
//! becomes a `Job` (`restartPolicy: Never`): apply it and wait for it before the Deployments
//! (`kubectl wait --for=condition=complete job/APP-release`), as Kubernetes has no ordering
//! between objects. Names are made RFC 1123 labels; `$(` is escaped because Kubernetes
//! expands `$(VAR)` in commands.

use std::fmt::Write as _;

use super::quote::yaml;
use super::{exec_script, shared_env, File, Kind, Settings, RELEASE};
use crate::project::Project;

pub(super) fn render(project: &Project, kinds: &[Kind<'_>], s: &Settings) -> Vec<File> {
    let mut files = Vec::new();
    let app = rfc1123(&s.app);
    let shared = shared_env(project);
    let secret = format!("{app}-env");
    if !shared.is_empty() {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "# Written by `herd export kubernetes`: the env files' variables."
        );
        let _ = writeln!(t, "apiVersion: v1");
        let _ = writeln!(t, "kind: Secret");
        let _ = writeln!(t, "metadata:");
        let _ = writeln!(t, "  name: {}", yaml(&secret));
        let _ = writeln!(t, "  labels:");
        let _ = writeln!(t, "    app.kubernetes.io/name: {}", yaml(&app));
        let _ = writeln!(t, "type: Opaque");
        let _ = writeln!(t, "stringData:");
        for (k, v) in &shared {
            let _ = writeln!(t, "  {}: {}", yaml(k), yaml(v));
        }
        files.push(File::secret(format!("{secret}.yaml"), t));
    }
    for k in kinds {
        let kind = rfc1123(k.name);
        let name = format!("{app}-{kind}");
        let first = k.instances[0];
        let job = k.name == RELEASE;
        let mut t = String::new();
        let labels = |t: &mut String, indent: &str| {
            let _ = writeln!(t, "{indent}app.kubernetes.io/name: {}", yaml(&app));
            let _ = writeln!(t, "{indent}app.kubernetes.io/component: {}", yaml(&kind));
        };
        let _ = writeln!(
            t,
            "# Written by `herd export kubernetes` for Procfile process type `{}`.",
            k.name
        );
        if job {
            let _ = writeln!(
                t,
                "# A one-off: apply it and wait for it before the Deployments."
            );
            let _ = writeln!(t, "apiVersion: batch/v1");
            let _ = writeln!(t, "kind: Job");
        } else {
            let _ = writeln!(t, "apiVersion: apps/v1");
            let _ = writeln!(t, "kind: Deployment");
        }
        let _ = writeln!(t, "metadata:");
        let _ = writeln!(t, "  name: {}", yaml(&name));
        let _ = writeln!(t, "  labels:");
        labels(&mut t, "    ");
        let _ = writeln!(t, "spec:");
        if job {
            let _ = writeln!(t, "  backoffLimit: 0");
        } else {
            let _ = writeln!(t, "  replicas: {}", k.instances.len());
            let _ = writeln!(t, "  selector:");
            let _ = writeln!(t, "    matchLabels:");
            labels(&mut t, "      ");
        }
        let _ = writeln!(t, "  template:");
        let _ = writeln!(t, "    metadata:");
        let _ = writeln!(t, "      labels:");
        labels(&mut t, "        ");
        let _ = writeln!(t, "    spec:");
        if job {
            let _ = writeln!(t, "      restartPolicy: Never");
        }
        let _ = writeln!(t, "      terminationGracePeriodSeconds: {}", s.timeout);
        let _ = writeln!(t, "      containers:");
        let _ = writeln!(t, "        - name: {}", yaml(&kind));
        let _ = writeln!(t, "          image: {}", yaml(&s.image));
        let _ = writeln!(
            t,
            "          command: [\"/bin/sh\", \"-c\", {}]",
            yaml(&exec_script(k.command).replace("$(", "$$("))
        );
        if !shared.is_empty() {
            let _ = writeln!(t, "          envFrom:");
            let _ = writeln!(t, "            - secretRef:");
            let _ = writeln!(t, "                name: {}", yaml(&secret));
        }
        let _ = writeln!(t, "          env:");
        let _ = writeln!(t, "            - name: \"PORT\"");
        let _ = writeln!(t, "              value: \"{}\"", first.port);
        let _ = writeln!(t, "            - name: \"PS\"");
        let _ = writeln!(t, "              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name");
        if s.listens(k.name) {
            let _ = writeln!(t, "          ports:");
            let _ = writeln!(t, "            - containerPort: {}", first.port);
        }
        files.push(File::new(format!("{name}.yaml"), t));
    }
    files
}

/// Lower-case letters, digits and `-`, starting and ending alphanumeric, at most 63 long.
fn rfc1123(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.truncate(63);
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() {
        "app".to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_become_rfc1123_labels() {
        assert_eq!(super::rfc1123("My_App.web"), "my-app-web");
        assert_eq!(super::rfc1123("__"), "app");
    }
}
