//! Comparison with honcho (the Python runner): the same Procfile and `.env` fixtures run under
//! both, asserting where they agree and the documented differences. Where foreman and honcho
//! differ, herd follows foreman, and each test says so.
//!
//! Skips (with a message) when honcho is not installed, unless `HERD_REQUIRE_PEERS=1`, as in
//! CI, where its absence fails.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn honcho_available() -> bool {
    let found = Command::new("honcho")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("HERD_REQUIRE_PEERS").as_deref() != Ok("1"),
            "honcho is required (HERD_REQUIRE_PEERS=1) but not installed: pip install honcho==2.0.0"
        );
        eprintln!("skipping: honcho is not installed (pip install honcho==2.0.0)");
    }
    found
}

fn project(procfile: &str, dotenv: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Procfile"), procfile).unwrap();
    std::fs::write(dir.path().join(".env"), dotenv).unwrap();
    dir
}

/// Runs `program` under coreutils `timeout`, so a hung runner fails the test instead of
/// hanging the suite.
fn run(program: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new("timeout")
        .args(["-s", "KILL", "30", program])
        .args(args)
        .current_dir(dir)
        .env_remove("PORT")
        .env_remove("PS")
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn herd(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["start"];
    all.extend_from_slice(args);
    run(env!("CARGO_BIN_EXE_herd"), dir, &all)
}

fn honcho(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["start"];
    all.extend_from_slice(args);
    run("honcho", dir, &all)
}

/// The messages of one process, timestamps and padding removed, sorted.
fn messages(out: &Output, name: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let l = l.get(9..).unwrap_or(l);
            let (n, m) = l.split_once(" | ")?;
            (n.trim_end() == name).then(|| m.to_owned())
        })
        .collect();
    v.sort();
    v
}

const PORTS: &str = "web: echo \"port=$PORT\"; sleep 0.5\nworker: echo \"port=$PORT\"; sleep 0.5\n";

#[test]
fn ports_agree_for_a_full_formation() {
    if !honcho_available() {
        return;
    }
    let dir = project(PORTS, "");
    let h = herd(dir.path(), &["-m", "all=1,web=2"]);
    let p = honcho(dir.path(), &["-c", "web=2"]);
    for (name, port) in [("web.1", 5000), ("web.2", 5001), ("worker.1", 5100)] {
        let want = format!("port={port}");
        assert!(messages(&h, name).contains(&want), "herd {name}");
        assert!(messages(&p, name).contains(&want), "honcho {name}");
    }
}

#[test]
fn starting_one_type_keeps_its_port_like_foreman_not_honcho() {
    if !honcho_available() {
        return;
    }
    let dir = project(PORTS, "");
    // foreman counts every Procfile entry: worker (line 2) is 5100 even when started alone.
    assert!(messages(&herd(dir.path(), &["worker"]), "worker.1").contains(&"port=5100".into()));
    // honcho counts only the selected types.
    assert!(messages(&honcho(dir.path(), &["worker"]), "worker.1").contains(&"port=5000".into()));
}

#[test]
fn the_port_flag_beats_dotenv_like_foreman_not_honcho() {
    if !honcho_available() {
        return;
    }
    let dir = project(PORTS, "PORT=4000\n");
    assert!(
        messages(&herd(dir.path(), &["-p", "3000", "web"]), "web.1").contains(&"port=3000".into())
    );
    assert!(
        messages(&honcho(dir.path(), &["-p", "3000", "web"]), "web.1")
            .contains(&"port=4000".into())
    );
    // Without -p both take PORT from .env.
    assert!(messages(&herd(dir.path(), &["web"]), "web.1").contains(&"port=4000".into()));
    assert!(messages(&honcho(dir.path(), &["web"]), "web.1").contains(&"port=4000".into()));
}

#[test]
fn herd_sets_ps_like_foreman_and_honcho_sets_its_own_variable() {
    if !honcho_available() {
        return;
    }
    let dir = project(
        "web: echo \"ps=$PS hpn=$HONCHO_PROCESS_NAME\"; sleep 0.3\n",
        "",
    );
    assert!(messages(&herd(dir.path(), &[]), "web.1").contains(&"ps=web.1 hpn=".into()));
    assert!(messages(&honcho(dir.path(), &[]), "web.1").contains(&"ps= hpn=web.1".into()));
}

#[test]
fn dotenv_dialects_differ_where_documented() {
    if !honcho_available() {
        return;
    }
    let dir = project(
        "web: echo \"a=[$A] b=[$B] c=[$C] d=[$D] e=[$E]\"; sleep 0.3\n",
        "A=b c\nB=b # c\nexport C=1\nD='quoted value'\nE=\"x\\ny\"\n",
    );
    let h = messages(&herd(dir.path(), &[]), "web.1");
    let p = messages(&honcho(dir.path(), &[]), "web.1");
    // foreman's dialect: unquoted values are kept whole, `#` is not a comment after a value;
    // herd also accepts `export ` (foreman and honcho skip those lines).
    assert!(
        h.contains(&"a=[b c] b=[b # c] c=[1] d=[quoted value] e=[x".into()),
        "{h:?}"
    );
    assert!(h.contains(&"y]".into()), "{h:?}");
    // honcho (shlex): unquoted spaces removed, inline comments stripped, export lines ignored.
    assert!(
        p.contains(&"a=[bc] b=[b] c=[] d=[quoted value] e=[x".into()),
        "{p:?}"
    );
}

#[test]
fn both_run_the_app_past_env_lines_foreman_ignores() {
    if !honcho_available() {
        return;
    }
    let dir = project(
        "web: echo \"good=[$GOOD] last=[$LAST] bad=[$BAD]\"; sleep 0.3\n",
        "GOOD=1\nBAD = 2\n LEAD=3\nA-B=4\nLAST=5\n",
    );
    let h = herd(dir.path(), &[]);
    let p = honcho(dir.path(), &[]);
    assert_eq!(
        h.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&h.stderr)
    );
    // Both apply the rest of the file; foreman's reading (herd's) skips `BAD = 2`, honcho's
    // shell-like parser reads it as BAD=2.
    let want = vec!["good=[1] last=[5] bad=[]".to_owned()];
    let app = |out: &Output| -> Vec<String> {
        messages(out, "web.1")
            .into_iter()
            .filter(|m| m.starts_with("good="))
            .collect()
    };
    assert_eq!(app(&h), want);
    assert_eq!(app(&p), ["good=[1] last=[5] bad=[2]"]);
    // Where honcho is silent, herd names each skipped line once.
    let warnings = String::from_utf8_lossy(&h.stderr);
    assert_eq!(warnings.matches("herd: warning: ").count(), 3, "{warnings}");
}

#[test]
fn output_lines_have_the_same_shape() {
    if !honcho_available() {
        return;
    }
    let dir = project(
        "web: echo hello; echo to-stderr >&2; sleep 0.3\nworker: echo working; sleep 0.3\n",
        "",
    );
    let h = herd(dir.path(), &[]);
    let p = honcho(dir.path(), &[]);
    let app_lines = |out: &Output| -> Vec<String> {
        let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.ends_with("hello") || l.ends_with("to-stderr") || l.ends_with("working"))
            .map(|l| l[9..].to_owned())
            .collect();
        v.sort();
        v
    };
    // Same padding (to "system" or the longest name), same ` | ` separator, stderr included.
    assert_eq!(app_lines(&h), app_lines(&p));
    assert_eq!(
        app_lines(&h),
        [
            "web.1    | hello",
            "web.1    | to-stderr",
            "worker.1 | working"
        ]
    );
    // Lifecycle lines are foreman's in herd, honcho's own in honcho.
    assert!(messages(&h, "web.1")
        .iter()
        .any(|m| m.starts_with("started with pid ")));
    assert!(messages(&p, "system")
        .iter()
        .any(|m| m.starts_with("web.1 started (pid=")));
}

#[test]
fn exit_codes_agree_on_failure_and_differ_on_a_requested_stop() {
    if !honcho_available() {
        return;
    }
    let dir = project("web: sleep 0.3; exit 3\nworker: sleep 30\n", "");
    assert_eq!(herd(dir.path(), &[]).status.code(), Some(3));
    assert_eq!(honcho(dir.path(), &[]).status.code(), Some(3));

    // SIGTERM to the runner: herd exits 0 when everything stopped cleanly, honcho 143.
    let dir = project("web: touch ready; exec sleep 30\n", "");
    for (program, want) in [(env!("CARGO_BIN_EXE_herd"), 0), ("honcho", 143)] {
        let ready = dir.path().join("ready");
        let _ = std::fs::remove_file(&ready);
        let child = Command::new(program)
            .arg("start")
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the child, then give the runner a moment past its start.
        for _ in 0..2000 {
            if ready.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(300));
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(want), "{program}");
    }
}

#[test]
fn both_reject_duplicate_names() {
    if !honcho_available() {
        return;
    }
    let dir = project("web: true\nweb: true\n", "");
    assert!(!herd(dir.path(), &[]).status.success());
    assert!(!honcho(dir.path(), &[]).status.success());
}
