//! `GET /metrics/app`: the application's latest aggregated values in the Prometheus text
//! format 0.0.4, named as `prometheus/statsd_exporter` names unmapped StatsD metrics, so that
//! Prometheus can scrape herd where it scraped `statsd_exporter`.
//!
//! | herd point | exposed as |
//! |---|---|
//! | rate or count (`\|c`, a histogram's `.count`) | counter `<name>_total`: the count since herd started (rate × interval, accumulated) |
//! | gauge (`\|g`, `\|s`, a histogram's `.max`, `.avg`, `.95percentile`, …) | gauge `<name>` (the suffix becomes `_max`, …) |
//! | distribution (`\|d`) | summary `<name>` with quantiles 0.5, 0.9, 0.99 of the last 10 minutes' sketches, `_sum` and `_count` since herd started |
//!
//! Names: every character outside `[a-zA-Z0-9_]` becomes `_` (a leading digit gets a `_`
//! before it). Tags `key:value` become labels (keys sanitised the same way; of two tags with
//! one key the first in sorted order wins), bare tags are dropped, and the host is the label
//! `host`. A name that two kinds would share (a gauge `a.b` and a counter `a_b`) keeps the
//! first kind seen; the other series are left out of the page, not mixed into one family.
//! Series not updated for [`TTL_MS`] leave the page. herd's own `herd.*` metrics are on
//! `/metrics`, not here. The page collects from its first request on (so counters count from
//! the first scrape, and a daemon nobody scrapes keeps nothing for it).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use herd_aggregate::{Flush, Point, PointKind, Sketch, Value};

use crate::sink::Sink;
use crate::telemetry::Telemetry;

/// A series not updated for this long leaves the page (10 minutes).
pub const TTL_MS: u64 = 10 * 60 * 1000;
/// The summary window: sketches of this many age buckets of [`AGE_BUCKET_MS`] each
/// (`statsd_exporter`'s defaults: 10 minutes in 5 buckets).
const AGE_BUCKETS: usize = 5;
const AGE_BUCKET_MS: u64 = 2 * 60 * 1000;
/// Quantiles of every summary (`statsd_exporter`'s).
pub const QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

/// `Content-Type` of the page.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A Prometheus type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Counter,
    Gauge,
    Summary,
}

impl Type {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Summary => "summary",
        }
    }
}

/// What one series holds.
#[derive(Debug, Clone)]
enum State {
    Counter(f64),
    Gauge(f64),
    Summary {
        /// `(age bucket start, merged sketch)`, newest last.
        window: Vec<(u64, Sketch)>,
        sum: f64,
        count: u64,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    state: State,
    updated_ms: u64,
}

/// Family name → (type, `{labels}` → entry).
type Families = BTreeMap<String, (Type, BTreeMap<String, Entry>)>;

/// The latest values, shared by the sink (flush thread) and the HTTP handler. Nothing is
/// kept until the page is first asked for, so a daemon nobody scrapes pays nothing for it.
#[derive(Debug, Default)]
pub struct Exposition {
    families: Mutex<Families>,
    scraped: std::sync::atomic::AtomicBool,
}

/// A metric or label name with every character outside `[a-zA-Z0-9_]` as `_`.
pub fn sanitize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    if name.starts_with(|c: char| c.is_ascii_digit()) || name.is_empty() {
        out.push('_');
    }
    out.extend(
        name.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
    );
    out
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A float as the text format writes it.
pub fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{v}")
    }
}

/// The sorted, sanitised labels of a point: its `key:value` tags and `host`. Label names that
/// Prometheus reserves (`__…`) or that the summary needs (`quantile`) get an `x` before them.
pub fn labels(point: &Point) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for tag in point.context.tags() {
        let Some((k, v)) = tag.split_once(':') else {
            continue;
        };
        if k.is_empty() || v.is_empty() {
            continue;
        }
        let mut name = sanitize(k);
        if name.starts_with("__") || name == "quantile" || name == "host" {
            name.insert(0, 'x');
        }
        out.entry(name).or_insert_with(|| v.to_owned());
    }
    if !point.context.host().is_empty() {
        out.insert("host".to_owned(), point.context.host().to_owned());
    }
    out
}

fn label_text(labels: &BTreeMap<String, String>) -> String {
    let mut s = String::new();
    for (i, (k, v)) in labels.iter().enumerate() {
        s.push_str(if i == 0 { "{" } else { "," });
        s.push_str(k);
        s.push_str("=\"");
        escape(v, &mut s);
        s.push('"');
    }
    if !s.is_empty() {
        s.push('}');
    }
    s
}

/// The family name and type of a point.
fn family_of(point: &Point) -> (String, Type) {
    let base = sanitize(&point.name());
    match point.kind {
        PointKind::Rate | PointKind::Count => {
            let name = if base.ends_with("_total") {
                base
            } else {
                base + "_total"
            };
            (name, Type::Counter)
        }
        PointKind::Gauge => (base, Type::Gauge),
        PointKind::Sketch => (base, Type::Summary),
    }
}

impl Exposition {
    /// Takes one flush's points.
    pub fn update(&self, flush: &Flush, now_ms: u64) {
        let mut families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        for p in &flush.points {
            if p.context.name().starts_with("herd.") {
                continue;
            }
            let (name, kind) = family_of(p);
            let (family_kind, series) = families
                .entry(name)
                .or_insert_with(|| (kind, BTreeMap::new()));
            if *family_kind != kind {
                continue;
            }
            let key = label_text(&labels(p));
            let entry = series.entry(key).or_insert_with(|| Entry {
                state: match kind {
                    Type::Counter => State::Counter(0.0),
                    Type::Gauge => State::Gauge(0.0),
                    Type::Summary => State::Summary {
                        window: Vec::new(),
                        sum: 0.0,
                        count: 0,
                    },
                },
                updated_ms: now_ms,
            });
            entry.updated_ms = now_ms;
            match (&mut entry.state, &p.value) {
                (State::Counter(total), Value::Scalar(v)) => {
                    *total += if p.kind == PointKind::Rate {
                        v * p.interval_ms as f64 / 1000.0
                    } else {
                        *v
                    };
                }
                (State::Gauge(g), Value::Scalar(v)) => *g = *v,
                (State::Summary { window, sum, count }, Value::Sketch(s)) => {
                    *sum += s.sum();
                    *count += s.count();
                    let age = p.timestamp_ms - p.timestamp_ms % AGE_BUCKET_MS;
                    match window.last_mut() {
                        Some((start, merged)) if *start == age => merged.merge(s),
                        _ => window.push((age, (**s).clone())),
                    }
                    let oldest = age.saturating_sub((AGE_BUCKETS as u64 - 1) * AGE_BUCKET_MS);
                    window.retain(|(start, _)| *start >= oldest);
                }
                _ => {}
            }
        }
        for (_, series) in families.values_mut() {
            series.retain(|_, e| now_ms.saturating_sub(e.updated_ms) < TTL_MS);
        }
        families.retain(|_, (_, series)| !series.is_empty());
    }

    /// Whether the page was asked for (from then on each flush updates it).
    pub fn scraped(&self) -> bool {
        self.scraped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The page (and, the first time, the start of collecting it).
    pub fn render(&self) -> String {
        self.scraped
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        for (name, (kind, series)) in families.iter() {
            // A summary's `_sum` and `_count` must not be another family's name.
            if *kind == Type::Summary
                && (families.contains_key(&format!("{name}_sum"))
                    || families.contains_key(&format!("{name}_count")))
            {
                continue;
            }
            if name.ends_with("_sum") || name.ends_with("_count") {
                let base = &name[..name.rfind('_').unwrap_or(0)];
                if matches!(families.get(base), Some((Type::Summary, _))) {
                    continue;
                }
            }
            let _ = writeln!(out, "# HELP {name} StatsD metric from herd.");
            let _ = writeln!(out, "# TYPE {name} {}", kind.as_str());
            for (labels, entry) in series {
                match &entry.state {
                    State::Counter(v) | State::Gauge(v) => {
                        let _ = writeln!(out, "{name}{labels} {}", number(*v));
                    }
                    State::Summary { window, sum, count } => {
                        let mut merged = Sketch::default();
                        for (_, s) in window {
                            merged.merge(s);
                        }
                        for q in QUANTILES {
                            let v = if merged.count() == 0 {
                                f64::NAN
                            } else {
                                merged.quantile(q)
                            };
                            let _ =
                                writeln!(out, "{name}{} {}", with_quantile(labels, q), number(v));
                        }
                        let _ = writeln!(out, "{name}_sum{labels} {}", number(*sum));
                        let _ = writeln!(out, "{name}_count{labels} {count}");
                    }
                }
            }
        }
        out
    }
}

/// `{a="b"}` with `quantile="q"` added (last; the text format does not need them sorted).
fn with_quantile(labels: &str, q: f64) -> String {
    match labels.strip_suffix('}') {
        Some(inner) => format!("{inner},quantile=\"{q}\"}}"),
        None => format!("{{quantile=\"{q}\"}}"),
    }
}

/// The sink that keeps the page (in [`Telemetry::app`]) up to date.
pub struct ExpositionSink(pub Arc<Telemetry>);

impl Sink for ExpositionSink {
    fn write(&mut self, flush: &Flush) -> io::Result<()> {
        if self.0.app.scraped() {
            self.0.app.update(flush, crate::clock::now_ms());
        }
        Ok(())
    }
}

/// `GET /metrics/app`.
pub async fn handler(
    axum::extract::State(state): axum::extract::State<crate::http::State>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, CONTENT_TYPE)],
        state.telemetry.app.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use herd_aggregate::Context;
    use herd_dogstatsd::MetricType;

    fn point(name: &str, tags: &[&str], kind: PointKind, value: Value) -> Point {
        Point {
            context: Arc::new(Context::new(
                name,
                tags.iter().copied(),
                "h1",
                MetricType::Gauge,
            )),
            suffix: Arc::from(""),
            kind,
            interval_ms: 10_000,
            timestamp_ms: 1_000_000,
            value,
        }
    }

    #[test]
    fn names_labels_and_counter_totals() {
        let e = Exposition::default();
        let mut flush = Flush::default();
        flush.points.push(point(
            "web.hits",
            &["env:prod", "bare", "a.b:x\"y"],
            PointKind::Rate,
            Value::Scalar(0.5),
        ));
        flush
            .points
            .push(point("3d.temp", &[], PointKind::Gauge, Value::Scalar(2.5)));
        e.update(&flush, 1);
        e.update(&flush, 2);
        let page = e.render();
        assert!(page.contains("# TYPE web_hits_total counter\n"), "{page}");
        assert!(
            page.contains("web_hits_total{a_b=\"x\\\"y\",env=\"prod\",host=\"h1\"} 10\n"),
            "{page}"
        );
        assert!(page.contains("_3d_temp{host=\"h1\"} 2.5\n"), "{page}");
    }

    #[test]
    fn summaries_and_clashing_kinds() {
        let e = Exposition::default();
        let mut s = Sketch::default();
        for v in 1..=100 {
            s.insert(f64::from(v), 1);
        }
        let mut flush = Flush::default();
        flush.points.push(point(
            "lat",
            &[],
            PointKind::Sketch,
            Value::Sketch(Box::new(s.clone())),
        ));
        flush
            .points
            .push(point("x.y", &[], PointKind::Gauge, Value::Scalar(1.0)));
        flush.points.push(point(
            "x_y",
            &[],
            PointKind::Sketch,
            Value::Sketch(Box::new(s)),
        ));
        e.update(&flush, 1);
        let page = e.render();
        assert!(page.contains("lat_count{host=\"h1\"} 100\n"), "{page}");
        assert!(page.contains("lat_sum{host=\"h1\"} 5050\n"), "{page}");
        assert!(
            page.contains("lat{host=\"h1\",quantile=\"0.5\"} "),
            "{page}"
        );
        assert_eq!(page.matches("# TYPE x_y ").count(), 1, "{page}");
        // Past the TTL a series leaves the page.
        e.update(&Flush::default(), TTL_MS + 10);
        assert_eq!(e.render(), "");
    }

    /// Whether `name` is a legacy Prometheus metric or label name.
    fn legal(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    /// The label names of `k="v",…}` (values unescaped as the text format says) and what
    /// follows the `}`.
    fn label_names(text: &str) -> (Vec<String>, &str) {
        let mut names = Vec::new();
        let mut rest = text;
        loop {
            let (name, after) = rest.split_once("=\"").expect("name=\"");
            names.push(name.to_owned());
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next().expect("a closing quote") {
                    (_, '\\') => {
                        chars.next();
                    }
                    (i, '"') => break i,
                    _ => {}
                }
            };
            rest = &after[end + 1..];
            if let Some(r) = rest.strip_prefix('}') {
                return (names, r);
            }
            rest = rest.strip_prefix(',').expect("a comma between labels");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_names_and_tags_give_legal_lines(
            names in proptest::collection::vec(".{0,12}", 1..6),
            tags in proptest::collection::vec(".{0,10}", 0..5),
            value in proptest::prelude::any::<f64>(),
        ) {
            let e = Exposition::default();
            let mut flush = Flush::default();
            let mut sorted = tags.clone();
            sorted.sort();
            sorted.dedup();
            let tags: Vec<&str> = sorted.iter().map(String::as_str).collect();
            for (i, n) in names.iter().enumerate() {
                let kind = [PointKind::Gauge, PointKind::Rate, PointKind::Count][i % 3];
                flush.points.push(point(n, &tags, kind, Value::Scalar(value)));
            }
            e.update(&flush, 1);
            let page = e.render();
            let mut typed = std::collections::HashSet::new();
            for line in page.lines() {
                if let Some(rest) = line.strip_prefix("# TYPE ") {
                    let name = rest.split(' ').next().unwrap();
                    proptest::prop_assert!(legal(name), "{}", line);
                    proptest::prop_assert!(typed.insert(name.to_owned()), "two TYPE lines: {}", line);
                    continue;
                }
                if line.starts_with('#') {
                    continue;
                }
                let name_end = line.find(['{', ' ']).unwrap();
                proptest::prop_assert!(legal(&line[..name_end]), "{}", line);
                if line[name_end..].starts_with('{') {
                    let (names, rest) = label_names(&line[name_end + 1..]);
                    for k in &names {
                        proptest::prop_assert!(legal(k) && !k.starts_with("__"), "{}", line);
                    }
                    proptest::prop_assert!(rest.starts_with(' '), "{}", line);
                }
            }
        }
    }
}
