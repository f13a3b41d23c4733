//! Joint inspection plans (综合查一次): `regkb plan` over a township of the 33
//! invented fixture enterprises, and `POST/GET /api/v1/plans` through the
//! router — selection with reasons, merged checklists, the yearly visit cap
//! from stored visits, reproducible seeds, figures, errors naming the
//! field, roles and region scopes.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use regkb::http::{AppState, router};
use regkb::store::{Actor, Role};
use regkb::visit::{ItemOutcome, NewVisit, VisitItem};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{self, regkb_in, repo, run_ok, unwrapped};

/// The invented township every fixture is moved into.
pub const TOWN: &str = "试点镇";
/// 某精细化工有限公司: HZ-02 (重大隐患) fails.
const NITRATION: &str = "91340504MA2T10008Y";
/// 某烧烤店.
const CATERING: &str = "92130102MA0C3D4E5H";

/// The 33 fixture records, all in [`TOWN`] except 某烧烤店, which lies in
/// 另一镇.
pub fn town_records() -> Vec<Value> {
    let dir = repo().join("tests/fixtures/enterprises");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            let mut r = v["record"].clone();
            let town = if r["uscc"] == CATERING {
                "另一镇"
            } else {
                TOWN
            };
            r["region"]["township"] = json!(town);
            r
        })
        .collect()
}

struct Site {
    _dir: tempfile::TempDir,
    state: AppState,
}

fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let state = support::service_in(&dir.path().join("data"));
    support::put_records(&state, town_records());
    Site { _dir: dir, state }
}

impl Site {
    fn token(&self, role: Role, region: Option<&str>) -> String {
        support::new_token(&self.state, role, region, "试点镇安监")
    }

    async fn call(
        &self,
        method: &str,
        uri: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        support::api_call(&self.state, method, uri, token, body).await
    }

    /// Two visits this year by 应急管理 (one joint with 消防救援) to `uscc`.
    fn visited_twice(&self, uscc: &str) {
        for (date, departments) in [
            ("2026-03-02", vec!["应急管理", "消防救援"]),
            ("2026-06-15", vec!["应急管理"]),
        ] {
            let v = NewVisit {
                uscc: uscc.parse().unwrap(),
                date: date.parse().unwrap(),
                departments: departments.into_iter().map(String::from).collect(),
                inspectors: vec!["张三".into()],
                plan: None,
                items: vec![VisitItem {
                    rules: vec!["X".into()],
                    outcome: ItemOutcome::Compliant,
                    note: None,
                    facts: vec![],
                    danger: None,
                }],
            };
            self.state
                .store()
                .save_visit(&v, Some(TOWN.into()), &[], &Actor::cli("test"))
                .unwrap();
        }
    }
}

fn error(status: StatusCode, v: &Value, expect: StatusCode, code: &str) -> Value {
    assert_eq!(status, expect, "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    v["error"].clone()
}

fn without_stamp(mut v: Value) -> Value {
    for k in ["id", "created_at", "created_by"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

#[tokio::test]
async fn a_plan_is_made_stored_read_and_listed_over_http() {
    let s = site();
    let t = s.token(Role::Inspector, None);
    let body = json!({"township": TOWN, "from": "2026-12-01", "to": "2026-12-31", "seed": 5});
    let (st, plan) = s.call("POST", "/api/v1/plans", &t, Some(&body)).await;
    assert_eq!(st, StatusCode::CREATED, "{plan}");
    assert_eq!(plan["id"], 1);
    assert_eq!(plan["considered"], 32);
    assert_eq!(plan["cap"], 2);
    let planned = plan["enterprises"].as_array().unwrap();
    // 红/橙 first with their reason, then the 双随机 draw
    let reasons: Vec<&str> = planned
        .iter()
        .map(|p| p["reason"].as_str().unwrap())
        .collect();
    let first_random = reasons.iter().position(|r| *r == "random").unwrap();
    assert!(first_random > 0);
    assert!(reasons[..first_random].iter().all(|r| *r == "high_risk"));
    assert!(reasons[first_random..].iter().all(|r| *r == "random"));
    assert!(
        planned[0]["reason_label"]
            .as_str()
            .unwrap()
            .starts_with("高风险：")
    );
    let scores: Vec<u64> = planned[..first_random]
        .iter()
        .filter(|p| p["colour"] == "红")
        .map(|p| p["score"].as_u64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // every planned enterprise has a lead; every item cites its clauses
    for p in planned {
        assert!(!p["lead"].as_str().unwrap().is_empty(), "{p}");
        for topic in p["topics"].as_array().unwrap() {
            for item in topic["items"].as_array().unwrap() {
                assert!(!item["rules"].as_array().unwrap().is_empty());
                assert!(!item["citations"].as_array().unwrap().is_empty(), "{item}");
            }
        }
    }
    // merging happened somewhere, and the figures add up
    let f = &plan["figures"];
    assert!(
        f["items_before"].as_u64() > f["items_after"].as_u64(),
        "{f}"
    );
    assert_eq!(f["visits_after"], planned.len());
    assert!(
        f["visits_before"].as_u64() > f["visits_after"].as_u64(),
        "{f}"
    );
    assert!(
        f["minutes_before"].as_u64() > f["minutes_after"].as_u64(),
        "{f}"
    );
    let items: u64 = planned
        .iter()
        .map(|p| {
            p["topics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["items"].as_array().unwrap().len() as u64)
                .sum::<u64>()
        })
        .sum();
    assert_eq!(f["items_after"], items);

    let (st, mut again) = s.call("GET", "/api/v1/plans/1", &t, None).await;
    assert_eq!(st, StatusCode::OK);
    // read back with its progress (computed on read): nobody visited yet
    let progress = again.as_object_mut().unwrap().remove("progress").unwrap();
    assert_eq!(again, plan);
    assert_eq!(progress["visited"], 0);
    assert_eq!(progress["planned"], planned.len());
    let (st, list) = s
        .call("GET", &format!("/api/v1/plans?township={TOWN}"), &t, None)
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["plans"][0]["id"], 1);
    assert_eq!(list["plans"][0]["enterprises"], planned.len());
    assert!(list["plans"][0].get("topics").is_none());
    let (_, none) = s
        .call("GET", "/api/v1/plans?township=另一镇", &t, None)
        .await;
    assert_eq!(none["plans"], json!([]));

    // the same seed gives the same plan; it is audited
    let (st, second) = s.call("POST", "/api/v1/plans", &t, Some(&body)).await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(second["id"], 2);
    assert_eq!(without_stamp(second), without_stamp(plan));
    let audit = s.state.store().audit_log(1, 0).unwrap();
    assert_eq!(audit[0].action, "plan.create");
}

#[tokio::test]
async fn the_yearly_cap_comes_from_stored_visits() {
    let s = site();
    let t = s.token(Role::Inspector, None);
    s.visited_twice(NITRATION);
    let body = json!({"usccs": [NITRATION], "from": "2026-12-01", "to": "2026-12-20", "seed": 1});
    let (st, plan) = s.call("POST", "/api/v1/plans", &t, Some(&body)).await;
    assert_eq!(st, StatusCode::CREATED, "{plan}");
    let p = &plan["enterprises"][0];
    assert_eq!(p["visits_this_year"]["应急管理"], 2);
    // 应急管理 is at its cap but a 重大隐患 fails: it joins, flagged
    assert_eq!(p["over_cap"], json!(["应急管理"]), "{p}");
    // items of 应急管理 alone that are no 重大隐患 fail wait for next year
    let deferred = p["deferred"].as_array().unwrap();
    assert!(!deferred.is_empty());
    for item in deferred {
        assert_eq!(item["capped"], json!(["应急管理"]), "{item}");
    }
    assert_eq!(p["counts"]["deferred"], deferred.len());
    for topic in p["topics"].as_array().unwrap() {
        for item in topic["items"].as_array().unwrap() {
            if item["lead"] == "应急管理" {
                assert_eq!(item["severity"], "重大隐患", "{item}");
            }
        }
    }
    // a higher cap lets every department in
    let body = json!({"usccs": [NITRATION], "from": "2026-12-01", "to": "2026-12-20", "seed": 1, "cap": 3});
    let (_, plan) = s.call("POST", "/api/v1/plans", &t, Some(&body)).await;
    assert_eq!(plan["enterprises"][0]["deferred"], json!([]));
    assert!(plan["enterprises"][0].get("over_cap").is_none());
}

#[tokio::test]
async fn bad_plan_requests_name_the_field() {
    let s = site();
    let t = s.token(Role::Inspector, None);
    let cases = [
        (
            json!({"from": "2026-12-01", "to": "2026-12-31"}),
            "township",
        ),
        (
            json!({"township": TOWN, "from": "2026-12-31", "to": "2026-12-01"}),
            "to",
        ),
        (
            json!({"township": TOWN, "from": "2026-13-01", "to": "2026-12-31"}),
            "from",
        ),
        (
            json!({"usccs": ["不是代码"], "from": "2026-12-01", "to": "2026-12-31"}),
            "usccs",
        ),
        (
            json!({"township": TOWN, "from": "2026-12-01", "to": "2026-12-31", "seed": -1}),
            "seed",
        ),
    ];
    for (body, field) in cases {
        let (st, v) = s.call("POST", "/api/v1/plans", &t, Some(&body)).await;
        let e = error(st, &v, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert_eq!(e["field"], field, "{body} → {v}");
    }
    let body = json!({"township": "无此镇", "from": "2026-12-01", "to": "2026-12-31"});
    let (st, v) = s.call("POST", "/api/v1/plans", &t, Some(&body)).await;
    let e = error(st, &v, StatusCode::NOT_FOUND, "not_found");
    assert!(e["message"].as_str().unwrap().contains("无此镇"), "{e}");
    let body = json!({"usccs": ["91330481MA2B00000Y"], "from": "2026-12-01", "to": "2026-12-31"});
    let (st, v) = s.call("POST", "/api/v1/plans", &t, Some(&body)).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
    let (st, v) = s.call("GET", "/api/v1/plans/9", &t, None).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
    let (st, v) = s.call("GET", "/api/v1/plans/abc", &t, None).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn plans_are_for_inspectors_within_their_region() {
    let s = site();
    let admin = s.token(Role::Admin, None);
    let body = json!({"township": TOWN, "from": "2026-12-01", "to": "2026-12-31", "seed": 2});
    let (st, _) = s.call("POST", "/api/v1/plans", &admin, Some(&body)).await;
    assert_eq!(st, StatusCode::CREATED);
    let viewer = s.token(Role::Viewer, None);
    let (st, v) = s.call("POST", "/api/v1/plans", &viewer, Some(&body)).await;
    error(st, &v, StatusCode::FORBIDDEN, "forbidden");
    let (st, v) = s.call("GET", "/api/v1/plans/1", &viewer, None).await;
    error(st, &v, StatusCode::FORBIDDEN, "forbidden");
    let resp = router(s.state.clone())
        .oneshot(Request::get("/api/v1/plans").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // a token of the other township neither sees nor makes this township's plans
    let other = s.token(Role::Inspector, Some("township=另一镇"));
    let (st, v) = s.call("GET", "/api/v1/plans/1", &other, None).await;
    error(st, &v, StatusCode::FORBIDDEN, "forbidden");
    let (_, list) = s.call("GET", "/api/v1/plans", &other, None).await;
    assert_eq!(list["plans"], json!([]));
    let (st, v) = s.call("POST", "/api/v1/plans", &other, Some(&body)).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
    let named = json!({"usccs": [NITRATION], "from": "2026-12-01", "to": "2026-12-31"});
    let (st, v) = s.call("POST", "/api/v1/plans", &other, Some(&named)).await;
    error(st, &v, StatusCode::NOT_FOUND, "not_found");
    // its own township works
    let own = json!({"township": "另一镇", "from": "2026-12-01", "to": "2026-12-31"});
    let (st, plan) = s.call("POST", "/api/v1/plans", &other, Some(&own)).await;
    assert_eq!(st, StatusCode::CREATED, "{plan}");
    assert_eq!(plan["enterprises"][0]["uscc"], CATERING);
    // made without a seed: a random one, kept exactly by any JSON reader
    assert!(plan["seed"].as_u64().unwrap() < 1 << 53, "{}", plan["seed"]);
    let (st, _) = s.call("GET", "/api/v1/plans/2", &other, None).await;
    assert_eq!(st, StatusCode::OK);
}

/// A data directory holding the township's records (imported with the CLI).
fn cli_data() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ndjson: String = town_records().iter().map(|r| format!("{r}\n")).collect();
    let file = dir.path().join("town.ndjson");
    std::fs::write(&file, ndjson).unwrap();
    regkb_in(&dir.path().join("data"))
        .args(["records", "import"])
        .arg(&file)
        .assert()
        .success();
    dir
}

#[test]
fn cli_plans_a_township_in_chinese_and_as_reproducible_json() {
    let dir = cli_data();
    let data = dir.path().join("data");
    let args = [
        "plan",
        "--township",
        TOWN,
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-31",
        "--seed",
        "9",
    ];
    let out = run_ok(regkb_in(&data).args(args));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("联合检查计划：{TOWN}，2026-12-01 至 2026-12-31")),
        "{text}"
    );
    assert!(text.contains("共 32 家企业"), "{text}");
    assert!(text.contains("高风险：红"), "{text}");
    assert!(text.contains("双随机抽取"), "{text}");
    assert!(text.contains("牵头：应急管理"), "{text}");
    assert!(text.contains("上门次数 "), "{text}");
    assert!(text.contains("现场用时 "), "{text}");

    let json = |seed: &str| {
        let out = regkb_in(&data)
            .args([
                "plan",
                "--township",
                TOWN,
                "--from",
                "2026-12-01",
                "--to",
                "2026-12-31",
            ])
            .args(["--seed", seed, "--json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    assert_eq!(json("9"), json("9"));
    let drawn = |bytes: Vec<u8>| -> Vec<String> {
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        v["enterprises"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["reason"] == "random")
            .map(|p| p["uscc"].as_str().unwrap().to_string())
            .collect()
    };
    assert_ne!(drawn(json("9")), drawn(json("10")));

    // --save stores it; --cap and --uscc plan one enterprise
    let out = regkb_in(&data)
        .args([
            "plan",
            "--uscc",
            NITRATION,
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
        ])
        .args(["--cap", "0", "--save"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("已保存为第 1 号计划"), "{text}");
    assert!(
        text.contains("已达年度上限，因存在重大隐患仍须参加"),
        "{text}"
    );

    // --items lists the merged checklist: with every department capped only
    // the 重大隐患 fails are visited, the rest wait
    let out = regkb_in(&data)
        .args([
            "plan",
            "--uscc",
            NITRATION,
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
        ])
        .args(["--cap", "0", "--items"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let visited: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("       ") && l.trim_start().starts_with("1."))
        .collect();
    assert!(!visited.is_empty(), "{text}");
    for line in &visited {
        assert!(line.contains("[核实并督促整改]［重大隐患］"), "{line}");
    }
    assert!(text.contains("【暂缓】"), "{text}");
    assert!(text.contains("已达上限：应急管理"), "{text}");
}

#[test]
fn cli_refuses_an_unknown_township_and_a_reversed_period() {
    let dir = cli_data();
    let data = dir.path().join("data");
    let out = regkb_in(&data)
        .args([
            "plan",
            "--township",
            "无此镇",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        unwrapped(&out.stderr).contains("没有找到乡镇`无此镇`的企业"),
        "{}",
        unwrapped(&out.stderr)
    );
    let out = regkb_in(&data)
        .args([
            "plan",
            "--township",
            TOWN,
            "--from",
            "2026-12-31",
            "--to",
            "2026-12-01",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(unwrapped(&out.stderr).contains("晚于结束日期"));
    let out = regkb_in(&data)
        .args([
            "plan",
            "--township",
            TOWN,
            "--from",
            "12/01",
            "--to",
            "2026-12-01",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        unwrapped(&out.stderr).contains("`--from`"),
        "{}",
        unwrapped(&out.stderr)
    );
}

const CSRF: &str = "0123456789abcdef0123456789abcdef";

impl Site {
    async fn page(&self, uri: &str, token: Option<&str>) -> support::Page {
        support::get_page(&self.state, uri, token).await
    }

    async fn post_form(
        &self,
        token: &str,
        csrf: Option<&str>,
        fields: &[(&str, &str)],
    ) -> support::Page {
        let mut form = form_urlencoded::Serializer::new(String::new());
        if let Some(c) = csrf {
            form.append_pair("csrf", c);
        }
        for (k, v) in fields {
            form.append_pair(k, v);
        }
        let req = Request::post("/plans")
            .header("content-type", "application/x-www-form-urlencoded")
            .header(
                "cookie",
                format!("regkb_csrf={CSRF}; regkb_session={token}"),
            )
            .body(Body::from(form.finish()))
            .unwrap();
        support::send(&self.state, req).await
    }
}

const FORM: [(&str, &str); 4] = [
    ("township", TOWN),
    ("from", "2026-12-01"),
    ("to", "2026-12-31"),
    ("seed", "5"),
];

#[tokio::test]
async fn the_plan_form_makes_a_printable_plan() {
    let s = site();
    let t = s.token(Role::Inspector, None);
    let list = s.page("/plans", Some(&t)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("还没有检查计划"));
    assert!(list.body.contains(r#"<form method="post" action="/plans""#));
    assert!(list.body.contains(r#"name="csrf""#));
    // the townships the inspector may plan are suggested
    assert!(list.body.contains(&format!(r#"<option value="{TOWN}">"#)));
    assert!(list.body.contains(r#"<option value="另一镇">"#));
    assert!(
        list.body.contains(r#"href="/plans" aria-current="page""#),
        "the nav names the page"
    );

    let made = s.post_form(&t, Some(CSRF), &FORM).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    assert_eq!(made.location(), "/plans/1");
    let page = s.page("/plans/1", Some(&t)).await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(b.contains("联合检查计划（第 1 号）"));
    assert!(b.contains("@page { size: A4"));
    assert!(b.contains("break-before: page"));
    // the figures come from the stored plan
    let plan = s.state.store().plan(1).unwrap().unwrap();
    let f = plan.figures;
    assert!(b.contains(&format!(
        r#"<td class="before">{}</td><td class="after">{}</td>"#,
        f.visits_before, f.visits_after
    )));
    assert!(b.contains(&format!(
        r#"<td class="before">{}</td><td class="after">{}</td>"#,
        f.items_before, f.items_after
    )));
    // each enterprise: reason, lead, its checklist with article links, a visit link
    for p in &plan.enterprises {
        assert!(b.contains(&format!(r#"id="e-{}""#, p.uscc)));
        assert!(b.contains(&format!("/enterprises/{}/visit?plan=1", p.uscc)));
    }
    assert!(b.contains("高风险：红"));
    assert!(b.contains("双随机抽取"));
    assert!(b.contains(r#"<dd class="lead">应急管理</dd>"#));
    assert!(b.contains(r#"class="cite" href="/law/"#));
    assert!(b.contains("核实并督促整改"));
    assert!(b.contains("企业负责人（签名）"));
    // listed afterwards
    let list = s.page("/plans", Some(&t)).await;
    assert!(list.body.contains(r#"<a href="/plans/1">第 1 号</a>"#));
}

#[tokio::test]
async fn the_plan_form_checks_csrf_input_and_roles() {
    let s = site();
    let t = s.token(Role::Inspector, None);
    let without = s.post_form(&t, None, &FORM).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    assert!(s.state.store().plan(1).unwrap().is_none());
    let reversed = s
        .post_form(
            &t,
            Some(CSRF),
            &[
                ("township", TOWN),
                ("from", "2026-12-31"),
                ("to", "2026-12-01"),
            ],
        )
        .await;
    assert_eq!(reversed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reversed.body.contains("晚于结束日期"));
    // what was typed stays in the form
    assert!(reversed.body.contains(r#"value="2026-12-31""#));
    let unknown = s
        .post_form(
            &t,
            Some(CSRF),
            &[
                ("township", "无此镇"),
                ("from", "2026-12-01"),
                ("to", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("没有找到乡镇 `无此镇` 的企业"));
    let seed = s
        .post_form(
            &t,
            Some(CSRF),
            &[
                ("township", TOWN),
                ("from", "2026-12-01"),
                ("to", "2026-12-31"),
                ("seed", "-3"),
            ],
        )
        .await;
    assert_eq!(seed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(seed.body.contains("随机种子 `-3` 应为非负整数"));
    assert!(s.state.store().plan(1).unwrap().is_none());

    let viewer = s.token(Role::Viewer, None);
    assert_eq!(
        s.page("/plans", Some(&viewer)).await.status,
        StatusCode::FORBIDDEN
    );
    let anonymous = s.page("/plans", None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().starts_with("/signin"));
    assert_eq!(
        s.page("/plans/7", Some(&t)).await.status,
        StatusCode::NOT_FOUND
    );

    // another township's inspector neither sees the plan nor lists it
    assert_eq!(
        s.post_form(&t, Some(CSRF), &FORM).await.status,
        StatusCode::SEE_OTHER
    );
    let other = s.token(Role::Inspector, Some("township=另一镇"));
    assert_eq!(
        s.page("/plans/1", Some(&other)).await.status,
        StatusCode::FORBIDDEN
    );
    let list = s.page("/plans", Some(&other)).await;
    assert!(!list.body.contains("/plans/1"));
    // and its form starts with its own township, suggesting no other
    assert!(list.body.contains(r#"name="township" value="另一镇""#));
    assert!(!list.body.contains(&format!(r#"<option value="{TOWN}">"#)));
}

/// The Chinese text of a small plan: two named enterprises, both 红 or 橙,
/// with their departments, item counts and the figures.
#[test]
fn cli_text_of_a_small_plan() {
    let dir = cli_data();
    let out = run_ok(
        regkb_in(&dir.path().join("data"))
            .args(["plan", "--uscc", NITRATION, "--uscc", CATERING])
            .args(["--from", "2026-12-01", "--to", "2026-12-31", "--seed", "3"]),
    );
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

async fn post_visit_form(
    s: &Site,
    uri: &str,
    token: &str,
    fields: &[(String, String)],
) -> support::Page {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        form.append_pair(k, v);
    }
    let req = Request::post(support::enc(uri))
        .header(
            axum::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(
            axum::http::header::COOKIE,
            format!("regkb_csrf={CSRF}; regkb_session={token}"),
        )
        .body(Body::from(form.finish()))
        .unwrap();
    support::send(&s.state, req).await
}

/// The visit form of a planned enterprise shows the plan's merged items and
/// departments; answering a merged row answers all of its rules; the plan
/// then shows the enterprise as visited, in the API and on its page.
#[tokio::test]
async fn a_visit_from_the_plan_follows_its_merged_items_and_shows_as_progress() {
    let s = site();
    let t = s.token(Role::Inspector, None);
    let body = json!({"township": TOWN, "from": "2026-12-01", "to": "2026-12-31", "seed": 5});
    let (st, plan) = s.call("POST", "/api/v1/plans", &t, Some(&body)).await;
    assert_eq!(st, StatusCode::CREATED, "{plan}");
    let id = plan["id"].as_u64().unwrap();
    // the planned enterprise with the most merged items
    let planned = plan["enterprises"].as_array().unwrap();
    let items_of = |p: &Value| -> Vec<Value> {
        p["topics"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["items"].as_array().unwrap().clone())
            .collect()
    };
    let merged = |p: &Value| {
        items_of(p)
            .iter()
            .filter(|i| i["rules"].as_array().unwrap().len() > 1)
            .count()
    };
    let p = planned.iter().max_by_key(|p| merged(p)).unwrap();
    assert!(merged(p) > 0, "no merged item in the plan");
    let uscc = p["uscc"].as_str().unwrap();
    let items = items_of(p);
    let form_uri = format!("/enterprises/{uscc}/visit");

    let page = support::get_page(&s.state, &format!("{form_uri}?plan={id}"), Some(&t)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = &page.body;
    assert!(
        html.contains(&format!("依据联合检查计划第 {id} 号")),
        "{html}"
    );
    assert!(html.contains(&format!("name=\"plan\" value=\"{id}\"")));
    // one row per merged item (plus the row for other findings), keyed by its rules
    assert_eq!(html.matches("class=\"visit-row").count(), items.len() + 1);
    let keys: Vec<String> = items
        .iter()
        .map(|i| {
            i["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap())
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    for (item, key) in items.iter().zip(&keys) {
        assert!(html.contains(&format!("id=\"item-{key}\"")), "{key}");
        let row = &html[html.find(&format!("id=\"item-{key}\"")).unwrap()..];
        let row = &row[..row.find("</details>").unwrap()];
        assert!(
            row.contains(item["action_label"].as_str().unwrap()),
            "{row}"
        );
        assert!(
            row.contains(&format!("牵头：{}", item["lead"].as_str().unwrap())),
            "{row}"
        );
        assert!(row.contains("class=\"cite"), "{row}");
    }
    // the departments of the plan for this enterprise are pre-checked, lead first
    let mut depts: Vec<String> = vec![p["lead"].as_str().unwrap().to_string()];
    for d in p["participating"].as_array().unwrap() {
        depts.push(d.as_str().unwrap().to_string());
    }
    let checked: Vec<&str> = html
        .match_indices("name=\"departments\" value=\"")
        .filter_map(|(at, m)| {
            let rest = &html[at + m.len()..];
            let end = rest.find('"')?;
            rest[end..].starts_with("\" checked").then(|| &rest[..end])
        })
        .collect();
    assert_eq!(checked, depts);

    // a plan without the enterprise, an unknown plan: 404; a plan reaching
    // outside the token's region: 403
    let page = support::get_page(
        &s.state,
        &format!("/enterprises/{CATERING}/visit?plan={id}"),
        Some(&t),
    )
    .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("不包括该企业"), "{}", page.body);
    let page = support::get_page(&s.state, &format!("{form_uri}?plan=99"), Some(&t)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("找不到编号为 `99` 的检查计划"));
    let other = s.token(Role::Inspector, Some("另一镇"));
    let page = support::get_page(
        &s.state,
        &format!("/enterprises/{CATERING}/visit?plan={id}"),
        Some(&other),
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);

    // answer the first merged row as compliant: one item with all its rules
    let (k, key) = keys
        .iter()
        .enumerate()
        .find(|(_, k)| k.contains('+'))
        .unwrap();
    let today = regkb::search::today().to_string();
    let mut fields = vec![
        ("csrf".to_string(), CSRF.to_string()),
        ("plan".to_string(), id.to_string()),
        ("date".to_string(), today.clone()),
        ("inspectors".to_string(), "王检查".to_string()),
        (format!("outcome_{key}"), "compliant".to_string()),
    ];
    for d in &depts {
        fields.push(("departments".to_string(), d.clone()));
    }
    // refused at its row, what was typed kept, nothing written
    let mut wrong = fields.clone();
    wrong.retain(|(k, _)| !k.starts_with("outcome_"));
    wrong.push((format!("outcome_{key}"), "confirmed".to_string()));
    wrong.push((format!("note_{key}"), "现场核实不符合".to_string()));
    let refused = post_visit_form(&s, &form_uri, &t, &wrong).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let html = &refused.body;
    assert!(html.contains(&format!("visit-row has-errors\" id=\"item-{key}\"")));
    assert!(html.contains(&format!("依据联合检查计划第 {id} 号")));
    let row = &html[html.find(&format!("id=\"item-{key}\"")).unwrap()..];
    let row = &row[..row.find("</details>").unwrap()];
    assert!(row.contains("缺少整改责任人"), "{row}");
    assert!(row.contains("现场核实不符合"), "{row}");
    assert!(
        s.state
            .store()
            .visits(None, None, None, None)
            .unwrap()
            .is_empty()
    );
    let done = post_visit_form(&s, &form_uri, &t, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let visits = s.state.store().visits(None, None, None, None).unwrap();
    assert_eq!(visits.len(), 1);
    let v = &visits[0];
    assert_eq!(v.visit.plan, Some(id));
    assert_eq!(v.visit.departments, depts);
    assert_eq!(v.visit.items.len(), 1);
    let rules: Vec<&str> = items[k]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(v.visit.items[0].rules, rules);

    // progress: in the API and on the plan page
    let (st, again) = s
        .call("GET", &format!("/api/v1/plans/{id}"), &t, None)
        .await;
    assert_eq!(st, StatusCode::OK);
    let progress = &again["progress"];
    assert_eq!(progress["visited"], 1);
    assert_eq!(progress["planned"], planned.len());
    let mine = progress["enterprises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["uscc"] == uscc)
        .unwrap();
    assert_eq!(mine["visited"], true);
    assert_eq!(
        mine["visits"],
        json!([{"id": v.id, "date": today, "dangers": 0}])
    );
    let page = support::get_page(&s.state, &format!("/plans/{id}"), Some(&t)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("已检查 1 / {} 家", planned.len())),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!(
        "<a href=\"/enterprises/{uscc}#visit-{}\">{today}</a>，登记隐患 0 项",
        v.id
    )));
    // the profile's visit list links the plan
    let profile = support::get_page(&s.state, &format!("/enterprises/{uscc}"), Some(&t)).await;
    assert!(
        profile.body.contains(&format!(
            "<a class=\"plan-link\" href=\"/plans/{id}\">联合检查计划第 {id} 号</a>"
        )),
        "{}",
        profile.body
    );
    // a visit of the plan with another name for a department is refused at the top
    fields.push(("departments".to_string(), "安监站".to_string()));
    let refused = post_visit_form(&s, &form_uri, &t, &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("`安监站` 不是规则使用的部门名称"));
    assert!(
        refused
            .body
            .contains("name=\"departments\" value=\"安监站\" checked")
    );
}
