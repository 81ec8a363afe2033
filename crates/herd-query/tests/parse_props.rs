//! Property tests of the parser: random valid trees print and parse back to the same tree;
//! arbitrary text never panics; every valid query evaluates (or is refused) without a panic.

use herd_query::ast::{
    BinOp, Expr, Fill, FillMode, Func, MetricQuery, Modifier, Order, Rollup, SpaceAgg, Span,
    TimeAgg, TopBy,
};
use herd_query::scope::{Scope, TagPattern};
use herd_query::{parse, parse_expr, MemorySource, SeriesKey, SeriesKind};
use proptest::prelude::*;

fn tag_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_]{0,6}:[a-z0-9][a-z0-9_./-]{0,6}",
        "[a-z][a-z0-9_-]{0,6}",
        "[a-z]{1,4}:[a-z]{0,3}\\*",
        "\\*-[a-z]{1,4}",
        "[a-z]{1,3}\\*[a-z]{1,3}",
        "[a-z]{1,3}:[a-z0-9+=?&%#;|<>~^$@\\[\\]]{1,6}",
    ]
    .prop_filter("not a keyword", |t| {
        !["AND", "OR", "NOT", "IN"].contains(&t.as_str())
    })
}

fn scope() -> impl Strategy<Value = Scope> {
    let leaf = prop_oneof![
        4 => tag_text().prop_map(|t| Scope::Tag(TagPattern::new(t))),
        1 => ("[a-z]{1,5}", prop::collection::vec("[a-z0-9*-]{1,5}", 1..4), any::<bool>())
            .prop_map(|(key, values, negated)| Scope::In { key, values, negated, span: Span::default() }),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|s| Scope::Not(Box::new(s))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Scope::And),
            prop::collection::vec(inner, 2..4).prop_map(Scope::Or),
        ]
    })
}

fn metric_query() -> impl Strategy<Value = MetricQuery> {
    let agg = prop_oneof![
        Just(SpaceAgg::Avg),
        Just(SpaceAgg::Sum),
        Just(SpaceAgg::Min),
        Just(SpaceAgg::Max),
        Just(SpaceAgg::Count),
        (0u32..=1000).prop_map(|p| SpaceAgg::Percentile(f64::from(p) / 10.0)),
    ];
    let time_agg = prop_oneof![
        Just(TimeAgg::Avg),
        Just(TimeAgg::Sum),
        Just(TimeAgg::Min),
        Just(TimeAgg::Max),
        Just(TimeAgg::Count)
    ];
    let fill_mode = prop_oneof![
        Just(FillMode::Null),
        Just(FillMode::Zero),
        Just(FillMode::Last),
        Just(FillMode::Linear)
    ];
    (
        agg,
        prop_oneof![
            3 => prop::sample::select(vec!["a", "b", "m", "x"]).prop_map(String::from),
            1 => "[a-z][a-z0-9_.]{0,12}",
        ],
        prop_oneof![2 => Just(Scope::All), 3 => scope()],
        prop::collection::vec("[a-z][a-z0-9_.-]{0,5}", 0..3),
        prop::option::of(prop_oneof![Just(Modifier::AsCount), Just(Modifier::AsRate)]),
        prop::option::of((time_agg, prop::option::of(1u64..100_000))),
        prop::option::of((fill_mode, prop::option::of(0u64..=600))),
    )
        .prop_map(
            |(agg, metric, scope, group_by, modifier, rollup, fill)| MetricQuery {
                agg,
                metric,
                scope,
                group_by,
                modifier,
                rollup: rollup.map(|(agg, seconds)| Rollup { agg, seconds }),
                fill: fill.map(|(mode, limit)| Fill { mode, limit }),
                span: Span::default(),
            },
        )
}

fn func() -> impl Strategy<Value = Func> {
    prop_oneof![
        Just(Func::Abs),
        Just(Func::Log2),
        Just(Func::Log10),
        Just(Func::Cumsum),
        Just(Func::Integral),
        Just(Func::PerSecond),
        Just(Func::PerMinute),
        Just(Func::Diff),
        Just(Func::Derivative),
        (
            1u32..=1000,
            prop_oneof![
                Just(TopBy::Mean),
                Just(TopBy::Max),
                Just(TopBy::Last),
                Just(TopBy::Sum)
            ],
            prop_oneof![Just(Order::Desc), Just(Order::Asc)]
        )
            .prop_map(|(n, by, order)| Func::Top { n, by, order }),
        (-10_000_000i64..10_000_000).prop_map(Func::Timeshift),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        3 => metric_query().prop_map(|q| Expr::Query(Box::new(q))),
        1 => prop_oneof![
            (0u32..100_000).prop_map(f64::from),
            (0u32..100_000).prop_map(|n| f64::from(n) / 1000.0),
            (0.0f64..1e30),
        ]
        .prop_map(|value| Expr::Number { value, span: Span::default() }),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        let op = prop_oneof![
            Just(BinOp::Add),
            Just(BinOp::Sub),
            Just(BinOp::Mul),
            Just(BinOp::Div)
        ];
        prop_oneof![
            (op, inner.clone(), inner.clone()).prop_map(|(op, l, r)| Expr::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
                span: Span::default()
            }),
            inner.clone().prop_map(|e| Expr::Neg {
                expr: Box::new(e),
                span: Span::default()
            }),
            (func(), inner).prop_map(|(func, e)| Expr::Call {
                func,
                arg: Box::new(e),
                span: Span::default()
            }),
        ]
    })
}

/// A few series of every kind under the metric names the generator can produce often.
fn source() -> MemorySource {
    let mut src = MemorySource::new();
    let t0 = 1_764_000_000_000i64;
    for (i, name) in ["a", "b", "m", "x"].iter().enumerate() {
        for (j, kind) in [SeriesKind::Gauge, SeriesKind::Rate, SeriesKind::Count]
            .iter()
            .enumerate()
        {
            let id = src.add_series(SeriesKey {
                name: (*name).to_string(),
                tags: vec![format!("k:v{j}"), "env:prod".into()],
                host: format!("h{i}"),
                kind: *kind,
                interval_ms: 10_000,
            });
            for t in 0..50i64 {
                src.push(
                    id,
                    t0 + t * 7_000 - 100_000,
                    (t * (j as i64 + 1)) as f64 - 20.0,
                );
            }
        }
    }
    src
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn property_test_valid_queries_evaluate_without_panicking(
        e in expr(),
        from in -400_000i64..400_000,
        len in 1i64..2_000_000_000,
    ) {
        let src = source();
        let t0 = 1_764_000_000_000i64;
        let text = e.to_string();
        if let Ok(r) = herd_query::evaluate(&src, &text, t0 + from, t0 + from + len) {
            for s in &r.series {
                prop_assert!(s.pointlist.len() <= 1_500, "{}", text);
                prop_assert!(s.pointlist.iter().all(|p| p.1.is_none_or(f64::is_finite)));
            }
        }
    }

    #[test]
    fn property_test_printed_trees_parse_back_to_the_same_tree(e in expr()) {
        let text = e.to_string();
        let mut back = parse_expr(&text).map_err(|err| TestCaseError::fail(format!("{err}")))?;
        back.clear_spans();
        prop_assert_eq!(back, e, "{}", text);
    }

    #[test]
    fn property_test_arbitrary_text_never_panics(s in "\\PC{0,80}") {
        let _ = parse(&s);
    }

    #[test]
    fn property_test_query_like_text_never_panics_and_errors_point_inside(
        s in "[a-z0-9:{}(),.!*' +/-]{0,60}"
    ) {
        match parse(&s) {
            Ok(list) => {
                // Whatever parses, prints to text that parses to the same trees.
                let mut again = parse(&list.to_string()).expect("printed text parses");
                let mut list = list;
                list.exprs.iter_mut().for_each(Expr::clear_spans);
                again.exprs.iter_mut().for_each(Expr::clear_spans);
                prop_assert_eq!(again, list);
            }
            Err(e) => prop_assert!(e.column >= 1 && e.column <= s.chars().count() + 1),
        }
    }
}
