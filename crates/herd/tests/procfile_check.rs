//! `herd check`, `.env` lines foreman skips, unknown types in a formation and `herd run` with a
//! command line: what a team moving from foreman meets first.

mod support;

use support::cli::run as herd;

fn project(procfile: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Procfile"), procfile).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_lists_every_skipped_line_and_every_problem_in_one_run() {
    let dir = project(
        "web: serve\nworker python3 worker.py\n  clock: tick\nbad name: x\nempty:\n# a comment\nweb: again\n",
        &[(".env", "GOOD=1\nDATABASE_URL = postgres://db\n KEY=v\nA-B=1\n")],
    );
    let out = herd(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    insta::assert_snapshot!("check_report", support::cli::transcript(&out));
    let stdout = text(&out.stdout);
    let want = [
        "Procfile:2: skipped `worker python3 worker.py`: no `:` after the process name",
        "Procfile:3: skipped `  clock: tick`: indented: an entry must start at the beginning of the line",
        "Procfile:4: skipped `bad name: x`: a process name may only hold ASCII letters, digits, `_` and `-`",
        "Procfile:5: skipped `empty:`: no command after the `:`",
        "Procfile:7: process type `web` is already defined on line 1",
        ".env:2: ignored `DATABASE_URL = postgres://db`: a space before `=`: write KEY=value",
        ".env:3: ignored ` KEY=v`: leading whitespace",
        ".env:4: ignored `A-B=1`: `A-B` is not a variable name",
        "8 problems found; process types: web",
    ];
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), want.len(), "{stdout}");
    for (line, want) in lines.iter().zip(want) {
        assert!(
            line.contains(want),
            "{line:?} should contain {want:?}\n{stdout}"
        );
    }
    // A clean project passes, with foreman's wording.
    let dir = project("web: serve\n", &[(".env", "A=1\n")]);
    let out = herd(dir.path(), &["check"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "valid procfile detected (web)\n");
}

#[test]
fn check_names_an_empty_command_and_a_formation_in_the_defaults_file_naming_no_type() {
    let dir = project(
        "web: serve\nworker:   \n",
        &[(".herd", "formation: web=1,wrker=1\n")],
    );
    let out = herd(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Procfile:2: process type `worker` has an empty command"),
        "{stdout}"
    );
    assert!(
        stdout.contains(".herd: formation: no process type `wrker` in Procfile (defined: web, worker); did you mean `worker`?"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("2 problems found; process types: web, worker\n"),
        "{stdout}"
    );
}

#[test]
fn start_applies_the_env_file_past_lines_foreman_ignores_and_warns_once_per_line() {
    let dir = project(
        "web: echo \"good=$GOOD last=$LAST\"\n",
        &[(
            ".env",
            "GOOD=1\nDATABASE_URL = postgres://db\n INDENTED=1\nA.B=1\nCERT=\"-----BEGIN\nabc-----\"\nLAST=2\n",
        )],
    );
    let out = herd(dir.path(), &["start", "--no-timestamp"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        text(&out.stdout).contains("web.1  | good=1 last=2"),
        "{}",
        text(&out.stdout)
    );
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 4, "{stderr}");
    for (w, place) in warnings
        .iter()
        .zip([".env:2:", ".env:3:", ".env:4:", ".env:6:"])
    {
        assert!(w.contains(place), "{w}");
    }
    assert!(
        warnings[3].contains("continues the value of `CERT` from line 5"),
        "{stderr}"
    );
}

#[test]
fn unknown_types_in_a_formation_are_errors_naming_the_known_types() {
    let dir = project("web: echo web\nworker: echo worker\n", &[]);
    for (formation, want) in [
        (
            "nosuch=2",
            "formation nosuch=2: no process type `nosuch` in Procfile (defined: web, worker)",
        ),
        (
            "web=1,wrker=1",
            "formation wrker=1: no process type `wrker` in Procfile (defined: web, worker); did you mean `worker`?",
        ),
    ] {
        let out = herd(dir.path(), &["start", "-m", formation]);
        assert_eq!(out.status.code(), Some(2), "{formation}");
        assert!(text(&out.stderr).contains(want), "{}", text(&out.stderr));
        assert!(
            !text(&out.stdout).contains("started"),
            "nothing may start: {}",
            text(&out.stdout)
        );
    }
    let out = herd(dir.path(), &["start", "wrker"]);
    assert!(
        text(&out.stderr).contains("did you mean `worker`?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn run_takes_one_argument_as_a_command_line_for_the_shell() {
    let dir = project(
        "worker: echo \"worker $QUEUE\"\n",
        &[(".env", "QUEUE=critical\n")],
    );
    let out = herd(dir.path(), &["run", "echo $QUEUE | tr a-z A-Z"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "CRITICAL\n");
    // A single word naming an entry still runs the entry.
    let out = herd(dir.path(), &["run", "worker"]);
    assert_eq!(text(&out.stdout), "worker critical\n");
    // Several arguments are the argument vector, not re-split.
    let out = herd(dir.path(), &["run", "printf", "%s|", "a b", "$QUEUE"]);
    assert_eq!(text(&out.stdout), "a b|$QUEUE|");
    let out = herd(dir.path(), &["run", "exit 3"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn a_missing_procfile_or_roles_folder_says_its_os_error_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = herd(dir.path(), &["start"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.matches("os error").count(), 1, "{err}");
    assert!(err.contains("-f/--procfile"), "{err}");
    let out = herd(dir.path(), &["roles", "check", "nonexistent"]);
    let err = text(&out.stderr);
    assert_eq!(err.matches("os error").count(), 1, "{err}");
}
