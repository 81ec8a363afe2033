//! `herd statsd` settings: where each comes from (flag > environment > file > default) and
//! what it means. Keeps the Datadog Agent's variable names where they mean the same thing.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use herd_aggregate::{parse_percentile, AggregateConfig, HistogramAggregate};
use herd_dogstatsd::{Limits, Overflow};

pub use crate::listener::Overload;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable (its name).
    Env(&'static str),
    /// The TOML file.
    File(PathBuf),
    /// The built-in default.
    Default,
    /// Worked out from other settings (the reason).
    Derived(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag => f.write_str("flag"),
            Self::Env(name) => write!(f, "env {name}"),
            Self::File(path) => write!(f, "file {}", path.display()),
            Self::Default => f.write_str("default"),
            Self::Derived(why) => write!(f, "derived: {why}"),
        }
    }
}

/// Turns an Agent variable's value into herd's syntax.
pub type Translate = fn(&str) -> String;

/// A setting: its key, flag, variables, default and meaning.
pub struct Key {
    /// Key in the TOML file and in `--print-config`.
    pub name: &'static str,
    /// herd's own variable.
    pub env: &'static str,
    /// The Datadog Agent's variable meaning the same thing, and how its value translates.
    pub dd: Option<(&'static str, Translate)>,
    /// The default, in the flag's syntax.
    pub default: &'static str,
    /// What it controls.
    pub help: &'static str,
}

fn same(v: &str) -> String {
    v.to_owned()
}

/// Agent lists are space-separated; herd's are comma-separated.
fn spaces_to_commas(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(",")
}

fn dd_port(v: &str) -> String {
    match v.trim() {
        "0" => "off".to_owned(),
        port => format!("127.0.0.1:{port}"),
    }
}

fn dd_socket(v: &str) -> String {
    if v.is_empty() {
        "off".to_owned()
    } else {
        v.to_owned()
    }
}

/// Every setting of `herd statsd`.
pub const KEYS: &[Key] = &[
    Key { name: "udp", env: "HERD_UDP", dd: Some(("DD_DOGSTATSD_PORT", dd_port)), default: "127.0.0.1:8125", help: "UDP listen address, or off" },
    Key { name: "uds", env: "HERD_UDS", dd: Some(("DD_DOGSTATSD_SOCKET", dd_socket)), default: "off", help: "Unix datagram socket path, or off" },
    Key { name: "uds_stream", env: "HERD_UDS_STREAM", dd: Some(("DD_DOGSTATSD_STREAM_SOCKET", dd_socket)), default: "off", help: "Unix stream socket path (length-prefixed frames), or off" },
    Key { name: "tcp", env: "HERD_TCP", dd: None, default: "off", help: "TCP listen address (newline-delimited), or off" },
    Key { name: "http", env: "HERD_HTTP", dd: None, default: "127.0.0.1:8127", help: "HTTP address for /metrics, or off" },
    Key { name: "non_local_traffic", env: "HERD_NON_LOCAL_TRAFFIC", dd: Some(("DD_DOGSTATSD_NON_LOCAL_TRAFFIC", same)), default: "false", help: "listen on every interface when the UDP address is not given explicitly" },
    Key { name: "flush_interval", env: "HERD_FLUSH_INTERVAL", dd: None, default: "10s", help: "bucket length and flush period (10s, 1s, 500ms)" },
    Key { name: "tags", env: "HERD_TAGS", dd: Some(("DD_DOGSTATSD_TAGS", spaces_to_commas)), default: "", help: "tags added to every metric, event and service check (k:v,...)" },
    Key { name: "host_tags", env: "HERD_HOST_TAGS", dd: Some(("DD_TAGS", spaces_to_commas)), default: "", help: "host tags, sent with the host's metadata by forwarders (not added to each point)" },
    Key { name: "hostname", env: "HERD_HOSTNAME", dd: Some(("DD_HOSTNAME", same)), default: "", help: "host of points without a host: tag (default: the machine's name; on Heroku the app and dyno)" },
    Key { name: "histogram_aggregates", env: "HERD_HISTOGRAM_AGGREGATES", dd: Some(("DD_HISTOGRAM_AGGREGATES", spaces_to_commas)), default: "max,median,avg,count", help: "histogram outputs: max, min, median, avg, sum, count" },
    Key { name: "histogram_percentiles", env: "HERD_HISTOGRAM_PERCENTILES", dd: Some(("DD_HISTOGRAM_PERCENTILES", spaces_to_commas)), default: "0.95", help: "histogram percentiles, as fractions (0.95 gives .95percentile)" },
    Key { name: "expiry_seconds", env: "HERD_EXPIRY_SECONDS", dd: Some(("DD_DOGSTATSD_EXPIRY_SECONDS", same)), default: "300", help: "seconds an idle counter keeps reporting 0" },
    Key { name: "context_limit", env: "HERD_CONTEXT_LIMIT", dd: None, default: "100000", help: "most contexts held; samples of new ones past it are dropped and counted" },
    Key { name: "buffer_size", env: "HERD_BUFFER_SIZE", dd: Some(("DD_DOGSTATSD_BUFFER_SIZE", same)), default: "8192", help: "bytes per datagram or frame; larger ones are counted as truncated" },
    Key { name: "so_rcvbuf", env: "HERD_SO_RCVBUF", dd: Some(("DD_DOGSTATSD_SO_RCVBUF", same)), default: "4194304", help: "receive buffer requested for datagram sockets, in bytes (0: the OS default; the kernel caps it at net.core.rmem_max)" },
    Key { name: "udp_readers", env: "HERD_UDP_READERS", dd: None, default: "1", help: "UDP reader threads (more than 1 uses SO_REUSEPORT)" },
    Key { name: "workers", env: "HERD_WORKERS", dd: Some(("DD_DOGSTATSD_WORKERS_COUNT", same)), default: "0", help: "decode/aggregate threads (0: cores - 1, at least 1)" },
    Key { name: "overload", env: "HERD_OVERLOAD", dd: None, default: "block", help: "when every worker queue is full: block (Unix sockets and TCP make their senders wait) or drop (counted); UDP always drops, counted" },
    Key { name: "queue_size", env: "HERD_QUEUE_SIZE", dd: None, default: "64", help: "batches queued per worker before drops (counted)" },
    Key { name: "socket_mode", env: "HERD_SOCKET_MODE", dd: None, default: "0722", help: "permissions of created socket files (octal; the Agent's 0722)" },
    Key { name: "etsy_gauges", env: "HERD_ETSY_GAUGES", dd: None, default: "false", help: "read +N/-N gauges as deltas, as Etsy statsd does" },
    Key { name: "max_name_len", env: "HERD_MAX_NAME_LEN", dd: None, default: "200", help: "longest metric name in bytes" },
    Key { name: "max_tag_len", env: "HERD_MAX_TAG_LEN", dd: None, default: "200", help: "longest tag in bytes" },
    Key { name: "max_tags", env: "HERD_MAX_TAGS", dd: None, default: "100", help: "most tags per message" },
    Key { name: "oversize", env: "HERD_OVERSIZE", dd: None, default: "truncate", help: "what to do past a name/tag limit: truncate or reject (both counted)" },
    Key { name: "emit", env: "HERD_EMIT", dd: None, default: "none", help: "where flushed points go: stdout (JSON lines) or none" },
    Key { name: "shutdown_timeout", env: "HERD_SHUTDOWN_TIMEOUT", dd: None, default: "10s", help: "longest wait for the last flush on SIGTERM/SIGINT" },
];

/// One resolved setting.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The key.
    pub key: &'static str,
    /// The raw value, in the flag's syntax.
    pub value: String,
    /// Where it came from.
    pub source: Source,
}

/// A setting whose value is not allowed, or a file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A bad value.
    #[error("{key} = `{value}` (from {origin}): {allowed}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// The value given.
        value: String,
        /// Where it came from.
        origin: Source,
        /// What is allowed.
        allowed: String,
    },
    /// An unknown key in the file.
    #[error("{path}: unknown key `{key}`; known keys: {known}")]
    UnknownKey {
        /// The file.
        path: String,
        /// The key.
        key: String,
        /// Known keys.
        known: String,
    },
    /// The file cannot be read or parsed.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
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
        out.insert(key, raw(&value));
    }
    Ok(out)
}

fn raw(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(raw).collect::<Vec<_>>().join(","),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Table(t) => format!("{t:?}"),
    }
}

/// Resolves every key: flag, then herd's variable, then the Agent's, then the file, then
/// the default.
pub fn resolve(
    flags: &BTreeMap<&'static str, String>,
    env: &dyn Fn(&str) -> Option<String>,
    file: Option<(&Path, &BTreeMap<String, String>)>,
) -> Vec<Resolved> {
    let mut out: Vec<Resolved> = KEYS
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
            } else if let Some(v) = file.and_then(|(_, t)| t.get(k.name)) {
                (
                    v.clone(),
                    Source::File(file.map(|(p, _)| p.to_path_buf()).unwrap_or_default()),
                )
            } else {
                (k.default.to_owned(), Source::Default)
            };
            Resolved {
                key: k.name,
                value,
                source,
            }
        })
        .collect();
    derive(&mut out, env);
    out
}

/// Settings worked out from others: non-local traffic, and the Heroku dyno's host.
fn derive(settings: &mut [Resolved], env: &dyn Fn(&str) -> Option<String>) {
    let non_local = settings
        .iter()
        .any(|r| r.key == "non_local_traffic" && parse_bool(&r.value) == Some(true));
    for r in settings.iter_mut() {
        let implicit = matches!(r.source, Source::Default | Source::Env("DD_DOGSTATSD_PORT"));
        if r.key == "udp" && non_local && implicit && r.value != "off" {
            if let Some((_, port)) = r.value.rsplit_once(':') {
                r.value = format!("0.0.0.0:{port}");
                r.source = Source::Derived("non_local_traffic");
            }
        }
        if r.key == "hostname" && r.value.is_empty() {
            if let Some(dyno) = env("DYNO") {
                r.value = match env("HEROKU_APP_NAME") {
                    Some(app) => format!("{app}.{dyno}"),
                    None => dyno,
                };
                r.source = Source::Derived("Heroku DYNO");
            } else if let Some(host) = system_hostname() {
                r.value = host;
                r.source = Source::Derived("the machine's hostname");
            }
        }
    }
}

fn system_hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

/// Parses `10s`, `1s`, `500ms`, `2m` (a bare number is seconds).
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (num, unit) = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((v, "s"), |i| v.split_at(i));
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return None,
    };
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// Where flushed points go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    /// Nowhere (the store and forwarders plug in later).
    None,
    /// JSON lines on standard output.
    Stdout,
}

/// The effective, validated configuration of the daemon.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// UDP address.
    pub udp: Option<SocketAddr>,
    /// Unix datagram socket path.
    pub uds: Option<PathBuf>,
    /// Unix stream socket path.
    pub uds_stream: Option<PathBuf>,
    /// TCP address.
    pub tcp: Option<SocketAddr>,
    /// HTTP address.
    pub http: Option<SocketAddr>,
    /// Bytes per datagram or frame.
    pub buffer_size: usize,
    /// `SO_RCVBUF` (0: OS default).
    pub so_rcvbuf: usize,
    /// UDP reader threads.
    pub udp_readers: usize,
    /// Worker threads.
    pub workers: usize,
    /// Batches queued per worker.
    pub queue_size: usize,
    /// What a full worker queue does to Unix socket and TCP listeners.
    pub overload: Overload,
    /// Socket file permissions.
    pub socket_mode: u32,
    /// Decoder limits.
    pub limits: Limits,
    /// Aggregation.
    pub aggregate: AggregateConfig,
    /// Host tags (for forwarders).
    pub host_tags: Vec<String>,
    /// Sink.
    pub emit: Emit,
    /// Last-flush deadline at shutdown.
    pub shutdown_timeout: Duration,
}

impl ServerConfig {
    /// Validates resolved settings.
    pub fn from_resolved(settings: &[Resolved]) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            settings
                .iter()
                .find(|r| r.key == key)
                .expect("every key resolved")
        };
        let bad = |key: &str, allowed: &str| {
            let r = get(key);
            ConfigError::Invalid {
                key: r.key,
                value: r.value.clone(),
                origin: r.source.clone(),
                allowed: allowed.to_owned(),
            }
        };
        let addr = |key: &str| -> Result<Option<SocketAddr>, ConfigError> {
            match get(key).value.trim() {
                "off" | "" => Ok(None),
                v => v
                    .parse()
                    .map(Some)
                    .map_err(|_| bad(key, "an IP address with a port (127.0.0.1:8125), or off")),
            }
        };
        let path = |key: &str| match get(key).value.trim() {
            "off" | "" => None,
            v => Some(PathBuf::from(v)),
        };
        let number = |key: &str| -> Result<usize, ConfigError> {
            get(key)
                .value
                .trim()
                .parse()
                .map_err(|_| bad(key, "a whole number"))
        };
        let boolean =
            |key: &str| parse_bool(&get(key).value).ok_or_else(|| bad(key, "true or false"));
        let duration = |key: &str| {
            parse_duration(&get(key).value)
                .ok_or_else(|| bad(key, "a duration such as 10s, 1s or 500ms"))
        };
        let list = |key: &str| -> Vec<String> {
            get(key)
                .value
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };

        let interval = duration("flush_interval")?;
        let interval_ms = interval.as_millis() as u64;
        if interval_ms == 0 || 1000 % interval_ms != 0 && interval_ms % 1000 != 0 {
            return Err(bad(
                "flush_interval",
                "a positive duration that divides or is a multiple of 1s (10s, 1s, 500ms)",
            ));
        }
        let histogram_aggregates = list("histogram_aggregates")
            .iter()
            .map(|a| HistogramAggregate::parse(a))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                bad(
                    "histogram_aggregates",
                    "a list of max, min, median, avg, sum, count",
                )
            })?;
        let mut histogram_percentiles = list("histogram_percentiles")
            .iter()
            .map(|p| parse_percentile(p))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                bad(
                    "histogram_percentiles",
                    "a list of fractions between 0 and 1 (0.95,0.99)",
                )
            })?;
        histogram_percentiles.sort_unstable();
        histogram_percentiles.dedup();
        let expiry = number("expiry_seconds")? as u64;
        let buffer_size = number("buffer_size")?;
        if !(64..=16 * 1024 * 1024).contains(&buffer_size) {
            return Err(bad("buffer_size", "a number of bytes from 64 to 16777216"));
        }
        let workers = match number("workers")? {
            0 => {
                std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
            }
            n => n,
        };
        let socket_mode = u32::from_str_radix(get("socket_mode").value.trim(), 8)
            .ok()
            .filter(|m| *m <= 0o777)
            .ok_or_else(|| bad("socket_mode", "octal permissions such as 0722"))?;
        let overflow = match get("oversize").value.trim() {
            "truncate" => Overflow::Truncate,
            "reject" => Overflow::Reject,
            _ => return Err(bad("oversize", "truncate or reject")),
        };
        let overload = match get("overload").value.trim() {
            "block" => Overload::Block,
            "drop" => Overload::Drop,
            _ => return Err(bad("overload", "block or drop")),
        };
        let emit = match get("emit").value.trim() {
            "stdout" => Emit::Stdout,
            "none" | "" => Emit::None,
            _ => return Err(bad("emit", "stdout or none")),
        };
        let mut extra_tags = list("tags");
        if let Some(tag) = settings.iter().find(|r| r.key == "dyno_tag") {
            extra_tags.push(tag.value.clone());
        }
        Ok(Self {
            udp: addr("udp")?,
            uds: path("uds"),
            uds_stream: path("uds_stream"),
            tcp: addr("tcp")?,
            http: addr("http")?,
            buffer_size,
            so_rcvbuf: number("so_rcvbuf")?,
            udp_readers: number("udp_readers")?.max(1),
            workers,
            queue_size: number("queue_size")?.max(1),
            overload,
            socket_mode,
            limits: Limits {
                max_name_len: number("max_name_len")?,
                max_tag_len: number("max_tag_len")?,
                max_tags: number("max_tags")?,
                overflow,
            },
            aggregate: AggregateConfig {
                interval_ms,
                histogram_aggregates,
                histogram_percentiles,
                counter_expiry_ms: expiry * 1000,
                context_limit: number("context_limit")?,
                etsy_gauges: boolean("etsy_gauges")?,
                hostname: get("hostname").value.clone(),
                extra_tags,
                ..AggregateConfig::default()
            },
            host_tags: list("host_tags"),
            emit,
            shutdown_timeout: duration("shutdown_timeout")?,
        })
    }
}

/// Adds the `dyno:<DYNO>` tag on Heroku (a derived setting shown by `--print-config`).
pub fn heroku_tag(settings: &mut Vec<Resolved>, env: &dyn Fn(&str) -> Option<String>) {
    if let Some(dyno) = env("DYNO") {
        settings.push(Resolved {
            key: "dyno_tag",
            value: format!("dyno:{dyno}"),
            source: Source::Derived("Heroku DYNO"),
        });
    }
}

/// `--print-config`: one `key = value  # source` line per setting.
pub fn render(settings: &[Resolved]) -> String {
    let width = settings.iter().map(|r| r.key.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in settings {
        let _ = writeln!(out, "{:width$} = {:?}  # {}", r.key, r.value, r.source);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn value<'a>(r: &'a [Resolved], key: &str) -> (&'a str, &'a Source) {
        let r = r.iter().find(|r| r.key == key).unwrap();
        (&r.value, &r.source)
    }

    #[test]
    fn flag_beats_env_beats_agent_env_beats_file_beats_default() {
        let file: BTreeMap<String, String> = [
            ("udp".into(), "127.0.0.1:1".into()),
            ("tcp".into(), "127.0.0.1:2".into()),
            ("uds".into(), "/f".into()),
        ]
        .into();
        let env = env_of(&[
            ("HERD_UDP", "127.0.0.1:3"),
            ("DD_DOGSTATSD_PORT", "4"),
            ("DD_DOGSTATSD_SOCKET", "/dd"),
        ]);
        let flags = [("udp", "127.0.0.1:5".to_owned())].into();
        let r = resolve(&flags, &env, Some((Path::new("h.toml"), &file)));
        assert_eq!(value(&r, "udp"), ("127.0.0.1:5", &Source::Flag));
        assert_eq!(
            value(&r, "uds"),
            ("/dd", &Source::Env("DD_DOGSTATSD_SOCKET"))
        );
        assert_eq!(
            value(&r, "tcp"),
            ("127.0.0.1:2", &Source::File("h.toml".into()))
        );
        assert_eq!(value(&r, "http"), ("127.0.0.1:8127", &Source::Default));
        let r = resolve(&BTreeMap::new(), &env, None);
        assert_eq!(value(&r, "udp"), ("127.0.0.1:3", &Source::Env("HERD_UDP")));
    }

    #[test]
    fn agent_variables_translate_to_herd_syntax() {
        let env = env_of(&[
            ("DD_DOGSTATSD_PORT", "0"),
            ("DD_DOGSTATSD_TAGS", "env:prod  team:a"),
            ("DD_HISTOGRAM_PERCENTILES", "0.99 0.5"),
            ("DD_HISTOGRAM_AGGREGATES", "max sum"),
        ]);
        let r = resolve(&BTreeMap::new(), &env, None);
        let c = ServerConfig::from_resolved(&r).unwrap();
        assert_eq!(c.udp, None);
        assert_eq!(c.aggregate.extra_tags, ["env:prod", "team:a"]);
        assert_eq!(c.aggregate.histogram_percentiles, [50, 99]);
        assert_eq!(
            c.aggregate.histogram_aggregates,
            [HistogramAggregate::Max, HistogramAggregate::Sum]
        );
    }

    #[test]
    fn non_local_traffic_opens_the_implicit_udp_address_only() {
        let env = env_of(&[
            ("DD_DOGSTATSD_NON_LOCAL_TRAFFIC", "true"),
            ("DD_DOGSTATSD_PORT", "9125"),
        ]);
        let r = resolve(&BTreeMap::new(), &env, None);
        assert_eq!(value(&r, "udp").0, "0.0.0.0:9125");
        let flags = [("udp", "127.0.0.1:8125".to_owned())].into();
        let r = resolve(&flags, &env, None);
        assert_eq!(value(&r, "udp").0, "127.0.0.1:8125");
    }

    #[test]
    fn heroku_sets_host_and_dyno_tag() {
        let env = env_of(&[("DYNO", "web.1"), ("HEROKU_APP_NAME", "shop")]);
        let mut r = resolve(&BTreeMap::new(), &env, None);
        heroku_tag(&mut r, &env);
        let c = ServerConfig::from_resolved(&r).unwrap();
        assert_eq!(c.aggregate.hostname, "shop.web.1");
        assert_eq!(c.aggregate.extra_tags, ["dyno:web.1"]);
    }

    #[test]
    fn a_bad_value_names_key_value_source_and_what_is_allowed() {
        let flags = [("flush_interval", "soon".to_owned())].into();
        let r = resolve(&flags, &|_| None, None);
        let err = ServerConfig::from_resolved(&r).unwrap_err().to_string();
        assert_eq!(
            err,
            "flush_interval = `soon` (from flag): a duration such as 10s, 1s or 500ms"
        );
        let env = env_of(&[("DD_DOGSTATSD_BUFFER_SIZE", "huge")]);
        let err = ServerConfig::from_resolved(&resolve(&BTreeMap::new(), &env, None)).unwrap_err();
        assert!(err
            .to_string()
            .contains("buffer_size = `huge` (from env DD_DOGSTATSD_BUFFER_SIZE)"));
    }

    #[test]
    fn durations_parse_in_the_flag_syntax() {
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_duration("3h"), None);
    }

    #[test]
    fn the_file_rejects_unknown_keys_and_takes_lists() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("herd.toml");
        std::fs::write(&path, "tags = [\"a:1\", \"b\"]\nflush_interval = \"1s\"\n").unwrap();
        let t = read_file(&path).unwrap();
        assert_eq!(t["tags"], "a:1,b");
        std::fs::write(&path, "flush_intervall = \"1s\"\n").unwrap();
        assert!(read_file(&path)
            .unwrap_err()
            .to_string()
            .contains("unknown key `flush_intervall`"));
    }
}
