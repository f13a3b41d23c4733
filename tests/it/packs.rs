//! The shipped rule packs (`rules/`) end to end: every test enterprise in
//! `tests/fixtures/enterprises/*.json` goes through `regkb check --json` with
//! the whole rules folder and must give its expected findings; the packs'
//! own examples pass; `regkb rules coverage` reports every source.
//!
//! A fixture is `{"description", "as_of", "record", "expect"}` where `expect`
//! maps `fail` / `pass` / `unknown` / `not_applicable` to lists of rule ids,
//! and optionally `major_hazards` to `{"unit id": grade or null}` (null: the
//! unit is not a major hazard source), and `absent` to ids of rules that
//! must give no finding (not in force on `as_of`). Chemical enterprises are named
//! `hazchem-*.json`, the others `general-*.json`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn regkb() -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("regkb");
    // no imported library: citations are checked for form only
    cmd.env("REGKB_DATA_DIR", root().join("target/it-empty-data"));
    cmd.current_dir(root());
    cmd
}

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/enterprises"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

/// Runs one fixture; returns the differences from its expectations.
fn run_fixture(path: &Path, tmp: &Path) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let as_of = fixture["as_of"].as_str().unwrap_or("2026-11-28");
    let record_path = tmp.join(&name);
    std::fs::write(&record_path, fixture["record"].to_string()).unwrap();
    let out = regkb()
        .args(["check", "--json", "--as-of", as_of])
        .arg(&record_path)
        .output()
        .unwrap();
    let mut problems = Vec::new();
    if out.status.code() != Some(0) {
        problems.push(format!(
            "{name}: exit {:?}: {}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        return problems;
    }
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = result["findings"].as_array().unwrap();
    let outcome_of = |id: &str| {
        findings
            .iter()
            .find(|f| f["rule"] == id)
            .map(|f| f["outcome"].as_str().unwrap_or("").to_string())
    };
    for outcome in ["fail", "pass", "unknown", "not_applicable"] {
        let Some(ids) = fixture["expect"][outcome].as_array() else {
            continue;
        };
        for id in ids {
            let id = id.as_str().unwrap();
            match outcome_of(id) {
                Some(got) if got == outcome => {}
                Some(got) => problems.push(format!("{name}: {id} expected {outcome}, got {got}")),
                None => problems.push(format!("{name}: {id} expected {outcome}, no finding")),
            }
        }
    }
    if let Some(ids) = fixture["expect"]["absent"].as_array() {
        for id in ids {
            let id = id.as_str().unwrap();
            if let Some(got) = outcome_of(id) {
                problems.push(format!(
                    "{name}: {id} expected no finding (not in force), got {got}"
                ));
            }
        }
    }
    let Some(hazards) = result["major_hazards"].as_array() else {
        problems.push(format!("{name}: no major_hazards in the result"));
        return problems;
    };
    if let Some(expected) = fixture["expect"]["major_hazards"].as_object() {
        for (unit, grade) in expected {
            match hazards.iter().find(|h| h["unit"] == unit.as_str()) {
                None => problems.push(format!("{name}: no major_hazards entry for {unit}")),
                Some(h) => {
                    if &h["grade"] != grade {
                        problems.push(format!(
                            "{name}: unit {unit} grade expected {grade}, got {} (s = {}, r = {})",
                            h["grade"], h["s"], h["r"]
                        ));
                    }
                    if h["is_major"] != Value::Bool(!grade.is_null()) {
                        problems.push(format!("{name}: unit {unit} is_major is {}", h["is_major"]));
                    }
                }
            }
        }
    }
    problems
}

#[test]
fn every_test_enterprise_gives_its_expected_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let all = fixtures();
    assert!(
        all.iter()
            .filter(|p| p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("hazchem-"))
            .count()
            >= 13,
        "at least 13 chemical enterprises"
    );
    let problems: Vec<String> = all
        .iter()
        .flat_map(|p| run_fixture(p, tmp.path()))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_fixture_expects_something() {
    for p in fixtures() {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let n: usize = ["fail", "pass", "unknown", "not_applicable"]
            .iter()
            .filter_map(|k| v["expect"][k].as_array())
            .map(Vec::len)
            .sum();
        assert!(n >= 2, "{}: too few expectations", p.display());
        assert!(v["description"].as_str().is_some_and(|d| !d.is_empty()));
    }
}

#[test]
fn the_whole_pack_checks_and_its_examples_pass() {
    regkb().args(["rules", "check", "rules"]).assert().success();
    regkb().args(["rules", "test", "rules"]).assert().success();
}

#[test]
fn coverage_reports_rules_and_marks_per_source() {
    let out = regkb()
        .args(["rules", "coverage", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cov: Value = serde_json::from_slice(&out.stdout).unwrap();
    let source = |name: &str| {
        cov.as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == name)
            .unwrap_or_else(|| panic!("no coverage for {name}"))
            .clone()
    };
    let whp = source("中华人民共和国危险化学品安全法");
    let covered: Vec<&str> = whp["covered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["provision"].as_str().unwrap())
        .collect();
    for art in [
        "第十三条",
        "第二十九条",
        "第三十条",
        "第三十四条",
        "第三十六条",
        "第三十七条",
        "第三十八条",
        "第三十九条",
        "第四十条",
        "第四十一条",
        "第四十八条",
        "第五十四条",
        "第五十五条",
        "第九十一条",
    ] {
        assert!(covered.contains(&art), "{art} has no rule: {covered:?}");
    }
    assert!(
        whp["not_checkable"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["provision"] == "第四十二条")
    );
    let hz = source("化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）");
    assert_eq!(hz["total"], 20);
    assert_eq!(hz["open"].as_array().unwrap().len(), 0, "{hz}");
    let handled =
        hz["covered"].as_array().unwrap().len() + hz["not_checkable"].as_array().unwrap().len();
    assert_eq!(handled, 20);
    // every item has a rule: the on-site items give `unknown` until an inspector records the facts
    assert_eq!(hz["covered"].as_array().unwrap().len(), 20, "{hz}");
    assert_eq!(hz["warnings"].as_array().unwrap().len(), 0, "{hz}");
    let gm = source("工贸企业重大事故隐患判定标准（应急管理部令第10号）");
    let gm_covered: Vec<&str> = gm["covered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["provision"].as_str().unwrap())
        .collect();
    for item in [
        "第十一条第四项",
        "第十一条第九项",
        "第十二条第一项",
        "第十二条第二项",
    ] {
        assert!(gm_covered.contains(&item), "{item} has no rule: {gm}");
    }
    assert_eq!(gm["total"], 17, "{gm}");
    assert_eq!(gm["open"].as_array().unwrap().len(), 0, "{gm}");
    assert_eq!(gm["not_checkable"].as_array().unwrap().len(), 0, "{gm}");
}

/// The on-site items of the 重大隐患 criteria: a record without the facts an
/// inspector observes gets `unknown` naming them; once they are recorded the
/// rule decides.
#[test]
fn on_site_items_are_unknown_until_the_inspection_facts_are_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let check = |record: Value| -> Value {
        let path = tmp.path().join("r.json");
        std::fs::write(&path, record.to_string()).unwrap();
        let out = regkb()
            .args(["check", "--json", "--as-of", "2026-11-28"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let finding = |result: &Value, id: &str| {
        result["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == id)
            .unwrap_or_else(|| panic!("no finding for {id}"))
            .clone()
    };
    let cold_store = |freezer: Value| {
        serde_json::json!({
            "uscc": "91350182MA2Y7K3L5U", "name": "某冷库", "category": "工贸",
            "ammonia_refrigeration": freezer,
        })
    };
    let before = check(cold_store(
        serde_json::json!({"uses_ammonia": true, "quick_freezers": true}),
    ));
    let f = finding(&before, "GM-012-2");
    assert_eq!(f["outcome"], "unknown");
    let missing: Vec<&str> = f["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(
        missing.contains(&"/ammonia_refrigeration/freezer_room_separate"),
        "{missing:?}"
    );
    assert!(
        missing.contains(&"/ammonia_refrigeration/freezer_room_workers"),
        "{missing:?}"
    );
    for (workers, outcome) in [(9, "pass"), (10, "fail")] {
        let after = check(cold_store(serde_json::json!({
            "uses_ammonia": true, "quick_freezers": true,
            "freezer_room_separate": true, "freezer_room_workers": workers,
        })));
        assert_eq!(
            finding(&after, "GM-012-2")["outcome"],
            outcome,
            "{workers} 人"
        );
        assert_eq!(finding(&after, "GM-012-2")["severity"], "重大隐患");
    }

    let plant = |unit: Value| {
        serde_json::json!({
            "uscc": "91320412MA1P8Q2R4J", "name": "某化工厂", "category": "危化生产",
            "units": [unit],
        })
    };
    let before = check(plant(
        serde_json::json!({"id": "加氢装置", "kind": "生产单元", "controls": {}}),
    ));
    let f = finding(&before, "HZ-15");
    assert_eq!(f["outcome"], "unknown");
    assert_eq!(f["missing"][0], "/units/0/controls/relief_devices_disabled");
    assert!(f["explanation"].as_str().unwrap().contains("需现场核查"));
    let after = check(plant(serde_json::json!({
        "id": "加氢装置", "kind": "生产单元", "controls": {"relief_devices_disabled": true},
    })));
    let f = finding(&after, "HZ-15");
    assert_eq!(f["outcome"], "fail");
    assert!(f["explanation"].as_str().unwrap().contains("加氢装置"));
}
