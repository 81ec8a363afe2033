//! Sending one payload: a blocking HTTP/1.1 client (ureq) with HTTPS over rustls on ring (no
//! C toolchain), a proxy from `DD_PROXY_HTTPS`, `DD_PROXY_HTTP` or the usual `HTTPS_PROXY` /
//! `HTTP_PROXY` / `ALL_PROXY` (with `NO_PROXY`), and what the answer means for the payload.

use std::time::Duration;

use super::backoff;
use super::buffer::Payload;

/// How long one request may take (the Agent's `forwarder_timeout`).
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// What became of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted (2xx).
    Sent,
    /// Worth trying again: a network error, a timeout, 5xx, 408, 429 (and 404, as the Agent
    /// does: an intake behind a load balancer may answer it while it restarts).
    Retry {
        /// Why, for the log.
        why: String,
        /// The server's `Retry-After`.
        after: Option<Duration>,
    },
    /// Refused for good: dropped and counted.
    Refused {
        /// The status.
        status: u16,
        /// The start of the answer's body, for the log.
        body: String,
    },
}

/// The proxy to use, if any: the Agent's variables first, then the usual ones.
fn proxy() -> Option<ureq::Proxy> {
    for var in ["DD_PROXY_HTTPS", "DD_PROXY_HTTP"] {
        if let Ok(url) = std::env::var(var) {
            match ureq::Proxy::new(&url) {
                Ok(p) => return Some(p),
                Err(e) => {
                    crate::log::warn(&format!("forward: {var} = {url:?} is not a proxy URL: {e}"));
                }
            }
        }
    }
    ureq::Proxy::try_from_env()
}

/// An HTTP client for one destination.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    headers: Vec<(String, String)>,
    retry_not_found: bool,
}

impl Client {
    /// A client posting to `base` + each payload's path, with `headers` on every request;
    /// `retry_not_found`: whether a 404 is retried (Datadog's intake) or refused (remote
    /// write, whose spec forbids retrying 4xx other than 429).
    pub fn new(base: &str, headers: Vec<(String, String)>, retry_not_found: bool) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .proxy(proxy())
            .user_agent(concat!("herd/", env!("CARGO_PKG_VERSION")))
            .max_redirects(0)
            .build()
            .new_agent();
        Self {
            agent,
            base: base.trim_end_matches('/').to_owned(),
            headers,
            retry_not_found,
        }
    }

    /// The URL a payload goes to.
    pub fn url(&self, payload: &Payload) -> String {
        format!("{}{}", self.base, payload.path)
    }

    /// Posts one payload.
    pub fn send(&self, payload: &Payload) -> Outcome {
        let mut request = self
            .agent
            .post(self.url(payload))
            .header("Content-Type", &payload.content_type);
        if !payload.encoding.is_empty() {
            request = request.header("Content-Encoding", &payload.encoding);
        }
        for (k, v) in &self.headers {
            request = request.header(k, v);
        }
        match request.send(&payload.body[..]) {
            Err(e) => Outcome::Retry {
                why: e.to_string(),
                after: None,
            },
            Ok(mut response) => {
                let status = response.status().as_u16();
                let after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(backoff::retry_after);
                let mut body = response
                    .body_mut()
                    .with_config()
                    .limit(4096)
                    .read_to_string()
                    .unwrap_or_default();
                body.truncate(300);
                match status {
                    200..=299 => Outcome::Sent,
                    400..=499
                        if !(matches!(status, 408 | 429)
                            || status == 404 && self.retry_not_found) =>
                    {
                        Outcome::Refused { status, body }
                    }
                    _ => Outcome::Retry {
                        why: format!("HTTP {status} {}", body.trim()),
                        after,
                    },
                }
            }
        }
    }
}
