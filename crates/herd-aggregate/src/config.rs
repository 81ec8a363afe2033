//! Aggregation settings, each with the Datadog Agent's default.

use std::sync::Arc;

/// A histogram aggregate (`histogram_aggregates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistogramAggregate {
    /// `.max`
    Max,
    /// `.min`
    Min,
    /// `.median`
    Median,
    /// `.avg`
    Avg,
    /// `.sum`
    Sum,
    /// `.count` (a rate)
    Count,
}

impl HistogramAggregate {
    /// The Agent's name (also the suffix after the dot).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Max => "max",
            Self::Min => "min",
            Self::Median => "median",
            Self::Avg => "avg",
            Self::Sum => "sum",
            Self::Count => "count",
        }
    }

    /// Parses an Agent name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "max" => Self::Max,
            "min" => Self::Min,
            "median" => Self::Median,
            "avg" => Self::Avg,
            "sum" => Self::Sum,
            "count" => Self::Count,
            _ => return None,
        })
    }
}

/// How the aggregator behaves. `Default` is the Agent's behaviour.
#[derive(Debug, Clone)]
pub struct AggregateConfig {
    /// Bucket length in milliseconds. Defaults to 10 000 (the Agent's 10 s buckets).
    pub interval_ms: u64,
    /// Histogram aggregates. Defaults to max, median, avg, count.
    pub histogram_aggregates: Vec<HistogramAggregate>,
    /// Histogram percentiles as whole percents (1..=99), sorted. Defaults to 95.
    pub histogram_percentiles: Vec<u8>,
    /// How long an idle counter keeps reporting 0, in milliseconds. Defaults to 300 000
    /// (`dogstatsd_expiry_seconds`).
    pub counter_expiry_ms: u64,
    /// How long an idle context stays in memory, in milliseconds. Defaults to 20 000
    /// (`dogstatsd_context_expiry_seconds`); never less than two buckets.
    pub context_expiry_ms: u64,
    /// Most contexts held; samples of new contexts past it are dropped and counted.
    /// Defaults to 100 000.
    pub context_limit: usize,
    /// Read `+N`/`-N` gauges as deltas, as Etsy statsd does. Defaults to false (absolute).
    pub etsy_gauges: bool,
    /// Host of every point without a `host:` tag. Defaults to empty.
    pub hostname: String,
    /// Tags added to every metric, event and service check (`DD_DOGSTATSD_TAGS`).
    pub extra_tags: Vec<String>,
}

impl Default for AggregateConfig {
    fn default() -> Self {
        Self {
            interval_ms: 10_000,
            histogram_aggregates: vec![
                HistogramAggregate::Max,
                HistogramAggregate::Median,
                HistogramAggregate::Avg,
                HistogramAggregate::Count,
            ],
            histogram_percentiles: vec![95],
            counter_expiry_ms: 300_000,
            context_expiry_ms: 20_000,
            context_limit: 100_000,
            etsy_gauges: false,
            hostname: String::new(),
            extra_tags: Vec::new(),
        }
    }
}

impl AggregateConfig {
    /// The name suffixes of the histogram outputs, in emission order.
    pub(crate) fn histogram_suffixes(&self) -> (Vec<Arc<str>>, Vec<Arc<str>>) {
        let aggregates = self
            .histogram_aggregates
            .iter()
            .map(|a| Arc::from(format!(".{}", a.as_str())))
            .collect();
        let percentiles = self
            .histogram_percentiles
            .iter()
            .map(|p| Arc::from(format!(".{p}percentile")))
            .collect();
        (aggregates, percentiles)
    }
}

/// Parses a percentile as the Agent writes it (`0.95`) into a whole percent (95).
pub fn parse_percentile(s: &str) -> Option<u8> {
    let p: f64 = s.trim().parse().ok()?;
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    let whole = (p * 100.0 + 0.5).floor();
    (1.0..=99.0).contains(&whole).then_some(whole as u8)
}
