//! Kinds of setting: how a setting's text (a flag, a variable, a TOML value, all in the flag's
//! syntax) becomes its typed value, how the value is written back, and what is allowed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use herd_aggregate::{parse_percentile, HistogramAggregate};
use herd_dogstatsd::Overflow;
use herd_tsdb::FsyncPolicy;

use super::{Emit, Overload};

/// How one kind of setting reads and writes its value.
pub struct Kind<T> {
    /// The value of a text, or `None` when the text is not allowed.
    pub parse: fn(&str) -> Option<T>,
    /// The text of a value, as `parse` takes it back.
    pub show: fn(&T) -> String,
    /// What is allowed, for the error message.
    pub allowed: &'static str,
    /// A secret: `--print-config` shows that it is set, not what it is.
    pub secret: bool,
}

/// `true`, `false` (and `1`/`0`, `yes`/`no`, `on`/`off`).
pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

/// Parses `10s`, `1s`, `500ms`, `2m`, `6h`, `15d` (a bare number is seconds).
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (num, unit) = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((v, "s"), |i| v.split_at(i));
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86_400.0,
        _ => return None,
    };
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// A duration in the flag's syntax, in the largest unit that divides it: whole days as
/// `15d`, hours as `6h`, seconds as `10s`, anything else in `ms` (minutes stay seconds:
/// `60s`).
pub fn show_duration(d: &Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0 => "0s".to_owned(),
        ms if ms % 86_400_000 == 0 => format!("{}d", ms / 86_400_000),
        ms if ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        ms if ms % 1000 == 0 => format!("{}s", ms / 1000),
        ms => format!("{ms}ms"),
    }
}

/// The items of a comma-separated list, trimmed, empty ones left out.
pub fn list_items(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn off(v: &str) -> bool {
    matches!(v.trim(), "off" | "")
}

/// A listen address, or off.
pub const ADDRESS: Kind<Option<SocketAddr>> = Kind {
    parse: |v| {
        if off(v) {
            Some(None)
        } else {
            v.trim().parse().ok().map(Some)
        }
    },
    show: |a| a.map_or_else(|| "off".to_owned(), |a| a.to_string()),
    allowed: "an IP address with a port (127.0.0.1:8125), or off",
    secret: false,
};

/// A socket path, or off.
pub const PATH: Kind<Option<PathBuf>> = Kind {
    parse: |v| Some((!off(v)).then(|| PathBuf::from(v.trim()))),
    show: |p| {
        p.as_ref()
            .map_or_else(|| "off".to_owned(), |p| p.display().to_string())
    },
    allowed: "a path, or off",
    secret: false,
};

/// A whole number.
pub const NUMBER: Kind<usize> = Kind {
    parse: |v| v.trim().parse().ok(),
    show: ToString::to_string,
    allowed: "a whole number",
    secret: false,
};

/// `true` or `false`.
pub const BOOL: Kind<bool> = Kind {
    parse: parse_bool,
    show: ToString::to_string,
    allowed: "true or false",
    secret: false,
};

/// A duration.
pub const DURATION: Kind<Duration> = Kind {
    parse: parse_duration,
    show: show_duration,
    allowed: "a duration such as 10s, 1s or 500ms",
    secret: false,
};

/// Free text (a host name).
pub const TEXT: Kind<String> = Kind {
    parse: |v| Some(v.to_owned()),
    show: Clone::clone,
    allowed: "text",
    secret: false,
};

/// A secret (a token): shown as `(set)` by `--print-config`.
pub const SECRET: Kind<String> = Kind {
    parse: |v| Some(v.trim().to_owned()),
    show: Clone::clone,
    allowed: "text",
    secret: true,
};

/// A directory.
pub const DIRECTORY: Kind<PathBuf> = Kind {
    parse: |v| (!v.trim().is_empty()).then(|| PathBuf::from(v.trim())),
    show: |p| p.display().to_string(),
    allowed: "a directory path",
    secret: false,
};

/// How often the store's write-ahead log is synced.
pub const FSYNC: Kind<FsyncPolicy> = Kind {
    parse: |v| match v.trim() {
        "every-flush" => Some(FsyncPolicy::EveryFlush),
        "interval" => Some(FsyncPolicy::Interval(FSYNC_INTERVAL)),
        "never" => Some(FsyncPolicy::Never),
        _ => None,
    },
    show: |f| {
        match f {
            FsyncPolicy::EveryFlush => "every-flush",
            FsyncPolicy::Interval(_) => "interval",
            FsyncPolicy::Never => "never",
        }
        .to_owned()
    },
    allowed: "every-flush, interval (once a minute) or never",
    secret: false,
};

/// The period of `--fsync interval`.
pub const FSYNC_INTERVAL: Duration = Duration::from_secs(60);

/// A comma-separated list (tags).
pub const LIST: Kind<Vec<String>> = Kind {
    parse: |v| Some(list_items(v)),
    show: |l| l.join(","),
    allowed: "a comma-separated list",
    secret: false,
};

/// File permissions in octal.
pub const OCTAL_MODE: Kind<u32> = Kind {
    parse: |v| {
        u32::from_str_radix(v.trim(), 8)
            .ok()
            .filter(|m| *m <= 0o777)
    },
    show: |m| format!("{m:04o}"),
    allowed: "octal permissions such as 0722",
    secret: false,
};

/// Histogram aggregates.
pub const AGGREGATES: Kind<Vec<HistogramAggregate>> = Kind {
    parse: |v| {
        list_items(v)
            .iter()
            .map(|a| HistogramAggregate::parse(a))
            .collect()
    },
    show: |l| l.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(","),
    allowed: "a list of max, min, median, avg, sum, count",
    secret: false,
};

/// Histogram percentiles, as fractions.
pub const PERCENTILES: Kind<Vec<u8>> = Kind {
    parse: |v| list_items(v).iter().map(|p| parse_percentile(p)).collect(),
    show: |l| {
        l.iter()
            .map(|p| format!("0.{p:02}"))
            .collect::<Vec<_>>()
            .join(",")
    },
    allowed: "a list of fractions between 0 and 1 (0.95,0.99)",
    secret: false,
};

/// Past a name or tag limit.
pub const OVERSIZE: Kind<Overflow> = Kind {
    parse: |v| match v.trim() {
        "truncate" => Some(Overflow::Truncate),
        "reject" => Some(Overflow::Reject),
        _ => None,
    },
    show: |o| {
        match o {
            Overflow::Truncate => "truncate",
            Overflow::Reject => "reject",
        }
        .to_owned()
    },
    allowed: "truncate or reject",
    secret: false,
};

/// A full worker queue.
pub const OVERLOAD: Kind<Overload> = Kind {
    parse: |v| match v.trim() {
        "block" => Some(Overload::Block),
        "drop" => Some(Overload::Drop),
        _ => None,
    },
    show: |o| {
        match o {
            Overload::Block => "block",
            Overload::Drop => "drop",
        }
        .to_owned()
    },
    allowed: "block or drop",
    secret: false,
};

/// Where flushed points go.
pub const EMIT: Kind<Emit> = Kind {
    parse: |v| match v.trim() {
        "stdout" => Some(Emit::Stdout),
        "none" | "" => Some(Emit::None),
        _ => None,
    },
    show: |e| {
        match e {
            Emit::Stdout => "stdout",
            Emit::None => "none",
        }
        .to_owned()
    },
    allowed: "stdout or none",
    secret: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_the_flag_syntax_and_show_back() {
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_duration("3y"), None);
        assert_eq!(show_duration(&Duration::from_secs(10)), "10s");
        assert_eq!(show_duration(&Duration::from_millis(500)), "500ms");
        assert_eq!(
            parse_duration("15d"),
            Some(Duration::from_secs(15 * 86_400))
        );
        assert_eq!(show_duration(&Duration::from_secs(15 * 86_400)), "15d");
        assert_eq!(show_duration(&Duration::from_secs(7200)), "2h");
    }

    #[test]
    fn every_kind_reads_back_what_it_writes() {
        fn round_trip<T: PartialEq + std::fmt::Debug>(kind: &Kind<T>, text: &str) {
            let v = (kind.parse)(text).unwrap();
            assert_eq!((kind.parse)(&(kind.show)(&v)).unwrap(), v, "{text}");
        }
        round_trip(&ADDRESS, "127.0.0.1:8125");
        round_trip(&ADDRESS, "off");
        round_trip(&PATH, "/run/dsd.sock");
        round_trip(&OCTAL_MODE, "0722");
        round_trip(&AGGREGATES, "max,median,avg,count");
        round_trip(&PERCENTILES, "0.95,0.5,0.05");
        round_trip(&DURATION, "1500ms");
        round_trip(&OVERSIZE, "reject");
        round_trip(&OVERLOAD, "drop");
        round_trip(&EMIT, "stdout");
        round_trip(&FSYNC, "interval");
        round_trip(&DIRECTORY, "herd-data");
        assert_eq!((PERCENTILES.show)(&vec![95, 5]), "0.95,0.05");
    }
}
