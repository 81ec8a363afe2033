//! Property tests: encode/decode round trips, no panics on any bytes, bad lines never hide good ones.

use herd_dogstatsd::{
    decode, AlertType, Cardinality, ErrorKind, EscapedText, Event, Limits, Message, Metric,
    MetricType, Origin, Priority, ServiceCheck, Status, Tags, Values,
};
use proptest::prelude::*;

/// Owned parts of a message, from which a borrowed `Message` is built for encoding.
#[derive(Debug, Clone)]
enum Owned {
    Metric {
        name: String,
        kind: MetricType,
        values: Vec<f64>,
        set_member: String,
        explicit_sign: bool,
        rate: Option<f64>,
        tags: String,
        timestamp: Option<u64>,
        origin: (Option<String>, Option<String>, Option<Cardinality>),
    },
    Event {
        title: String,
        text: String,
        timestamp: Option<i64>,
        hostname: Option<String>,
        key: Option<String>,
        priority: Option<Priority>,
        source: Option<String>,
        alert: Option<AlertType>,
        tags: String,
    },
    Check {
        name: String,
        status: Status,
        timestamp: Option<i64>,
        hostname: Option<String>,
        tags: String,
        message: Option<String>,
    },
}

impl Owned {
    fn message(&self) -> Message<'_> {
        match self {
            Self::Metric {
                name,
                kind,
                values,
                set_member,
                explicit_sign,
                rate,
                tags,
                timestamp,
                origin,
            } => {
                let vals = if *kind == MetricType::Set {
                    Values::Set(set_member)
                } else if values.len() == 1 {
                    Values::One(values[0])
                } else {
                    Values::Many(values)
                };
                let mut m = Metric::new(name, *kind, vals);
                m.explicit_sign =
                    *kind != MetricType::Set && (*explicit_sign || values[0].is_sign_negative());
                m.sample_rate = *rate;
                m.tags = Tags::from_wire(tags);
                m.timestamp = *timestamp;
                m.origin = Origin {
                    container_id: origin.0.as_deref(),
                    external_data: origin.1.as_deref(),
                    cardinality: origin.2,
                };
                Message::Metric(m)
            }
            Self::Event {
                title,
                text,
                timestamp,
                hostname,
                key,
                priority,
                source,
                alert,
                tags,
            } => Message::Event(Event {
                title: EscapedText::from_wire(title),
                text: EscapedText::from_wire(text),
                timestamp: *timestamp,
                hostname: hostname.as_deref(),
                aggregation_key: key.as_deref(),
                priority: *priority,
                source_type: source.as_deref(),
                alert_type: *alert,
                tags: Tags::from_wire(tags),
                ..Event::default()
            }),
            Self::Check {
                name,
                status,
                timestamp,
                hostname,
                tags,
                message,
            } => {
                let mut c = ServiceCheck::new(name, *status);
                c.timestamp = *timestamp;
                c.hostname = hostname.as_deref();
                c.tags = Tags::from_wire(tags);
                c.message = message.as_deref().map(EscapedText::from_wire);
                Message::ServiceCheck(c)
            }
        }
    }
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
        (-1_000_000i64..1_000_000).prop_map(|v| v as f64),
        (0u32..10_000).prop_map(|v| f64::from(v) / 100.0),
    ]
}

fn tags() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z0-9_.:/-]{1,12}", 0..6).prop_map(|t| t.join(","))
}

fn field() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._-]{1,12}"
}

fn kind() -> impl Strategy<Value = MetricType> {
    prop_oneof![
        Just(MetricType::Count),
        Just(MetricType::Gauge),
        Just(MetricType::Timer),
        Just(MetricType::Histogram),
        Just(MetricType::Set),
        Just(MetricType::Distribution),
    ]
}

fn cardinality() -> impl Strategy<Value = Cardinality> {
    prop_oneof![
        Just(Cardinality::None),
        Just(Cardinality::Low),
        Just(Cardinality::Orchestrator),
        Just(Cardinality::High)
    ]
}

fn metric() -> impl Strategy<Value = Owned> {
    (
        "[a-zA-Z_][a-zA-Z0-9_.]{0,40}",
        kind(),
        prop::collection::vec(finite(), 1..5),
        "[a-zA-Z0-9:._@-]{1,20}",
        any::<bool>(),
        // `@0` included: the Agent accepts it, and it must read back as sent.
        prop::option::of((0u32..=1000).prop_map(|n| f64::from(n) / 1000.0)),
        tags(),
        prop::option::of(1u64..4_000_000_000),
        (
            prop::option::of("(ci-|in-)?[a-f0-9]{1,16}"),
            prop::option::of("it-(true|false),cn-[a-z]{1,8}"),
            prop::option::of(cardinality()),
        ),
    )
        .prop_map(
            |(name, kind, values, set_member, explicit_sign, rate, tags, timestamp, origin)| {
                Owned::Metric {
                    name,
                    kind,
                    values,
                    set_member,
                    explicit_sign,
                    rate,
                    tags,
                    timestamp,
                    origin,
                }
            },
        )
}

fn event() -> impl Strategy<Value = Owned> {
    (
        "[^\r\n]{1,30}",
        "[^\r\n]{0,60}",
        prop::option::of(any::<i64>()),
        prop::option::of(field()),
        prop::option::of(field()),
        prop::option::of(prop_oneof![Just(Priority::Normal), Just(Priority::Low)]),
        prop::option::of(field()),
        prop::option::of(prop_oneof![
            Just(AlertType::Error),
            Just(AlertType::Warning),
            Just(AlertType::Info),
            Just(AlertType::Success)
        ]),
        tags(),
    )
        .prop_map(
            |(title, text, timestamp, hostname, key, priority, source, alert, tags)| Owned::Event {
                title,
                text,
                timestamp,
                hostname,
                key,
                priority,
                source,
                alert,
                tags,
            },
        )
}

fn check() -> impl Strategy<Value = Owned> {
    (
        "[a-zA-Z0-9 ._-]{1,30}",
        prop_oneof![
            Just(Status::Ok),
            Just(Status::Warning),
            Just(Status::Critical),
            Just(Status::Unknown)
        ],
        prop::option::of(any::<i64>()),
        prop::option::of(field()),
        tags(),
        // A message ends at the next `|`, as the Agent reads it: none can hold one.
        prop::option::of("[^\r\n|]{0,40}"),
    )
        .prop_map(
            |(name, status, timestamp, hostname, tags, message)| Owned::Check {
                name,
                status,
                timestamp,
                hostname,
                tags,
                message,
            },
        )
}

fn any_message() -> impl Strategy<Value = Owned> {
    prop_oneof![6 => metric(), 1 => event(), 1 => check()]
}

/// Lines that are invalid whatever surrounds them.
fn invalid_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}".prop_map(|n| format!("{n}:1|x")),
        "[a-z]{1,8}",
        Just(":1|c".to_owned()),
        "[a-z]{1,8}".prop_map(|n| format!("{n}:abc|c")),
        "[a-z]{1,8}".prop_map(|n| format!("{n}:1|c|@7")),
        "[a-z]{1,8}".prop_map(|n| format!("_sc|{n}|9")),
        "[a-z]{1,8}".prop_map(|t| format!("_e{{99,1}}:{t}|x")),
    ]
}

fn unbounded() -> &'static Limits {
    static L: Limits = Limits::unbounded();
    &L
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn property_test_decode_of_encode_is_identity(owned in any_message()) {
        let message = owned.message();
        let mut wire = Vec::new();
        message.encode(&mut wire);
        let decoded: Vec<_> = decode(&wire, unbounded()).collect();
        prop_assert_eq!(decoded.len(), 1, "{}", String::from_utf8_lossy(&wire));
        let got = decoded[0].as_ref().map_err(ToString::to_string);
        prop_assert_eq!(got, Ok(&message), "{}", String::from_utf8_lossy(&wire));
    }

    #[test]
    fn property_test_arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for limits in [Limits::default(), Limits { max_name_len: 3, max_tag_len: 2, max_tags: 1, ..Limits::default() }] {
            for m in decode(&bytes, &limits).flatten() {
                // Everything a consumer may touch is safe to touch.
                let mut out = Vec::new();
                m.encode(&mut out);
            }
        }
    }

    #[test]
    fn property_test_near_valid_bytes_never_panic(
        owned in any_message(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in prop_oneof![Just(b'|'), Just(b':'), Just(b','), Just(b'#'), Just(b'@'), Just(b'{'), Just(b'}'), any::<u8>()],
    ) {
        let mut wire = Vec::new();
        owned.message().encode(&mut wire);
        let i = flip.index(wire.len());
        wire[i] = byte;
        wire.truncate(cut.index(wire.len() + 1));
        for result in decode(&wire, &Limits::default()) {
            let _ = result.map(|m| { let mut o = Vec::new(); m.encode(&mut o); });
        }
    }

    #[test]
    fn property_test_bad_lines_yield_exactly_the_valid_ones(
        lines in prop::collection::vec(prop_oneof![any_message().prop_map(Ok), invalid_line().prop_map(Err)], 1..20),
        crlf in any::<bool>(),
    ) {
        let mut wire = Vec::new();
        for line in &lines {
            match line {
                Ok(owned) => owned.message().encode(&mut wire),
                Err(bad) => wire.extend_from_slice(bad.as_bytes()),
            }
            wire.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        let results: Vec<_> = decode(&wire, unbounded()).collect();
        prop_assert_eq!(results.len(), lines.len());
        for (i, (line, result)) in lines.iter().zip(&results).enumerate() {
            match (line, result) {
                (Ok(owned), Ok(got)) => prop_assert_eq!(got, &owned.message()),
                (Err(_), Err(e)) => prop_assert_eq!(e.message, i + 1),
                _ => prop_assert!(false, "line {} mismatched: {:?} vs {:?}", i + 1, line, result),
            }
        }
    }

    /// The Agent's `parseEvent` (DataDog/datadog-agent, comp/dogstatsd/server/impl/
    /// parse_events.go) as a model: title = the first `a` bytes, one byte skipped, text = the
    /// next `b`; an error only when that runs past the end.
    #[test]
    fn property_test_event_lengths_cut_as_the_agent_cuts(
        rest in "[ -~]{1,40}",
        a in 1usize..45,
        b in 0usize..45,
    ) {
        let line = format!("_e{{{a},{b}}}:{rest}");
        let got = decode(line.as_bytes(), unbounded()).next().expect("one message");
        if a + 1 + b <= rest.len() {
            match got {
                Ok(Message::Event(e)) => {
                    prop_assert_eq!(e.title.as_wire(), &rest[..a]);
                    prop_assert_eq!(e.text.as_wire(), &rest[a + 1..a + 1 + b]);
                }
                other => prop_assert!(false, "{line}: {other:?}"),
            }
        } else {
            let kind = got.map(|_| ()).map_err(|e| e.kind);
            prop_assert_eq!(kind, Err(ErrorKind::EventLength { title: a, text: b }), "{}", line);
        }
    }

    /// The Agent's `parseServiceCheck` (parse_service_checks.go) as a model: the `m:` message
    /// is the field up to the next `|`, whatever follows.
    #[test]
    fn property_test_check_message_ends_at_the_next_pipe(
        message in "[^\r\n|]{0,30}",
        after in "[a-ln-z0-9:#,|]{0,20}",
    ) {
        let line = format!("_sc|x|0|m:{message}|{after}");
        match decode(line.as_bytes(), unbounded()).next().expect("one message") {
            Ok(Message::ServiceCheck(c)) => {
                prop_assert_eq!(c.message.map(|m| m.as_wire()), Some(message.as_str()));
            }
            other => prop_assert!(false, "{line}: {other:?}"),
        }
    }
}
