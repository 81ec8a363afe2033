//! `herd blast`: DogStatsD load for a listener (herd's or a peer's).

use std::process::ExitCode;

use anyhow::{bail, Context as _};
use herd_server::blast::{self, Shape, Target};
use herd_server::config::parse_duration;

/// Arguments of `herd blast`.
#[derive(clap::Args)]
#[allow(clippy::doc_markdown)] // the field docs are clap's help text, URLs included
pub struct Args {
    /// Where to send: udp://HOST:PORT, unixgram:///PATH, unix:///PATH (stream), tcp://HOST:PORT.
    #[arg(long, value_name = "URL")]
    target: Target,
    /// Messages per second (omit for as fast as possible).
    #[arg(long, value_name = "N")]
    rate: Option<u64>,
    /// How long to send.
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    duration: String,
    /// Stop after this many messages.
    #[arg(long, value_name = "N")]
    messages: Option<u64>,
    /// Distinct contexts (name + tags).
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    contexts: usize,
    /// Tags per message: N or MIN-MAX.
    #[arg(long, default_value = "3-8", value_name = "RANGE")]
    tags: String,
    /// Name length in bytes: N or MIN-MAX.
    #[arg(long, default_value = "10-40", value_name = "RANGE")]
    name_len: String,
    /// Tag length in bytes: N or MIN-MAX.
    #[arg(long, default_value = "5-20", value_name = "RANGE")]
    tag_len: String,
    /// Metric names drawn from a pool of N (0: a random name of its own per context).
    #[arg(long, default_value_t = 0, value_name = "N")]
    metric_names: usize,
    /// Tags after the first (`ctx:N`, which makes the context) drawn from a pool of N
    /// (0: each a random tag of its own).
    #[arg(long, default_value_t = 0, value_name = "N")]
    tag_pool: usize,
    /// Type weights (lading's dogstatsd mix by default).
    #[arg(
        long,
        default_value = "c=208,g=66,d=72,s=9,h=1,ms=0",
        value_name = "WEIGHTS"
    )]
    mix: String,
    /// Share of messages packed with 2-8 values.
    #[arg(long, default_value_t = 0.08, value_name = "FRACTION")]
    packed: f64,
    /// Largest datagram in bytes (1432 for UDP on a 1500 MTU, 8192 for UDS).
    #[arg(long, default_value_t = 1432, value_name = "BYTES")]
    datagram_size: usize,
    /// Random seed (the same seed sends the same traffic).
    #[arg(long, default_value_t = 0x5eed)]
    seed: u64,
}

fn range(what: &str, v: &str) -> anyhow::Result<(usize, usize)> {
    let parse = |s: &str| {
        s.trim()
            .parse::<usize>()
            .with_context(|| format!("--{what} `{v}`: expected N or MIN-MAX"))
    };
    let (lo, hi) = match v.split_once('-') {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => (parse(v)?, parse(v)?),
    };
    if lo > hi {
        bail!("--{what} `{v}`: the minimum is larger than the maximum");
    }
    Ok((lo, hi))
}

fn mix(v: &str) -> anyhow::Result<[u32; 6]> {
    let mut out = [0u32; 6];
    for part in v.split(',').filter(|p| !p.is_empty()) {
        let (k, w) = part
            .split_once('=')
            .with_context(|| format!("--mix `{part}`: expected TYPE=WEIGHT"))?;
        let i = ["c", "g", "d", "s", "h", "ms"]
            .iter()
            .position(|t| *t == k.trim())
            .with_context(|| format!("--mix `{k}`: types are c, g, d, s, h, ms"))?;
        out[i] = w
            .trim()
            .parse()
            .with_context(|| format!("--mix `{part}`: the weight is not a whole number"))?;
    }
    if out.iter().all(|&w| w == 0) {
        bail!("--mix `{v}`: every weight is 0");
    }
    Ok(out)
}

/// Generates the payloads, sends them, prints what was sent.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let duration = parse_duration(&args.duration)
        .with_context(|| format!("--duration `{}`: expected 10s, 500ms, 2m", args.duration))?;
    if !(0.0..=1.0).contains(&args.packed) {
        bail!("--packed {}: expected a fraction from 0 to 1", args.packed);
    }
    let shape = Shape {
        contexts: args.contexts,
        tags: range("tags", &args.tags)?,
        name_len: range("name-len", &args.name_len)?,
        tag_len: range("tag-len", &args.tag_len)?,
        names: args.metric_names,
        tag_pool: args.tag_pool,
        mix: mix(&args.mix)?,
        packed: args.packed,
        datagram_size: args.datagram_size.max(64),
        seed: args.seed,
    };
    let payloads = blast::generate(&shape);
    let report = blast::run(&args.target, &payloads, args.rate, duration, args.messages)
        .with_context(|| format!("cannot send to {:?}", args.target))?;
    let secs = report.elapsed.as_secs_f64().max(1e-9);
    println!(
        "{{\"messages\":{},\"datagrams\":{},\"bytes\":{},\"errors\":{},\"seconds\":{:.3},\"messages_per_second\":{:.0},\"megabytes_per_second\":{:.1}}}",
        report.messages,
        report.datagrams,
        report.bytes,
        report.errors,
        secs,
        report.messages as f64 / secs,
        report.bytes as f64 / secs / 1e6
    );
    Ok(ExitCode::SUCCESS)
}
