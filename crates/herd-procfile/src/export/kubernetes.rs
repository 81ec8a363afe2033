//! Kubernetes: one Deployment per process type in `APP-TYPE.yaml`, with `replicas` from the
//! formation, `PORT` set to the type's base port and declared as the container port, `PS` set
//! to the pod's name (replicas cannot be numbered), and `terminationGracePeriodSeconds` from
//! the timeout. Names are made RFC 1123 labels; `$(` is escaped because Kubernetes expands
//! `$(VAR)` in commands.

use std::fmt::Write as _;

use super::quote::yaml;
use super::{exec_script, File, Kind, Settings};
use crate::project::Project;

pub(super) fn render(_project: &Project, kinds: &[Kind<'_>], s: &Settings) -> Vec<File> {
    let mut files = Vec::new();
    let app = rfc1123(&s.app);
    for k in kinds {
        let kind = rfc1123(k.name);
        let name = format!("{app}-{kind}");
        let first = k.instances[0];
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
        let _ = writeln!(t, "apiVersion: apps/v1");
        let _ = writeln!(t, "kind: Deployment");
        let _ = writeln!(t, "metadata:");
        let _ = writeln!(t, "  name: {}", yaml(&name));
        let _ = writeln!(t, "  labels:");
        labels(&mut t, "    ");
        let _ = writeln!(t, "spec:");
        let _ = writeln!(t, "  replicas: {}", k.instances.len());
        let _ = writeln!(t, "  selector:");
        let _ = writeln!(t, "    matchLabels:");
        labels(&mut t, "      ");
        let _ = writeln!(t, "  template:");
        let _ = writeln!(t, "    metadata:");
        let _ = writeln!(t, "      labels:");
        labels(&mut t, "        ");
        let _ = writeln!(t, "    spec:");
        let _ = writeln!(t, "      terminationGracePeriodSeconds: {}", s.timeout);
        let _ = writeln!(t, "      containers:");
        let _ = writeln!(t, "        - name: {}", yaml(&kind));
        let _ = writeln!(t, "          image: {}", yaml(&s.image));
        let _ = writeln!(
            t,
            "          command: [\"/bin/sh\", \"-c\", {}]",
            yaml(&exec_script(k.command).replace("$(", "$$("))
        );
        let _ = writeln!(t, "          env:");
        for (key, value) in &first.env {
            let _ = writeln!(t, "            - name: {}", yaml(key));
            if key == "PS" {
                let _ = writeln!(t, "              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name");
            } else {
                let _ = writeln!(
                    t,
                    "              value: {}",
                    yaml(&value.replace("$(", "$$("))
                );
            }
        }
        let _ = writeln!(t, "          ports:");
        let _ = writeln!(t, "            - containerPort: {}", first.port);
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
