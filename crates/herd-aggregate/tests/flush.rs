//! Flush semantics, with the Agent's numbers, on a controlled clock (no sleeps).

use herd_aggregate::{AggregateConfig, Aggregator, Flush, HistogramAggregate, Outcome, PointKind};
use herd_dogstatsd::{decode, Limits};

/// 2023-11-14 22:13:20 UTC, a multiple of 10 s.
const T0: u64 = 1_700_000_000_000;

fn feed(agg: &mut Aggregator, lines: &str, now_ms: u64) -> Vec<Outcome> {
    let limits = Limits::default();
    decode(lines.as_bytes(), &limits)
        .map(|m| agg.insert(&m.unwrap(), now_ms))
        .collect()
}

/// `(name, kind, value, timestamp_s, tags, host)` of every scalar point, sorted.
fn points(flush: &Flush) -> Vec<(String, &'static str, f64, u64, String, String)> {
    let mut out: Vec<_> = flush
        .points
        .iter()
        .filter_map(|p| {
            Some((
                p.name(),
                p.kind.as_str(),
                p.scalar()?,
                p.timestamp_ms / 1000,
                p.context.tags().collect::<Vec<_>>().join(","),
                p.context.host().to_owned(),
            ))
        })
        .collect();
    out.sort_by(|a, b| a.partial_cmp(b).unwrap());
    out
}

fn simple(flush: &Flush) -> Vec<(String, &'static str, f64)> {
    points(flush)
        .into_iter()
        .map(|(n, k, v, ..)| (n, k, v))
        .collect()
}

#[test]
fn counters_sum_value_over_rate_and_emit_a_rate_per_second() {
    let mut agg = Aggregator::new(AggregateConfig::default());
    feed(
        &mut agg,
        "hits:1|c|@0.5\nhits:1|c|@0.5\nhits:1|c|@0.5",
        T0 + 3_000,
    );
    let flush = agg.flush(T0 + 10_000);
    assert_eq!(
        points(&flush),
        [(
            "hits".into(),
            "rate",
            0.6,
            T0 / 1000,
            String::new(),
            String::new()
        )]
    );
    assert_eq!(flush.points[0].interval_ms, 10_000);
}

#[test]
fn histograms_give_the_agent_aggregates_with_count_as_a_rate() {
    let mut agg = Aggregator::new(AggregateConfig::default());
    feed(&mut agg, "lat:10|ms\nlat:30|ms", T0);
    let got = simple(&agg.flush(T0 + 10_000));
    let want = [
        ("lat.95percentile", "gauge", 30.0),
        ("lat.avg", "gauge", 20.0),
        ("lat.count", "rate", 0.2),
        ("lat.max", "gauge", 30.0),
        ("lat.median", "gauge", 10.0),
    ];
    assert_eq!(got, want.map(|(n, k, v)| (n.to_owned(), k, v)));
}

#[test]
fn histogram_weights_are_truncated_inverse_rates_and_shape_the_median() {
    let mut agg = Aggregator::new(AggregateConfig {
        histogram_aggregates: vec![
            HistogramAggregate::Median,
            HistogramAggregate::Count,
            HistogramAggregate::Sum,
            HistogramAggregate::Min,
        ],
        histogram_percentiles: vec![50, 99],
        ..AggregateConfig::default()
    });
    // 1/0.3 = 3.33: weight 3, but the sum uses 3.33.
    feed(&mut agg, "h:1|h|@0.3\nh:100|h\nh:200|h", T0);
    let got = simple(&agg.flush(T0 + 10_000));
    let get = |n: &str| got.iter().find(|p| p.0 == n).unwrap().2;
    assert_eq!(get("h.median"), 1.0, "weight 3 of 5 on the smallest value");
    assert_eq!(get("h.count"), 0.5);
    assert!((get("h.sum") - (1.0 / 0.3 + 300.0)).abs() < 1e-9);
    assert_eq!(get("h.min"), 1.0);
    assert_eq!(get("h.50percentile"), 1.0);
    assert_eq!(get("h.99percentile"), 200.0);
}

#[test]
fn gauges_keep_the_last_value_and_sets_count_distinct_members() {
    let mut agg = Aggregator::new(AggregateConfig::default());
    feed(
        &mut agg,
        "g:5|g\ng:7|g|@0.1\nu:a|s\nu:b|s\nu:a|s\nu:a:b|s",
        T0 + 1,
    );
    assert_eq!(
        simple(&agg.flush(T0 + 10_000)),
        [
            ("g".to_owned(), "gauge", 7.0),
            ("u".to_owned(), "gauge", 3.0)
        ]
    );
}

#[test]
fn packed_values_count_as_separate_samples() {
    let mut agg = Aggregator::new(AggregateConfig::default());
    feed(&mut agg, "c:1:2:3|c\ng:1:2:9|g", T0);
    assert_eq!(
        simple(&agg.flush(T0 + 10_000)),
        [
            ("c".to_owned(), "rate", 0.6),
            ("g".to_owned(), "gauge", 9.0)
        ]
    );
}

#[test]
fn buckets_align_to_the_interval_and_only_closed_ones_flush() {
    let mut agg = Aggregator::new(AggregateConfig::default());
    feed(&mut agg, "a:1|c", T0 + 9_999);
    feed(&mut agg, "a:1|c", T0 + 10_000);
    let first = points(&agg.flush(T0 + 15_000));
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].3, T0 / 1000);
    let second = points(&agg.flush(T0 + 20_000));
    assert_eq!((second[0].2, second[0].3), (0.1, T0 / 1000 + 10));
}

#[test]
fn idle_counters_report_zero_for_the_expiry_then_disappear() {
    let mut agg = Aggregator::new(AggregateConfig {
        counter_expiry_ms: 30_000,
        ..AggregateConfig::default()
    });
    feed(&mut agg, "c:5|c\ng:1|g", T0);
    assert_eq!(points(&agg.flush(T0 + 10_000)).len(), 2);
    // The next three flushes (30 s) report 0 for the counter and nothing for the gauge.
    for i in 2..=4 {
        let got = points(&agg.flush(T0 + i * 10_000));
        assert_eq!(got.len(), 1, "flush {i}");
        assert_eq!((got[0].2, got[0].3), (0.0, T0 / 1000 + (i - 1) * 10));
    }
    assert!(agg.flush(T0 + 50_000).points.is_empty());
    // A flush that skipped buckets (the clock jumped) still reports each zero.
    feed(&mut agg, "c:5|c", T0 + 60_000);
    let got = points(&agg.flush(T0 + 100_000));
    assert_eq!(
        got.iter().map(|p| p.2).collect::<Vec<_>>(),
        [0.0, 0.0, 0.0, 0.5]
    );
}

#[test]
fn host_tags_set_the_host_and_tags_are_sorted_deduplicated_and_extended() {
    let mut agg = Aggregator::new(AggregateConfig {
        hostname: "default-host".into(),
        extra_tags: vec!["dyno:web.1".into()],
        ..AggregateConfig::default()
    });
    feed(
        &mut agg,
        "m:1|g|#z:1,a:2,z:1,host:db1,dd.internal.entity_id:xyz\nm:2|g|#a:2,z:1",
        T0,
    );
    let got = points(&agg.flush(T0 + 10_000));
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].4.as_str(), got[0].5.as_str()),
        ("a:2,dyno:web.1,z:1", "db1")
    );
    assert_eq!(
        (got[1].4.as_str(), got[1].5.as_str()),
        ("a:2,dyno:web.1,z:1", "default-host")
    );
}

#[test]
fn timestamped_gauges_and_counts_bypass_aggregation() {
    let mut agg = Aggregator::new(AggregateConfig::default());
    feed(
        &mut agg,
        "g:3|g|T1600000000\ng:4|g|T1600000005\nc:2|c|@0.5|T1600000000\nh:1|h|T1600000000",
        T0,
    );
    let flush = agg.flush(T0 + 10_000);
    let got = points(&flush);
    assert!(got.contains(&(
        "g".into(),
        "gauge",
        3.0,
        1_600_000_000,
        String::new(),
        String::new()
    )));
    assert!(got.contains(&(
        "g".into(),
        "gauge",
        4.0,
        1_600_000_005,
        String::new(),
        String::new()
    )));
    assert!(got.contains(&(
        "c".into(),
        "count",
        2.0,
        1_600_000_000,
        String::new(),
        String::new()
    )));
    assert!(
        got.iter().any(|p| p.0 == "h.max" && p.3 == T0 / 1000),
        "histograms ignore T"
    );
}

#[test]
fn the_context_limit_drops_new_contexts_and_says_so() {
    let mut agg = Aggregator::new(AggregateConfig {
        context_limit: 2,
        ..AggregateConfig::default()
    });
    let outcomes = feed(&mut agg, "a:1|c\nb:1|c\nc:1|c\na:1|c", T0);
    assert_eq!(
        outcomes,
        [
            Outcome::Aggregated,
            Outcome::Aggregated,
            Outcome::ContextLimit,
            Outcome::Aggregated
        ]
    );
    assert_eq!(agg.contexts(), 2);
}

#[test]
fn flush_all_loses_nothing_of_the_open_bucket() {
    let mut agg = Aggregator::new(AggregateConfig::default());
    feed(&mut agg, "a:1|c", T0 + 2_000);
    feed(&mut agg, "a:1|c\n_e{1,1}:t|x\n_sc|c|1", T0 + 12_000);
    let flush = agg.flush_all(T0 + 13_000);
    let got = points(&flush);
    assert_eq!(
        got.iter().map(|p| p.3).collect::<Vec<_>>(),
        [T0 / 1000, T0 / 1000 + 10]
    );
    assert_eq!((flush.events.len(), flush.checks.len()), (1, 1));
    assert!(agg.flush_all(T0 + 14_000).points.is_empty());
}

#[test]
fn distributions_build_one_sketch_weighted_by_rate() {
    let mut agg = Aggregator::new(AggregateConfig::default());
    feed(&mut agg, "d:10|d|@0.25\nd:20|d\nd:30:40|d", T0);
    let flush = agg.flush(T0 + 10_000);
    assert_eq!(flush.points.len(), 1);
    let p = &flush.points[0];
    assert_eq!(p.kind, PointKind::Sketch);
    let herd_aggregate::Value::Sketch(s) = &p.value else {
        panic!()
    };
    assert_eq!(
        (s.count(), s.sum(), s.min(), s.max()),
        (7, 130.0, 10.0, 40.0)
    );
}

#[test]
fn etsy_gauge_deltas_apply_only_when_asked() {
    let mut dogstatsd = Aggregator::new(AggregateConfig::default());
    feed(&mut dogstatsd, "g:10|g\ng:-3|g", T0);
    assert_eq!(simple(&dogstatsd.flush(T0 + 10_000))[0].2, -3.0);
    let mut etsy = Aggregator::new(AggregateConfig {
        etsy_gauges: true,
        ..AggregateConfig::default()
    });
    feed(&mut etsy, "g:10|g\ng:-3|g\ng:+1|g", T0);
    assert_eq!(simple(&etsy.flush(T0 + 10_000))[0].2, 8.0);
    feed(&mut etsy, "g:+2|g", T0 + 10_000);
    assert_eq!(
        simple(&etsy.flush(T0 + 20_000))[0].2,
        10.0,
        "deltas carry across flushes"
    );
}

#[test]
fn etsy_multi_metric_lines_feed_each_group() {
    let mut agg = Aggregator::new(AggregateConfig::default());
    feed(&mut agg, "k:1|c:250|ms", T0);
    let got = simple(&agg.flush(T0 + 10_000));
    assert!(got.contains(&("k".to_owned(), "rate", 0.1)));
    assert!(got.contains(&("k.max".to_owned(), "gauge", 250.0)));
}

#[test]
fn events_and_checks_keep_their_fields_with_host_and_tags_resolved() {
    let mut agg = Aggregator::new(AggregateConfig {
        hostname: "h0".into(),
        ..AggregateConfig::default()
    });
    feed(
        &mut agg,
        "_e{5,7}:Title|line\\n2|p:low|t:error|#b,a,host:web9\n_sc|db|2|h:db1|#x|m:down",
        T0 + 5_000,
    );
    let flush = agg.flush(T0 + 10_000);
    let e = &flush.events[0];
    assert_eq!(
        (e.title.as_str(), e.text.as_str(), e.host.as_str()),
        ("Title", "line\n2", "web9")
    );
    assert_eq!(
        (e.priority, e.alert_type, e.tags.clone()),
        ("low", "error", vec!["a".to_owned(), "b".to_owned()])
    );
    assert_eq!(e.timestamp, (T0 + 5_000) as i64 / 1000);
    let c = &flush.checks[0];
    assert_eq!(
        (
            c.name.as_str(),
            c.status,
            c.host.as_str(),
            c.message.as_str()
        ),
        ("db", 2, "db1", "down")
    );
}

#[test]
fn sub_second_intervals_work() {
    let mut agg = Aggregator::new(AggregateConfig {
        interval_ms: 500,
        ..AggregateConfig::default()
    });
    feed(&mut agg, "c:1|c", T0 + 100);
    feed(&mut agg, "c:1|c", T0 + 600);
    let got = points(&agg.flush(T0 + 1_000));
    assert_eq!(got.iter().map(|p| p.2).collect::<Vec<_>>(), [2.0, 2.0]);
}

#[test]
fn batch_insertion_gives_the_same_points_and_counts_as_one_by_one() {
    let lines = "a:1|c|#x\nb:2|g\n_sc|c|0\na:3|c|#x\nh:5|ms|@0.5\nd:7|d\nu:q|s\nk:1|c:2|g\nnew:1|c\nnewer:1|c";
    let limits = Limits::default();
    let messages: Vec<_> = decode(lines.as_bytes(), &limits)
        .map(Result::unwrap)
        .collect();
    let config = AggregateConfig {
        context_limit: 6,
        ..AggregateConfig::default()
    };
    let mut one = Aggregator::new(config.clone());
    let outcomes: Vec<_> = messages.iter().map(|m| one.insert(m, T0)).collect();
    let mut batch = Aggregator::new(config);
    let (ok, dropped) = batch.insert_batch(&messages, T0);
    let limited = outcomes
        .iter()
        .filter(|o| **o == Outcome::ContextLimit)
        .count() as u64;
    assert_eq!((ok, dropped), (outcomes.len() as u64 - limited, limited));
    assert!(dropped > 0, "the limit was reached");
    let (a, b) = (one.flush(T0 + 10_000), batch.flush(T0 + 10_000));
    assert_eq!(points(&a), points(&b));
    assert_eq!(a.checks, b.checks);
}

#[test]
fn every_wire_form_of_a_context_reaches_the_same_context_even_after_ids_are_reused() {
    let mut agg = Aggregator::new(AggregateConfig {
        context_expiry_ms: 20_000,
        ..AggregateConfig::default()
    });
    // Three spellings of one context (tag order, a duplicate, `host:` moved), batched and not.
    let lines = "m:1|g|#a,b,host:h\nm:2|g|#b,a,host:h\nm:3|g|#host:h,b,a,a";
    let limits = Limits::default();
    let messages: Vec<_> = decode(lines.as_bytes(), &limits)
        .map(Result::unwrap)
        .collect();
    agg.insert_batch(&messages, T0);
    feed(&mut agg, "m:4|g|#a,host:h,b", T0 + 1);
    assert_eq!(agg.contexts(), 1);
    assert_eq!(
        points(&agg.flush(T0 + 10_000)),
        [(
            "m".into(),
            "gauge",
            4.0,
            T0 / 1000,
            "a,b".into(),
            "h".into()
        )]
    );
    // `m` expires; `n` takes its id; `m`'s old wire forms must not lead to `n`.
    assert!(agg.flush(T0 + 60_000).points.is_empty());
    assert_eq!(agg.contexts(), 0);
    feed(&mut agg, "n:7|g|#c", T0 + 60_000);
    feed(&mut agg, "m:5|g|#b,a,host:h", T0 + 60_001);
    assert_eq!(
        simple(&agg.flush(T0 + 70_000)),
        [("m".into(), "gauge", 5.0), ("n".into(), "gauge", 7.0)]
    );
}

#[test]
fn a_late_flush_still_gives_an_idle_counter_its_zeros_when_a_later_bucket_has_samples() {
    // As the Agent, whose flush of each bucket happens before the next bucket's samples: a
    // sample waiting in the open bucket does not take away the zeros of the buckets before it.
    let mut agg = Aggregator::new(AggregateConfig {
        counter_expiry_ms: 30_000,
        ..AggregateConfig::default()
    });
    feed(&mut agg, "c:1|c", T0);
    assert_eq!(simple(&agg.flush(T0 + 10_000)), [("c".into(), "rate", 0.1)]);
    feed(&mut agg, "c:1|c", T0 + 30_000);
    let got = points(&agg.flush(T0 + 30_000));
    assert_eq!(
        got.iter().map(|p| (p.2, p.3)).collect::<Vec<_>>(),
        [(0.0, T0 / 1000 + 10), (0.0, T0 / 1000 + 20)]
    );
    assert_eq!(
        points(&agg.flush(T0 + 40_000))
            .iter()
            .map(|p| (p.2, p.3))
            .collect::<Vec<_>>(),
        [(0.1, T0 / 1000 + 30)]
    );
}
