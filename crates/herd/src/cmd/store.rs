//! `herd store stats` and `herd store check`: what a data directory holds, and whether every
//! checksum in it holds.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use herd_server::{client, terminal};

/// Look at the embedded store.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Series, points, bytes per point, blocks, oldest and newest point.
    Stats {
        /// A data directory, read-only (else the running daemon is asked, --url).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// The daemon's HTTP address.
        #[arg(long, default_value = "http://127.0.0.1:8127", env = "HERD_URL")]
        url: String,
        /// The daemon's token, when its API needs one.
        #[arg(long, env = "HERD_HTTP_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Output: text or json.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Verify every checksum of a data directory (also while a daemon runs on it); exit 1 on
    /// damage, naming each file and byte offset.
    Check {
        /// The data directory.
        #[arg(
            long,
            value_name = "DIR",
            default_value = "herd-data",
            env = "HERD_DATA_DIR"
        )]
        data_dir: PathBuf,
    },
}

/// Runs `herd store`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Command::Stats {
            data_dir,
            url,
            token,
            format,
        } => {
            let stats = if let Some(dir) = data_dir {
                terminal::stats_json(&super::query::herd_tsdb_open(dir)?.stats())
            } else {
                let r = client::get(url, "/api/herd/store/stats", token.as_deref())
                    .with_context(|| format!("asking {url}"))?;
                anyhow::ensure!(
                    r.status == 200,
                    "{url}: HTTP {}: {}",
                    r.status,
                    r.body.trim()
                );
                serde_json::from_str(&r.body)?
            };
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", terminal::stats_text(&stats));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { data_dir } => {
            anyhow::ensure!(
                data_dir.is_dir(),
                "{}: no such data directory",
                data_dir.display()
            );
            let report = herd_tsdb::check_dir(data_dir);
            for d in &report.damage {
                println!("{d}");
            }
            println!(
                "{} files, {} checksums verified, {} damaged",
                report.files,
                report.checked,
                report.damage.len()
            );
            Ok(if report.damage.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
