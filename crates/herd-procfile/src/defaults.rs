//! Defaults from a `.herd` or `.foreman` file in the current directory.
//!
//! foreman reads `.foreman` (YAML) and uses its keys as option defaults. herd reads `.herd`,
//! or `.foreman` when there is no `.herd`, accepting the flat `key: value` subset of YAML that
//! these files use in practice. Keys are option names (`procfile`, `env`, `root`, `formation`
//! or `concurrency`, `port`, `timeout`, `color`, `timestamp`, `restart`, ...); a leading `:`
//! (Ruby symbols) and quotes around values are accepted. Unknown keys are ignored, as foreman
//! does, since one file serves every foreman command.

use std::path::{Path, PathBuf};

/// Option defaults read from a file: `(key, value)` in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defaults {
    /// The file they came from, if any.
    pub path: Option<PathBuf>,
    /// Normalised keys (`-` instead of `_`) and their values.
    pub values: Vec<(String, String)>,
}

/// A defaults file line that is not `key: value`.
#[derive(Debug, thiserror::Error)]
pub enum DefaultsError {
    /// Not readable.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not `key: value`.
    #[error("{}:{line}: expected `key: value`, found `{text}`", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The line.
        text: String,
    },
}

impl Defaults {
    /// Reads `.herd`, else `.foreman`, from `dir`; empty when neither exists.
    pub fn load(dir: &Path) -> Result<Self, DefaultsError> {
        for name in [".herd", ".foreman"] {
            let path = dir.join(name);
            if path.is_file() {
                let text =
                    std::fs::read_to_string(&path).map_err(|source| DefaultsError::Read {
                        path: path.clone(),
                        source,
                    })?;
                return Self::parse(&text, &path);
            }
        }
        Ok(Self::default())
    }

    /// Parses the `key: value` subset.
    pub fn parse(text: &str, path: &Path) -> Result<Self, DefaultsError> {
        let mut values = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line == "---" {
                continue;
            }
            let line = line.strip_prefix(':').unwrap_or(line);
            let Some((key, value)) = line.split_once(':') else {
                return Err(DefaultsError::Syntax {
                    path: path.to_owned(),
                    line: i + 1,
                    text: raw.to_owned(),
                });
            };
            let key = key.trim().replace('_', "-");
            let value = strip_comment(value.trim());
            let value = unquote(value);
            if key.is_empty() || key.contains(' ') {
                return Err(DefaultsError::Syntax {
                    path: path.to_owned(),
                    line: i + 1,
                    text: raw.to_owned(),
                });
            }
            values.push((key, value.to_owned()));
        }
        Ok(Self {
            path: Some(path.to_owned()),
            values,
        })
    }

    /// The value of the first of `keys` present (later lines win over earlier ones).
    pub fn get(&self, keys: &[&str]) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| keys.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
    }

    /// A boolean value (`true`/`false`/`yes`/`no`/`1`/`0`).
    pub fn flag(&self, keys: &[&str]) -> Option<bool> {
        match self.get(keys)? {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" => Some(false),
            _ => None,
        }
    }
}

fn strip_comment(value: &str) -> &str {
    if value.starts_with(['"', '\'']) {
        return value;
    }
    match value.find(" #") {
        Some(i) => value[..i].trim_end(),
        None => value,
    }
}

fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_yaml_keys_and_values_are_read() {
        let d = Defaults::parse(
            "---\n# defaults\nport: 3000\n:procfile: \"Procfile.dev\"\nconcurrency: web=2 # two\nno_timestamp: true\n",
            Path::new(".foreman"),
        )
        .unwrap();
        assert_eq!(d.get(&["port"]), Some("3000"));
        assert_eq!(d.get(&["procfile"]), Some("Procfile.dev"));
        assert_eq!(d.get(&["formation", "concurrency"]), Some("web=2"));
        assert_eq!(d.flag(&["no-timestamp"]), Some(true));
        assert_eq!(d.get(&["env"]), None);
    }

    #[test]
    fn a_line_without_a_colon_is_an_error_with_its_place() {
        let err = Defaults::parse("port: 1\nnonsense\n", Path::new(".herd")).unwrap_err();
        assert_eq!(
            err.to_string(),
            ".herd:2: expected `key: value`, found `nonsense`"
        );
    }

    #[test]
    fn herd_file_wins_over_foreman_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".foreman"), "port: 1\n").unwrap();
        assert_eq!(
            Defaults::load(dir.path()).unwrap().get(&["port"]),
            Some("1")
        );
        std::fs::write(dir.path().join(".herd"), "port: 2\n").unwrap();
        assert_eq!(
            Defaults::load(dir.path()).unwrap().get(&["port"]),
            Some("2")
        );
    }
}
