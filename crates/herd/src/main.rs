//! `herd`: the command-line binary. It parses arguments, wires library crates together and
//! maps the outcome to an exit code; everything else lives in the `herd-*` crates.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// herd: a DogStatsD daemon, a Procfile runner and a Chef role grapher in one small binary.
#[derive(Parser)]
#[command(name = "herd", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode DogStatsD messages from a file or stdin and print one JSON object per message.
    Decode(cmd::decode::Args),
    /// Run the DogStatsD-compatible metrics daemon.
    Statsd(Box<cmd::statsd::Args>),
    /// Ask the store a Datadog metric query (of a running daemon, or of a data directory).
    Query(cmd::query::Args),
    /// Look at the embedded store: what it holds, and whether its checksums hold.
    Store(cmd::store::Args),
    /// Send DogStatsD load to a listener (herd's or a peer's), and say what was sent.
    Blast(cmd::blast::Args),
    /// Run the Procfile's processes (foreman start), leaving no orphans.
    Start(cmd::start::Args),
    /// Run a command (or one Procfile entry) with the app's environment (foreman run).
    Run(cmd::run::Args),
    /// Validate the Procfile and env files (foreman check).
    Check(cmd::check::Args),
    /// Write the processes out for systemd, supervisord, launchd, runit, compose or Kubernetes.
    Export(cmd::export::Args),
    /// The example shop under a rising web load, with the daemon, its store and dashboard.
    Demo(cmd::demo::Args),
    /// Draw, check and explain a Chef repository's roles (successor of knife-role-spaghetti).
    Roles(cmd::roles::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Decode(args) => cmd::decode::run(&args),
        Command::Statsd(args) => cmd::statsd::run(&args),
        Command::Query(args) => cmd::query::run(&args),
        Command::Store(args) => cmd::store::run(&args),
        Command::Blast(args) => cmd::blast::run(&args),
        Command::Start(args) => cmd::start::run(&args),
        Command::Run(args) => cmd::run::run(&args),
        Command::Check(args) => cmd::check::run(&args),
        Command::Export(args) => cmd::export::run(&args),
        Command::Roles(args) => cmd::roles::run(&args),
        Command::Demo(args) => cmd::demo::run(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("herd: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
