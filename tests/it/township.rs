//! One township end to end, through the HTTP API as other systems and
//! township staff use it: 36 generated enterprises plus a known failing
//! paint maker are stored and checked → ranked by risk → planned (one
//! joint visit each) → visited, failures confirmed and facts observed →
//! hidden dangers registered → rectified, accepted and closed (已销号) →
//! the re-check and the ranking show the improvement.

use axum::http::StatusCode;
use regkb::http::AppState;
use regkb::record::RecordGenerator;
use regkb::store::Role;
use serde_json::{Value, json};

use crate::support::{api_call, new_token, repo, service_in};

const TOWNSHIP: &str = "试点镇";
const PAINT: &str = "91441900MA5A200091";

struct Township {
    _dir: tempfile::TempDir,
    state: AppState,
    token: String,
}

impl Township {
    fn new() -> Township {
        let dir = tempfile::tempdir().unwrap();
        let state = service_in(dir.path());
        let token = new_token(&state, Role::Inspector, None, "乡镇安监站");
        Township {
            _dir: dir,
            state,
            token,
        }
    }

    async fn call(&self, method: &str, uri: &str, body: Option<&Value>) -> (StatusCode, Value) {
        api_call(&self.state, method, uri, &self.token, body).await
    }

    async fn ok(&self, method: &str, uri: &str, body: Option<&Value>) -> Value {
        let (st, v) = self.call(method, uri, body).await;
        assert!(st.is_success(), "{method} {uri} → {st}: {v}");
        v
    }

    async fn store_and_check(&self, record: Value) {
        let uscc = record["uscc"].as_str().unwrap().to_string();
        self.ok("PUT", &format!("/api/v1/enterprises/{uscc}"), Some(&record))
            .await;
        self.ok("POST", &format!("/api/v1/enterprises/{uscc}/check"), None)
            .await;
    }

    async fn ranking(&self) -> Vec<Value> {
        let v = self
            .ok("GET", &format!("/api/v1/risk?township={TOWNSHIP}"), None)
            .await;
        v["enterprises"].as_array().unwrap().clone()
    }

    async fn findings(&self, uscc: &str) -> Vec<Value> {
        let v = self
            .ok("POST", &format!("/api/v1/enterprises/{uscc}/check"), None)
            .await;
        v["findings"].as_array().unwrap().clone()
    }
}

fn in_township(mut record: Value) -> Value {
    record["region"]["township"] = json!(TOWNSHIP);
    record
}

/// The paint maker of the pack fixtures: expired licence, no safety
/// assessment for three years, no emergency plan, no hidden-danger system.
fn paint_maker() -> Value {
    let path = repo().join("tests/fixtures/enterprises/hazchem-small-paint-maker.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    in_township(fixture["record"].clone())
}

/// The record fields (as a plan item names them) the paint maker puts right
/// after the visit.
const FIXED: [&str; 4] = [
    "licences",
    "safety_assessment",
    "emergency_plan",
    "dual_prevention",
];

fn fixes(field: &str) -> bool {
    FIXED.iter().any(|f| field.starts_with(f))
}

fn score_of(ranking: &[Value], uscc: &str) -> (u64, String) {
    let a = ranking
        .iter()
        .find(|a| a["uscc"] == uscc)
        .unwrap_or_else(|| panic!("{uscc} not ranked"));
    (
        a["score"].as_u64().unwrap(),
        a["colour"].as_str().unwrap().to_string(),
    )
}

fn failing(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f["outcome"] == "fail")
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_township_goes_from_ranking_to_closed_dangers_and_a_better_recheck() {
    let t = Township::new();
    let today = jiff::Zoned::now().date();
    let to = today.checked_add(jiff::Span::new().days(30)).unwrap();

    // 1. the township's enterprises, stored once and checked
    let mut generator = RecordGenerator::new(2026);
    for _ in 0..36 {
        t.store_and_check(in_township(generator.next_record()))
            .await;
    }
    t.store_and_check(paint_maker()).await;

    // 2. risk ranking: everyone ranked, highest score first, parts add up
    let ranking = t.ranking().await;
    assert_eq!(ranking.len(), 37);
    let scores: Vec<u64> = ranking
        .iter()
        .map(|a| a["score"].as_u64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for a in &ranking {
        let sum: u64 = a["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["points"].as_u64().unwrap())
            .sum();
        assert_eq!(a["score"].as_u64(), Some(sum), "{a}");
    }
    let (score_before, colour_before) = score_of(&ranking, PAINT);
    assert!(
        colour_before == "红" || colour_before == "橙",
        "{colour_before}"
    );
    let fails_before = failing(&t.findings(PAINT).await);

    // 3. the joint plan: high risk first, the paint maker in it, and the
    // same seed gives the same plan
    let body = json!({"township": TOWNSHIP, "from": today, "to": to, "seed": 7});
    let plan = t.ok("POST", "/api/v1/plans", Some(&body)).await;
    let again = t.ok("POST", "/api/v1/plans", Some(&body)).await;
    let order = |p: &Value| -> Vec<Value> {
        p["enterprises"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["uscc"].clone())
            .collect()
    };
    assert_eq!(order(&plan), order(&again));
    assert_eq!(plan["enterprises"][0]["reason"], "high_risk", "{plan}");
    let figures = &plan["figures"];
    assert!(
        figures["visits_before"].as_u64() > figures["visits_after"].as_u64(),
        "{figures}"
    );
    assert!(figures["items_before"].as_u64() >= figures["items_after"].as_u64());
    let planned = plan["enterprises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["uscc"] == PAINT)
        .expect("the paint maker is planned")
        .clone();
    let lead = planned["lead"].as_str().unwrap().to_string();

    // 4. the visit: the failures the paint maker will fix are confirmed,
    // every other item is verified compliant
    let mut items = Vec::new();
    let mut confirmed_rules = Vec::new();
    for topic in planned["topics"].as_array().unwrap() {
        for item in topic["items"].as_array().unwrap() {
            let rules: Vec<Value> = item["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].clone())
                .collect();
            let fields: Vec<&str> = item["fields"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            if item["action"] == "confirm" && fields.iter().all(|f| fixes(f)) {
                confirmed_rules.extend(rules.iter().filter_map(|r| r.as_str().map(String::from)));
                items.push(json!({
                    "rules": rules, "outcome": "confirmed", "note": "现场核实属实",
                    "danger": {"owner": "郑某", "deadline": to,
                               "rectification_plan": "一个月内补办证照、完成评价并建立制度",
                               "measures": "委托评价机构；修订应急预案"},
                }));
            }
        }
    }
    assert!(!confirmed_rules.is_empty(), "{planned}");
    let visit = json!({
        "date": today, "departments": [lead], "inspectors": ["王五", "赵六"],
        "plan": plan["id"], "items": items,
    });
    let recorded = t
        .ok(
            "POST",
            &format!("/api/v1/enterprises/{PAINT}/visits"),
            Some(&visit),
        )
        .await;
    let dangers: Vec<Value> = recorded["dangers"].as_array().unwrap().clone();
    assert_eq!(dangers.len(), items.len(), "{recorded}");

    // the township now sees the open dangers, and the dashboard counts the
    // paint maker among the high-risk enterprises visited
    let open = t
        .ok("GET", &format!("/api/v1/dangers?uscc={PAINT}"), None)
        .await;
    assert_eq!(
        open["dangers"].as_array().unwrap().len(),
        dangers.len(),
        "{open}"
    );
    let board = t
        .ok(
            "GET",
            &format!("/api/v1/dashboard?township={TOWNSHIP}"),
            None,
        )
        .await;
    assert_eq!(
        board["open_total"].as_u64(),
        Some(dangers.len() as u64),
        "{board}"
    );
    let paint_row = board["high_risk"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["uscc"] == PAINT)
        .unwrap_or_else(|| panic!("{board}"))
        .clone();
    assert_eq!(paint_row["visited"], true, "{paint_row}");
    assert!(board["high_risk_visited"].as_u64() >= Some(1), "{board}");

    // 5. rectification: the enterprise fixes its record, then every danger
    // goes 待整改 → 整改中 → 待验收 → 已销号
    let patch = json!({
        "licences": [{"kind": "危险化学品安全生产许可证", "number": "(粤)WH安许证[2026]0311",
                      "issued": today, "expires": "2029-10-31"}],
        "safety_assessment": {"last_date": today, "agency": "某安全评价有限公司"},
        "emergency_plan": {"exists": true, "filed": true, "filed_date": today,
                           "drills": [{"date": today, "kind": "综合演练"}]},
        "dual_prevention": {"risk_grading": true, "hazard_investigation": true},
    });
    t.ok(
        "PATCH",
        &format!("/api/v1/enterprises/{PAINT}"),
        Some(&patch),
    )
    .await;
    for d in &dangers {
        let id = d["id"].as_u64().unwrap();
        let uri = format!("/api/v1/dangers/{id}/transitions");
        for (action, by) in [("start", "郑某"), ("submit", "郑某"), ("accept", "王五")] {
            let step = json!({"action": action, "by": by, "note": "按方案整改",
                              "rectification_plan": "一个月内补办证照、完成评价并建立制度"});
            t.ok("POST", &uri, Some(&step)).await;
        }
        let closed = t.ok("GET", &format!("/api/v1/dangers/{id}"), None).await;
        assert_eq!(closed["state"], "已销号", "{closed}");
        assert_eq!(closed["history"].as_array().unwrap().len(), 3, "{closed}");
    }

    // 6. the re-check shows the improvement, and so does the ranking
    let findings = t.findings(PAINT).await;
    let fails_after = failing(&findings);
    for rule in &confirmed_rules {
        let f = findings
            .iter()
            .find(|f| f["rule"] == rule.as_str())
            .unwrap();
        assert_eq!(f["outcome"], "pass", "{f}");
    }
    assert!(fails_after.len() < fails_before.len(), "{fails_after:?}");
    let (score_after, _) = score_of(&t.ranking().await, PAINT);
    assert!(score_after < score_before, "{score_before} → {score_after}");

    // nothing is left open on the dashboard
    let board = t
        .ok(
            "GET",
            &format!("/api/v1/dashboard?township={TOWNSHIP}"),
            None,
        )
        .await;
    assert_eq!(board["open_total"].as_u64(), Some(0), "{board}");

    // the visit is on record for the yearly cap
    let visits = t
        .ok("GET", &format!("/api/v1/enterprises/{PAINT}/visits"), None)
        .await;
    assert_eq!(visits["visits"].as_array().unwrap().len(), 1, "{visits}");
}
