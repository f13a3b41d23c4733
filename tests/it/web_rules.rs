//! The rule pages driven through the router: browsing and filtering the
//! loaded rules, a rule's page with highlighted source and linked
//! citations, validating an edit with inline diagnostics, running the
//! embedded examples, and who may do what (roles, CSRF).
//!
//! The service loads an invented two-file pack (written here, next to the
//! shipped schema and tables) so that the assertions name known lines.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use regkb::config::{ContentPaths, Context, DataDir};
use regkb::http::{AppState, ServiceConfig};
use regkb::store::Role;

use crate::support::{self, Page, repo};

const CSRF: &str = "0123456789abcdef0123456789abcdef";

/// Line 1 is a comment with markup in it; the rule starts on line 2.
const FILE_A: &str = r#"# 测试用规则 <script>alert("c")</script>
rule T-1 "从业人员超过一百人的应当设置安全管理机构" {
  cite 安全生产法 第二十四条 第一款
  severity 一般隐患
  departments 应急管理
  effective from 2021-09-01
  applies when employees > 100
  require safety_org.has_department = true
  explain "从业人员{employees}，未设置机构<script>x</script>"
  explain pass "已设置机构"
  remedy "设置安全生产管理机构"
  example "一百五十人未设机构" {
    as_of 2026-11-28
    record {"employees": 150, "safety_org": {"has_department": false}}
    expect fail
  }
  example "故意写错的预期" {
    as_of 2026-11-28
    record {"employees": 150, "safety_org": {"has_department": true}}
    expect fail
  }
}
"#;

const FILE_B: &str = r#"rule T-2 "从业人员不得超过一千人" {
  cite 消防法 第十六条
  severity 重大隐患
  departments 消防救援, 应急管理
  require employees < 1000
  explain "从业人员{employees}人"
  remedy "减少人数"
}
"#;

struct Site {
    dir: tempfile::TempDir,
    state: AppState,
}

fn site() -> Site {
    site_with(&[("甲.rule", FILE_A), ("乙.rule", FILE_B)])
}

/// A service whose rules folder holds `files` (in `pack/`).
fn site_with(files: &[(&str, &str)]) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(rules.join("pack")).unwrap();
    for shared in ["schema", "tables"] {
        std::os::unix::fs::symlink(repo().join("rules").join(shared), rules.join(shared)).unwrap();
    }
    for (name, text) in files {
        std::fs::write(rules.join("pack").join(name), text).unwrap();
    }
    let ctx = Context {
        data: DataDir::new(dir.path().join("data")),
        content: ContentPaths {
            corpus_dir: repo().join("corpus"),
            rules_dir: rules,
        },
    };
    let state = AppState::load(&ctx, ServiceConfig::default()).unwrap();
    Site { dir, state }
}

impl Site {
    fn token(&self, role: Role) -> String {
        support::new_token(&self.state, role, None, "测试")
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join("rules/pack").join(name)
    }

    async fn send(&self, req: Request<Body>) -> Page {
        support::send(&self.state, req).await
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> Page {
        support::get_page(&self.state, uri, token).await
    }

    /// POSTs a form with the session and CSRF cookies; `csrf` is the form field.
    async fn post(
        &self,
        uri: &str,
        token: Option<&str>,
        csrf: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Page {
        let mut form = form_urlencoded::Serializer::new(String::new());
        if let Some(c) = csrf {
            form.append_pair("csrf", c);
        }
        for (k, v) in fields {
            form.append_pair(k, v);
        }
        let mut cookie = format!("regkb_csrf={CSRF}");
        if let Some(t) = token {
            cookie.push_str(&format!("; regkb_session={t}"));
        }
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie)
            .body(Body::from(form.finish()))
            .unwrap();
        self.send(req).await
    }
}

/// The ids of the rules listed on a `/rules` page, in order.
fn listed(body: &str) -> Vec<String> {
    body.match_indices("<tr class=\"rule\">")
        .map(|(i, _)| {
            let link = "<a href=\"/rules/";
            let rest = &body[i..];
            let rest = &rest[rest.find(link).unwrap() + link.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// FILE_A's rule with `old` replaced by `new`.
fn edited(old: &str, new: &str) -> String {
    let rule = &FILE_A[FILE_A.find("rule T-1").unwrap()..].trim_end();
    assert!(rule.contains(old), "{old}");
    rule.replace(old, new)
}

#[tokio::test]
async fn the_list_filters_by_text_source_department_and_severity() {
    let s = site();
    let viewer = s.token(Role::Viewer);
    let all = s.get("/rules", Some(&viewer)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(listed(&all.body), ["T-1", "T-2"]);
    assert!(all.body.contains("共 2 条规则"), "{}", all.body);
    // counts per source: one rule in each file
    let a_file = regkb::pack::display_path(&s.file("甲.rule"));
    assert!(
        all.body.contains(&format!("{a_file}</a></th><td>1</td>")),
        "{}",
        all.body
    );
    // the citation is linked to the article page
    assert!(
        all.body
            .contains("<a class=\"cite\" href=\"/law/中华人民共和国安全生产法/24\">")
    );

    let check = |query: &'static str, expect: &'static [&'static str]| {
        let s = &s;
        let viewer = viewer.clone();
        async move {
            let page = s.get(&format!("/rules?{query}"), Some(&viewer)).await;
            assert_eq!(page.status, StatusCode::OK);
            assert_eq!(listed(&page.body), expect, "filter {query}");
        }
    };
    check("severity=%E9%87%8D%E5%A4%A7%E9%9A%90%E6%82%A3", &["T-2"]).await; // 重大隐患
    check("severity=%E4%B8%80%E8%88%AC%E9%9A%90%E6%82%A3", &["T-1"]).await; // 一般隐患
    check("department=%E6%B6%88%E9%98%B2%E6%95%91%E6%8F%B4", &["T-2"]).await; // 消防救援
    check(
        "department=%E5%BA%94%E6%80%A5%E7%AE%A1%E7%90%86",
        &["T-1", "T-2"],
    )
    .await; // 应急管理
    check("q=%E6%9C%BA%E6%9E%84", &["T-1"]).await; // 机构 (title)
    check("q=t-2", &["T-2"]).await; // id, any case
    check("q=%E6%B6%88%E9%98%B2%E6%B3%95", &["T-2"]).await; // 消防法 (citation)
    check("q=%E7%AC%AC%E4%BA%8C%E5%8D%81%E5%9B%9B%E6%9D%A1", &["T-1"]).await; // 第二十四条
    check("q=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA", &[]).await; // 没有这个
    let b_file = regkb::pack::display_path(&s.file("乙.rule"));
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("source", &b_file)
        .finish();
    let page = s.get(&format!("/rules?{q}"), Some(&viewer)).await;
    assert_eq!(listed(&page.body), ["T-2"]);
    assert!(page.body.contains("符合筛选条件的 1 条"));

    // the filter text comes back escaped
    let page = s
        .get("/rules?q=%3Cscript%3Ealert(1)%3C/script%3E", Some(&viewer))
        .await;
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(page.body.contains("&#60;script&#62;alert(1)"));

    // not signed in: to the sign-in page
    let page = s.get("/rules", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        page.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/signin?next=")
    );
}

#[tokio::test]
async fn a_rule_page_shows_highlighted_source_and_linked_citations() {
    let s = site();
    let viewer = s.token(Role::Viewer);
    let page = s.get("/rules/T-1", Some(&viewer)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let b = &page.body;
    // highlighted, with the file's line numbers (the rule starts on line 2)
    for part in [
        r#"<span class="ln" aria-hidden="true">2</span><code><span class="hl-kw">rule</span> <span class="hl-rid">T-1</span> <span class="hl-str">&quot;从业人员超过一百人的应当设置安全管理机构&quot;</span> {</code>"#,
        r#"<span class="hl-kw">cite</span> <span class="hl-id">安全生产法</span> <span class="hl-ref">第二十四条</span>"#,
        r#"<span class="hl-date">2021-09-01</span>"#,
        r#"<span class="hl-id">employees</span> &gt; <span class="hl-num">100</span>"#,
        r#"<span class="hl-hole">{employees}</span>"#,
        r#"<span class="ln" aria-hidden="true">22</span><code>}</code>"#,
    ] {
        assert!(b.contains(part), "missing {part}\n{b}");
    }
    // the markup inside a string is text, not a tag
    assert!(b.contains("&lt;script&gt;x&lt;/script&gt;"));
    assert!(!b.contains("<script>x"));
    // the citation links to the article page; the metadata is shown
    assert!(b.contains(
        "<a class=\"cite\" href=\"/law/中华人民共和国安全生产法/24\">《中华人民共和国安全生产法》第二十四条第一款</a>"
    ));
    assert!(b.contains("2021-09-01 起"));
    assert!(b.contains("设置安全生产管理机构"));
    assert!(b.contains("内嵌示例</dt><dd>2 个"));
    // a viewer gets no edit form
    assert!(!b.contains("<textarea"));
    assert!(b.contains("需要“规则编写”或“管理员”账号"));

    // an author gets the labelled edit box holding the rule's text
    let author = s.token(Role::Author);
    let page = s.get("/rules/T-1", Some(&author)).await;
    assert!(page.body.contains(r#"<label for="rule-text">"#));
    assert!(
        page.body
            .contains("rule T-1 &#34;从业人员超过一百人的应当设置安全管理机构&#34; {")
    );
    assert!(page.body.contains("此页面不会发布任何修改"));

    // the comment line before the rule is not part of it
    assert!(!page.body.contains("alert("));

    let missing = s.get("/rules/NOPE-1", Some(&viewer)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("NOPE-1"));
}

#[tokio::test]
async fn a_broken_edit_shows_the_diagnostic_inline_with_a_caret() {
    let s = site();
    let author = s.token(Role::Author);
    let source = edited("severity 一般隐患", "severity 中等隐患");
    let page = s
        .post(
            "/rules/validate",
            Some(&author),
            Some(CSRF),
            &[("rule", "T-1"), ("source", &source)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let b = &page.body;
    assert!(b.contains("校验未通过"), "{b}");
    // line 3 of the edit box, column 12; line 4 of the file
    let a_file = regkb::pack::display_path(&s.file("甲.rule"));
    assert!(b.contains(r#"<span class="diag-place">3:12</span>"#), "{b}");
    assert!(b.contains(&format!("（文件 {a_file}:4:12）")), "{b}");
    assert!(b.contains("中等隐患"));
    // the offending line with the mistake marked, and a caret under its column
    assert!(
        b.contains(r#"<span class="ln">4</span>  severity <mark>中等隐患</mark></code>"#),
        "{b}"
    );
    assert!(
        b.contains(r#"<span class="caret-pad">  severity </span><span class="caret">^</span>"#)
    );
    assert!(b.contains("提示："));
    // the edit is kept in the box; nothing was published
    assert!(b.contains("\n  severity 中等隐患\n"));
    assert!(s.state.store().current_rule_set().unwrap().is_none());

    // a clean edit (CR LF line breaks, as browsers send them) passes
    let source =
        edited("remedy \"设置安全生产管理机构\"", "remedy \"尽快设置机构\"").replace('\n', "\r\n");
    let page = s
        .post(
            "/rules/validate",
            Some(&author),
            Some(CSRF),
            &[("rule", "T-1"), ("source", &source)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("校验通过"), "{}", page.body);
    assert!(page.body.contains("共 2 条规则"));

    // a mistake clashing with the other file is placed in that file
    let source = edited("rule T-1", "rule T-2");
    let page = s
        .post(
            "/rules/validate",
            Some(&author),
            Some(CSRF),
            &[("rule", "T-1"), ("source", &source)],
        )
        .await;
    assert!(page.body.contains("校验未通过"), "{}", page.body);
}

#[tokio::test]
async fn validating_needs_csrf_and_the_author_role() {
    let s = site();
    let author = s.token(Role::Author);
    let fields = [("rule", "T-1"), ("source", FILE_B)];
    // no CSRF field, a wrong one
    for csrf in [None, Some("ffffffffffffffffffffffffffffffff")] {
        let page = s
            .post("/rules/validate", Some(&author), csrf, &fields)
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{csrf:?}");
        assert!(page.body.contains("安全校验未通过"), "{}", page.body);
    }
    // from another site
    let req = Request::post("/rules/validate")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(
            header::COOKIE,
            format!("regkb_csrf={CSRF}; regkb_session={author}"),
        )
        .header(header::ORIGIN, "http://elsewhere.example")
        .header(header::HOST, "localhost")
        .body(Body::from(format!("csrf={CSRF}&rule=T-1&source=x")))
        .unwrap();
    assert_eq!(s.send(req).await.status, StatusCode::FORBIDDEN);

    // a viewer and an inspector may browse but not validate or run examples
    for role in [Role::Viewer, Role::Inspector] {
        let t = s.token(role);
        assert_eq!(s.get("/rules/T-1", Some(&t)).await.status, StatusCode::OK);
        let page = s
            .post("/rules/validate", Some(&t), Some(CSRF), &fields)
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.body.contains("无权查看此页面"), "{}", page.body);
        assert!(page.body.contains("状态码 403"));
        let page = s
            .post("/rules/T-1/examples", Some(&t), Some(CSRF), &[])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    // an admin may
    let admin = s.token(Role::Admin);
    let page = s
        .post(
            "/rules/validate",
            Some(&admin),
            Some(CSRF),
            &[("rule", "T-1"), ("source", &edited("", ""))],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("校验通过"));
    // not signed in: to sign-in
    let page = s.post("/rules/validate", None, Some(CSRF), &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_examples_run_and_report_each_result() {
    let s = site();
    let author = s.token(Role::Author);
    let page = s
        .post("/rules/T-1/examples", Some(&author), Some(CSRF), &[])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let b = &page.body;
    assert!(b.contains("示例运行结果（当前加载版本）"), "{b}");
    assert!(b.contains("1 个通过，1 个未通过（共 2 个）"), "{b}");
    let row = |name: &str| {
        let at = b.find(&format!("<th scope=\"row\">{name}")).unwrap();
        b[at..at + b[at..].find("</tr>").unwrap()].to_string()
    };
    let good = row("一百五十人未设机构");
    assert!(good.contains("不符合（fail）"), "{good}");
    assert!(good.contains(r#"<span class="badge pass">通过</span>"#));
    // what came out is shown, its markup escaped
    assert!(
        good.contains("从业人员150人，未设置机构&#60;script&#62;x&#60;/script&#62;"),
        "{good}"
    );
    let bad = row("故意写错的预期");
    assert!(bad.contains("<li>不符合（fail）</li>"), "{bad}");
    assert!(bad.contains("<li>符合（pass）：已设置机构</li>"), "{bad}");
    assert!(bad.contains(r#"<span class="badge fail">未通过</span>"#));
    // the diff under the failing row, as `regkb rules test` writes it
    assert!(
        b.contains(r#"<span class="del">  - 预期：fail</span>"#),
        "{b}"
    );
    assert!(b.contains(r#"<span class="ins">  + 实际：pass</span>"#));

    // on the edited text: the wrong expectation fixed, both pass
    let source = {
        let rule = edited("", "");
        let last = rule.rfind("expect fail").unwrap();
        format!(
            "{}expect pass{}",
            &rule[..last],
            &rule[last + "expect fail".len()..]
        )
    };
    let page = s
        .post(
            "/rules/T-1/examples",
            Some(&author),
            Some(CSRF),
            &[("source", &source)],
        )
        .await;
    assert!(
        page.body.contains("示例运行结果（修改后的文本）"),
        "{}",
        page.body
    );
    assert!(page.body.contains("2 个通过，0 个未通过（共 2 个）"));

    // an edit that does not compile shows its diagnostics and runs nothing
    let page = s
        .post(
            "/rules/T-1/examples",
            Some(&author),
            Some(CSRF),
            &[("source", &edited("employees > 100", "employes > 100"))],
        )
        .await;
    assert!(page.body.contains("校验未通过"), "{}", page.body);
    assert!(page.body.contains("employes"));
    assert!(!page.body.contains("示例运行结果"));

    // a rule without examples says so
    let page = s
        .post("/rules/T-2/examples", Some(&author), Some(CSRF), &[])
        .await;
    assert!(page.body.contains("这条规则没有内嵌示例"), "{}", page.body);
}

/// The shipped rules folder: every page stays small.
#[tokio::test]
async fn pages_of_the_shipped_rules_stay_small() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Context {
        data: DataDir::new(dir.path()),
        content: ContentPaths {
            corpus_dir: repo().join("corpus"),
            rules_dir: repo().join("rules"),
        },
    };
    let s = Site {
        state: AppState::load(&ctx, ServiceConfig::default()).unwrap(),
        dir,
    };
    let admin = s.token(Role::Admin);
    let list = s.get("/rules", Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK);
    let mut ids = listed(&list.body);
    assert_eq!(ids.len(), 100, "a full first page");
    assert!(
        list.body.len() <= 150 * 1024,
        "list is {} bytes",
        list.body.len()
    );
    assert!(list.body.contains("第 1 / 2 页"), "{}", list.body);
    assert!(
        list.body
            .contains(r#"<a class="button secondary" href="/rules?page=2" rel="next">"#)
    );
    let second = s.get("/rules?page=2", Some(&admin)).await;
    ids.extend(listed(&second.body));
    assert!(ids.len() > 100, "{}", ids.len());
    // a page number out of range or not a number shows the nearest page
    let last = s.get("/rules?page=99", Some(&admin)).await;
    assert_eq!(listed(&last.body), listed(&second.body));
    let first = s.get("/rules?page=x", Some(&admin)).await;
    assert_eq!(listed(&first.body)[..], ids[..100]);
    let mut largest = 0;
    for id in &ids {
        let page = s.get(&format!("/rules/{id}"), Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{id}: {}", page.body);
        assert!(
            page.body.contains("<span class=\"hl-kw\">rule</span>"),
            "{id}"
        );
        largest = largest.max(page.body.len());
    }
    assert!(
        largest <= 150 * 1024,
        "largest rule page is {largest} bytes"
    );
    // a shipped rule's examples, one of them expecting another rule's result
    let page = s
        .post("/rules/AQ-027-2/examples", Some(&admin), Some(CSRF), &[])
        .await;
    assert!(
        page.body.contains("5 个通过，0 个未通过（共 5 个）"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<li>GM-003-3 不符合（fail）</li>"),
        "{}",
        page.body
    );
}

/// After a set is published over the API the pages show it, its source
/// read from the store, and an edit is checked against the published files.
#[tokio::test]
async fn a_published_set_is_browsed_from_the_store() {
    let s = site();
    let author = s.token(Role::Author);
    let body = serde_json::json!({
        "files": [
            {"name": "发布/甲.rule", "text": FILE_A.replace("设置安全生产管理机构", "按时设置机构")},
            {"name": "发布/乙.rule", "text": FILE_B},
        ],
        "note": "测试发布",
    });
    let req = Request::post("/api/v1/rules/publish")
        .header(header::AUTHORIZATION, format!("Bearer {author}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    // the set's own examples must pass to publish: fix the wrong one
    let published = s.send(req).await;
    assert_eq!(
        published.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        published.body
    );
    let fixed = FILE_A.replace("设置安全生产管理机构", "按时设置机构");
    let last = fixed.rfind("expect fail").unwrap();
    let fixed = format!(
        "{}expect pass{}",
        &fixed[..last],
        &fixed[last + "expect fail".len()..]
    );
    let body = serde_json::json!({
        "files": [{"name": "发布/甲.rule", "text": fixed}, {"name": "发布/乙.rule", "text": FILE_B}],
    });
    let req = Request::post("/api/v1/rules/publish")
        .header(header::AUTHORIZATION, format!("Bearer {author}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let published = s.send(req).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.body);

    let list = s.get("/rules", Some(&author)).await;
    assert!(list.body.contains("已发布的第 1 版规则"), "{}", list.body);
    assert!(list.body.contains("发布/乙.rule</a></th><td>1</td>"));
    let page = s.get("/rules/T-1", Some(&author)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("<span class=\"hl-str\">&quot;按时设置机构&quot;</span>")
    );
    assert!(page.body.contains("发布/甲.rule 第 2–22 行"));
    let page = s
        .post("/rules/T-1/examples", Some(&author), Some(CSRF), &[])
        .await;
    assert!(
        page.body.contains("2 个通过，0 个未通过（共 2 个）"),
        "{}",
        page.body
    );
    let source = edited("severity 一般隐患", "severity 中等隐患");
    let page = s
        .post(
            "/rules/validate",
            Some(&author),
            Some(CSRF),
            &[("rule", "T-1"), ("source", &source)],
        )
        .await;
    assert!(
        page.body.contains("（文件 发布/甲.rule:4:12）"),
        "{}",
        page.body
    );
}

/// Two versions of one id (consecutive periods): each has its page, and an
/// edit replaces the version it was made on.
#[tokio::test]
async fn each_version_of_a_rule_has_its_page_and_its_edit() {
    const TWO: &str = r#"rule V-1 "旧版" {
  cite 安全生产法 第二十四条
  severity 一般隐患
  departments 应急管理
  effective from 2020-01-01 until 2025-01-01
  require employees < 100
  explain "旧版说明"
  remedy "旧版整改"
}

rule V-1 "新版" {
  cite 安全生产法 第二十四条
  severity 重大隐患
  departments 应急管理
  effective from 2025-01-01
  require employees < 50
  explain "新版说明"
  remedy "新版整改"
}
"#;
    let s = site_with(&[("版本.rule", TWO)]);
    let author = s.token(Role::Author);
    let first = s.get("/rules/V-1", Some(&author)).await;
    assert!(first.body.contains("旧版"), "{}", first.body);
    assert!(first.body.contains("此编号有 2 个版本"));
    assert!(
        first
            .body
            .contains("href=\"/rules/V-1?v=2\">2025-01-01 起</a>"),
        "{}",
        first.body
    );
    let second = s.get("/rules/V-1?v=2", Some(&author)).await;
    assert!(
        second
            .body
            .contains("<h1><span class=\"hl-rid\">V-1</span> 新版</h1>"),
        "{}",
        second.body
    );
    assert!(second.body.contains("第 11–19 行"));

    // editing the second version: an overlap with the first is reported
    let file = regkb::pack::display_path(&s.file("版本.rule"));
    let edited = TWO[TWO.rfind("rule V-1").unwrap()..]
        .trim_end()
        .replace("effective from 2025-01-01", "effective from 2024-01-01");
    let location = format!("{file}:11");
    let page = s
        .post(
            "/rules/validate",
            Some(&author),
            Some(CSRF),
            &[
                ("rule", "V-1"),
                ("location", &location),
                ("source", &edited),
            ],
        )
        .await;
    assert!(page.body.contains("校验未通过"), "{}", page.body);
    assert!(
        page.body
            .contains("<h1><span class=\"hl-rid\">V-1</span> 新版</h1>")
    );
    // the same edit made on the first version's place duplicates nothing wrong there
    let fine = TWO[..TWO.rfind("rule V-1").unwrap()]
        .trim_end()
        .replace("旧版整改", "旧版的整改");
    let page = s
        .post(
            "/rules/validate",
            Some(&author),
            Some(CSRF),
            &[
                ("rule", "V-1"),
                ("location", &format!("{file}:1")),
                ("source", &fine),
            ],
        )
        .await;
    assert!(page.body.contains("校验通过"), "{}", page.body);

    // a bookmarked result address leads back to the pages
    let page = s.get("/rules/validate", Some(&author)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/rules");
    let page = s.get("/rules/V-1/examples", Some(&author)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/rules/V-1");
}

#[tokio::test]
async fn an_unreadable_address_is_a_chinese_400_page() {
    let s = site();
    let viewer = s.token(Role::Viewer);
    let bad_version = s.get("/rules/V-1?v=abc", Some(&viewer)).await;
    assert_eq!(bad_version.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_version
            .body
            .contains("参数 v 应为版本序号（正整数），收到 `abc`"),
        "{}",
        bad_version.body
    );
    let not_text = s.get("/rules/%FF%FE", Some(&viewer)).await;
    assert_eq!(not_text.status, StatusCode::BAD_REQUEST);
    assert!(
        not_text
            .body
            .contains("地址中的 id 解码后不是有效的 UTF-8 文本，请检查地址是否正确"),
        "{}",
        not_text.body
    );
    let law = s.get("/law/%FF/24", Some(&viewer)).await;
    assert_eq!(law.status, StatusCode::BAD_REQUEST);
    assert!(
        law.body.contains("解码后不是有效的 UTF-8 文本"),
        "{}",
        law.body
    );
}
