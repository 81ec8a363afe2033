//! Number parsing for values, sample rates and timestamps.

use crate::ErrorKind;

/// Parses a sample value: an integer or float as Go's `ParseFloat` takes it, finite.
///
/// Plain integers of up to 15 digits (the common case) take a fast path that is exact.
#[inline]
pub(crate) fn parse_value(s: &str) -> Result<f64, ErrorKind> {
    match parse_simple(s.as_bytes()) {
        Some(v) => Ok(v),
        None => parse_general(s),
    }
}

/// The general path of [`parse_value`] (exponents, long mantissas, errors), kept out of line.
#[cold]
#[inline(never)]
fn parse_general(s: &str) -> Result<f64, ErrorKind> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(ErrorKind::NonFiniteValue(s.to_owned())),
        Err(_) => Err(ErrorKind::InvalidValue(s.to_owned())),
    }
}

/// Powers of ten exactly representable as `f64`.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `[+-]?digits[.digits]` with at most 15 digits in all, as an `f64`, or `None` to take the
/// general path. Exact: both the digits and the power of ten are exact doubles, and one
/// IEEE division rounds correctly (Clinger's fast path).
#[inline]
pub(crate) fn parse_simple(b: &[u8]) -> Option<f64> {
    let (neg, rest) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if rest.is_empty() || rest.len() > 16 {
        return None;
    }
    let mut n: u64 = 0;
    let mut digits = 0usize;
    let mut frac: Option<usize> = None;
    for &c in rest {
        if c == b'.' {
            if frac.is_some() {
                return None;
            }
            frac = Some(digits);
            continue;
        }
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
        digits += 1;
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    let scale = digits - frac.unwrap_or(digits);
    // An integer needs no division (the common case, and a division is slow).
    let v = if scale == 0 {
        n as f64
    } else {
        n as f64 / POW10[scale]
    };
    Some(if neg { -v } else { v })
}

/// Parses a sample rate: finite, greater than 0, at most 1; or 0, which the Datadog Agent
/// accepts and reads as unsampled for histograms, timers and distributions (see
/// [`crate::Metric::rate`]).
#[inline]
pub(crate) fn parse_rate(s: &str) -> Result<f64, ErrorKind> {
    if let Some(r) = simple_rate(s) {
        return Ok(r);
    }
    match s.parse::<f64>() {
        Ok(r) if valid_rate(r) || r == 0.0 => Ok(r),
        _ => Err(ErrorKind::InvalidSampleRate(s.to_owned())),
    }
}

/// A sample rate in the simple decimal form, when it is one and is valid (the common case,
/// without a `Result`); `None`: [`parse_rate`] must look.
#[inline]
pub(crate) fn simple_rate(s: &str) -> Option<f64> {
    parse_simple(s.as_bytes()).filter(|&r| valid_rate(r))
}

fn valid_rate(r: f64) -> bool {
    r > 0.0 && r <= 1.0
}

/// Parses a `T` timestamp: whole seconds, at least 1.
pub(crate) fn parse_timestamp(s: &str) -> Result<u64, ErrorKind> {
    match s.parse::<u64>() {
        Ok(t) if t >= 1 && !s.starts_with('+') => Ok(t),
        _ => Err(ErrorKind::InvalidTimestamp(s.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_take_the_exact_fast_path() {
        assert_eq!(parse_value("42"), Ok(42.0));
        assert_eq!(parse_value("-7"), Ok(-7.0));
        assert_eq!(parse_value("+4"), Ok(4.0));
        assert_eq!(parse_value("999999999999999"), Ok(999_999_999_999_999.0));
    }

    #[test]
    fn the_fast_path_agrees_with_the_standard_parser() {
        for s in [
            "42.5",
            "0.1",
            "-0.5",
            "123456789.012345",
            "3.",
            ".25",
            "+7.125",
            "0.000001",
            "99999999999999.9",
        ] {
            assert_eq!(
                parse_simple(s.as_bytes()),
                Some(s.parse::<f64>().unwrap()),
                "{s}"
            );
        }
        for s in ["1.2.3", "1e3", "", ".", "-", "1234567890123456", "0x10"] {
            assert_eq!(parse_simple(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn floats_and_exponents_parse_like_go() {
        assert_eq!(parse_value("1e3"), Ok(1000.0));
        assert_eq!(parse_value("-0.5"), Ok(-0.5));
        assert_eq!(parse_value(".5"), Ok(0.5));
        assert_eq!(
            parse_value("12345678901234567890"),
            Ok(12_345_678_901_234_567_890.0)
        );
    }

    #[test]
    fn non_finite_and_garbage_are_rejected() {
        assert!(matches!(
            parse_value("NaN"),
            Err(ErrorKind::NonFiniteValue(_))
        ));
        assert!(matches!(
            parse_value("inf"),
            Err(ErrorKind::NonFiniteValue(_))
        ));
        assert!(matches!(
            parse_value("1e999"),
            Err(ErrorKind::NonFiniteValue(_))
        ));
        assert!(matches!(
            parse_value("12a"),
            Err(ErrorKind::InvalidValue(_))
        ));
        assert!(matches!(parse_value("-"), Err(ErrorKind::InvalidValue(_))));
    }

    #[test]
    fn rates_must_be_in_the_unit_interval_or_zero() {
        assert_eq!(parse_rate("0.5"), Ok(0.5));
        assert_eq!(parse_rate("1"), Ok(1.0));
        // `@0` is kept as sent (the Agent accepts it); `Metric::rate` reads it as 1.
        assert_eq!(parse_rate("0"), Ok(0.0));
        assert_eq!(parse_rate("0.0"), Ok(0.0));
        for bad in ["-0.1", "1.5", "x", "NaN", "inf", ""] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps_are_positive_seconds() {
        assert_eq!(parse_timestamp("1700000000"), Ok(1_700_000_000));
        for bad in ["0", "-5", "+5", "1.5", ""] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }
}
