//! The hidden-danger pages (list, detail with the legal next actions, the
//! 登记隐患 form), the township dashboard (API and page) and risk fed by
//! overdue dangers, driven through the router over a temporary store with
//! the shipped rules and three invented fixture enterprises.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use regkb::config::{ContentPaths, Context, DataDir};
use regkb::danger::{Level, NewDanger, Source};
use regkb::http::{AppState, ServiceConfig};
use regkb::store::{Actor, Role};
use regkb::visit::NewVisit;
use serde_json::Value;

use crate::support::{self, Page, repo};

const CSRF: &str = "0123456789abcdef0123456789abcdef";
/// 某精细化工有限公司 (化工园区): HZ-02 (重大隐患) fails, so it is at least 橙.
const NITRATION: &str = "91340504MA2T10008Y";
/// 某烧烤店 (河北省 长安区 建北街道).
const CATERING: &str = "92130102MA0C3D4E5H";
/// 某液化气储配有限公司 (刘圩镇).
const LPG: &str = "91450103MA5N90007R";

struct Site {
    _dir: tempfile::TempDir,
    state: AppState,
    schema: regkb::record::Schema,
}

fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let state = support::service_in(&dir.path().join("data"));
    support::put_records(
        &state,
        [
            "hazchem-nitration-plant.json",
            "general-catering-lpg.json",
            "hazchem-lpg-depot.json",
        ]
        .map(support::fixture_record),
    );
    Site {
        _dir: dir,
        state,
        schema: support::schema(),
    }
}

fn danger(uscc: &str, township: &str, level: Level, deadline: &str, title: &str) -> NewDanger {
    NewDanger {
        uscc: uscc.parse().unwrap(),
        township: Some(township.into()),
        level,
        title: title.into(),
        source: Source::Inspector {
            text: "现场发现测试问题".into(),
        },
        found_by: "检查员甲".into(),
        owner: "责任人乙".into(),
        deadline: deadline.parse().unwrap(),
        measures: None,
        funds: None,
        rectification_plan: None,
        visit: None,
    }
}

impl Site {
    fn token(&self, role: Role, region: Option<&str>) -> String {
        support::new_token(&self.state, role, region, "检查员丁")
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> Page {
        support::get_page(&self.state, uri, token).await
    }

    async fn api(&self, uri: &str, token: &str) -> (StatusCode, Value) {
        support::api_call(&self.state, "GET", uri, token, None).await
    }

    async fn post(&self, uri: &str, token: &str, fields: &[(&str, &str)]) -> Page {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("csrf", CSRF);
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
        support::send(&self.state, req).await
    }

    fn create(&self, new: &NewDanger) -> u64 {
        self.state
            .store()
            .create_danger(new, &Actor::department("应急管理局"))
            .unwrap()
            .id
    }
}

/// The forms offered on a danger page, by action code.
fn offered(body: &str) -> Vec<&'static str> {
    ["start", "submit", "accept", "reject"]
        .into_iter()
        .filter(|a| body.contains(&format!("id=\"act-{a}\"")))
        .collect()
}

#[tokio::test]
async fn a_major_danger_walks_its_closed_loop_through_the_pages() {
    let s = site();
    let me = s.token(Role::Inspector, None);

    // the enterprise page links the 登记隐患 form and says there are none
    let profile = s.get(&format!("/enterprises/{CATERING}"), Some(&me)).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    assert!(
        profile
            .body
            .contains(&format!("/enterprises/{CATERING}/dangers/new"))
    );
    assert!(profile.body.contains("没有未销号的隐患"));
    let form = s
        .get(&format!("/enterprises/{CATERING}/dangers/new"), Some(&me))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("name=\"csrf\""));

    // refused: no source and no owner; the input is kept
    let target = format!("/enterprises/{CATERING}/dangers");
    let bad = s
        .post(
            &target,
            &me,
            &[
                ("level", "重大"),
                ("found_by", "检查员丁"),
                ("owner", ""),
                ("deadline", "2099-01-01"),
                ("title", "液化气瓶间无通风"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("请选择不合格的规则，或填写现场发现的隐患描述"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("请填写整改责任人"));
    assert!(bad.body.contains("value=\"液化气瓶间无通风\""));
    let fields = [
        ("level", "重大"),
        ("description", "液化气瓶与灶具同处一室，无通风"),
        ("title", "液化气瓶间无通风"),
        ("found_by", "检查员丁"),
        ("owner", "店主张某"),
        ("deadline", "2099-01-01"),
    ];
    let made = s.post(&target, &me, &fields).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    assert_eq!(made.location(), "/dangers/1");

    let page = s.get("/dangers/1", Some(&me)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("待整改"));
    assert_eq!(offered(&page.body), ["start"]);

    // 开始整改 without a plan: refused on the page, the operator kept
    let start = [
        ("action", "start"),
        ("by", "店主张某"),
        ("note", "先停用气瓶"),
    ];
    let refused = s.post("/dangers/1", &me, &start).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("开始整改前请填写：整改方案"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("先停用气瓶"));
    // an action not legal now is refused and never offered
    let illegal = s
        .post(
            "/dangers/1",
            &me,
            &[("action", "accept"), ("by", "所长"), ("note", "同意")],
        )
        .await;
    assert_eq!(illegal.status, StatusCode::CONFLICT);
    assert!(
        illegal.body.contains("只有「待验收」状态可以销号"),
        "{}",
        illegal.body
    );
    assert_eq!(offered(&illegal.body), ["start"]);
    // without the CSRF field
    let req = Request::post("/dangers/1")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(
            header::COOKIE,
            format!("regkb_csrf={CSRF}; regkb_session={me}"),
        )
        .body(Body::from("action=start&by=x&plan=y"))
        .unwrap();
    assert_eq!(
        support::send(&s.state, req).await.status,
        StatusCode::FORBIDDEN
    );

    let with_plan = [
        ("action", "start"),
        ("by", "店主张某"),
        ("plan", "改用管道燃气，加装通风"),
    ];
    assert_eq!(
        s.post("/dangers/1", &me, &with_plan).await.status,
        StatusCode::SEE_OTHER
    );
    let submit = [
        ("action", "submit"),
        ("by", "店主张某"),
        ("measures", "已加装排风扇"),
        ("funds", "3500"),
    ];
    assert_eq!(
        s.post("/dangers/1", &me, &submit).await.status,
        StatusCode::SEE_OTHER
    );
    let page = s.get("/dangers/1", Some(&me)).await;
    assert_eq!(offered(&page.body), ["accept", "reject"]);
    assert!(page.body.contains("3500 元"));

    // the owner cannot accept; a rejection needs a note
    let own = s
        .post(
            "/dangers/1",
            &me,
            &[
                ("action", "accept"),
                ("by", "店主张某"),
                ("note", "自己验收"),
            ],
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.body.contains("不能是整改责任人本人"), "{}", own.body);
    let silent = s
        .post("/dangers/1", &me, &[("action", "reject"), ("by", "所长")])
        .await;
    assert_eq!(silent.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        silent.body.contains("驳回前请填写：驳回理由"),
        "{}",
        silent.body
    );

    let accept = [
        ("action", "accept"),
        ("by", "安监所王所长"),
        ("note", "现场复核合格"),
    ];
    assert_eq!(
        s.post("/dangers/1", &me, &accept).await.status,
        StatusCode::SEE_OTHER
    );
    let done = s.get("/dangers/1", Some(&me)).await;
    assert!(done.body.contains("已销号"));
    assert!(offered(&done.body).is_empty());
    assert!(done.body.contains("整改闭环完成"));
    let history = done.body.split("id=\"danger-history\"").nth(1).unwrap();
    assert_eq!(history.matches("<tr><th scope=\"row\">").count(), 3);
    assert!(history.contains("待验收 → 已销号"));
    assert!(history.contains("安监所王所长"));
    assert!(history.contains("现场复核合格"));

    // the profile counts it as closed
    let profile = s.get(&format!("/enterprises/{CATERING}"), Some(&me)).await;
    assert!(profile.body.contains("已销号 1 项"), "{}", profile.body);
}

#[tokio::test]
async fn the_list_filters_flags_overdue_and_keeps_to_the_region() {
    let s = site();
    let late = s.create(&danger(
        NITRATION,
        "化工园区",
        Level::Major,
        "2020-01-01",
        "硝化釜超温联锁未投用",
    ));
    let fresh = s.create(&danger(
        NITRATION,
        "化工园区",
        Level::General,
        "2099-01-01",
        "安全标志缺失",
    ));
    let far = s.create(&danger(
        LPG,
        "刘圩镇",
        Level::General,
        "2099-01-01",
        "球罐区巡检记录不全",
    ));
    let admin = s.token(Role::Admin, None);
    let page = s.get("/dangers", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // newest first
    let at = |id: u64| page.body.find(&format!("href=\"/dangers/{id}\"")).unwrap();
    assert!(at(far) < at(fresh) && at(fresh) < at(late));
    assert!(page.body.contains("<tr class=\"danger overdue\">"));
    assert!(page.body.contains("逾期 "), "{}", page.body);
    let overdue = s.get("/dangers?overdue=1", Some(&admin)).await;
    assert!(overdue.body.contains("硝化釜超温联锁未投用"));
    assert!(!overdue.body.contains("安全标志缺失"));
    let general = s
        .get("/dangers?level=一般&township=刘圩镇", Some(&admin))
        .await;
    assert!(general.body.contains("球罐区巡检记录不全"));
    assert!(!general.body.contains("安全标志缺失"));
    let closed = s.get("/dangers?state=已销号", Some(&admin)).await;
    assert!(closed.body.contains("没有符合筛选条件的隐患"));
    let bad = s.get("/dangers?state=完成", Some(&admin)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // a token for 雨山区 sees only the nitration plant's dangers
    let local = s.token(Role::Inspector, Some("county=雨山区"));
    let page = s.get("/dangers", Some(&local)).await;
    assert!(page.body.contains("硝化釜超温联锁未投用"));
    assert!(!page.body.contains("球罐区巡检记录不全"));
    assert_eq!(
        s.get(&format!("/dangers/{far}"), Some(&local)).await.status,
        StatusCode::FORBIDDEN
    );
    // viewers may not see dangers at all
    let viewer = s.token(Role::Viewer, None);
    assert_eq!(
        s.get("/dangers", Some(&viewer)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn risk_counts_an_overdue_danger_and_drops_it_when_closed() {
    let s = site();
    let admin = s.token(Role::Admin, None);
    let recheck = s
        .post(
            &format!("/enterprises/{LPG}/check"),
            &admin,
            &[("as_of", "2026-11-28")],
        )
        .await;
    assert_eq!(recheck.status, StatusCode::SEE_OTHER);
    let score = |v: &Value| -> (u64, Vec<Value>) {
        let e = v["enterprises"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["uscc"] == LPG)
            .unwrap();
        let overdue = e["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "overdue_dangers")
            .flat_map(|c| c["sources"].as_array().unwrap().clone())
            .collect();
        (e["score"].as_u64().unwrap(), overdue)
    };
    let (st, before) = s.api("/api/v1/risk?as_of=2026-07-01", &admin).await;
    assert_eq!(st, StatusCode::OK, "{before}");
    let (base, none) = score(&before);
    assert!(none.is_empty());
    let id = s.create(&danger(
        LPG,
        "刘圩镇",
        Level::General,
        "2026-06-01",
        "巡检不到位",
    ));
    let (_, after) = s.api("/api/v1/risk?as_of=2026-07-01", &admin).await;
    let each = u64::from(
        regkb::risk::Weights::shipped()
            .unwrap()
            .overdue_dangers
            .each,
    );
    assert_eq!(
        score(&after),
        (base + each, vec![Value::from(format!("#{id}"))])
    );
    // on its deadline day it is not overdue yet
    let (_, due) = s.api("/api/v1/risk?as_of=2026-06-01", &admin).await;
    assert_eq!(score(&due).0, base);
    // the enterprise page shows the component with the danger's number
    let profile = s.get(&format!("/enterprises/{LPG}"), Some(&admin)).await;
    assert!(
        profile
            .body
            .contains(&format!("逾期未整改隐患 {each} 分：#{id}")),
        "{}",
        profile.body
    );

    let store = s.state.store();
    let by = Actor::department("应急管理局");
    let at = jiff::Timestamp::now();
    use regkb::danger::{Action, TransitionRequest};
    for req in [
        TransitionRequest::new(Action::Start, "责任人乙", at),
        TransitionRequest::new(Action::Submit, "责任人乙", at).measures("补齐记录"),
        TransitionRequest::new(Action::Accept, "所长", at).note("合格"),
    ] {
        store.transition_danger(id, &req, &by).unwrap();
    }
    let (_, closed) = s.api("/api/v1/risk?as_of=2026-07-01", &admin).await;
    assert_eq!(score(&closed), (base, vec![]));
    let (st, bad) = s.api("/api/v1/risk?as_of=七月", &admin).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
}

#[tokio::test]
async fn the_dashboard_counts_open_overdue_high_risk_visits() {
    let s = site();
    let admin = s.token(Role::Admin, None);
    // empty states first
    let page = s.get("/dashboard", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for empty in [
        "目前没有未销号的事故隐患",
        "没有逾期的重大隐患",
        "没有红色或橙色风险的企业",
        "本时段没有反复出现的问题",
    ] {
        assert!(page.body.contains(empty), "{empty}");
    }
    assert!(
        page.body
            .contains("href=\"/dashboard\" aria-current=\"page\"")
    );

    let recheck = s
        .post(
            &format!("/enterprises/{NITRATION}/check"),
            &admin,
            &[("as_of", "2026-11-28")],
        )
        .await;
    assert_eq!(recheck.status, StatusCode::SEE_OTHER);
    let late = s.create(&danger(
        NITRATION,
        "化工园区",
        Level::Major,
        "2020-01-01",
        "硝化釜超温联锁未投用",
    ));
    s.create(&danger(
        NITRATION,
        "化工园区",
        Level::General,
        "2099-01-01",
        "安全标志缺失",
    ));
    s.create(&danger(
        LPG,
        "刘圩镇",
        Level::General,
        "2099-01-01",
        "球罐区巡检记录不全",
    ));

    let (st, d) = s.api("/api/v1/dashboard?township=化工园区", &admin).await;
    assert_eq!(st, StatusCode::OK, "{d}");
    let year = jiff::Zoned::now().date().year();
    assert_eq!(d["from"], format!("{year}-01-01"));
    assert_eq!(d["to"], format!("{year}-12-31"));
    assert_eq!(d["open_total"], 2);
    assert_eq!(d["open_by_level"][0]["level"], "重大");
    assert_eq!(
        d["open_by_level"][0]["buckets"],
        serde_json::json!([1, 0, 0])
    );
    assert_eq!(d["overdue_major"][0]["id"], late);
    assert!(d["overdue_major"][0]["days_overdue"].as_i64().unwrap() > 365);
    assert_eq!(d["overdue_major"][0]["owner"], "责任人乙");
    let high = d["high_risk"].as_array().unwrap();
    assert_eq!(high.len(), 1, "{d}");
    assert_eq!(
        (&high[0]["uscc"], &high[0]["visited"]),
        (&Value::from(NITRATION), &Value::from(false))
    );
    assert_eq!(d["high_risk_share"], 0.0);

    // a visit in the period
    let today = jiff::Zoned::now().date();
    let visit = NewVisit {
        uscc: NITRATION.parse().unwrap(),
        date: today,
        departments: vec!["应急管理".into()],
        inspectors: vec!["检查员丁".into()],
        plan: None,
        items: vec![],
    };
    s.state
        .store()
        .save_visit(
            &visit,
            Some("化工园区".into()),
            &[],
            &Actor::department("应急管理局"),
        )
        .unwrap();
    let (_, d) = s.api("/api/v1/dashboard?township=化工园区", &admin).await;
    assert_eq!(d["high_risk"][0]["visited"], true);
    assert_eq!(d["high_risk_share"], 100.0);
    // a period before the visit: not visited
    let (_, d) = s
        .api("/api/v1/dashboard?from=2000-01-01&to=2000-12-31", &admin)
        .await;
    assert_eq!(d["high_risk_share"], 0.0);

    let page = s.get("/dashboard?township=化工园区", Some(&admin)).await;
    assert!(page.body.contains("硝化釜超温联锁未投用"));
    assert!(page.body.contains("已检查 1 次"));
    assert!(page.body.contains("1 / 1"));

    // scope: a 青秀区 token sees the depot's danger, not the plant's
    let local = s.token(Role::Inspector, Some("county=青秀区"));
    let (_, d) = s.api("/api/v1/dashboard", &local).await;
    assert_eq!(d["open_total"], 1);
    assert!(d["overdue_major"].as_array().unwrap().is_empty());

    // bad periods name the parameter
    let (st, e) = s.api("/api/v1/dashboard?from=2026-02-30", &admin).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["field"], "from", "{e}");
    let (st, e) = s
        .api("/api/v1/dashboard?from=2026-05-01&to=2026-04-01", &admin)
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["error"]["message"].as_str().unwrap().contains("晚于"));
    let viewer = s.token(Role::Viewer, None);
    let (st, _) = s.api("/api/v1/dashboard", &viewer).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[test]
fn a_broken_weights_file_stops_the_service_from_starting() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(rules.join("risk")).unwrap();
    let shipped = std::fs::read_to_string(repo().join("rules/risk/weights.toml")).unwrap();
    let bad = shipped.replace("orange = 35", "orange = \"三十五\"");
    let line = bad.lines().position(|l| l.contains("三十五")).unwrap() + 1;
    std::fs::write(rules.join("risk/weights.toml"), bad).unwrap();
    let ctx = Context {
        data: DataDir::new(dir.path().join("data")),
        content: ContentPaths {
            corpus_dir: repo().join("corpus"),
            rules_dir: rules,
        },
    };
    let err = AppState::load(&ctx, ServiceConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.starts_with("风险权重文件有误，服务未启动"), "{err}");
    assert!(
        err.contains(&format!(
            "weights.toml` 第 {line} 行：设置项 `orange` 应为非负整数"
        )),
        "{err}"
    );
}

#[tokio::test]
async fn a_danger_registered_from_a_failed_rule_links_the_rule_and_its_clauses() {
    let s = site();
    let me = s.token(Role::Inspector, None);
    let recheck = s
        .post(
            &format!("/enterprises/{NITRATION}/check"),
            &me,
            &[("as_of", "2026-11-28")],
        )
        .await;
    assert_eq!(recheck.status, StatusCode::SEE_OTHER);
    let form = s
        .get(&format!("/enterprises/{NITRATION}/dangers/new"), Some(&me))
        .await;
    assert!(
        form.body.contains("<option value=\"HZ-02\""),
        "{}",
        form.body
    );
    // a rule that did not fail is refused
    let target = format!("/enterprises/{NITRATION}/dangers");
    let base = [
        ("level", "重大"),
        ("found_by", "检查员丁"),
        ("owner", "厂长李某"),
        ("deadline", "2099-01-01"),
    ];
    let bad = s
        .post(&target, &me, &[&base[..], &[("rule", "NO-SUCH")]].concat())
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("规则 `NO-SUCH` 没有不合格"),
        "{}",
        bad.body
    );
    let made = s
        .post(&target, &me, &[&base[..], &[("rule", "HZ-02")]].concat())
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let page = s.get(made.location(), Some(&me)).await;
    assert!(page.body.contains("href=\"/rules/HZ-02\""), "{}", page.body);
    assert!(
        page.body.contains("class=\"cite\" href=\"/law/"),
        "{}",
        page.body
    );
    assert!(page.body.contains("规则检查"));
    // the title defaults to the rule's title, not left blank
    let d = s.state.store().danger(1).unwrap().unwrap();
    assert!(!d.title.is_empty());
}

#[tokio::test]
async fn a_rule_failing_again_after_its_danger_was_closed_is_a_repeat() {
    use regkb::danger::{Action, TransitionRequest};
    let s = site();
    let admin = s.token(Role::Admin, None);
    let target = format!("/enterprises/{NITRATION}/check");
    let recheck = || s.post(&target, &admin, &[("as_of", "2026-11-28")]);
    assert_eq!(recheck().await.status, StatusCode::SEE_OTHER);
    let mut new = danger(
        NITRATION,
        "化工园区",
        Level::Major,
        "2099-01-01",
        "重大隐患测试",
    );
    new.source = Source::Rule {
        rule_id: "HZ-02".into(),
        explanation: "测试".into(),
        citations: vec![],
    };
    new.rectification_plan = Some("方案".into());
    let id = s.create(&new);
    let by = Actor::department("应急管理局");
    let at = jiff::Timestamp::now();
    for req in [
        TransitionRequest::new(Action::Start, "责任人乙", at),
        TransitionRequest::new(Action::Submit, "责任人乙", at).measures("已整改"),
        TransitionRequest::new(Action::Accept, "所长", at).note("合格"),
    ] {
        s.state.store().transition_danger(id, &req, &by).unwrap();
    }
    let (_, d) = s.api("/api/v1/dashboard", &admin).await;
    assert!(d["repeats"].as_array().unwrap().is_empty(), "{d}");
    // a re-check of the same record version is no new observation
    assert_eq!(recheck().await.status, StatusCode::SEE_OTHER);
    let (_, d) = s.api("/api/v1/dashboard", &admin).await;
    assert!(d["repeats"].as_array().unwrap().is_empty(), "{d}");
    // the record changes (new version) and HZ-02 still fails
    s.state
        .store()
        .patch(
            &NITRATION.parse().unwrap(),
            serde_json::json!({"employees": 81}),
            &by,
            &s.schema,
        )
        .unwrap();
    assert_eq!(recheck().await.status, StatusCode::SEE_OTHER);
    let (_, d) = s.api("/api/v1/dashboard", &admin).await;
    let repeat = d["repeats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "HZ-02")
        .unwrap_or_else(|| panic!("no HZ-02 repeat: {d}"));
    assert_eq!(repeat["kind"], "after_closure");
    assert_eq!(repeat["label"], "销号后复发");
    assert_eq!(repeat["closed_danger"], id);
    let page = s.get("/dashboard", Some(&admin)).await;
    assert!(page.body.contains("销号后复发"), "{}", page.body);
    assert!(page.body.contains("href=\"/rules/HZ-02\""));
}
