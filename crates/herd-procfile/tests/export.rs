//! Snapshot tests for every exporter: a fixed project rendered, every file with its path and
//! mode, compared byte for byte with the insta snapshot `snapshots/export__<format>.snap`
//! (`cargo insta review` after a deliberate change).

use std::fmt::Write as _;
use std::path::Path;

use herd_procfile::export::{self, Format, Settings};
use herd_procfile::formation::Formation;
use herd_procfile::project::{Options, Project};

const PROCFILE: &str = "\
web: bundle exec puma -p $PORT -C config/puma.rb
worker: sh -c 'echo \"it'\\''s 100% $QUEUE\"' && sidekiq
clock: exec ruby clock.rb
release: rake db:migrate
";

const DOTENV: &str = "\
DATABASE_URL=postgres://u:p@db/app?sslmode=require
QUEUE=\"default critical\"
MOTD='say \"hi\" for $5'
";

fn render(format: Format) -> Vec<export::File> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Procfile"), PROCFILE).unwrap();
    std::fs::write(dir.path().join(".env"), DOTENV).unwrap();
    let project = Project::load(
        &Options {
            root: Some(dir.path().to_owned()),
            ..Options::default()
        },
        None,
        false,
    )
    .unwrap();
    let instances = project
        .instances(&[], &Formation::parse("all=1,web=2,clock=0").unwrap())
        .unwrap();
    let settings = Settings {
        app: "shop".into(),
        user: "deploy".into(),
        log_dir: "/var/log/shop".into(),
        root: "/srv/shop".into(),
        location: "/etc/service".into(),
        timeout: 10,
        image: "registry.example/shop:1.2".into(),
        port_types: vec!["web".into()],
        build: Some("/srv/shop".into()),
    };
    export::render(format, &project, &instances, &settings)
}

/// Every exported file of a format, sorted by path, as one text: a header line with the path
/// and the mode, then the contents.
#[track_caller]
fn check(format: Format) {
    let mut files = render(format);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut text = String::new();
    for f in &files {
        let _ = write!(
            text,
            "=== {} (mode {:o})\n{}",
            f.path.display(),
            f.mode,
            f.contents
        );
        if !f.contents.ends_with('\n') {
            text.push_str("\n=== (no newline at the end)\n");
        }
    }
    insta::assert_snapshot!(format.to_string(), text);
}

#[test]
fn systemd_export() {
    check(Format::Systemd);
}

#[test]
fn supervisord_export() {
    check(Format::Supervisord);
}

#[test]
fn launchd_export() {
    check(Format::Launchd);
}

#[test]
fn runit_export() {
    check(Format::Runit);
    let files = render(Format::Runit);
    for f in &files {
        let want = if f.path.ends_with("run") {
            0o755
        } else {
            0o600
        };
        assert_eq!(f.mode, want, "{}", f.path.display());
    }
}

#[test]
fn compose_export() {
    check(Format::Compose);
}

#[test]
fn kubernetes_export() {
    check(Format::Kubernetes);
}

#[test]
fn systemd_units_start_the_command_through_bash_with_escapes() {
    let files = render(Format::Systemd);
    let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(
        names,
        [
            "shop.target",
            "shop.env",
            "shop-web.1.service",
            "shop-web.2.service",
            "shop-worker.1.service",
            "shop-release.1.service"
        ]
    );
    assert_eq!(files[1].mode, 0o600);
    let web = &files[2].contents;
    assert!(web.contains("WorkingDirectory=/srv/shop\n"), "{web}");
    assert!(
        web.contains("EnvironmentFile=/etc/service/shop.env\n"),
        "{web}"
    );
    assert!(!web.contains("DATABASE_URL"), "{web}");
    assert!(
        web.contains("Requires=shop-release.1.service\nAfter=shop-release.1.service\n"),
        "{web}"
    );
    let release = &files[5].contents;
    assert!(
        release.contains("Type=oneshot\n") && !release.contains("Restart="),
        "{release}"
    );
    assert!(web.contains("Environment=\"PORT=5000\"\n"), "{web}");
    assert!(web.contains("ExecStart=/bin/bash -lc \"exec -a \\\"shop-web.1\\\" bundle exec puma -p $$PORT -C config/puma.rb\"\n"), "{web}");
    assert!(files[0]
        .contents
        .contains("Wants=shop-web.1.service shop-web.2.service shop-worker.1.service shop-release.1.service\n"));
}

#[test]
fn the_shell_reads_back_the_quoted_runit_command() {
    // The run script's last line must hand sh exactly the Procfile command.
    let files = render(Format::Runit);
    let run = files
        .iter()
        .find(|f| f.path == Path::new("shop-worker-1/run"))
        .unwrap();
    let line = run.contents.lines().last().unwrap();
    let quoted = line.split_once("/bin/sh -c ").unwrap().1;
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("printf %s {quoted}"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "sh -c 'echo \"it'\\''s 100% $QUEUE\"' && sidekiq"
    );
}

#[test]
fn a_value_compose_env_files_cannot_hold_stays_inline_in_a_private_compose_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Procfile"), "web: serve\n").unwrap();
    // `it's "x"`: a `'` and a final `"`, which compose's dotenv parser cannot read back.
    std::fs::write(dir.path().join(".env"), "OK=1\nODD=\"it's \\\"x\\\"\"\n").unwrap();
    let project = Project::load(
        &Options {
            root: Some(dir.path().to_owned()),
            ..Options::default()
        },
        None,
        false,
    )
    .unwrap();
    let instances = project.instances(&[], &Formation::default()).unwrap();
    let settings = Settings {
        app: "shop".into(),
        user: "deploy".into(),
        log_dir: "/var/log/shop".into(),
        root: "/srv/shop".into(),
        location: "/srv/out".into(),
        timeout: 5,
        image: "shop:latest".into(),
        port_types: vec!["web".into()],
        build: None,
    };
    let files = export::render(Format::Compose, &project, &instances, &settings);
    let compose = &files[0];
    assert_eq!(compose.mode, 0o600);
    assert!(
        compose
            .contents
            .contains("      \"ODD\": \"it's \\\"x\\\"\"\n"),
        "{}",
        compose.contents
    );
    assert!(!compose.contents.contains("build:"), "{}", compose.contents);
    assert_eq!(files[1].contents, "OK='1'\n");
}

#[test]
fn supervisord_sets_a_key_that_is_no_shell_name_in_environment_not_in_the_sourced_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Procfile"), "web: serve\n").unwrap();
    std::fs::write(dir.path().join(".env"), "OK=1\n9LIVES=cat\n").unwrap();
    let project = Project::load(
        &Options {
            root: Some(dir.path().to_owned()),
            ..Options::default()
        },
        None,
        false,
    )
    .unwrap();
    let instances = project.instances(&[], &Formation::default()).unwrap();
    let settings = Settings {
        app: "shop".into(),
        user: "deploy".into(),
        log_dir: "/var/log/shop".into(),
        root: "/srv/shop".into(),
        location: "/srv/out".into(),
        timeout: 5,
        image: "shop:latest".into(),
        port_types: vec!["web".into()],
        build: None,
    };
    let files = export::render(Format::Supervisord, &project, &instances, &settings);
    assert_eq!(
        files[1].contents, "OK=1\n",
        "sourced by sh: shell names only"
    );
    assert!(
        files[0]
            .contents
            .contains("environment=PORT=\"5000\",PS=\"web.1\",9LIVES=\"cat\"\n"),
        "{}",
        files[0].contents
    );
    assert_eq!(files[0].mode, 0o600);
}
