//! Answers for a terminal: query results as a table or CSV, store figures as text, and the
//! times `herd query` takes (`now`, `-1h`, POSIX seconds).

use std::fmt::Write as _;

use herd_tsdb::Stats;
use serde_json::{json, Value};

/// A time given as `now`, `-15m`, `-1h`, `-7d` or POSIX seconds, in milliseconds. `now` and
/// `-15m` keep the clock's milliseconds, so a range ending `now` holds the points stamped in
/// the current second (a shutdown's last flush is stamped with the start of its open
/// interval, often less than a second earlier).
pub fn parse_time_ms(text: &str, now_ms: i64) -> Result<i64, String> {
    let t = text.trim();
    let bad = || format!("`{text}`: expected now, -15m, -1h, -7d or POSIX seconds");
    if t == "now" {
        return Ok(now_ms);
    }
    if let Some(ago) = t.strip_prefix('-') {
        return crate::config::parse_duration(ago)
            .map(|d| now_ms.saturating_sub(d.as_millis() as i64))
            .ok_or_else(bad);
    }
    t.parse::<i64>()
        .map(|s| s.saturating_mul(1000))
        .map_err(|_| bad())
}

/// A series' label: its expression (metric, scope and group).
fn label(s: &Value) -> String {
    s["expression"]
        .as_str()
        .or_else(|| s["display_name"].as_str())
        .unwrap_or("?")
        .to_owned()
}

fn value_text(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) => format!("{x}"),
        None => "null".to_owned(),
    }
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A v1 query answer as a table: one block per series, a row per interval.
pub fn table(answer: &Value) -> String {
    let mut out = String::new();
    let series = answer["series"].as_array().cloned().unwrap_or_default();
    if series.is_empty() {
        out.push_str("no data\n");
    }
    for s in &series {
        let _ = writeln!(
            out,
            "{}  (every {} s)",
            label(s),
            s["interval"].as_i64().unwrap_or(0)
        );
        for p in s["pointlist"].as_array().into_iter().flatten() {
            let t = p[0].as_f64().unwrap_or(0.0) as i64;
            let _ = writeln!(out, "  {}  {}", utc(t), value_text(&p[1]));
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A v1 query answer as CSV: `series,timestamp_ms,value`.
pub fn csv(answer: &Value) -> String {
    let mut out = String::from("series,timestamp_ms,value\n");
    for s in answer["series"].as_array().into_iter().flatten() {
        let name = csv_field(&label(s));
        for p in s["pointlist"].as_array().into_iter().flatten() {
            let t = p[0].as_f64().unwrap_or(0.0) as i64;
            let v = if p[1].is_null() {
                String::new()
            } else {
                value_text(&p[1])
            };
            let _ = writeln!(out, "{name},{t},{v}");
        }
    }
    out
}

/// The store's figures as JSON (`herd store stats --format json`, `/api/herd/store/stats`).
pub fn stats_json(s: &Stats) -> Value {
    json!({
        "series": s.series, "points": s.points, "block_points": s.block_points,
        "block_bytes": s.block_bytes, "bytes_per_point": s.bytes_per_point,
        "point_bytes": s.point_bytes, "blocks": s.blocks, "head_points": s.head_points,
        "head_bytes": s.head_bytes, "head_file_bytes": s.head_file_bytes,
        "index_bytes": s.index_bytes, "wal_bytes": s.wal_bytes, "oldest_ms": s.oldest_ms,
        "newest_ms": s.newest_ms, "seal_failures": s.seal_failures,
        "read_cache_bytes": s.read_cache_bytes, "read_cache_hits": s.read_cache_hits,
        "read_cache_misses": s.read_cache_misses,
    })
}

/// The store's figures as text.
pub fn stats_text(s: &Value) -> String {
    let n = |k: &str| s[k].as_u64().unwrap_or(0);
    let when = |k: &str| s[k].as_i64().map_or_else(|| "-".to_owned(), utc);
    format!(
        "series            {}\n\
         points            {} ({} sealed, {} in memory)\n\
         bytes per point   {:.2} (sealed blocks, rollups included)\n\
         blocks            {} ({} bytes)\n\
         write-ahead log   {} bytes\n\
         oldest            {}\n\
         newest            {}\n",
        n("series"),
        n("points"),
        n("block_points"),
        n("head_points"),
        s["bytes_per_point"].as_f64().unwrap_or(0.0),
        n("blocks"),
        n("block_bytes"),
        n("wal_bytes"),
        when("oldest_ms"),
        when("newest_ms"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_now_relative_or_absolute() {
        assert_eq!(parse_time_ms("now", 1_000_250), Ok(1_000_250));
        assert_eq!(parse_time_ms("-1h", 10_000_250), Ok(6_400_250));
        assert_eq!(parse_time_ms("-7d", 700_000_000), Ok(95_200_000));
        assert_eq!(parse_time_ms("1700000000", 0), Ok(1_700_000_000_000));
        assert!(parse_time_ms("yesterday", 0).unwrap_err().contains("-1h"));
    }

    #[test]
    fn utc_dates_are_civil() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(1_700_000_000_000), "2023-11-14 22:13:20");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00");
    }

    #[test]
    fn answers_become_tables_and_csv() {
        let answer = json!({"series": [{
            "expression": "sum:a{x:1,y}", "interval": 10,
            "pointlist": [[1_700_000_000_000.0, 2.0], [1_700_000_010_000.0, null]],
        }]});
        assert_eq!(
            table(&answer),
            "sum:a{x:1,y}  (every 10 s)\n  2023-11-14 22:13:20  2\n  2023-11-14 22:13:30  null\n"
        );
        assert_eq!(
            csv(&answer),
            "series,timestamp_ms,value\n\"sum:a{x:1,y}\",1700000000000,2\n\"sum:a{x:1,y}\",1700000010000,\n"
        );
    }
}
