//! Starting processes and in-process services, reaping them, and deciding what an exit means:
//! a restart after its backoff, an allowed end (`--can-die`, a restart policy), or the stop of
//! everything.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use super::{human, Phase, Program, State, Stream, Supervisor};
use crate::output::LineSplitter;
use crate::restart::Policy;
use crate::service::{Service, ServiceContext, StopToken};
use crate::sys::{self, Status};

impl<W: Write> Supervisor<W> {
    pub(super) fn start(&mut self, i: usize) {
        let spec = self.procs[i].spec.clone();
        self.procs[i].signalled = false;
        match spec.program {
            Program::Command { argv, env, cwd } => self.start_command(i, &argv, &env, cwd),
            Program::Service(service) => self.start_service(i, service),
        }
    }

    pub(super) fn start_command(
        &mut self,
        i: usize,
        argv: &[String],
        env: &[(String, String)],
        cwd: PathBuf,
    ) {
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

    pub(super) fn start_service(&mut self, i: usize, service: Arc<dyn Service>) {
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

    pub(super) fn reap(&mut self) {
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

    pub(super) fn collect_service_exits(&mut self) {
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

    pub(super) fn on_exit(&mut self, i: usize, status: Status) {
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

    pub(super) fn start_due(&mut self) {
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
}
