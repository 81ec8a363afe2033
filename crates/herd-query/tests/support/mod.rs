//! Builders shared by the evaluation tests.
#![allow(dead_code)]

use herd_aggregate::Sketch;
use herd_query::{MemorySource, QueryResult, SeriesId, SeriesKey, SeriesKind};

/// A multiple of one hour, in Unix milliseconds.
pub const T0: i64 = 1_764_000_000_000;

/// A series key; `tags` as written (sorted here).
pub fn key(name: &str, host: &str, tags: &[&str], kind: SeriesKind, interval_s: u64) -> SeriesKey {
    let mut tags: Vec<String> = tags.iter().map(|t| (*t).to_string()).collect();
    tags.sort();
    tags.dedup();
    SeriesKey {
        name: name.to_string(),
        tags,
        host: host.to_string(),
        kind,
        interval_ms: interval_s * 1000,
    }
}

/// Adds a series with `(seconds after T0, value)` points.
pub fn series(src: &mut MemorySource, key: SeriesKey, points: &[(i64, f64)]) -> SeriesId {
    let id = src.add_series(key);
    for &(s, v) in points {
        src.push(id, T0 + s * 1000, v);
    }
    id
}

/// A sketch of the given samples.
pub fn sketch(samples: impl IntoIterator<Item = f64>) -> Sketch {
    let mut s = Sketch::default();
    for v in samples {
        s.insert(v, 1);
    }
    s
}

/// Evaluates over `[T0 + from_s, T0 + to_s)`, panicking with the error.
pub fn ask(src: &MemorySource, q: &str, from_s: i64, to_s: i64) -> QueryResult {
    herd_query::evaluate(src, q, T0 + from_s * 1000, T0 + to_s * 1000)
        .unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// `(seconds after T0, value)` points of one series.
pub type Points<'a> = &'a [(i64, Option<f64>)];

/// The points of each series as `(seconds after T0, value)`, with each series' tag set.
#[allow(clippy::type_complexity)]
pub fn points(r: &QueryResult) -> Vec<(Vec<String>, Vec<(i64, Option<f64>)>)> {
    r.series
        .iter()
        .map(|s| {
            let pts = s
                .pointlist
                .iter()
                .map(|&(t, v)| ((t - T0) / 1000, v))
                .collect();
            (s.tag_set.clone(), pts)
        })
        .collect()
}

/// True when `a` and `b` are equal within 1e-9 relative (or both empty).
pub fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        _ => false,
    }
}

/// Asserts the one series of `q` over `[T0 + from_s, T0 + to_s)` has exactly `want`.
pub fn assert_one(
    src: &MemorySource,
    q: &str,
    from_s: i64,
    to_s: i64,
    want: &[(i64, Option<f64>)],
) {
    let r = ask(src, q, from_s, to_s);
    let got = points(&r);
    assert_eq!(got.len(), 1, "{q}: expected one series, got {got:?}");
    assert_series(q, &got[0].1, want);
}

pub fn assert_series(q: &str, got: &[(i64, Option<f64>)], want: &[(i64, Option<f64>)]) {
    let ok = got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| g.0 == w.0 && close(g.1, w.1));
    assert!(ok, "{q}:\n  got  {got:?}\n  want {want:?}");
}
