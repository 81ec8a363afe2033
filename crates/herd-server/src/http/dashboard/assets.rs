//! The page's files, compiled into the binary: herd's own HTML, CSS and JavaScript and the
//! vendored uPlot. Each is served at a stable path with an `ETag` (a hash of its bytes) and
//! `Cache-Control: no-cache`, so a browser keeps a copy and revalidates it with one small
//! request (`304 Not Modified`) and never runs a file from an older herd.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file.
pub struct Asset {
    /// Its name under `/assets/`.
    pub name: &'static str,
    /// `Content-Type`.
    pub mime: &'static str,
    /// The bytes.
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $mime:literal, $path:literal) => {
        Asset {
            name: $name,
            mime: $mime,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $path)),
        }
    };
}

/// Every file under `/assets/`.
pub static ASSETS: &[Asset] = &[
    asset!("herd.css", "text/css; charset=utf-8", "dashboard/herd.css"),
    asset!(
        "boot.js",
        "text/javascript; charset=utf-8",
        "dashboard/boot.js"
    ),
    asset!(
        "herd.js",
        "text/javascript; charset=utf-8",
        "dashboard/herd.js"
    ),
    asset!(
        "chart.js",
        "text/javascript; charset=utf-8",
        "dashboard/chart.js"
    ),
    asset!("favicon.svg", "image/svg+xml", "dashboard/favicon.svg"),
    asset!(
        "uplot/uPlot.iife.min.js",
        "text/javascript; charset=utf-8",
        "third_party/uplot/uPlot.iife.min.js"
    ),
    asset!(
        "uplot/uPlot.min.css",
        "text/css; charset=utf-8",
        "third_party/uplot/uPlot.min.css"
    ),
    asset!(
        "uplot/LICENSE",
        "text/plain; charset=utf-8",
        "third_party/uplot/LICENSE"
    ),
];

/// The page: every route of the dashboard answers with it and the script draws the view the
/// path names.
pub static PAGE: Asset = asset!(
    "index.html",
    "text/html; charset=utf-8",
    "dashboard/index.html"
);

/// A strong entity tag: FNV-1a of the bytes (changes whenever a file does).
fn etag(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("\"{hash:016x}\"")
}

/// The answer for `asset`: its bytes, or `304` when the client's copy is current.
pub fn serve(asset: &Asset, request: &HeaderMap) -> Response {
    let tag = etag(asset.bytes);
    let current = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, v);
    }
    if current {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.mime));
    (headers, asset.bytes).into_response()
}

/// The page with a dashboard's JSON written into it, in a `<script type="application/json"
/// id="herd-board">` element before the first script (every `<` written as `\u003c`, a JSON
/// escape, so that no text of the dashboard can end the element or open a comment).
pub fn serve_with_board(board_json: &str) -> Response {
    let page = std::str::from_utf8(PAGE.bytes).expect("the page is UTF-8");
    let element = format!(
        "<script type=\"application/json\" id=\"herd-board\">{}</script>\n",
        board_json.replace('<', "\\u003c")
    );
    let body = page.replacen(BOOT_SCRIPT, &format!("{element}{BOOT_SCRIPT}"), 1);
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PAGE.mime));
    (headers, body).into_response()
}

/// The page's first script, before which a dashboard is written.
const BOOT_SCRIPT: &str = "<script src=\"/assets/boot.js\"></script>";

/// The file named `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_asset_is_revalidated_by_its_etag() {
        let css = find("herd.css").unwrap();
        let full = serve(css, &HeaderMap::new());
        assert_eq!(full.status(), StatusCode::OK);
        let tag = full.headers()[header::ETAG].clone();
        let mut asked = HeaderMap::new();
        asked.insert(header::IF_NONE_MATCH, tag);
        assert_eq!(serve(css, &asked).status(), StatusCode::NOT_MODIFIED);
        asked.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"0\""));
        assert_eq!(serve(css, &asked).status(), StatusCode::OK);
        assert!(find("../Cargo.toml").is_none());
    }

    #[test]
    fn a_dashboard_is_written_into_the_page_where_no_text_can_end_its_element() {
        let page = std::str::from_utf8(PAGE.bytes).unwrap();
        assert!(
            page.contains(BOOT_SCRIPT),
            "index.html loads boot.js as expected"
        );
        let r = serve_with_board(r#"{"title":"</script><script>alert(1)</script><!--"}"#);
        let body = futures_body(r);
        let at = body.find("id=\"herd-board\">").unwrap();
        let element = &body[at..body[at..].find("</script>").unwrap() + at];
        assert!(!element[1..].contains('<'), "{element}");
        let json = &element[element.find('>').unwrap() + 1..];
        let back: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(back["title"], "</script><script>alert(1)</script><!--");
        assert!(body.find("herd-board").unwrap() < body.find(BOOT_SCRIPT).unwrap());
    }

    fn futures_body(r: Response) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes = rt
            .block_on(axum::body::to_bytes(r.into_body(), usize::MAX))
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}
