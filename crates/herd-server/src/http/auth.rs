//! Who may ask: anyone on loopback; elsewhere only a client with the token, as a bearer token
//! or in Datadog's `DD-API-KEY` / `DD-APPLICATION-KEY` headers (so Datadog's own clients work
//! pointed at herd). With a token set, loopback clients need it too. A browser, which cannot
//! add a header to a page it navigates to, opens `/login?token=…` once: herd answers with an
//! `HttpOnly`, `SameSite=Strict` cookie holding the token and sends it on to `/`.

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
        let cookie = headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| {
                c.trim()
                    .strip_prefix(COOKIE)
                    .and_then(|c| c.strip_prefix('='))
            });
        bearer
            .into_iter()
            .chain(dd)
            .chain(cookie)
            .any(|given| same(given, &self.0))
    }
}

/// The cookie a browser keeps the token in.
const COOKIE: &str = "herd_token";

/// `/login?token=…`: the cookie and a redirect to `/`, or a 401.
fn login(token: &Token, request: &Request) -> Response {
    let given = request
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .map(percent_decode)
        .unwrap_or_default();
    if same(&given, &token.0) {
        let cookie = format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", token.0);
        (
            StatusCode::SEE_OTHER,
            [("set-cookie", cookie.as_str()), ("location", "/")],
        )
            .into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            "wrong or missing token: open /login?token=<the --http-auth-token of this herd>\n",
        )
            .into_response()
    }
}

/// `%XX` and `+` decoded (a token may hold any character).
fn percent_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(x) => {
                        out.push(x);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
        Some(t) if request.uri().path() == "/login" => login(t, &request),
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
        let mut h = HeaderMap::new();
        h.insert("cookie", "a=1; herd_token=s3cret".parse().unwrap());
        assert!(t.presented_in(&h));
        assert!(Token::new("").is_none());
        assert_eq!(percent_decode("a%2Bb+c%zz"), "a+b c%zz");
    }
}
