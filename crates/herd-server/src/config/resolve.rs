//! Resolving settings as text: a flag, then herd's variable, then the Agent's (translated to
//! herd's syntax), then the TOML file, then the default; then the settings worked out from
//! others (non-local traffic, the Heroku dyno's host and tag).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::kind::parse_bool;
use super::settings::{Setting, KEYS};
use super::{ConfigError, Source};

/// Turns an Agent variable's value into herd's syntax.
pub type Translate = fn(&str) -> String;

pub(crate) fn same(v: &str) -> String {
    v.to_owned()
}

/// Agent lists are space-separated; herd's are comma-separated.
pub(crate) fn spaces_to_commas(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(",")
}

pub(crate) fn dd_port(v: &str) -> String {
    match v.trim() {
        "0" => "off".to_owned(),
        port => format!("127.0.0.1:{port}"),
    }
}

pub(crate) fn dd_socket(v: &str) -> String {
    if v.is_empty() {
        "off".to_owned()
    } else {
        v.to_owned()
    }
}

/// Every setting as text, with where it came from, before it is typed.
#[derive(Debug, Clone)]
pub struct Raw {
    values: Vec<(&'static str, String, Source)>,
    /// On Heroku, the `dyno:<DYNO>` tag.
    pub dyno_tag: Option<Setting<String>>,
}

impl Raw {
    /// Resolves every key by precedence, then the derived settings.
    pub fn resolve(
        flags: &BTreeMap<&'static str, String>,
        env: &dyn Fn(&str) -> Option<String>,
        file: Option<(&Path, &BTreeMap<String, String>)>,
    ) -> Self {
        let values = KEYS
            .iter()
            .map(|k| {
                let (value, source) = if let Some(v) = flags.get(k.name) {
                    (v.clone(), Source::Flag)
                } else if let Some(v) = env(k.env) {
                    (v, Source::Env(k.env))
                } else if let Some((v, name)) =
                    k.dd.and_then(|(name, f)| env(name).map(|v| (f(&v), name)))
                {
                    (v, Source::Env(name))
                } else if let Some((path, v)) = file.and_then(|(p, t)| Some((p, t.get(k.name)?))) {
                    (v.clone(), Source::File(path.to_path_buf()))
                } else {
                    ((k.default)(), Source::Default)
                };
                (k.name, value, source)
            })
            .collect();
        let mut raw = Self {
            values,
            dyno_tag: None,
        };
        raw.derive(env);
        raw
    }

    /// The text and source of a key.
    ///
    /// # Panics
    /// When `key` is not in [`KEYS`]: only [`super::Settings::parse`] calls this, with the
    /// keys the same declaration generated.
    pub fn get(&self, key: &str) -> (&str, &Source) {
        let (_, v, s) = self
            .values
            .iter()
            .find(|(k, _, _)| *k == key)
            .expect("every declared key is resolved");
        (v, s)
    }

    fn set(&mut self, key: &str, value: String, source: Source) {
        if let Some(slot) = self.values.iter_mut().find(|(k, _, _)| *k == key) {
            slot.1 = value;
            slot.2 = source;
        }
    }

    /// Settings worked out from others: non-local traffic, and the Heroku dyno's host and tag.
    fn derive(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        let non_local = parse_bool(self.get("non_local_traffic").0) == Some(true);
        let (udp, source) = self.get("udp");
        let implicit = matches!(source, Source::Default | Source::Env("DD_DOGSTATSD_PORT"));
        if non_local && implicit && udp != "off" {
            if let Some((_, port)) = udp.rsplit_once(':') {
                let open = format!("0.0.0.0:{port}");
                self.set("udp", open, Source::Derived("non_local_traffic"));
            }
        }
        if self.get("hostname").0.is_empty() {
            if let Some(dyno) = env("DYNO") {
                let host = match env("HEROKU_APP_NAME") {
                    Some(app) => format!("{app}.{dyno}"),
                    None => dyno,
                };
                self.set("hostname", host, Source::Derived("Heroku DYNO"));
            } else if let Some(host) = system_hostname() {
                self.set("hostname", host, Source::Derived("the machine's hostname"));
            }
        }
        self.dyno_tag = env("DYNO").map(|dyno| Setting {
            key: "dyno_tag",
            raw: format!("dyno:{dyno}"),
            source: Source::Derived("Heroku DYNO"),
            value: format!("dyno:{dyno}"),
        });
    }
}

fn system_hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// Reads a TOML file into raw values (lists joined with commas).
pub fn read_file(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::File {
            path: shown.clone(),
            message: e.to_string(),
        })?;
    let mut out = BTreeMap::new();
    for (key, value) in table {
        if !KEYS.iter().any(|k| k.name == key) {
            let known = KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ");
            return Err(ConfigError::UnknownKey {
                path: shown,
                key,
                known,
            });
        }
        out.insert(key, text_of(&value));
    }
    Ok(out)
}

fn text_of(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(","),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Table(t) => format!("{t:?}"),
    }
}

/// `--print-config`: one `key = value  # source` line per setting.
pub fn render(lines: &[(&'static str, &str, &Source)]) -> String {
    let width = lines.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value, source) in lines {
        let _ = writeln!(out, "{key:width$} = {value:?}  # {source}");
    }
    out
}
