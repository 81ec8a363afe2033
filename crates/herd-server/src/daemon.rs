//! Starting and stopping the daemon: bind every listener (an error names which), start the
//! threads, and on stop shut them down in data-path order so that nothing accepted is lost.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use socket2::SockRef;

use crate::batch::{Dispatch, Pool};
use crate::config::ServerConfig;
use crate::flush::Flusher;
use crate::listener::{datagram, remove_stale_socket, stream, Shared};
use crate::log::RateLimited;
use crate::sink::Sink;
use crate::telemetry::{Listener, Telemetry};
use crate::worker::{Shards, Worker};

/// A listener that could not be set up. The OS error is said once, in the message (it is not
/// also the error's source, which would print it a second time in a chain), with a hint
/// where one helps.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot listen on {what} {address}: {cause}{}",
    hint(what, address, cause)
)]
pub struct BindError {
    /// Which listener.
    pub what: &'static str,
    /// The address or path.
    pub address: String,
    /// Why.
    pub cause: io::Error,
}

/// Who else may hold a port that is in use, and how to find out.
fn hint(what: &str, address: &str, cause: &io::Error) -> String {
    if cause.kind() != io::ErrorKind::AddrInUse {
        return String::new();
    }
    let port = address.rsplit_once(':').map_or("8125", |(_, p)| p);
    match what {
        "UDP" => format!(
            " (another DogStatsD server, such as the Datadog Agent or a second herd, may own \
             the port: `ss -ulpn 'sport = :{port}'` shows which process)"
        ),
        _ => format!(" (`ss -tlpn 'sport = :{port}'` shows which process owns the port)"),
    }
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A listener could not be set up.
    #[error(transparent)]
    Bind(#[from] BindError),
    /// The store could not be opened (it names the file or directory).
    #[error("cannot open the store: {0}")]
    Store(#[from] herd_tsdb::Error),
}

/// The addresses actually bound (port 0 resolved).
#[derive(Debug, Clone, Default)]
pub struct Bound {
    /// UDP.
    pub udp: Option<SocketAddr>,
    /// Unix datagram socket.
    pub uds: Option<PathBuf>,
    /// Unix stream socket.
    pub uds_stream: Option<PathBuf>,
    /// TCP.
    pub tcp: Option<SocketAddr>,
    /// HTTP.
    pub http: Option<SocketAddr>,
    /// Receive buffer the kernel granted the UDP sockets, in bytes.
    pub udp_rcvbuf: Option<usize>,
    /// Receive buffer the kernel granted the Unix datagram socket, in bytes.
    pub uds_rcvbuf: Option<usize>,
}

/// A running daemon.
pub struct Running {
    /// Where it listens.
    pub bound: Bound,
    /// Its counters.
    pub telemetry: Arc<Telemetry>,
    /// The store, when it has one.
    pub store: Option<Arc<herd_tsdb::Store>>,
    stop: Arc<AtomicBool>,
    shared: Option<Shared>,
    listeners: Vec<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
    flusher: Option<(Sender<()>, JoinHandle<()>)>,
    socket_files: Vec<PathBuf>,
}

fn bind_err(
    what: &'static str,
    address: impl std::fmt::Display,
) -> impl FnOnce(io::Error) -> BindError {
    let address = address.to_string();
    move |cause| BindError {
        what,
        address,
        cause,
    }
}

/// Warns once when the kernel granted far less receive buffer than asked (it caps requests at
/// `net.core.rmem_max`): small datagrams take about 1 KiB of buffer each, so a short burst
/// then overflows it.
fn check_rcvbuf(what: &str, asked: usize, granted: Option<usize>) {
    let Some(granted) = granted else { return };
    if asked > 0 && granted < asked / 2 {
        crate::log::warn(&format!(
            "{what} receive buffer: asked for {} KiB, the kernel granted {} KiB \
             (net.core.rmem_max caps it); bursts may be dropped by the kernel (counted): \
             raise it with `sysctl -w net.core.rmem_max={asked}`",
            asked / 1024,
            granted / 1024
        ));
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .expect("spawn a thread")
}

/// Opens the store (when configured), binds every configured listener and starts the
/// pipeline; `sinks` take each flush after the store.
pub fn start(config: &ServerConfig, sinks: Vec<Box<dyn Sink>>) -> Result<Running, StartError> {
    crate::sys::tune_allocator();
    let telemetry = Arc::new(Telemetry::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut bound = Bound::default();

    // Bind everything first, so a bad address fails before any thread starts.
    let udp = match config.udp {
        Some(addr) => {
            let sockets = datagram::bind_udp(addr, config.udp_readers, config.so_rcvbuf)
                .map_err(bind_err("UDP", addr))?;
            bound.udp = sockets[0].local_addr().ok();
            bound.udp_rcvbuf = datagram::granted_rcvbuf(&SockRef::from(&sockets[0])).ok();
            check_rcvbuf("UDP", config.so_rcvbuf, bound.udp_rcvbuf);
            sockets
        }
        None => Vec::new(),
    };
    let mut socket_files = Vec::new();
    let uds = match &config.uds {
        Some(path) => {
            let s = datagram::bind_unixgram(path, config.socket_mode, config.so_rcvbuf)
                .map_err(bind_err("Unix datagram socket", path.display()))?;
            socket_files.push(path.clone());
            bound.uds = Some(path.clone());
            bound.uds_rcvbuf = datagram::granted_rcvbuf(&SockRef::from(&s)).ok();
            check_rcvbuf("Unix datagram", config.so_rcvbuf, bound.uds_rcvbuf);
            Some(s)
        }
        None => None,
    };
    let uds_stream = match &config.uds_stream {
        Some(path) => {
            let err = bind_err("Unix stream socket", path.display());
            let l = remove_stale_socket(path)
                .and_then(|()| UnixListener::bind(path))
                .map_err(err)?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(config.socket_mode))
                .map_err(bind_err("Unix stream socket", path.display()))?;
            socket_files.push(path.clone());
            bound.uds_stream = Some(path.clone());
            Some(l)
        }
        None => None,
    };
    let tcp = match config.tcp {
        Some(addr) => {
            let l = TcpListener::bind(addr).map_err(bind_err("TCP", addr))?;
            bound.tcp = l.local_addr().ok();
            Some(l)
        }
        None => None,
    };
    let http = match config.http {
        Some(addr) => {
            let l = TcpListener::bind(addr).map_err(bind_err("HTTP", addr))?;
            bound.http = l.local_addr().ok();
            Some(l)
        }
        None => None,
    };

    // The store, once every address is ours (a port in use fails before a directory is made).
    let store = match &config.store {
        Some(s) => Some(Arc::new(herd_tsdb::Store::open(&s.dir, s.options.clone())?)),
        None => None,
    };
    if let Some(store) = &store {
        for damage in store.warnings() {
            crate::log::warn(&format!("store: skipped damage: {damage}"));
        }
    }
    if let (Some(store), Some(file)) = (&store, &config.dashboard) {
        crate::http::dashboard::preload(store, file);
    }
    let mut sinks = sinks;
    if let Some(store) = &store {
        sinks.insert(
            0,
            Box::new(crate::store::StoreSink::new(
                store.clone(),
                telemetry.clone(),
            )),
        );
    }
    // The /metrics/app page and the forwarders take each flush after the others.
    if config.http.is_some() {
        sinks.push(Box::new(crate::forward::exposition::ExpositionSink(
            telemetry.clone(),
        )));
    }
    sinks.extend(crate::forward::sinks(&config.forward, &telemetry));

    // Workers and their queues.
    let shards = Arc::new(Shards::new(config.workers, &config.aggregate));
    // Spare buffers kept for reuse: enough for steady traffic (a batch in each worker and
    // one being filled per reader), not the queues' worth a burst leaves behind — each is
    // up to 256 KiB of resident memory once written.
    let pool = Arc::new(Pool::new(2 * config.workers + 16));
    let errors_log = Arc::new(RateLimited::new(10, Duration::from_secs(10)));
    let mut senders = Vec::new();
    let mut workers = Vec::new();
    for i in 0..config.workers {
        let (tx, rx) = mpsc::sync_channel(config.queue_size);
        senders.push(tx);
        let worker = Worker {
            queue: rx,
            shards: shards.clone(),
            telemetry: telemetry.clone(),
            pool: pool.clone(),
            limits: config.limits,
            errors_log: errors_log.clone(),
        };
        workers.push(spawn(&format!("herd-worker-{i}"), move || worker.run()));
    }
    let shared = Shared {
        telemetry: telemetry.clone(),
        dispatch: Arc::new(Dispatch::new(senders)),
        pool,
        stop: stop.clone(),
        buffer_size: config.buffer_size,
        overload: config.overload,
    };

    // Listeners.
    let mut listeners = Vec::new();
    for (i, socket) in udp.into_iter().enumerate() {
        let s = shared.clone();
        listeners.push(spawn(&format!("herd-udp-{i}"), move || {
            datagram::run(socket.as_raw_fd(), Listener::Udp, &s);
        }));
    }
    if let Some(socket) = uds {
        let s = shared.clone();
        listeners.push(spawn("herd-uds", move || {
            datagram::run(socket.as_raw_fd(), Listener::Uds, &s);
        }));
    }
    if let Some(l) = uds_stream {
        let s = shared.clone();
        listeners.push(spawn("herd-uds-stream", move || {
            stream::accept_unix(&l, &s);
        }));
    }
    if let Some(l) = tcp {
        let s = shared.clone();
        listeners.push(spawn("herd-tcp", move || stream::accept_tcp(&l, &s)));
    }
    if let Some(l) = http {
        let state = crate::http::State {
            telemetry: telemetry.clone(),
            store: store.clone(),
        };
        let token = config
            .http_token
            .as_deref()
            .and_then(crate::http::Token::new);
        let router = crate::http::router(state, token);
        let st = stop.clone();
        listeners.push(spawn("herd-http", move || {
            crate::http::serve(l, &router, &st);
        }));
    }

    // Flush.
    let flusher = Flusher {
        shards,
        sinks,
        telemetry: telemetry.clone(),
        interval_ms: config.aggregate.interval_ms,
        hostname: config.aggregate.hostname.clone(),
        last: Vec::new(),
    };
    let (flush_tx, flush_rx) = mpsc::channel();
    let flush_thread = spawn("herd-flush", move || flusher.run(&flush_rx));

    Ok(Running {
        bound,
        telemetry,
        store,
        stop,
        shared: Some(shared),
        listeners,
        workers,
        flusher: Some((flush_tx, flush_thread)),
        socket_files,
    })
}

impl Running {
    /// Stops in data-path order: listeners stop reading (after draining what the kernel
    /// holds), workers drain their queues, the last flush takes every bucket, open ones
    /// included, and sinks close. `Err` when that took longer than `timeout`.
    pub fn shutdown(mut self, timeout: Duration) -> Result<(), Duration> {
        let (done_tx, done_rx) = mpsc::channel();
        let stop = self.stop.clone();
        stop.store(true, Relaxed);
        let listeners = std::mem::take(&mut self.listeners);
        let workers = std::mem::take(&mut self.workers);
        let shared = self.shared.take();
        let flusher = self.flusher.take();
        let files = std::mem::take(&mut self.socket_files);
        spawn("herd-shutdown", move || {
            for l in listeners {
                let _ = l.join();
            }
            drop(shared);
            for w in workers {
                let _ = w.join();
            }
            if let Some((tx, handle)) = flusher {
                let _ = tx.send(());
                let _ = handle.join();
            }
            for f in files {
                let _ = std::fs::remove_file(f);
            }
            let _ = done_tx.send(());
        });
        done_rx.recv_timeout(timeout).map_err(|_| timeout)
    }
}
