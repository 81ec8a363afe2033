//! gzip for responses of 1 KiB or more, when the client accepts it (a day of a series is a
//! few hundred kilobytes of JSON and compresses ten to one).

use std::io::Write;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use flate2::write::GzEncoder;
use flate2::Compression;

/// Smallest body worth compressing.
const MIN_BYTES: usize = 1024;
/// Largest body read into memory to compress (larger ones go as they are).
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Whether a request's `Accept-Encoding` takes gzip.
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.trim().split(';');
            parts.next() == Some("gzip") && !parts.any(|q| q.trim() == "q=0")
        })
}

/// The middleware.
pub async fn compress(request: Request, next: Next) -> Response {
    let gzip = accepts_gzip(request.headers());
    let response = next.run(request).await;
    if !gzip || response.headers().contains_key(CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if bytes.len() < MIN_BYTES {
        return Response::from_parts(parts, Body::from(bytes));
    }
    match compress_bytes(&bytes) {
        Ok(out) => {
            parts.headers.remove(CONTENT_LENGTH);
            mark_gzipped(&mut parts.headers);
            Response::from_parts(parts, Body::from(out))
        }
        Err(_) => Response::from_parts(parts, Body::from(bytes)),
    }
}

/// A body gzipped (the fast level: a query's answer is compressed on the thread that
/// computed it, and the level-1 ratio on JSON is already four to one).
pub(super) fn compress_bytes(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::fast());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// The headers of a gzipped body (the middleware then leaves it as it is).
pub(super) fn mark_gzipped(headers: &mut HeaderMap) {
    headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
}
