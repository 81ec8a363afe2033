//! The answer to a query, typed, and its JSON in the shape of Datadog's `GET /api/v1/query`.

use crate::eval::Series;
use serde_json::{json, Value};

/// The answer to one query text over one range.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// The query text.
    pub query: String,
    /// Start of the range asked for, Unix milliseconds.
    pub from_ms: i64,
    /// End of the range asked for (exclusive), Unix milliseconds.
    pub to_ms: i64,
    /// Every group-by key of the query, in order of appearance.
    pub group_by: Vec<String>,
    /// One series per group of each expression, expressions in order, groups sorted.
    pub series: Vec<ResultSeries>,
}

/// One series of the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultSeries {
    /// The metric name (for a formula, the leftmost metric's).
    pub metric: String,
    /// The metric name for a plain query, the expression for a formula or function.
    pub display_name: String,
    /// The query that gives this series alone, its group's tags in the scope.
    pub expression: String,
    /// The scope: the query's filter plus the group's tags, comma-separated.
    pub scope: String,
    /// The group's tags (`host:web-1`), empty without `by`.
    pub tag_set: Vec<String>,
    /// The space aggregator (`avg`, `p99`), `None` for formulas.
    pub aggr: Option<String>,
    /// Which comma-separated expression of the query this series answers (0-based).
    pub query_index: usize,
    /// `(interval start in Unix ms, value)`; `None` for an interval without data. Leading and
    /// trailing empty intervals are left out.
    pub pointlist: Vec<(i64, Option<f64>)>,
    /// Seconds per interval.
    pub interval_s: i64,
    /// Start of the first interval, Unix milliseconds.
    pub start_ms: i64,
    /// The last second of the last interval (its start + interval − 1 s), Unix milliseconds,
    /// as Datadog reports it.
    pub end_ms: i64,
}

impl ResultSeries {
    /// Trims empty intervals at both ends; `None` when nothing is left.
    pub(crate) fn new(s: Series, query_index: usize) -> Option<Self> {
        let clean = |p: &Option<f64>| p.filter(|v| v.is_finite());
        let first = s.points.iter().position(|p| clean(p).is_some())?;
        let last = s.points.iter().rposition(|p| clean(p).is_some())?;
        let pointlist: Vec<(i64, Option<f64>)> = (first..=last)
            .map(|i| (s.start_ms + i as i64 * s.step_ms, clean(&s.points[i])))
            .collect();
        let start_ms = pointlist[0].0;
        let end_ms = pointlist[pointlist.len() - 1].0 + (s.step_ms - 1000).max(0);
        Some(ResultSeries {
            display_name: if s.plain {
                s.metric.clone()
            } else {
                s.expression.clone()
            },
            metric: s.metric,
            expression: s.expression,
            scope: s.scope,
            tag_set: s.tag_set,
            aggr: s.aggr,
            query_index,
            pointlist,
            interval_s: s.step_ms / 1000,
            start_ms,
            end_ms,
        })
    }
}

/// The answer as Datadog's v1 query API writes it: times in milliseconds, pointlist
/// timestamps as floats, gaps as `null`, `interval` in seconds.
pub fn to_v1_json(r: &QueryResult) -> Value {
    let series: Vec<Value> = r
        .series
        .iter()
        .map(|s| {
            let points: Vec<Value> = s
                .pointlist
                .iter()
                .map(|&(t, v)| json!([t as f64, v]))
                .collect();
            json!({
                "metric": s.metric,
                "display_name": s.display_name,
                "expression": s.expression,
                "scope": s.scope,
                "tag_set": s.tag_set,
                "aggr": s.aggr,
                "query_index": s.query_index,
                "start": s.start_ms,
                "end": s.end_ms,
                "interval": s.interval_s,
                "length": s.pointlist.len(),
                "pointlist": points,
                "unit": [null, null],
            })
        })
        .collect();
    json!({
        "status": "ok",
        "res_type": "time_series",
        "resp_version": 1,
        "query": r.query,
        "from_date": r.from_ms,
        "to_date": r.to_ms,
        "group_by": r.group_by,
        "message": "",
        "series": series,
    })
}

/// An error as the API's HTTP 400 body: `{"errors": ["…"]}`.
pub fn v1_error_json(message: &str) -> Value {
    json!({ "errors": [message] })
}
