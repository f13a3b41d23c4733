//! The shared test harness: the repository root, the record schema, a
//! fresh record store in a temporary folder, invented documents saved as an
//! imported source, and the `regkb` binary pointed at a data directory.

use std::path::Path;

use regkb::config::{ContentPaths, Context, DataDir};
use regkb::http::{AppState, ServiceConfig};
use regkb::library::storage::{StoredSource, save_source};
use regkb::record::Schema;
use regkb::statute::Document;
use regkb::store::{Actor, Store};
use serde_json::Value;

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The record schema shipped in `rules/schema/`.
pub fn schema() -> Schema {
    Schema::load_dir(&repo().join("rules/schema")).unwrap()
}

/// The repository's corpus and rules folders.
pub fn repo_content() -> ContentPaths {
    ContentPaths {
        corpus_dir: repo().join("corpus"),
        rules_dir: repo().join("rules"),
    }
}

/// The service over the data folder `data` with the repository's corpus and
/// rules (default settings).
pub fn service_in(data: &Path) -> AppState {
    let ctx = Context {
        data: DataDir::new(data),
        content: repo_content(),
    };
    AppState::load(&ctx, ServiceConfig::default()).unwrap()
}

/// The record of the invented fixture `tests/fixtures/enterprises/NAME`.
pub fn fixture_record(name: &str) -> Value {
    let path = repo().join("tests/fixtures/enterprises").join(name);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["record"].clone()
}

/// Stores each record under its `uscc`, written by 应急管理局.
pub fn put_records(state: &AppState, records: impl IntoIterator<Item = Value>) {
    let schema = schema();
    for record in records {
        let uscc: regkb::record::Uscc = record["uscc"].as_str().unwrap().parse().unwrap();
        state
            .store()
            .put(&uscc, record, &Actor::department("应急管理局"), &schema)
            .unwrap();
    }
}

/// An empty store in a temporary folder (kept as long as the folder is).
pub fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

/// Saves documents into `data` as one imported source named `key`.
pub fn save_documents(data: &DataDir, key: &str, origin: &str, documents: Vec<Document>) {
    save_source(
        data,
        &StoredSource {
            key: key.into(),
            origin: origin.into(),
            documents,
        },
    )
    .unwrap();
}

/// `regkb --data-dir DIR …`, ignoring any `REGKB_DATA_DIR` of the caller.
pub fn regkb_in(data_dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("regkb").unwrap();
    cmd.env_remove("REGKB_DATA_DIR")
        .arg("--data-dir")
        .arg(data_dir);
    cmd
}

/// Runs a command that must succeed (the failure shows its stderr).
pub fn run_ok(cmd: &mut assert_cmd::Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A CLI report without its layout: miette wraps long lines to the terminal
/// and draws a margin, so compare text with whitespace and `│` removed.
pub fn unwrapped(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}

/// A page (or API answer) the router gave: status, body and headers.
pub struct Page {
    pub status: axum::http::StatusCode,
    pub body: String,
    pub headers: axum::http::HeaderMap,
}

impl Page {
    /// A header's value, or "" when it is absent.
    pub fn header(&self, name: axum::http::header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Where a redirect points, or "".
    pub fn location(&self) -> &str {
        self.header(axum::http::header::LOCATION)
    }

    /// Every `Set-Cookie` header.
    pub fn cookies(&self) -> Vec<&str> {
        self.headers
            .get_all(axum::http::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }
}

/// Sends `req` through a fresh router over `state`; the body must be UTF-8.
pub async fn send(
    state: &regkb::http::AppState,
    req: axum::http::Request<axum::body::Body>,
) -> Page {
    use tower::ServiceExt;
    let resp = regkb::http::router(state.clone())
        .oneshot(req)
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    Page {
        status,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
        headers,
    }
}

/// Calls the JSON API with a bearer `token` (and a JSON `body` when given):
/// the status and the answer (a body that is not JSON comes back as a string).
pub async fn api_call(
    state: &regkb::http::AppState,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<&Value>,
) -> (axum::http::StatusCode, Value) {
    let b = axum::http::Request::builder()
        .method(method)
        .uri(enc(uri))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    let body = body.map_or_else(axum::body::Body::empty, |v| {
        axum::body::Body::from(v.to_string())
    });
    let page = send(state, b.body(body).unwrap()).await;
    let value = serde_json::from_str(&page.body).unwrap_or(Value::String(page.body));
    (page.status, value)
}

/// GETs a page, signed in with `token` (the session cookie) when given.
pub async fn get_page(state: &regkb::http::AppState, uri: &str, token: Option<&str>) -> Page {
    let mut b = axum::http::Request::get(enc(uri));
    if let Some(t) = token {
        b = b.header(axum::http::header::COOKIE, format!("regkb_session={t}"));
    }
    send(state, b.body(axum::body::Body::empty()).unwrap()).await
}

/// A new token of `role`, optionally scoped to `region` (e.g. `county=海宁市`).
pub fn new_token(
    state: &regkb::http::AppState,
    role: regkb::store::Role,
    region: Option<&str>,
    label: &str,
) -> String {
    state
        .store()
        .create_token(
            role,
            region.map(|r| r.parse().unwrap()),
            label,
            &regkb::store::Actor::cli("test"),
        )
        .unwrap()
        .0
}

/// Percent-encodes the non-ASCII characters of a path (as a browser does).
pub fn enc(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        if c.is_ascii_graphic()
            && !matches!(c, '<' | '>' | '"' | '`' | '{' | '}' | '|' | '\\' | '^')
        {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}
