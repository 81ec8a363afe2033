//! The daemon end to end on real sockets: every listener, shutdown without loss, accounting.

mod common;

use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::net::{TcpStream, UdpSocket};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use herd_server::config::ServerConfig;
use herd_server::start;
use herd_server::telemetry::Listener;

use common::Capture;

const TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn every_listener_delivers_and_shutdown_flushes_open_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let uds = dir.path().join("dsd.sock");
    let stream = dir.path().join("dsd-stream.sock");
    let mut cfg = ServerConfig::for_tests();
    cfg.uds = Some(uds.clone());
    cfg.uds_stream = Some(stream.clone());
    cfg.tcp = Some("127.0.0.1:0".parse().unwrap());
    let capture = Capture::default();
    let running = start(&cfg, vec![Box::new(capture.clone())]).unwrap();
    let bound = running.bound.clone();

    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.send_to(b"via.udp:1|c\nvia.udp:2|c", bound.udp.unwrap())
        .unwrap();
    UnixDatagram::unbound()
        .unwrap()
        .send_to(b"via.uds:5|g", &uds)
        .unwrap();
    let mut s = UnixStream::connect(&stream).unwrap();
    for payload in [&b"via.stream:1|c"[..], b"via.stream:1|c\nvia.stream:1|c"] {
        let mut frame = Vec::new();
        herd_dogstatsd::frame::encode_frame(payload, &mut frame);
        s.write_all(&frame).unwrap();
    }
    drop(s);
    let mut t = TcpStream::connect(bound.tcp.unwrap()).unwrap();
    t.write_all(b"via.tcp:7|g\nvia.tcp:9").unwrap();
    t.write_all(b"|g").unwrap(); // the last line has no newline: still taken at EOF
    drop(t);
    // Every send has returned; the daemon reads what the kernel holds before it stops.
    wait_for(|| running.telemetry.messages_ok[0].load(Relaxed) >= 7);
    running.shutdown(TIMEOUT).unwrap();

    assert_eq!(
        capture.points(),
        [
            ("via.stream".to_owned(), 0.3),
            ("via.tcp".to_owned(), 9.0),
            ("via.udp".to_owned(), 0.3),
            ("via.uds".to_owned(), 5.0),
        ]
    );
    assert!(
        !uds.exists() && !stream.exists(),
        "socket files removed at exit"
    );
}

/// Waits (bounded) for a condition the test cannot otherwise synchronise on: the daemon's
/// threads reading from sockets whose send already returned.
fn wait_for(cond: impl Fn() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("condition not met in 5 s");
}

#[test]
fn shutdown_reads_what_the_kernel_still_holds() {
    let cfg = ServerConfig::for_tests();
    let capture = Capture::default();
    let running = start(&cfg, vec![Box::new(capture.clone())]).unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..100 {
        udp.send_to(b"burst:1|c", running.bound.udp.unwrap())
            .unwrap();
    }
    // No wait: whatever is still in the socket buffer at shutdown is drained, not lost.
    running.shutdown(TIMEOUT).unwrap();
    assert_eq!(capture.points(), [("burst".to_owned(), 10.0)]);
}

#[test]
fn a_datagram_larger_than_the_buffer_is_counted_as_truncated_not_misparsed() {
    let dir = tempfile::tempdir().unwrap();
    let uds = dir.path().join("small.sock");
    let mut cfg = ServerConfig::for_tests();
    cfg.uds = Some(uds.clone());
    cfg.buffer_size = 64;
    cfg.udp = None;
    let capture = Capture::default();
    let running = start(&cfg, vec![Box::new(capture.clone())]).unwrap();
    let client = UnixDatagram::unbound().unwrap();
    let long = format!("long.name:1|c|#{}", "t".repeat(80));
    client.send_to(long.as_bytes(), &uds).unwrap();
    client.send_to(b"ok:1|c", &uds).unwrap();
    let t = running.telemetry.clone();
    wait_for(|| t.listener(Listener::Uds).datagrams.load(Relaxed) == 2);
    running.shutdown(TIMEOUT).unwrap();
    let c = t.listener(Listener::Uds);
    assert_eq!(c.truncated.load(Relaxed), 1);
    assert_eq!(c.decoded.load(Relaxed), 1);
    assert_eq!(capture.points(), [("ok".to_owned(), 0.1)]);
}

#[test]
fn overload_keeps_the_accounting_exact() {
    let dir = tempfile::tempdir().unwrap();
    let uds = dir.path().join("load.sock");
    let mut cfg = ServerConfig::for_tests();
    cfg.uds = Some(uds.clone());
    cfg.udp = None;
    cfg.queue_size = 1;
    cfg.workers = 1;
    cfg.aggregate.context_limit = 50;
    let running = start(&cfg, vec![]).unwrap();
    let client = UnixDatagram::unbound().unwrap();
    let mut sent_messages = 0u64;
    for i in 0..3000 {
        let mut d = String::new();
        for j in 0..40 {
            let _ = writeln!(d, "load.m{}:1|c|#k:{}", (i * 40 + j) % 100, j % 3);
        }
        d.push_str("bad line\n");
        sent_messages += 41;
        client.send_to(d.as_bytes(), &uds).unwrap();
    }
    let t = running.telemetry.clone();
    running.shutdown(TIMEOUT).unwrap();
    let c = t.listener(Listener::Uds);
    let received = c.datagrams.load(Relaxed);
    let (decoded, full, trunc) = (
        c.decoded.load(Relaxed),
        c.queue_full.load(Relaxed),
        c.truncated.load(Relaxed),
    );
    assert_eq!(received, 3000, "UDS never drops in the kernel");
    assert_eq!(received, decoded + full + trunc);
    let ok = t.messages_ok[0].load(Relaxed);
    let errors = t.messages_error[0].load(Relaxed);
    assert_eq!(ok + errors, decoded * 41);
    assert_eq!(
        ok,
        t.aggregated.load(Relaxed) + t.context_limit.load(Relaxed)
    );
    assert!(
        t.context_limit.load(Relaxed) > 0,
        "the context limit was reached"
    );
    assert!(sent_messages >= ok + errors);
}

#[test]
fn metrics_endpoint_serves_prometheus_text() {
    let mut cfg = ServerConfig::for_tests();
    cfg.http = Some("127.0.0.1:0".parse().unwrap());
    let running = start(&cfg, vec![]).unwrap();
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .send_to(b"x:1|c\nnope", running.bound.udp.unwrap())
        .unwrap();
    let t = running.telemetry.clone();
    wait_for(|| t.messages_error[0].load(Relaxed) == 1);
    let mut conn = TcpStream::connect(running.bound.http.unwrap()).unwrap();
    conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    conn.read_to_string(&mut body).unwrap();
    running.shutdown(TIMEOUT).unwrap();
    assert!(body.starts_with("HTTP/1.1 200 OK"));
    assert!(
        body.contains("herd_dogstatsd_datagrams_total{listener=\"udp\"} 1\n"),
        "{body}"
    );
    assert!(body.contains("herd_dogstatsd_messages_total{type=\"metric\",state=\"error\"} 1\n"));
}

#[test]
fn a_stale_socket_is_replaced_but_a_regular_file_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stale.sock");
    drop(UnixDatagram::bind(&path).unwrap());
    let mut cfg = ServerConfig::for_tests();
    cfg.uds = Some(path.clone());
    cfg.udp = None;
    start(&cfg, vec![]).unwrap().shutdown(TIMEOUT).unwrap();
    std::fs::write(&path, "precious").unwrap();
    let err = start(&cfg, vec![]).err().unwrap().to_string();
    assert!(err.contains("exists and is not a socket"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
}
