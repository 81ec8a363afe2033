//! `herd decode`: DogStatsD messages from a file or stdin, one JSON object per message.

use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use herd_dogstatsd::{decode, frame, Limits, Overflow};

/// Arguments of `herd decode`.
#[derive(clap::Args)]
pub struct Args {
    /// File of newline-separated DogStatsD messages ("-" or nothing: stdin).
    file: Option<PathBuf>,
    /// The input is a UDS stream capture: 4-byte little-endian length-prefixed frames.
    #[arg(long)]
    framed: bool,
    /// Largest frame accepted with --framed, in bytes (like `DD_DOGSTATSD_BUFFER_SIZE`).
    #[arg(long, default_value_t = 8192, value_name = "BYTES")]
    buffer_size: usize,
    /// Longest metric name, in bytes.
    #[arg(long, default_value_t = Limits::default().max_name_len, value_name = "BYTES")]
    max_name_len: usize,
    /// Longest tag, in bytes.
    #[arg(long, default_value_t = Limits::default().max_tag_len, value_name = "BYTES")]
    max_tag_len: usize,
    /// Most tags on one message.
    #[arg(long, default_value_t = Limits::default().max_tags, value_name = "N")]
    max_tags: usize,
    /// Reject messages over a limit instead of truncating them.
    #[arg(long)]
    reject_oversize: bool,
}

/// Decodes the input; exit 0 when every message decoded, 1 when some did not (each reported
/// on stderr with its line and column), 2 when the input could not be read.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (name, input) = read_input(args.file.as_ref())?;
    let limits = Limits {
        max_name_len: args.max_name_len,
        max_tag_len: args.max_tag_len,
        max_tags: args.max_tags,
        overflow: if args.reject_oversize {
            Overflow::Reject
        } else {
            Overflow::Truncate
        },
    };
    // The datagrams to decode, each with the input offset of its first byte.
    let mut errors = Vec::new();
    let mut datagrams = Vec::new();
    if args.framed {
        for frame in frame::frames(&input, args.buffer_size) {
            match frame {
                Ok((offset, payload)) => {
                    datagrams.push((offset as usize + frame::HEADER_LEN, payload));
                }
                Err(e) => errors.push(format!(" {e}")),
            }
        }
    } else {
        datagrams.push((0, &input[..]));
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let written = (|| -> io::Result<()> {
        for &(base, datagram) in &datagrams {
            for message in decode(datagram, &limits) {
                match message {
                    Ok(m) => {
                        serde_json::to_writer(&mut out, &m)?;
                        out.write_all(b"\n")?;
                    }
                    Err(e) => {
                        let (line, col) = line_col(&input, base + e.offset);
                        errors.push(format!("{line}:{col}: {e}"));
                    }
                }
            }
        }
        out.flush()
    })();
    match written {
        // A closed pipe (`herd decode | head`) is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other.context("cannot write to stdout")?,
    }
    for e in &errors {
        eprintln!("{name}:{e}");
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_input(file: Option<&PathBuf>) -> anyhow::Result<(String, Vec<u8>)> {
    let mut input = Vec::new();
    if let Some(path) = file.filter(|p| p.as_os_str() != "-") {
        input = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok((path.display().to_string(), input))
    } else {
        io::stdin()
            .lock()
            .read_to_end(&mut input)
            .context("cannot read stdin")?;
        Ok(("<stdin>".to_owned(), input))
    }
}

/// 1-based line and column (in bytes) of `offset` in `input`. Runs once per error only.
#[allow(clippy::naive_bytecount)]
fn line_col(input: &[u8], offset: usize) -> (usize, usize) {
    let before = &input[..offset.min(input.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}
