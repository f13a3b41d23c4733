//! `regkb risk`: ranking from the record store, and weights-file errors
//! reported with file and line. (The HTTP route is tested in `http.rs`.)

use serde_json::Value;

use crate::support::{regkb_in, repo, run_ok, unwrapped};

#[test]
fn cli_ranks_stored_enterprises_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    regkb_in(dir.path())
        .args(["records", "stress", "--count", "5"])
        .assert()
        .success();
    let out = run_ok(regkb_in(dir.path()).args(["risk", "--json", "--limit", "3"]));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ranked = v.as_array().unwrap();
    assert_eq!(ranked.len(), 3);
    // nothing was checked yet: every enterprise is grey, without a score
    for a in ranked {
        assert_eq!(a["colour"], "未检查", "{a}");
        assert!(a.get("score").is_none());
    }
}

#[test]
fn cli_reports_a_bad_weights_file_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string(repo().join("rules/risk/weights.toml")).unwrap();
    let bad = shipped.replace("orange = 35", "orange = \"三十五\"");
    let line = bad.lines().position(|l| l.contains("三十五")).unwrap() + 1;
    let file = dir.path().join("weights.toml");
    std::fs::write(&file, bad).unwrap();
    let out = regkb_in(&dir.path().join("data"))
        .args(["risk", "--weights"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = unwrapped(&out.stderr);
    assert!(
        err.contains(&format!("第{line}行：设置项`orange`应为非负整数")),
        "{err}"
    );
    assert!(err.contains("weights.toml"), "{err}");
}

/// A temporary data directory holding one fixture enterprise in its store.
fn stored_fixture(file: &str) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let record = crate::support::fixture_record(file);
    let uscc = record["uscc"].as_str().unwrap().to_string();
    let path = dir.path().join("record.json");
    std::fs::write(&path, serde_json::to_string(&record).unwrap()).unwrap();
    let store = regkb::store::Store::open(&dir.path().join("store")).unwrap();
    store
        .put(
            &uscc.parse().unwrap(),
            record,
            &regkb::store::Actor::department("应急管理局"),
            &crate::support::schema(),
        )
        .unwrap();
    drop(store);
    (dir, path, uscc)
}

fn risk_of(data: &std::path::Path, uscc: &str, as_of: &str) -> Value {
    let out = run_ok(regkb_in(data).args(["risk", "--json", "--as-of", as_of]));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .find(|a| a["uscc"] == uscc)
        .unwrap()
        .clone()
}

#[test]
fn check_save_stores_the_result_so_risk_scores_it() {
    let (dir, file, uscc) = stored_fixture("hazchem-lpg-depot.json");
    assert_eq!(risk_of(dir.path(), &uscc, "2026-11-28")["colour"], "未检查");
    let out = run_ok(
        regkb_in(dir.path())
            .args(["check", "--save", "--json", "--as-of", "2026-11-28"])
            .arg(&file),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("已保存检查结果"));
    let a = risk_of(dir.path(), &uscc, "2026-11-28");
    assert_ne!(a["colour"], "未检查", "{a}");
    assert!(a["score"].as_u64().unwrap() > 0);
    let store = regkb::store::Store::open(&dir.path().join("store")).unwrap();
    let saved = store.latest_check(&uscc.parse().unwrap()).unwrap().unwrap();
    // the file is the stored version 1
    assert_eq!(saved.record_version, Some(1));
    assert_eq!(saved.result.as_of.to_string(), "2026-11-28");
}

#[test]
fn check_save_refuses_an_enterprise_not_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let file = repo().join("tests/fixtures/enterprises/general-catering-lpg.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let path = dir.path().join("r.json");
    std::fs::write(&path, fixture["record"].to_string()).unwrap();
    let out = regkb_in(&dir.path().join("data"))
        .args(["check", "--save"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = unwrapped(&out.stderr);
    assert!(err.contains("不在档案库中"), "{err}");
}

#[test]
fn cli_risk_counts_overdue_dangers_from_the_ledger_and_the_record() {
    use regkb::danger::{Level, NewDanger, Source};
    let (dir, file, uscc) = stored_fixture("hazchem-lpg-depot.json");
    regkb_in(dir.path())
        .args(["check", "--save", "--as-of", "2026-11-28"])
        .arg(&file)
        .assert()
        .success();
    let base = risk_of(dir.path(), &uscc, "2026-07-01")["score"]
        .as_u64()
        .unwrap();
    let store = regkb::store::Store::open(&dir.path().join("store")).unwrap();
    let new = NewDanger {
        uscc: uscc.parse().unwrap(),
        township: None,
        level: Level::General,
        title: "测试隐患".into(),
        source: Source::Inspector {
            text: "测试".into(),
        },
        found_by: "甲".into(),
        owner: "乙".into(),
        deadline: "2026-06-01".parse().unwrap(),
        measures: None,
        funds: None,
        rectification_plan: None,
        visit: None,
    };
    let by = regkb::store::Actor::cli("test");
    let id = store.create_danger(&new, &by).unwrap().id;
    // the record reports the same danger under the ledger number, and one more
    let mut record = store
        .get(&uscc.parse().unwrap(), None)
        .unwrap()
        .unwrap()
        .record;
    record["hidden_dangers"] = serde_json::json!([
        {"id": id.to_string(), "level": "一般", "deadline": "2026-06-01", "status": "整改中"},
        {"id": "HD-9", "level": "一般", "deadline": "2026-05-01", "status": "待整改"}
    ]);
    store
        .put(
            &uscc.parse().unwrap(),
            record,
            &by,
            &crate::support::schema(),
        )
        .unwrap();
    drop(store);
    let each = u64::from(
        regkb::risk::Weights::shipped()
            .unwrap()
            .overdue_dangers
            .each,
    );
    let a = risk_of(dir.path(), &uscc, "2026-07-01");
    assert_eq!(a["score"].as_u64().unwrap(), base + 2 * each, "{a}");
    let c = a["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "overdue_dangers")
        .unwrap();
    assert_eq!(c["sources"], serde_json::json!([format!("#{id}"), "HD-9"]));
}

/// Ranking reads each enterprise's latest check in outline (rule, outcome,
/// severity); over every pack fixture it scores exactly as the full result
/// does, and the outline is what the store hands back after a save.
#[test]
fn the_stored_outline_scores_as_the_full_check() {
    use regkb::check::run_engine;
    use regkb::config::{ContentPaths, Context, DataDir};
    use regkb::dsl::Engine;
    use regkb::record::validate_record;
    use regkb::risk::{Weights, assess};
    use regkb::store::Actor;

    let (_dir, store) = crate::support::temp_store();
    let ctx = Context {
        data: DataDir::new(store_dir_unused()),
        content: ContentPaths {
            corpus_dir: repo().join("corpus"),
            rules_dir: repo().join("rules"),
        },
    };
    let program = match regkb::pack::compile(&[], &ctx).unwrap().result {
        Ok(checked) => checked.program,
        Err(_) => panic!("the shipped rules do not compile"),
    };
    let engine = Engine::new(&program);
    let schema = crate::support::schema();
    let weights = Weights::shipped().unwrap();
    let by = Actor::cli("test");
    let mut seen = 0;
    for entry in std::fs::read_dir(repo().join("tests/fixtures/enterprises")).unwrap() {
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        let record = &fixture["record"];
        let valid = validate_record(record, &schema).unwrap();
        let day = fixture["as_of"].as_str().unwrap().parse().unwrap();
        let full = run_engine(&engine, &valid, day).result;
        let uscc = record["uscc"].as_str().unwrap().parse().unwrap();
        store.save_check(&uscc, &full, None, &by).unwrap();
        let outline = store.latest_check_outline(&uscc).unwrap().unwrap();
        assert_eq!(outline, full.outline());
        assert!(outline.findings.iter().all(|f| f.explanation.is_empty()));
        assert_eq!(
            assess(&weights, record, Some(&outline), &[]),
            assess(&weights, record, Some(&full), &[]),
            "{uscc}"
        );
        seen += 1;
    }
    assert!(seen >= 30, "{seen} fixtures");
}

fn store_dir_unused() -> std::path::PathBuf {
    std::env::temp_dir().join("regkb-risk-outline-unused")
}
