//! Who may ask: anyone on loopback; elsewhere only a client with the token, as a bearer token
//! or in Datadog's `DD-API-KEY` / `DD-APPLICATION-KEY` headers (so Datadog's own clients work
//! pointed at herd). With a token set, loopback clients need it too.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The shared secret clients present.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// A token; `None` when empty.
    pub fn new(secret: &str) -> Option<Self> {
        (!secret.is_empty()).then(|| Self(secret.to_owned()))
    }

    /// Whether the headers carry it.
    fn presented_in(&self, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let dd = ["dd-api-key", "dd-application-key"]
            .iter()
            .filter_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()));
        bearer
            .into_iter()
            .chain(dd)
            .any(|given| same(given, &self.0))
    }
}

/// Compares in time that depends on the length only, not on where the first difference is.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The middleware: 401 with a JSON error when a token is required and not presented.
pub async fn check(
    State(token): State<Arc<Option<Token>>>,
    request: Request,
    next: Next,
) -> Response {
    match token.as_ref() {
        Some(t) if !t.presented_in(request.headers()) => (
            StatusCode::UNAUTHORIZED,
            axum::Json(herd_query::v1_error_json(
                "this herd needs its token: `Authorization: Bearer <token>` or `DD-API-KEY: <token>`",
            )),
        )
            .into_response(),
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_taken_from_either_header_and_only_when_equal() {
        let t = Token::new("s3cret").unwrap();
        let mut h = HeaderMap::new();
        assert!(!t.presented_in(&h));
        h.insert("authorization", "Bearer s3cret".parse().unwrap());
        assert!(t.presented_in(&h));
        let mut h = HeaderMap::new();
        h.insert("dd-api-key", "s3cre".parse().unwrap());
        assert!(!t.presented_in(&h));
        h.insert("dd-application-key", "s3cret".parse().unwrap());
        assert!(t.presented_in(&h));
        assert!(Token::new("").is_none());
    }
}
