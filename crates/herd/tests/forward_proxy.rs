//! Forwarding through a proxy named by the Datadog Agent's `DD_PROXY_HTTP` (and the usual
//! `HTTP_PROXY`): every request reaches the stand-in intake through the proxy.

mod forward_peers;
mod support;

use forward_peers::{eventually, intake, intake_items, proxy, send, Herd};

fn through_proxy(var: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (record, seen) = (
        dir.path().join("intake.jsonl"),
        dir.path().join("proxy.log"),
    );
    let Some(dd) = intake(&record, 0) else { return };
    let px = proxy(&seen);
    let url = format!("http://{}", dd.addr);
    let proxy_url = format!("http://{}", px.addr);
    let herd = Herd::start(
        &[
            "--flush-interval",
            "1s",
            "--dd-api-key",
            "test-key",
            "--dd-url",
            &url,
        ],
        &[(var, &proxy_url)],
    );
    send(herd.udp, &["proxied.hits:4|c"]);
    eventually("the point arrives", || {
        intake_items(&record)
            .iter()
            .any(|i| i["metric"] == "proxied.hits")
    });
    let log = std::fs::read_to_string(&seen).unwrap_or_default();
    assert!(
        log.contains(&dd.addr.to_string()),
        "{var}: the proxy saw {log:?}; herd said {}",
        herd.stderr.lock().unwrap()
    );
}

#[test]
fn dd_proxy_http_carries_every_request() {
    through_proxy("DD_PROXY_HTTP");
}

#[test]
fn http_proxy_carries_every_request() {
    through_proxy("HTTP_PROXY");
}
