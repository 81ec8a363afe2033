//! The answer to a query, typed, and its JSON in the shape of Datadog's `GET /api/v1/query`.

use crate::eval::Series;
use serde::{Serialize, Serializer};
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
    serde_json::to_value(V1::of(r, false)).expect("a v1 answer is plain data")
}

/// The same answer as [`to_v1_json`], written straight to bytes (no tree of values: a
/// dashboard's answer holds hundreds of thousands of points).
pub fn to_v1_json_bytes(r: &QueryResult) -> Vec<u8> {
    serde_json::to_vec(&V1::of(r, false)).expect("a v1 answer is plain data")
}

/// The answer with each series' points as one array of values, `values[i]` at `start +
/// i × interval` (herd's pointlist has a point, or `null`, at every interval from the first to
/// the last): herd's own dashboard asks for it (`points=columns`). Without a pair per point,
/// a 100-series day is half the bytes, and the page parses a few hundred arrays rather than
/// tens of thousands and lays nothing out again before drawing.
pub fn to_columns_json_bytes(r: &QueryResult) -> Vec<u8> {
    serde_json::to_vec(&V1::of(r, true)).expect("a v1 answer is plain data")
}

/// The v1 answer's fields, in the order `serde_json` sorts an object's keys (so
/// `to_v1_json` and `to_v1_json_bytes` write the same bytes).
#[derive(Serialize)]
struct V1<'a> {
    from_date: i64,
    group_by: &'a [String],
    message: &'static str,
    query: &'a str,
    res_type: &'static str,
    resp_version: u32,
    series: Vec<V1Series<'a>>,
    status: &'static str,
    to_date: i64,
}

#[derive(Serialize)]
struct V1Series<'a> {
    aggr: Option<&'a str>,
    display_name: &'a str,
    end: i64,
    expression: &'a str,
    interval: i64,
    length: usize,
    metric: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pointlist: Option<Points<'a>>,
    query_index: usize,
    scope: &'a str,
    start: i64,
    tag_set: &'a [String],
    unit: [Option<()>; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Values<'a>>,
}

/// A pointlist: `[[ms as a float, value or null], …]`.
struct Points<'a>(&'a [(i64, Option<f64>)]);

impl Serialize for Points<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|&(t, v)| (t as f64, v)))
    }
}

/// A pointlist's values alone: `[value or null, …]`.
struct Values<'a>(&'a [(i64, Option<f64>)]);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|&(_, v)| v))
    }
}

impl<'a> V1<'a> {
    /// The answer's fields; each series' points as `pointlist` pairs, or as `values` when
    /// `columns`.
    fn of(r: &'a QueryResult, columns: bool) -> Self {
        V1 {
            from_date: r.from_ms,
            group_by: &r.group_by,
            message: "",
            query: &r.query,
            res_type: "time_series",
            resp_version: 1,
            series: r
                .series
                .iter()
                .map(|s| V1Series {
                    aggr: s.aggr.as_deref(),
                    display_name: &s.display_name,
                    end: s.end_ms,
                    expression: &s.expression,
                    interval: s.interval_s,
                    length: s.pointlist.len(),
                    metric: &s.metric,
                    pointlist: (!columns).then_some(Points(&s.pointlist)),
                    query_index: s.query_index,
                    scope: &s.scope,
                    start: s.start_ms,
                    tag_set: &s.tag_set,
                    unit: [None, None],
                    values: columns.then_some(Values(&s.pointlist)),
                })
                .collect(),
            status: "ok",
            to_date: r.to_ms,
        }
    }
}

/// An error as the API's HTTP 400 body: `{"errors": ["…"]}`.
pub fn v1_error_json(message: &str) -> Value {
    json!({ "errors": [message] })
}
