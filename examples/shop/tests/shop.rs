//! The shop's binary against a real UDP socket standing in for the daemon: every request
//! it answers is counted, timed and tagged in DogStatsD lines; it announces itself with an
//! event and a service check; and on SIGTERM it says it is stopping and sends what it
//! buffered before exiting 0.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(port: u16, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut conn = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(c) => break c,
            Err(e) if Instant::now() > deadline => panic!("shop never listened: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn every_answered_request_is_counted_timed_and_tagged_and_sigterm_sends_the_rest() {
    let statsd = UdpSocket::bind("127.0.0.1:0").unwrap();
    statsd
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("web")
        .env("PORT", port.to_string())
        .env("DD_AGENT_HOST", "127.0.0.1")
        .env(
            "DD_DOGSTATSD_PORT",
            statsd.local_addr().unwrap().port().to_string(),
        )
        .env("DD_SERVICE", "shop")
        .env("DD_ENV", "test")
        .env_remove("DYNO")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    assert!(get(port, "/products/3?user=7").starts_with("HTTP/1.1 200"));
    assert!(get(port, "/products/99?user=8").starts_with("HTTP/1.1 404"));
    assert!(get(port, "/products?user=7").starts_with("HTTP/1.1 200"));
    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(child.wait().unwrap().success());

    let mut lines = Vec::new();
    let mut buf = vec![0u8; 65536];
    while let Ok(n) = statsd.recv(&mut buf) {
        lines.extend(
            String::from_utf8_lossy(&buf[..n])
                .lines()
                .map(str::to_owned),
        );
    }
    let all = lines.join("\n");
    let count = |prefix: &str| lines.iter().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("shop.requests:1|c|"), 3, "{all}");
    assert!(
        all.contains(
            "shop.requests:1|c|#service:shop,env:test,method:GET,route:/products/{id},status:404"
        ),
        "{all}"
    );
    assert_eq!(count("shop.request.latency:"), 3, "{all}");
    assert!(lines
        .iter()
        .any(|l| l.starts_with("shop.request.duration:") && l.contains("|d|")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("shop.requests.in_flight:1|g")));
    assert_eq!(count("shop.users:7|s"), 2, "{all}");
    assert!(all.contains("_e{12,"), "{all}");
    assert!(all.contains("_sc|shop.can_serve|0|"), "{all}");
    // Sent at SIGTERM, after the last request.
    assert!(
        lines.last().unwrap().starts_with("_sc|shop.can_serve|1|"),
        "{all}"
    );
}

#[test]
fn a_bad_setting_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("web")
        .env("PORT", "eighty")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PORT=\"eighty\""), "{stderr}");
}
