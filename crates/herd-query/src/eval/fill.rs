//! `.fill(null|zero|last|linear[, limit])` over a series' empty intervals.

use crate::ast::{Fill, FillMode};

/// Default longest gap filled, in seconds (Datadog's).
pub const DEFAULT_FILL_LIMIT: u64 = 300;

/// Fills empty intervals. An empty interval is filled when the last value before it is at
/// most `limit` seconds earlier (`zero`, `last`), or when the whole gap between two values
/// spans at most `limit` seconds of empty intervals (`linear`). Before the first value
/// nothing is filled.
pub(crate) fn fill(points: &mut [Option<f64>], step_s: f64, f: Fill) {
    if f.mode == FillMode::Null {
        return;
    }
    let limit = f.limit.unwrap_or(DEFAULT_FILL_LIMIT) as f64;
    let orig = points.to_vec();
    // next[i]: the first value at or after i.
    let mut next = vec![None; orig.len() + 1];
    for i in (0..orig.len()).rev() {
        next[i] = orig[i].map(|v| (i, v)).or(next[i + 1]);
    }
    let mut prev: Option<(usize, f64)> = None;
    for (i, p) in orig.iter().enumerate() {
        if let Some(v) = *p {
            prev = Some((i, v));
            continue;
        }
        let Some((j, pv)) = prev else { continue };
        points[i] = match f.mode {
            FillMode::Null => None,
            FillMode::Zero => ((i - j) as f64 * step_s <= limit).then_some(0.0),
            FillMode::Last => ((i - j) as f64 * step_s <= limit).then_some(pv),
            FillMode::Linear => next[i].and_then(|(k, nv)| {
                ((k - j - 1) as f64 * step_s <= limit)
                    .then(|| pv + (nv - pv) * (i - j) as f64 / (k - j) as f64)
            }),
        };
    }
}
