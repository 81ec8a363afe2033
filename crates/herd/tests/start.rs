//! `herd start`, `run` and `check` with real processes and real signals.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

fn herd(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_herd"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("PORT")
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Waits for `child` (killing it after 60 s so that a hung supervisor fails instead of
/// hanging the suite) and collects its output.
fn finish(mut child: Child, started: Instant) -> Run {
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        out.read_to_end(&mut s).unwrap();
        s
    });
    let ereader = std::thread::spawn(move || {
        let mut s = Vec::new();
        err.read_to_end(&mut s).unwrap();
        s
    });
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("herd did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    Run {
        status,
        stdout: String::from_utf8_lossy(&reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&ereader.join().unwrap()).into_owned(),
        elapsed,
    }
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let started = Instant::now();
    finish(herd(dir, args).spawn().unwrap(), started)
}

fn project(procfile: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Procfile"), procfile).unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} {pid}");
}

/// Waits until `path` exists and holds `n` lines, returning them.
fn wait_lines(path: &Path, n: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            if lines.len() >= n {
                return lines;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} never got {n} lines",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `pid` is still a live process (a zombie counts as dead).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .next();
            !matches!(state, Some("Z" | "X"))
        }
        Err(_) => false,
    }
}

/// Asserts that process `name` printed `line` (showing the whole output otherwise).
#[track_caller]
fn assert_line(out: &Run, name: &str, line: &str) {
    assert!(
        lines_of(&out.stdout, name).contains(&line),
        "{}",
        out.stdout
    );
}

fn lines_of<'a>(out: &'a str, name: &str) -> Vec<&'a str> {
    out.lines()
        .filter_map(|l| {
            l.split_once(" | ")
                .filter(|(n, _)| n.trim_end() == name)
                .map(|(_, m)| m)
        })
        .collect()
}

#[test]
fn ports_ps_and_env_precedence_follow_foreman() {
    let dir = project(
        "web: echo \"port=$PORT ps=$PS from=$FROM both=$BOTH\"\nworker: echo \"port=$PORT ps=$PS\"\n",
        &[(".env", "FROM=dotenv\nBOTH=first\n"), ("second.env", "BOTH=second\n")],
    );
    let mut cmd = herd(
        dir.path(),
        &[
            "start",
            "--no-timestamp",
            "-m",
            "all=1,web=2",
            "-e",
            ".env,second.env",
            "--can-die",
            "web,worker",
        ],
    );
    cmd.env("FROM", "inherited");
    let out = finish(cmd.spawn().unwrap(), Instant::now());
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    assert_line(&out, "web.1", "port=5000 ps=web.1 from=dotenv both=second");
    assert_line(&out, "web.2", "port=5001 ps=web.2 from=dotenv both=second");
    assert_line(&out, "worker.1", "port=5100 ps=worker.1");
}

#[test]
fn base_port_comes_from_flag_then_env_file_then_environment() {
    let dir = project(
        "a: true\nweb: echo \"port=$PORT\"\n",
        &[(".env", "PORT=6000\n")],
    );
    let out = run(dir.path(), &["start", "--no-timestamp", "web"]);
    assert_line(&out, "web.1", "port=6100");
    let out = run(
        dir.path(),
        &["start", "--no-timestamp", "-p", "7000", "web"],
    );
    assert_line(&out, "web.1", "port=7100");
    std::fs::remove_file(dir.path().join(".env")).unwrap();
    let mut cmd = herd(dir.path(), &["start", "--no-timestamp", "web"]);
    cmd.env("PORT", "8000");
    let out = finish(cmd.spawn().unwrap(), Instant::now());
    assert_line(&out, "web.1", "port=8100");
}

#[test]
fn output_is_prefixed_padded_and_keeps_partial_lines_stderr_and_bad_utf8() {
    let dir = project(
        "web: printf 'one\\ntwo\\n'; printf 'err\\n' >&2; printf 'bad \\377\\n'; printf 'tail'\n",
        &[],
    );
    let out = run(dir.path(), &["start", "--no-timestamp"]);
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("web.1  | started with pid "),
        "{lines:?}"
    );
    for want in [
        "web.1  | one",
        "web.1  | two",
        "web.1  | err",
        "web.1  | bad \u{fffd}",
        "web.1  | tail",
        "web.1  | exited with code 0",
    ] {
        assert!(lines.contains(&want), "missing {want:?} in {lines:?}");
    }
    let pos = |s: &str| lines.iter().position(|l| *l == s).unwrap();
    assert!(pos("web.1  | one") < pos("web.1  | two"));
    assert!(pos("web.1  | tail") < pos("web.1  | exited with code 0"));
    // Off a terminal there is no colour; -c forces it.
    assert!(!out.stdout.contains('\x1b'));
    let out = run(dir.path(), &["start", "--no-timestamp", "-c"]);
    assert!(
        out.stdout.contains("\x1b[36mweb.1  | \x1b[0mone"),
        "{:?}",
        out.stdout
    );
    let mut cmd = herd(dir.path(), &["start", "--no-timestamp"]);
    cmd.env("FORCE_COLOR", "1");
    let out = finish(cmd.spawn().unwrap(), Instant::now());
    assert!(out.stdout.contains('\x1b'));
}

#[test]
fn timestamps_are_local_hh_mm_ss() {
    let dir = project("web: echo hi\n", &[]);
    let out = run(dir.path(), &["start"]);
    let line = out.stdout.lines().find(|l| l.ends_with("| hi")).unwrap();
    let (time, rest) = line.split_at(9);
    assert!(
        time.as_bytes().iter().enumerate().all(|(i, b)| match i {
            2 | 5 => *b == b':',
            8 => *b == b' ',
            _ => b.is_ascii_digit(),
        }),
        "{line:?}"
    );
    assert_eq!(rest, "web.1  | hi");
}

#[test]
fn lines_from_concurrent_writers_are_never_interleaved() {
    let line = "x".repeat(20_000);
    let procfile = format!(
        "a: for i in $(seq 200); do echo a{line}; echo a{line} >&2; done\nb: for i in $(seq 200); do echo b{line}; done\n"
    );
    let dir = project(&procfile, &[]);
    let out = run(dir.path(), &["start", "--no-timestamp", "--can-die", "a,b"]);
    let mut count = 0;
    for l in out.stdout.lines() {
        let Some((name, msg)) = l.split_once(" | ") else {
            continue;
        };
        if msg.len() > 100 {
            let want = if name.starts_with('a') { 'a' } else { 'b' };
            assert_eq!(msg.len(), 20_001, "{name}");
            assert!(msg.starts_with(want) && msg[1..].bytes().all(|b| b == b'x'));
            count += 1;
        }
    }
    // Each line is longer than a pipe's atomic write, and process a writes its stdout and
    // stderr in turn: every line must still come out whole.
    assert_eq!(count, 600);
}

#[test]
fn exit_code_is_the_first_failure_and_others_get_sigterm() {
    let dir = project(
        "web: sleep 0.2; exit 3\nworker: exec sleep 30\nclock: sleep 0.1; kill -9 $$\n",
        &[],
    );
    let out = run(dir.path(), &["start", "--no-timestamp", "web", "worker"]);
    assert_eq!(out.status.code(), Some(3), "{}", out.stdout);
    assert!(lines_of(&out.stdout, "web.1").contains(&"exited with code 3"));
    assert_line(&out, "worker.1", "terminated by SIGTERM");
    assert!(lines_of(&out.stdout, "system").contains(&"sending SIGTERM to all processes"));
    // Death by signal n exits 128 + n.
    let out = run(dir.path(), &["start", "--no-timestamp", "clock", "worker"]);
    assert_eq!(out.status.code(), Some(137), "{}", out.stdout);
    assert_line(&out, "clock.1", "terminated by SIGKILL");
}

#[test]
fn sigint_and_sigterm_stop_everything_cleanly_with_exit_zero() {
    for sig in ["INT", "TERM"] {
        let dir = project("web: touch ready; exec sleep 30\nworker: sleep 30\n", &[]);
        let child = herd(dir.path(), &["start", "--no-timestamp"])
            .spawn()
            .unwrap();
        let pid = child.id();
        // A running child means herd's signal handlers are in place.
        wait_lines(&dir.path().join("ready"), 0);
        let started = Instant::now();
        signal(pid, sig);
        let out = finish(child, started);
        assert_eq!(out.status.code(), Some(0), "{sig}: {}", out.stdout);
        assert!(
            lines_of(&out.stdout, "system")
                .contains(&format!("SIG{sig} received, starting shutdown").as_str()),
            "{}",
            out.stdout
        );
        assert!(
            out.elapsed < Duration::from_secs(4),
            "{sig}: took {:?}",
            out.elapsed
        );
    }
}

#[test]
fn a_process_ignoring_sigterm_is_killed_after_the_timeout() {
    let dir = project(
        "web: trap '' TERM; touch ready; while :; do sleep 0.05; done\nexit: while [ ! -e ready ]; do sleep 0.05; done\n",
        &[],
    );
    let out = run(dir.path(), &["start", "--no-timestamp", "-t", "0.5"]);
    assert_line(&out, "system", "sending SIGKILL to all processes");
    assert_line(&out, "web.1", "terminated by SIGKILL");
    assert!(
        out.elapsed >= Duration::from_millis(500),
        "{:?}",
        out.elapsed
    );
    assert_eq!(out.status.code(), Some(137));
}

#[test]
fn a_second_ctrl_c_skips_the_wait() {
    let dir = project(
        "web: trap '' TERM INT; touch ready; while :; do sleep 0.05; done\n",
        &[],
    );
    let child = herd(dir.path(), &["start", "--no-timestamp", "-t", "30"])
        .spawn()
        .unwrap();
    let pid = child.id();
    wait_lines(&dir.path().join("ready"), 0);
    let started = Instant::now();
    signal(pid, "INT");
    // A deliberate second Ctrl-C, after the first one's moment (1 s) has passed.
    std::thread::sleep(Duration::from_millis(1300));
    signal(pid, "INT");
    let out = finish(child, started);
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);
    assert_line(
        &out,
        "system",
        "SIGINT received again, not waiting any longer",
    );
    assert_line(&out, "web.1", "terminated by SIGKILL");
}

#[test]
fn two_sigints_at_once_are_one_stop_that_waits_for_a_clean_exit() {
    // What Ctrl-C in a terminal or `timeout -s INT` delivers: two signals in a moment.
    let dir = project(
        "web: trap 'sleep 1.5; echo drained; exit 0' TERM; touch ready; while :; do sleep 0.05; done\n",
        &[],
    );
    let child = herd(dir.path(), &["start", "--no-timestamp", "-t", "30"])
        .spawn()
        .unwrap();
    let pid = child.id();
    wait_lines(&dir.path().join("ready"), 0);
    let started = Instant::now();
    signal(pid, "INT");
    std::thread::sleep(Duration::from_millis(30));
    signal(pid, "INT");
    let out = finish(child, started);
    assert_eq!(out.status.code(), Some(0), "{}", out.stdout);
    assert!(!out.stdout.contains("not waiting"), "{}", out.stdout);
    assert_line(&out, "web.1", "drained");
    assert_line(&out, "web.1", "exited with code 0");
}

/// Each orphan case writes the pid of the descendant that would escape to a file; after herd
/// exits, none of them may be alive.
#[cfg(target_os = "linux")]
#[test]
fn no_descendant_outlives_herd() {
    let procfile = "\
double: sh -c 'sh -c \"echo \\$\\$ >> pids; exec sleep 300\" &'; exec sleep 300
setsid: setsid sh -c 'echo $$ >> pids; exec sleep 300' & sleep 300
stubborn: setsid sh -c 'trap \"\" TERM; echo $$ >> pids; while :; do sleep 0.05; done' & sleep 300
nohup: nohup sh -c 'trap \"\" TERM HUP; echo $$ >> pids; exec sleep 300' >/dev/null 2>&1 & sleep 300
";
    let dir = project(procfile, &[]);
    let child = herd(dir.path(), &["start", "--no-timestamp", "-t", "1"])
        .spawn()
        .unwrap();
    let pid = child.id();
    let pids: Vec<i32> = wait_lines(&dir.path().join("pids"), 4)
        .iter()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    for p in &pids {
        assert!(alive(*p), "{p} should be running before the stop");
    }
    let started = Instant::now();
    signal(pid, "TERM");
    let out = finish(child, started);
    for p in &pids {
        assert!(!alive(*p), "descendant {p} outlived herd:\n{}", out.stdout);
    }
    // The stubborn one ignored SIGTERM: only SIGKILL after the timeout ended it.
    assert_line(&out, "system", "sending SIGKILL to all processes");
}

#[cfg(target_os = "linux")]
#[test]
fn orphans_are_killed_even_when_the_app_exits_on_its_own() {
    let dir = project(
        "web: setsid sh -c 'echo $$ > pid; exec sleep 300' & sleep 0.5; exit 0\n",
        &[],
    );
    let out = run(dir.path(), &["start", "--no-timestamp"]);
    let p: i32 = std::fs::read_to_string(dir.path().join("pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!alive(p), "{}", out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", out.stdout);
}

#[test]
fn restarts_back_off_exponentially_and_are_summarised() {
    // Fails three times, then exits cleanly: on-failure restarts it three times.
    let dir = project(
        "web: date +%s%N >> runs; test $(wc -l < runs) -ge 4\nidle: exec sleep 30\n",
        &[],
    );
    let out = run(
        dir.path(),
        &[
            "start",
            "--no-timestamp",
            "--restart",
            "web=on-failure",
            "--restart-delay",
            "0.1",
            "--restart-max-delay",
            "0.3",
            "--can-die",
            "idle",
            "web",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", out.stdout);
    let runs: Vec<u128> = std::fs::read_to_string(dir.path().join("runs"))
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(runs.len(), 4);
    let gaps: Vec<u128> = runs.windows(2).map(|w| (w[1] - w[0]) / 1_000_000).collect();
    // 100 ms, 200 ms, then capped at 300 ms.
    assert!(
        gaps[0] >= 100 && gaps[1] >= 200 && gaps[2] >= 300,
        "{gaps:?}"
    );
    let web = lines_of(&out.stdout, "web.1");
    assert!(
        web.contains(&"restarting in 100ms (restart 1)"),
        "{}",
        out.stdout
    );
    assert!(
        web.contains(&"restarting in 200ms (restart 2)"),
        "{}",
        out.stdout
    );
    assert!(
        web.contains(&"restarting in 300ms (restart 3)"),
        "{}",
        out.stdout
    );
    let system = lines_of(&out.stdout, "system");
    assert!(
        system.contains(&"process  exit  restarts"),
        "{}",
        out.stdout
    );
    assert!(system.contains(&"web.1    0     3"), "{}", out.stdout);
}

#[test]
fn always_restarts_until_stopped() {
    let dir = project("web: echo run >> runs; exit 0\n", &[]);
    let child = herd(
        dir.path(),
        &[
            "start",
            "--no-timestamp",
            "--restart",
            "always",
            "--restart-delay",
            "0.05",
            "--restart-max-delay",
            "0.05",
        ],
    )
    .spawn()
    .unwrap();
    let pid = child.id();
    wait_lines(&dir.path().join("runs"), 3);
    signal(pid, "TERM");
    let out = finish(child, Instant::now());
    assert_eq!(out.status.code(), Some(0), "{}", out.stdout);
    assert!(
        lines_of(&out.stdout, "web.1")
            .iter()
            .filter(|l| l.starts_with("restarting in 50ms"))
            .count()
            >= 2
    );
}

#[test]
fn profile_d_is_sourced_with_dyno_set() {
    let dir = project(
        "web: echo \"dyno=$DYNO from_profile=$FROM_PROFILE port=$PORT\"\n",
        &[
            (".profile.d/a.sh", "export FROM_PROFILE=\"seen-$DYNO\"\n"),
            (".profile.d/skip.txt", "exit 9\n"),
        ],
    );
    let out = run(dir.path(), &["start", "--no-timestamp", "--profile-d"]);
    assert_line(
        &out,
        "web.1",
        "dyno=web.1 from_profile=seen-web.1 port=5000",
    );
    let out = run(dir.path(), &["start", "--no-timestamp"]);
    assert_line(&out, "web.1", "dyno= from_profile= port=5000");
}

/// The seed's use case: the app sends metrics to herd's own daemon run with `--statsd` (for 2 s,
/// so a slow daemon start loses none of the test's point); the
/// daemon starts first, is stopped only after the app has exited, and its last flush (which
/// holds the app's metric) comes after the app's exit line.
#[test]
fn statsd_starts_first_and_flushes_after_the_app_exits() {
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = project(
        &format!(
            "web: bash -c 'for i in $(seq 20); do printf \"herd.test.hits:3|c|#from:web\" > /dev/udp/127.0.0.1/{port}; sleep 0.1; done'; echo sent\n"
        ),
        &[],
    );
    let flags =
        format!("--statsd=--udp 127.0.0.1:{port} --http off --emit stdout --flush-interval 60s");
    let out = run(dir.path(), &["start", "--no-timestamp", &flags]);
    assert_eq!(out.status.code(), Some(0), "{}{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let starts: Vec<&&str> = lines.iter().filter(|l| l.contains("| started ")).collect();
    assert!(starts[0].starts_with("statsd "), "{}", out.stdout);
    assert!(starts[0].ends_with("started in process"), "{}", out.stdout);
    assert!(starts[1].starts_with("web.1 "), "{}", out.stdout);
    let pos = |pred: &dyn Fn(&str) -> bool| {
        lines
            .iter()
            .position(|l| pred(l))
            .unwrap_or_else(|| panic!("{}", out.stdout))
    };
    let web_exit = pos(&|l| l == "web.1  | exited with code 0");
    // The last point of the app's metric comes from the final flush, on herd's SIGTERM.
    let flushed = lines
        .iter()
        .rposition(|l| l.starts_with("statsd | ") && l.contains("\"herd.test.hits\""))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    let statsd_exit = pos(&|l| l.starts_with("statsd | exited with code"));
    assert!(
        web_exit < flushed && flushed < statsd_exit,
        "{}",
        out.stdout
    );
}

#[test]
fn defaults_come_from_a_dot_foreman_file() {
    let dir = project(
        "web: echo \"port=$PORT\"\n",
        &[(".foreman", "port: 9000\ntimestamp: false\n")],
    );
    let out = run(dir.path(), &["start"]);
    assert!(
        out.stdout.lines().any(|l| l == "web.1  | port=9000"),
        "{}",
        out.stdout
    );
}

#[test]
fn bad_input_is_reported_with_its_place() {
    let dir = project("web: a\nweb: b\n", &[]);
    let out = run(dir.path(), &["start"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr
            .contains("Procfile:2: process type `web` is already defined on line 1"),
        "{}",
        out.stderr
    );
    let dir = project("web: a\n", &[(".env", "OK=1\nNOT OK\n")]);
    let out = run(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout
            .contains(".env:2: ignored `NOT OK`: no `=`: expected KEY=value"),
        "{}",
        out.stdout
    );
    let dir = project("# nothing\n", &[]);
    let out = run(dir.path(), &["start"]);
    assert!(
        out.stderr.contains("no processes defined"),
        "{}",
        out.stderr
    );
    let dir = project("web: a\n", &[]);
    let out = run(dir.path(), &["start", "db"]);
    assert!(
        out.stderr.contains("no process type `db`"),
        "{}",
        out.stderr
    );
}

#[test]
fn check_lists_the_process_types() {
    let dir = project("web: a\r\nworker: b\r\n", &[]);
    let out = run(dir.path(), &["check"]);
    assert!(out.status.success());
    assert_eq!(out.stdout, "valid procfile detected (web, worker)\n");
}

#[test]
fn run_uses_the_env_files_and_procfile_entries() {
    let dir = project(
        "worker: echo \"worker on $PORT with $DB\"\nweb: true\n",
        &[(".env", "DB=db1\n")],
    );
    let out = run(dir.path(), &["run", "sh", "-c", "echo db=$DB; exit 7"]);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(out.stdout, "db=db1\n");
    let out = run(dir.path(), &["run", "worker"]);
    assert_eq!(out.stdout, "worker on 5000 with db1\n");
    let out = run(dir.path(), &["run", "no-such-program-herd"]);
    assert_eq!(out.status.code(), Some(127));
}

#[test]
fn usr1_and_usr2_are_forwarded_to_every_process_group() {
    let dir = project(
        "web: trap 'echo got USR1' USR1; trap 'echo got USR2' USR2; touch ready; while :; do sleep 0.05; done\n",
        &[],
    );
    let child = herd(dir.path(), &["start", "--no-timestamp"])
        .spawn()
        .unwrap();
    let pid = child.id();
    wait_lines(&dir.path().join("ready"), 0);
    signal(pid, "USR1");
    std::thread::sleep(Duration::from_millis(300));
    signal(pid, "USR2");
    std::thread::sleep(Duration::from_millis(300));
    signal(pid, "TERM");
    let out = finish(child, Instant::now());
    let web = lines_of(&out.stdout, "web.1");
    assert!(
        web.contains(&"got USR1") && web.contains(&"got USR2"),
        "{}",
        out.stdout
    );
}
