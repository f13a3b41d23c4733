//! The enterprise pages driven through the router: the list for an
//! inspector's region with risk colours, a profile with failing findings,
//! citations, provenance, the GB 18218 table and history; the re-check
//! button (CSRF), the check page (paste or upload, rejected records listed
//! by pointer) and the printable checklist; roles and regions refused.
//!
//! The service loads the shipped rules and schema; records are the
//! invented fixtures in `tests/fixtures/enterprises/`.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use regkb::http::AppState;
use regkb::record::Uscc;
use regkb::store::{Actor, Role};
use serde_json::Value;

use crate::support::{self, Page, repo};

const CSRF: &str = "fedcba9876543210fedcba9876543210";
/// 某精细化工有限公司 (安徽省 马鞍山市 雨山区): HZ-02 (重大隐患), HZ-04, WHP-036 fail.
const NITRATION: &str = "91340504MA2T10008Y";
/// 某烧烤店 (河北省 石家庄市 长安区).
const CATERING: &str = "92130102MA0C3D4E5H";
/// 某液化气储配有限公司: a grade-2 major hazard unit 球罐区.
const LPG: &str = "91450103MA5N90007R";

struct Site {
    _dir: tempfile::TempDir,
    state: AppState,
}

/// A fixture's record and check date.
fn fixture(name: &str) -> (Value, String) {
    let path = repo().join("tests/fixtures/enterprises").join(name);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    (
        v["record"].clone(),
        v["as_of"].as_str().unwrap().to_string(),
    )
}

/// The service with the shipped rules, and three enterprises stored.
fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let state = support::service_in(&dir.path().join("data"));
    let schema = support::schema();
    for (file, by) in [
        (
            "hazchem-nitration-plant.json",
            Actor::department("应急管理局"),
        ),
        ("general-catering-lpg.json", Actor::system("燃气平台")),
        ("hazchem-lpg-depot.json", Actor::department("应急管理局")),
    ] {
        let (record, _) = fixture(file);
        let uscc: Uscc = record["uscc"].as_str().unwrap().parse().unwrap();
        state.store().put(&uscc, record, &by, &schema).unwrap();
    }
    Site { _dir: dir, state }
}

impl Site {
    fn token(&self, role: Role, region: Option<&str>) -> String {
        support::new_token(&self.state, role, region, "袁花镇安监")
    }

    async fn send(&self, req: Request<Body>) -> Page {
        support::send(&self.state, req).await
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> Page {
        support::get_page(&self.state, uri, token).await
    }

    /// POSTs a urlencoded form with the session and CSRF cookies; `csrf`
    /// is the form field.
    async fn post(
        &self,
        uri: &str,
        token: &str,
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
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(
                header::COOKIE,
                format!("regkb_csrf={CSRF}; regkb_session={token}"),
            )
            .body(Body::from(form.finish()))
            .unwrap();
        self.send(req).await
    }

    /// POSTs `/check` as multipart: the CSRF field, the date and a file.
    async fn upload(&self, token: &str, as_of: &str, file: &str) -> Page {
        let b = "----regkbTestBoundary7d1";
        let mut body = String::new();
        for (name, value) in [("csrf", CSRF), ("as_of", as_of), ("record", "")] {
            body.push_str(&format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"record.json\"\r\n\
             Content-Type: application/json\r\n\r\n{file}\r\n--{b}--\r\n"
        ));
        let req = Request::post("/check")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={b}"),
            )
            .header(
                header::COOKIE,
                format!("regkb_csrf={CSRF}; regkb_session={token}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Re-checks an enterprise through its button, as of the fixture's date.
    async fn recheck(&self, token: &str, uscc: &str, as_of: &str) -> Page {
        self.post(
            &format!("/enterprises/{uscc}/check"),
            token,
            Some(CSRF),
            &[("as_of", as_of)],
        )
        .await
    }
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The text between `start` and the next `end` after it.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body.find(start).unwrap_or_else(|| panic!("no {start}"));
    let rest = &body[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Rule ids of the findings of one outcome group on a page.
fn rules_in(body: &str, class: &str) -> Vec<String> {
    let marker = format!("<article class=\"card finding {class}\" id=\"rule-");
    body.match_indices(&marker)
        .map(|(i, _)| {
            let rest = &body[i + marker.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_checked_failing_enterprise_shows_its_failures_with_citations_and_provenance() {
    let s = site();
    let admin = s.token(Role::Admin, None);
    let (_, as_of) = fixture("hazchem-nitration-plant.json");

    // before any check: no findings, a prompt to check
    let before = s
        .get(&format!("/enterprises/{NITRATION}"), Some(&admin))
        .await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert!(before.body.contains("还没有保存的检查结果"));

    let done = s.recheck(&admin, NITRATION, &as_of).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location(),
        format!("/enterprises/{NITRATION}#latest-check")
    );
    let stored = s
        .state
        .store()
        .latest_check(&NITRATION.parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(stored.result.as_of.to_string(), as_of);
    assert_eq!(stored.record_version, Some(1));

    let page = s
        .get(&format!("/enterprises/{NITRATION}"), Some(&admin))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("<h1>某精细化工有限公司 <span class=\"risk risk-red\""));
    // the score and its components, each naming what produced it
    assert!(body.contains("<p>风险分 "), "{body}");
    assert!(body.contains("<li>行业基础风险 "), "{body}");
    // failures first, the 重大隐患 one before the general ones
    let fails = rules_in(body, "fail");
    let expected_fails: Vec<String> = stored
        .result
        .findings
        .iter()
        .filter(|f| f.outcome == regkb::check::Outcome::Fail)
        .map(|f| f.rule.to_string())
        .collect();
    assert_eq!(fails.len(), expected_fails.len());
    assert_eq!(fails[0], "HZ-02", "{fails:?}");
    for id in ["HZ-04", "WHP-036", "AQ-030"] {
        assert!(fails.contains(&id.to_string()), "{id} in {fails:?}");
    }
    let first_fail = body.find("finding fail").unwrap();
    let first_unknown = body.find("finding unknown").unwrap();
    let first_pass = body.find("finding pass").unwrap();
    assert!(first_fail < first_unknown && first_unknown < first_pass);
    // not applicable ones are folded away
    let na = between(body, "<details class=\"group na\">", "</details>");
    assert!(na.contains("不适用"));
    assert!(!na.contains("<article"));

    // the failing finding: explanation, facts with provenance, citation links, departments, remedy
    let hz02 = between(body, "id=\"rule-HZ-02\"", "</article>");
    assert!(hz02.contains("不符合") && hz02.contains("重大隐患"));
    assert!(hz02.contains("<code class=\"muted small\">/special_workers/0/certificate</code>"));
    // every field came from one department: said once, not per fact
    assert!(body.contains("均由 应急管理局（部门）"));
    assert!(!hz02.contains("来源："), "{hz02}");
    assert!(hz02.contains(
        "<a class=\"cite\" href=\"/law/中华人民共和国安全生产法/30\">《中华人民共和国安全生产法》第三十条第一款</a>"
    ));
    // a standard cited by clause only is named, not linked
    assert!(hz02.contains("<span class=\"cite-std\">"));
    assert!(hz02.contains("负责部门"));
    assert!(hz02.contains("整改措施"));

    // key facts and history with provenance
    assert!(body.contains("<dt>监管类别</dt><dd>危化生产"));
    assert!(body.contains("<th scope=\"row\">第 1 版</th>"));
    assert!(between(body, "档案变更记录", "</table>").contains("应急管理局（部门）"));

    // the GB 18218 table, with α looked up for the unit's population
    let table = between(body, "<table class=\"data hazards stack\">", "</table>");
    assert!(table.contains("<th scope=\"row\">硝化车间</th>"), "{table}");
    assert!(
        table.contains("<td data-label=\"S\">0.1</td><td data-label=\"重大危险源\">否</td>"),
        "{table}"
    );

    assert!(body.len() <= 150 * 1024, "profile is {} bytes", body.len());
}

#[tokio::test]
async fn the_hazard_table_grades_a_major_hazard_unit() {
    let s = site();
    let admin = s.token(Role::Admin, None);
    let (record, as_of) = fixture("hazchem-lpg-depot.json");
    assert_eq!(
        s.recheck(&admin, LPG, &as_of).await.status,
        StatusCode::SEE_OTHER
    );
    let page = s.get(&format!("/enterprises/{LPG}"), Some(&admin)).await;
    let table = between(
        &page.body,
        "<table class=\"data hazards stack\">",
        "</table>",
    );
    let row = between(table, "<tr class=\"major\">", "</tr>");
    assert!(row.contains("<th scope=\"row\">球罐区</th>"), "{row}");
    assert!(row.contains("<td data-label=\"重大危险源\">是</td>"));
    assert!(row.contains("<td data-label=\"级别\">二级</td>"), "{row}");
    // α of the unit's population (GB 18218 table 5) is shown, and Σβq/Q = R/α
    let population = record["units"][0]["population_500m"].as_f64().unwrap();
    let alpha = match population as u64 {
        0 => "0.5",
        1..=29 => "1",
        30..=49 => "1.2",
        50..=99 => "1.5",
        _ => "2",
    };
    assert!(
        row.contains(&format!("<td data-label=\"α\">{alpha}</td>")),
        "{row}"
    );
}

#[tokio::test]
async fn the_list_shows_the_region_with_counts_and_risk_colours() {
    let s = site();
    let admin = s.token(Role::Admin, None);
    let (_, as_of) = fixture("hazchem-nitration-plant.json");
    s.recheck(&admin, NITRATION, &as_of).await;

    let all = s.get("/enterprises", Some(&admin)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body.matches("<tr class=\"enterprise\">").count(), 3);
    // the checked one comes first, red, with its counts; unchecked ones are grey
    let first = between(&all.body, "<tr class=\"enterprise\">", "</tr>");
    assert!(first.contains(&format!("href=\"/enterprises/{NITRATION}\"")));
    assert!(first.contains("risk risk-red"));
    let stored = s
        .state
        .store()
        .latest_check(&NITRATION.parse().unwrap())
        .unwrap()
        .unwrap();
    let s_ = stored.result.summary;
    let major = stored
        .result
        .findings
        .iter()
        .filter(|f| {
            f.outcome == regkb::check::Outcome::Fail && f.severity == regkb::check::Severity::Major
        })
        .count();
    assert!(major >= 1);
    assert!(
        first.contains(&format!(
            "<td data-label=\"不符合\">{}</td><td data-label=\"重大隐患\"><strong class=\"badge fail\">{major}</strong></td><td data-label=\"待核查\">{}</td>",
            s_.fail, s_.unknown
        )),
        "{first}"
    );
    assert_eq!(all.body.matches("risk risk-none").count(), 2);

    // filters: township, category, name
    let by_category = s
        .get(
            &format!("/enterprises?category={}", encode("餐饮")),
            Some(&admin),
        )
        .await;
    assert_eq!(
        by_category
            .body
            .matches("<tr class=\"enterprise\">")
            .count(),
        1
    );
    assert!(by_category.body.contains(CATERING));
    let by_name = s
        .get(
            &format!("/enterprises?q={}", encode("液化气")),
            Some(&admin),
        )
        .await;
    assert_eq!(by_name.body.matches("<tr class=\"enterprise\">").count(), 1);
    assert!(by_name.body.contains(LPG));
    let none = s
        .get(
            &format!("/enterprises?township={}", encode("无此镇")),
            Some(&admin),
        )
        .await;
    assert!(none.body.contains("没有符合筛选条件的企业"));

    // an inspector of 长安区 sees only the enterprise there
    let inspector = s.token(Role::Inspector, Some("county=长安区"));
    let mine = s.get("/enterprises", Some(&inspector)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.body.matches("<tr class=\"enterprise\">").count(), 1);
    assert!(mine.body.contains(CATERING));
    assert!(!mine.body.contains(NITRATION));
    assert!(mine.body.contains("管辖范围：长安区"));
}

#[tokio::test]
async fn another_regions_enterprise_and_the_viewer_role_are_refused() {
    let s = site();
    let inspector = s.token(Role::Inspector, Some("county=长安区"));
    for path in [
        format!("/enterprises/{NITRATION}"),
        format!("/enterprises/{NITRATION}/checklist"),
    ] {
        let page = s.get(&path, Some(&inspector)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.body.contains("不在当前账号的管辖范围"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("某精细化工"));
    }
    let recheck = s.recheck(&inspector, NITRATION, "2026-11-28").await;
    assert_eq!(recheck.status, StatusCode::FORBIDDEN);
    // the own region's enterprise is fine
    let own = s
        .get(&format!("/enterprises/{CATERING}"), Some(&inspector))
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("某烧烤店"));
    assert!(own.body.contains("均由 燃气平台（系统）"));

    let viewer = s.token(Role::Viewer, None);
    for path in [
        "/enterprises".to_string(),
        format!("/enterprises/{CATERING}"),
        format!("/enterprises/{CATERING}/checklist"),
        "/check".to_string(),
    ] {
        let page = s.get(&path, Some(&viewer)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.body.contains("无权查看此页面"), "{}", page.body);
    }
    // not signed in: to the sign-in page, coming back here afterwards
    let anon = s.get("/enterprises?township=x", None).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert!(anon.location().starts_with("/signin?next=%2Fenterprises"));
    // an unknown enterprise is a 404 page, a malformed USCC a 400 page
    let admin = s.token(Role::Admin, None);
    let missing = s.get("/enterprises/91330481MA2B00000Y", Some(&admin)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad = s.get("/enterprises/not-a-uscc", Some(&admin)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("不是有效的统一社会信用代码"));
    // a path segment that is not text is answered with the HTML error page too
    let garbled = s.get("/enterprises/%FF%FE", Some(&admin)).await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
    assert!(
        garbled.body.contains("class=\"error-box\""),
        "{}",
        garbled.body
    );
}

#[tokio::test]
async fn the_recheck_post_needs_the_csrf_value() {
    let s = site();
    let admin = s.token(Role::Admin, None);
    let uri = format!("/enterprises/{NITRATION}/check");
    let without = s.post(&uri, &admin, None, &[]).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    assert!(without.body.contains("安全校验未通过"));
    let wrong = s
        .post(&uri, &admin, Some("00000000000000000000000000000000"), &[])
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let key: Uscc = NITRATION.parse().unwrap();
    assert!(s.state.store().latest_check(&key).unwrap().is_none());
    // a cross-site origin is refused even with the right value
    let req = Request::post(&uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::HOST, "localhost")
        .header(
            header::COOKIE,
            format!("regkb_csrf={CSRF}; regkb_session={admin}"),
        )
        .body(Body::from(format!("csrf={CSRF}")))
        .unwrap();
    assert_eq!(s.send(req).await.status, StatusCode::FORBIDDEN);
    assert!(s.state.store().latest_check(&key).unwrap().is_none());
    // a bad date is a 400 page, nothing stored
    let bad_date = s.recheck(&admin, NITRATION, "2026-02-30").await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
    assert!(bad_date.body.contains("`2026-02-30`"));
    assert!(s.state.store().latest_check(&key).unwrap().is_none());
}

#[tokio::test]
async fn the_check_page_lists_every_problem_of_a_bad_record() {
    let s = site();
    let author = s.token(Role::Author, None);
    let form = s.get("/check", Some(&author)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    assert!(form.body.contains("data-into=\"#record\""));

    let bad = r#"{"uscc": "91330481MA2B00000Y", "employees": -3, "colour": "<b>red</b>"}"#;
    let page = s
        .post(
            "/check",
            &author,
            Some(CSRF),
            &[("record", bad), ("as_of", "2026-11-28")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    let errors = between(&page.body, "id=\"check-error\"", "</table>");
    let pointers: Vec<&str> = errors
        .match_indices("<tr class=\"problem\"><th scope=\"row\"><code>")
        .map(|(i, m)| {
            let rest = &errors[i + m.len()..];
            &rest[..rest.find('<').unwrap()]
        })
        .collect();
    assert_eq!(pointers, ["/name", "/colour", "/employees"]);
    assert!(errors.contains("共 3 处问题"));
    assert!(errors.contains("缺少必填字段"));
    assert!(errors.contains("第 1 行"));
    // the pasted text comes back (escaped) for editing
    assert!(page.body.contains("&#60;b&#62;red&#60;/b&#62;"));
    assert!(!page.body.contains("<b>red</b>"));

    // not JSON at all
    let page = s
        .post("/check", &author, Some(CSRF), &[("record", "{not json")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("（整个文档）"));
    // nothing pasted
    let page = s
        .post("/check", &author, Some(CSRF), &[("record", "  ")])
        .await;
    assert!(page.body.contains("请粘贴企业档案 JSON"));
    // no CSRF value
    let page = s.post("/check", &author, None, &[("record", bad)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_uploaded_record_is_checked_with_the_same_findings_view() {
    let s = site();
    let inspector = s.token(Role::Inspector, Some("county=长安区"));
    let (record, as_of) = fixture("hazchem-nitration-plant.json");
    // checking a pasted record is not limited to the inspector's region, and stores nothing
    let page = s.upload(&inspector, &as_of, &record.to_string()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("某精细化工有限公司"));
    assert_eq!(rules_in(&page.body, "fail")[0], "HZ-02");
    assert!(page.body.contains("<table class=\"data hazards stack\">"));
    assert!(page.body.contains("risk risk-red"));
    let key: Uscc = NITRATION.parse().unwrap();
    assert!(s.state.store().latest_check(&key).unwrap().is_none());
}

#[tokio::test]
async fn the_checklist_has_only_fail_and_unknown_items_and_prints_on_a4() {
    let s = site();
    let admin = s.token(Role::Admin, None);
    let (_, as_of) = fixture("hazchem-nitration-plant.json");

    // without a stored check it is built from a check run now, and says so
    let fresh = s
        .get(&format!("/enterprises/{NITRATION}/checklist"), Some(&admin))
        .await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert!(fresh.body.contains("尚未保存"));

    s.recheck(&admin, NITRATION, &as_of).await;
    let page = s
        .get(&format!("/enterprises/{NITRATION}/checklist"), Some(&admin))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("@page { size: A4; margin: 15mm; }"));
    assert!(body.contains("@media print"));
    assert!(body.contains("onclick=\"window.print()\""));
    assert!(body.contains("检查人员（签名）"));
    assert!(!body.contains("尚未保存"));

    let stored = s
        .state
        .store()
        .latest_check(&NITRATION.parse().unwrap())
        .unwrap()
        .unwrap();
    let summary = stored.result.summary;
    let items = body.matches("<tr class=\"check-item ").count();
    assert_eq!(items, summary.fail + summary.unknown);
    assert_eq!(
        body.matches("<tr class=\"check-item fail\">").count(),
        summary.fail
    );
    assert_eq!(body.matches("核实并督促整改</td>").count(), summary.fail);
    assert_eq!(body.matches("现场核查</td>").count(), summary.unknown);
    assert_eq!(body.matches("<input type=\"checkbox\"").count(), items);
    // passing and not-applicable rules are not on it
    for f in &stored.result.findings {
        let listed = body.contains(&format!("规则 {}</span>", f.rule));
        let expected = matches!(
            f.outcome,
            regkb::check::Outcome::Fail | regkb::check::Outcome::Unknown
        );
        assert_eq!(listed, expected, "{} ({:?})", f.rule, f.outcome);
    }
    // grouped by record area; topics with a 重大隐患 failure first (HZ-04: the units, HZ-02: the special workers)
    let first_topic = between(body, "<section class=\"topic\">", "</section>");
    assert!(
        first_topic.contains("<h2>1. GB 18218 生产单元、储存单元"),
        "{first_topic}"
    );
    assert!(first_topic.contains("［重大隐患］"));
    let workers = between(body, ". 特种作业人员", "</section>");
    assert!(workers.contains("涉及部门："));
    let (hz02, aq030) = (
        workers.find("规则 HZ-02</span>").unwrap(),
        workers.find("规则 AQ-030</span>").unwrap(),
    );
    assert!(hz02 < aq030, "the 重大隐患 item first");
    assert!(workers.contains("<a class=\"cite\" href=\"/law/"));
    assert!(body.contains("<h2>") && body.contains(". 消防安全"));
    assert!(
        body.len() <= 150 * 1024,
        "checklist is {} bytes",
        body.len()
    );
}

#[tokio::test]
async fn names_from_records_are_escaped() {
    let s = site();
    let admin = s.token(Role::Admin, None);
    let schema = crate::support::schema();
    let uscc: Uscc = CATERING.parse().unwrap();
    s.state
        .store()
        .patch(
            &uscc,
            serde_json::json!({"name": "某<script>alert(1)</script>店"}),
            &Actor::system("燃气平台"),
            &schema,
        )
        .unwrap();
    for path in [
        "/enterprises".to_string(),
        format!("/enterprises/{CATERING}"),
        format!("/enterprises/{CATERING}/checklist"),
    ] {
        let page = s.get(&path, Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("<script>alert(1)"), "{path}");
        assert!(
            page.body
                .contains("某&#60;script&#62;alert(1)&#60;/script&#62;店"),
            "{path}"
        );
    }
    // the history names the patched field
    let page = s
        .get(&format!("/enterprises/{CATERING}"), Some(&admin))
        .await;
    assert!(page.body.contains("<th scope=\"row\">第 2 版</th>"));
    assert!(page.body.contains("合并更新"));
}
