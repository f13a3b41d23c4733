//! The stylesheet and script, embedded in the binary and served at
//! `/assets/{file}` with a content-hash ETag (304 on `If-None-Match`) and a
//! day of caching. No CDN, no web fonts: the service runs offline.
//!
//! ```ignore
//! // base.html: <link rel="stylesheet" href="/assets/app.css">
//! ```

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub const APP_CSS: &str = include_str!("assets/app.css");
pub const APP_JS: &str = include_str!("assets/app.js");

struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static str,
    etag: String,
}

fn etag(body: &str) -> String {
    let d = Sha256::digest(body.as_bytes());
    let hex: String = d.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        ("app.css", "text/css; charset=utf-8", APP_CSS),
        ("app.js", "text/javascript; charset=utf-8", APP_JS),
    ]
    .into_iter()
    .map(|(name, mime, body)| Asset {
        name,
        mime,
        body,
        etag: etag(body),
    })
    .collect()
});

/// GET `/assets/{file}`.
pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(a) = ASSETS.iter().find(|a| a.name == file) else {
        return super::error_page::not_found_page().await;
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == a.etag));
    let common = [
        (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
        (header::ETAG, a.etag.clone()),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (common, [(header::CONTENT_TYPE, a.mime)], a.body).into_response()
}
