//! `herd export` as a command: files land in the directory, formats and errors are named.

use std::path::Path;
use std::process::{Command, Output};

fn herd(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(args)
        .current_dir(dir)
        .env_remove("PORT")
        .output()
        .unwrap()
}

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
    assert!(
        unit.contains("Environment=\"DB=postgres://db\"\n"),
        "{unit}"
    );
    assert!(
        unit.contains(&format!("WorkingDirectory=\"{}\"\n", dir.path().display())),
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
