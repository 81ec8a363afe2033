//! The supervisor: starts processes, relays their output, stops them all, leaves nothing behind.
//!
//! # Theory of operation
//!
//! One thread runs a `poll` loop over every child's stdout and stderr pipe plus a self-pipe
//! that the signal handler (and finishing in-process services) write to. Each child runs in its
//! own process group; on Linux herd is also a child subreaper, so a descendant that
//! double-forks or calls `setsid` is reparented to herd instead of init. Every exit is reaped
//! with `waitpid(-1)`, which also reaps adopted orphans.
//!
//! Stopping (on SIGINT/SIGTERM/SIGHUP, or when a process exits and its restart policy does not
//! bring it back) runs in two tiers: first the application processes, then the
//! infrastructure ones (the metrics daemon), so the latter see the application's last
//! writes. Each tier gets SIGTERM to every process group, and to every descendant that left its
//! group (found in `/proc`); after `timeout`, or at a second SIGINT, SIGKILL goes to whatever
//! is left, repeated until the tier has no live descendant. On Linux a tier is finished only
//! when no process descends from it any more, so no descendant outlives herd.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::output::{Label, LineSplitter, Output, Style};
use crate::restart::{Backoff, Policy};
use crate::service::{Service, ServiceContext, StopToken};
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

    fn handle_wake(&mut self) {
        let mut bytes = [0u8; 64];
        loop {
            match (&self.wake).read(&mut bytes) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    for &b in &bytes[..n] {
                        self.on_signal(i32::from(b));
                    }
                }
            }
        }
    }

    fn on_signal(&mut self, signal: i32) {
        match signal {
            libc::SIGINT | libc::SIGTERM | libc::SIGHUP => {
                let name = sys::signal_name(signal);
                match self.phase {
                    Phase::Running => {
                        self.out
                            .message(&self.system, &format!("{name} received, starting shutdown"));
                        self.begin_stop();
                    }
                    Phase::Stopping { killed: false, .. }
                        if (signal == libc::SIGINT || signal == libc::SIGTERM)
                            && self.stop_began.is_some_and(|t| t.elapsed() < SAME_STOP) =>
                    {
                        // Ctrl-C reaches the whole foreground group and `timeout -s INT`
                        // signals twice: a second signal within a moment is the same request.
                    }
                    Phase::Stopping {
                        tier,
                        killed: false,
                        ..
                    } if signal == libc::SIGINT || signal == libc::SIGTERM => {
                        self.out.message(
                            &self.system,
                            &format!("{name} received again, not waiting any longer"),
                        );
                        self.phase = Phase::Stopping {
                            tier,
                            deadline: Instant::now(),
                            killed: false,
                        };
                    }
                    _ => {}
                }
            }
            libc::SIGUSR1 | libc::SIGUSR2 => {
                for p in &self.procs {
                    if let State::Running { pid, .. } = p.state {
                        sys::kill_group(pid, signal);
                    }
                }
            }
            _ => {}
        }
    }

    /// Reads once from stream `i` (non-blocking).
    fn read_stream(&mut self, i: usize, buf: &mut [u8]) -> ReadOutcome {
        let stream = &mut self.streams[i];
        let label = &self.procs[stream.proc].label;
        let out = &mut self.out;
        match stream.file.read(buf) {
            Ok(0) => {
                stream.lines.finish(|l| out.line(label, l));
                ReadOutcome::Eof
            }
            Ok(n) => {
                stream.lines.feed(&buf[..n], |l| out.line(label, l));
                ReadOutcome::Data
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => ReadOutcome::Empty,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => ReadOutcome::Data,
            Err(_) => {
                stream.lines.finish(|l| out.line(label, l));
                ReadOutcome::Eof
            }
        }
    }

    /// Reads what is already buffered in stream `i`, at most `max` reads; false at end.
    fn drain_stream(&mut self, i: usize, buf: &mut [u8], max: usize) -> bool {
        for _ in 0..max {
            match self.read_stream(i, buf) {
                ReadOutcome::Data => {}
                ReadOutcome::Empty => return true,
                ReadOutcome::Eof => return false,
            }
        }
        true
    }

    /// Reads whatever is already buffered in the streams of process `proc`.
    fn drain_proc(&mut self, proc: usize) {
        let mut buf = vec![0u8; 1 << 16];
        let mut i = 0;
        while i < self.streams.len() {
            if self.streams[i].proc == proc && !self.drain_stream(i, &mut buf, 256) {
                self.streams.swap_remove(i);
                continue;
            }
            i += 1;
        }
    }

    fn final_drain(&mut self, buf: &mut [u8]) {
        for i in 0..self.streams.len() {
            if self.drain_stream(i, buf, 4096) {
                // Still held open by something herd could not stop (an abandoned service).
                let stream = &mut self.streams[i];
                let label = &self.procs[stream.proc].label;
                let out = &mut self.out;
                stream.lines.finish(|l| out.line(label, l));
            }
        }
        self.streams.clear();
    }

    fn start(&mut self, i: usize) {
        let spec = self.procs[i].spec.clone();
        self.procs[i].signalled = false;
        match spec.program {
            Program::Command { argv, env, cwd } => self.start_command(i, &argv, &env, cwd),
            Program::Service(service) => self.start_service(i, service),
        }
    }

    fn start_command(&mut self, i: usize, argv: &[String], env: &[(String, String)], cwd: PathBuf) {
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        sys::set_parent_death_signal(&mut cmd, self.me);
        match cmd.spawn() {
            Ok(mut child) => {
                let pid = child.id() as i32;
                for fd in [
                    child.stdout.take().map(OwnedFd::from),
                    child.stderr.take().map(OwnedFd::from),
                ]
                .into_iter()
                .flatten()
                {
                    let file = File::from(fd);
                    let _ = sys::set_nonblocking(&file);
                    self.streams.push(Stream {
                        file,
                        proc: i,
                        lines: LineSplitter::default(),
                    });
                }
                // The Child handle is dropped without waiting: `reap` collects every exit.
                drop(child);
                self.procs[i].state = State::Running {
                    pid,
                    since: Instant::now(),
                };
                let label = self.procs[i].label.clone();
                self.out.message(&label, &format!("started with pid {pid}"));
            }
            Err(e) => {
                let label = self.procs[i].label.clone();
                self.out
                    .message(&label, &format!("cannot run `{}`: {e}", argv[0]));
                self.procs[i].state = State::Running {
                    pid: -1,
                    since: Instant::now(),
                };
                let code = if e.kind() == io::ErrorKind::NotFound {
                    127
                } else {
                    126
                };
                self.on_exit(i, Status::Exited(code));
            }
        }
    }

    fn start_service(&mut self, i: usize, service: Arc<dyn Service>) {
        let label = self.procs[i].label.clone();
        let (r, w) = match sys::pipe() {
            Ok(p) => p,
            Err(e) => {
                self.out.message(&label, &format!("cannot start: {e}"));
                self.procs[i].state = State::Running {
                    pid: -1,
                    since: Instant::now(),
                };
                self.on_exit(i, Status::Exited(1));
                return;
            }
        };
        let _ = sys::set_nonblocking(&r);
        self.streams.push(Stream {
            file: r,
            proc: i,
            lines: LineSplitter::default(),
        });
        let stop = StopToken::new();
        let ctx = ServiceContext {
            out: Box::new(w),
            stop: stop.clone(),
        };
        let exits = Arc::clone(&self.service_exits);
        let spawned = std::thread::Builder::new()
            .name(self.procs[i].spec.name.clone())
            .spawn(move || {
                let code = service.run(ctx);
                exits
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((i, code));
                sys::wake();
            });
        self.procs[i].state = State::Service {
            stop,
            since: Instant::now(),
        };
        match spawned {
            Ok(_) => self.out.message(&label, "started in process"),
            Err(e) => {
                self.out.message(&label, &format!("cannot start: {e}"));
                self.on_exit(i, Status::Exited(1));
            }
        }
    }

    fn reap(&mut self) {
        while let Ok(Some((pid, status))) = sys::reap_any() {
            let found = self
                .procs
                .iter()
                .position(|p| matches!(p.state, State::Running { pid: q, .. } if q == pid));
            if let Some(i) = found {
                self.drain_proc(i);
                self.on_exit(i, status);
            }
            // Otherwise an adopted orphan: reaped, nothing else to do.
        }
    }

    fn collect_service_exits(&mut self) {
        let exits: Vec<(usize, i32)> = std::mem::take(
            &mut *self
                .service_exits
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for (i, code) in exits {
            if matches!(self.procs[i].state, State::Service { .. }) {
                self.drain_proc(i);
                self.on_exit(i, Status::Exited(code));
            }
        }
    }

    fn on_exit(&mut self, i: usize, status: Status) {
        let since = match self.procs[i].state {
            State::Running { since, .. } | State::Service { since, .. } => since,
            _ => Instant::now(),
        };
        let label = self.procs[i].label.clone();
        let text = match status {
            Status::Exited(code) => format!("exited with code {code}"),
            Status::Signaled(sig) => format!("terminated by {}", sys::signal_name(sig)),
        };
        self.out.message(&label, &text);
        let p = &mut self.procs[i];
        p.last = Some(status);
        p.state = State::Stopped;
        let code = status.code();
        if !matches!(self.phase, Phase::Running) {
            let clean = p.signalled
                && matches!(
                    status,
                    Status::Exited(0 | 143) | Status::Signaled(libc::SIGTERM)
                );
            if !clean && self.first_failure.is_none() {
                self.first_failure = Some(code);
            }
            return;
        }
        if p.spec.restart.restarts_after(code) {
            if since.elapsed() >= self.settings.backoff.stable {
                p.streak = 0;
            }
            let delay = self.settings.backoff.delay(p.streak);
            p.streak = p.streak.saturating_add(1);
            p.restarts += 1;
            p.state = State::Backoff {
                until: Instant::now() + delay,
            };
            let n = p.restarts;
            self.out.message(
                &label,
                &format!("restarting in {} (restart {n})", human(delay)),
            );
            return;
        }
        if p.spec.restart != Policy::Never || p.spec.can_die {
            // Allowed to finish on its own; the others keep running.
            return;
        }
        if code != 0 && self.first_failure.is_none() {
            self.first_failure = Some(code);
        }
        self.begin_stop();
    }

    fn start_due(&mut self) {
        if !matches!(self.phase, Phase::Running) {
            return;
        }
        let now = Instant::now();
        for i in 0..self.procs.len() {
            if matches!(self.procs[i].state, State::Backoff { until } if until <= now) {
                self.start(i);
            }
        }
    }

    fn in_tier(&self, i: usize, tier: Tier) -> bool {
        self.procs[i].spec.infra == (tier == Tier::Infra)
    }

    fn begin_stop(&mut self) {
        if !matches!(self.phase, Phase::Running) {
            return;
        }
        self.stop_began = Some(Instant::now());
        for p in &mut self.procs {
            if matches!(p.state, State::Backoff { .. } | State::NotStarted) {
                p.state = State::Stopped;
            }
        }
        self.begin_tier(Tier::App);
    }

    fn begin_tier(&mut self, tier: Tier) {
        self.termed.clear();
        let any = (0..self.procs.len()).any(|i| self.in_tier(i, tier) && self.alive(i));
        if any {
            let what = match tier {
                Tier::App => "all processes",
                Tier::Infra => "infrastructure processes",
            };
            self.out
                .message(&self.system, &format!("sending SIGTERM to {what}"));
        }
        for i in 0..self.procs.len() {
            if !self.in_tier(i, tier) {
                continue;
            }
            let p = &mut self.procs[i];
            match &p.state {
                State::Running { pid, .. } => {
                    sys::kill_group(*pid, libc::SIGTERM);
                    p.signalled = true;
                }
                State::Service { stop, .. } => {
                    stop.request();
                    p.signalled = true;
                }
                _ => {}
            }
        }
        self.phase = Phase::Stopping {
            tier,
            deadline: Instant::now() + self.settings.timeout,
            killed: false,
        };
        self.signal_strays(tier, libc::SIGTERM);
    }

    fn alive(&self, i: usize) -> bool {
        matches!(
            self.procs[i].state,
            State::Running { .. } | State::Service { .. }
        )
    }

    /// Descendants of herd that belong to `tier`: the application tier owns everything except
    /// the infrastructure processes' subtrees (adopted orphans included).
    fn strays(&self, tier: Tier) -> Vec<sys::ProcInfo> {
        if !cfg!(any(target_os = "linux", target_os = "android")) {
            return Vec::new();
        }
        let infra_pids: Vec<i32> = self
            .procs
            .iter()
            .filter(|p| p.spec.infra)
            .filter_map(|p| match p.state {
                State::Running { pid, .. } => Some(pid),
                _ => None,
            })
            .collect();
        let table = sys::process_table();
        match tier {
            Tier::App => sys::descendants_of(&table, self.me, &infra_pids),
            Tier::Infra => sys::descendants_of(&table, self.me, &[]),
        }
    }

    fn signal_strays(&mut self, tier: Tier, signal: libc::c_int) -> usize {
        let strays = self.strays(tier);
        // Groups of supervised processes already had their SIGTERM through `kill_group`:
        // a second one can mean "stop faster" to some programs.
        let groups: Vec<i32> = self
            .procs
            .iter()
            .filter_map(|p| match p.state {
                State::Running { pid, .. } => Some(pid),
                _ => None,
            })
            .collect();
        for s in &strays {
            if signal == libc::SIGTERM && groups.contains(&s.pgid) {
                continue;
            }
            if signal == libc::SIGKILL || !self.termed.contains(&s.pid) {
                sys::kill_pid(s.pid, signal);
                if signal != libc::SIGKILL {
                    self.termed.push(s.pid);
                }
            }
        }
        strays.len()
    }

    fn advance(&mut self) {
        match self.phase {
            Phase::Running => {
                let anything = self
                    .procs
                    .iter()
                    .any(|p| !matches!(p.state, State::Stopped));
                if !anything {
                    self.begin_stop();
                }
            }
            Phase::Stopping {
                tier,
                deadline,
                killed,
            } => {
                let alive: Vec<usize> = (0..self.procs.len())
                    .filter(|&i| self.in_tier(i, tier) && self.alive(i))
                    .collect();
                let strays = if killed {
                    self.signal_strays(tier, libc::SIGKILL)
                } else {
                    self.signal_strays(tier, libc::SIGTERM)
                };
                let only_services = alive
                    .iter()
                    .all(|&i| matches!(self.procs[i].state, State::Service { .. }));
                if strays == 0 && (alive.is_empty() || (killed && only_services)) {
                    for i in alive {
                        // A service thread cannot be killed: give up on it.
                        let label = self.procs[i].label.clone();
                        self.out.message(&label, "did not stop in time; abandoned");
                        self.procs[i].state = State::Stopped;
                        if self.first_failure.is_none() {
                            self.first_failure = Some(128 + libc::SIGKILL);
                        }
                    }
                    match tier {
                        Tier::App => self.begin_tier(Tier::Infra),
                        Tier::Infra => self.phase = Phase::Done,
                    }
                    if let Phase::Stopping {
                        tier: Tier::Infra, ..
                    } = self.phase
                    {
                        if !(0..self.procs.len())
                            .any(|i| self.in_tier(i, Tier::Infra) && self.alive(i))
                            && self.strays(Tier::Infra).is_empty()
                        {
                            self.phase = Phase::Done;
                        }
                    }
                } else if !killed && Instant::now() >= deadline {
                    self.out
                        .message(&self.system, "sending SIGKILL to all processes");
                    for &i in &alive {
                        if let State::Running { pid, .. } = self.procs[i].state {
                            sys::kill_group(pid, libc::SIGKILL);
                        }
                    }
                    self.signal_strays(tier, libc::SIGKILL);
                    self.phase = Phase::Stopping {
                        tier,
                        deadline,
                        killed: true,
                    };
                }
            }
            Phase::Done => {}
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
