//! The app's DogStatsD client: `cadence` over a buffered UDP sink aimed at
//! `DD_AGENT_HOST:DD_DOGSTATSD_PORT`, with the Datadog unified service tags. cadence writes
//! metrics; events and service checks, which it does not model, are written here in the
//! DogStatsD format and sent through the same sink.

use std::net::{ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use cadence::{BufferedUdpMetricSink, MetricSink, StatsdClient};

/// The client (metrics) and the sink it writes to (events, service checks, flushes).
#[derive(Clone)]
pub struct Metrics {
    /// cadence's client, prefix `shop.`, with `service`, `env` and `version` tags.
    pub client: Arc<StatsdClient>,
    sink: Arc<BufferedUdpMetricSink>,
    tags: Vec<String>,
}

/// The sink shared between the client and the event writer.
struct Shared(Arc<BufferedUdpMetricSink>);

impl MetricSink for Shared {
    fn emit(&self, metric: &str) -> std::io::Result<usize> {
        self.0.emit(metric)
    }
    fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Service check status.
#[derive(Clone, Copy)]
pub enum Check {
    Ok = 0,
    Warning = 1,
}

impl Metrics {
    /// Connects (UDP: nothing is sent yet) to the daemon named by the environment.
    pub fn from_env() -> Result<Self, String> {
        let host = std::env::var("DD_AGENT_HOST").unwrap_or_else(|_| "127.0.0.1".into());
        let port: u16 = crate::env_or("DD_DOGSTATSD_PORT", 8125)?;
        let addr = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| format!("DD_AGENT_HOST={host:?}: {e}"))?
            .next()
            .ok_or_else(|| format!("DD_AGENT_HOST={host:?}: no address"))?;
        let bind = if addr.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        };
        let socket = UdpSocket::bind(bind).map_err(|e| format!("UDP socket: {e}"))?;
        // One datagram holds many lines; 1,432 bytes fits any path's MTU.
        let sink = Arc::new(
            BufferedUdpMetricSink::with_capacity(addr, socket, 1432)
                .map_err(|e| format!("DogStatsD sink for {addr}: {e}"))?,
        );
        let mut tags = Vec::new();
        let mut builder = StatsdClient::builder("shop", Shared(sink.clone()))
            .with_error_handler(|e| eprintln!("shop: metrics: {e}"));
        for (var, key) in [
            ("DD_SERVICE", "service"),
            ("DD_ENV", "env"),
            ("DD_VERSION", "version"),
        ] {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() {
                    tags.push(format!("{key}:{v}"));
                    builder = builder.with_tag(key, v);
                }
            }
        }
        Ok(Self {
            client: Arc::new(builder.build()),
            sink,
            tags,
        })
    }

    /// Sends what is buffered.
    pub fn flush(&self) {
        if let Err(e) = self.sink.flush() {
            eprintln!("shop: metrics: flush: {e}");
        }
    }

    /// Flushes every `every` until the runtime stops: a quiet app's points are not held back.
    pub fn spawn_flusher(&self, every: Duration) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                me.flush();
            }
        });
    }

    /// A Datadog event (`_e{title,text}`), tagged like the metrics.
    pub fn event(&self, title: &str, text: &str, alert: &str, tags: &[&str]) {
        let line = event_line(title, text, alert, &self.all_tags(tags));
        let _ = self.sink.emit(&line);
    }

    /// A service check (`_sc`), tagged like the metrics.
    pub fn service_check(&self, name: &str, status: Check, message: &str, tags: &[&str]) {
        let line = service_check_line(name, status, message, &self.all_tags(tags));
        let _ = self.sink.emit(&line);
    }

    fn all_tags(&self, extra: &[&str]) -> Vec<String> {
        let mut all = self.tags.clone();
        all.extend(extra.iter().map(|t| (*t).to_owned()));
        all
    }
}

/// `_e{<title bytes>,<text bytes>}:<title>|<text>|t:<alert>|#tags` (newlines in the text as
/// `\n`, as the format asks).
pub fn event_line(title: &str, text: &str, alert: &str, tags: &[String]) -> String {
    let text = text.replace('\n', "\\n");
    let mut line = format!(
        "_e{{{},{}}}:{title}|{text}|t:{alert}|s:shop",
        title.len(),
        text.len()
    );
    push_tags(&mut line, tags);
    line
}

/// `_sc|<name>|<status>|#tags|m:<message>`.
pub fn service_check_line(name: &str, status: Check, message: &str, tags: &[String]) -> String {
    let mut line = format!("_sc|{name}|{}", status as u8);
    push_tags(&mut line, tags);
    line.push_str("|m:");
    line.push_str(&message.replace('\n', "\\n"));
    line
}

fn push_tags(line: &mut String, tags: &[String]) {
    if !tags.is_empty() {
        line.push_str("|#");
        line.push_str(&tags.join(","));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_service_checks_in_the_dogstatsd_format() {
        let tags = vec!["service:shop".to_owned(), "port:5000".to_owned()];
        assert_eq!(
            event_line("shop started", "web on\nport 5000", "info", &tags),
            "_e{12,17}:shop started|web on\\nport 5000|t:info|s:shop|#service:shop,port:5000"
        );
        assert_eq!(
            service_check_line("shop.can_serve", Check::Warning, "stopping", &[]),
            "_sc|shop.can_serve|1|m:stopping"
        );
    }
}
