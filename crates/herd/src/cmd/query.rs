//! `herd query`: ask a running daemon (or a data directory no daemon holds) a Datadog query.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use herd_server::client;
use herd_server::terminal;

/// Ask the store a Datadog metric query, e.g. `herd query 'sum:web.requests{*} by
/// {route}.as_count()' --from -1h`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The query (Datadog's metric query language; see docs/query.md).
    pub query: String,
    /// Start: now, -15m, -1h, -7d or POSIX seconds.
    #[arg(long, default_value = "-1h", allow_hyphen_values = true)]
    pub from: String,
    /// End: now, -15m or POSIX seconds.
    #[arg(long, default_value = "now", allow_hyphen_values = true)]
    pub to: String,
    /// Output: table, json (the API's answer as it is) or csv.
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv"])]
    pub format: String,
    /// The daemon's HTTP address.
    #[arg(long, default_value = "http://127.0.0.1:8127", env = "HERD_URL")]
    pub url: String,
    /// Read this data directory instead of asking a daemon (read-only: also beside a daemon
    /// writing it; it sees what the daemon had synced).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The daemon's token, when its API needs one.
    #[arg(long, env = "HERD_HTTP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// The v1 answer from a data directory, opened for this query.
fn from_directory(
    dir: &PathBuf,
    query: &str,
    from_ms: i64,
    to_ms: i64,
) -> anyhow::Result<serde_json::Value> {
    let store = herd_tsdb_open(dir)?;
    let source = herd_server::store::StoreSource(&store);
    let answer =
        herd_query::evaluate(&source, query, from_ms, to_ms).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(herd_query::to_v1_json(&answer))
}

/// Opens a data directory read-only (beside a daemon that may be writing it).
pub fn herd_tsdb_open(dir: &PathBuf) -> anyhow::Result<herd_tsdb::Store> {
    herd_tsdb::Store::open_read_only(dir).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The v1 answer of the running daemon at `--url`. The API takes whole seconds: the range
/// is widened to them, so that `now` holds the current second.
fn ask_daemon(args: &Args, from_ms: i64, to_ms: i64) -> anyhow::Result<serde_json::Value> {
    let (from, to) = (from_ms.div_euclid(1000), (to_ms + 999).div_euclid(1000));
    let path = format!(
        "/api/v1/query?from={from}&to={to}&query={}",
        client::encode(&args.query)
    );
    let r = client::get(&args.url, &path, args.token.as_deref())
        .with_context(|| format!("asking {}", args.url))?;
    let body: serde_json::Value = serde_json::from_str(&r.body)
        .with_context(|| format!("{}: HTTP {}: {}", args.url, r.status, r.body.trim()))?;
    if r.status != 200 {
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        let text: Vec<&str> = errors.iter().filter_map(|e| e.as_str()).collect();
        bail!("{}", text.join("\n"));
    }
    Ok(body)
}

/// Runs `herd query`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let now = herd_server::clock::now_ms() as i64;
    let from =
        terminal::parse_time_ms(&args.from, now).map_err(|e| anyhow::anyhow!("--from {e}"))?;
    let to = terminal::parse_time_ms(&args.to, now).map_err(|e| anyhow::anyhow!("--to {e}"))?;
    let answer = if let Some(dir) = &args.data_dir {
        from_directory(dir, &args.query, from, to)?
    } else {
        ask_daemon(args, from, to)?
    };
    match args.format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&answer)?),
        "csv" => print!("{}", terminal::csv(&answer)),
        _ => print!("{}", terminal::table(&answer)),
    }
    Ok(ExitCode::SUCCESS)
}
