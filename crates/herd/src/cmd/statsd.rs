//! `herd statsd`: the DogStatsD-compatible daemon. Its flags come from the settings table
//! in `herd_server::config` (one declaration per setting: name, variables, default, help).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Arg, ArgAction, ArgMatches, Command};
use herd_server::config::{self, ServerConfig, Settings, KEYS};
use herd_server::{sink::JsonLines, Sink};

/// Arguments of `herd statsd`: a flag per setting of [`KEYS`], `--config` and
/// `--print-config`. Every setting can also come from `HERD_<KEY>`, from the Datadog Agent's
/// variable where one means the same (`DD_DOGSTATSD_PORT`, …), or from the TOML file; a flag
/// wins over the environment, which wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Args {
    /// The settings given as flags, by key, in the flag's syntax.
    flags: BTreeMap<&'static str, String>,
    /// A TOML file of settings.
    config: Option<PathBuf>,
    /// Print the effective settings and exit.
    print_config: bool,
}

/// One flag per setting: `--key-with-dashes`, its value name and its help with the default.
fn flag(key: &'static config::Key) -> Arg {
    // Built once per process; the names must outlive the command.
    let long: &'static str = Box::leak(key.name.replace('_', "-").into_boxed_str());
    let arg = Arg::new(key.name).long(long);
    match key.value_name {
        Some(value_name) => {
            let default = (key.default)();
            let help = if default.is_empty() || default == "off" {
                key.help.to_owned()
            } else {
                format!("{} [default: {default}]", key.help)
            };
            // Repeatable: a list setting (`--tags`, `--remote-write`) takes every occurrence,
            // comma-joined; a repeated single value is refused by its kind, naming both.
            arg.value_name(value_name)
                .help(help)
                .action(ArgAction::Append)
        }
        None => arg.action(ArgAction::SetTrue).help(key.help),
    }
}

impl clap::Args for Args {
    fn augment_args(cmd: Command) -> Command {
        let cmd = KEYS.iter().fold(cmd, |cmd, key| cmd.arg(flag(key)));
        cmd.arg(
            Arg::new("config")
                .long("config")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("A TOML file of settings (keys as in --print-config)"),
        )
        .arg(
            Arg::new("print_config")
                .long("print-config")
                .action(ArgAction::SetTrue)
                .help("Print the effective settings and where each came from, then exit"),
        )
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl clap::FromArgMatches for Args {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut args = Self::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for key in KEYS {
            if key.value_name.is_some() {
                if let Some(values) = matches.get_many::<String>(key.name) {
                    let joined: Vec<&str> = values.map(String::as_str).collect();
                    self.flags.insert(key.name, joined.join(","));
                }
            } else if matches.get_flag(key.name) {
                self.flags.insert(key.name, "true".to_owned());
            }
        }
        if let Some(path) = matches.get_one::<PathBuf>("config") {
            self.config = Some(path.clone());
        }
        self.print_config |= matches.get_flag("print_config");
        Ok(())
    }
}

impl Args {
    /// The effective settings and the validated configuration.
    pub fn resolve(&self) -> anyhow::Result<(Settings, ServerConfig)> {
        let env = |name: &str| std::env::var(name).ok();
        let file = match &self.config {
            Some(path) => Some((path.as_path(), config::read_file(path)?)),
            None => None,
        };
        Ok(ServerConfig::load(
            &self.flags,
            &env,
            file.as_ref().map(|(p, t)| (*p, t)),
        )?)
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

/// The daemon's life, whoever hosts it: start with the configured sinks, say where it
/// listens, wait for the stop, drain and flush within the shutdown timeout. `Err` when it
/// could not start; `Ok(false)` when the last flush took longer than the timeout.
fn serve(
    config: &ServerConfig,
    stdout: impl std::io::Write + Send + 'static,
    wait_for_stop: impl FnOnce() -> String,
) -> Result<bool, herd_server::StartError> {
    let sinks: Vec<Box<dyn Sink>> = match config.emit {
        config::Emit::Stdout => vec![Box::new(JsonLines::new(stdout))],
        config::Emit::None => Vec::new(),
    };
    let running = herd_server::start(config, sinks)?;
    herd_server::log::info(&listening(&running, config.aggregate.interval_ms));
    for problem in herd_server::ready::notify(config.ready_fd) {
        herd_server::log::warn(&problem);
    }
    let why = wait_for_stop();
    herd_server::log::info(&format!("{why}: draining and flushing every open bucket"));
    match running.shutdown(config.shutdown_timeout) {
        Ok(()) => Ok(true),
        Err(t) => {
            herd_server::log::warn(&format!("shutdown took longer than {t:?}; exiting anyway"));
            Ok(false)
        }
    }
}

/// Runs the daemon until SIGTERM or SIGINT, then flushes everything and exits 0.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (settings, config) = args.resolve()?;
    if args.print_config {
        print!("{}", config::render(&settings.lines()));
        return Ok(ExitCode::SUCCESS);
    }
    // Signals are taken by sigwait below, in every thread the daemon starts; one that comes
    // again while stopping stays blocked and changes nothing.
    herd_server::sys::block_term_signals();
    let in_time = serve(&config, std::io::stdout(), || {
        format!("signal {}", herd_server::sys::wait_for_signal())
    })
    .context("herd statsd cannot start")?;
    Ok(if in_time {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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
        let stop = ctx.stop;
        let served = serve(&self.config, herd_server::sink::Shared(out), || {
            while !stop.wait(Duration::from_secs(3600)) {}
            "stopping".to_owned()
        });
        match served {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(e) => {
                herd_server::log::warn(&format!("cannot start: {e}"));
                2
            }
        }
    }
}

impl InProcess {
    /// Where the app's clients should send, as configured: the UDP address and the Unix
    /// datagram socket (`herd start --statsd` passes them on as `DD_AGENT_HOST`, …).
    pub fn client_addresses(&self) -> (Option<std::net::SocketAddr>, Option<&std::path::Path>) {
        (self.config.udp, self.config.uds.as_deref())
    }
}
