//! `herd demo`: the whole story on one machine. It starts `herd start --statsd` on the
//! example shop's Procfile (the daemon with its store and HTTP API, the shop's `web` and
//! `worker`), sends the shop a web load that rises step by step, prints the dashboard's
//! address at once, and runs until Ctrl-C or `--duration`. Then it stops the load, stops the
//! processes (SIGTERM: the shop sends what it buffered, the daemon flushes every open bucket),
//! checks that nothing it started is left, and compares the requests the load generator got
//! answers to with the request counter the store holds.
//!
//! It builds nothing: the shop's binary must sit next to herd's (same target directory).

mod load;

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// The example app's Procfile, `.env` and dashboard, written into the demo directory.
const PROCFILE: &str = include_str!("../../../../examples/shop/Procfile");
const DOTENV: &str = include_str!("../../../../examples/shop/.env");
const DASHBOARD: &str = include_str!("../../../../examples/shop/dashboard.json");
/// The example app's binary name.
const SHOP: &str = "shop";
/// Linux signal numbers (the demo stops its child with SIGTERM, and routes SIGINT/SIGTERM).
const SIGINT: i32 = 2;
const SIGKILL: i32 = 9;
const SIGTERM: i32 = 15;

/// Run the example shop under a rising web load, with the daemon, its store and dashboard.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Stop after this long (20s, 2m); the load's ramp spans it. Without it the ramp takes two
    /// minutes, then the top rate goes on until Ctrl-C.
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Port of the daemon's HTTP listener (dashboard and query API) on 127.0.0.1. The default
    /// falls back to a free port when 8127 is taken; 0 always picks a free one.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Where the demo keeps its store (`data/`), the processes' output and its Procfile.
    #[arg(long, value_name = "DIR", default_value = "herd-demo")]
    pub dir: PathBuf,
    /// Requests per second of the first step.
    #[arg(long, value_name = "RATE", default_value_t = 50)]
    pub start_rate: u32,
    /// Requests per second of the last step.
    #[arg(long, value_name = "RATE", default_value_t = 2000)]
    pub max_rate: u32,
    /// Steps of the ramp.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub steps: u32,
}

/// Runs `herd demo`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let duration = match &args.duration {
        Some(d) => Some(
            herd_server::config::kind::parse_duration(d)
                .filter(|d| !d.is_zero())
                .with_context(|| format!("--duration {d:?}: expected 20s, 2m, 1h"))?,
        ),
        None => None,
    };
    if args.start_rate == 0 || args.max_rate < args.start_rate || args.steps == 0 {
        bail!(
            "--start-rate {} --max-rate {} --steps {}: expected 0 < start ≤ max and steps ≥ 1",
            args.start_rate,
            args.max_rate,
            args.steps
        );
    }
    let ramp = load::Ramp {
        start: f64::from(args.start_rate),
        top: f64::from(args.max_rate),
        steps: args.steps,
        span: duration.unwrap_or(Duration::from_secs(120)),
    };
    let herd = std::env::current_exe().context("finding herd's own binary")?;
    let bin_dir = herd.parent().context("herd's binary has no directory")?;
    let shop = bin_dir.join(SHOP);
    if !shop.is_file() {
        let release = bin_dir.file_name().is_some_and(|n| n == "release");
        bail!(
            "the example app's binary is not at {}: build it first with `cargo build{} -p herd-example-shop` (herd demo builds nothing)",
            shop.display(),
            if release { " --release" } else { "" }
        );
    }
    let dir = prepare_dir(&args.dir)?;
    let data = dir.join("data");
    let log_path = dir.join("processes.log");

    let http = http_address(args.port)?;
    let udp = free_udp()?;
    let web = free_tcp()?;
    // Every point of this run carries `demo_run:<start in seconds>`, so that the count asks
    // for this run's requests only, whatever earlier runs left in the same directory.
    let run_tag = format!("demo_run:{}", herd_server::clock::now_ms() / 1000);
    let statsd_flags = format!(
        "--udp {udp} --http {http} --data-dir {} --hostname demo --tags {run_tag} --dashboard {}",
        data.display(),
        dir.join("shop.json").display()
    );
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut cmd = Command::new(&herd);
    cmd.arg("start")
        .arg("--procfile")
        .arg(dir.join("Procfile"))
        .arg("--root")
        .arg(&dir)
        .arg("--port")
        .arg(web.port().to_string())
        .arg(format!("--statsd={statsd_flags}"))
        .arg("--no-timestamp")
        .current_dir(&dir)
        .env("PATH", path_with(bin_dir))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // Its own process group, so that Ctrl-C reaches only the demo, which stops the load
    // first; and SIGTERM to it should the demo die, so that nothing outlives it.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    herd_procfile::sys::set_parent_death_signal(&mut cmd, herd_procfile::sys::getpid());
    let signals = herd_procfile::sys::route_signals(&[SIGINT, SIGTERM])
        .context("routing SIGINT and SIGTERM")?;
    let started_ms = herd_server::clock::now_ms() as i64;
    let mut child = cmd.spawn().context("starting herd start")?;

    println!("herd demo: the dashboard is at http://{http}/");
    println!("  the shop's  http://{http}/dashboards/shop?range=15m");
    println!("  query API   http://{http}/api/v1/query?query=sum:shop.requests{{*}}.as_count()&from=…&to=…");
    println!("  the shop    http://{web}/   (its web and worker processes under herd start)");
    println!("  store       {}", data.display());
    println!("  output      {}", log_path.display());
    println!(
        "  load        {} → {} requests/s in {} steps over {}; {}",
        args.start_rate,
        args.max_rate,
        args.steps,
        seconds(ramp.span),
        if duration.is_some() {
            "then it stops (Ctrl-C stops sooner)"
        } else {
            "then the top rate until Ctrl-C"
        }
    );
    let _ = std::io::stdout().flush();

    let outcome = wait_ready(&mut child, web, http, &log_path)
        .and_then(|()| drive(&mut child, &signals, web, ramp, duration, &log_path));
    // What the daemon dropped (UDP datagrams and messages), asked before it stops: a count
    // that differs has its reason here.
    let drops = dropped(http);
    // Whatever happened, stop the processes before saying anything else.
    let stopped = stop(&mut child);
    let tally = outcome?;
    let status = stopped?;
    let ended_ms = herd_server::clock::now_ms() as i64;
    let left = left_behind(&dir);

    let answered = tally.answered.load(Ordering::Relaxed);
    let failed = tally.failed.load(Ordering::Relaxed);
    let counted = count_requests(&data, &run_tag, started_ms - 60_000, ended_ms + 60_000)?;
    println!("herd demo: stopped; herd start exited with {status}");
    println!("  load generator  {}", tally.summary());
    println!(
        "  store           shop.requests total {counted} ({})",
        if counted == answered {
            "equal to the answered requests"
        } else if failed > 0 {
            "differs: requests failed midway, which the app may have counted"
        } else {
            "DIFFERS from the answered requests"
        }
    );
    if let Some(drops) = drops {
        println!("  daemon          {drops} datagrams or messages dropped");
    }
    println!("  data            {}", data.display());
    println!("  look again      herd query --data-dir {} 'sum:shop.requests{{*}} by {{status}}.as_count()' --from -1h", data.display());
    println!("                  herd statsd --data-dir {} --udp off   (the dashboard at http://127.0.0.1:8127/)", data.display());
    if !left.is_empty() {
        println!("  left running    {left:?}");
    }
    let ok = status.success() && counted == answered && failed == 0 && left.is_empty();
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Creates the demo directory (absolute, no whitespace: it goes into `--statsd` flags) and
/// writes the shop's Procfile and `.env` into it.
fn prepare_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))?;
    if dir.to_string_lossy().chars().any(char::is_whitespace) {
        bail!(
            "--dir {}: a path without spaces, please (it is passed in --statsd flags)",
            dir.display()
        );
    }
    for (name, text) in [
        ("Procfile", PROCFILE),
        (".env", DOTENV),
        ("shop.json", DASHBOARD),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(dir)
}

/// 127.0.0.1 and the asked port; the default 8127, or a free port when 8127 is taken.
fn http_address(port: Option<u16>) -> anyhow::Result<SocketAddr> {
    let want = port.unwrap_or(8127);
    match TcpListener::bind(("127.0.0.1", want)) {
        Ok(l) => Ok(l.local_addr()?),
        Err(_) if port.is_none() => free_tcp(),
        Err(e) => Err(e).with_context(|| format!("--port {want}: 127.0.0.1:{want} is taken")),
    }
}

/// A loopback TCP port nobody holds now.
fn free_tcp() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// A loopback UDP port nobody holds now.
fn free_udp() -> anyhow::Result<SocketAddr> {
    Ok(UdpSocket::bind("127.0.0.1:0")?.local_addr()?)
}

/// `PATH` with `dir` first, so the Procfile's `shop` is the one built beside herd.
fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(old) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&old));
    }
    std::env::join_paths(paths).unwrap_or_else(|_| dir.as_os_str().to_owned())
}

/// Waits until the shop and the daemon accept connections (a connect sends no request, so
/// the shop counts nothing), up to 60 s, as a Heroku web dyno must.
fn wait_ready(
    child: &mut Child,
    web: SocketAddr,
    http: SocketAddr,
    log: &Path,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let up = |a| TcpStream::connect_timeout(&a, Duration::from_millis(200)).is_ok();
        if up(web) && up(http) {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("herd start exited early ({status}):\n{}", tail(log));
        }
        if Instant::now() > deadline {
            bail!(
                "the shop ({web}) or the daemon ({http}) did not listen within 60 s:\n{}",
                tail(log)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the load until the duration ends, a signal comes, or herd start exits; prints each
/// step as it begins.
fn drive(
    child: &mut Child,
    signals: &std::fs::File,
    web: SocketAddr,
    ramp: load::Ramp,
    duration: Option<Duration>,
    log: &Path,
) -> anyhow::Result<load::Tally> {
    use std::os::fd::AsRawFd as _;
    let tally = load::Tally::default();
    let stop = AtomicBool::new(false);
    let threads = (ramp.top / 100.0).ceil().clamp(2.0, 32.0) as usize;
    let started = Instant::now();
    let mut failure = None;
    std::thread::scope(|s| {
        s.spawn(|| load::run(web, ramp, threads, &stop, &tally));
        let mut step = None;
        let mut ready = Vec::new();
        loop {
            let elapsed = started.elapsed();
            let now = ramp.step_at(elapsed);
            if step != Some(now) {
                step = Some(now);
                println!(
                    "  {:>6}  step {}/{}: {:.0} requests/s ({} answered so far)",
                    seconds(elapsed),
                    now + 1,
                    ramp.steps,
                    ramp.rate_of_step(now),
                    tally.answered.load(Ordering::Relaxed)
                );
                let _ = std::io::stdout().flush();
            }
            if duration.is_some_and(|d| elapsed >= d) {
                break;
            }
            let _ = herd_procfile::sys::poll_readable(&[signals.as_raw_fd()], 200, &mut ready);
            if ready.first().copied().unwrap_or(false) {
                println!("  {:>6}  interrupted: stopping", seconds(started.elapsed()));
                break;
            }
            match child.try_wait() {
                Ok(Some(status)) => {
                    failure = Some(format!(
                        "herd start exited during the demo ({status}):\n{}",
                        tail(log)
                    ));
                    break;
                }
                Ok(None) => {}
                Err(e) => {
                    failure = Some(format!("watching herd start: {e}"));
                    break;
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    match failure {
        Some(f) => bail!("{f}"),
        None => Ok(tally),
    }
}

/// SIGTERM to herd start (which stops the shop, then the daemon with its last flush); SIGKILL
/// to its group after 30 s, as Heroku does.
fn stop(child: &mut Child) -> anyhow::Result<std::process::ExitStatus> {
    let pid = child.id() as i32;
    if let Some(status) = child.try_wait()? {
        return Ok(status);
    }
    herd_procfile::sys::kill_pid(pid, SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            herd_procfile::sys::kill_group(pid, SIGKILL);
            return Ok(child.wait()?);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Processes still running in the demo directory (the shop's working directory) or naming its
/// Procfile (herd start's arguments): none, after a clean stop.
fn left_behind(dir: &Path) -> Vec<i32> {
    let me = std::process::id();
    let needle = dir.join("Procfile").to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<i32> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            let base = PathBuf::from(format!("/proc/{pid}"));
            let in_dir = std::fs::read_link(base.join("cwd")).is_ok_and(|c| c == dir);
            let names = std::fs::read(base.join("cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle));
            let zombie = std::fs::read_to_string(base.join("stat")).is_ok_and(|s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            });
            (in_dir || names) && !zombie
        })
        .map(|pid| pid as i32)
        .collect();
    pids.sort_unstable();
    pids
}

/// The daemon's drop counters (`herd_dogstatsd_*_dropped_total` from `/metrics`), summed.
fn dropped(http: SocketAddr) -> Option<u64> {
    use std::io::Read as _;
    let mut conn = TcpStream::connect_timeout(&http, Duration::from_secs(2)).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: herd\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut text = String::new();
    conn.read_to_string(&mut text).ok()?;
    let total: f64 = text
        .lines()
        .filter(|l| {
            l.starts_with("herd_dogstatsd_datagrams_dropped_total")
                || l.starts_with("herd_dogstatsd_messages_dropped_total")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    Some(total as u64)
}

/// The request counter's total in the store for one run's tag, between two times (Unix ms).
fn count_requests(data: &Path, run_tag: &str, from_ms: i64, to_ms: i64) -> anyhow::Result<u64> {
    let store = super::query::herd_tsdb_open(&data.to_path_buf())?;
    let source = herd_server::store::StoreSource(&store);
    let query = format!("sum:shop.requests{{{run_tag}}}.as_count()");
    let answer = herd_query::evaluate(&source, &query, from_ms, to_ms)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let total: f64 = answer
        .series
        .iter()
        .flat_map(|s| s.pointlist.iter().filter_map(|&(_, v)| v))
        .sum();
    Ok(total.round() as u64)
}

/// The last lines of the processes' output, for an error.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
