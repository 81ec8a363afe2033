//! Self-telemetry with exact accounting. One table ([`FAMILIES`]) names every figure: it
//! gives the Prometheus families of `/metrics` and, through each row's `own` name, the `herd.*`
//! metrics recorded at each flush, so the two cannot disagree.
//!
//! Invariants (tested): per listener, datagrams sent = datagrams received + dropped by the
//! kernel; datagrams received = datagrams decoded + dropped (queue full, truncated); messages
//! received = decoded ok + decode errors; decoded ok = aggregated + dropped (context limit).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use herd_dogstatsd::MessageKind;

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

/// What a kept message had cut to the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The name.
    Name = 0,
    /// The number of tags.
    TagCount = 1,
    /// A tag's length.
    TagLen = 2,
}

impl Cut {
    /// Every kind of cut, in index order.
    pub const ALL: [Self; 3] = [Self::Name, Self::TagCount, Self::TagLen];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::TagCount => "tag_count",
            Self::TagLen => "tag_len",
        }
    }
}

/// Every counter of the daemon.
#[derive(Debug, Default)]
pub struct Telemetry {
    /// Per listener, indexed by [`Listener`].
    pub listeners: [ListenerCounters; 4],
    /// Messages decoded, indexed by [`MessageKind::index`].
    pub messages_ok: [AtomicU64; 3],
    /// Decode errors, indexed by [`MessageKind::index`].
    pub messages_error: [AtomicU64; 3],
    /// Of the decode errors, those over a name or tag limit (reject policy).
    pub oversize_rejected: AtomicU64,
    /// Messages aggregated (or kept).
    pub aggregated: AtomicU64,
    /// Messages dropped at the context limit.
    pub context_limit: AtomicU64,
    /// Messages kept but cut to the limits, indexed by [`Cut`].
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
    /// Forwarding, indexed by [`crate::forward::Target`].
    pub forward: [crate::forward::Counters; 2],
    /// The application's latest values, for `GET /metrics/app`.
    pub app: crate::forward::exposition::Exposition,
}

/// Prometheus type of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// Only grows.
    Counter,
    /// Goes up and down.
    Gauge,
}

/// One labelled value of a family.
pub struct Row {
    /// `{k="v",…}` or empty.
    pub labels: String,
    /// The value now.
    pub value: u64,
    /// The `herd.*` metric this value adds to, if any.
    pub own: Option<&'static str>,
}

/// A Prometheus family and where its values come from.
pub struct Family {
    /// Its name.
    pub name: &'static str,
    /// Counter or gauge.
    pub kind: Type,
    /// The `# HELP` text.
    pub help: &'static str,
    /// Its rows now.
    pub rows: fn(&Telemetry) -> Vec<Row>,
}

/// One counter of a listener.
type Field = fn(&ListenerCounters) -> &AtomicU64;

fn one(value: &AtomicU64, own: Option<&'static str>) -> Vec<Row> {
    vec![Row {
        labels: String::new(),
        value: value.load(Relaxed),
        own,
    }]
}

fn per_listener(t: &Telemetry, field: Field, own: Option<&'static str>) -> Vec<Row> {
    Listener::ALL
        .iter()
        .map(|&l| Row {
            labels: format!("{{listener=\"{}\"}}", l.as_str()),
            value: field(t.listener(l)).load(Relaxed),
            own,
        })
        .collect()
}

/// The `herd.*` metrics, in the order they are recorded, and whether each is a counter
/// (recorded as a rate) or a gauge. Their values are the sums of the rows naming them.
pub const OWN: [(&str, Type); 7] = [
    ("herd.dogstatsd.datagrams", Type::Counter),
    ("herd.dogstatsd.bytes", Type::Counter),
    ("herd.dogstatsd.messages", Type::Counter),
    ("herd.dogstatsd.errors", Type::Counter),
    ("herd.dogstatsd.dropped", Type::Counter),
    ("herd.contexts", Type::Gauge),
    ("herd.flush.duration_us", Type::Gauge),
];

const DROPPED: Option<&str> = Some("herd.dogstatsd.dropped");

/// Every figure of the daemon, in `/metrics` order.
pub const FAMILIES: &[Family] = &[
    Family {
        name: "herd_dogstatsd_datagrams_total",
        kind: Type::Counter,
        help: "Datagrams, frames or stream chunks read.",
        rows: |t| per_listener(t, |c| &c.datagrams, Some("herd.dogstatsd.datagrams")),
    },
    Family {
        name: "herd_dogstatsd_bytes_total",
        kind: Type::Counter,
        help: "Bytes read.",
        rows: |t| per_listener(t, |c| &c.bytes, Some("herd.dogstatsd.bytes")),
    },
    Family {
        name: "herd_dogstatsd_datagrams_decoded_total",
        kind: Type::Counter,
        help: "Datagrams decoded by a worker.",
        rows: |t| per_listener(t, |c| &c.decoded, None),
    },
    Family {
        name: "herd_dogstatsd_datagrams_dropped_total",
        kind: Type::Counter,
        help: "Datagrams dropped, by reason.",
        rows: |t| {
            let reasons: [(&str, Field); 3] = [
                ("queue_full", |c| &c.queue_full),
                ("truncated", |c| &c.truncated),
                ("kernel", |c| &c.kernel_drops),
            ];
            Listener::ALL
                .iter()
                .flat_map(|&l| {
                    reasons.iter().map(move |(reason, field)| Row {
                        labels: format!("{{listener=\"{}\",reason=\"{reason}\"}}", l.as_str()),
                        value: field(t.listener(l)).load(Relaxed),
                        own: DROPPED,
                    })
                })
                .collect()
        },
    },
    Family {
        name: "herd_dogstatsd_read_errors_total",
        kind: Type::Counter,
        help: "Socket read errors.",
        rows: |t| per_listener(t, |c| &c.read_errors, None),
    },
    Family {
        name: "herd_dogstatsd_connections",
        kind: Type::Gauge,
        help: "Open stream connections.",
        rows: |t| per_listener(t, |c| &c.connections, None),
    },
    Family {
        name: "herd_dogstatsd_messages_total",
        kind: Type::Counter,
        help: "Messages decoded, by type and state.",
        rows: |t| {
            MessageKind::ALL
                .iter()
                .flat_map(|k| {
                    let i = k.index();
                    [
                        Row {
                            labels: format!("{{type=\"{}\",state=\"ok\"}}", k.as_str()),
                            value: t.messages_ok[i].load(Relaxed),
                            own: Some("herd.dogstatsd.messages"),
                        },
                        Row {
                            labels: format!("{{type=\"{}\",state=\"error\"}}", k.as_str()),
                            value: t.messages_error[i].load(Relaxed),
                            own: Some("herd.dogstatsd.errors"),
                        },
                    ]
                })
                .collect()
        },
    },
    Family {
        name: "herd_dogstatsd_oversize_rejected_total",
        kind: Type::Counter,
        help: "Decode errors for a name or tag over its limit.",
        rows: |t| one(&t.oversize_rejected, None),
    },
    Family {
        name: "herd_dogstatsd_aggregated_total",
        kind: Type::Counter,
        help: "Messages aggregated or kept.",
        rows: |t| one(&t.aggregated, None),
    },
    Family {
        name: "herd_dogstatsd_messages_dropped_total",
        kind: Type::Counter,
        help: "Decoded messages dropped, by reason.",
        rows: |t| {
            vec![Row {
                labels: "{reason=\"context_limit\"}".to_owned(),
                value: t.context_limit.load(Relaxed),
                own: DROPPED,
            }]
        },
    },
    Family {
        name: "herd_dogstatsd_truncations_total",
        kind: Type::Counter,
        help: "Messages kept with a name or tags cut to the limits.",
        rows: |t| {
            Cut::ALL
                .iter()
                .map(|&c| Row {
                    labels: format!("{{what=\"{}\"}}", c.as_str()),
                    value: t.truncations[c as usize].load(Relaxed),
                    own: None,
                })
                .collect()
        },
    },
    Family {
        name: "herd_contexts",
        kind: Type::Gauge,
        help: "Live contexts after the last flush.",
        rows: |t| one(&t.contexts, Some("herd.contexts")),
    },
    Family {
        name: "herd_flushes_total",
        kind: Type::Counter,
        help: "Flushes done.",
        rows: |t| one(&t.flushes, None),
    },
    Family {
        name: "herd_points_flushed_total",
        kind: Type::Counter,
        help: "Points handed to sinks.",
        rows: |t| one(&t.points, None),
    },
    Family {
        name: "herd_flush_duration_microseconds",
        kind: Type::Gauge,
        help: "Duration of the last flush.",
        rows: |t| one(&t.flush_micros, Some("herd.flush.duration_us")),
    },
    Family {
        name: "herd_store_points_total",
        kind: Type::Counter,
        help: "Points written to the store.",
        rows: |t| one(&t.store_points, None),
    },
    Family {
        name: "herd_store_points_lost_total",
        kind: Type::Counter,
        help: "Points of flushes the store could not write (a full disk), counted, not kept.",
        rows: |t| one(&t.store_points_lost, None),
    },
    Family {
        name: "herd_http_requests_total",
        kind: Type::Counter,
        help: "HTTP requests answered, by status class.",
        rows: |t| {
            ["2xx", "4xx", "5xx"]
                .iter()
                .zip(&t.http_requests)
                .map(|(class, c)| Row {
                    labels: format!("{{code=\"{class}\"}}"),
                    value: c.load(Relaxed),
                    own: None,
                })
                .collect()
        },
    },
    Family {
        name: "herd_forward_payloads_total",
        kind: Type::Counter,
        help: "Payloads a forwarding destination accepted, by target.",
        rows: |t| per_target(t, |c| &c.payloads_sent),
    },
    Family {
        name: "herd_forward_points_total",
        kind: Type::Counter,
        help: "Points (events, service checks) in accepted payloads, by target.",
        rows: |t| per_target(t, |c| &c.points_sent),
    },
    Family {
        name: "herd_forward_bytes_total",
        kind: Type::Counter,
        help: "Bytes of accepted payloads as sent (compressed), by target.",
        rows: |t| per_target(t, |c| &c.bytes_sent),
    },
    Family {
        name: "herd_forward_retries_total",
        kind: Type::Counter,
        help: "Attempts that failed (network, timeout, 5xx, 429) and are tried again, by target.",
        rows: |t| per_target(t, |c| &c.retries),
    },
    Family {
        name: "herd_forward_points_dropped_total",
        kind: Type::Counter,
        help: "Points not forwarded, by target and reason.",
        rows: |t| {
            crate::forward::Target::ALL
                .iter()
                .flat_map(|&target| {
                    crate::forward::Drop::ALL.iter().map(move |&why| Row {
                        labels: format!(
                            "{{target=\"{}\",reason=\"{}\"}}",
                            target.as_str(),
                            why.as_str()
                        ),
                        value: t.forward[target as usize].dropped[why as usize].load(Relaxed),
                        own: None,
                    })
                })
                .collect()
        },
    },
    Family {
        name: "herd_forward_buffer_bytes",
        kind: Type::Gauge,
        help: "Bytes waiting in the forwarding retry buffers (memory and disk), by target.",
        rows: |t| per_target(t, |c| &c.buffer_bytes),
    },
];

/// One counter of a forwarding target.
type ForwardField = fn(&crate::forward::Counters) -> &AtomicU64;

fn per_target(t: &Telemetry, field: ForwardField) -> Vec<Row> {
    crate::forward::Target::ALL
        .iter()
        .map(|&target| Row {
            labels: format!("{{target=\"{}\"}}", target.as_str()),
            value: field(&t.forward[target as usize]).load(Relaxed),
            own: None,
        })
        .collect()
}

impl Telemetry {
    /// The counters of one listener.
    pub fn listener(&self, l: Listener) -> &ListenerCounters {
        &self.listeners[l as usize]
    }

    /// The Prometheus text exposition of every family.
    pub fn prometheus(&self) -> String {
        let mut out = String::with_capacity(4096);
        for f in FAMILIES {
            let kind = match f.kind {
                Type::Counter => "counter",
                Type::Gauge => "gauge",
            };
            let _ = writeln!(
                out,
                "# HELP {} {}\n# TYPE {} {kind}",
                f.name, f.help, f.name
            );
            for row in (f.rows)(self) {
                let _ = writeln!(out, "{}{} {}", f.name, row.labels, row.value);
            }
        }
        out
    }

    /// `(name, value, is_counter)` of the `herd.*` metrics, in [`OWN`] order: each the sum of
    /// the rows of [`FAMILIES`] that name it.
    pub fn snapshot(&self) -> Vec<(&'static str, u64, bool)> {
        let mut sums = [0u64; OWN.len()];
        for f in FAMILIES {
            for row in (f.rows)(self) {
                if let Some(i) = row.own.and_then(|o| OWN.iter().position(|(n, _)| *n == o)) {
                    sums[i] += row.value;
                }
            }
        }
        OWN.iter()
            .zip(sums)
            .map(|(&(name, kind), v)| (name, v, kind == Type::Counter))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_own_metric_has_rows_and_every_row_names_a_known_one() {
        let t = Telemetry::default();
        let named: Vec<&str> = FAMILIES
            .iter()
            .flat_map(|f| (f.rows)(&t))
            .filter_map(|r| r.own)
            .collect();
        for (own, _) in OWN {
            assert!(named.contains(&own), "{own} has no rows");
        }
        for n in named {
            assert!(OWN.iter().any(|(o, _)| *o == n), "{n} is not in OWN");
        }
    }

    #[test]
    fn own_metrics_sum_their_rows() {
        let t = Telemetry::default();
        t.listener(Listener::Udp).queue_full.store(2, Relaxed);
        t.listener(Listener::Uds).kernel_drops.store(3, Relaxed);
        t.context_limit.store(5, Relaxed);
        t.messages_ok[MessageKind::Event.index()].store(7, Relaxed);
        t.messages_error[MessageKind::Metric.index()].store(1, Relaxed);
        let s = t.snapshot();
        let get = |n: &str| s.iter().find(|(m, _, _)| *m == n).unwrap().1;
        assert_eq!(get("herd.dogstatsd.dropped"), 10);
        assert_eq!(get("herd.dogstatsd.messages"), 7);
        assert_eq!(get("herd.dogstatsd.errors"), 1);
    }
}
