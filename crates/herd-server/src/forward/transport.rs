//! Sending one payload: a blocking HTTP/1.1 client (ureq) with HTTPS over rustls on ring (no
//! C toolchain), a proxy from `DD_PROXY_HTTPS`, `DD_PROXY_HTTP` or the usual `HTTPS_PROXY` /
//! `HTTP_PROXY` / `ALL_PROXY` (with `NO_PROXY`), and what the answer means for the payload.
//!
//! HTTPS trusts Mozilla's root certificates (compiled in, `webpki-roots`), or, when
//! `SSL_CERT_FILE` names a PEM file, the certificates in it instead (as OpenSSL and Go, so the
//! Datadog Agent, read that variable): the way to trust a private CA or a proxy that
//! re-signs TLS.

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

/// The roots HTTPS trusts: the certificates in `SSL_CERT_FILE` when it is set, else
/// Mozilla's. For a file that cannot be read or holds no certificate, Mozilla's roots and
/// what is wrong with it, naming it.
fn root_certs() -> (ureq::tls::RootCerts, Option<String>) {
    use ureq::tls::{parse_pem, PemItem, RootCerts};
    let Some(path) = std::env::var_os("SSL_CERT_FILE") else {
        return (RootCerts::WebPki, None);
    };
    let shown = std::path::Path::new(&path).display().to_string();
    let found = std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|pem| {
            let mut certs = Vec::new();
            for (i, item) in parse_pem(&pem).enumerate() {
                match item {
                    Ok(PemItem::Certificate(c)) => certs.push(c),
                    Ok(_) => {}
                    Err(e) => return Err(format!("PEM item {}: {e}", i + 1)),
                }
            }
            if certs.is_empty() {
                Err("no PEM certificate in it".to_owned())
            } else {
                Ok(certs)
            }
        });
    match found {
        Ok(certs) => (RootCerts::from(certs), None),
        Err(e) => (
            RootCerts::WebPki,
            Some(format!(
                "SSL_CERT_FILE = {shown}: {e}; trusting Mozilla's root certificates instead"
            )),
        ),
    }
}

/// Why a request failed before an answer, for the log: the URL, and for a certificate
/// that is not trusted, what herd trusts.
fn failure(url: &str, e: &ureq::Error) -> String {
    let text = e.to_string();
    if matches!(e, ureq::Error::Rustls(_) | ureq::Error::Tls(_)) || text.contains("certificate") {
        format!(
            "{url}: TLS: {text} (herd trusts Mozilla's root certificates, or those in the \
             PEM file SSL_CERT_FILE names)"
        )
    } else {
        format!("{url}: {text}")
    }
}

/// An HTTP client for one destination.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    headers: Vec<(String, String)>,
    retry_not_found: bool,
    /// What is wrong with the settings it was made from, said once sending starts.
    problem: Option<String>,
}

impl Client {
    /// A client posting to `base` + each payload's path, with `headers` on every request;
    /// `retry_not_found`: whether a 404 is retried (Datadog's intake) or refused (remote
    /// write, whose spec forbids retrying 4xx other than 429).
    pub fn new(base: &str, headers: Vec<(String, String)>, retry_not_found: bool) -> Self {
        let (roots, problem) = root_certs();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .proxy(proxy())
            .user_agent(concat!("herd/", env!("CARGO_PKG_VERSION")))
            .max_redirects(0)
            .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
            .build()
            .new_agent();
        Self {
            agent,
            base: base.trim_end_matches('/').to_owned(),
            headers,
            retry_not_found,
            problem,
        }
    }

    /// What is wrong with the settings the client was made from (an unusable
    /// `SSL_CERT_FILE`), once.
    pub fn take_problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    /// The URL a payload goes to.
    pub fn url(&self, payload: &Payload) -> String {
        format!("{}{}", self.base, payload.path)
    }

    /// Posts one payload.
    pub fn send(&self, payload: &Payload) -> Outcome {
        let url = self.url(payload);
        let mut request = self
            .agent
            .post(&url)
            .header("Content-Type", &payload.content_type);
        if !payload.encoding.is_empty() {
            request = request.header("Content-Encoding", &payload.encoding);
        }
        for (k, v) in &self.headers {
            request = request.header(k, v);
        }
        match request.send(&payload.body[..]) {
            Err(e) => Outcome::Retry {
                why: failure(&url, &e),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A server answering each connection with the next canned response (and closing it);
    /// the requests it read come back from the join handle.
    fn serve(answers: Vec<&'static str>) -> (String, std::thread::JoinHandle<Vec<String>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let mut seen = Vec::new();
            for answer in answers {
                let (mut conn, _) = l.accept().unwrap();
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let n = conn.read(&mut buf).unwrap();
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                        if request.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                seen.push(String::from_utf8_lossy(&request).into_owned());
                // One answer per connection: said, so that the client never sends the
                // next request on a connection this server is about to close.
                let answer = answer.replacen("\r\n", "\r\nConnection: close\r\n", 1);
                conn.write_all(answer.as_bytes()).unwrap();
            }
            seen
        });
        (base, handle)
    }

    fn payload() -> Payload {
        Payload {
            path: "/api/v1/write".into(),
            content_type: "application/x-protobuf".into(),
            encoding: "snappy".into(),
            points: 1,
            oldest_s: 0,
            body: b"body".to_vec(),
        }
    }

    #[test]
    fn each_answer_means_what_the_agent_and_the_spec_say() {
        let (base, server) = serve(vec![
            "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\noops",
            "HTTP/1.1 429 Slow\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 404 No\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 404 No\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 400 Bad\r\nContent-Length: 16\r\n\r\nbad label name x",
            "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
        ]);
        let key = vec![("DD-API-KEY".to_owned(), "secret".to_owned())];
        let rw = Client::new(&base, key.clone(), false);
        let dd = Client::new(&base, key, true);
        let p = payload();
        assert_eq!(rw.send(&p), Outcome::Sent);
        assert!(matches!(rw.send(&p), Outcome::Retry { after: None, .. }));
        assert!(matches!(
            rw.send(&p),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(7)
        ));
        assert!(matches!(rw.send(&p), Outcome::Refused { status: 404, .. }));
        assert!(matches!(dd.send(&p), Outcome::Retry { .. }));
        match rw.send(&p) {
            Outcome::Refused { status: 400, body } => assert_eq!(body, "bad label name x"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(dd.send(&p), Outcome::Refused { status: 403, .. }));
        let requests = server.join().unwrap();
        let first = requests[0].to_ascii_lowercase();
        assert!(first.starts_with("post /api/v1/write http/1.1"), "{first}");
        for header in [
            "content-encoding: snappy",
            "content-type: application/x-protobuf",
            "dd-api-key: secret",
        ] {
            assert!(first.contains(header), "{header} in {first}");
        }
        assert!(first.ends_with("\r\n\r\nbody"), "{first}");
        // Nobody listening: retried.
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        assert!(matches!(
            Client::new(&url, Vec::new(), false).send(&p),
            Outcome::Retry { .. }
        ));
    }
}
