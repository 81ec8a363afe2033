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
fn service_checks_read_every_field() {
    let Message::ServiceCheck(c) =
        one("_sc|Redis connection|2|d:1700000000|h:db1|#env:dev,role:cache|m:Redis timed out")
    else {
        panic!()
    };
    assert_eq!(c.name, "Redis connection");
    assert_eq!(c.status, Status::Critical);
    assert_eq!(c.timestamp, Some(1_700_000_000));
    assert_eq!(c.hostname, Some("db1"));
    assert_eq!(c.tags.iter().collect::<Vec<_>>(), ["env:dev", "role:cache"]);
    assert_eq!(c.message.unwrap().unescape(), "Redis timed out");
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
        error("page.views:1|c|@-0.5"),
        ErrorKind::InvalidSampleRate("-0.5".into())
    );
    assert_eq!(
        error("page.views:1|g|T0"),
        ErrorKind::InvalidTimestamp("0".into())
    );
    assert_eq!(
        error("page.views:1|g|Tabc"),
        ErrorKind::InvalidTimestamp("abc".into())
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

// The Agent's reading of the rarer wire forms. Each case names the test (or, where no test
// covers it, the parser function) of DataDog/datadog-agent or DataDog/saluki it comes from.

#[track_caller]
fn check(datagram: &str) -> herd_dogstatsd::ServiceCheck<'_> {
    match one(datagram) {
        Message::ServiceCheck(c) => c,
        other => panic!("{datagram:?} is not a service check: {other:?}"),
    }
}

#[track_caller]
fn event(datagram: &str) -> herd_dogstatsd::Event<'_> {
    match one(datagram) {
        Message::Event(e) => e,
        other => panic!("{datagram:?} is not an event: {other:?}"),
    }
}

#[test]
fn service_check_message_ends_at_the_next_pipe_and_later_fields_are_read() {
    // DataDog/saluki, lib/saluki-io/src/deser/codec/dogstatsd/service_check.rs,
    // `service_check_fields_after_message`.
    let c = check(
        "_sc|testsvc|0|#tag1,tag2|m:service running properly|c:ci-1234567890|e:it-false,cn-redis,pu-810fe89d-da47-410b-8979-9154a40f8183",
    );
    assert_eq!(c.message.unwrap().as_wire(), "service running properly");
    assert_eq!(c.tags.iter().collect::<Vec<_>>(), ["tag1", "tag2"]);
    assert_eq!(c.origin.container_id, Some("ci-1234567890"));
    assert_eq!(c.origin.local_data().container_id, Some("1234567890"));
    assert_eq!(
        c.origin.external_data,
        Some("it-false,cn-redis,pu-810fe89d-da47-410b-8979-9154a40f8183")
    );

    // DataDog/datadog-agent, comp/dogstatsd/server/impl/parse_service_checks.go,
    // `parseServiceCheck`: every field after the status is cut at `|` by `nextField`, `m:`
    // included, so `|#tags` after the message are tags, and what follows a `|` inside a
    // message is a field of its own (here an unknown one, skipped).
    let c = check("_sc|db.up|2|m:connection refused|#env:prod,role:db");
    assert_eq!(c.message.unwrap().as_wire(), "connection refused");
    assert_eq!(c.tags.iter().collect::<Vec<_>>(), ["env:prod", "role:db"]);
    let c = check("_sc|db.up|2|m:timed out|after 10s|h:db1");
    assert_eq!(c.message.unwrap().as_wire(), "timed out");
    assert_eq!(c.hostname, Some("db1"));
    // A later `m:` replaces an earlier one, as every repeated field does.
    let c = check("_sc|db.up|2|m:first|m:second");
    assert_eq!(c.message.unwrap().as_wire(), "second");
}

#[test]
fn service_check_cases_of_the_agent_tests() {
    // DataDog/datadog-agent, comp/dogstatsd/server/impl/parse_service_checks_test.go,
    // `TestServiceCheckMinimal`.
    let c = check("_sc|agent.up|0");
    assert_eq!(
        (c.name, c.status, c.message),
        ("agent.up", Status::Ok, None)
    );
    // `TestServiceCheckMetadataMessage`.
    let c = check("_sc|agent.up|0|m:this is fine");
    assert_eq!(c.message.unwrap().as_wire(), "this is fine");
    // `TestServiceCheckMetadataMultiple`, both cases: all fields; repeated fields, last wins.
    let c = check("_sc|agent.up|0|d:21|h:localhost|#tag1:test,tag2|m:this is fine");
    assert_eq!(
        (c.timestamp, c.hostname, c.message.unwrap().as_wire()),
        (Some(21), Some("localhost"), "this is fine")
    );
    assert_eq!(c.tags.iter().collect::<Vec<_>>(), ["tag1:test", "tag2"]);
    let c = check("_sc|agent.up|0|d:21|h:localhost|h:localhost2|d:22");
    assert_eq!((c.timestamp, c.hostname), (Some(22), Some("localhost2")));
    // `TestServiceCheckError`: errors, and the two that are not.
    for bad in [
        "_sc|agent.up",
        "_sc|agent.up|",
        "_sc||",
        "_sc|",
        "_sc|agent.up|OK",
        "_sc|agent.up|21",
    ] {
        error(bad);
    }
    assert_eq!(check("_sc|agent.up|0|d:some_time").timestamp, None);
    check("_sc|agent.up|0|u:unknown");
    // DataDog/saluki, service_check.rs, `service_check_multiple_extensions`.
    let c = check(
        "_sc|testsvc|3|d:1234567890|h:myhost|c:abcdef123456|e:it-false,cn-redis,pu-810fe89d-da47-410b-8979-9154a40f8183|card:none|#tag1,tag2|m:service status unknown",
    );
    assert_eq!(c.status, Status::Unknown);
    assert_eq!(c.message.unwrap().as_wire(), "service status unknown");
    assert_eq!(c.origin.local_data().container_id, Some("abcdef123456"));
    assert_eq!(c.origin.cardinality, Some(Cardinality::None));
}

#[test]
fn local_data_takes_every_form_the_agent_reads() {
    use herd_dogstatsd::{LocalData, Origin};
    let read = |raw: &'static str| {
        Origin {
            container_id: Some(raw),
            ..Origin::default()
        }
        .local_data()
    };
    let id = |id| LocalData {
        container_id: Some(id),
        cgroup_inode: None,
    };
    // DataDog/datadog-agent, comp/core/tagger/origindetection/origindetection_test.go,
    // `TestParseLocalData`, every case ("Invalid inode" is an error there, logged; the
    // Agent keeps what it could read, which is nothing).
    assert_eq!(read(""), LocalData::default());
    assert_eq!(read("ci-abc123"), id("abc123"));
    assert_eq!(
        read("in-12345"),
        LocalData {
            container_id: None,
            cgroup_inode: Some(12345)
        }
    );
    let both = LocalData {
        container_id: Some("abc123"),
        cgroup_inode: Some(12345),
    };
    assert_eq!(read("ci-abc123,in-12345"), both);
    assert_eq!(read("in-12345,ci-abc123"), both);
    assert_eq!(read("in-invalid"), LocalData::default());
    assert_eq!(read("cid-abc123"), id("abc123"));
    assert_eq!(read("abc123"), id("abc123"));
    // origindetection.go, `ParseLocalData`: in a list only `ci-` and `in-` entries count (a
    // bare id is ignored there), a later entry of a kind wins, and an inode is a `u64`.
    assert_eq!(read("abc123,in-7").container_id, None);
    assert_eq!(read("ci-a,ci-b"), id("b"));
    assert_eq!(read("in-+5"), LocalData::default());
    assert_eq!(read("in-18446744073709551616"), LocalData::default());
    // The entries in order, for a consumer that wants them all.
    let origin = Origin {
        container_id: Some("in-42,junk,ci-0123"),
        ..Origin::default()
    };
    assert_eq!(
        origin.containers().collect::<Vec<_>>(),
        [
            ContainerRef::CgroupInode("42"),
            ContainerRef::ContainerId("0123")
        ]
    );
}

#[test]
fn the_c_field_is_read_on_metrics_events_and_service_checks() {
    // DataDog/datadog-agent, comp/dogstatsd/server/impl/parse_metrics_test.go,
    // `TestParseContainerID`.
    let m = metric("metric:1234|g|c:1234567890abcdef");
    assert_eq!(m.origin.local_data().container_id, Some("1234567890abcdef"));
    // `TestParseManyPipes`, the four sub-tests: `c:` among other fields, then unknown
    // future fields after it, which are skipped.
    let id = "2a25f7fc8fbf573d62053d7263dd2d440c07b6ab4d2b107e50b0d4df1f2ee15f";
    for line in [
        format!("example.metric:2.39283|d|@1.000000|#environment:dev|c:{id}"),
        format!("example.metric:2.39283|d|T1657100540|@1.000000|#environment:dev|c:{id}"),
        format!("example.metric:2.39283|d|T1657100540|@1.000000|#environment:dev|c:{id}|f:wowthisisacoolfeature"),
        format!("example.metric:2.39283|d|T1657100540|@1.000000|#environment:dev|c:{id}|f:wowthisisacoolfeature|f2:omgthisoneiscooler"),
    ] {
        let m = metric(&line);
        assert_eq!(m.origin.local_data().container_id, Some(id), "{line}");
        assert_eq!(tags(&m), ["environment:dev"]);
        assert_eq!(m.rate(), 1.0);
    }
    // comp/dogstatsd/server/impl/gpu_job_metadata_test.go,
    // `TestGPUJobMetadataEventPublishesOrchestratorTagsFromLocalData`: `c:ci-…` on an event.
    let e = event(
        "_e{15,5}:datadog.gpu.job|start|s:datadog_gpu_job|c:ci-demo-container|#gpu_job_id:job-123,team:ml",
    );
    assert_eq!(e.origin.local_data().container_id, Some("demo-container"));
    assert_eq!(
        e.tags.iter().collect::<Vec<_>>(),
        ["gpu_job_id:job-123", "team:ml"]
    );
    // Both forms together, in either order, on a service check (parse_service_checks.go,
    // `applyServiceCheckOptionalField`, `localDataPrefix`).
    for raw in ["ci-0123,in-42", "in-42,ci-0123"] {
        let line = format!("_sc|x|0|c:{raw}|m:ok");
        let c = check(&line);
        assert_eq!(
            c.origin.local_data(),
            herd_dogstatsd::LocalData {
                container_id: Some("0123"),
                cgroup_inode: Some(42)
            }
        );
    }
}

#[test]
fn event_lengths_shorter_than_the_text_are_cut_as_the_agent_cuts_them() {
    // DataDog/datadog-agent, comp/dogstatsd/server/impl/parse_events.go, `parseEvent`: the
    // title is the first `a` bytes, one byte is skipped unchecked, the text is the next `b`
    // bytes; only a length past the end is an error. What follows the text is split on `|`
    // into optional fields, the first of them starting right after the text.
    let e = event("_e{2,2}:hi|textmore");
    assert_eq!((e.title.as_wire(), e.text.as_wire()), ("hi", "te"));
    // The rest of the text (`xtmore`) is a field the Agent does not know: skipped; the fields
    // after it are read.
    let e = event("_e{2,2}:hi|textmore|#env:prod|p:low");
    assert_eq!(e.tags.iter().collect::<Vec<_>>(), ["env:prod"]);
    assert_eq!(e.priority(), Priority::Low);
    // A title length one short: the byte skipped is the title's last, the text starts at
    // the `|`.
    let e = event("_e{4,4}:title|text");
    assert_eq!((e.title.as_wire(), e.text.as_wire()), ("titl", "|tex"));
    // A title length one long: the title takes the `|`, the skipped byte is the text's first.
    let e = event("_e{6,3}:title|text");
    assert_eq!((e.title.as_wire(), e.text.as_wire()), ("title|", "ext"));
    // When the rest of a cut text starts like a field, it is one (the Agent reads it so).
    let e = event("_e{2,2}:hi|te#x:y");
    assert_eq!(e.tags.iter().collect::<Vec<_>>(), ["x:y"]);
    // A text length of 0 on a non-empty text: the whole text is the first (skipped) field.
    let e = event("_e{2,0}:hi|the text|t:error");
    assert!(e.text.is_empty());
    assert_eq!(e.alert_type(), AlertType::Error);
    // Too long is still an error (`TestEventError`, "greater length than packet").
    assert_eq!(
        error("_e{10,10}:title|text"),
        ErrorKind::EventLength {
            title: 10,
            text: 10
        }
    );
    assert_eq!(
        error("_e{2,10}:hi|text"),
        ErrorKind::EventLength { title: 2, text: 10 }
    );
    // Lengths whose sum overflows are a length error, not a panic (the Agent's regression
    // seed testdata/fuzz/FuzzParseEventWithEnrich/cf83c5a5edf44df4 is this overflow).
    assert_eq!(
        error("_e{18446744073709551615,1}:a|b"),
        ErrorKind::EventLength {
            title: usize::MAX,
            text: 1
        }
    );
    // herd's one difference: a cut inside a UTF-8 character is an error (the Agent would
    // send the broken bytes on).
    assert_eq!(
        error("_e{2,1}:été|x"),
        ErrorKind::EventLength { title: 2, text: 1 }
    );
}

#[test]
fn event_cases_of_the_agent_tests() {
    // DataDog/datadog-agent, comp/dogstatsd/server/impl/parse_events_test.go.
    // `TestEventMinimal`.
    let e = event("_e{10,9}:test title|test text");
    assert_eq!(
        (e.title.as_wire(), e.text.as_wire()),
        ("test title", "test text")
    );
    // `TestEventMultilinesText`: only `\n` is an escape; `\l` stays as sent.
    let e = event("_e{10,24}:test title|test\\line1\\nline2\\nline3");
    assert_eq!(e.text.unescape(), "test\\line1\nline2\nline3");
    // `TestEventPipeInTitle`.
    let e = event("_e{10,24}:test|title|test\\line1\\nline2\\nline3");
    assert_eq!(e.title.as_wire(), "test|title");
    // `TestEventMetadataMultiple`.
    let e = event(
        "_e{10,9}:test title|test text|t:warning|d:12345|p:low|h:some.host|k:aggKey|s:source test|#tag1,tag2:test",
    );
    assert_eq!(
        (e.alert_type(), e.timestamp, e.priority(), e.hostname),
        (
            AlertType::Warning,
            Some(12345),
            Priority::Low,
            Some("some.host")
        )
    );
    assert_eq!(
        (e.aggregation_key, e.source_type),
        (Some("aggKey"), Some("source test"))
    );
    // `TestEventEmptyText`, `TestEventEmptyTextWithAlertType`.
    assert!(event("_e{10,0}:test title|").text.is_empty());
    assert_eq!(
        event("_e{10,0}:test title||t:warning").alert_type(),
        AlertType::Warning
    );
    // `TestEventEmptyTitle`.
    assert_eq!(error("_e{0,9}:|test text"), ErrorKind::EmptyEventTitle);
    // `TestEventError`: every case that is an error there is one here (`_e|text` and
    // `_e:|text` lack the `_e{` prefix, so they are read as metrics and fail as such).
    for bad in [
        "_e:title|text",
        "_e{10,10}:title|text",
        "_e{0,0}:a|a",
        "_e{0,4}:text",
        "_e{5555:title|text",
        "_e{a,1}:title|text",
        "_e{1,a}:title|text",
        "_e{5,}:title|text",
        "_e{,4}:title|text",
        "_e{}:title|text",
        "_e{,}:title|text",
        "_e|text",
        "_e:|text",
        "_e{-123,-987}:",
        "_e{5,-987}:title",
        "_e{0001,-9876",
    ] {
        error(bad);
    }
    // ... and the malformed optional fields that are not errors there are not here.
    for fine in [
        "_e{5,4}:title|text|d:abc",
        "_e{5,4}:title|text|p:urgent",
        "_e{5,4}:title|text|t:test",
        "_e{5,4}:title|text|x:1234",
    ] {
        assert_eq!(event(fine).title.as_wire(), "title", "{fine}");
    }
}

#[test]
fn sample_rate_zero_is_accepted_and_weighs_like_one() {
    // DataDog/datadog-agent: the parser takes any float as a rate
    // (comp/dogstatsd/server/impl/parse_metrics.go, `parseMetricSampleSampleRate`; only
    // `@abc` is an error, `TestParseMetricError`); the histogram and timer aggregation reads
    // 0 as 1 (pkg/metrics/histogram.go, `addSample`), and so does the distribution sketch
    // (pkg/quantile, `Agent.Insert`, "a rate outside (0, 1] ... falls back to unsampled").
    // DataDog/saluki, metric.rs, `minimum_sample_rate`: "test:1|d|@0" parses.
    for line in ["test:1|d|@0", "lat:5|h|@0", "lat:5|ms|@0.0", "hits:2|c|@0"] {
        let m = metric(line);
        assert_eq!(m.sample_rate, Some(0.0), "{line}");
        assert_eq!(m.rate(), 1.0, "{line}");
    }
    // Kept as sent, so it encodes back to `@0`.
    let mut wire = Vec::new();
    one("hits:2|c|@0").encode(&mut wire);
    assert_eq!(wire, b"hits:2|c|@0");
    // The Agent rejects a rate that is not a number (`TestParseMetricError`, `@abc`); herd
    // also rejects the out-of-range ones (see docs/statsd.md).
    assert_eq!(
        error("daemon:666|g|@abc"),
        ErrorKind::InvalidSampleRate("abc".into())
    );
    assert_eq!(
        error("daemon:666|g|@1.5"),
        ErrorKind::InvalidSampleRate("1.5".into())
    );
}

#[test]
fn an_unknown_cardinality_is_ignored_and_the_message_kept() {
    // DataDog/saluki, lib/saluki-io/src/deser/codec/dogstatsd/helpers.rs,
    // `cardinality_unknown_value_returns_none` ("matches the behavior of the core Datadog
    // Agent, which silently ignores unrecognized values") and `cardinality_case_insensitive`
    // (the Agent's `StringToTagCardinality` lower-cases the value).
    let m = metric("page.views:1|g|card:max");
    assert_eq!((m.name, m.origin.cardinality), ("page.views", None));
    for (raw, want) in [
        ("LOW", Cardinality::Low),
        ("HIGH", Cardinality::High),
        ("Orchestrator", Cardinality::Orchestrator),
        ("NONE", Cardinality::None),
    ] {
        let line = format!("x:1|c|card:{raw}");
        assert_eq!(metric(&line).origin.cardinality, Some(want), "{line}");
    }
    // A later `card:` replaces an earlier one, an unknown value included.
    assert_eq!(metric("x:1|c|card:low|card:bogus").origin.cardinality, None);
    assert_eq!(
        check("_sc|x|0|card:nope|m:ok").message.unwrap().as_wire(),
        "ok"
    );
    assert_eq!(
        event("_e{1,1}:a|b|card:High").origin.cardinality,
        Some(Cardinality::High)
    );
}
