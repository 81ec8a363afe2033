//! `herd start`: run the Procfile's processes, foreman-style.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use herd_procfile::defaults::Defaults;
use herd_procfile::formation::Formation;
use herd_procfile::output::{color_wanted, Style};
use herd_procfile::project::{self, Project};
use herd_procfile::restart::{Backoff, Policies};
use herd_procfile::supervisor::{self, ProcessSpec, Program, Settings};

/// Where the Procfile, the app and its `.env` files are (shared by start, run, check, export).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ProjectArgs {
    /// The Procfile (its directory becomes the root unless --root is given). Defaults to
    /// `ROOT/Procfile`.
    #[arg(short = 'f', long, value_name = "FILE")]
    pub procfile: Option<PathBuf>,
    /// Env files to load, comma-separated; later files win. Defaults to `ROOT/.env` if present.
    #[arg(short = 'e', long, value_name = "FILES", value_delimiter = ',')]
    pub env: Option<Vec<PathBuf>>,
    /// The app's root directory: the processes' working directory.
    #[arg(short = 'd', long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Base port: web.1 gets it, each later Procfile line +100, each instance +1. Defaults to
    /// PORT from the env files, then from the environment, then 5000.
    #[arg(short = 'p', long, value_name = "PORT")]
    pub port: Option<u32>,
}

impl ProjectArgs {
    /// Loads the project, with `.herd`/`.foreman` filling in options not given. Lines of the
    /// env files that assign nothing are warned about on stderr, once each.
    pub fn load(&self, defaults: &Defaults, procfile_optional: bool) -> anyhow::Result<Project> {
        let project = self.load_with(defaults, procfile_optional, false)?;
        for skipped in &project.env_skipped {
            eprintln!("herd: warning: {skipped} (as foreman does; the other lines apply)");
        }
        Ok(project)
    }

    /// Loads the project; with `keep_going`, past repeated process types (for `check`).
    pub fn load_with(
        &self,
        defaults: &Defaults,
        procfile_optional: bool,
        keep_going: bool,
    ) -> anyhow::Result<Project> {
        let port = match (self.port, defaults.get(&["port", "p"])) {
            (Some(p), _) => Some(p),
            (None, Some(v)) => Some(
                v.parse()
                    .with_context(|| format!("port `{v}` in {}", defaults_name(defaults)))?,
            ),
            (None, None) => None,
        };
        let env = self.env.clone().or_else(|| {
            defaults
                .get(&["env", "e"])
                .map(|v| v.split(',').map(|s| PathBuf::from(s.trim())).collect())
        });
        let opts = project::Options {
            procfile: self
                .procfile
                .clone()
                .or_else(|| defaults.get(&["procfile", "f"]).map(PathBuf::from)),
            root: self
                .root
                .clone()
                .or_else(|| defaults.get(&["root", "app-root", "d"]).map(PathBuf::from)),
            env_files: env,
            port,
            keep_going,
        };
        let env_port = std::env::var("PORT").ok();
        Ok(Project::load(
            &opts,
            env_port.as_deref(),
            procfile_optional,
        )?)
    }
}

/// The formation from `-m`, else from the defaults file (`formation`, `concurrency` or `m`).
pub fn formation(flag: Option<&str>, defaults: &Defaults) -> anyhow::Result<Formation> {
    let text = flag
        .or_else(|| defaults.get(&["formation", "concurrency", "m"]))
        .unwrap_or_default();
    Ok(Formation::parse(text)?)
}

/// Reads `.herd` or `.foreman` from the current directory.
pub fn load_defaults() -> anyhow::Result<Defaults> {
    Ok(Defaults::load(std::path::Path::new("."))?)
}

fn defaults_name(d: &Defaults) -> String {
    d.path
        .as_ref()
        .map_or_else(|| "defaults".to_owned(), |p| p.display().to_string())
}

/// Start the processes of the Procfile and relay their output.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Process types to start (default: all, by the formation).
    #[arg(value_name = "PROCESS")]
    pub processes: Vec<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// How many of each type: `all=1,web=2`. Types not named get 0 unless `all` is given.
    #[arg(short = 'm', long, value_name = "FORMATION")]
    pub formation: Option<String>,
    /// Seconds between SIGTERM and SIGKILL when stopping [default: 5].
    #[arg(short = 't', long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Leave out the HH:MM:SS timestamp.
    #[arg(long)]
    pub no_timestamp: bool,
    /// Colour the output even when it is not a terminal.
    #[arg(short = 'c', long)]
    pub color: bool,
    /// Restart processes that exit: `on-failure` or `always` for all, or per type like
    /// `web=always,worker=on-failure` (repeatable).
    #[arg(long, value_name = "POLICY")]
    pub restart: Vec<String>,
    /// Process types allowed to exit without stopping the others (comma-separated).
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub can_die: Vec<String>,
    /// Seconds before the first restart; doubles on each crash in a row.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.5)]
    pub restart_delay: f64,
    /// Longest delay between restarts, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub restart_max_delay: f64,
    /// Heroku emulation: source `.profile.d/*.sh` and `.profile` with bash before each
    /// process, and set `DYNO=web.1`.
    #[arg(long)]
    pub profile_d: bool,
    /// Also run herd's metrics daemon as a process named `statsd`, started before the others
    /// and stopped after them. FLAGS are passed to `herd statsd`.
    #[arg(long, value_name = "FLAGS", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub statsd: Option<String>,
    /// With --statsd, also print the daemon's own `herd.*` metrics (datagrams, contexts,
    /// flush time) among the app's points; left out by default.
    #[arg(long)]
    pub statsd_self_metrics: bool,
    /// Print the process / exit / restarts table at the end (on by default with --restart or
    /// --can-die).
    #[arg(long)]
    pub summary: bool,
}

/// Runs `herd start`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let defaults = load_defaults()?;
    let project = args.project.load(&defaults, false)?;
    let formation = formation(args.formation.as_deref(), &defaults)?;
    let instances = project.instances(&args.processes, &formation)?;

    let mut policies = Policies::default();
    if let Some(v) = defaults.get(&["restart"]) {
        policies.merge(v)?;
    }
    for spec in &args.restart {
        policies.merge(spec)?;
    }
    let mut can_die = args.can_die.clone();
    if let Some(v) = defaults.get(&["can-die"]) {
        can_die.extend(v.split(',').map(|s| s.trim().to_owned()));
    }
    let profile_d = args.profile_d || defaults.flag(&["profile-d"]).unwrap_or(false);
    let root = project.root.clone();

    let mut specs = Vec::new();
    let mut statsd_env = Vec::new();
    if let Some(flags) = &args.statsd {
        // herd's own daemon runs in this process (a thread), not as a child: its last flush
        // needs no second binary, and its output is labelled like any process's.
        let service = super::statsd::InProcess::from_flags(flags)?;
        let (udp, uds) = service.client_addresses();
        statsd_env = statsd_client_env(udp, uds);
        let program: std::sync::Arc<dyn herd_procfile::service::Service> =
            if args.statsd_self_metrics {
                std::sync::Arc::new(service)
            } else {
                std::sync::Arc::new(WithoutSelfMetrics(service))
            };
        specs.push(ProcessSpec {
            name: "statsd".into(),
            color: project.procfile.entries.len(),
            program: Program::Service(program),
            restart: policies.for_name("statsd"),
            can_die: can_die.iter().any(|n| n == "statsd"),
            infra: true,
        });
    }
    for inst in instances {
        let mut env = inst.env.clone();
        env.extend(statsd_env.iter().cloned());
        if profile_d {
            env.push(("DYNO".into(), inst.name.clone()));
        }
        specs.push(ProcessSpec {
            program: Program::Command {
                argv: inst.argv(profile_d),
                env,
                cwd: root.clone(),
            },
            restart: policies.for_name(&inst.kind),
            can_die: can_die.contains(&inst.kind),
            infra: false,
            color: inst.index,
            name: inst.name,
        });
    }

    let timeout = match (args.timeout, defaults.get(&["timeout", "t"])) {
        (Some(t), _) => t,
        (None, Some(v)) => v.parse().with_context(|| format!("timeout `{v}`"))?,
        (None, None) => 5.0,
    };
    let env = |k: &str| std::env::var(k).ok();
    let color = color_wanted(
        args.color || defaults.flag(&["color", "c"]).unwrap_or(false),
        env("NO_COLOR").as_deref(),
        env("FORCE_COLOR").as_deref(),
        env("TERM").as_deref(),
        herd_procfile::sys::stdout_is_tty(),
    );
    let timestamps = !(args.no_timestamp || defaults.flag(&["no-timestamp"]).unwrap_or(false))
        && defaults.flag(&["timestamp"]).unwrap_or(true);
    let settings = Settings {
        timeout: seconds(timeout, "--timeout")?,
        style: Style { timestamps, color },
        backoff: Backoff {
            initial: seconds(args.restart_delay, "--restart-delay")?,
            max: seconds(args.restart_max_delay, "--restart-max-delay")?,
            ..Backoff::default()
        },
        summary: args.summary || policies.any() || !can_die.is_empty(),
    };
    // Nothing has started a thread yet: the guard may fork (see `herd_procfile::guard`).
    let code =
        herd_procfile::guard::guarded(settings.timeout, move || {
            match supervisor::supervise(specs, settings, std::io::stdout().lock()) {
                Ok(report) => report.exit_code,
                Err(e) => {
                    eprintln!("herd: error: supervising: {e}");
                    2
                }
            }
        });
    Ok(ExitCode::from(code.clamp(0, 255) as u8))
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| anyhow::anyhow!("{flag} {value}: expected a number of seconds ≥ 0"))
}

/// The variables that point the app's StatsD and DogStatsD clients at the daemon herd starts:
/// `DD_AGENT_HOST`, `DD_DOGSTATSD_PORT`, `DD_DOGSTATSD_URL` (datadog clients), `STATSD_HOST`,
/// `STATSD_PORT` (plain statsd clients), and with a Unix datagram socket `DD_DOGSTATSD_SOCKET`.
/// A daemon listening on every interface is reached through loopback. Nothing is set for a
/// port the system picks at start-up (port 0), which is not known yet.
fn statsd_client_env(
    udp: Option<std::net::SocketAddr>,
    uds: Option<&std::path::Path>,
) -> Vec<(String, String)> {
    let mut env = Vec::new();
    let mut set = |k: &str, v: String| env.push((k.to_owned(), v));
    if let Some(addr) = udp.filter(|a| a.port() != 0) {
        let ip = match addr.ip() {
            std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
                std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
            }
            std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
                std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
            }
            ip => ip,
        };
        let host = ip.to_string();
        let port = addr.port().to_string();
        let url_host = if ip.is_ipv6() {
            format!("[{host}]")
        } else {
            host.clone()
        };
        set("DD_AGENT_HOST", host.clone());
        set("DD_DOGSTATSD_PORT", port.clone());
        set("STATSD_HOST", host);
        set("STATSD_PORT", port.clone());
        if uds.is_none() {
            set("DD_DOGSTATSD_URL", format!("udp://{url_host}:{port}"));
        }
    }
    if let Some(path) = uds {
        set("DD_DOGSTATSD_SOCKET", path.display().to_string());
        set("DD_DOGSTATSD_URL", format!("unix://{}", path.display()));
    }
    env
}

/// The daemon's own metrics, recorded at each flush (`herd_server`'s telemetry snapshot):
/// left out of `herd start --statsd` output unless `--statsd-self-metrics`.
const SELF_METRICS: [&str; 3] = ["herd.dogstatsd.", "herd.contexts", "herd.flush."];

/// The in-process daemon with its `herd.*` self metrics dropped from its output, so that they
/// are not printed beside the app's lines.
struct WithoutSelfMetrics<S>(S);

impl<S: herd_procfile::service::Service> herd_procfile::service::Service for WithoutSelfMetrics<S> {
    fn run(&self, ctx: herd_procfile::service::ServiceContext) -> i32 {
        let ctx = herd_procfile::service::ServiceContext {
            out: Box::new(SelfMetricFilter {
                out: ctx.out,
                line: Vec::new(),
            }),
            stop: ctx.stop,
        };
        self.0.run(ctx)
    }
}

/// Passes whole lines on, except JSON points whose `metric` is one of [`SELF_METRICS`].
struct SelfMetricFilter {
    out: Box<dyn std::io::Write + Send>,
    line: Vec<u8>,
}

impl SelfMetricFilter {
    fn is_self_metric(line: &[u8]) -> bool {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(line) else {
            return false;
        };
        value
            .get("metric")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|m| {
                SELF_METRICS
                    .iter()
                    .any(|s| m == *s || (s.ends_with('.') && m.starts_with(s)))
            })
    }
}

impl std::io::Write for SelfMetricFilter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        while let Some(end) = self.line.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.line.drain(..=end).collect();
            if !Self::is_self_metric(&line) {
                self.out.write_all(&line)?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.line.is_empty() {
            let rest = std::mem::take(&mut self.line);
            self.out.write_all(&rest)?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_env_points_at_the_daemon() {
        let env = statsd_client_env(Some("0.0.0.0:9125".parse().unwrap()), None);
        let get = |k: &str| {
            env.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("DD_AGENT_HOST"), Some("127.0.0.1"));
        assert_eq!(get("DD_DOGSTATSD_PORT"), Some("9125"));
        assert_eq!(get("DD_DOGSTATSD_URL"), Some("udp://127.0.0.1:9125"));
        assert_eq!(get("STATSD_HOST"), Some("127.0.0.1"));
        assert_eq!(get("STATSD_PORT"), Some("9125"));
        let env = statsd_client_env(Some("[::1]:8125".parse().unwrap()), None);
        assert!(env.contains(&("DD_DOGSTATSD_URL".into(), "udp://[::1]:8125".into())));
        assert!(statsd_client_env(Some("127.0.0.1:0".parse().unwrap()), None).is_empty());
        let env = statsd_client_env(None, Some(std::path::Path::new("/tmp/d.sock")));
        assert_eq!(
            env,
            [
                ("DD_DOGSTATSD_SOCKET".to_owned(), "/tmp/d.sock".to_owned()),
                (
                    "DD_DOGSTATSD_URL".to_owned(),
                    "unix:///tmp/d.sock".to_owned()
                )
            ]
        );
    }

    #[test]
    fn the_filter_drops_only_self_metric_points_and_keeps_partial_writes_whole() {
        use std::io::Write as _;
        struct Out(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Out {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let shared = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut f = SelfMetricFilter {
            out: Box::new(Out(shared.clone())),
            line: Vec::new(),
        };
        f.write_all(b"{\"metric\":\"herd.dogstatsd.bytes\",\"value\":1}\n{\"metric\":\"herd.te")
            .unwrap();
        f.write_all(b"st.hits\",\"value\":3}\nlistening on udp\n{\"metric\":\"herd.contexts\"}\n")
            .unwrap();
        f.flush().unwrap();
        assert_eq!(
            String::from_utf8(shared.lock().unwrap().clone()).unwrap(),
            "{\"metric\":\"herd.test.hits\",\"value\":3}\nlistening on udp\n"
        );
    }
}
