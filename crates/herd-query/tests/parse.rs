//! The parser on hand-written queries: trees, canonical text, and errors with columns.

use herd_query::ast::{BinOp, Expr, FillMode, Func, Modifier, Order, SpaceAgg, TimeAgg, TopBy};
use herd_query::scope::Scope;
use herd_query::{parse, parse_expr, parse_scope};

fn query(src: &str) -> herd_query::ast::MetricQuery {
    match parse_expr(src).unwrap_or_else(|e| panic!("{e}")) {
        Expr::Query(q) => *q,
        other => panic!("not a query: {other:?}"),
    }
}

/// Parses, prints, and checks the printed text.
fn canonical(src: &str) -> String {
    parse(src).unwrap_or_else(|e| panic!("{e}")).to_string()
}

#[test]
fn a_full_metric_query_parses_into_its_parts() {
    let src =
        "sum:web.hits{env:prod,!host:b} by {host, az}.as_count().rollup(sum, 60).fill(zero, 120)";
    let q = query(src);
    assert_eq!(q.agg, SpaceAgg::Sum);
    assert_eq!(q.metric, "web.hits");
    assert_eq!(q.scope.to_string(), "env:prod,!host:b");
    assert_eq!(q.group_by, ["host", "az"]);
    assert_eq!(q.modifier, Some(Modifier::AsCount));
    let r = q.rollup.unwrap();
    assert_eq!((r.agg, r.seconds), (TimeAgg::Sum, Some(60)));
    let f = q.fill.unwrap();
    assert_eq!((f.mode, f.limit), (FillMode::Zero, Some(120)));
    assert_eq!(q.span.start, 0);
    assert_eq!(q.span.end, src.len());
}

#[test]
fn percentiles_and_count_are_space_aggregators() {
    assert_eq!(query("p99:lat{*}").agg, SpaceAgg::Percentile(99.0));
    assert_eq!(query("p99.9:lat{*}").agg, SpaceAgg::Percentile(99.9));
    assert_eq!(query("p50:lat{*}").agg, SpaceAgg::Percentile(50.0));
    assert_eq!(query("count:lat{*}").agg, SpaceAgg::Count);
    assert_eq!(canonical("p99.95:lat{*}"), "p99.95:lat{*}");
    assert!(parse("p101:lat{*}").is_err());
    assert!(parse("pp:lat{*}").is_err());
}

#[test]
fn metric_names_keep_dots_and_digits() {
    assert_eq!(
        query("avg:web.latency.95percentile{*}").metric,
        "web.latency.95percentile"
    );
    assert_eq!(
        canonical("avg:a_b.c9{*}.rollup(max)"),
        "avg:a_b.c9{*}.rollup(max)"
    );
}

#[test]
fn every_scope_form_parses() {
    let cases = [
        ("*", "*"),
        ("env:prod", "env:prod"),
        ("canary", "canary"),
        ("!env:prod", "!env:prod"),
        ("env:prod-*", "env:prod-*"),
        ("region:*-east", "region:*-east"),
        ("env:prod , host:a", "env:prod,host:a"),
        ("env:prod AND NOT host:a", "env:prod,!host:a"),
        ("env:prod OR env:staging", "env:prod OR env:staging"),
        (
            "env:prod AND (host:a OR host:b)",
            "env:prod AND (host:a OR host:b)",
        ),
        ("env IN (prod, staging)", "env IN (prod, staging)"),
        ("env NOT IN (dev)", "env NOT IN (dev)"),
        ("NOT (a OR b)", "NOT (a OR b)"),
        ("a AND b OR c", "(a AND b) OR c"),
        ("device NOT IN (/dev/loop*)", "device NOT IN (/dev/loop*)"),
        (
            "version:1.2+b7,path:/a?b=c&d=%20",
            "version:1.2+b7,path:/a?b=c&d=%20",
        ),
        ("name:café", "name:café"),
    ];
    for (src, printed) in cases {
        let s = parse_scope(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(s.to_string(), printed, "{src}");
    }
    // Precedence: AND binds tighter than OR.
    match parse_scope("a OR b AND c").unwrap() {
        Scope::Or(parts) => assert!(matches!(parts[1], Scope::And(_))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn arithmetic_follows_precedence_and_parentheses() {
    let e = parse_expr("sum:a{*} / sum:b{*} * 100").unwrap();
    // (a / b) * 100
    match e {
        Expr::Binary {
            op: BinOp::Mul,
            lhs,
            ..
        } => {
            assert!(matches!(*lhs, Expr::Binary { op: BinOp::Div, .. }));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(canonical("1 + 2 * 3"), "1 + 2 * 3");
    assert_eq!(canonical("(1 + 2) * 3"), "(1 + 2) * 3");
    assert_eq!(canonical("1 - (2 - 3)"), "1 - (2 - 3)");
    assert_eq!(canonical("(1 - 2) - 3"), "1 - 2 - 3");
    assert_eq!(canonical("-(avg:a{*} + 1)"), "-(avg:a{*} + 1)");
    assert_eq!(canonical("2.5e2 / .5"), "250 / 0.5");
}

#[test]
fn functions_parse_with_their_arguments() {
    let e = parse_expr("top(avg:cpu{*} by {host}, 5, 'max', \"asc\")").unwrap();
    match e {
        Expr::Call { func, .. } => assert_eq!(
            func,
            Func::Top {
                n: 5,
                by: TopBy::Max,
                order: Order::Asc
            }
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        canonical("hour_before(avg:a{*})"),
        "timeshift(avg:a{*}, -3600)"
    );
    assert_eq!(
        canonical("week_before(avg:a{*})"),
        "timeshift(avg:a{*}, -604800)"
    );
    assert_eq!(
        canonical("timeshift(avg:a{*}, +60)"),
        "timeshift(avg:a{*}, 60)"
    );
    for f in [
        "abs",
        "log2",
        "log10",
        "cumsum",
        "integral",
        "per_second",
        "per_minute",
        "diff",
        "derivative",
    ] {
        let src = format!("{f}(sum:a{{x:y}} by {{h}})");
        assert_eq!(canonical(&src), src);
    }
}

#[test]
fn several_queries_are_separated_by_commas() {
    let list = parse("avg:a{*}, sum:b{x:y} by {h}").unwrap();
    assert_eq!(list.exprs.len(), 2);
    assert!(parse_expr("avg:a{*}, sum:b{*}").is_err());
}

/// The column and what was expected, for each kind of mistake.
#[test]
fn errors_name_the_column_and_what_was_expected() {
    let cases: [(&str, usize, &str); 17] = [
        (
            "avg:m{*}.rollup(sum, 315360001)",
            22,
            "an interval from 1 to 315360000 s",
        ),
        ("avg:m{env:prod", 15, "`}` closing the scope"),
        ("avg:m{env:prod)", 15, "`}` closing the scope"),
        ("mean:m{*}", 1, "a space aggregator"),
        ("avg:9m{*}", 5, "a metric name"),
        ("avg:m", 6, "`{` opening the scope"),
        ("avg:m{*}.rollup(median)", 17, "a rollup aggregator"),
        (
            "avg:m{*}.rollup(sum, 0)",
            22,
            "an interval from 1 to 315360000 s",
        ),
        (
            "avg:m{*}.fill(zero, 601)",
            21,
            "a fill limit of at most 600 s",
        ),
        ("avg:m{*}.smooth()", 10, "a method"),
        ("avg:m{*}.as_count().as_rate()", 21, "no second"),
        ("avg:m{a, b AND c}", 12, "one style per scope"),
        ("avg:m{*} by {}", 14, "a tag key to group by"),
        ("frobnicate(avg:m{*})", 1, "a function"),
        (
            "top(avg:m{*}, 5, 'median', 'desc')",
            18,
            "'mean', 'max', 'last' or 'sum'",
        ),
        ("avg:m{*} +", 11, "a metric query"),
        ("avg:m{*} avg:n{*}", 10, "an operator"),
    ];
    for (src, column, expected) in cases {
        let e = parse(src).expect_err(src);
        assert_eq!(e.column, column, "{src}: {e}");
        assert!(e.expected.contains(expected), "{src}: {e}");
        // The caret sits under the column.
        let caret_line = e.caret().lines().nth(1).unwrap().to_string();
        assert_eq!(caret_line.len(), 2 + column, "{src}: {caret_line:?}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let e = parse(&deep).unwrap_err();
    assert!(e.expected.contains("levels of nesting"), "{e}");
    let deep_scope = format!("avg:m{{{}a{}}}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(parse(&deep_scope).is_err());
    let negs = format!("{}1", "-".repeat(10_000));
    assert!(parse(&negs).is_err());
}
