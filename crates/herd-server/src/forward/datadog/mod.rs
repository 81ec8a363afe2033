//! Datadog's intake, as the Agent sends to it: series to `/api/v2/series` (the Agent's
//! `MetricPayload` protobuf, or JSON with `--dd-series-format json`; zstd at level one) or, with `--dd-series-api v1`, v1 series JSON to `/api/v1/series` (deflate);
//! distributions as `SketchPayload` protobuf (zstd) to `/api/beta/sketches`; events to
//! `/api/v1/events` and service checks to `/api/v1/check_run`. Enabled by `DD_API_KEY`; the
//! site from `DD_SITE`, or a whole URL from `DD_DD_URL` / `DD_URL`.

pub mod events;
pub mod payload;
pub mod series;
pub mod sketch;

use herd_aggregate::Flush;

use super::buffer::Payload;
use super::{Counters, Encode};

/// Points older than this are dropped, not sent (the intake refuses points more than an
/// hour old).
pub const MAX_AGE_S: u64 = 60 * 60;

/// Which series API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesApi {
    /// `/api/v1/series` JSON.
    V1,
    /// `/api/v2/series`.
    V2,
}

/// How v2 series are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesFormat {
    /// `MetricPayload` protobuf, as the Agent sends them.
    Protobuf,
    /// The documented JSON.
    Json,
}

/// Datadog forwarding settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DD_API_KEY`.
    pub api_key: String,
    /// Base URL: `https://api.<site>`, or `DD_DD_URL` / `DD_URL`.
    pub url: String,
    /// Series API.
    pub series_api: SeriesApi,
    /// How v2 series are written (v1 is JSON only).
    pub series_format: SeriesFormat,
    /// Host tags added to every series (`DD_TAGS`).
    pub host_tags: Vec<String>,
}

impl Config {
    /// The base URL from the Agent's variables: a URL wins over the site.
    pub fn url_of(site: &str, dd_url: &str) -> String {
        if dd_url.is_empty() {
            format!("https://api.{}", site.trim().trim_end_matches('/'))
        } else {
            dd_url.trim().trim_end_matches('/').to_owned()
        }
    }

    /// The headers every request carries.
    pub fn headers(&self) -> Vec<(String, String)> {
        vec![("DD-API-KEY".to_owned(), self.api_key.clone())]
    }
}

/// Encodes flushes for the intake.
pub struct Encoder {
    config: Config,
    series: series::Cache,
}

impl Encoder {
    /// An encoder for `config`.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            series: series::Cache::default(),
        }
    }
}

impl Encode for Encoder {
    fn encode(&mut self, flush: &Flush, counters: &Counters) -> Vec<Payload> {
        let now_s = crate::clock::now_ms() / 1000;
        let mut out = series::encode(flush, &self.config, now_s, counters, &mut self.series);
        out.extend(sketch::encode(flush, &self.config, now_s, counters));
        out.extend(events::encode(flush, &self.config));
        out
    }
}
