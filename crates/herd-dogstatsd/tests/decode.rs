//! Table tests: every example of the DogStatsD datagram documentation and every decoding rule.

use herd_dogstatsd::{
    decode, AlertType, Cardinality, ContainerRef, ErrorKind, Limits, Message, Metric, MetricType,
    Overflow, Priority, Status, Values,
};

#[track_caller]
fn one(datagram: &str) -> Message<'_> {
    static LIMITS: Limits = Limits {
        max_name_len: 200,
        max_tag_len: 200,
        max_tags: 100,
        overflow: Overflow::Truncate,
    };
    let mut all: Vec<_> = decode(datagram.as_bytes(), &LIMITS).collect();
    assert_eq!(all.len(), 1, "{datagram:?} gave {all:?}");
    all.remove(0)
        .unwrap_or_else(|e| panic!("{datagram:?}: {e}"))
}

#[track_caller]
fn metric(datagram: &str) -> Metric<'_> {
    match one(datagram) {
        Message::Metric(m) => m,
        other => panic!("{datagram:?} is not a metric: {other:?}"),
    }
}

#[track_caller]
fn error(datagram: &str) -> ErrorKind {
    let limits = Limits::default();
    let mut all: Vec<_> = decode(datagram.as_bytes(), &limits).collect();
    assert_eq!(all.len(), 1, "{datagram:?} gave {all:?}");
    all.remove(0).expect_err(datagram).kind
}

fn tags<'a>(m: &Metric<'a>) -> Vec<&'a str> {
    m.tags.iter().collect()
}

fn numbers(m: &Metric<'_>) -> Vec<f64> {
    m.values.numbers().collect()
}

#[test]
fn every_metric_type_of_the_documentation_decodes() {
    let cases = [
        ("page.views:1|c", MetricType::Count, 1.0),
        ("fuel.level:0.5|g", MetricType::Gauge, 0.5),
        ("song.length:240|h|@0.5", MetricType::Histogram, 240.0),
        ("users.uniques:1234|s", MetricType::Set, f64::NAN),
        ("users.online:1|c|#country:china", MetricType::Count, 1.0),
        (
            "users.online:1|c|@0.5|#country:china",
            MetricType::Count,
            1.0,
        ),
        ("request.latency:320|ms", MetricType::Timer, 320.0),
        ("request.size:1024|d", MetricType::Distribution, 1024.0),
    ];
    for (datagram, kind, value) in cases {
        let m = metric(datagram);
        assert_eq!(m.kind, kind, "{datagram}");
        if kind == MetricType::Set {
            assert_eq!(m.values.set_member(), Some("1234"));
        } else {
            assert_eq!(numbers(&m), [value], "{datagram}");
        }
    }
}

#[test]
fn names_tags_rates_and_timestamps_are_read() {
    let m = metric("users.online:1|c|@0.5|#country:china,beta|T1656581400");
    assert_eq!(m.name, "users.online");
    assert_eq!(m.sample_rate, Some(0.5));
    assert_eq!(m.rate(), 0.5);
    assert_eq!(tags(&m), ["country:china", "beta"]);
    assert_eq!(m.timestamp, Some(1_656_581_400));
    assert_eq!(metric("a:1|c").rate(), 1.0);
}

#[test]
fn optional_fields_come_in_any_order_and_unknown_ones_are_skipped() {
    let a = metric("x:1|c|#a:b|@0.25|T12|c:ci-abc|e:it-false,cn-web|card:low");
    let b = metric("x:1|c|card:low|e:it-false,cn-web|zzz:whatever|T12|c:ci-abc|@0.25|#a:b|");
    assert_eq!(a, b);
    assert_eq!(a.origin.cardinality, Some(Cardinality::Low));
    assert_eq!(a.origin.external_data, Some("it-false,cn-web"));
    assert_eq!(
        a.origin.containers().collect::<Vec<_>>(),
        [ContainerRef::ContainerId("abc")]
    );
}

#[test]
fn container_ids_take_every_protocol_form() {
    let m = metric("x:1|c|c:ci-0123,in-42");
    assert_eq!(
        m.origin.containers().collect::<Vec<_>>(),
        [
            ContainerRef::ContainerId("0123"),
            ContainerRef::CgroupInode("42")
        ]
    );
    let bare = metric("x:1|c|c:0123abc");
    assert_eq!(
        bare.origin.containers().collect::<Vec<_>>(),
        [ContainerRef::ContainerId("0123abc")]
    );
}

#[test]
fn packed_values_skip_empty_pieces_like_the_agent() {
    assert_eq!(numbers(&metric("x:21:22:23|h")), [21.0, 22.0, 23.0]);
    assert_eq!(numbers(&metric("x:21::22|c")), [21.0, 22.0]);
    assert_eq!(numbers(&metric("x:5:|g")), [5.0]);
    assert!(matches!(metric("x:5:|g").values, Values::One(_)));
    assert_eq!(error("x::|c"), ErrorKind::EmptyValue);
    assert_eq!(error("x:1:y|c"), ErrorKind::InvalidValue("y".into()));
}

#[test]
fn set_members_are_kept_whole_including_colons() {
    let m = metric("users:a:b:c|s|#x");
    assert_eq!(m.values.set_member(), Some("a:b:c"));
    assert_eq!(m.values.len(), 1);
}

#[test]
fn numbers_parse_as_go_parsefloat_does_and_non_finite_is_rejected() {
    assert_eq!(numbers(&metric("x:+4|c")), [4.0]);
    assert_eq!(numbers(&metric("x:1e3|c")), [1000.0]);
    assert_eq!(numbers(&metric("x:-0.5|g")), [-0.5]);
    for bad in ["NaN", "nan", "inf", "-Infinity", "1e400"] {
        assert!(
            matches!(error(&format!("x:{bad}|g")), ErrorKind::NonFiniteValue(_)),
            "{bad}"
        );
    }
}

#[test]
fn etsy_gauge_deltas_are_marked_by_their_sign() {
    assert!(metric("g:+5|g").explicit_sign);
    assert!(metric("g:-5|g").explicit_sign);
    assert!(!metric("g:5|g").explicit_sign);
    assert_eq!(numbers(&metric("g:-5|g")), [-5.0]);
}

#[test]
fn etsy_multi_metric_lines_are_a_distinct_shape() {
    let Message::EtsyMulti(multi) = one("key:1|c:2|ms|@0.5:3|g") else {
        panic!("not multi")
    };
    let parts: Vec<_> = multi.metrics().collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(
        (parts[0].kind, numbers(&parts[0])),
        (MetricType::Count, vec![1.0])
    );
    assert_eq!(
        (parts[1].kind, parts[1].sample_rate),
        (MetricType::Timer, Some(0.5))
    );
    assert_eq!(
        (parts[2].kind, numbers(&parts[2])),
        (MetricType::Gauge, vec![3.0])
    );
    assert!(parts.iter().all(|m| m.name == "key"));
    assert_eq!(error("key:1|c:x|ms"), ErrorKind::InvalidValue("x".into()));
}

#[test]
fn events_read_every_optional_field() {
    let Message::Event(e) = one(
        "_e{21,36}:An exception occurred|Cannot parse CSV file from 10.0.0.17|d:1700000000|h:web1|k:agg|p:low|s:my_app|t:warning|#err_type:bad_file,env:prod",
    ) else {
        panic!()
    };
    assert_eq!(e.title.unescape(), "An exception occurred");
    assert_eq!(e.text.unescape(), "Cannot parse CSV file from 10.0.0.17");
    assert_eq!(e.timestamp, Some(1_700_000_000));
    assert_eq!(e.hostname, Some("web1"));
    assert_eq!(e.aggregation_key, Some("agg"));
    assert_eq!(e.priority(), Priority::Low);
    assert_eq!(e.source_type, Some("my_app"));
    assert_eq!(e.alert_type(), AlertType::Warning);
    assert_eq!(
        e.tags.iter().collect::<Vec<_>>(),
        ["err_type:bad_file", "env:prod"]
    );
}

#[test]
fn event_defaults_escapes_and_utf8_byte_lengths() {
    let Message::Event(e) = one("_e{5,0}:hello|") else {
        panic!()
    };
    assert_eq!(
        (e.priority(), e.alert_type()),
        (Priority::Normal, AlertType::Info)
    );
    assert!(e.text.is_empty());
    let Message::Event(e) = one("_e{5,9}:été|line\\none") else {
        panic!()
    };
    assert_eq!(e.title.unescape(), "été");
    assert_eq!(e.text.unescape(), "line\none");
    // A text holding `|` is fine: the lengths say where it ends.
    let Message::Event(e) = one("_e{1,3}:t|a|b|#x") else {
        panic!()
    };
    assert_eq!(e.text.as_wire(), "a|b");
}

#[test]
fn event_errors_are_specific() {
    assert_eq!(
        error("_e{5,4}:hi|text"),
        ErrorKind::EventLength { title: 5, text: 4 }
    );
    assert_eq!(
        error("_e{2,10}:hi|text"),
        ErrorKind::EventLength { title: 2, text: 10 }
    );
    assert_eq!(
        error("_e{2,2}:hi|textmore"),
        ErrorKind::EventLength { title: 2, text: 2 }
    );
    assert_eq!(error("_e{x,4}:hi|text"), ErrorKind::EventHeader);
    assert_eq!(error("_e{2,4}hi|text"), ErrorKind::EventHeader);
    assert_eq!(error("_e{0,4}:|text"), ErrorKind::EmptyEventTitle);
    // A length that splits a UTF-8 character is a length error, not a panic.
    assert_eq!(
        error("_e{1,1}:é|x"),
        ErrorKind::EventLength { title: 1, text: 1 }
    );
}

#[test]
fn malformed_optional_event_fields_are_skipped_like_the_agent() {
    let Message::Event(e) = one("_e{1,1}:a|b|p:urgent|t:fatal|d:soon|h:h1") else {
        panic!()
    };
    assert_eq!((e.priority, e.alert_type, e.timestamp), (None, None, None));
    assert_eq!(e.hostname, Some("h1"));
}

#[test]
fn service_checks_read_every_field_and_the_message_last() {
    let Message::ServiceCheck(c) = one(
        "_sc|Redis connection|2|d:1700000000|h:db1|#env:dev,role:cache|m:Redis timed out|after 10s",
    ) else {
        panic!()
    };
    assert_eq!(c.name, "Redis connection");
    assert_eq!(c.status, Status::Critical);
    assert_eq!(c.timestamp, Some(1_700_000_000));
    assert_eq!(c.hostname, Some("db1"));
    assert_eq!(c.tags.iter().collect::<Vec<_>>(), ["env:dev", "role:cache"]);
    assert_eq!(c.message.unwrap().unescape(), "Redis timed out|after 10s");
    for (code, status) in [
        ("0", Status::Ok),
        ("1", Status::Warning),
        ("3", Status::Unknown),
    ] {
        let line = format!("_sc|x|{code}");
        let Message::ServiceCheck(c) = one(&line) else {
            panic!()
        };
        assert_eq!(c.status, status);
    }
}

#[test]
fn service_check_errors_are_specific() {
    assert_eq!(error("_sc|x|4"), ErrorKind::InvalidStatus("4".into()));
    assert_eq!(error("_sc|x|"), ErrorKind::InvalidStatus(String::new()));
    assert_eq!(error("_sc|x"), ErrorKind::MissingCheckName);
    assert_eq!(error("_sc||0"), ErrorKind::MissingCheckName);
}

#[test]
fn a_metric_named_like_a_prefix_is_still_a_metric() {
    // The Agent reads anything starting with `_sc` as a service check; herd needs `_sc|`.
    assert_eq!(metric("_score:5|g").name, "_score");
    assert_eq!(metric("_events:1|c").name, "_events");
}

#[test]
fn metric_errors_name_what_is_wrong() {
    assert_eq!(error("page.views"), ErrorKind::MissingColon);
    assert_eq!(error("page.views|c"), ErrorKind::MissingColon);
    assert_eq!(error(":1|c"), ErrorKind::EmptyName);
    assert_eq!(error("page.views:1"), ErrorKind::MissingType);
    assert_eq!(error("page.views:|c"), ErrorKind::EmptyValue);
    assert_eq!(error("page.views:1|x"), ErrorKind::UnknownType("x".into()));
    assert_eq!(
        error("page.views:1|"),
        ErrorKind::UnknownType(String::new())
    );
    assert_eq!(
        error("page.views:1|c|@2"),
        ErrorKind::InvalidSampleRate("2".into())
    );
    assert_eq!(
        error("page.views:1|c|@0"),
        ErrorKind::InvalidSampleRate("0".into())
    );
    assert_eq!(
        error("page.views:1|g|T0"),
        ErrorKind::InvalidTimestamp("0".into())
    );
    assert_eq!(
        error("page.views:1|g|Tabc"),
        ErrorKind::InvalidTimestamp("abc".into())
    );
    assert_eq!(
        error("page.views:1|g|card:max"),
        ErrorKind::InvalidCardinality("max".into())
    );
}

#[test]
fn error_display_names_message_offset_excerpt_and_the_fix() {
    let limits = Limits::default();
    let datagram = b"a:1|c\nb:2|c\npage.views:1|x";
    let err = decode(datagram, &limits).nth(2).unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "message 3 at byte 25: unknown metric type `x` in `page.views:1|x`; expected one of c, g, ms, h, s, d"
    );
    assert_eq!(err.message_offset, 12);
}

#[test]
fn invalid_utf8_is_an_error_at_its_byte() {
    let limits = Limits::default();
    let err = decode(b"ok:1|c\nna\xffme:1|c", &limits)
        .nth(1)
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidUtf8);
    assert_eq!(err.offset, 9);
}

#[test]
fn framing_crlf_blank_lines_and_trailing_newline() {
    let limits = Limits::default();
    let datagram = b"\n\na:1|c\r\n\r\nb:2|g\n\nc:3|ms\n";
    let names: Vec<_> = decode(datagram, &limits)
        .map(|m| match m.unwrap() {
            Message::Metric(m) => m.name,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn valid_neighbours_of_a_bad_message_still_decode() {
    let limits = Limits::default();
    let results: Vec<_> = decode(
        b"a:1|c\nbroken\nb:2|q\n_sc|x|0\n_e{9,1}:x|y\nc:3|g",
        &limits,
    )
    .collect();
    let ok: Vec<_> = results.iter().map(Result::is_ok).collect();
    assert_eq!(ok, [true, false, false, true, false, true]);
    let numbers: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| e.message)
        .collect();
    assert_eq!(numbers, [2, 3, 5]);
}

#[test]
fn limits_truncate_and_say_so() {
    let limits = Limits {
        max_name_len: 4,
        max_tag_len: 3,
        max_tags: 2,
        overflow: Overflow::Truncate,
    };
    let Some(Ok(Message::Metric(m))) = decode(b"abcdefg:1|c|#a,bcdef,,g,h", &limits).next() else {
        panic!()
    };
    assert_eq!(m.name, "abcd");
    assert_eq!(m.tags.iter().collect::<Vec<_>>(), ["a", "bcd"]);
    assert!(m.truncation.name && m.truncation.tag_count && m.truncation.tag_len);
    let Some(Ok(Message::Metric(m))) = decode(b"ab:1|c|#a,b", &limits).next() else {
        panic!()
    };
    assert!(!m.truncation.any());
}

#[test]
fn limits_reject_when_asked() {
    let limits = Limits {
        max_name_len: 4,
        max_tag_len: 3,
        max_tags: 2,
        overflow: Overflow::Reject,
    };
    let kind = |d: &[u8]| decode(d, &limits).next().unwrap().unwrap_err().kind;
    assert_eq!(
        kind(b"abcdefg:1|c"),
        ErrorKind::NameTooLong { len: 7, max: 4 }
    );
    assert_eq!(kind(b"ab:1|c|#a,b,c"), ErrorKind::TooManyTags { max: 2 });
    assert_eq!(
        kind(b"ab:1|c|#abcd"),
        ErrorKind::TagTooLong { len: 4, max: 3 }
    );
    assert_eq!(
        kind(b"_sc|abcdef|0"),
        ErrorKind::NameTooLong { len: 6, max: 4 }
    );
}

#[test]
fn truncation_never_splits_a_character() {
    let limits = Limits {
        max_name_len: 2,
        max_tag_len: 3,
        max_tags: 9,
        overflow: Overflow::Truncate,
    };
    let Some(Ok(Message::Metric(m))) = decode("é€:1|c|#aéb".as_bytes(), &limits).next() else {
        panic!()
    };
    assert_eq!(m.name, "é");
    assert_eq!(m.tags.iter().collect::<Vec<_>>(), ["aé"]);
}
