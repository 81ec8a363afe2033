//! `herd statsd`: the DogStatsD-compatible daemon.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use herd_server::config::{self, ServerConfig};
use herd_server::{sink::JsonLines, Sink};

/// Arguments of `herd statsd`. Every setting can also come from `HERD_<KEY>`, from the
/// Datadog Agent's variable where one means the same (`DD_DOGSTATSD_PORT`, …), or from the
/// TOML file; a flag wins over the environment, which wins over the file.
#[derive(clap::Args, Default)]
#[allow(clippy::struct_field_names)]
pub struct Args {
    /// UDP listen address, or off [default: 127.0.0.1:8125].
    #[arg(long, value_name = "ADDR|off")]
    pub udp: Option<String>,
    /// Unix datagram socket path, or off.
    #[arg(long, value_name = "PATH")]
    pub uds: Option<String>,
    /// Unix stream socket path (4-byte little-endian length-prefixed frames), or off.
    #[arg(long, value_name = "PATH")]
    pub uds_stream: Option<String>,
    /// TCP listen address (newline-delimited messages), or off.
    #[arg(long, value_name = "ADDR|off")]
    pub tcp: Option<String>,
    /// HTTP address for GET /metrics, or off [default: 127.0.0.1:8127].
    #[arg(long, value_name = "ADDR|off")]
    pub http: Option<String>,
    /// Bucket length and flush period: 10s, 1s, 500ms [default: 10s].
    #[arg(long, value_name = "DURATION")]
    pub flush_interval: Option<String>,
    /// Tags added to every metric, event and service check: k:v,...
    #[arg(long, value_name = "TAGS")]
    pub tags: Option<String>,
    /// Where flushed points go: stdout (one JSON object per point) or none.
    #[arg(long, value_name = "stdout|none")]
    pub emit: Option<String>,
    /// Longest wait for the last flush on SIGTERM/SIGINT [default: 10s].
    #[arg(long, value_name = "DURATION")]
    pub shutdown_timeout: Option<String>,
    /// Host of points without a host: tag [default: the machine's; on Heroku app.dyno].
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Listen on every interface when the UDP address is not given explicitly.
    #[arg(long)]
    pub non_local_traffic: bool,
    /// Bytes per datagram or frame; larger ones are counted as truncated [default: 8192].
    #[arg(long, value_name = "BYTES")]
    pub buffer_size: Option<String>,
    /// Receive buffer requested for datagram sockets, in bytes (0: the OS default; the kernel
    /// caps it at net.core.rmem_max) [default: 4194304].
    #[arg(long, value_name = "BYTES")]
    pub so_rcvbuf: Option<String>,
    /// UDP reader threads (more than 1 uses SO_REUSEPORT).
    #[arg(long, value_name = "N")]
    pub udp_readers: Option<String>,
    /// Decode/aggregate threads (0: cores - 1, at least 1).
    #[arg(long, value_name = "N")]
    pub workers: Option<String>,
    /// Batches queued per worker before drops (counted).
    #[arg(long, value_name = "N")]
    pub queue_size: Option<String>,
    /// When every worker queue is full: block (Unix sockets and TCP make their senders wait)
    /// or drop (counted); UDP always drops, counted [default: block].
    #[arg(long, value_name = "block|drop")]
    pub overload: Option<String>,
    /// Permissions of created socket files, octal [default: 0722].
    #[arg(long, value_name = "MODE")]
    pub socket_mode: Option<String>,
    /// Read +N/-N gauges as deltas, as Etsy statsd does.
    #[arg(long)]
    pub etsy_gauges: bool,
    /// Histogram outputs: max,min,median,avg,sum,count [default: max,median,avg,count].
    #[arg(long, value_name = "LIST")]
    pub histogram_aggregates: Option<String>,
    /// Histogram percentiles as fractions [default: 0.95].
    #[arg(long, value_name = "LIST")]
    pub histogram_percentiles: Option<String>,
    /// Seconds an idle counter keeps reporting 0 [default: 300].
    #[arg(long, value_name = "SECONDS")]
    pub expiry_seconds: Option<String>,
    /// Most contexts held; samples of new ones past it are dropped and counted [default: 100000].
    #[arg(long, value_name = "N")]
    pub context_limit: Option<String>,
    /// Longest metric name in bytes [default: 200].
    #[arg(long, value_name = "BYTES")]
    pub max_name_len: Option<String>,
    /// Longest tag in bytes [default: 200].
    #[arg(long, value_name = "BYTES")]
    pub max_tag_len: Option<String>,
    /// Most tags per message [default: 100].
    #[arg(long, value_name = "N")]
    pub max_tags: Option<String>,
    /// Past a name or tag limit: truncate or reject (both counted) [default: truncate].
    #[arg(long, value_name = "truncate|reject")]
    pub oversize: Option<String>,
    /// Host tags for forwarders (not added to each point).
    #[arg(long, value_name = "TAGS")]
    pub host_tags: Option<String>,
    /// A TOML file of settings (keys as in --print-config).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the effective settings and where each came from, then exit.
    #[arg(long)]
    pub print_config: bool,
}

impl Args {
    fn flags(&self) -> BTreeMap<&'static str, String> {
        let opts: [(&'static str, &Option<String>); 26] = [
            ("udp", &self.udp),
            ("uds", &self.uds),
            ("uds_stream", &self.uds_stream),
            ("tcp", &self.tcp),
            ("http", &self.http),
            ("flush_interval", &self.flush_interval),
            ("tags", &self.tags),
            ("emit", &self.emit),
            ("shutdown_timeout", &self.shutdown_timeout),
            ("hostname", &self.hostname),
            ("buffer_size", &self.buffer_size),
            ("so_rcvbuf", &self.so_rcvbuf),
            ("udp_readers", &self.udp_readers),
            ("workers", &self.workers),
            ("queue_size", &self.queue_size),
            ("overload", &self.overload),
            ("socket_mode", &self.socket_mode),
            ("histogram_aggregates", &self.histogram_aggregates),
            ("histogram_percentiles", &self.histogram_percentiles),
            ("expiry_seconds", &self.expiry_seconds),
            ("context_limit", &self.context_limit),
            ("max_name_len", &self.max_name_len),
            ("max_tag_len", &self.max_tag_len),
            ("max_tags", &self.max_tags),
            ("oversize", &self.oversize),
            ("host_tags", &self.host_tags),
        ];
        let mut flags: BTreeMap<&'static str, String> = opts
            .into_iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
            .collect();
        for (key, on) in [
            ("non_local_traffic", self.non_local_traffic),
            ("etsy_gauges", self.etsy_gauges),
        ] {
            if on {
                flags.insert(key, "true".to_owned());
            }
        }
        flags
    }

    /// The effective settings and the validated configuration.
    pub fn resolve(&self) -> anyhow::Result<(Vec<config::Resolved>, ServerConfig)> {
        let env = |name: &str| std::env::var(name).ok();
        let file = match &self.config {
            Some(path) => Some((path.as_path(), config::read_file(path)?)),
            None => None,
        };
        let mut settings =
            config::resolve(&self.flags(), &env, file.as_ref().map(|(p, t)| (*p, t)));
        config::heroku_tag(&mut settings, &env);
        let server = ServerConfig::from_resolved(&settings)?;
        Ok((settings, server))
    }
}

/// The "listening on …" line: every bound address, as a client would name it.
fn listening(running: &herd_server::Running, interval_ms: u64) -> String {
    let b = &running.bound;
    let mut listening = Vec::new();
    let rcvbuf = |granted: Option<usize>| {
        granted.map_or(String::new(), |g| {
            format!(" (receive buffer {} KiB)", g / 1024)
        })
    };
    if let Some(a) = b.udp {
        listening.push(format!("udp://{a}{}", rcvbuf(b.udp_rcvbuf)));
    }
    if let Some(p) = &b.uds {
        listening.push(format!(
            "unixgram://{}{}",
            p.display(),
            rcvbuf(b.uds_rcvbuf)
        ));
    }
    if let Some(p) = &b.uds_stream {
        listening.push(format!("unix://{}", p.display()));
    }
    if let Some(a) = b.tcp {
        listening.push(format!("tcp://{a}"));
    }
    if let Some(a) = b.http {
        listening.push(format!("http://{a}/metrics"));
    }
    format!(
        "listening on {}; flushing every {interval_ms} ms",
        listening.join(" ")
    )
}

/// Runs the daemon until SIGTERM or SIGINT, then flushes everything and exits 0.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (settings, config) = args.resolve()?;
    if args.print_config {
        print!("{}", config::render(&settings));
        return Ok(ExitCode::SUCCESS);
    }
    // Signals are taken by sigwait below, in every thread the daemon starts.
    herd_server::sys::block_term_signals();
    let sinks: Vec<Box<dyn Sink>> = match config.emit {
        config::Emit::Stdout => vec![Box::new(JsonLines::new(std::io::stdout()))],
        config::Emit::None => Vec::new(),
    };
    let running = herd_server::start(&config, sinks).context("herd statsd cannot start")?;
    herd_server::log::info(&listening(&running, config.aggregate.interval_ms));
    let signal = herd_server::sys::wait_for_signal();
    herd_server::log::info(&format!(
        "signal {signal}: draining and flushing every open bucket"
    ));
    match running.shutdown(config.shutdown_timeout) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(t) => {
            herd_server::log::warn(&format!("shutdown took longer than {t:?}; exiting anyway"));
            Ok(ExitCode::from(1))
        }
    }
}

/// `herd statsd FLAGS` as a command line of its own, for `herd start --statsd=FLAGS`.
#[derive(clap::Parser)]
#[command(name = "statsd", no_binary_name = true)]
struct Flags {
    #[command(flatten)]
    args: Args,
}

/// The daemon run inside another herd command (`herd start --statsd`): its log lines and
/// `--emit stdout` points go to the host's output, and a stop request (not a signal) ends it.
pub struct InProcess {
    config: ServerConfig,
}

impl InProcess {
    /// Validates `herd statsd` flags (space-separated), before anything starts.
    pub fn from_flags(flags: &str) -> anyhow::Result<Self> {
        let flags =
            <Flags as clap::Parser>::try_parse_from(flags.split_whitespace()).map_err(|e| {
                anyhow::anyhow!("--statsd flags: {}", e.render().to_string().trim_end())
            })?;
        let (_, config) = flags.args.resolve().context("--statsd flags")?;
        Ok(Self { config })
    }
}

impl herd_procfile::service::Service for InProcess {
    fn run(&self, ctx: herd_procfile::service::ServiceContext) -> i32 {
        let out: herd_server::log::SharedWriter =
            std::sync::Arc::new(std::sync::Mutex::new(ctx.out));
        herd_server::log::set_writer(out.clone());
        let sinks: Vec<Box<dyn Sink>> = match self.config.emit {
            config::Emit::Stdout => vec![Box::new(JsonLines::new(herd_server::sink::Shared(out)))],
            config::Emit::None => Vec::new(),
        };
        let running = match herd_server::start(&self.config, sinks) {
            Ok(r) => r,
            Err(e) => {
                herd_server::log::warn(&format!("cannot start: {e}"));
                return 2;
            }
        };
        herd_server::log::info(&listening(&running, self.config.aggregate.interval_ms));
        while !ctx.stop.wait(std::time::Duration::from_secs(3600)) {}
        herd_server::log::info("stopping: draining and flushing every open bucket");
        match running.shutdown(self.config.shutdown_timeout) {
            Ok(()) => 0,
            Err(t) => {
                herd_server::log::warn(&format!("shutdown took longer than {t:?}"));
                1
            }
        }
    }
}
