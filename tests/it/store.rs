//! The record store through its public API: writes, history, as-of reads,
//! provenance, rejections, tokens, audit, checks and rule sets.

use regkb::check::{CheckResult, Summary as CheckSummary};
use regkb::record::Uscc;
use regkb::store::{Actor, AsOf, ChangeOp, ListFilter, RegionScope, Role, Store, StoreError};
use serde_json::{Value, json};

use crate::support::{regkb_in, schema, temp_store, unwrapped};

const USCC: &str = "91330481MA2B00000Y";

/// The JSON pointers of a rejected write's problems.
fn pointers(err: &StoreError) -> Vec<&str> {
    err.problems()
        .unwrap()
        .iter()
        .map(|p| p.pointer.as_str())
        .collect()
}

fn uscc() -> Uscc {
    USCC.parse().unwrap()
}

fn base() -> Value {
    json!({
        "uscc": USCC,
        "name": "测试化工有限公司",
        "region": {"province": "浙江省", "city": "嘉兴市", "county": "海宁市", "township": "袁花镇"},
        "category": "危化生产",
        "employees": 40
    })
}

#[test]
fn put_patch_history_and_as_of() {
    let (dir, store) = temp_store();
    let schema = schema();
    let by = Actor::department("应急管理局");
    assert_eq!(store.put(&uscc(), base(), &by, &schema).unwrap(), 1);
    let between = jiff::Timestamp::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let v2 = store
        .patch(
            &uscc(),
            json!({"employees": 55, "category": null}),
            &by,
            &schema,
        )
        .unwrap();
    assert_eq!(v2, 2);

    let now = store.get(&uscc(), None).unwrap().unwrap();
    assert_eq!(now.version, 2);
    assert_eq!(now.record["employees"], 55);
    assert!(now.record.get("category").is_none());
    assert!(!now.provenance.contains_key("/category"));

    let then = store
        .get(&uscc(), Some(AsOf::Time(between)))
        .unwrap()
        .unwrap();
    assert_eq!(then.version, 1);
    assert_eq!(then.record, base());
    let before = jiff::Timestamp::from_second(0).unwrap();
    assert!(
        store
            .get(&uscc(), Some(AsOf::Time(before)))
            .unwrap()
            .is_none()
    );
    let today = "2999-01-01".parse::<AsOf>().unwrap();
    assert_eq!(store.get(&uscc(), Some(today)).unwrap().unwrap().version, 2);

    let history = store.history(&uscc()).unwrap();
    let versions: Vec<_> = history.iter().map(|c| c.version).collect();
    assert_eq!(versions, [1, 2]);
    assert!(matches!(&history[0].op, ChangeOp::Put(v) if *v == base()));
    assert!(matches!(&history[1].op, ChangeOp::Patch(p) if p["employees"] == 55));
    assert_eq!(history[1].record, now.record);

    // survives a reopen
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.get(&uscc(), None).unwrap().unwrap().record,
        now.record
    );
    assert_eq!(store.history(&uscc()).unwrap().len(), 2);
}

#[test]
fn provenance_follows_each_department() {
    let (_dir, store) = temp_store();
    let schema = schema();
    let safety = Actor::department("应急管理局");
    let fire = Actor::system("消防监督系统");
    store.put(&uscc(), base(), &safety, &schema).unwrap();
    store
        .patch(&uscc(), json!({"employees": 41}), &fire, &schema)
        .unwrap();
    let r = store.get(&uscc(), None).unwrap().unwrap();
    let who = |ptr: &str| (r.provenance[ptr].by.id.clone(), r.provenance[ptr].version);
    assert_eq!(who("/employees"), ("消防监督系统".to_string(), 2));
    assert_eq!(who("/name"), ("应急管理局".to_string(), 1));
    assert_eq!(who("/region/township"), ("应急管理局".to_string(), 1));
    // a whole replace re-attributes only what changed
    let mut again = r.record.clone();
    again["name"] = json!("测试化工股份公司");
    store.put(&uscc(), again, &safety, &schema).unwrap();
    let r = store.get(&uscc(), None).unwrap().unwrap();
    assert_eq!(r.provenance["/name"].version, 3);
    assert_eq!(r.provenance["/employees"].by.id, "消防监督系统");
    let pointers: Vec<_> = r.provenance.keys().cloned().collect();
    assert_eq!(pointers, regkb::store::leaf_pointers(&r.record));
}

#[test]
fn rejected_writes_leave_nothing() {
    let (_dir, store) = temp_store();
    let schema = schema();
    let by = Actor::department("应急管理局");
    let bad = json!({"uscc": USCC, "employees": -3, "colour": "red"});
    let err = store.put(&uscc(), bad, &by, &schema).unwrap_err();
    assert_eq!(pointers(&err), ["/name", "/colour", "/employees"]);
    assert!(store.get(&uscc(), None).unwrap().is_none());
    assert!(store.history(&uscc()).unwrap().is_empty());
    assert!(store.audit_log(10, 0).unwrap().is_empty());
    assert_eq!(store.record_count(), 0);

    store.put(&uscc(), base(), &by, &schema).unwrap();
    // a patch whose result is invalid, a USCC that is not the key, a patch that is not an object
    let cases = [
        (
            json!({"employees": "many", "name": null}),
            vec!["/name", "/employees"],
        ),
        (json!({"uscc": "91330481MA2B000001"}), vec!["/uscc"]),
        (json!([1, 2]), vec![""]),
    ];
    for (patch, expect) in cases {
        let err = store
            .patch(&uscc(), patch.clone(), &by, &schema)
            .unwrap_err();
        assert_eq!(pointers(&err), expect, "patch {patch}");
    }
    let other = json!({"uscc": "91330481MA2B000001", "name": "另一家"});
    assert!(matches!(
        store.put(&uscc(), other, &by, &schema),
        Err(StoreError::Rejected(_))
    ));
    let r = store.get(&uscc(), None).unwrap().unwrap();
    assert_eq!((r.version, &r.record), (1, &base()));
    assert_eq!(store.history(&uscc()).unwrap().len(), 1);
    assert_eq!(store.audit_log(10, 0).unwrap().len(), 1);
}

#[test]
fn tokens_are_stored_hashed() {
    let (dir, store) = temp_store();
    let cli = Actor::cli("token create");
    assert!(!store.has_admin().unwrap());
    let (admin, admin_info) = store
        .create_token(Role::Admin, None, "管理员", &cli)
        .unwrap();
    let scope: RegionScope = "浙江省/嘉兴市/海宁市".parse().unwrap();
    let (inspector, info) = store
        .create_token(Role::Inspector, Some(scope.clone()), "海宁执法", &cli)
        .unwrap();
    assert!(store.has_admin().unwrap());
    assert!(admin.starts_with("rkb_") && admin.len() == 68);
    assert_ne!(admin, inspector);
    assert_eq!(store.authenticate(&inspector).unwrap().unwrap(), info);
    assert_eq!(info.region, Some(scope));
    assert!(store.authenticate("rkb_0000").unwrap().is_none());
    assert!(store.authenticate(&admin[..67]).unwrap().is_none());
    assert_eq!(store.list_tokens().unwrap().len(), 2);

    store.revoke_token(&admin_info.id, &cli).unwrap();
    assert!(store.authenticate(&admin).unwrap().is_none());
    assert!(!store.has_admin().unwrap());
    assert!(matches!(
        store.revoke_token("nope", &cli),
        Err(StoreError::NotFound { .. })
    ));
    drop(store);

    // the plaintext is nowhere in the database files
    let mut files = 0;
    for entry in walkdir::WalkDir::new(dir.path()) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            files += 1;
            let bytes = std::fs::read(entry.path()).unwrap();
            for token in [&admin, &inspector] {
                let secret = &token.as_bytes()[4..];
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret),
                    "token found in {}",
                    entry.path().display()
                );
            }
        }
    }
    assert!(files > 0);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.authenticate(&inspector).unwrap().unwrap().id, info.id);
}

#[test]
fn every_write_is_audited() {
    let (_dir, store) = temp_store();
    let schema = schema();
    let by = Actor::token("abc123", "海宁执法");
    store.put(&uscc(), base(), &by, &schema).unwrap();
    store
        .patch(&uscc(), json!({"employees": 3}), &by, &schema)
        .unwrap();
    let result = CheckResult {
        enterprise: USCC.to_string(),
        as_of: jiff::civil::date(2026, 11, 28),
        summary: CheckSummary::default(),
        findings: vec![],
        major_hazards: vec![],
        conflicts: vec![],
    };
    store.save_check(&uscc(), &result, Some(2), &by).unwrap();
    let (_, t) = store.create_token(Role::Viewer, None, "", &by).unwrap();
    store.revoke_token(&t.id, &by).unwrap();
    store
        .save_rule_set("2026.1", vec![("a.rule".into(), "规则".into())], &by)
        .unwrap();
    store.audit(&by, "rules.rollback", "1", json!({})).unwrap();
    let log = store.audit_log(100, 0).unwrap();
    let actions: Vec<_> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "record.put",
            "record.patch",
            "check.save",
            "token.create",
            "token.revoke",
            "ruleset.publish",
            "rules.rollback"
        ]
    );
    assert!(log.iter().all(|e| e.actor == by));
    assert!(log.windows(2).all(|w| w[0].seq > w[1].seq));
    assert_eq!(store.audit_log(2, 1).unwrap()[0].action, "ruleset.publish");
    assert_eq!(log[6].target, USCC);
}

#[test]
fn checks_and_rule_sets_keep_every_version() {
    let (_dir, store) = temp_store();
    let by = Actor::cli("test");
    assert!(store.latest_check(&uscc()).unwrap().is_none());
    let mut result = CheckResult {
        enterprise: USCC.to_string(),
        as_of: jiff::civil::date(2026, 11, 28),
        summary: CheckSummary::default(),
        findings: vec![],
        major_hazards: vec![],
        conflicts: vec![],
    };
    store.save_check(&uscc(), &result, None, &by).unwrap();
    result.as_of = jiff::civil::date(2026, 11, 29);
    store.save_check(&uscc(), &result, Some(4), &by).unwrap();
    let latest = store.latest_check(&uscc()).unwrap().unwrap();
    assert_eq!(
        (latest.result.as_of, latest.record_version),
        (result.as_of, Some(4))
    );
    assert_eq!(store.checks(&uscc()).unwrap().len(), 2);

    assert!(store.current_rule_set().unwrap().is_none());
    let one = store
        .save_rule_set("v1", vec![("x.rule".into(), "一".into())], &by)
        .unwrap();
    let two = store
        .save_rule_set("v2", vec![("x.rule".into(), "二".into())], &by)
        .unwrap();
    assert_eq!((one, two), (1, 2));
    let current = store.current_rule_set().unwrap().unwrap();
    assert_eq!(
        (current.version.as_str(), current.files[0].1.as_str()),
        ("v2", "二")
    );
    assert_eq!(store.rule_set(1).unwrap().unwrap().files[0].1, "一");
    let versions: Vec<_> = store
        .rule_set_history()
        .unwrap()
        .into_iter()
        .map(|s| s.version)
        .collect();
    assert_eq!(versions, ["v1", "v2"]);
}

#[test]
fn list_filters_by_region_category_and_scope() {
    let (_dir, store) = temp_store();
    let schema = schema();
    let by = Actor::cli("test");
    let mut generator = regkb::record::RecordGenerator::new(7);
    let records: Vec<Value> = (0..40).map(|_| generator.next_record()).collect();
    for r in &records {
        let code: Uscc = r["uscc"].as_str().unwrap().parse().unwrap();
        store.put(&code, r.clone(), &by, &schema).unwrap();
    }
    let township = records[0]["region"]["township"]
        .as_str()
        .unwrap()
        .to_string();
    let filter = ListFilter {
        township: Some(township.clone()),
        ..ListFilter::default()
    };
    let listed = store.list(&filter).unwrap();
    let expect = records
        .iter()
        .filter(|r| r["region"]["township"] == township.as_str())
        .count();
    assert_eq!(listed.len(), expect);
    assert!(
        listed
            .iter()
            .all(|s| s.region["township"] == township.as_str())
    );
    let scoped = ListFilter {
        scope: Some(format!("township={township}").parse().unwrap()),
        ..ListFilter::default()
    };
    assert_eq!(store.list(&scoped).unwrap().len(), expect);
    let nowhere = ListFilter {
        scope: Some("county=不存在县".parse().unwrap()),
        ..ListFilter::default()
    };
    assert!(store.list(&nowhere).unwrap().is_empty());
    assert_eq!(
        store.list(&ListFilter::default()).unwrap().len(),
        store.record_count()
    );
}

#[test]
fn region_scopes_parse() {
    check_scope("浙江省/嘉兴市", Ok("province=浙江省,city=嘉兴市"));
    check_scope(
        "county=海宁市,township=袁花镇",
        Ok("county=海宁市,township=袁花镇"),
    );
    check_scope("village=某村", Err("不认识的地区层级 `village`"));
    check_scope("a/b/c/d/e", Err("地区 `a/b/c/d/e`"));
    check_scope("county=", Err("缺少取值"));
}

fn check_scope(input: &str, expect: Result<&str, &str>) {
    match (input.parse::<RegionScope>(), expect) {
        (Ok(s), Ok(want)) => assert_eq!(s.to_string(), want),
        (Err(e), Err(want)) => assert!(e.contains(want), "{e}"),
        (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
    }
}

#[test]
fn import_keeps_good_lines_and_reports_bad_ones_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut generator = regkb::record::RecordGenerator::new(3);
    let good: Vec<Value> = (0..3).map(|_| generator.next_record()).collect();
    let text = format!(
        "{}\n{}\n\n{{\"uscc\": \"{USCC}\", \"employees\": -1}}\nnot json\n{}\n",
        good[0], good[1], good[2]
    );
    let file = dir.path().join("in.ndjson");
    std::fs::write(&file, text).unwrap();
    let data = dir.path().join("data");
    let out = regkb_in(&data)
        .args(["records", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("第4行 /name:"), "{err}");
    assert!(err.contains("第4行 /employees:"), "{err}");
    assert!(err.contains("第5行 （整条记录）: 不是合法的 JSON"), "{err}");
    assert!(err.contains("已导入 3 条记录，拒收 2 行"), "{err}");

    let out = regkb_in(&data)
        .args(["records", "export"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut exported: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut expect = good.clone();
    let key = |v: &Value| v["uscc"].as_str().unwrap().to_string();
    exported.sort_by_key(key);
    expect.sort_by_key(key);
    assert_eq!(exported, expect);
}

#[test]
fn records_cli_says_to_stop_the_server_when_the_store_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let data = regkb::config::DataDir::new(dir.path());
    let _held = Store::open(&data.store_dir()).unwrap();
    let out = regkb_in(dir.path())
        .args(["records", "export"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = unwrapped(&out.stderr);
    for needle in ["正被另一个进程", "regkbserve", "停止服务"] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert!(!stderr.contains("WouldBlock"), "{stderr}");
}
