//! The supervisor: starts processes, relays their output, stops them all, leaves nothing behind.
//!
//! # Theory of operation
//!
//! One thread runs a `poll` loop over every child's stdout and stderr pipe plus a self-pipe
//! that the signal handler (and finishing in-process services) write to. Each child runs in its
//! own process group; on Linux herd is also a child subreaper, so a descendant that
//! double-forks or calls `setsid` is reparented to herd instead of init. Every exit is reaped
//! with `waitpid(-1)`, which also reaps adopted orphans. (What happens when herd itself is
//! killed with SIGKILL is [`crate::guard`]'s part.)
//!
//! The parts: `spawn` starts processes and services and decides what an exit
//! means (restart, allowed, or stop everything); `relay` moves their output to
//! the log line by line; `stop` is the stop state machine and signal handling.
//!
//! # The stop state machine
//!
//! `Phase` goes through these states, in this order only:
//!
//! 1. `Running`: processes start, restart after their backoff, output is relayed. It ends on
//!    SIGINT, SIGTERM or SIGHUP, when a process exits that neither restarts nor may die, or
//!    when nothing is left running. Processes waiting for a restart are dropped.
//! 2. `Stopping { tier: App, killed: false }`: every application process group gets SIGTERM
//!    (services their stop request), and so does every descendant that left its group (found
//!    in `/proc`; one that appears later gets SIGTERM when it is seen). Output is still relayed.
//!    A second SIGINT/SIGTERM within a second of the stop's start is the same request and
//!    ignored; a later one moves the deadline to now.
//! 3. `Stopping { tier: App, killed: true }`: reached at the deadline (`timeout`): SIGKILL to
//!    every live group and stray, repeated on each turn until the tier has no live process
//!    and no descendant. A service thread that still runs then is abandoned (exit 137).
//! 4. `Stopping { tier: Infra, .. }`: the same two steps for the infrastructure processes
//!    (the metrics daemon), which therefore see the application's last writes.
//! 5. `Done`: the loop ends, the last buffered output is drained and the summary printed.
//!
//! On Linux a tier is finished only when no process descends from it any more, so no
//! descendant outlives herd.

mod relay;
mod spawn;
mod stop;

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::output::{Label, LineSplitter, Output, Style};
use crate::restart::{Backoff, Policy};
use crate::service::{Service, StopToken};
use crate::sys::{self, Status};

/// What a supervised process runs.
#[derive(Clone)]
pub enum Program {
    /// A child process.
    Command {
        /// Program and arguments (`argv[0]` is looked up in `PATH`).
        argv: Vec<String>,
        /// Variables set on top of herd's own environment.
        env: Vec<(String, String)>,
        /// Working directory.
        cwd: PathBuf,
    },
    /// An in-process service on its own thread.
    Service(Arc<dyn Service>),
}

/// One process to supervise.
#[derive(Clone)]
pub struct ProcessSpec {
    /// Display name, `web.1`.
    pub name: String,
    /// Colour slot (the process type's index).
    pub color: usize,
    /// What to run.
    pub program: Program,
    /// Restart policy.
    pub restart: Policy,
    /// When it exits on its own, the others keep running (overmind's can-die).
    pub can_die: bool,
    /// Infrastructure: started before every application process and stopped after them.
    pub infra: bool,
}

/// Supervisor settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Grace period between SIGTERM and SIGKILL, per tier. foreman's `-t`, 5 s by default.
    pub timeout: Duration,
    /// Output style.
    pub style: Style,
    /// Restart delays.
    pub backoff: Backoff,
    /// Print the process / exit / restarts table at the end.
    pub summary: bool,
}

/// One line of the final summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// Process name.
    pub name: String,
    /// How it last ended (`None`: still running when herd gave up on it, or never started).
    pub last: Option<Status>,
    /// How many times it was restarted.
    pub restarts: u32,
}

/// The outcome of a supervised run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// herd's exit code: the first failure (128 + n for signal n), or 0.
    pub exit_code: i32,
    /// One row per process, in start order.
    pub rows: Vec<SummaryRow>,
}

#[derive(Debug)]
enum State {
    NotStarted,
    Running { pid: i32, since: Instant },
    Service { stop: StopToken, since: Instant },
    Backoff { until: Instant },
    Stopped,
}

struct Proc {
    spec: ProcessSpec,
    label: Label,
    state: State,
    restarts: u32,
    streak: u32,
    last: Option<Status>,
    signalled: bool,
}

struct Stream {
    file: File,
    proc: usize,
    lines: LineSplitter,
}

/// The result of one read from a stream.
enum ReadOutcome {
    Data,
    Empty,
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    App,
    Infra,
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Running,
    Stopping {
        tier: Tier,
        deadline: Instant,
        killed: bool,
    },
    Done,
}

/// A second SIGINT or SIGTERM this soon after the stop began is the same request (one Ctrl-C
/// reaches herd both directly and through its group; `timeout -s INT` sends two); a later one
/// means "stop waiting".
const SAME_STOP: Duration = Duration::from_secs(1);

const HANDLED: [libc::c_int; 6] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGCHLD,
    libc::SIGUSR1,
    libc::SIGUSR2,
];

/// Runs `specs` until they have all stopped, writing the multiplexed log to `out`.
///
/// The supervisor takes over the process's SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1 and
/// SIGUSR2 handlers and reaps every child of the process, so only one may run at a time in a
/// process, and the caller should not wait for children of its own meanwhile.
pub fn supervise<W: Write>(
    specs: Vec<ProcessSpec>,
    settings: Settings,
    out: W,
) -> io::Result<Report> {
    let subreaper = sys::become_subreaper();
    let wake = sys::route_signals(&HANDLED)?;
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let output = Output::new(out, settings.style, names);
    let system = output.system_label();
    let procs = specs
        .into_iter()
        .map(|spec| Proc {
            label: output.label(&spec.name, spec.color),
            spec,
            state: State::NotStarted,
            restarts: 0,
            streak: 0,
            last: None,
            signalled: false,
        })
        .collect();
    let mut sup = Supervisor {
        me: sys::getpid(),
        subreaper,
        settings,
        out: output,
        system,
        procs,
        streams: Vec::new(),
        wake,
        phase: Phase::Running,
        stop_began: None,
        first_failure: None,
        termed: Vec::new(),
        service_exits: Arc::new(Mutex::new(Vec::new())),
    };
    let result = sup.run();
    sys::restore_default_signals(&HANDLED);
    result?;
    Ok(sup.report())
}

struct Supervisor<W: Write> {
    me: i32,
    subreaper: bool,
    settings: Settings,
    out: Output<W>,
    system: Label,
    procs: Vec<Proc>,
    streams: Vec<Stream>,
    wake: File,
    phase: Phase,
    /// When stopping began, to tell a repeated signal from a deliberate second one.
    stop_began: Option<Instant>,
    first_failure: Option<i32>,
    /// Stray descendants already sent SIGTERM in the current tier.
    termed: Vec<i32>,
    service_exits: Arc<Mutex<Vec<(usize, i32)>>>,
}

impl<W: Write> Supervisor<W> {
    fn run(&mut self) -> io::Result<()> {
        if cfg!(any(target_os = "linux", target_os = "android")) && !self.subreaper {
            self.out.message(
                &self.system,
                "warning: cannot become a child subreaper; a descendant that detaches may outlive herd",
            );
        }
        let order: Vec<usize> = (0..self.procs.len())
            .filter(|&i| self.procs[i].spec.infra)
            .chain((0..self.procs.len()).filter(|&i| !self.procs[i].spec.infra))
            .collect();
        for i in order {
            if matches!(self.phase, Phase::Running) {
                self.start(i);
            }
        }
        if self.procs.is_empty() {
            self.phase = Phase::Done;
        }
        // Argument parsing, file loading and spawning are done: keep only the loop's code
        // resident (see `sys::release_startup_code`).
        sys::release_startup_code();
        let mut fds = Vec::new();
        let mut ready = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        while !matches!(self.phase, Phase::Done) {
            self.out.flush();
            fds.clear();
            fds.push(self.wake.as_raw_fd());
            fds.extend(self.streams.iter().map(|s| s.file.as_raw_fd()));
            sys::poll_readable(&fds, self.poll_timeout_ms(), &mut ready)?;
            if ready[0] {
                self.handle_wake();
            }
            self.out.tick();
            // Streams first, then exits: lines written before an exit are shown before it.
            let mut i = 0;
            let mut idx = 1;
            while i < self.streams.len() {
                if ready.get(idx).copied().unwrap_or(false)
                    && matches!(self.read_stream(i, &mut buf), ReadOutcome::Eof)
                {
                    self.streams.swap_remove(i);
                    // The last stream moved to `i`; move its readiness along and look at it.
                    ready.swap_remove(idx);
                    continue;
                }
                i += 1;
                idx += 1;
            }
            self.reap();
            self.collect_service_exits();
            self.start_due();
            self.advance();
        }
        self.final_drain(&mut buf);
        if self.settings.summary {
            self.print_summary();
        }
        self.out.flush();
        Ok(())
    }

    fn poll_timeout_ms(&self) -> i32 {
        let now = Instant::now();
        let mut wait: Option<Duration> = None;
        for p in &self.procs {
            if let State::Backoff { until } = p.state {
                let d = until.saturating_duration_since(now);
                wait = Some(wait.map_or(d, |w| w.min(d)));
            }
        }
        if let Phase::Stopping { deadline, .. } = self.phase {
            // Poll the process table while a tier drains.
            let d = deadline
                .saturating_duration_since(now)
                .min(Duration::from_millis(20));
            wait = Some(wait.map_or(d, |w| w.min(d)));
        }
        match wait {
            None => -1,
            Some(d) => d.as_millis().min(60_000) as i32 + i32::from(d.subsec_micros() % 1000 != 0),
        }
    }

    fn report(&self) -> Report {
        Report {
            exit_code: self.first_failure.unwrap_or(0),
            rows: self
                .procs
                .iter()
                .map(|p| SummaryRow {
                    name: p.spec.name.clone(),
                    last: p.last,
                    restarts: p.restarts,
                })
                .collect(),
        }
    }

    fn print_summary(&mut self) {
        let rows = self.report().rows;
        let exit_text = |s: Option<Status>| match s {
            None => "-".to_owned(),
            Some(Status::Exited(c)) => c.to_string(),
            Some(Status::Signaled(sig)) => sys::signal_name(sig),
        };
        let w0 = rows.iter().map(|r| r.name.len()).max().unwrap_or(0).max(7);
        let w1 = rows
            .iter()
            .map(|r| exit_text(r.last).len())
            .max()
            .unwrap_or(0)
            .max(4);
        let system = self.system.clone();
        self.out.message(
            &system,
            &format!("{:w0$}  {:w1$}  restarts", "process", "exit"),
        );
        for r in rows {
            self.out.message(
                &system,
                &format!("{:w0$}  {:w1$}  {}", r.name, exit_text(r.last), r.restarts),
            );
        }
    }
}

fn human(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
