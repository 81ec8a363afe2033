//! When a process that exited is started again, and after how long.
//!
//! Policies are overmind's auto-restart, without tmux: `on-failure` restarts after a non-zero
//! exit or a death by signal, `always` after any exit. The delay doubles from `initial` up to
//! `max`; a process that stayed up for `stable` or longer starts again from `initial`.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// What to do when a process exits on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Stop everything (foreman's behaviour).
    #[default]
    Never,
    /// Restart after a failure; a clean exit (code 0) leaves it stopped without stopping others.
    OnFailure,
    /// Restart after any exit.
    Always,
}

impl Policy {
    /// Parses `never`, `no`, `on-failure` or `always`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "never" | "no" => Some(Self::Never),
            "on-failure" => Some(Self::OnFailure),
            "always" => Some(Self::Always),
            _ => None,
        }
    }

    /// Whether an exit with this shell-style code leads to a restart.
    pub fn restarts_after(self, code: i32) -> bool {
        match self {
            Self::Never => false,
            Self::OnFailure => code != 0,
            Self::Always => true,
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Never => "never",
            Self::OnFailure => "on-failure",
            Self::Always => "always",
        })
    }
}

/// Restart policies per process type, with a default for the rest: `on-failure`, or
/// `all=on-failure,web=always`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policies {
    /// For process types not named.
    pub default: Policy,
    /// By process type (or `statsd`).
    pub by_name: BTreeMap<String, Policy>,
}

/// A restart specification that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("restart policy `{spec}`: {reason} (expected on-failure, always, never, or NAME=POLICY pairs like web=always,all=on-failure)")]
pub struct PolicyError {
    /// The specification given.
    pub spec: String,
    /// What is wrong.
    pub reason: String,
}

impl Policies {
    /// Parses one `--restart` value; several values are merged with [`Policies::merge`].
    pub fn parse(spec: &str) -> Result<Self, PolicyError> {
        let mut out = Self::default();
        out.merge(spec)?;
        Ok(out)
    }

    /// Adds the pairs of `spec` to these policies.
    pub fn merge(&mut self, spec: &str) -> Result<(), PolicyError> {
        let fail = |reason: String| PolicyError {
            spec: spec.to_owned(),
            reason,
        };
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, policy) = match item.split_once('=') {
                Some((n, p)) => (n.trim(), p.trim()),
                None => ("all", item),
            };
            let policy =
                Policy::parse(policy).ok_or_else(|| fail(format!("unknown policy `{policy}`")))?;
            if name.is_empty() {
                return Err(fail(format!("`{item}` has no process name")));
            }
            if name == "all" {
                self.default = policy;
            } else {
                self.by_name.insert(name.to_owned(), policy);
            }
        }
        Ok(())
    }

    /// The policy for process type `name`.
    pub fn for_name(&self, name: &str) -> Policy {
        self.by_name.get(name).copied().unwrap_or(self.default)
    }

    /// Whether any process may be restarted.
    pub fn any(&self) -> bool {
        self.default != Policy::Never || self.by_name.values().any(|p| *p != Policy::Never)
    }
}

/// Exponential backoff settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the first restart. Defaults to 500 ms.
    pub initial: Duration,
    /// The cap. Defaults to 30 s.
    pub max: Duration,
    /// A run at least this long resets the delay to `initial`. Defaults to 30 s.
    pub stable: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
            stable: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The delay before restart number `streak` + 1 of a crash streak (`streak` counts the
    /// restarts since the process last ran for `stable`).
    pub fn delay(&self, streak: u32) -> Duration {
        let factor = 1u32.checked_shl(streak.min(31)).unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_alone_or_per_name() {
        let p = Policies::parse("on-failure").unwrap();
        assert_eq!(p.for_name("web"), Policy::OnFailure);
        let p = Policies::parse("web=always, all=on-failure,clock=never").unwrap();
        assert_eq!(p.for_name("web"), Policy::Always);
        assert_eq!(p.for_name("worker"), Policy::OnFailure);
        assert_eq!(p.for_name("clock"), Policy::Never);
        assert!(p.any());
        assert!(!Policies::default().any());
        let err = Policies::parse("web=sometimes").unwrap_err().to_string();
        assert!(err.contains("unknown policy `sometimes`"), "{err}");
    }

    #[test]
    fn which_exits_restart() {
        assert!(!Policy::OnFailure.restarts_after(0));
        assert!(Policy::OnFailure.restarts_after(143));
        assert!(Policy::Always.restarts_after(0));
        assert!(!Policy::Never.restarts_after(1));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(1),
            stable: Duration::from_secs(1),
        };
        let got: Vec<u128> = (0..6).map(|n| b.delay(n).as_millis()).collect();
        assert_eq!(got, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1));
    }
}
