//! What the daemon keeps when it could keep it: flow control on Unix sockets, shutdown with a
//! blocked reader, plain-text Unix stream clients, one owner per UDP port, one point per
//! series and timestamp.

mod common;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use herd_server::config::{Overload, ServerConfig};
use herd_server::start;
use herd_server::telemetry::Listener;

use common::Capture;

/// The test defaults, UDP off.
fn config() -> ServerConfig {
    let mut cfg = ServerConfig::for_tests();
    cfg.udp = None;
    cfg
}

const TIMEOUT: Duration = Duration::from_secs(10);

/// 40 counters per datagram, over 1,000 contexts.
fn datagram(i: u64) -> String {
    let mut d = String::new();
    for j in 0..40 {
        let _ = writeln!(d, "flow.m{}:1|c|#k:{}", (i * 40 + j) % 1000, j % 5);
    }
    d
}

#[test]
fn a_blocking_sender_over_a_unix_datagram_socket_loses_nothing_in_block_mode() {
    let dir = tempfile::tempdir().unwrap();
    let uds = dir.path().join("flow.sock");
    // One worker with a one-batch queue: far slower than the sender, so the queue is full
    // most of the time and the reader has to wait.
    let mut cfg = config();
    cfg.uds = Some(uds.clone());
    cfg.queue_size = 1;
    cfg.workers = 1;
    let running = start(&cfg, vec![]).unwrap();
    let client = UnixDatagram::unbound().unwrap();
    let datagrams = 20_000u64;
    for i in 0..datagrams {
        client.send_to(datagram(i).as_bytes(), &uds).unwrap();
    }
    let t = running.telemetry.clone();
    running.shutdown(TIMEOUT).unwrap();
    let c = t.listener(Listener::Uds);
    assert_eq!(c.datagrams.load(Relaxed), datagrams);
    assert_eq!(c.queue_full.load(Relaxed), 0, "block mode drops nothing");
    assert_eq!(c.decoded.load(Relaxed), datagrams);
    assert_eq!(
        t.aggregated.load(Relaxed),
        datagrams * 40,
        "sent = aggregated"
    );
}

#[test]
fn drop_mode_keeps_todays_counted_drop() {
    let dir = tempfile::tempdir().unwrap();
    let uds = dir.path().join("drop.sock");
    let mut cfg = config();
    cfg.uds = Some(uds.clone());
    cfg.queue_size = 1;
    cfg.workers = 1;
    cfg.overload = Overload::Drop;
    let running = start(&cfg, vec![]).unwrap();
    let client = UnixDatagram::unbound().unwrap();
    for i in 0..5_000 {
        client.send_to(datagram(i).as_bytes(), &uds).unwrap();
    }
    let t = running.telemetry.clone();
    running.shutdown(TIMEOUT).unwrap();
    let c = t.listener(Listener::Uds);
    assert_eq!(c.datagrams.load(Relaxed), 5_000);
    assert_eq!(
        c.decoded.load(Relaxed) + c.queue_full.load(Relaxed),
        5_000,
        "every datagram decoded or counted as dropped"
    );
    assert_eq!(t.aggregated.load(Relaxed), c.decoded.load(Relaxed) * 40);
}

#[test]
fn shutdown_finishes_in_time_while_a_sender_keeps_a_reader_busy() {
    let dir = tempfile::tempdir().unwrap();
    let uds = dir.path().join("busy.sock");
    let mut cfg = config();
    cfg.uds = Some(uds.clone());
    cfg.queue_size = 1;
    cfg.workers = 1;
    let running = start(&cfg, vec![]).unwrap();
    let path = uds.clone();
    // A blocking sender that never stops on its own: it ends when the socket goes away.
    let sender = std::thread::spawn(move || {
        let client = UnixDatagram::unbound().unwrap();
        let d = datagram(0);
        let mut sent = 0u64;
        while client.send_to(d.as_bytes(), &path).is_ok() {
            sent += 1;
        }
        sent
    });
    std::thread::sleep(Duration::from_millis(300));
    let t = running.telemetry.clone();
    let started = Instant::now();
    running.shutdown(Duration::from_secs(5)).unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    let sent = sender.join().unwrap();
    let c = t.listener(Listener::Uds);
    assert!(sent > 0 && c.datagrams.load(Relaxed) > 0);
    assert_eq!(c.queue_full.load(Relaxed), 0);
    assert_eq!(c.decoded.load(Relaxed), c.datagrams.load(Relaxed));
}

#[test]
fn a_unix_stream_client_sending_plain_lines_is_read_as_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream.sock");
    let mut cfg = config();
    cfg.uds_stream = Some(path.clone());
    let capture = Capture::default();
    let running = start(&cfg, vec![Box::new(capture.clone())]).unwrap();
    // As the `statsd` package's UnixSocketStatsClient sends: newline-separated, no frames.
    let mut s = UnixStream::connect(&path).unwrap();
    s.write_all(b"uxs.requests:2|c\nuxs.temp:21|g\n").unwrap();
    drop(s);
    // And a DogStatsD client on the same socket: length-prefixed frames.
    let mut s = UnixStream::connect(&path).unwrap();
    let payload = b"uxs.framed:3|c";
    s.write_all(&(payload.len() as u32).to_le_bytes()).unwrap();
    s.write_all(payload).unwrap();
    drop(s);
    std::thread::sleep(Duration::from_millis(300));
    let t = running.telemetry.clone();
    running.shutdown(TIMEOUT).unwrap();
    let mut names: Vec<String> = capture
        .0
        .lock()
        .unwrap()
        .iter()
        .flat_map(|f| f.points.iter())
        .map(herd_aggregate::Point::name)
        .filter(|n| n.starts_with("uxs."))
        .collect();
    names.sort();
    assert_eq!(names, ["uxs.framed", "uxs.requests", "uxs.temp"]);
    let c = t.listener(Listener::UdsStream);
    assert_eq!(c.truncated.load(Relaxed), 0);
}

#[test]
fn a_second_daemon_with_several_udp_readers_cannot_share_the_port() {
    let mut cfg = ServerConfig::for_tests();
    cfg.udp_readers = 2;
    let first = start(&cfg, vec![]).unwrap();
    let addr = first.bound.udp.unwrap();
    cfg.udp = Some(addr);
    let second = start(&cfg, vec![]);
    let err = second.err().expect("the port is taken").to_string();
    assert!(
        err.contains(&format!("cannot listen on UDP {addr}")),
        "{err}"
    );
    assert!(err.contains("in use"), "{err}");
    first.shutdown(TIMEOUT).unwrap();
}

#[test]
fn the_last_flush_gives_each_series_one_point_per_timestamp() {
    let mut cfg = ServerConfig::for_tests();
    cfg.aggregate.interval_ms = 200;
    let capture = Capture::default();
    let running = start(&cfg, vec![Box::new(capture.clone())]).unwrap();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.send_to(b"seen:1|c", running.bound.udp.unwrap())
        .unwrap();
    // At least one flush at a boundary, then a stop inside the next bucket.
    std::thread::sleep(Duration::from_millis(450));
    running.shutdown(TIMEOUT).unwrap();
    let flushes = capture.0.lock().unwrap();
    assert!(flushes.len() >= 2, "a boundary flush and the last one");
    let mut seen = HashSet::new();
    for p in flushes.iter().flat_map(|f| f.points.iter()) {
        let key = (
            p.name(),
            p.context.tags().collect::<Vec<_>>(),
            p.timestamp_ms,
        );
        assert!(seen.insert(key.clone()), "two points for {key:?}");
    }
    let datagrams: f64 = flushes
        .iter()
        .flat_map(|f| f.points.iter())
        .filter(|p| p.name() == "herd.dogstatsd.datagrams")
        .filter_map(herd_aggregate::Point::scalar)
        .map(|rate| rate * 0.2)
        .sum();
    assert!(
        (datagrams - 1.0).abs() < 1e-9,
        "the datagram counted once: {datagrams}"
    );
}
