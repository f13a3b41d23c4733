//! The HTTP service driven through the router (`tower::ServiceExt::oneshot`,
//! no socket): every route's success, validation errors, auth failures,
//! cross-region denial, and bad input answered with a JSON error.

use std::path::Path;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use regkb::config::{ContentPaths, Context, DataDir};
use regkb::http::{AppState, ServiceConfig, router};
use regkb::import::import_lawrefbook;
use regkb::store::{Role, Store};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{enc, regkb_in, repo, save_documents, unwrapped};

/// The imported fixture library and its index, built once and linked into
/// every test's own data directory (each test gets a fresh store).
fn shared_data() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path());
        let fixtures = repo().join("tests/fixtures/lawrefbook");
        let imported = import_lawrefbook(&fixtures).unwrap();
        save_documents(
            &data,
            "lawrefbook",
            &fixtures.display().to_string(),
            imported.documents,
        );
        regkb::search::ensure_index(&data, &content(), false).unwrap();
        dir
    })
    .path()
}

fn content() -> ContentPaths {
    ContentPaths {
        corpus_dir: repo().join("corpus"),
        rules_dir: repo().join("rules"),
    }
}

struct Svc {
    _dir: tempfile::TempDir,
    state: AppState,
}

fn svc_with(config: ServiceConfig) -> Svc {
    let shared = DataDir::new(shared_data());
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path());
    std::fs::create_dir_all(data.library_dir().parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(shared.library_dir(), data.library_dir()).unwrap();
    std::os::unix::fs::symlink(shared.index_dir(), data.index_dir()).unwrap();
    let ctx = Context {
        data,
        content: content(),
    };
    let state = AppState::load(&ctx, config).unwrap();
    Svc { _dir: dir, state }
}

fn svc() -> Svc {
    svc_with(ServiceConfig::default())
}

impl Svc {
    fn token(&self, role: Role, region: Option<&str>) -> String {
        let by = regkb::store::Actor::cli("test");
        self.state
            .store()
            .create_token(role, region.map(|r| r.parse().unwrap()), "测试部门", &by)
            .unwrap()
            .0
    }

    fn store(&self) -> &Store {
        self.state.store()
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value, headers)
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut b = Request::get(uri);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let (s, v, _) = self.send(b.body(Body::empty()).unwrap()).await;
        (s, v)
    }

    async fn body(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        content_type: &str,
        body: impl Into<Body>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", content_type);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let (s, v, _) = self.send(b.body(body.into()).unwrap()).await;
        (s, v)
    }

    /// Sends a JSON body and asserts the error answer; returns the error object.
    async fn refused(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: &Value,
        expect: StatusCode,
        code: &str,
    ) -> Value {
        let (st, v) = self.json(method, uri, token, body).await;
        error(st, &v, expect, code)
    }

    async fn json(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (StatusCode, Value) {
        self.body(method, uri, token, "application/json", body.to_string())
            .await
    }
}

fn record(name: &str) -> Value {
    let text =
        std::fs::read_to_string(repo().join("tests/fixtures/records/good").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Asserts the JSON error shape and returns the error object.
fn error(status: StatusCode, body: &Value, expect: StatusCode, code: &str) -> Value {
    assert_eq!(status, expect, "{body}");
    let e = &body["error"];
    assert_eq!(e["code"], code, "{body}");
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    e.clone()
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let s = svc();
    let (st, v) = s.get("/healthz", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    assert!(v["rules"].as_u64().unwrap() > 5);
    let viewer = s.token(Role::Viewer, None);
    s.get("/api/v1/search?q=测试", Some(&viewer)).await;
    let (st, v) = s.get("/metrics", None).await;
    assert_eq!(st, StatusCode::OK);
    let text = v.as_str().unwrap();
    assert!(
        text.contains("regkb_http_requests_total{route=\"GET /api/v1/search\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(text.contains(
        "regkb_http_request_duration_seconds_bucket{route=\"GET /api/v1/search\",le=\"+Inf\"} 1"
    ));
    assert!(text.contains("regkb_rules_loaded "));
    assert!(text.contains("regkb_records_stored 0"));
    let (st, doc) = s.get("/api/v1/openapi.json", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    // every route of the router is described
    for path in [
        "/api/v1/search",
        "/api/v1/provisions/{law}/{article}",
        "/api/v1/cite-check",
        "/api/v1/check",
        "/api/v1/enterprises",
        "/api/v1/enterprises/{uscc}",
        "/api/v1/enterprises/{uscc}/history",
        "/api/v1/enterprises/{uscc}/check",
        "/api/v1/enterprises/{uscc}/dangers",
        "/api/v1/dangers",
        "/api/v1/dangers/{id}",
        "/api/v1/dangers/{id}/transitions",
        "/api/v1/enterprises/{uscc}/visits",
        "/api/v1/visits",
        "/api/v1/visits/{id}",
        "/api/v1/risk",
        "/api/v1/dashboard",
        "/api/v1/plans",
        "/api/v1/plans/{id}",
        "/api/v1/rules",
        "/api/v1/rules/{id}",
        "/api/v1/rules/validate",
        "/api/v1/rules/publish",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/openapi.json",
        "/healthz",
        "/metrics",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    let src = std::fs::read_to_string(repo().join("src/http.rs")).unwrap();
    let routed = src.matches(".route(").count();
    assert_eq!(
        routed, 28,
        "a route was added: describe it in openapi.json and here"
    );
}

#[tokio::test]
async fn search_needs_a_token_unless_public() {
    let s = svc();
    let (st, v) = s.get("/api/v1/search?q=测试单位", None).await;
    error(st, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let (st, v) = s.get("/api/v1/search?q=测试单位", Some("rkb_0000")).await;
    error(st, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let viewer = s.token(Role::Viewer, None);
    let (st, v) = s
        .get(
            "/api/v1/search?q=%E6%B5%8B%E8%AF%95%E5%8D%95%E4%BD%8D&limit=3",
            Some(&viewer),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(v["total"].as_u64().unwrap() > 0, "{v}");
    assert!(v["hits"].as_array().unwrap().len() <= 3);
    assert!(
        v["hits"][0]["citation"].as_str().unwrap().contains("测试"),
        "{v}"
    );
    let public = svc_with(ServiceConfig {
        public_search: true,
    });
    let (st, _) = public.get("/api/v1/search?q=测试单位", None).await;
    assert_eq!(st, StatusCode::OK);
    // enterprise records are never public
    let (st, v) = public.get("/api/v1/enterprises", None).await;
    error(st, &v, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn search_rejects_bad_parameters() {
    let s = svc();
    let t = s.token(Role::Viewer, None);
    let cases: &[(&str, StatusCode, &str, Option<&str>)] = &[
        (
            "/api/v1/search?q=a&as_of=2026-13-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("as_of"),
        ),
        (
            "/api/v1/search?q=a&limit=abc",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            None,
        ),
        (
            "/api/v1/search?q=a&bogus=1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("bogus"),
        ),
        (
            "/api/v1/search?q=a&kind=小说",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("kind"),
        ),
        (
            "/api/v1/search?q=a&limit=100000",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("limit"),
        ),
        (
            "/api/v1/search",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("q"),
        ),
        (
            "/api/v1/search?q=%FF%FE",
            StatusCode::BAD_REQUEST,
            "bad_query",
            None,
        ),
    ];
    for (uri, status, code, field) in cases {
        let (st, v) = s.get(uri, Some(&t)).await;
        let e = error(st, &v, *status, code);
        if let Some(f) = field {
            assert_eq!(e["field"], *f, "{uri}: {v}");
        }
    }
}

#[tokio::test]
async fn provisions_accept_aliases_and_chinese_numerals() {
    let s = svc();
    let t = s.token(Role::Viewer, None);
    for uri in [
        "/api/v1/provisions/测试法/3",
        "/api/v1/provisions/%E4%B8%AD%E5%8D%8E%E4%BA%BA%E6%B0%91%E5%85%B1%E5%92%8C%E5%9B%BD%E6%B5%8B%E8%AF%95%E6%B3%95/%E7%AC%AC%E4%B8%89%E6%9D%A1",
    ] {
        let (st, v) = s.get(uri, Some(&t)).await;
        assert_eq!(st, StatusCode::OK, "{uri}: {v}");
        assert_eq!(v["article"], 3);
        assert_eq!(v["doc_title"], "中华人民共和国测试法");
        assert_eq!(v["paragraphs"][0]["items"].as_array().unwrap().len(), 3);
    }
    let (st, v) = s.get("/api/v1/provisions/没有的法/3", Some(&t)).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
    let (st, v) = s.get("/api/v1/provisions/测试法/999", Some(&t)).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
    let (st, v) = s.get("/api/v1/provisions/测试法/abc", Some(&t)).await;
    assert_eq!(
        error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid")["field"],
        "article"
    );
    let (st, v) = s.get("/api/v1/provisions/测试法/3", None).await;
    error(st, &v, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn cite_check_and_body_errors() {
    let s = svc();
    let t = s.token(Role::Viewer, None);
    let (st, v) = s
        .json("POST", "/api/v1/cite-check", Some(&t), &json!({"text": "依据《中华人民共和国测试法》第三条和第九十九条", "as_of": "2026-01-01"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let statuses: Vec<&str> = v["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["valid", "no_such_article"], "{v}");
    // malformed JSON: 400 naming the place
    let (st, v) = s
        .body(
            "POST",
            "/api/v1/cite-check",
            Some(&t),
            "application/json",
            "{\"text\": ",
        )
        .await;
    let e = error(st, &v, StatusCode::BAD_REQUEST, "malformed_json");
    assert!(e["message"].as_str().unwrap().contains("第 1 行"), "{v}");
    // wrong content type
    let (st, v) = s
        .body(
            "POST",
            "/api/v1/cite-check",
            Some(&t),
            "text/plain",
            "第三条",
        )
        .await;
    error(
        st,
        &v,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    // unknown field, wrong type, missing field
    let (st, v) = s
        .json(
            "POST",
            "/api/v1/cite-check",
            Some(&t),
            &json!({"text": "x", "extra": 1}),
        )
        .await;
    assert_eq!(
        error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid")["field"],
        "extra"
    );
    s.refused(
        "POST",
        "/api/v1/cite-check",
        Some(&t),
        &json!({"text": 5}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    let (st, v) = s
        .json("POST", "/api/v1/cite-check", Some(&t), &json!({}))
        .await;
    assert_eq!(
        error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid")["field"],
        "text"
    );
    // deep nesting
    let deep = format!(
        "{{\"text\": \"x\", \"law\": {}{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let (st, v) = s
        .body(
            "POST",
            "/api/v1/cite-check",
            Some(&t),
            "application/json",
            deep,
        )
        .await;
    let e = error(st, &v, StatusCode::BAD_REQUEST, "too_deep");
    assert!(e["message"].as_str().unwrap().contains("嵌套"), "{v}");
}

#[tokio::test]
async fn check_returns_the_contract_result_without_storing() {
    let s = svc();
    let inspector = s.token(Role::Inspector, None);
    let (st, v) = s
        .json(
            "POST",
            "/api/v1/check?as_of=2026-11-28",
            Some(&inspector),
            &record("catering-gas.json"),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["enterprise"], "92330402MA2G50006L");
    assert_eq!(v["as_of"], "2026-11-28");
    assert!(v["findings"].as_array().unwrap().len() > 3, "{v}");
    assert!(v["summary"].is_object());
    assert_eq!(s.store().record_count(), 0);
    // viewers may not run checks
    let viewer = s.token(Role::Viewer, None);
    s.refused(
        "POST",
        "/api/v1/check",
        Some(&viewer),
        &record("minimal.json"),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // invalid records: every problem by pointer
    let (st, v) = s
        .json(
            "POST",
            "/api/v1/check",
            Some(&inspector),
            &json!({"uscc": "123", "employees": "many", "bogus": true}),
        )
        .await;
    let e = error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let pointers: Vec<&str> = e["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pointer"].as_str().unwrap())
        .collect();
    for p in ["/uscc", "/employees", "/bogus"] {
        assert!(pointers.contains(&p), "{p} not in {pointers:?}");
    }
    let (st, v) = s
        .json(
            "POST",
            "/api/v1/check?as_of=yesterday",
            Some(&inspector),
            &record("minimal.json"),
        )
        .await;
    assert_eq!(
        error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid")["field"],
        "as_of"
    );
    // 10 MB body
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let (st, v) = s
        .body(
            "POST",
            "/api/v1/check",
            Some(&inspector),
            "application/json",
            big,
        )
        .await;
    error(st, &v, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // deep nesting in a record
    let deep = format!("{{\"a\": {}{}}}", "[".repeat(100), "]".repeat(100));
    let (st, v) = s
        .body(
            "POST",
            "/api/v1/check",
            Some(&inspector),
            "application/json",
            deep,
        )
        .await;
    error(st, &v, StatusCode::BAD_REQUEST, "too_deep");
    let (st, v) = s
        .body(
            "POST",
            "/api/v1/check",
            Some(&inspector),
            "application/json",
            "{\"uscc\": }",
        )
        .await;
    error(st, &v, StatusCode::BAD_REQUEST, "malformed_json");
    let (st, v) = s
        .body(
            "POST",
            "/api/v1/check",
            Some(&inspector),
            "application/xml",
            "<a/>",
        )
        .await;
    error(
        st,
        &v,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
}

#[tokio::test]
async fn enterprise_records_put_patch_history_and_check() {
    let s = svc();
    let t = s.token(Role::Inspector, Some("county=南湖区"));
    let uri = "/api/v1/enterprises/92330402MA2G50006L";
    let (st, v) = s
        .json("PUT", uri, Some(&t), &record("catering-gas.json"))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 1);
    // a department patches only its part (merge patch), named by header
    let req = Request::patch(uri)
        .header("authorization", format!("Bearer {t}"))
        .header("content-type", "application/merge-patch+json")
        .header("x-regkb-department", "消防救援")
        .body(Body::from(
            json!({"employees": 30, "insurance": {"work_injury": true}}).to_string(),
        ))
        .unwrap();
    let (st, v, _) = s.send(req).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 2);
    let (st, v) = s.get(uri, Some(&t)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["record"]["employees"], 30);
    assert_eq!(v["record"]["name"], "南湖区某饭店");
    assert_eq!(v["provenance"]["/employees"]["by"]["id"], "消防救援");
    assert_eq!(v["provenance"]["/employees"]["by"]["kind"], "department");
    assert_eq!(v["provenance"]["/name"]["by"]["kind"], "token");
    let (st, v) = s.get(&format!("{uri}/history"), Some(&t)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let history = v["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["op"], "put");
    assert_eq!(history[1]["body"]["employees"], 30);
    let (st, v) = s.get(&format!("{uri}?as_of=2000-01-01"), Some(&t)).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
    let (st, v) = s.get(&format!("{uri}?as_of=2999-01-01"), Some(&t)).await;
    assert_eq!(v["version"], 2, "{st} {v}");
    let (st, v) = s.get(&format!("{uri}?as_of=someday"), Some(&t)).await;
    assert_eq!(
        error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid")["field"],
        "as_of"
    );
    // a bad patch is rejected whole
    let (st, v) = s
        .json(
            "PATCH",
            uri,
            Some(&t),
            &json!({"employees": -3, "name": "新名字"}),
        )
        .await;
    let e = error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(e["problems"][0]["pointer"], "/employees", "{v}");
    let (_, v) = s.get(uri, Some(&t)).await;
    assert_eq!(v["record"]["name"], "南湖区某饭店");
    // check the stored profile: the result is stored
    let (st, v) = s
        .json(
            "POST",
            &format!("{uri}/check?as_of=2026-11-28"),
            Some(&t),
            &json!(null),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["enterprise"], "92330402MA2G50006L");
    let stored = s
        .store()
        .latest_check(&"92330402MA2G50006L".parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(stored.record_version, Some(2));
    // list
    let (st, v) = s
        .get("/api/v1/enterprises?township=新兴街道", Some(&t))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1);
    let (_, v) = s.get("/api/v1/enterprises?category=化工", Some(&t)).await;
    assert_eq!(v["total"], 0);
    let (st, v) = s.get("/api/v1/enterprises?nope=1", Some(&t)).await;
    error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    // missing and malformed keys
    let (st, v) = s
        .get("/api/v1/enterprises/91330400MA2H600078", Some(&t))
        .await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
    let (st, v) = s.get("/api/v1/enterprises/123", Some(&t)).await;
    assert_eq!(
        error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid")["field"],
        "uscc"
    );
    // the key and the body must agree
    s.refused(
        "PUT",
        "/api/v1/enterprises/91330400MA2H600078",
        Some(&t),
        &record("catering-gas.json"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
}

/// Stores two enterprises as admin: 91330481MA2B00000Y lies in 海宁市,
/// 92330402MA2G50006L outside it (the region-scope tests rely on this).
async fn put_two_regions(s: &Svc, admin: &str) {
    for (uscc, file) in [
        ("92330402MA2G50006L", "catering-gas.json"),
        ("91330481MA2B00000Y", "spec-example.json"),
    ] {
        let mut r = record(file);
        r["uscc"] = json!(uscc);
        let path = format!("/api/v1/enterprises/{uscc}");
        let (st, v) = s.json("PUT", &path, Some(admin), &r).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
}

#[tokio::test]
async fn region_scoped_tokens_see_only_their_region() {
    let s = svc();
    let admin = s.token(Role::Admin, None);
    put_two_regions(&s, &admin).await;
    let haining = s.token(Role::Inspector, Some("county=海宁市"));
    let (st, v) = s.get("/api/v1/enterprises", Some(&haining)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["enterprises"][0]["uscc"], "91330481MA2B00000Y");
    let other = "/api/v1/enterprises/92330402MA2G50006L";
    let (st, v) = s.get(other, Some(&haining)).await;
    error(st, &v, StatusCode::FORBIDDEN, "forbidden");
    let (st, v) = s.get(&format!("{other}/history"), Some(&haining)).await;
    error(st, &v, StatusCode::FORBIDDEN, "forbidden");
    s.refused(
        "PATCH",
        other,
        Some(&haining),
        &json!({"employees": 1}),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    s.refused(
        "POST",
        &format!("{other}/check"),
        Some(&haining),
        &json!(null),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // moving a record out of one's region is refused too
    s.refused(
        "PATCH",
        "/api/v1/enterprises/91330481MA2B00000Y",
        Some(&haining),
        &json!({"region": {"county": "南湖区"}}),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // viewers and authors have no access to records
    for role in [Role::Viewer, Role::Author] {
        let t = s.token(role, None);
        let (st, v) = s.get(other, Some(&t)).await;
        error(st, &v, StatusCode::FORBIDDEN, "forbidden");
    }
}

fn rule_files() -> Vec<Value> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(repo().join("rules/examples")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "rule") {
            files.push(json!({
                "name": p.file_name().unwrap().to_string_lossy(),
                "text": std::fs::read_to_string(&p).unwrap(),
            }));
        }
    }
    files
}

#[tokio::test]
async fn rules_list_show_validate_and_publish() {
    let s = svc();
    let viewer = s.token(Role::Viewer, None);
    let (st, v) = s.get("/api/v1/rules", Some(&viewer)).await;
    assert_eq!(st, StatusCode::OK);
    let before = v["rules"].as_array().unwrap().len();
    assert!(before > 5);
    assert_eq!(v["version"], Value::Null);
    let (st, v) = s.get("/api/v1/rules/AQ-042", Some(&viewer)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["id"], "AQ-042");
    let (st, v) = s.get("/api/v1/rules/NOPE-1", Some(&viewer)).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");

    let author = s.token(Role::Author, None);
    let bad = json!({"files": [{"name": "bad.rule", "text": "rule X-1 \"测试\" {\n  require nosuch_field = true\n}\n"}]});
    let (st, v) = s
        .json("POST", "/api/v1/rules/validate", Some(&author), &bad)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["ok"], false);
    let d = &v["diagnostics"][0];
    assert_eq!(d["file"], "bad.rule");
    assert!(
        d["line"].as_u64().unwrap() >= 1 && d["col"].as_u64().unwrap() >= 1,
        "{v}"
    );
    assert!(!d["message"].as_str().unwrap().is_empty());
    s.refused(
        "POST",
        "/api/v1/rules/validate",
        Some(&viewer),
        &bad,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (st, v) = s
        .json(
            "POST",
            "/api/v1/rules/validate",
            Some(&author),
            &json!({"files": [{"name": "x.txt", "text": ""}]}),
        )
        .await;
    assert_eq!(
        error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid")["field"],
        "/files/0/name"
    );

    // publishing a bad set changes nothing
    let (st, v) = s
        .json("POST", "/api/v1/rules/publish", Some(&author), &bad)
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "rules_invalid");
    // a set whose example fails is not published either
    let mut files = rule_files();
    let failing = files
        .iter()
        .position(|f| f["name"] == "premises.rule")
        .unwrap();
    let text = files[failing]["text"]
        .as_str()
        .unwrap()
        .replacen("expect fail", "expect pass", 1);
    files[failing]["text"] = json!(text);
    let (st, v) = s
        .json(
            "POST",
            "/api/v1/rules/publish",
            Some(&author),
            &json!({"files": files}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "examples_failed");
    // a good set without premises.rule is swapped in at once
    let files: Vec<Value> = rule_files()
        .into_iter()
        .filter(|f| f["name"] != "premises.rule")
        .collect();
    let (st, v) = s
        .json(
            "POST",
            "/api/v1/rules/publish",
            Some(&author),
            &json!({"files": files, "note": "去掉场所规则"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 1);
    let (_, v) = s.get("/api/v1/rules", Some(&viewer)).await;
    assert_eq!(v["version"], 1);
    assert!(v["rules"].as_array().unwrap().len() < before);
    let (st, _) = s.get("/api/v1/rules/AQ-042", Some(&viewer)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // kept in the store and audited
    assert_eq!(s.store().rule_set_history().unwrap().len(), 1);
    let audit = s.store().audit_log(10, 0).unwrap();
    assert!(audit.iter().any(|a| a.action == "ruleset.publish"));
    s.refused(
        "POST",
        "/api/v1/rules/publish",
        Some(&viewer),
        &json!({"files": files}),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let s = svc();
    let (st, v) = s.get("/api/v1/nothing", None).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
    s.refused(
        "DELETE",
        "/api/v1/rules",
        None,
        &json!({}),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    let req = Request::get("/api/v1/rules")
        .header("authorization", "Basic abc")
        .body(Body::empty())
        .unwrap();
    let (st, v, headers) = s.send(req).await;
    error(st, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(headers["www-authenticate"], "Bearer");
}

#[test]
fn token_cli_creates_lists_and_revokes() {
    let dir = tempfile::tempdir().unwrap();
    let regkb = |args: &[&str]| regkb_in(dir.path()).args(args).output().unwrap();
    let out = regkb(&[
        "token",
        "create",
        "--role",
        "inspector",
        "--region",
        "county=海宁市",
        "--label",
        "海宁应急局",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("rkb_") && token.len() > 40, "{token}");
    let out = regkb(&["token", "list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["role"], "inspector");
    assert_eq!(list[0]["label"], "海宁应急局");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(&token),
        "the token itself is never listed"
    );
    let id = list[0]["id"].as_str().unwrap().to_string();
    let out = regkb(&["token", "revoke", &id]);
    assert!(out.status.success());
    let store = Store::open(&DataDir::new(dir.path()).store_dir()).unwrap();
    assert!(store.authenticate(&token).unwrap().is_none());
    let out = regkb(&["token", "create", "--role", "boss"]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn admins_create_list_and_revoke_tokens_over_http() {
    let s = svc();
    let admin = s.token(Role::Admin, None);
    let admin_id = s.store().list_tokens().unwrap()[0].id.clone();
    let (st, v) = s
        .json(
            "POST",
            "/api/v1/tokens",
            Some(&admin),
            &json!({"role": "inspector", "region": "county=海宁市", "label": "海宁应急局"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("rkb_") && token.len() > 40, "{v}");
    assert_eq!(v["role"], "inspector");
    assert_eq!(v["region"]["county"], "海宁市");
    assert_eq!(v["created_by"]["id"], admin_id.as_str());
    let id = v["id"].as_str().unwrap().to_string();
    // the new token works, within its region
    let (st, v) = s.get("/api/v1/enterprises", Some(&token)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let info = s.store().authenticate(&token).unwrap().unwrap();
    assert_eq!(info.region.unwrap().county.as_deref(), Some("海宁市"));
    // listed without secrets
    let (st, v) = s.get("/api/v1/tokens", Some(&admin)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 2);
    assert!(!v.to_string().contains(&token), "{v}");
    assert!(!v.to_string().contains(&admin), "{v}");
    // audited with the acting token as actor
    let audit = s.store().audit_log(10, 0).unwrap();
    let created = audit
        .iter()
        .find(|a| a.action == "token.create" && a.target == id)
        .unwrap();
    assert_eq!(created.actor.id, admin_id);
    // non-admins are refused, callers without a token too
    for role in [Role::Viewer, Role::Inspector, Role::Author] {
        let t = s.token(role, None);
        let (st, v) = s.get("/api/v1/tokens", Some(&t)).await;
        error(st, &v, StatusCode::FORBIDDEN, "forbidden");
        s.refused(
            "POST",
            "/api/v1/tokens",
            Some(&t),
            &json!({"role": "admin", "label": "x"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        s.refused(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            Some(&t),
            &json!(null),
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let (st, v) = s.get("/api/v1/tokens", None).await;
    error(st, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    // bad input: 422 naming the field, nothing created
    let before = s.store().list_tokens().unwrap().len();
    for (body, field) in [
        (json!({"role": "boss", "label": "x"}), "role"),
        (
            json!({"role": "viewer", "region": "a/b/c/d/e", "label": "x"}),
            "region",
        ),
        (
            json!({"role": "viewer", "region": "village=某村", "label": "x"}),
            "region",
        ),
        (json!({"role": "viewer", "label": "  "}), "label"),
        (json!({"role": "viewer"}), "label"),
        (
            json!({"role": "viewer", "label": "x", "scope": "all"}),
            "scope",
        ),
    ] {
        let (st, v) = s.json("POST", "/api/v1/tokens", Some(&admin), &body).await;
        let e = error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert_eq!(e["field"], field, "{body}: {v}");
        assert!(e["message"].as_str().unwrap().contains(field), "{v}");
    }
    assert_eq!(s.store().list_tokens().unwrap().len(), before);
    // revoke: the token stops working; unknown ids are 404
    let (st, v) = s
        .json(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            Some(&admin),
            &json!(null),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["revoked"], true);
    assert_eq!(v["label"], "海宁应急局");
    let (st, v) = s.get("/api/v1/enterprises", Some(&token)).await;
    error(st, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let audit = s.store().audit_log(1, 0).unwrap();
    assert_eq!(
        (audit[0].action.as_str(), audit[0].actor.id.as_str()),
        ("token.revoke", admin_id.as_str())
    );
    s.refused(
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        Some(&admin),
        &json!(null),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // the last admin token cannot be revoked (nobody could manage tokens)
    s.refused(
        "DELETE",
        &format!("/api/v1/tokens/{admin_id}"),
        Some(&admin),
        &json!(null),
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

#[test]
fn token_cli_says_to_use_the_admin_api_while_the_server_holds_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let _held = Store::open(&DataDir::new(dir.path()).store_dir()).unwrap();
    let out = regkb_in(dir.path())
        .args(["token", "create", "--role", "viewer"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = unwrapped(&out.stderr);
    for needle in ["regkbserve", "POST/api/v1/tokens", "停止服务"] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
}

#[tokio::test]
async fn body_and_query_errors_name_the_field_in_chinese() {
    let s = svc();
    let admin = s.token(Role::Admin, None);
    // (method, uri, body, field, words the message must hold)
    let cases: &[(&str, &str, Value, &str, &str)] = &[
        (
            "POST",
            "/api/v1/cite-check",
            json!({"text": 5}),
            "text",
            "字段 /text 应为字符串，收到整数 5",
        ),
        (
            "POST",
            "/api/v1/cite-check",
            json!({}),
            "text",
            "缺少必填字段 /text",
        ),
        (
            "POST",
            "/api/v1/cite-check",
            json!({"text": "x", "extra": 1}),
            "extra",
            "不认识的字段 /extra（可用的字段：text、as_of、law）",
        ),
        (
            "POST",
            "/api/v1/rules/validate",
            json!({"files": "x"}),
            "files",
            "字段 /files 应为数组，收到字符串 \"x\"",
        ),
        (
            "POST",
            "/api/v1/rules/validate",
            json!({"files": [{"name": "a.rule"}]}),
            "/files/0/text",
            "缺少必填字段 /files/0/text",
        ),
        (
            "POST",
            "/api/v1/tokens",
            json!({"role": true, "label": "x"}),
            "role",
            "字段 /role 应为字符串，收到布尔值 true",
        ),
    ];
    for (method, uri, body, field, words) in cases {
        let (st, v) = s.json(method, uri, Some(&admin), body).await;
        let e = error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert_eq!(e["field"], *field, "{uri} {body}: {v}");
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(words), "{uri} {body}: {message}");
        assert!(message.contains("第 1 行"), "{message}");
        let pointer = format!("/{}", field.trim_start_matches('/'));
        assert_eq!(e["problems"][0]["pointer"], pointer.as_str(), "{v}");
        assert_english_free(message);
    }
    // query parameters: named, with what was sent
    for (uri, field, words) in [
        (
            "/api/v1/search?q=a&limit=abc",
            "limit",
            "参数 limit 应为整数（收到 `abc`）",
        ),
        (
            "/api/v1/search?q=a&offset=-1",
            "offset",
            "参数 offset 应为整数（收到 `-1`）",
        ),
        ("/api/v1/search?limit=3", "q", "缺少必填参数 q"),
        (
            "/api/v1/search?q=a&bogus=1",
            "bogus",
            "不认识的参数 bogus（可用的参数：q、",
        ),
        (
            "/api/v1/search?q=a&kind=小说",
            "kind",
            "参数 kind 的取值 `小说` 无效（可选：法律、",
        ),
        (
            "/api/v1/search?q=a&status=有效吧",
            "status",
            "参数 status 的取值 `有效吧` 无效",
        ),
    ] {
        let (st, v) = s.get(uri, Some(&admin)).await;
        let e = error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert_eq!(e["field"], field, "{uri}: {v}");
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(words), "{uri}: {message}");
        assert_english_free(message);
    }
    // syntax errors: 400, in Chinese, with the place
    for (text, words) in [
        ("{\"text\": \"x\",}", "多余的逗号"),
        ("{\"text\" \"x\"}", "此处应为 `:`"),
        ("{\"text\": \"x\"} 1", "JSON 之后还有多余的内容"),
        ("{\"text\": tru}", "此处应为 true、false 或 null"),
    ] {
        let (st, v) = s
            .body(
                "POST",
                "/api/v1/cite-check",
                Some(&admin),
                "application/json",
                text,
            )
            .await;
        let e = error(st, &v, StatusCode::BAD_REQUEST, "malformed_json");
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(words), "{text}: {message}");
        assert_english_free(message);
    }
}

/// No serde wording ("invalid type", "expected", "missing field", …).
fn assert_english_free(message: &str) {
    for english in [
        "invalid", "expected", "missing", "unknown", "field", "found", "line",
    ] {
        assert!(!message.contains(english), "{english} in {message}");
    }
}

#[tokio::test]
async fn hidden_danger_closed_loop_over_http() {
    let s = svc();
    let t = s.token(Role::Inspector, Some("county=南湖区"));
    let elsewhere = s.token(Role::Inspector, Some("county=海宁市"));
    let viewer = s.token(Role::Viewer, None);
    let uscc = "92330402MA2G50006L";
    let base = format!("/api/v1/enterprises/{uscc}");
    let (st, v) = s
        .json("PUT", &base, Some(&t), &record("catering-gas.json"))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let create = format!("{base}/dangers");
    let body = json!({"level": "重大", "description": "现场发现燃气报警器失效",
        "title": "燃气报警器失效", "found_by": "检查员甲", "owner": "责任人乙",
        "deadline": "2000-01-01"});
    // roles and regions
    s.refused(
        "POST",
        &create,
        Some(&viewer),
        &body,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    s.refused(
        "POST",
        &create,
        Some(&elsewhere),
        &body,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // neither a rule nor a description
    let mut neither = body.clone();
    neither.as_object_mut().unwrap().remove("description");
    let e = s
        .refused(
            "POST",
            &create,
            Some(&t),
            &neither,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        )
        .await;
    assert_eq!(e["field"], "rule_id");
    // a rule id before any stored check
    let mut by_rule = neither.clone();
    by_rule["rule_id"] = json!("no.such.rule");
    s.refused(
        "POST",
        &create,
        Some(&t),
        &by_rule,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;

    let (st, v) = s.json("POST", &create, Some(&t), &body).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "待整改");
    assert_eq!(v["township"], "新兴街道");
    assert_eq!(v["source"]["kind"], "inspector");
    assert_eq!(v["overdue"], true);
    let id = v["id"].as_u64().unwrap();
    let one = format!("/api/v1/dangers/{id}");
    let moves = format!("{one}/transitions");

    // illegal transition: 409 naming both states
    let e = s
        .refused(
            "POST",
            &moves,
            Some(&t),
            &json!({"action": "accept", "by": "验收人丙", "note": "好"}),
            StatusCode::CONFLICT,
            "conflict",
        )
        .await;
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("待整改") && msg.contains("已销号"), "{msg}");
    // 重大 without a plan: 422 naming the field
    let e = s
        .refused(
            "POST",
            &moves,
            Some(&t),
            &json!({"action": "start", "by": "责任人乙"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        )
        .await;
    assert_eq!(e["field"], "rectification_plan");
    for step in [
        json!({"action": "start", "by": "责任人乙", "rectification_plan": "更换报警器"}),
        json!({"action": "submit", "by": "责任人乙", "measures": "已更换"}),
    ] {
        let (st, v) = s.json("POST", &moves, Some(&t), &step).await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    // the owner cannot accept their own work
    s.refused(
        "POST",
        &moves,
        Some(&t),
        &json!({"action": "accept", "by": "责任人乙", "note": "好"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    let (st, v) = s
        .json(
            "POST",
            &moves,
            Some(&t),
            &json!({"action": "accept", "by": "验收人丙", "note": "验收合格"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "已销号");
    assert_eq!(v["overdue"], false);
    assert_eq!(v["history"].as_array().unwrap().len(), 3);
    let audit = s.store().audit_log(1, 0).unwrap();
    assert_eq!(audit[0].action, "danger.transition");
    assert_eq!(audit[0].detail["to"], "已销号");

    // read and list, region-scoped
    let (st, v) = s.get(&one, Some(&t)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "已销号");
    let (st, v) = s.get(&one, Some(&elsewhere)).await;
    error(st, &v, StatusCode::FORBIDDEN, "forbidden");
    let (st, v) = s.get("/api/v1/dangers/999", Some(&t)).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
    for (query, token, total) in [
        ("township=新兴街道", &t, 1),
        ("state=已销号", &t, 1),
        ("state=待整改", &t, 0),
        ("overdue=true", &t, 0),
        ("", &elsewhere, 0),
    ] {
        let (st, v) = s
            .get(&format!("/api/v1/dangers?{query}"), Some(token))
            .await;
        assert_eq!(st, StatusCode::OK, "{query} {v}");
        assert_eq!(v["total"], total, "{query} {v}");
    }
    let (st, v) = s.get("/api/v1/dangers?state=完成", Some(&t)).await;
    error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid");

    // from a failed rule of the latest stored check
    let (st, v) = s
        .json(
            "POST",
            &format!("{base}/check?as_of=2026-11-28"),
            Some(&t),
            &json!(null),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let failed = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["outcome"] == "fail")
        .expect("the fixture fails a rule");
    let passed = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["outcome"] == "pass");
    by_rule["rule_id"] = failed["rule"].clone();
    by_rule["level"] = json!("一般");
    by_rule["deadline"] = json!("2999-01-01");
    by_rule.as_object_mut().unwrap().remove("title");
    let (st, v) = s.json("POST", &create, Some(&t), &by_rule).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["source"]["kind"], "rule");
    assert_eq!(v["source"]["rule_id"], failed["rule"]);
    assert_eq!(v["title"], failed["title"]);
    assert_eq!(v["overdue"], false);
    if let Some(p) = passed {
        by_rule["rule_id"] = p["rule"].clone();
        s.refused(
            "POST",
            &create,
            Some(&t),
            &by_rule,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        )
        .await;
    }
}

#[tokio::test]
async fn risk_ranking_is_inspector_only_and_region_scoped() {
    let s = svc();
    let admin = s.token(Role::Admin, None);
    put_two_regions(&s, &admin).await;
    let checked = "/api/v1/enterprises/91330481MA2B00000Y/check";
    let (st, v) = s.json("POST", checked, Some(&admin), &json!(null)).await;
    assert_eq!(st, StatusCode::OK, "{v}");

    let (st, v) = s.get("/api/v1/risk", None).await;
    error(st, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let viewer = s.token(Role::Viewer, None);
    let (st, v) = s.get("/api/v1/risk", Some(&viewer)).await;
    error(st, &v, StatusCode::FORBIDDEN, "forbidden");

    let (st, v) = s.get("/api/v1/risk", Some(&admin)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 2, "{v}");
    // the checked enterprise ranks above the unchecked one (grey, no score)
    let first = &v["enterprises"][0];
    assert_eq!(first["uscc"], "91330481MA2B00000Y", "{v}");
    assert_ne!(first["colour"], "未检查");
    let sum: u64 = first["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["points"].as_u64().unwrap())
        .sum();
    assert_eq!(first["score"].as_u64(), Some(sum), "{first}");
    assert!(!first["components"].as_array().unwrap().is_empty());
    assert_eq!(v["enterprises"][1]["colour"], "未检查");
    assert!(v["enterprises"][1].get("score").is_none());

    let (st, v) = s.get("/api/v1/risk?limit=1", Some(&admin)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["enterprises"].as_array().unwrap().len(), 1);

    let haining = s.token(Role::Inspector, Some("county=海宁市"));
    let (st, v) = s.get("/api/v1/risk", Some(&haining)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["enterprises"][0]["uscc"], "91330481MA2B00000Y");
    let (st, v) = s.get("/api/v1/risk?bogus=1", Some(&admin)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "bogus");
}

#[tokio::test]
async fn path_parameters_that_cannot_be_read_name_the_parameter() {
    let s = svc();
    let t = s.token(Role::Inspector, None);
    let (st, v) = s.get("/api/v1/dangers/abc", Some(&t)).await;
    let e = error(st, &v, StatusCode::BAD_REQUEST, "bad_path");
    assert_eq!(e["message"], "路径参数 id 应为正整数，收到 `abc`");
    let (st, v) = s
        .json(
            "POST",
            "/api/v1/dangers/-3/transitions",
            Some(&t),
            &json!({"action": "start"}),
        )
        .await;
    let e = error(st, &v, StatusCode::BAD_REQUEST, "bad_path");
    assert_eq!(e["message"], "路径参数 id 应为正整数，收到 `-3`");
    // a segment that is not text once percent-decoded
    let (st, v) = s.get("/api/v1/enterprises/%FF%FE", Some(&t)).await;
    let e = error(st, &v, StatusCode::BAD_REQUEST, "bad_path");
    assert_eq!(e["message"], "路径参数 uscc 解码后不是有效的 UTF-8 文本");
    // a well-formed number that names no danger is still 404
    let (st, v) = s.get("/api/v1/dangers/4242", Some(&t)).await;
    let e = error(st, &v, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(e["message"], "找不到编号为 `4242` 的隐患");
}

#[tokio::test]
async fn metrics_count_search_cache_misses_then_hits() {
    let s = svc();
    let viewer = s.token(Role::Viewer, None);
    let counter = |text: &str, name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("{name} missing from {text}"))
            .parse()
            .unwrap()
    };
    let counters = || async {
        let (st, v) = s.get("/metrics", None).await;
        assert_eq!(st, StatusCode::OK);
        let text = v.as_str().unwrap().to_string();
        (
            counter(&text, "regkb_search_cache_misses_total"),
            counter(&text, "regkb_search_cache_hits_total"),
            counter(&text, "regkb_search_cache_entries"),
        )
    };
    assert_eq!(counters().await, (0, 0, 0));
    let ask = |q: &'static str| {
        let viewer = viewer.clone();
        let s = &s;
        async move {
            let (st, v) = s
                .get(&format!("/api/v1/search?q={}", enc(q)), Some(&viewer))
                .await;
            assert_eq!(st, StatusCode::OK, "{v}");
        }
    };
    // the first time a question is asked the engine runs; the second time
    // the cache answers
    ask("动火作业要审批吗").await;
    assert_eq!(counters().await, (1, 0, 1));
    ask("动火作业要审批吗").await;
    assert_eq!(counters().await, (1, 1, 1));
    // another question is another miss and another entry
    ask("有限空间作业").await;
    assert_eq!(counters().await, (2, 1, 2));
    ask("动火作业要审批吗").await;
    assert_eq!(counters().await, (2, 2, 2));
}
