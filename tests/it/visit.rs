//! On-site visits end to end: recorded over HTTP (observed facts flow into
//! the profile with `inspection` provenance and the visit date, the next
//! check knows them, hidden dangers are registered with the right level and
//! source, 当场整改 closes its danger the same day, everything audited),
//! refusals that name the item and write nothing, listings with region
//! scopes, and the CLI.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use regkb::config::DataDir;
use regkb::http::AppState;
use regkb::store::{Actor, Role};
use serde_json::{Value, json};

use crate::support::{
    api_call, fixture_record, new_token, put_records, regkb_in, repo, schema, send, service_in,
};

const USCC: &str = "92130108MA0D4E5F6K";

/// The workshop fixture: exits blocked, no extinguishers, training archive unknown.
fn workshop() -> Value {
    fixture_record("general-small-workshop.json")
}

/// A service over a fresh data directory (no statutes) holding the workshop.
fn service() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let state = service_in(dir.path());
    put_records(&state, [workshop()]);
    (dir, state)
}

fn day(offset: i64) -> String {
    let today = jiff::Zoned::now().date();
    today
        .checked_add(jiff::Span::new().days(offset))
        .unwrap()
        .to_string()
}

fn visit_body() -> Value {
    json!({
        "date": day(-1),
        "departments": ["应急管理", "消防救援"],
        "inspectors": ["王检查", "李检查"],
        "items": [
            {"rules": ["AQ-028-4"], "outcome": "danger_found", "note": "没有培训档案",
             "facts": [{"path": "/training/archive", "value": false}],
             "danger": {"owner": "马老板", "deadline": day(30)}},
            {"rules": ["AQ-042-2"], "outcome": "confirmed", "note": "出口堆放货物",
             "danger": {"owner": "马老板", "deadline": day(7)}},
            {"rules": ["TS-040"], "outcome": "danger_found", "note": "行车检验过期",
             "danger": {"owner": "马老板", "deadline": day(7), "rectification_plan": "停用并报检"}},
            {"rules": ["XF-016-2"], "outcome": "rectified", "note": "当场补配灭火器"},
            {"rules": ["AQ-024-1"], "outcome": "not_applicable", "note": "不涉及危险化学品",
             "facts": [{"path": "/hazchem_activities", "value": []}]}
        ]
    })
}

fn finding<'a>(check: &'a Value, rule: &str) -> &'a Value {
    check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap()
}

#[tokio::test]
async fn a_recorded_visit_feeds_the_profile_the_dangers_and_the_next_check() {
    let (_dir, state) = service();
    let token = new_token(&state, Role::Inspector, None, "袁花镇安监");
    let uri = format!("/api/v1/enterprises/{USCC}/visits");
    let (st, out) = api_call(&state, "POST", &uri, &token, Some(&visit_body())).await;
    assert_eq!(st, StatusCode::CREATED, "{out}");
    let visit_id = out["visit"]["id"].as_u64().unwrap();
    assert_eq!(out["visit"]["plan"], Value::Null);
    assert_eq!(out["visit"]["township"], "槐底街道");

    // dangers: level from the rule's severity, source the rule
    let dangers = out["dangers"].as_array().unwrap();
    let summary: Vec<(String, String, String)> = dangers
        .iter()
        .map(|d| {
            (
                d["source"]["rule_id"].as_str().unwrap_or("").to_string(),
                d["level"].as_str().unwrap().to_string(),
                d["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = [
        ("AQ-028-4", "一般", "待整改"),
        ("AQ-042-2", "一般", "待整改"),
        ("TS-040", "重大", "待整改"),
        ("XF-016-2", "一般", "已销号"),
    ];
    assert_eq!(
        summary,
        expect.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    assert_eq!(dangers[1]["source"]["kind"], "rule");
    // every danger knows its visit, in the danger API and on its page
    assert!(dangers.iter().all(|d| d["visit"] == visit_id), "{out}");
    let id = dangers[0]["id"].as_u64().unwrap();
    let (st, shown) = api_call(
        &state,
        "GET",
        &format!("/api/v1/dangers/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{shown}");
    assert_eq!(shown["visit"], visit_id, "{shown}");
    let page = crate::support::get_page(&state, &format!("/dangers/{id}"), Some(&token)).await;
    assert!(
        page.body.contains(&format!(
            "<a class=\"visit-link\" href=\"/enterprises/{USCC}#visit-{visit_id}\">第 {visit_id} 号现场检查记录</a>"
        )),
        "{}",
        page.body
    );
    assert_eq!(dangers[1]["found_by"], "王检查、李检查");
    // 当场整改: registered and closed through the state machine, accepted by the inspector
    let closed = &dangers[3];
    let steps: Vec<&str> = closed["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["start", "submit", "accept"]);
    assert_eq!(closed["history"][2]["by"], "王检查");
    assert_eq!(closed["measures"], "当场补配灭火器");

    // the profile: observed facts attributed to the inspection, on the visit day
    let (_, profile) = api_call(
        &state,
        "GET",
        &format!("/api/v1/enterprises/{USCC}"),
        &token,
        None,
    )
    .await;
    assert_eq!(profile["record"]["training"]["archive"], false);
    let src = &profile["provenance"]["/training/archive"];
    assert_eq!(src["by"]["kind"], "inspection", "{profile}");
    assert_eq!(src["by"]["id"], format!("visit:{visit_id}"));
    assert_eq!(src["by"]["label"], "王检查、李检查");
    assert_eq!(src["observed_on"], day(-1));
    assert_eq!(
        profile["provenance"]["/hazchem_activities"]["by"]["kind"],
        "inspection"
    );
    // untouched fields keep their source
    assert_eq!(
        profile["provenance"]["/training/all_trained"]["by"]["kind"],
        "department"
    );
    assert!(profile["provenance"]["/name"]["observed_on"].is_null());

    // the re-check stored with the visit knows the facts
    let latest = state
        .store()
        .latest_check(&USCC.parse().unwrap())
        .unwrap()
        .unwrap();
    let result = serde_json::to_value(&latest.result).unwrap();
    assert_eq!(finding(&result, "AQ-028-4")["outcome"], "fail");
    assert_eq!(finding(&result, "AQ-024-1")["outcome"], "not_applicable");
    assert_eq!(out["check"]["seq"], latest.seq);
    assert_eq!(latest.record_version, Some(2));

    // audited: the patch, each danger and transition, the visit, the check
    let actions: Vec<String> = state
        .store()
        .audit_log(50, 0)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "visit.record",
        "record.patch",
        "danger.create",
        "danger.transition",
        "check.save",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
    assert_eq!(actions.iter().filter(|a| *a == "danger.create").count(), 4);
    assert_eq!(
        actions.iter().filter(|a| *a == "danger.transition").count(),
        3
    );

    // read back: by enterprise, by id (with dangers), by township
    let (st, list) = api_call(&state, "GET", &uri, &token, None).await;
    assert_eq!((st, list["total"].as_u64()), (StatusCode::OK, Some(1)));
    let (st, one) = api_call(
        &state,
        "GET",
        &format!("/api/v1/visits/{visit_id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(one["dangers"].as_array().unwrap().len(), 4);
    let (_, town) = api_call(
        &state,
        "GET",
        "/api/v1/visits?township=槐底街道",
        &token,
        None,
    )
    .await;
    assert_eq!(town["total"], 1);
    let (_, none) = api_call(
        &state,
        "GET",
        "/api/v1/visits?township=别的镇",
        &token,
        None,
    )
    .await;
    assert_eq!(none["total"], 0);
    let (st, _) = api_call(&state, "GET", "/api/v1/visits/999", &token, None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // a token of another region sees none of it and cannot record
    let other = new_token(&state, Role::Inspector, Some("county=海宁市"), "海宁");
    let (st, _) = api_call(
        &state,
        "GET",
        &format!("/api/v1/visits/{visit_id}"),
        &other,
        None,
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (_, all) = api_call(&state, "GET", "/api/v1/visits", &other, None).await;
    assert_eq!(all["total"], 0);
    let (st, _) = api_call(&state, "POST", &uri, &other, Some(&visit_body())).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // a viewer may not record
    let viewer = new_token(&state, Role::Viewer, None, "公众");
    let (st, _) = api_call(&state, "POST", &uri, &viewer, Some(&visit_body())).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn refusals_name_the_item_and_write_nothing() {
    let (_dir, state) = service();
    let token = new_token(&state, Role::Inspector, None, "袁花镇安监");
    let uri = format!("/api/v1/enterprises/{USCC}/visits");
    let before = state.store().audit_log(100, 0).unwrap().len();
    let cases = [
        // 当场整改 of a 重大隐患 rule
        (
            json!([{"rules": ["TS-040"], "outcome": "rectified", "note": "x"}]),
            "/items/0/outcome",
        ),
        // a danger without owner
        (
            json!([{"rules": ["AQ-042-2"], "outcome": "confirmed",
                    "danger": {"owner": "", "deadline": day(7)}}]),
            "/items/0/danger/owner",
        ),
        // an observed fact of the wrong type, after a good item
        (
            json!([{"rules": ["AQ-042-2"], "outcome": "compliant"},
                   {"rules": ["AQ-028-4"], "outcome": "compliant",
                    "facts": [{"path": "/training/archive", "value": "有"}]}]),
            "/items/1/facts/0/value",
        ),
        (
            json!([{"rules": ["NO-SUCH"], "outcome": "compliant"}]),
            "/items/0/rules/0",
        ),
    ];
    for (items, pointer) in cases {
        let mut body = visit_body();
        body["items"] = items;
        let (st, out) = api_call(&state, "POST", &uri, &token, Some(&body)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
        assert_eq!(out["error"]["problems"][0]["pointer"], pointer, "{out}");
    }
    let mut future = visit_body();
    future["date"] = json!(day(2));
    let (st, out) = api_call(&state, "POST", &uri, &token, Some(&future)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(out["error"]["problems"][0]["pointer"], "/date");
    let (st, _) = api_call(
        &state,
        "POST",
        "/api/v1/enterprises/91330481MA2B00000Y/visits",
        &token,
        Some(&visit_body()),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // nothing was written
    assert_eq!(state.store().audit_log(100, 0).unwrap().len(), before);
    assert_eq!(
        state
            .store()
            .get(&USCC.parse().unwrap(), None)
            .unwrap()
            .unwrap()
            .version,
        1
    );
}

#[test]
fn cli_records_and_lists_visits() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = regkb::store::Store::open(&DataDir::new(dir.path()).store_dir()).unwrap();
        store
            .put(
                &USCC.parse().unwrap(),
                workshop(),
                &Actor::department("应急管理局"),
                &schema(),
            )
            .unwrap();
    }
    let mut body = visit_body();
    body["uscc"] = json!(USCC);
    let file = dir.path().join("visit.json");
    std::fs::write(&file, body.to_string()).unwrap();
    let out = regkb_in(dir.path())
        .current_dir(repo())
        .args(["visits", "record"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.starts_with(&format!(
            "1  {}  {USCC}  应急管理、消防救援  王检查、李检查  5 项，隐患 4 项",
            day(-1)
        )),
        "{stdout}"
    );
    assert!(stdout.contains("重大  待整改"), "{stdout}");
    assert!(stderr.contains("档案第 2 版"), "{stderr}");
    // a refused visit names the item and changes nothing
    body["items"][0]["danger"]["owner"] = json!(" ");
    std::fs::write(&file, body.to_string()).unwrap();
    let out = regkb_in(dir.path())
        .current_dir(repo())
        .args(["visits", "record"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/items/0/danger/owner"), "{stderr}");
    let out = regkb_in(dir.path())
        .args(["visits", "list", "--uscc", USCC])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("共 1 次现场检查"));
    let out = regkb_in(dir.path())
        .args(["visits", "list", "--township", "别的镇"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

// ───────────── the visit form ─────────────

const CSRF: &str = "fedcba9876543210fedcba9876543210";

async fn post_form(
    state: &AppState,
    uri: &str,
    token: &str,
    fields: &[(String, String)],
) -> crate::support::Page {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        form.append_pair(k, v);
    }
    let req = Request::post(crate::support::enc(uri))
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
    send(state, req).await
}

/// The input name of a missing fact on the form.
fn input_for(html: &str, path: &str) -> String {
    let marker = format!("\" data-path=\"{path}\"");
    let end = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input for {path}"));
    let start = html[..end].rfind("name=\"").unwrap() + "name=\"".len();
    html[start..end].to_string()
}

fn pair(k: impl Into<String>, v: impl Into<String>) -> (String, String) {
    (k.into(), v.into())
}

#[tokio::test]
async fn the_visit_form_records_a_visit_and_keeps_input_on_refusal() {
    let (_dir, state) = service();
    let token = new_token(&state, Role::Inspector, None, "袁花镇安监");
    let form_uri = format!("/enterprises/{USCC}/visit");
    let page = crate::support::get_page(&state, &form_uri, Some(&token)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = page.body;
    assert!(html.contains("记录现场检查：某五金加工小作坊"));
    assert!(html.contains("name=\"plan\" value=\"\""));
    // the departments of every item are proposed for the one joint visit,
    // as checkboxes of the departments the rules use
    assert!(
        html.contains("<input type=\"checkbox\" name=\"departments\" value=\"应急管理\" checked>"),
        "departments not prefilled"
    );
    assert_eq!(html.matches("name=\"departments\"").count(), 12);
    // rows and their fields are keyed by rule id
    let exits = "AQ-042-2";
    let archive_row = "AQ-028-4";
    assert!(html.contains(&format!("id=\"item-{exits}\"")));
    let archive = input_for(&html, "/training/archive");
    assert_eq!(archive, "fact:/training/archive");
    // a yes/no field is a select; the undecided item offers every outcome
    assert!(html.contains(&format!(
        "<select name=\"{archive}\" data-path=\"/training/archive\">"
    )));
    assert!(html.contains(&format!(
        "name=\"outcome_{archive_row}\" value=\"rectified\""
    )));

    let base = vec![
        pair("csrf", CSRF),
        pair("plan", ""),
        pair("date", day(0)),
        pair("departments", "应急管理、消防救援"),
        pair("inspectors", "王检查、李检查"),
        pair(format!("outcome_{exits}"), "confirmed"),
        pair(format!("note_{exits}"), "出口堆放纸箱"),
        pair(format!("deadline_{exits}"), day(7)),
        pair(format!("outcome_{archive_row}"), "danger_found"),
        pair(archive.clone(), "false"),
        pair(format!("owner_{archive_row}"), "马老板"),
        pair(format!("deadline_{archive_row}"), day(30)),
    ];
    // no owner for the confirmed failure: refused at its row, input kept, nothing written
    let refused = post_form(&state, &form_uri, &token, &base).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let html = &refused.body;
    let row_start = html.find(&format!("id=\"item-{exits}\"")).unwrap();
    let row = &html[row_start..];
    let row = &row[..row.find("</details>").unwrap()];
    assert!(html.contains(&format!("visit-row has-errors\" id=\"item-{exits}\"")));
    assert!(row.contains("<li>缺少整改责任人</li>"), "{row}");
    assert!(row.contains("出口堆放纸箱"));
    assert!(html.contains("<option value=\"false\" selected>否</option>"));
    assert!(
        state
            .store()
            .visits(None, None, None, None)
            .unwrap()
            .is_empty()
    );

    // an item no longer in the latest check (it changed meanwhile) is refused, input kept
    let mut stale = base.clone();
    stale.push(pair(format!("owner_{exits}"), "马老板"));
    stale.push(pair("outcome_GONE-1", "compliant"));
    let page = post_form(&state, &form_uri, &token, &stale).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("检查项 `GONE-1` 已不在最近一次检查结果中")
    );
    assert!(page.body.contains("出口堆放纸箱"));
    assert!(
        state
            .store()
            .visits(None, None, None, None)
            .unwrap()
            .is_empty()
    );

    // with the owner: recorded, back to the profile, which lists the visit and its dangers
    let mut good = base.clone();
    good.push(pair(format!("owner_{exits}"), "马老板"));
    // a danger outside the checklist, in the inspector's words
    good.push(pair("note_other", "配电箱门损坏，电线裸露"));
    good.push(pair("owner_other", "马老板"));
    good.push(pair("deadline_other", day(3)));
    let done = post_form(&state, &form_uri, &token, &good).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), format!("/enterprises/{USCC}#visits"));
    let visits = state.store().visits(None, None, None, None).unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].visit.plan, None);
    assert_eq!(visits[0].visit.inspectors, ["王检查", "李检查"]);
    let profile =
        crate::support::get_page(&state, &format!("/enterprises/{USCC}"), Some(&token)).await;
    assert!(profile.body.contains("登记隐患 3 项"), "{}", profile.body);
    let other = state.store().danger(visits[0].dangers[2]).unwrap().unwrap();
    assert_eq!(
        other.source,
        regkb::danger::Source::Inspector {
            text: "配电箱门损坏，电线裸露".into()
        }
    );
    // the observed fact's source on the profile: the inspectors, the visit, the day seen
    let seen = format!(
        "王检查、李检查（现场检查 visit:{}） {} 核实",
        visits[0].id,
        day(0)
    );
    assert!(profile.body.contains(&seen), "{}", profile.body);
    for id in &visits[0].dangers {
        assert!(profile.body.contains(&format!("href=\"/dangers/{id}\"")));
    }
    let stored = state
        .store()
        .get(&USCC.parse().unwrap(), None)
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.provenance["/training/archive"].by.kind,
        regkb::store::ActorKind::Inspection
    );
    // the profile shows the re-check: the archive is now a failure, not an unknown
    let latest = state
        .store()
        .latest_check(&USCC.parse().unwrap())
        .unwrap()
        .unwrap();
    let r = serde_json::to_value(&latest.result).unwrap();
    assert_eq!(finding(&r, "AQ-028-4")["outcome"], "fail");

    // without the CSRF value nothing is recorded
    let mut forged = good.clone();
    forged.retain(|(k, _)| k != "csrf");
    let page = post_form(&state, &form_uri, &token, &forged).await;
    assert_ne!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        state.store().visits(None, None, None, None).unwrap().len(),
        1
    );
    // the checklist links to the form
    let list = crate::support::get_page(
        &state,
        &format!("/enterprises/{USCC}/checklist"),
        Some(&token),
    )
    .await;
    assert!(
        list.body
            .contains(&format!("href=\"/enterprises/{USCC}/visit\""))
    );
}

/// Every problem of a bad visit at once, in Chinese, by pointer (snapshot).
#[tokio::test]
async fn every_problem_of_a_visit_is_named() {
    let (_dir, state) = service();
    let token = new_token(&state, Role::Inspector, None, "袁花镇安监");
    let mut body = visit_body();
    body["inspectors"] = json!([]);
    body["departments"] = json!(["应急管理", "安监站"]);
    body["plan"] = json!(999);
    body["items"] = json!([
        {"rules": ["AQ-042-2"], "outcome": "confirmed", "danger": {"owner": " ", "deadline": day(7)}},
        {"rules": ["TS-040"], "outcome": "rectified", "note": "当场整改"},
        {"rules": ["AQ-024-1"], "outcome": "not_applicable"},
        {"rules": ["AQ-028-4", "NO-SUCH"], "outcome": "compliant",
         "facts": [{"path": "/training/archive", "value": "有"},
                   {"path": "/training/colour", "value": true},
                   {"path": "/training", "value": true}],
         "danger": {"owner": "马老板", "deadline": day(7)}},
        {"rules": [], "outcome": "danger_found", "danger": {"owner": "马老板", "deadline": day(7)}}
    ]);
    let uri = format!("/api/v1/enterprises/{USCC}/visits");
    let (st, out) = api_call(&state, "POST", &uri, &token, Some(&body)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    insta::assert_json_snapshot!(out);
}
