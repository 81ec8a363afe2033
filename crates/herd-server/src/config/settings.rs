//! Every setting of `herd statsd`, declared once: its key (the TOML key, the `--print-config`
//! name and, with dashes, the flag), herd's variable, the Datadog Agent's variable where one
//! means the same thing, its kind, its default (taken from the library's own `Default` where
//! the library has one) and its help. The CLI builds its flags from [`KEYS`]; code reads a
//! value as a field of [`Settings`], so a key that does not exist does not compile.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use herd_aggregate::{AggregateConfig, HistogramAggregate};
use herd_dogstatsd::{Limits, Overflow};
use herd_tsdb::FsyncPolicy;

use super::kind::{self, Kind};
use super::resolve::{Raw, Translate};
use super::{ConfigError, Emit, Overload, Source};

/// A setting as the CLI and the resolver see it, without its type.
pub struct Key {
    /// Key in the TOML file and in `--print-config`; the flag is `--` and this with dashes.
    pub name: &'static str,
    /// herd's own variable.
    pub env: &'static str,
    /// The Datadog Agent's variable meaning the same thing, and how its value translates.
    pub dd: Option<(&'static str, Translate)>,
    /// The flag's value name; `None` for a switch (a flag without a value, meaning `true`).
    pub value_name: Option<&'static str>,
    /// What it controls (the flag's help).
    pub help: &'static str,
    /// The default, in the flag's syntax.
    pub default: fn() -> String,
}

/// One resolved setting with its typed value.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    /// The key.
    pub key: &'static str,
    /// The text it was given as.
    pub raw: String,
    /// Where it came from.
    pub source: Source,
    /// The value.
    pub value: T,
}

impl<T> Setting<T> {
    /// The error for a value that parsed but is not allowed here.
    pub fn invalid(&self, allowed: &str) -> ConfigError {
        ConfigError::Invalid {
            key: self.key,
            value: self.raw.clone(),
            origin: self.source.clone(),
            allowed: allowed.to_owned(),
        }
    }
}

fn typed<T>(raw: &Raw, key: &'static str, kind: &Kind<T>) -> Result<Setting<T>, ConfigError> {
    let (text, source) = raw.get(key);
    match (kind.parse)(text) {
        Some(value) => Ok(Setting {
            key,
            raw: text.to_owned(),
            source: source.clone(),
            value,
        }),
        None => Err(ConfigError::Invalid {
            key,
            value: text.to_owned(),
            origin: source.clone(),
            allowed: kind.allowed.to_owned(),
        }),
    }
}

macro_rules! settings {
    (@dd) => { None };
    (@dd $name:literal $translate:path) => { Some(($name, $translate as Translate)) };
    (@value) => { None };
    (@value $name:literal) => { Some($name) };
    ($(
        $key:ident: $ty:ty = $kind:path, $default:expr;
        env $env:literal $(, dd $dd:literal via $translate:path)? $(, value $value:literal)?;
        $help:literal;
    )*) => {
        /// Every setting, resolved and typed.
        // The field docs are the flags' help texts, written for a terminal, not Markdown.
        #[allow(clippy::doc_markdown)]
        #[derive(Debug, Clone)]
        pub struct Settings {
            $(
                #[doc = $help]
                pub $key: Setting<$ty>,
            )*
            /// On Heroku, the `dyno:<DYNO>` tag added to every point (derived).
            pub dyno_tag: Option<Setting<String>>,
        }

        /// Every setting, in `--print-config` order.
        pub static KEYS: &[Key] = &[$(
            Key {
                name: stringify!($key),
                env: $env,
                dd: settings!(@dd $($dd $translate)?),
                value_name: settings!(@value $($value)?),
                help: $help,
                default: || {
                    let value: $ty = $default;
                    ($kind.show)(&value)
                },
            },
        )*];

        impl Settings {
            /// Types every resolved text; the first one not allowed is the error.
            pub fn parse(raw: &Raw) -> Result<Self, ConfigError> {
                Ok(Self {
                    $($key: typed(raw, stringify!($key), &$kind)?,)*
                    dyno_tag: raw.dyno_tag.clone(),
                })
            }

            /// `(key, text, source)` of every setting, in `--print-config` order; a secret
            /// that is set shows as `(set)`.
            pub fn lines(&self) -> Vec<(&'static str, &str, &Source)> {
                let mut out = vec![$((
                    self.$key.key,
                    if $kind.secret && !self.$key.raw.is_empty() { "(set)" } else { self.$key.raw.as_str() },
                    &self.$key.source,
                ),)*];
                if let Some(t) = &self.dyno_tag {
                    out.push((t.key, t.raw.as_str(), &t.source));
                }
                out
            }
        }
    };
}

fn aggregate() -> AggregateConfig {
    AggregateConfig::default()
}

fn limits() -> Limits {
    Limits::default()
}

fn store_defaults() -> herd_tsdb::Options {
    herd_tsdb::Options::default()
}

settings! {
    udp: Option<SocketAddr> = kind::ADDRESS, Some(SocketAddr::from(([127, 0, 0, 1], 8125)));
        env "HERD_UDP", dd "DD_DOGSTATSD_PORT" via super::resolve::dd_port, value "ADDR|off";
        "UDP listen address, or off";
    uds: Option<PathBuf> = kind::PATH, None;
        env "HERD_UDS", dd "DD_DOGSTATSD_SOCKET" via super::resolve::dd_socket, value "PATH";
        "Unix datagram socket path, or off";
    uds_stream: Option<PathBuf> = kind::PATH, None;
        env "HERD_UDS_STREAM", dd "DD_DOGSTATSD_STREAM_SOCKET" via super::resolve::dd_socket, value "PATH";
        "Unix stream socket path (4-byte little-endian length-prefixed frames, or newline-separated lines), or off";
    tcp: Option<SocketAddr> = kind::ADDRESS, None;
        env "HERD_TCP", value "ADDR|off";
        "TCP listen address (newline-delimited messages), or off";
    http: Option<SocketAddr> = kind::ADDRESS, Some(SocketAddr::from(([127, 0, 0, 1], 8127)));
        env "HERD_HTTP", value "ADDR|off";
        "HTTP address for GET /metrics, or off";
    non_local_traffic: bool = kind::BOOL, false;
        env "HERD_NON_LOCAL_TRAFFIC", dd "DD_DOGSTATSD_NON_LOCAL_TRAFFIC" via super::resolve::same;
        "Listen on every interface when the UDP address is not given explicitly";
    flush_interval: Duration = kind::DURATION, Duration::from_millis(aggregate().interval_ms);
        env "HERD_FLUSH_INTERVAL", value "DURATION";
        "Bucket length and flush period: 10s, 1s, 500ms";
    tags: Vec<String> = kind::LIST, aggregate().extra_tags;
        env "HERD_TAGS", dd "DD_DOGSTATSD_TAGS" via super::resolve::spaces_to_commas, value "TAGS";
        "Tags added to every metric, event and service check: k:v,...";
    host_tags: Vec<String> = kind::LIST, Vec::new();
        env "HERD_HOST_TAGS", dd "DD_TAGS" via super::resolve::spaces_to_commas, value "TAGS";
        "Host tags for forwarders (not added to each point)";
    hostname: String = kind::TEXT, aggregate().hostname;
        env "HERD_HOSTNAME", dd "DD_HOSTNAME" via super::resolve::same, value "NAME";
        "Host of points without a host: tag [default: the machine's; on Heroku app.dyno]";
    histogram_aggregates: Vec<HistogramAggregate> = kind::AGGREGATES, aggregate().histogram_aggregates;
        env "HERD_HISTOGRAM_AGGREGATES", dd "DD_HISTOGRAM_AGGREGATES" via super::resolve::spaces_to_commas, value "LIST";
        "Histogram outputs: max,min,median,avg,sum,count";
    histogram_percentiles: Vec<u8> = kind::PERCENTILES, aggregate().histogram_percentiles;
        env "HERD_HISTOGRAM_PERCENTILES", dd "DD_HISTOGRAM_PERCENTILES" via super::resolve::spaces_to_commas, value "LIST";
        "Histogram percentiles as fractions";
    expiry_seconds: usize = kind::NUMBER, (aggregate().counter_expiry_ms / 1000) as usize;
        env "HERD_EXPIRY_SECONDS", dd "DD_DOGSTATSD_EXPIRY_SECONDS" via super::resolve::same, value "SECONDS";
        "Seconds an idle counter keeps reporting 0";
    context_limit: usize = kind::NUMBER, aggregate().context_limit;
        env "HERD_CONTEXT_LIMIT", value "N";
        "Most contexts held; samples of new ones past it are dropped and counted";
    buffer_size: usize = kind::NUMBER, 8192;
        env "HERD_BUFFER_SIZE", dd "DD_DOGSTATSD_BUFFER_SIZE" via super::resolve::same, value "BYTES";
        "Bytes per datagram or frame; larger ones are counted as truncated";
    so_rcvbuf: usize = kind::NUMBER, 4 * 1024 * 1024;
        env "HERD_SO_RCVBUF", dd "DD_DOGSTATSD_SO_RCVBUF" via super::resolve::same, value "BYTES";
        "Receive buffer requested for datagram sockets, in bytes (0: the OS default; the kernel caps it at net.core.rmem_max)";
    udp_readers: usize = kind::NUMBER, 1;
        env "HERD_UDP_READERS", value "N";
        "UDP reader threads (more than 1 uses SO_REUSEPORT)";
    workers: usize = kind::NUMBER, 0;
        env "HERD_WORKERS", dd "DD_DOGSTATSD_WORKERS_COUNT" via super::resolve::same, value "N";
        "Decode/aggregate threads (0: cores - 1, at least 1)";
    overload: Overload = kind::OVERLOAD, Overload::Block;
        env "HERD_OVERLOAD", value "block|drop";
        "When every worker queue is full: block (Unix sockets and TCP make their senders wait) or drop (counted); UDP always drops, counted";
    queue_size: usize = kind::NUMBER, 64;
        env "HERD_QUEUE_SIZE", value "N";
        "Batches queued per worker";
    socket_mode: u32 = kind::OCTAL_MODE, 0o722;
        env "HERD_SOCKET_MODE", value "MODE";
        "Permissions of created socket files, octal (the Agent's)";
    etsy_gauges: bool = kind::BOOL, aggregate().etsy_gauges;
        env "HERD_ETSY_GAUGES";
        "Read +N/-N gauges as deltas, as Etsy statsd does";
    max_name_len: usize = kind::NUMBER, limits().max_name_len;
        env "HERD_MAX_NAME_LEN", value "BYTES";
        "Longest metric name in bytes";
    max_tag_len: usize = kind::NUMBER, limits().max_tag_len;
        env "HERD_MAX_TAG_LEN", value "BYTES";
        "Longest tag in bytes";
    max_tags: usize = kind::NUMBER, limits().max_tags;
        env "HERD_MAX_TAGS", value "N";
        "Most tags per message";
    oversize: Overflow = kind::OVERSIZE, limits().overflow;
        env "HERD_OVERSIZE", value "truncate|reject";
        "Past a name or tag limit: truncate or reject (both counted)";
    emit: Emit = kind::EMIT, Emit::None;
        env "HERD_EMIT", value "stdout|none";
        "Where flushed points go: stdout (one JSON object per point) or none";
    shutdown_timeout: Duration = kind::DURATION, Duration::from_secs(10);
        env "HERD_SHUTDOWN_TIMEOUT", value "DURATION";
        "Longest wait for the last flush on SIGTERM/SIGINT";
    data_dir: PathBuf = kind::DIRECTORY, PathBuf::from("herd-data");
        env "HERD_DATA_DIR", value "DIR";
        "Where the store keeps its data (a directory of its own; a second daemon on it is refused)";
    no_store: bool = kind::BOOL, false;
        env "HERD_NO_STORE";
        "Run without the store (no data directory, no query API)";
    fsync: FsyncPolicy = kind::FSYNC, store_defaults().fsync;
        env "HERD_FSYNC", value "every-flush|interval|never";
        "When the store's write-ahead log is synced: after every flush, once a minute, or never (a crash loses at most what was not synced)";
    retention: Duration = kind::DURATION, store_defaults().retention;
        env "HERD_RETENTION", value "DURATION";
        "How long the store keeps points (whole blocks are deleted)";
    read_cache_bytes: usize = kind::NUMBER, store_defaults().read_cache_bytes;
        env "HERD_READ_CACHE_BYTES", value "BYTES";
        "Bound of the store's decoded rollup rows kept for queries (a dashboard over a day reads the same rows at each refresh; 0: none kept)";
    http_auth_token: String = kind::SECRET, String::new();
        env "HERD_HTTP_TOKEN", value "TOKEN";
        "Token HTTP clients present (Authorization: Bearer, or DD-API-KEY); required when --http is not on loopback";
    remote_write: Vec<String> = kind::LIST, Vec::new();
        env "HERD_REMOTE_WRITE", value "URLS";
        "Prometheus remote-write receivers every flush is forwarded to: URL,... (Prometheus /api/v1/write, VictoriaMetrics, ...)";
    dd_api_key: String = kind::SECRET, String::new();
        env "HERD_DD_API_KEY", dd "DD_API_KEY" via super::resolve::same, value "KEY";
        "Datadog API key: when set, every flush is forwarded to Datadog's intake";
    dd_site: String = kind::TEXT, "datadoghq.com".to_owned();
        env "HERD_DD_SITE", dd "DD_SITE" via super::resolve::same, value "SITE";
        "Datadog site: series go to https://api.<site>";
    dd_url: String = kind::TEXT, String::new();
        env "HERD_DD_URL", dd "DD_DD_URL" via super::resolve::same, value "URL";
        "Datadog intake URL, instead of the site's";
    dd_url_legacy: String = kind::TEXT, String::new();
        env "DD_URL", value "URL";
        "The Agent's older name for the intake URL, used when --dd-url and DD_DD_URL are not set";
    dd_series_api: String = kind::TEXT, "v2".to_owned();
        env "HERD_DD_SERIES_API", value "v1|v2";
        "Datadog series API: v2 (/api/v2/series) or v1 (/api/v1/series JSON)";
    dd_series_format: String = kind::TEXT, "protobuf".to_owned();
        env "HERD_DD_SERIES_FORMAT", value "protobuf|json";
        "How v2 series are written: protobuf (the Agent's MetricPayload) or json";
    forward_buffer_bytes: usize = kind::NUMBER, crate::forward::DEFAULT_BUFFER_BYTES as usize;
        env "HERD_FORWARD_BUFFER_BYTES", value "BYTES";
        "Bound of each forwarding destination's retry buffer (memory, then <data dir>/forward); past it the oldest payloads are dropped, counted";
    dashboard: Option<PathBuf> = kind::PATH, None;
        env "HERD_DASHBOARD", value "FILE";
        "A dashboard (JSON: title, widgets with queries and layout) saved into <data dir>/dashboards at start, replacing the one with its id";
    ready_fd: usize = kind::NUMBER, 0;
        env "HERD_READY_FD", value "FD";
        "Once every listener is bound, write a newline to this inherited file descriptor and close it (s6's readiness notification; 0: none). With NOTIFY_SOCKET set, herd also tells systemd READY=1";
}
