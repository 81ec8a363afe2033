//! Which series a query reads, and the group each belongs to.

use crate::ast::MetricQuery;
use crate::source::{SeriesId, SeriesKey, Source};
use std::collections::BTreeMap;

/// The value a series without the key gets in its group (Datadog's).
pub(crate) const MISSING: &str = "N/A";

/// The series of `q.metric` that pass the scope, by group (`tag_set`), groups sorted.
pub(crate) fn select<S: Source + ?Sized>(
    source: &S,
    q: &MetricQuery,
) -> BTreeMap<Vec<String>, Vec<(SeriesId, SeriesKey)>> {
    let mut groups: BTreeMap<Vec<String>, Vec<(SeriesId, SeriesKey)>> = BTreeMap::new();
    for (id, key) in source.series(&q.metric) {
        if key.name != q.metric || !q.scope.matches(&key.tags, &key.host) {
            continue;
        }
        let tag_set = q
            .group_by
            .iter()
            .map(|k| format!("{k}:{}", group_value(&key, k)))
            .collect();
        groups.entry(tag_set).or_default().push((id, key));
    }
    groups
}

/// The value of tag `k` on a series: the host for `host`, else the first `k:value` tag.
fn group_value<'a>(key: &'a SeriesKey, k: &str) -> &'a str {
    if k == "host" && !key.host.is_empty() {
        return &key.host;
    }
    key.tags
        .iter()
        .find_map(|t| t.strip_prefix(k).and_then(|rest| rest.strip_prefix(':')))
        .unwrap_or(MISSING)
}
