//! Self-telemetry with exact accounting, names in one place.
//!
//! Invariants (tested): per listener, datagrams sent = datagrams received + dropped by the
//! kernel; datagrams received = datagrams decoded + dropped (queue full, truncated); messages
//! received = decoded ok + decode errors; decoded ok = aggregated + dropped (context limit).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The listeners, in a fixed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// UDP datagrams.
    Udp = 0,
    /// Unix datagram socket.
    Uds = 1,
    /// Unix stream socket.
    UdsStream = 2,
    /// TCP stream.
    Tcp = 3,
}

impl Listener {
    /// All listeners.
    pub const ALL: [Listener; 4] = [Self::Udp, Self::Uds, Self::UdsStream, Self::Tcp];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Uds => "uds",
            Self::UdsStream => "uds_stream",
            Self::Tcp => "tcp",
        }
    }
}

/// Counters of one listener.
#[derive(Debug, Default)]
pub struct ListenerCounters {
    /// Datagrams (or frames, or stream chunks) read.
    pub datagrams: AtomicU64,
    /// Bytes read.
    pub bytes: AtomicU64,
    /// Datagrams decoded by a worker.
    pub decoded: AtomicU64,
    /// Datagrams dropped because the worker queue was full.
    pub queue_full: AtomicU64,
    /// Datagrams dropped because they were larger than the buffer.
    pub truncated: AtomicU64,
    /// Datagrams the kernel dropped before herd could read them (a full receive buffer),
    /// as the socket reports them (`SO_RXQ_OVFL`, `SO_MEMINFO`).
    pub kernel_drops: AtomicU64,
    /// Socket read errors.
    pub read_errors: AtomicU64,
    /// Open stream connections.
    pub connections: AtomicU64,
}

/// Message kinds for the `type` label.
pub const KINDS: [&str; 3] = ["metric", "event", "service_check"];

/// Every counter of the daemon.
#[derive(Debug, Default)]
pub struct Telemetry {
    /// Per listener, indexed by [`Listener`].
    pub listeners: [ListenerCounters; 4],
    /// Messages decoded, per kind (`metric`, `event`, `service_check`).
    pub messages_ok: [AtomicU64; 3],
    /// Decode errors, per kind.
    pub messages_error: [AtomicU64; 3],
    /// Of the decode errors, those over a name or tag limit (reject policy).
    pub oversize_rejected: AtomicU64,
    /// Messages aggregated (or kept).
    pub aggregated: AtomicU64,
    /// Messages dropped at the context limit.
    pub context_limit: AtomicU64,
    /// Messages kept but truncated: name, tag count, tag length.
    pub truncations: [AtomicU64; 3],
    /// Live contexts after the last flush.
    pub contexts: AtomicU64,
    /// Flushes done.
    pub flushes: AtomicU64,
    /// Points flushed.
    pub points: AtomicU64,
    /// Duration of the last flush, in microseconds.
    pub flush_micros: AtomicU64,
    /// Points written to the store.
    pub store_points: AtomicU64,
    /// Points of flushes the store refused (a full disk), counted, not kept.
    pub store_points_lost: AtomicU64,
    /// HTTP requests answered, by status class (2xx, 4xx, 5xx).
    pub http_requests: [AtomicU64; 3],
}

impl Telemetry {
    /// The counters of one listener.
    pub fn listener(&self, l: Listener) -> &ListenerCounters {
        &self.listeners[l as usize]
    }

    /// The Prometheus text exposition of every counter.
    pub fn prometheus(&self) -> String {
        let mut out = String::with_capacity(4096);
        let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, u64)>| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, v) in rows {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        let per_listener = |f: fn(&ListenerCounters) -> &AtomicU64| -> Vec<(String, u64)> {
            Listener::ALL
                .iter()
                .map(|&l| {
                    (
                        format!("{{listener=\"{}\"}}", l.as_str()),
                        f(self.listener(l)).load(Relaxed),
                    )
                })
                .collect()
        };
        family(
            "herd_dogstatsd_datagrams_total",
            "counter",
            "Datagrams, frames or stream chunks read.",
            per_listener(|c| &c.datagrams),
        );
        family(
            "herd_dogstatsd_bytes_total",
            "counter",
            "Bytes read.",
            per_listener(|c| &c.bytes),
        );
        family(
            "herd_dogstatsd_datagrams_decoded_total",
            "counter",
            "Datagrams decoded by a worker.",
            per_listener(|c| &c.decoded),
        );
        let mut dropped = Vec::new();
        for l in Listener::ALL {
            let c = self.listener(l);
            dropped.push((
                format!("{{listener=\"{}\",reason=\"queue_full\"}}", l.as_str()),
                c.queue_full.load(Relaxed),
            ));
            dropped.push((
                format!("{{listener=\"{}\",reason=\"truncated\"}}", l.as_str()),
                c.truncated.load(Relaxed),
            ));
            dropped.push((
                format!("{{listener=\"{}\",reason=\"kernel\"}}", l.as_str()),
                c.kernel_drops.load(Relaxed),
            ));
        }
        family(
            "herd_dogstatsd_datagrams_dropped_total",
            "counter",
            "Datagrams dropped, by reason.",
            dropped,
        );
        family(
            "herd_dogstatsd_read_errors_total",
            "counter",
            "Socket read errors.",
            per_listener(|c| &c.read_errors),
        );
        family(
            "herd_dogstatsd_connections",
            "gauge",
            "Open stream connections.",
            per_listener(|c| &c.connections),
        );
        let mut messages = Vec::new();
        for (i, kind) in KINDS.iter().enumerate() {
            messages.push((
                format!("{{type=\"{kind}\",state=\"ok\"}}"),
                self.messages_ok[i].load(Relaxed),
            ));
            messages.push((
                format!("{{type=\"{kind}\",state=\"error\"}}"),
                self.messages_error[i].load(Relaxed),
            ));
        }
        family(
            "herd_dogstatsd_messages_total",
            "counter",
            "Messages decoded, by type and state.",
            messages,
        );
        family(
            "herd_dogstatsd_oversize_rejected_total",
            "counter",
            "Decode errors for a name or tag over its limit.",
            vec![(String::new(), self.oversize_rejected.load(Relaxed))],
        );
        family(
            "herd_dogstatsd_aggregated_total",
            "counter",
            "Messages aggregated or kept.",
            vec![(String::new(), self.aggregated.load(Relaxed))],
        );
        family(
            "herd_dogstatsd_messages_dropped_total",
            "counter",
            "Decoded messages dropped, by reason.",
            vec![(
                "{reason=\"context_limit\"}".to_owned(),
                self.context_limit.load(Relaxed),
            )],
        );
        let truncations = ["name", "tag_count", "tag_len"]
            .iter()
            .zip(&self.truncations)
            .map(|(what, c)| (format!("{{what=\"{what}\"}}"), c.load(Relaxed)))
            .collect();
        family(
            "herd_dogstatsd_truncations_total",
            "counter",
            "Messages kept with a name or tags cut to the limits.",
            truncations,
        );
        family(
            "herd_contexts",
            "gauge",
            "Live contexts after the last flush.",
            vec![(String::new(), self.contexts.load(Relaxed))],
        );
        family(
            "herd_flushes_total",
            "counter",
            "Flushes done.",
            vec![(String::new(), self.flushes.load(Relaxed))],
        );
        family(
            "herd_points_flushed_total",
            "counter",
            "Points handed to sinks.",
            vec![(String::new(), self.points.load(Relaxed))],
        );
        family(
            "herd_flush_duration_microseconds",
            "gauge",
            "Duration of the last flush.",
            vec![(String::new(), self.flush_micros.load(Relaxed))],
        );
        family(
            "herd_store_points_total",
            "counter",
            "Points written to the store.",
            vec![(String::new(), self.store_points.load(Relaxed))],
        );
        family(
            "herd_store_points_lost_total",
            "counter",
            "Points of flushes the store could not write (a full disk), counted, not kept.",
            vec![(String::new(), self.store_points_lost.load(Relaxed))],
        );
        let http = ["2xx", "4xx", "5xx"]
            .iter()
            .zip(&self.http_requests)
            .map(|(class, c)| (format!("{{code=\"{class}\"}}"), c.load(Relaxed)))
            .collect();
        family(
            "herd_http_requests_total",
            "counter",
            "HTTP requests answered, by status class.",
            http,
        );
        out
    }

    /// `(name, value, is_counter)` of the figures recorded as `herd.*` metrics at each flush.
    pub fn snapshot(&self) -> Vec<(&'static str, u64, bool)> {
        let sum = |f: fn(&ListenerCounters) -> &AtomicU64| {
            self.listeners.iter().map(|c| f(c).load(Relaxed)).sum()
        };
        let dropped: u64 = self
            .listeners
            .iter()
            .map(|c| {
                c.queue_full.load(Relaxed)
                    + c.truncated.load(Relaxed)
                    + c.kernel_drops.load(Relaxed)
            })
            .sum::<u64>()
            + self.context_limit.load(Relaxed);
        vec![
            ("herd.dogstatsd.datagrams", sum(|c| &c.datagrams), true),
            ("herd.dogstatsd.bytes", sum(|c| &c.bytes), true),
            (
                "herd.dogstatsd.messages",
                self.messages_ok.iter().map(|c| c.load(Relaxed)).sum(),
                true,
            ),
            (
                "herd.dogstatsd.errors",
                self.messages_error.iter().map(|c| c.load(Relaxed)).sum(),
                true,
            ),
            ("herd.dogstatsd.dropped", dropped, true),
            ("herd.contexts", self.contexts.load(Relaxed), false),
            (
                "herd.flush.duration_us",
                self.flush_micros.load(Relaxed),
                false,
            ),
        ]
    }
}
