//! The semantics table: hand-computed answers for every aggregator, rollup, `as_count`/`as_rate`,
//! fill, group-by, scope form and function, from known points. The expected numbers are
//! worked out by hand from the points below (comments show the arithmetic), never by the
//! code under test.

mod support;

use herd_query::{MemorySource, QueryError, SeriesKind};
use support::{ask, assert_one, assert_series, key, points, series, sketch, Points, T0};

use SeriesKind::{Count, Gauge, Rate, Sketch};

/// The data every row reads. Over `[T0, T0 + 60 s)` with 20 s intervals, the average of each
/// `cpu` series per interval is:
///
/// | host | tags | points (s: value) | avg per 20 s |
/// |---|---|---|---|
/// | a | env:prod, role:web | 0:1 10:3 20:5 30:7 | 2, 6, – |
/// | b | env:prod, role:db | 0:10 10:20 20:30 40:40 50:60 | 15, 30, 50 |
/// | c | env:staging, role:web, canary | 0:100 20:200 40:300 | 100, 200, 300 |
fn data() -> MemorySource {
    let mut src = MemorySource::new();
    let host_a = key("cpu", "a", &["env:prod", "role:web"], Gauge, 10);
    series(
        &mut src,
        host_a,
        &[
            (0, 1.0),
            (10, 3.0),
            (20, 5.0),
            (30, 7.0),
            // For hour_before, day_before and week_before.
            (-3600, 42.0),
            (-3590, 44.0),
            (-86_400 + 20, 9.0),
            (-604_800 + 40, 5.0),
        ],
    );
    let host_b = key("cpu", "b", &["env:prod", "role:db"], Gauge, 10);
    series(
        &mut src,
        host_b,
        &[(0, 10.0), (10, 20.0), (20, 30.0), (40, 40.0), (50, 60.0)],
    );
    let host_c = key(
        "cpu",
        "c",
        &["env:staging", "role:web", "canary"],
        Gauge,
        10,
    );
    series(&mut src, host_c, &[(0, 100.0), (20, 200.0), (40, 300.0)]);

    // A DogStatsD counter stored as a rate (per second over 10 s).
    let ha = key("hits", "a", &["env:prod"], Rate, 10);
    series(
        &mut src,
        ha,
        &[(0, 0.6), (10, 0.4), (20, 1.0), (30, 0.0), (40, 0.5)],
    );
    let hb = key("hits", "b", &["env:prod"], Rate, 10);
    series(&mut src, hb, &[(0, 0.2), (20, 0.3)]);
    // A count (events per 10 s).
    let jobs = key("jobs", "a", &[], Count, 10);
    series(&mut src, jobs, &[(0, 3.0), (10, 1.0), (20, 4.0)]);
    // Datadog's documented case: 1 in each 20 s interval.
    let ones = key("ones", "", &[], Count, 20);
    series(&mut src, ones, &[(0, 1.0), (20, 1.0), (40, 1.0), (60, 1.0)]);

    // Gaps for fill.
    let gap = key("gap", "g", &[], Gauge, 10);
    series(&mut src, gap, &[(0, 10.0), (60, 40.0)]);
    let x = key("gap2", "x", &[], Gauge, 10);
    series(&mut src, x, &[(0, 1.0), (40, 3.0)]);
    let y = key("gap2", "y", &[], Gauge, 10);
    series(&mut src, y, &[(0, 10.0), (20, 20.0), (40, 30.0)]);

    // A distribution: host a holds 1..=100 and host b 101..=200 in the first interval; host
    // a holds four 5s in the second.
    let la = src.add_series(key("lat", "a", &["env:prod"], Sketch, 10));
    src.push_sketch(la, T0, sketch((1..=100).map(f64::from)));
    src.push_sketch(la, T0 + 20_000, sketch([5.0; 4]));
    let lb = src.add_series(key("lat", "b", &["env:prod"], Sketch, 10));
    src.push_sketch(lb, T0 + 5_000, sketch((101..=200).map(f64::from)));
    src
}

#[allow(clippy::unnecessary_wraps)]
fn s(v: f64) -> Option<f64> {
    Some(v)
}

/// One-series rows over `[T0, T0 + 60 s)` (20 s intervals): query → `(s, value)` points.
#[test]
fn table_of_single_series_answers() {
    let src = data();
    let rows: &[(&str, Points)] = &[
        // Space aggregators over the per-interval averages (2,6,–), (15,30,50), (100,200,300).
        (
            "avg:cpu{*}",
            &[(0, s(39.0)), (20, s(236.0 / 3.0)), (40, s(175.0))],
        ),
        (
            "sum:cpu{*}",
            &[(0, s(117.0)), (20, s(236.0)), (40, s(350.0))],
        ),
        ("min:cpu{*}", &[(0, s(2.0)), (20, s(6.0)), (40, s(50.0))]),
        (
            "max:cpu{*}",
            &[(0, s(100.0)), (20, s(200.0)), (40, s(300.0))],
        ),
        // Rollups: max a (3,7,–) b (20,30,60) c (100,200,300).
        (
            "sum:cpu{*}.rollup(max)",
            &[(0, s(123.0)), (20, s(237.0)), (40, s(360.0))],
        ),
        // min a (1,5,–) b (10,30,40) c (100,200,300).
        (
            "sum:cpu{*}.rollup(min)",
            &[(0, s(111.0)), (20, s(235.0)), (40, s(340.0))],
        ),
        // sum a (4,12,–) b (30,30,100) c (100,200,300).
        (
            "sum:cpu{*}.rollup(sum)",
            &[(0, s(134.0)), (20, s(242.0)), (40, s(400.0))],
        ),
        // count a (2,2,–) b (2,1,2) c (1,1,1).
        (
            "sum:cpu{*}.rollup(count)",
            &[(0, s(5.0)), (20, s(4.0)), (40, s(3.0))],
        ),
        // 30 s: a (1,3,5)→3 | 7; b (10,20,30)→20 | (40,60)→50; c (100,200)→150 | 300.
        (
            "sum:cpu{*}.rollup(avg, 30)",
            &[(0, s(173.0)), (30, s(357.0))],
        ),
        (
            "avg:cpu{*}.rollup(avg, 60)",
            &[(0, s((4.0 + 32.0 + 200.0) / 3.0))],
        ),
        // Scopes.
        (
            "sum:cpu{env:prod}",
            &[(0, s(17.0)), (20, s(36.0)), (40, s(50.0))],
        ),
        (
            "sum:cpu{!env:prod}",
            &[(0, s(100.0)), (20, s(200.0)), (40, s(300.0))],
        ),
        ("sum:cpu{host:a}", &[(0, s(2.0)), (20, s(6.0))]),
        (
            "sum:cpu{canary}",
            &[(0, s(100.0)), (20, s(200.0)), (40, s(300.0))],
        ),
        ("sum:cpu{env:prod,role:web}", &[(0, s(2.0)), (20, s(6.0))]),
        (
            "sum:cpu{env:prod,!role:web}",
            &[(0, s(15.0)), (20, s(30.0)), (40, s(50.0))],
        ),
        (
            "sum:cpu{role:web AND NOT host:c}",
            &[(0, s(2.0)), (20, s(6.0))],
        ),
        (
            "sum:cpu{env:staging OR role:db}",
            &[(0, s(115.0)), (20, s(230.0)), (40, s(350.0))],
        ),
        (
            "sum:cpu{(host:a OR host:b) AND role:db}",
            &[(0, s(15.0)), (20, s(30.0)), (40, s(50.0))],
        ),
        (
            "sum:cpu{host IN (a, c)}",
            &[(0, s(102.0)), (20, s(206.0)), (40, s(300.0))],
        ),
        (
            "sum:cpu{host NOT IN (a, c)}",
            &[(0, s(15.0)), (20, s(30.0)), (40, s(50.0))],
        ),
        (
            "sum:cpu{env:prod*}",
            &[(0, s(17.0)), (20, s(36.0)), (40, s(50.0))],
        ),
        (
            "sum:cpu{env:*ing}",
            &[(0, s(100.0)), (20, s(200.0)), (40, s(300.0))],
        ),
        ("sum:cpu{role:w*,env:prod}", &[(0, s(2.0)), (20, s(6.0))]),
        // Arithmetic: a (2,6), b (15,30,50).
        (
            "sum:cpu{host:a} / sum:cpu{host:b} * 100",
            &[(0, s(200.0 / 15.0)), (20, s(20.0))],
        ),
        ("(sum:cpu{host:a} + 2) * 3", &[(0, s(12.0)), (20, s(24.0))]),
        ("sum:cpu{host:a} + 2 * 3", &[(0, s(8.0)), (20, s(12.0))]),
        ("-sum:cpu{host:a}", &[(0, s(-2.0)), (20, s(-6.0))]),
        (
            "100 - sum:cpu{host:b}",
            &[(0, s(85.0)), (20, s(70.0)), (40, s(50.0))],
        ),
        ("sum:cpu{host:b} / 0", &[]),
        // Functions over b (15,30,50) and c (100,200,300).
        (
            "abs(-sum:cpu{host:b})",
            &[(0, s(15.0)), (20, s(30.0)), (40, s(50.0))],
        ),
        (
            "log2(sum:cpu{host:c} / 100)",
            &[(0, s(0.0)), (20, s(1.0)), (40, s(1.584_962_500_721_156))],
        ),
        (
            "log10(sum:cpu{host:c})",
            &[
                (0, s(2.0)),
                (20, s(2.301_029_995_663_981)),
                (40, s(2.477_121_254_719_662_6)),
            ],
        ),
        (
            "cumsum(sum:cpu{host:b})",
            &[(0, s(15.0)), (20, s(45.0)), (40, s(95.0))],
        ),
        // × 20 s: 300, 600, 1000.
        (
            "integral(sum:cpu{host:b})",
            &[(0, s(300.0)), (20, s(900.0)), (40, s(1900.0))],
        ),
        (
            "per_second(sum:cpu{host:b})",
            &[(0, s(0.75)), (20, s(1.5)), (40, s(2.5))],
        ),
        (
            "per_minute(sum:cpu{host:b})",
            &[(0, s(45.0)), (20, s(90.0)), (40, s(150.0))],
        ),
        ("diff(sum:cpu{host:b})", &[(20, s(15.0)), (40, s(20.0))]),
        (
            "derivative(sum:cpu{host:b})",
            &[(20, s(0.75)), (40, s(1.0))],
        ),
        // hour before: 42 and 44 in [T0 − 1 h, T0 − 1 h + 20 s).
        ("hour_before(sum:cpu{host:a})", &[(0, s(43.0))]),
        ("timeshift(sum:cpu{host:a}, -3600)", &[(0, s(43.0))]),
        ("day_before(sum:cpu{host:a})", &[(20, s(9.0))]),
        ("week_before(sum:cpu{host:a})", &[(40, s(5.0))]),
        (
            "sum:cpu{host:a} - hour_before(sum:cpu{host:a})",
            &[(0, s(2.0 - 43.0))],
        ),
        // Rates stored from counters: a 0.6,0.4 | 1.0,0.0 | 0.5 per s over 10 s; b 0.2 | 0.3.
        // as_count: a 6+4, 10+0, 5; b 2, 3.
        (
            "sum:hits{*}.as_count()",
            &[(0, s(12.0)), (20, s(13.0)), (40, s(5.0))],
        ),
        ("sum:hits{*}", &[(0, s(12.0)), (20, s(13.0)), (40, s(5.0))]),
        // as_rate: events ÷ 20 s.
        (
            "sum:hits{*}.as_rate()",
            &[(0, s(0.6)), (20, s(0.65)), (40, s(0.25))],
        ),
        (
            "sum:hits{host:a}.as_rate().rollup(max)",
            &[(0, s(0.6)), (20, s(1.0)), (40, s(0.5))],
        ),
        (
            "sum:hits{host:a}.as_count().rollup(max)",
            &[(0, s(6.0)), (20, s(10.0)), (40, s(5.0))],
        ),
        (
            "sum:hits{host:a}.as_count().rollup(sum, 60)",
            &[(0, s(25.0))],
        ),
        // A count: 3+1, 4.
        ("sum:jobs{*}.as_count()", &[(0, s(4.0)), (20, s(4.0))]),
        ("sum:jobs{*}", &[(0, s(4.0)), (20, s(4.0))]),
        ("sum:jobs{*}.as_rate()", &[(0, s(0.2)), (20, s(0.2))]),
        // Fill: gap has 10 at 0 and 40 at 60, read in 20 s intervals over 100 s.
        // Distributions: 1..=200 in the first interval, four 5s in the second.
        ("count:lat{*}", &[(0, s(200.0)), (20, s(4.0))]),
        ("count:lat{*}.as_rate()", &[(0, s(10.0)), (20, s(0.2))]),
        ("sum:lat{*}", &[(0, s(20_100.0)), (20, s(20.0))]),
        ("avg:lat{*}", &[(0, s(100.5)), (20, s(5.0))]),
        ("min:lat{*}", &[(0, s(1.0)), (20, s(5.0))]),
        ("max:lat{*}", &[(0, s(200.0)), (20, s(5.0))]),
        // Percentiles exactly at the ends (the sketch keeps min and max).
        ("p0:lat{*}", &[(0, s(1.0)), (20, s(5.0))]),
        ("p100:lat{*}", &[(0, s(200.0)), (20, s(5.0))]),
    ];
    for (q, want) in rows {
        let r = ask(&src, q, 0, 60);
        let got = points(&r);
        if want.is_empty() {
            assert!(got.is_empty(), "{q}: expected no series, got {got:?}");
            continue;
        }
        assert_eq!(got.len(), 1, "{q}: expected one series, got {got:?}");
        assert_series(q, &got[0].1, want);
    }
}

#[test]
fn the_documented_as_rate_example_gives_a_twentieth() {
    let src = data();
    // Datadog's docs: [1,1,1,1] of a COUNT, 20 s intervals → as_rate 0.05 each.
    let w = [(0, s(0.05)), (20, s(0.05)), (40, s(0.05)), (60, s(0.05))];
    assert_one(&src, "sum:ones{*}.as_rate().rollup(sum, 20)", 0, 80, &w);
    let w = [(0, s(1.0)), (20, s(1.0)), (40, s(1.0)), (60, s(1.0))];
    assert_one(&src, "sum:ones{*}.as_count().rollup(sum, 20)", 0, 80, &w);
}

#[test]
fn fill_modes_and_limits() {
    let src = data();
    // 20 s intervals over [0, 100): 10, –, –, 40, –.
    let none = None;
    let rows: &[(&str, Points)] = &[
        (
            "avg:gap{*}",
            &[(0, s(10.0)), (20, none), (40, none), (60, s(40.0))],
        ),
        (
            "avg:gap{*}.fill(null)",
            &[(0, s(10.0)), (20, none), (40, none), (60, s(40.0))],
        ),
        (
            "avg:gap{*}.fill(zero)",
            &[
                (0, s(10.0)),
                (20, s(0.0)),
                (40, s(0.0)),
                (60, s(40.0)),
                (80, s(0.0)),
            ],
        ),
        (
            "avg:gap{*}.fill(last)",
            &[
                (0, s(10.0)),
                (20, s(10.0)),
                (40, s(10.0)),
                (60, s(40.0)),
                (80, s(40.0)),
            ],
        ),
        (
            "avg:gap{*}.fill(linear)",
            &[(0, s(10.0)), (20, s(20.0)), (40, s(30.0)), (60, s(40.0))],
        ),
        // A limit of 20 s fills one interval after a value; linear needs the whole gap (40 s).
        (
            "avg:gap{*}.fill(last, 20)",
            &[
                (0, s(10.0)),
                (20, s(10.0)),
                (40, none),
                (60, s(40.0)),
                (80, s(40.0)),
            ],
        ),
        (
            "avg:gap{*}.fill(linear, 20)",
            &[(0, s(10.0)), (20, none), (40, none), (60, s(40.0))],
        ),
        (
            "avg:gap{*}.fill(linear, 40)",
            &[(0, s(10.0)), (20, s(20.0)), (40, s(30.0)), (60, s(40.0))],
        ),
        // Fill runs on each series before space aggregation: x 1,–,3 and y 10,20,30.
        ("sum:gap2{*}", &[(0, s(11.0)), (20, s(20.0)), (40, s(33.0))]),
        (
            "sum:gap2{*}.fill(linear)",
            &[(0, s(11.0)), (20, s(22.0)), (40, s(33.0))],
        ),
    ];
    for (q, want) in rows {
        assert_one(&src, q, 0, 100, want);
    }
}

#[test]
fn group_by_gives_one_series_per_group() {
    let src = data();
    let r = ask(&src, "avg:cpu{*} by {role}", 0, 60);
    let got = points(&r);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, ["role:db"]);
    assert_series(
        "db",
        &got[0].1,
        &[(0, s(15.0)), (20, s(30.0)), (40, s(50.0))],
    );
    assert_eq!(got[1].0, ["role:web"]);
    // web = a and c: (2+100)/2, (6+200)/2, 300.
    assert_series(
        "web",
        &got[1].1,
        &[(0, s(51.0)), (20, s(103.0)), (40, s(300.0))],
    );
    assert_eq!(r.series[1].scope, "role:web");
    assert_eq!(r.series[1].expression, "avg:cpu{role:web}");
    assert_eq!(r.group_by, ["role"]);

    let r = ask(&src, "sum:cpu{env:prod} by {host,role}", 0, 60);
    let sets: Vec<_> = points(&r).into_iter().map(|(t, _)| t).collect();
    assert_eq!(sets, [["host:a", "role:web"], ["host:b", "role:db"]]);
    assert_eq!(r.series[0].scope, "env:prod,host:a,role:web");

    // A series without the key lands in the N/A group.
    let r = ask(&src, "sum:ones{*} by {host}", 0, 80);
    assert_eq!(r.series[0].tag_set, ["host:N/A"]);

    // Group-wise arithmetic: each role over the total (117, 236, 350).
    let r = ask(&src, "sum:cpu{*} by {role} / sum:cpu{*}", 0, 60);
    let got = points(&r);
    assert_series(
        "db share",
        &got[0].1,
        &[
            (0, s(15.0 / 117.0)),
            (20, s(30.0 / 236.0)),
            (40, s(50.0 / 350.0)),
        ],
    );
    assert_series(
        "web share",
        &got[1].1,
        &[
            (0, s(102.0 / 117.0)),
            (20, s(206.0 / 236.0)),
            (40, s(300.0 / 350.0)),
        ],
    );

    // Grouped percentiles: a holds 1..=100 (p90 = 90) then 5s, b 101..=200 (p90 = 190).
    let r = ask(&src, "p90:lat{*} by {host}", 0, 60);
    let got = points(&r);
    let eps = herd_aggregate::sketch::EPS;
    let near = |g: Option<f64>, w: f64| (g.unwrap() - w).abs() <= w * eps;
    assert!(
        near(got[0].1[0].1, 90.0) && near(got[0].1[1].1, 5.0),
        "{got:?}"
    );
    assert!(near(got[1].1[0].1, 190.0), "{got:?}");
    // Merged: p50 of 1..=200 is 101 (rank round-half-even(0.5 × 199) = 100), p99 is 198.
    for (q, want) in [
        ("p50:lat{*}", 101.0),
        ("p99:lat{*}", 198.0),
        ("p99.9:lat{*}", 200.0),
    ] {
        let got = points(&ask(&src, q, 0, 20));
        assert!(near(got[0].1[0].1, want), "{q}: {got:?}");
    }
}

#[test]
fn top_ranks_series() {
    let src = data();
    // Per host (avg): a (2,6) mean 4 max 6 last 6 sum 8; b (15,30,50) mean 95/3 last 50 sum
    // 95; c (100,200,300) mean 200 last 300 sum 600.
    let hosts = |q: &str| -> Vec<String> {
        ask(&src, q, 0, 60)
            .series
            .iter()
            .map(|s| s.tag_set.join(","))
            .collect()
    };
    assert_eq!(
        hosts("top(avg:cpu{*} by {host}, 2, 'mean', 'desc')"),
        ["host:c", "host:b"]
    );
    assert_eq!(
        hosts("top(avg:cpu{*} by {host}, 2, 'mean', 'asc')"),
        ["host:a", "host:b"]
    );
    assert_eq!(
        hosts("top(avg:cpu{*} by {host}, 1, 'max', 'desc')"),
        ["host:c"]
    );
    assert_eq!(
        hosts("top(avg:cpu{*} by {host}, 1, 'last', 'asc')"),
        ["host:a"]
    );
    assert_eq!(
        hosts("top(avg:cpu{*} by {host}, 5, 'sum', 'desc')"),
        ["host:c", "host:b", "host:a"]
    );
}

#[test]
fn several_queries_keep_their_index() {
    let src = data();
    let r = ask(&src, "sum:cpu{host:a}, sum:cpu{host:b}", 0, 60);
    let idx: Vec<_> = r.series.iter().map(|s| s.query_index).collect();
    assert_eq!(idx, [0, 1]);
}

#[test]
fn default_intervals_and_the_point_cap() {
    let src = data();
    let one = |q: &str, from, to| ask(&src, q, from, to).series[0].clone();
    // 1 h → 20 s; 1 day → 5 min; a 1 s rollup over a day is raised to 60 s (1,440 points).
    assert_eq!(one("avg:cpu{*}", -3000, 600).interval_s, 20);
    let day = one("avg:cpu{*}", -86_000, 400);
    assert_eq!(day.interval_s, 300);
    // One 5-minute interval [T0, T0 + 300) holds a (1,3,5,7), b (10..60), c (100..300): the
    // averages 4, 32, 200 averaged again.
    let at_t0 = day.pointlist.iter().find(|p| p.0 == T0).unwrap().1;
    assert!(
        support::close(at_t0, s((4.0 + 32.0 + 200.0) / 3.0)),
        "{at_t0:?}"
    );
    let capped = one("avg:cpu{*}.rollup(avg, 1)", -86_000, 400);
    assert_eq!(capped.interval_s, 60);
    assert!(capped.pointlist.len() <= 1_500);
}

#[test]
fn evaluation_errors_name_the_problem() {
    let src = data();
    let err = herd_query::evaluate(&src, "p99:cpu{*}", T0, T0 + 60_000).unwrap_err();
    assert!(matches!(err, QueryError::Invalid { .. }));
    let text = err.to_string();
    assert!(
        text.contains("`p99` needs a distribution") && text.contains("gauge"),
        "{text}"
    );
    let err = herd_query::evaluate(&src, "avg:cpu{*}", T0, T0).unwrap_err();
    assert!(matches!(err, QueryError::Range { .. }), "{err}");
    let err = herd_query::evaluate(&src, "1 + 2", T0, T0 + 1000).unwrap_err();
    assert!(
        err.to_string().contains("at least one metric query"),
        "{err}"
    );
    let err = herd_query::evaluate(&src, "cumsum(3)", T0, T0 + 1000).unwrap_err();
    assert!(
        err.to_string().contains("`cumsum` needs a metric query"),
        "{err}"
    );
    let err = herd_query::evaluate(&src, "avg:cpu{*", T0, T0 + 1000).unwrap_err();
    assert!(
        matches!(err, QueryError::Parse(ref e) if e.column == 10),
        "{err}"
    );
    // Extreme times and shifts are refused, never overflow.
    for (from, to) in [
        (i64::MIN, 0),
        (0, i64::MAX),
        (T0, T0 + 2_000_000_000_000_000),
    ] {
        let err = herd_query::evaluate(&src, "avg:cpu{*}", from, to).unwrap_err();
        assert!(err.to_string().contains("either side of 1970"), "{err}");
    }
    let err = herd_query::evaluate(
        &src,
        "timeshift(avg:cpu{*}, -9000000000000000)",
        T0,
        T0 + 1000,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("a shift that keeps the range"),
        "{err}"
    );
    let far = herd_query::MAX_TIME_MS;
    assert!(herd_query::evaluate(&src, "avg:cpu{*}.rollup(max, 315360000)", -far, far).is_ok());
    // An unknown metric is an empty answer, not an error.
    assert!(ask(&src, "avg:nope{*}", 0, 60).series.is_empty());
}
