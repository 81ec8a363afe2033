//! The supervisor as a library, with real child processes and a real in-process service.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use herd_procfile::output::Style;
use herd_procfile::restart::{Backoff, Policy};
use herd_procfile::service::{Service, ServiceContext};
use herd_procfile::supervisor::{supervise, ProcessSpec, Program, Settings};
use herd_procfile::sys::Status;

/// `supervise` owns the process's signal handlers and reaps every child (`waitpid(-1)`), so
/// the tests of this file take turns.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn settings() -> Settings {
    Settings {
        timeout: Duration::from_secs(5),
        style: Style {
            timestamps: false,
            color: false,
        },
        backoff: Backoff::default(),
        summary: false,
    }
}

fn sh(name: &str, script: &str, infra: bool) -> ProcessSpec {
    ProcessSpec {
        name: name.into(),
        color: 0,
        program: Program::Command {
            argv: vec!["/bin/sh".into(), "-c".into(), script.into()],
            env: vec![],
            cwd: ".".into(),
        },
        restart: Policy::Never,
        can_die: false,
        infra,
    }
}

fn position(lines: &[&str], want: &str) -> usize {
    lines
        .iter()
        .position(|l| *l == want)
        .unwrap_or_else(|| panic!("missing {want:?} in {lines:#?}"))
}

#[test]
fn infrastructure_starts_first_and_stops_after_the_app() {
    let specs = vec![
        sh("web.1", "echo serving; sleep 0.3; echo done", false),
        sh(
            "statsd",
            "trap 'echo flushing; exit 0' TERM; echo listening; while :; do sleep 0.02; done",
            true,
        ),
    ];
    let mut out = Vec::new();
    let _turn = lock();
    let report = supervise(specs, settings(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    assert!(
        lines[0].starts_with("statsd | started with pid"),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with("web.1  | started with pid"),
        "{lines:#?}"
    );
    let web_exit = position(&lines, "web.1  | exited with code 0");
    let flush = position(&lines, "statsd | flushing");
    assert!(web_exit < flush, "{lines:#?}");
    assert!(position(&lines, "web.1  | done") < web_exit);
    assert_eq!(report.exit_code, 0);
    assert_eq!(report.rows[1].last, Some(Status::Exited(0)));
}

struct Flusher;

impl Service for Flusher {
    fn run(&self, mut ctx: ServiceContext) -> i32 {
        writeln!(ctx.out, "listening").unwrap();
        while !ctx.stop.wait(Duration::from_secs(30)) {}
        // No newline: the final partial line must still be shown.
        write!(ctx.out, "flushed").unwrap();
        0
    }
}

#[test]
fn an_in_process_service_is_stopped_last_and_its_output_relayed() {
    let specs = vec![
        ProcessSpec {
            name: "statsd".into(),
            color: 1,
            program: Program::Service(Arc::new(Flusher)),
            restart: Policy::Never,
            can_die: false,
            infra: true,
        },
        sh("web.1", "sleep 0.2; exit 4", false),
    ];
    let mut out = Vec::new();
    let _turn = lock();
    let report = supervise(specs, settings(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "statsd | started in process");
    assert!(
        position(&lines, "statsd | listening") < position(&lines, "web.1  | exited with code 4")
    );
    assert!(position(&lines, "web.1  | exited with code 4") < position(&lines, "statsd | flushed"));
    assert!(position(&lines, "statsd | flushed") < position(&lines, "statsd | exited with code 0"));
    assert_eq!(report.exit_code, 4);
}

#[test]
fn a_command_that_cannot_start_exits_127() {
    let specs = vec![ProcessSpec {
        program: Program::Command {
            argv: vec!["/nonexistent/herd-test-program".into()],
            env: vec![],
            cwd: ".".into(),
        },
        ..sh("web.1", "", false)
    }];
    let mut out = Vec::new();
    let _turn = lock();
    let report = supervise(specs, settings(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("web.1  | cannot run `/nonexistent/herd-test-program`"),
        "{text}"
    );
    assert_eq!(report.exit_code, 127);
}
