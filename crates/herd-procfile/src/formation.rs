//! How many instances of each process type to run: foreman's `-m all=1,web=2`.

use std::collections::BTreeMap;

/// Instance counts per process type, with a default for types not named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formation {
    /// The count for types not listed (`all=N`); 1 unless given.
    pub default: u32,
    /// Counts given by name.
    pub counts: BTreeMap<String, u32>,
}

impl Default for Formation {
    fn default() -> Self {
        Self {
            default: 1,
            counts: BTreeMap::new(),
        }
    }
}

/// Why a formation string was rejected.
#[derive(Debug, thiserror::Error)]
#[error("formation `{spec}`: {reason} (expected NAME=COUNT pairs separated by commas, e.g. all=1,web=2)")]
pub struct FormationError {
    /// The whole formation string.
    pub spec: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Formation {
    /// Parses `all=1,web=2`. Spaces around items are allowed. As in foreman, types not named
    /// get 0 unless `all=N` is given (`-m web=2` runs web only); an empty string is the default
    /// formation (one of each).
    pub fn parse(spec: &str) -> Result<Self, FormationError> {
        if spec.trim().is_empty() {
            return Ok(Self::default());
        }
        let mut formation = Self {
            default: 0,
            counts: BTreeMap::new(),
        };
        let fail = |reason: String| FormationError {
            spec: spec.to_owned(),
            reason,
        };
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, count) = item
                .split_once('=')
                .ok_or_else(|| fail(format!("`{item}` has no `=`")))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(fail(format!("`{item}` has no process name")));
            }
            let count: u32 = count
                .trim()
                .parse()
                .map_err(|_| fail(format!("`{}` is not a whole number", count.trim())))?;
            if name == "all" {
                formation.default = count;
            } else {
                formation.counts.insert(name.to_owned(), count);
            }
        }
        Ok(formation)
    }

    /// The number of instances to run for `name`.
    pub fn count(&self, name: &str) -> u32 {
        self.counts.get(name).copied().unwrap_or(self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_sets_the_default_and_names_override_it() {
        let f = Formation::parse("all=2, web=3,worker=0").unwrap();
        assert_eq!(f.count("web"), 3);
        assert_eq!(f.count("worker"), 0);
        assert_eq!(f.count("clock"), 2);
        assert_eq!(Formation::parse("").unwrap(), Formation::default());
        assert_eq!(Formation::parse("web=2").unwrap().count("worker"), 0);
    }

    #[test]
    fn bad_items_are_named() {
        for (spec, part) in [
            ("web", "`web` has no `=`"),
            ("web=x", "`x` is not a whole number"),
            ("=2", "has no process name"),
            ("web=-1", "`-1`"),
        ] {
            let err = Formation::parse(spec).unwrap_err().to_string();
            assert!(err.contains(part), "{spec}: {err}");
        }
    }
}
