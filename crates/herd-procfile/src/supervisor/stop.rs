//! The stop state machine (its states are listed in `supervisor`'s documentation) and the signals
//! that drive it.

use std::io::{Read, Write};
use std::time::Instant;

use super::{Phase, State, Supervisor, Tier, SAME_STOP};
use crate::sys;

impl<W: Write> Supervisor<W> {
    pub(super) fn handle_wake(&mut self) {
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

    pub(super) fn on_signal(&mut self, signal: i32) {
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

    pub(super) fn begin_stop(&mut self) {
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

    pub(super) fn begin_tier(&mut self, tier: Tier) {
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

    pub(super) fn alive(&self, i: usize) -> bool {
        matches!(
            self.procs[i].state,
            State::Running { .. } | State::Service { .. }
        )
    }

    pub(super) fn in_tier(&self, i: usize, tier: Tier) -> bool {
        self.procs[i].spec.infra == (tier == Tier::Infra)
    }

    /// Descendants of herd that belong to `tier`: the application tier owns everything except
    /// the infrastructure processes' subtrees (adopted orphans included).
    pub(super) fn strays(&self, tier: Tier) -> Vec<sys::ProcInfo> {
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

    pub(super) fn signal_strays(&mut self, tier: Tier, signal: libc::c_int) -> usize {
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

    pub(super) fn advance(&mut self) {
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
}
