//! The kinds of finding `herd roles check` can fail on, and how many of each a repository has.
//!
//! By default `check` fails on what breaks a Chef run ([`Finding::BREAKS_A_RUN`]): a cycle
//! (the run depends on where Chef enters it), a missing role (`MissingRole`) and a run-list
//! item Chef rejects (`Role[cache]`: the file does not load) — as `knife deps` fails on a
//! missing role.

use std::fmt;
use std::str::FromStr;

use crate::analysis::Analysis;
use crate::graph::Graph;
use crate::repo::Repository;

/// A kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Finding {
    /// Any cycle.
    Cycles,
    /// Any missing role.
    Missing,
    /// Any run-list item Chef rejects.
    Invalid,
    /// Any redundant or duplicate run-list entry.
    Redundant,
    /// Any unused role (only meaningful when nodes are read).
    Unused,
    /// Any group of roles with identical run lists.
    Identical,
    /// Any part of a file that was not understood.
    Warnings,
}

impl Finding {
    /// Every kind, in the order of the report.
    pub const ALL: [Finding; 7] = [
        Finding::Cycles,
        Finding::Missing,
        Finding::Invalid,
        Finding::Redundant,
        Finding::Unused,
        Finding::Identical,
        Finding::Warnings,
    ];

    /// What `check` fails on unless told otherwise: what breaks a Chef run.
    pub const BREAKS_A_RUN: [Finding; 3] = [Finding::Cycles, Finding::Missing, Finding::Invalid];

    /// The names accepted by `--fail-on` (and `none`).
    pub const NAMES: [&'static str; 8] = [
        "cycles",
        "missing",
        "invalid",
        "redundant",
        "unused",
        "identical",
        "warnings",
        "none",
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// How many of it `g`, `a` and `repo` hold.
    pub fn count(self, g: &Graph, a: &Analysis, repo: &Repository) -> usize {
        match self {
            Finding::Cycles => a.cycles.len(),
            Finding::Missing => a.missing.len(),
            Finding::Invalid => g.invalid.len(),
            Finding::Redundant => a.redundant.len() + g.duplicates.len(),
            Finding::Unused => a.unused.len(),
            Finding::Identical => a.identical.len(),
            Finding::Warnings => repo.parse_warnings().count(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Finding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Finding::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("{s:?} is not one of {}", Finding::NAMES.join(", ")))
    }
}

/// The kinds of `which` found, with their counts, as `cycles (1)`; empty when none is found.
/// `None` means the default, [`Finding::BREAKS_A_RUN`].
pub fn failing(
    which: Option<&[Finding]>,
    g: &Graph,
    a: &Analysis,
    repo: &Repository,
) -> Vec<String> {
    which
        .unwrap_or(&Finding::BREAKS_A_RUN)
        .iter()
        .filter_map(|&f| {
            let n = f.count(g, a, repo);
            (n > 0).then(|| format!("{f} ({n})"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Options;
    use crate::testutil::role;

    #[test]
    fn names_round_trip_and_none_is_not_a_finding() {
        for f in Finding::ALL {
            assert_eq!(f.name().parse::<Finding>(), Ok(f));
        }
        assert!("none".parse::<Finding>().is_err());
    }

    #[test]
    fn by_default_a_cycle_and_a_missing_role_fail_but_redundancy_does_not() {
        let repo = Repository::from_parts(
            vec![
                role("a", &["role[b]", "role[gone]"]),
                role("b", &["role[a]"]),
                role("web", &["role[a]", "role[b]"]),
            ],
            vec![],
            vec![],
        );
        let g = Graph::build(&repo, &Options::default());
        let a = crate::analysis::analyse(&g);
        assert_eq!(failing(None, &g, &a, &repo), ["cycles (1)", "missing (1)"]);
        assert_eq!(
            failing(Some(&[Finding::Redundant]), &g, &a, &repo),
            ["redundant (1)"]
        );
        assert!(failing(Some(&[]), &g, &a, &repo).is_empty());
    }
}
