//! `kill -9` of `herd start` (or of its supervisor process) leaves nothing behind, even with a
//! hostile Procfile: a shell with background children, a double fork, `setsid`, and children
//! that ignore SIGTERM.
#![cfg(target_os = "linux")]

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HOSTILE: &str = "\
shell: sh -c 'sleep 1000 & echo $! >> pids; sleep 1000 & echo $! >> pids; echo $$ >> pids; wait'
double: sh -c 'sh -c \"echo \\$\\$ >> pids; exec sleep 1000\" &'; exec sleep 1000
setsid: setsid sh -c 'echo $$ >> pids; exec sleep 1000' & exec sleep 1000
deaf: trap '' TERM; echo $$ >> pids; while :; do sleep 0.05; done
deafsetsid: setsid sh -c 'trap \"\" TERM; echo $$ >> pids; while :; do sleep 0.05; done' & exec sleep 1000
";
const RECORDED: usize = 7;

fn start(dir: &Path) -> Child {
    std::fs::write(dir.join("Procfile"), HOSTILE).unwrap();
    Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(["start", "--no-timestamp", "-t", "1"])
        .current_dir(dir)
        .env_remove("PORT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn recorded_pids(dir: &Path) -> Vec<i32> {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(dir.join("pids")).unwrap_or_default();
        let pids: Vec<i32> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
        if pids.len() >= RECORDED {
            return pids;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "only {pids:?} recorded"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is a live process (a zombie counts as dead).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .next();
        !matches!(state, Some("Z" | "X"))
    })
}

fn children_of(pid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
            let ppid = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .nth(1);
            if ppid == Some(&pid.to_string()) {
                out.push(p);
            }
        }
    }
    out
}

fn kill9(pid: i32) {
    assert!(Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap()
        .success());
}

/// Waits (up to 20 s) for every pid to die; returns those still alive.
fn survivors(pids: &[i32]) -> Vec<i32> {
    let start = Instant::now();
    loop {
        let left: Vec<i32> = pids.iter().copied().filter(|p| alive(*p)).collect();
        if left.is_empty() || start.elapsed() > Duration::from_secs(20) {
            for p in &left {
                // Clean up after a failure so the machine is not left with them.
                let _ = Command::new("kill").args(["-9", &p.to_string()]).status();
            }
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kill_9_of_herd_start_leaves_no_descendant() {
    let dir = tempfile::tempdir().unwrap();
    let mut herd = start(dir.path());
    let pids = recorded_pids(dir.path());
    for p in &pids {
        assert!(alive(*p), "{p} should run before the kill");
    }
    kill9(herd.id() as i32);
    herd.wait().unwrap();
    let left = survivors(&pids);
    // The supervisor, told by the kernel that herd died, stops everything and says so.
    let mut out = String::new();
    herd.stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(left.is_empty(), "{left:?} outlived herd:\n{out}");
    assert!(out.contains("SIGTERM received, starting shutdown"), "{out}");
}

#[test]
fn kill_9_of_the_supervisor_process_leaves_no_descendant_either() {
    let dir = tempfile::tempdir().unwrap();
    let mut herd = start(dir.path());
    let pids = recorded_pids(dir.path());
    let supervisor = children_of(herd.id() as i32);
    assert_eq!(
        supervisor.len(),
        1,
        "one supervisor under herd: {supervisor:?}"
    );
    kill9(supervisor[0]);
    let started = Instant::now();
    let status = loop {
        if let Some(s) = herd.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "herd did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(137));
    let left = survivors(&pids);
    assert!(left.is_empty(), "{left:?} outlived the supervisor");
}
