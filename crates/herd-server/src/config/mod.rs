//! `herd statsd` settings: where each comes from (flag > environment > file > default) and
//! what it means. Keeps the Datadog Agent's variable names where they mean the same thing.
//!
//! - [`settings`]: every setting declared once ([`KEYS`] for the CLI, [`Settings`] typed);
//! - [`kind`]: how a setting's text becomes a value;
//! - [`resolve`]: precedence, derived settings, the TOML file, `--print-config`;
//! - here: the validated [`ServerConfig`] the daemon runs with.

pub mod kind;
pub mod resolve;
pub mod settings;
mod source;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use herd_aggregate::AggregateConfig;
use herd_dogstatsd::Limits;

pub use crate::listener::Overload;
pub use kind::parse_duration;
pub use resolve::{read_file, render, Raw};
pub use settings::{Key, Setting, Settings, KEYS};
pub use source::Source;

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
    /// The embedded store, unless `--no-store`.
    pub store: Option<StoreConfig>,
    /// The token HTTP clients must present, when one is set.
    pub http_token: Option<String>,
    /// A dashboard file to save into the store at start (checked here).
    pub dashboard: Option<PathBuf>,
    /// The inherited file descriptor readiness is written to (a newline, then closed).
    pub ready_fd: Option<i32>,
    /// Forwarding to Datadog and remote-write receivers.
    pub forward: crate::forward::ForwardConfig,
}

/// Where and how the daemon keeps its store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The data directory.
    pub dir: PathBuf,
    /// Fsync policy, retention and block window.
    pub options: herd_tsdb::Options,
}

/// The forwarding settings: Datadog when an API key is set, each remote-write URL checked.
fn forward(s: &Settings) -> Result<crate::forward::ForwardConfig, ConfigError> {
    use crate::forward::datadog::{Config, SeriesApi, SeriesFormat};
    for url in &s.remote_write.value {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(s
                .remote_write
                .invalid("http:// or https:// URLs, comma-separated"));
        }
    }
    let series_api = match s.dd_series_api.value.as_str() {
        "v1" => SeriesApi::V1,
        "v2" => SeriesApi::V2,
        _ => return Err(s.dd_series_api.invalid("v1 or v2")),
    };
    let series_format = match s.dd_series_format.value.as_str() {
        "protobuf" => SeriesFormat::Protobuf,
        "json" => SeriesFormat::Json,
        _ => return Err(s.dd_series_format.invalid("protobuf or json")),
    };
    let dd_url = if s.dd_url.value.is_empty() {
        &s.dd_url_legacy.value
    } else {
        &s.dd_url.value
    };
    let datadog = (!s.dd_api_key.value.is_empty()).then(|| Config {
        api_key: s.dd_api_key.value.clone(),
        url: Config::url_of(&s.dd_site.value, dd_url),
        series_api,
        series_format,
        host_tags: s.host_tags.value.clone(),
    });
    Ok(crate::forward::ForwardConfig {
        remote_write: s.remote_write.value.clone(),
        datadog,
        buffer_bytes: s.forward_buffer_bytes.value as u64,
        dir: (!s.no_store.value).then(|| s.data_dir.value.join("forward")),
    })
}

impl ServerConfig {
    /// Resolves and validates every setting: the settings (for `--print-config`) and the
    /// configuration.
    pub fn load(
        flags: &BTreeMap<&'static str, String>,
        env: &dyn Fn(&str) -> Option<String>,
        file: Option<(&Path, &BTreeMap<String, String>)>,
    ) -> Result<(Settings, Self), ConfigError> {
        let settings = Settings::parse(&Raw::resolve(flags, env, file))?;
        let config = Self::from_settings(&settings)?;
        Ok((settings, config))
    }

    /// Validates typed settings (the checks that involve more than one value's syntax).
    pub fn from_settings(s: &Settings) -> Result<Self, ConfigError> {
        let interval = s.flush_interval.value;
        let interval_ms = interval.as_millis() as u64;
        if interval_ms == 0 || 1000 % interval_ms != 0 && interval_ms % 1000 != 0 {
            return Err(s.flush_interval.invalid(
                "a positive duration that divides or is a multiple of 1s (10s, 1s, 500ms)",
            ));
        }
        let mut histogram_percentiles = s.histogram_percentiles.value.clone();
        histogram_percentiles.sort_unstable();
        histogram_percentiles.dedup();
        let buffer_size = s.buffer_size.value;
        if !(64..=16 * 1024 * 1024).contains(&buffer_size) {
            return Err(s
                .buffer_size
                .invalid("a number of bytes from 64 to 16777216"));
        }
        let workers = match s.workers.value {
            0 => {
                std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
            }
            n => n,
        };
        let http_token = Some(s.http_auth_token.value.clone()).filter(|t| !t.is_empty());
        if let Some(addr) = s.http.value {
            if !addr.ip().is_loopback() && http_token.is_none() {
                return Err(s.http.invalid(
                    "a loopback address unless --http-auth-token (HERD_HTTP_TOKEN) is set: the \
                     API serves every stored metric",
                ));
            }
        }
        let store = (!s.no_store.value).then(|| StoreConfig {
            dir: s.data_dir.value.clone(),
            options: herd_tsdb::Options {
                fsync: s.fsync.value,
                retention: s.retention.value,
                read_cache_bytes: s.read_cache_bytes.value,
                ..herd_tsdb::Options::default()
            },
        });
        if let Some(file) = &s.dashboard.value {
            crate::http::dashboard::boards::read_file(file).map_err(|e| s.dashboard.invalid(&e))?;
        }
        let mut extra_tags = s.tags.value.clone();
        if let Some(tag) = &s.dyno_tag {
            extra_tags.push(tag.value.clone());
        }
        Ok(Self {
            udp: s.udp.value,
            uds: s.uds.value.clone(),
            uds_stream: s.uds_stream.value.clone(),
            tcp: s.tcp.value,
            http: s.http.value,
            buffer_size,
            so_rcvbuf: s.so_rcvbuf.value,
            udp_readers: s.udp_readers.value.max(1),
            workers,
            queue_size: s.queue_size.value.max(1),
            overload: s.overload.value,
            socket_mode: s.socket_mode.value,
            limits: Limits {
                max_name_len: s.max_name_len.value,
                max_tag_len: s.max_tag_len.value,
                max_tags: s.max_tags.value,
                overflow: s.oversize.value,
            },
            aggregate: AggregateConfig {
                interval_ms,
                histogram_aggregates: s.histogram_aggregates.value.clone(),
                histogram_percentiles,
                counter_expiry_ms: s.expiry_seconds.value as u64 * 1000,
                context_limit: s.context_limit.value,
                etsy_gauges: s.etsy_gauges.value,
                hostname: s.hostname.value.clone(),
                extra_tags,
                ..AggregateConfig::default()
            },
            host_tags: s.host_tags.value.clone(),
            emit: s.emit.value,
            shutdown_timeout: s.shutdown_timeout.value,
            forward: forward(s)?,
            store,
            http_token,
            dashboard: s.dashboard.value.clone(),
            ready_fd: match s.ready_fd.value {
                0 => None,
                fd => Some(i32::try_from(fd).map_err(|_| s.ready_fd.invalid("a file descriptor"))?),
            },
        })
    }

    /// The defaults with every listener off but UDP on a free loopback port, the host
    /// `test`, no store, and nothing from the environment: change fields for a test's needs.
    pub fn for_tests() -> Self {
        let flags = [
            ("udp", "127.0.0.1:0".to_owned()),
            ("http", "off".to_owned()),
            ("hostname", "test".to_owned()),
            ("no_store", "true".to_owned()),
        ]
        .into();
        Self::load(&flags, &|_| None, None)
            .expect("the test defaults are valid")
            .1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use herd_aggregate::HistogramAggregate;

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
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
        let (s, _) = ServerConfig::load(&flags, &env, Some((Path::new("h.toml"), &file))).unwrap();
        assert_eq!(
            (s.udp.raw.as_str(), &s.udp.source),
            ("127.0.0.1:5", &Source::Flag)
        );
        assert_eq!(
            (s.uds.raw.as_str(), &s.uds.source),
            ("/dd", &Source::Env("DD_DOGSTATSD_SOCKET"))
        );
        assert_eq!(
            (s.tcp.raw.as_str(), &s.tcp.source),
            ("127.0.0.1:2", &Source::File("h.toml".into()))
        );
        assert_eq!(
            (s.http.raw.as_str(), &s.http.source),
            ("127.0.0.1:8127", &Source::Default)
        );
        let (s, _) = ServerConfig::load(&BTreeMap::new(), &env, None).unwrap();
        assert_eq!(s.udp.source, Source::Env("HERD_UDP"));
    }

    #[test]
    fn agent_variables_translate_to_herd_syntax() {
        let env = env_of(&[
            ("DD_DOGSTATSD_PORT", "0"),
            ("DD_DOGSTATSD_TAGS", "env:prod  team:a"),
            ("DD_HISTOGRAM_PERCENTILES", "0.99 0.5"),
            ("DD_HISTOGRAM_AGGREGATES", "max sum"),
        ]);
        let (_, c) = ServerConfig::load(&BTreeMap::new(), &env, None).unwrap();
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
        let (s, _) = ServerConfig::load(&BTreeMap::new(), &env, None).unwrap();
        assert_eq!(s.udp.raw, "0.0.0.0:9125");
        let flags = [("udp", "127.0.0.1:8125".to_owned())].into();
        let (s, _) = ServerConfig::load(&flags, &env, None).unwrap();
        assert_eq!(s.udp.raw, "127.0.0.1:8125");
    }

    #[test]
    fn heroku_sets_host_and_dyno_tag() {
        let env = env_of(&[("DYNO", "web.1"), ("HEROKU_APP_NAME", "shop")]);
        let (_, c) = ServerConfig::load(&BTreeMap::new(), &env, None).unwrap();
        assert_eq!(c.aggregate.hostname, "shop.web.1");
        assert_eq!(c.aggregate.extra_tags, ["dyno:web.1"]);
    }

    #[test]
    fn a_bad_value_names_key_value_source_and_what_is_allowed() {
        let flags = [("flush_interval", "soon".to_owned())].into();
        let err = ServerConfig::load(&flags, &|_| None, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "flush_interval = `soon` (from flag): a duration such as 10s, 1s or 500ms"
        );
        let env = env_of(&[("DD_DOGSTATSD_BUFFER_SIZE", "huge")]);
        let err = ServerConfig::load(&BTreeMap::new(), &env, None).unwrap_err();
        assert!(err
            .to_string()
            .contains("buffer_size = `huge` (from env DD_DOGSTATSD_BUFFER_SIZE)"));
    }

    #[test]
    fn every_default_is_valid_and_reads_back_as_itself() {
        let (s, _) = ServerConfig::load(&BTreeMap::new(), &|_| None, None).unwrap();
        for (key, text, source) in s.lines() {
            if *source == Source::Default {
                let k = KEYS.iter().find(|k| k.name == key).unwrap();
                assert_eq!(text, (k.default)(), "{key}");
            }
        }
        let defaults = AggregateConfig::default();
        assert_eq!(s.context_limit.value, defaults.context_limit);
        assert_eq!(s.flush_interval.raw, "10s");
        assert_eq!(s.histogram_percentiles.raw, "0.95");
        assert_eq!(s.socket_mode.raw, "0722");
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
