//! `herd export` as a command: files land in the directory, formats and errors are named.

mod support;

use std::path::Path;
use support::cli::run as herd;

fn app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Procfile"),
        "web: serve -p $PORT\nworker: work\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".env"), "DB=postgres://db\n").unwrap();
    dir
}

#[test]
fn every_format_writes_its_files() {
    let dir = app();
    let cases: [(&str, &[&str]); 6] = [
        (
            "systemd",
            &[
                "shop.target",
                "shop-web.1.service",
                "shop-web.2.service",
                "shop-worker.1.service",
            ],
        ),
        ("supervisord", &["shop.conf"]),
        (
            "launchd",
            &[
                "shop-web-1.plist",
                "shop-web-2.plist",
                "shop-worker-1.plist",
            ],
        ),
        (
            "runit",
            &[
                "shop-web-1/run",
                "shop-web-1/log/run",
                "shop-web-1/env/DB",
                "shop-worker-1/env/PORT",
            ],
        ),
        ("compose", &["docker-compose.yml"]),
        ("kubernetes", &["shop-web.yaml", "shop-worker.yaml"]),
    ];
    for (format, files) in cases {
        let out_dir = dir.path().join("out").join(format);
        let out = herd(
            dir.path(),
            &[
                "export",
                format,
                out_dir.to_str().unwrap(),
                "-a",
                "shop",
                "-m",
                "all=1,web=2",
            ],
        );
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for f in files {
            assert!(out_dir.join(f).is_file(), "{format}: {f} missing");
        }
    }
    let unit = std::fs::read_to_string(dir.path().join("out/systemd/shop-web.2.service")).unwrap();
    assert!(unit.contains("Environment=\"PORT=5001\"\n"), "{unit}");
    let env = std::fs::read_to_string(dir.path().join("out/systemd/shop.env")).unwrap();
    assert_eq!(env, "DB='postgres://db'\n");
    assert!(!unit.contains("postgres"), "{unit}");
    assert!(
        unit.contains(&format!("WorkingDirectory={}\n", dir.path().display())),
        "{unit}"
    );
    let k8s = std::fs::read_to_string(dir.path().join("out/kubernetes/shop-web.yaml")).unwrap();
    assert!(
        k8s.contains("  replicas: 2\n") && k8s.contains("containerPort: 5000"),
        "{k8s}"
    );
}

#[test]
fn an_unknown_format_is_named_with_the_choices() {
    let dir = app();
    let out = herd(dir.path(), &["export", "upstart", "out"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown export format `upstart` (expected one of: systemd, supervisord, launchd, runit, compose, kubernetes)"),
        "{err}"
    );
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_re_export_with_fewer_instances_removes_what_it_no_longer_writes() {
    let dir = app();
    let export = |format: &str, formation: &str| {
        herd(
            dir.path(),
            &["export", format, "out", "-a", "shop", "-m", formation],
        )
    };
    assert!(export("systemd", "web=2,worker=1").status.success());
    assert!(dir.path().join("out/shop-web.2.service").is_file());
    let out = export("systemd", "web=1,worker=1");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("[herd export] removing: out/shop-web.2.service (not in this export)"),
        "{stdout}"
    );
    assert_eq!(
        files_in(&dir.path().join("out")),
        [
            ".herd-export",
            "shop-web.1.service",
            "shop-worker.1.service",
            "shop.env",
            "shop.target"
        ]
    );
    // runit: the whole service directory of the dropped instance goes.
    let runit = |formation: &str| {
        herd(
            dir.path(),
            &["export", "runit", "sv", "-a", "shop", "-m", formation],
        )
    };
    assert!(runit("web=2").status.success());
    assert!(dir.path().join("sv/shop-web-2/env/PORT").is_file());
    assert!(runit("web=1").status.success());
    assert_eq!(
        files_in(&dir.path().join("sv")),
        [".herd-export", "shop-web-1"]
    );
}

#[test]
fn files_of_an_unrecorded_earlier_export_make_the_export_refuse() {
    let dir = app();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/shop-web.3.service"), "[Unit]\n").unwrap();
    std::fs::write(dir.path().join("out/other.service"), "[Unit]\n").unwrap();
    let out = herd(dir.path(), &["export", "systemd", "out", "-a", "shop"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("out holds shop-web.3.service, which this export does not write and no earlier herd export recorded in .herd-export"),
        "{err}"
    );
    assert!(!dir.path().join("out/shop-web.1.service").exists());
    std::fs::remove_file(dir.path().join("out/shop-web.3.service")).unwrap();
    let out = herd(dir.path(), &["export", "systemd", "out", "-a", "shop"]);
    assert!(out.status.success());
    assert!(dir.path().join("out/other.service").is_file());
}

#[test]
fn unknown_types_in_the_formation_or_port_types_are_errors() {
    let dir = app();
    for (args, want) in [
        (
            &["export", "systemd", "out", "-m", "web=1,wrker=1"][..],
            "formation wrker=1: no process type `wrker` in Procfile (defined: web, worker); did you mean `worker`?",
        ),
        (
            &["export", "compose", "out", "--port-types", "api"][..],
            "--port-types api: no process type `api` in Procfile (defined: web, worker)",
        ),
    ] {
        let out = herd(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{err}");
    }
}
