//! The web pages' shared machinery and the search and article pages,
//! driven through the router with the LawRefBook samples imported: sign-in
//! (good and bad token, `next` kept local), CSRF refusals (missing, wrong,
//! cross-site `Origin`), escaping of what a user typed, role and region
//! refusals, the HTML 404, assets with ETags, the search and article happy
//! paths, the missing-index state, and every page type within 150 KB.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use regkb::config::{ContentPaths, Context, DataDir};
use regkb::http::{AppState, ServiceConfig};
use regkb::import::import_lawrefbook;
use regkb::record::Uscc;
use regkb::store::{Actor, Role};

use crate::support::{self, Page, enc, repo, save_documents};

const CSRF: &str = "0123456789abcdef0123456789abcdef";
/// The largest page we accept (bytes).
const PAGE_LIMIT: usize = 150 * 1024;

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus-samples/lawrefbook")
}

fn content() -> ContentPaths {
    ContentPaths {
        corpus_dir: repo().join("corpus"),
        rules_dir: repo().join("rules"),
    }
}

/// The samples imported and indexed once; each site links them into its own
/// data directory (so each gets a fresh store).
fn shared_data() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path());
        let imported = import_lawrefbook(&samples()).unwrap();
        save_documents(
            &data,
            "lawrefbook",
            &samples().display().to_string(),
            imported.documents,
        );
        regkb::search::ensure_index(&data, &content(), false).unwrap();
        dir
    })
    .path()
}

struct Site {
    _dir: tempfile::TempDir,
    state: AppState,
}

/// `statutes: false`: nothing imported and an empty corpus (no index).
fn site_with(config: ServiceConfig, statutes: bool) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path());
    let mut content = content();
    if !statutes {
        content.corpus_dir = dir.path().join("empty-corpus");
        std::fs::create_dir_all(&content.corpus_dir).unwrap();
    }
    if statutes {
        let shared = DataDir::new(shared_data());
        std::fs::create_dir_all(data.library_dir().parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(shared.library_dir(), data.library_dir()).unwrap();
        std::os::unix::fs::symlink(shared.index_dir(), data.index_dir()).unwrap();
    }
    let ctx = Context { data, content };
    let state = AppState::load(&ctx, config).unwrap();
    Site { _dir: dir, state }
}

fn site() -> Site {
    site_with(ServiceConfig::default(), true)
}

fn public_site() -> Site {
    site_with(
        ServiceConfig {
            public_search: true,
        },
        true,
    )
}

fn search_uri(pairs: &[(&str, &str)]) -> String {
    let q = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("/search?{q}")
}

impl Site {
    fn token(&self, role: Role, region: Option<&str>) -> String {
        support::new_token(&self.state, role, region, "测试账号")
    }

    async fn send(&self, req: Request<Body>) -> Page {
        support::send(&self.state, req).await
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> Page {
        support::get_page(&self.state, uri, token).await
    }

    /// POSTs a form with the CSRF cookie `CSRF` (and a session when given);
    /// `origin` is sent as the `Origin` header with `Host: regkb.test`.
    async fn post(
        &self,
        uri: &str,
        token: Option<&str>,
        origin: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Page {
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut cookie = format!("regkb_csrf={CSRF}");
        if let Some(t) = token {
            cookie.push_str(&format!("; regkb_session={t}"));
        }
        let mut b = Request::post(enc(uri))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "regkb.test")
            .header(header::COOKIE, cookie);
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        self.send(b.body(Body::from(form)).unwrap()).await
    }
}

#[tokio::test]
async fn sign_in_with_a_good_token_sets_the_session_and_returns_to_next() {
    let s = site();
    // the form page hands out a CSRF cookie and echoes it in the form
    let form = s.get("/signin?next=/law/安法/24", None).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf_cookie = form
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("regkb_csrf="))
        .unwrap()
        .to_string();
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"));
    let value = csrf_cookie
        .trim_start_matches("regkb_csrf=")
        .split(';')
        .next()
        .unwrap();
    assert_eq!(value.len(), 32);
    assert!(
        form.body
            .contains(&format!("name=\"csrf\" value=\"{value}\""))
    );
    assert!(form.body.contains("value=\"/law/%E5%AE%89%E6%B3%95/24\""));

    let token = s.token(Role::Viewer, None);
    let done = s
        .post(
            "/signin",
            None,
            Some("http://regkb.test"),
            &[("token", &token), ("csrf", CSRF), ("next", "/law/安法/24")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.header(header::LOCATION), "/law/%E5%AE%89%E6%B3%95/24");
    let session = done.cookies().join("\n");
    assert!(
        session.contains(&format!("regkb_session={token}")),
        "{session}"
    );
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(session.contains(attr), "{attr} missing in {session}");
    }
    // signed in: the header names the account and offers sign-out
    let page = s.get("/search", Some(&token)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("测试账号（查阅）"));
    assert!(page.body.contains("action=\"/signout\""));

    // `next` pointing off the site falls back to the search page
    let off = s
        .post(
            "/signin",
            None,
            None,
            &[
                ("token", &token),
                ("csrf", CSRF),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(off.header(header::LOCATION), "/search");

    // sign-out clears the cookie
    let out = s
        .post("/signout", Some(&token), None, &[("csrf", CSRF)])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.cookies()
            .iter()
            .any(|c| c.starts_with("regkb_session=;") && c.contains("Max-Age=0"))
    );
}

#[tokio::test]
async fn a_bad_token_re_renders_the_form_with_an_error() {
    let s = site();
    for token in ["rkb_0000000000000000000000000000", "", "随便写的"] {
        let page = s
            .post(
                "/signin",
                None,
                None,
                &[("token", token), ("csrf", CSRF), ("next", "/search")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{token}");
        assert!(page.body.contains("id=\"signin-error\""));
        assert!(page.body.contains(if token.is_empty() {
            "请填写访问令牌"
        } else {
            "令牌无效或已被吊销"
        }));
        assert!(
            !page
                .cookies()
                .iter()
                .any(|c| c.starts_with("regkb_session="))
        );
    }
    // a revoked token no longer signs in
    let token = s.token(Role::Viewer, None);
    let id = s.state.store().authenticate(&token).unwrap().unwrap().id;
    s.state
        .store()
        .revoke_token(&id, &Actor::cli("test"))
        .unwrap();
    let page = s
        .post("/signin", None, None, &[("token", &token), ("csrf", CSRF)])
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forms_without_the_csrf_value_or_from_another_site_are_refused() {
    let s = site();
    let token = s.token(Role::Admin, None);
    type Case<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)]);
    let cases: [Case; 4] = [
        ("no csrf field", None, &[("token", &token)]),
        (
            "wrong csrf",
            None,
            &[
                ("token", &token),
                ("csrf", "00000000000000000000000000000000"),
            ],
        ),
        (
            "cross-site origin",
            Some("http://evil.example"),
            &[("token", &token), ("csrf", CSRF)],
        ),
        (
            "opaque origin",
            Some("null"),
            &[("token", &token), ("csrf", CSRF)],
        ),
    ];
    for (what, origin, fields) in cases {
        let page = s.post("/signin", None, origin, fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{what}");
        assert!(page.body.contains("class=\"error-box\""), "{what}");
        assert!(page.body.contains("状态码 403"), "{what}");
        assert!(
            !page
                .cookies()
                .iter()
                .any(|c| c.starts_with("regkb_session=")),
            "{what}"
        );
    }
    // sign-out too
    let page = s
        .post("/signout", Some(&token), None, &[("csrf", "x")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // no CSRF cookie at all: refused even with a field
    let req = Request::post("/signin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("token={token}&csrf={CSRF}")))
        .unwrap();
    assert_eq!(s.send(req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn what_a_user_typed_is_shown_as_text() {
    let s = public_site();
    let attack = "<script>alert(1)</script>";
    let page = s
        .get(
            &search_uri(&[("q", attack), ("region", "\"><img src=x>")]),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("<script>alert"),
        "raw script in the page"
    );
    assert!(!page.body.contains("<img src=x>"));
    assert!(
        page.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
    );
    // an unknown law name in the path is echoed escaped on the 404 page
    let page = s.get("/law/<i>假法/1", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("<i>假法"));
    assert!(page.body.contains("&#60;i&#62;假法"), "{}", page.body);
}

#[tokio::test]
async fn roles_and_regions_are_enforced_on_pages() {
    let s = site();
    // search is not public here: to the sign-in page and back
    let anon = s.get("/search?q=动火", None).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert_eq!(
        anon.header(header::LOCATION),
        "/signin?next=%2Fsearch%3Fq%3D%25E5%258A%25A8%25E7%2581%25AB"
    );
    assert_eq!(
        s.get("/law/安法/24", None).await.status,
        StatusCode::SEE_OTHER
    );
    // public search: no sign-in needed
    let p = public_site();
    assert_eq!(p.get("/law/安法/24", None).await.status, StatusCode::OK);
    // a viewer may search but not open enterprise pages
    let viewer = s.token(Role::Viewer, None);
    assert_eq!(
        s.get("/search?q=动火", Some(&viewer)).await.status,
        StatusCode::OK
    );
    let refused = s.get("/enterprises", Some(&viewer)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("无权查看此页面"));
    // the viewer's header has no enterprise link
    let page = s.get("/search", Some(&viewer)).await;
    assert!(!page.body.contains("href=\"/enterprises\""));
    let inspector = s.token(Role::Inspector, None);
    assert!(
        s.get("/search", Some(&inspector))
            .await
            .body
            .contains("href=\"/enterprises\"")
    );

    // an inspector of another county may not open an enterprise here
    let file = repo().join("tests/fixtures/enterprises/general-catering-lpg.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let record = v["record"].clone();
    let uscc: Uscc = record["uscc"].as_str().unwrap().parse().unwrap();
    let schema = crate::support::schema();
    s.state
        .store()
        .put(&uscc, record, &Actor::cli("test"), &schema)
        .unwrap();
    let elsewhere = s.token(Role::Inspector, Some("county=某某区"));
    let page = s
        .get(&format!("/enterprises/{uscc}"), Some(&elsewhere))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("不在当前账号的管辖范围"));
}

#[tokio::test]
async fn unknown_pages_are_html_and_unknown_api_paths_json() {
    let s = public_site();
    let page = s.get("/no/such/page", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(page.body.contains("没有这个页面"));
    let api = s.get("/api/v1/no-such-route", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(
        api.header(header::CONTENT_TYPE)
            .starts_with("application/json")
    );
    assert!(api.body.contains("\"not_found\""));
    // the wrong method: an HTML 405 for a page, JSON under /api
    let page = s.get("/signout", None).await;
    assert_eq!(page.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(page.body.contains("状态码 405"));
    let api = s.get("/api/v1/cite-check", None).await;
    assert_eq!(api.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        api.header(header::CONTENT_TYPE)
            .starts_with("application/json")
    );
    // `/` goes to the search page
    let root = s.get("/", None).await;
    assert_eq!(root.header(header::LOCATION), "/search");
}

#[tokio::test]
async fn assets_are_cached_with_an_etag() {
    let s = public_site();
    let css = s.get("/assets/app.css", None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header(header::CONTENT_TYPE).starts_with("text/css"));
    assert!(css.header(header::CACHE_CONTROL).contains("max-age"));
    assert!(css.body.contains(".risk-红"));
    let etag = css.header(header::ETAG).to_string();
    assert!(etag.starts_with('"') && etag.len() > 4);
    let again = Request::get("/assets/app.css")
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .unwrap();
    let again = s.send(again).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(s.get("/assets/app.js", None).await.status, StatusCode::OK);
    assert_eq!(
        s.get("/assets/nope.css", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_question_finds_articles_with_marked_snippets_and_pages() {
    let s = public_site();
    let page = s
        .get(&search_uri(&[("q", "危化品仓库要不要装监控")]), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("class=\"result card\""));
    assert!(page.body.contains("<mark>"), "no highlighted match");
    assert!(page.body.contains("href=\"/law/"), "no article link");
    assert!(page.body.contains("badge status-现行有效"));
    assert!(page.body.contains("rel=\"next\""), "no second page");
    // page 2 links back
    let two = s
        .get(
            &search_uri(&[("q", "危化品仓库要不要装监控"), ("page", "2")]),
            None,
        )
        .await;
    assert!(two.body.contains("rel=\"prev\""));
    assert!(two.body.contains("第 11–"));
    // a citation query puts the cited article first, with its interpretation beside it
    let cite = s.get(&search_uri(&[("q", "安法 24条")]), None).await;
    let first = cite.body.find("class=\"result card\"").unwrap();
    let rest = &cite.body[first..];
    assert!(rest.contains("href=\"/law/中华人民共和国安全生产法/24\""));
    assert!(
        rest.find("/24\"").unwrap() < rest.find("</li>").unwrap(),
        "cited article not first"
    );
    assert!(rest[..rest.find("</li>").unwrap()].contains("class=\"linked\""));
    // the abbreviation is explained
    assert!(cite.body.contains("已按法规全称检索"));
    // a near-miss law name gets a suggestion
    let near = s
        .get(&search_uri(&[("q", "危险化学品安全条例 储存")]), None)
        .await;
    assert!(near.body.contains("您是不是要找"), "{}", near.body);
    assert!(near.body.contains("《危险化学品安全管理条例》"));
    // kind filter: only 行政法规
    let only = s
        .get(
            &search_uri(&[("q", "事故报告"), ("kind", "行政法规")]),
            None,
        )
        .await;
    assert!(only.body.contains("badge kind\">行政法规"));
    assert!(!only.body.contains("badge kind\">法律"));
}

#[tokio::test]
async fn empty_bad_and_missing_index_states_help() {
    let s = public_site();
    let empty = s.get("/search", None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("可以这样问"));
    assert!(empty.body.contains("危化品仓库要不要装监控"));
    let bad = s
        .get(
            &search_uri(&[("q", "动火"), ("as_of", "昨天"), ("kind", "小说")]),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("日期“昨天”无效"));
    assert!(bad.body.contains("类别“小说”无效"));
    let none = s
        .get(&search_uri(&[("q", "量子纠缠超导磁悬浮")]), None)
        .await;
    assert!(none.body.contains("没有找到相关条文") || none.body.contains("class=\"result card\""));
    // nothing imported at all: the form stays, with a message saying what to do
    let bare = site_with(
        ServiceConfig {
            public_search: true,
        },
        false,
    );
    let page = bare.get(&search_uri(&[("q", "动火")]), None).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("法规库还没有建立"));
    assert!(page.body.contains("id=\"q\""));
    let art = bare.get("/law/安法/24", None).await;
    assert_eq!(art.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn an_article_shows_context_neighbours_material_rules_and_citation() {
    let s = public_site();
    for path in [
        "/law/安法/24",
        "/law/中华人民共和国安全生产法/第二十四条",
        "/law/安全生产法/二十四",
    ] {
        let page = s.get(path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let b = &page.body;
        assert!(
            b.contains("<h1>中华人民共和国安全生产法 第二十四条</h1>"),
            "{path}"
        );
        assert!(b.contains("第二章 生产经营单位的安全生产保障"));
        assert!(b.contains("class=\"provision"));
        assert!(b.contains("id=\"p2\""), "paragraphs numbered");
        assert!(b.contains("第二款"));
        assert!(b.contains("href=\"/law/中华人民共和国安全生产法/23\" rel=\"prev\""));
        assert!(b.contains("href=\"/law/中华人民共和国安全生产法/25\" rel=\"next\""));
        assert!(b.contains("value=\"《中华人民共和国安全生产法》第二十四条\""));
        assert!(b.contains("data-copy=\"#citation\""));
        assert!(b.contains("badge status-现行有效"));
        assert!(b.contains("版本与修改沿革"));
        assert!(
            b.contains("href=\"/rules/AQ-024-1\""),
            "rules citing the article"
        );
        assert!(b.contains("badge kind\">解读"));
    }
    // the interpretation written about the article comes first
    let page = s.get("/law/安法/36", None).await;
    let mat = &page.body[page.body.find("id=\"mat-h\"").unwrap()..];
    let first = &mat[mat.find("class=\"card\"").unwrap()..];
    let first = &first[..first.find("</div>").unwrap()];
    assert!(first.contains("第三十六条"), "{first}");
    // an interpretation's own page shows its text and links the article it explains
    let page = s
        .get(
            "/law/解读：安全生产法第二十四条——安全管理机构和安全管理人员怎么配",
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("涉及的条文"));
    assert!(
        page.body
            .contains("href=\"/law/中华人民共和国安全生产法/24\"")
    );
    // items are listed and numbered
    let page = s.get("/law/安法/21", None).await;
    assert!(page.body.contains("id=\"p1-i1\""));
    // an article outside the law's range names the range
    let page = s.get("/law/安法/500", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("第一条至第一百一十九条"));
    // a near-miss law name suggests titles
    let page = s.get("/law/危险化学品安全条例/1", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("危险化学品安全管理条例"));
    let page = s.get("/law/安法/第几条", None).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // the overview links every chapter
    let page = s.get("/law/安法", None).await;
    assert!(page.body.contains("第七章 附则"));
    assert!(
        page.body
            .contains("href=\"/law/中华人民共和国安全生产法/117\"")
    );
}

#[tokio::test]
async fn every_page_type_stays_under_150_kb() {
    let s = site();
    let admin = s.token(Role::Admin, None);
    let file = repo().join("tests/fixtures/enterprises/hazchem-nitration-plant.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let record = v["record"].clone();
    let uscc = record["uscc"].as_str().unwrap().to_string();
    let schema = crate::support::schema();
    s.state
        .store()
        .put(&uscc.parse().unwrap(), record, &Actor::cli("test"), &schema)
        .unwrap();
    let all = [("status", "全部")];
    let broad = search_uri(&[("q", "安全生产"), all[0]]);
    let pages = [
        "/signin".to_string(),
        "/search".to_string(),
        broad,
        search_uri(&[("q", "危化品仓库要不要装监控")]),
        "/law/安法/24".to_string(),
        "/law/中华人民共和国民法典".to_string(),
        "/law/安法".to_string(),
        "/law/安法/500".to_string(),
        "/no/such/page".to_string(),
        "/enterprises".to_string(),
        format!("/enterprises/{uscc}"),
        format!("/enterprises/{uscc}/checklist"),
        "/check".to_string(),
        "/rules".to_string(),
        "/rules/AQ-024-1".to_string(),
    ];
    let mut sizes = Vec::new();
    for path in &pages {
        let page = s.get(path, Some(&admin)).await;
        assert!(
            page.status.is_success() || page.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            page.status
        );
        assert!(
            page.header(header::CONTENT_TYPE).starts_with("text/html"),
            "{path}"
        );
        sizes.push((path.clone(), page.body.len()));
    }
    for (path, n) in &sizes {
        println!("{n:>7} bytes  {path}");
        assert!(*n <= PAGE_LIMIT, "{path} is {n} bytes");
    }
}
