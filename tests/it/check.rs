//! `regkb check` end to end: the contract's JSON for every good fixture
//! (snapshots, evaluated with `rules/examples` on a fixed day), the Chinese
//! report, rejections with exit code 2, the published JSON Schema, and
//! "checking never panics" over generated records.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use regkb::check::{Outcome, Summary};
use serde_json::Value;

const AS_OF: &str = "2026-11-28";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn regkb() -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("regkb");
    // a data dir without a library: citations are not resolved against a corpus
    cmd.env("REGKB_DATA_DIR", root().join("target/it-empty-data"));
    cmd.current_dir(root());
    cmd
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/records").join(name)
}

/// Runs `regkb check --json` on a file and returns (exit code, stdout as JSON).
fn check_json(path: &Path) -> (i32, Value) {
    let out = regkb()
        .args([
            "check",
            "--json",
            "--as-of",
            AS_OF,
            "--rules",
            "rules/examples",
        ])
        .arg(path)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {:?} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

#[test]
fn good_fixtures_give_the_contract_json() {
    insta::glob!("../fixtures/records", "good/*.json", |path| {
        let (code, json) = check_json(path);
        assert_eq!(code, 0);
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in [
            "enterprise",
            "as_of",
            "summary",
            "findings",
            "major_hazards",
        ] {
            assert!(keys.contains(&key), "{key} missing in {keys:?}");
        }
        let findings: Vec<regkb::check::Finding> =
            serde_json::from_value(json["findings"].clone()).unwrap();
        let summary: Summary = serde_json::from_value(json["summary"].clone()).unwrap();
        assert_eq!(summary, Summary::of(&findings));
        insta::assert_json_snapshot!(json);
    });
}

#[test]
fn a_minimal_record_never_fails() {
    let (code, json) = check_json(&fixture("good/minimal.json"));
    assert_eq!(code, 0);
    assert_eq!(json["summary"]["fail"], 0);
    assert_eq!(json["summary"]["pass"], 0);
    for f in json["findings"].as_array().unwrap() {
        let outcome = f["outcome"].as_str().unwrap();
        assert!(outcome == "unknown" || outcome == "not_applicable", "{f}");
        if outcome == "unknown" {
            assert!(!f["missing"].as_array().unwrap().is_empty(), "{f}");
        }
    }
}

#[test]
fn human_report_is_grouped_and_cited() {
    let out = regkb()
        .args(["check", "--as-of", AS_OF, "--rules", "rules/examples"])
        .arg(fixture("good/trade-dust.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!(text);
    let major = text.find("【不符合 · 重大隐患】").unwrap();
    let general = text.find("【不符合 · 一般隐患】").unwrap();
    let unknown = text.find("【待现场核查】").unwrap();
    assert!(major < general && general < unknown);
    assert!(text.contains("《中华人民共和国安全生产法》第二十四条第二款"));
}

#[test]
fn bad_records_exit_2_with_every_problem() {
    for name in [
        "bad/wrong-types.json",
        "bad/bad-uscc.json",
        "bad/impossible-date.json",
        "bad/negative-quantity.json",
        "bad/unknown-field.json",
    ] {
        let (code, json) = check_json(&fixture(name));
        assert_eq!(code, 2, "{name}");
        assert_eq!(json["rejected"], true);
        assert!(!json["problems"].as_array().unwrap().is_empty());
        assert!(json.get("findings").is_none(), "nothing half-applied");
        for p in json["problems"].as_array().unwrap() {
            assert!(p["line"].as_u64().is_some(), "{name}: {p}");
        }
    }
    // the text form goes to stderr, with pointers
    regkb()
        .args(["check", "--as-of", AS_OF])
        .arg(fixture("bad/negative-quantity.json"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(
            "/units/0/chemicals/0/max_quantity_t（第15行第29列）：`max_quantity_t`（设计最大量）不能小于 0，实际为 `-3.0`",
        ));
}

#[test]
fn stdin_deep_nesting_and_size_are_rejected_cleanly() {
    regkb()
        .args(["check", "--json", "-"])
        .write_stdin("[".repeat(100_000))
        .assert()
        .code(2)
        .stdout(predicates::str::contains("嵌套层数超过上限 32 层"));
    let big = format!(
        r#"{{"uscc": "91330481MA2C10002D", "name": "{}"}}"#,
        "x".repeat(11 * 1024 * 1024)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    std::fs::write(&path, big).unwrap();
    regkb()
        .args(["check", "--json"])
        .arg(&path)
        .assert()
        .code(2)
        .stdout(predicates::str::contains("记录过大"));
}

#[test]
fn stdin_record_is_checked() {
    let text = std::fs::read_to_string(fixture("good/gas-station.json")).unwrap();
    let out = regkb()
        .args([
            "check",
            "--json",
            "--as-of",
            AS_OF,
            "--rules",
            "rules/examples",
            "-",
        ])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["enterprise"], "91330424MA2E30004Q");
    assert_eq!(json["as_of"], AS_OF);
}

#[test]
fn usage_errors_exit_1() {
    regkb()
        .args([
            "check",
            "--as-of",
            "2026-02-30",
            "tests/fixtures/records/good/minimal.json",
        ])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "`--as-of` 的日期 `2026-02-30` 不存在",
        ));
    let out = regkb()
        .args(["check", "tests/fixtures/records/good/no-such-file.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = crate::support::unwrapped(&out.stderr);
    assert!(
        err.contains("读不了记录文件`tests/fixtures/records/good/no-such-file.json`：没有这个文件"),
        "{err}"
    );
}

#[test]
fn print_schema_matches_the_published_file() {
    let out = regkb().args(["check", "--print-schema"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let published: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("rules/schema/record.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(printed, published);
}

#[test]
fn outcome_labels_are_chinese() {
    assert_eq!(Outcome::Unknown.label(), "待现场核查");
}

/// The example pack, compiled through the library API (no CLI).
fn example_program() -> regkb::dsl::CheckedProgram {
    let schema = regkb::record::Schema::load_dir(&root().join("rules/schema")).unwrap();
    let tables = root().join("rules/tables");
    let reader = move |p: &str| -> Result<String, String> {
        std::fs::read_to_string(tables.join(p)).map_err(|e| e.to_string())
    };
    let mut files = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("rules/examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rule"))
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let src = regkb::dsl::SourceFile::new(p.display().to_string(), text);
        files.push(regkb::dsl::parse(&src).unwrap());
    }
    regkb::dsl::check(&files, &schema, &reader, None)
        .unwrap()
        .program
}

#[test]
fn checking_generated_records_is_consistent() {
    let program = example_program();
    let schema = regkb::record::Schema::load_dir(&root().join("rules/schema")).unwrap();
    let as_of = jiff::civil::date(2026, 11, 28);
    let mut outcomes = std::collections::BTreeSet::new();
    for v in regkb::record::RecordGenerator::new(99).take(1500) {
        let report = regkb::check::run(&program, &schema, &v, as_of).unwrap();
        let r = &report.result;
        assert_eq!(r.enterprise, v["uscc"].as_str().unwrap());
        assert_eq!(r.summary, Summary::of(&r.findings));
        let ids: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "findings in rule-id order");
        for f in &r.findings {
            outcomes.insert(f.outcome);
            match f.outcome {
                Outcome::Unknown => assert!(!f.missing.is_empty(), "{}: {v}", f.rule),
                _ => assert!(f.missing.is_empty(), "{}: {v}", f.rule),
            }
            for m in &f.missing {
                assert!(m.starts_with('/'), "{m}");
            }
        }
        let units = v.get("units").and_then(Value::as_array).map_or(0, Vec::len);
        assert_eq!(r.major_hazards.len(), units);
    }
    assert_eq!(outcomes.len(), 4, "all four outcomes occur: {outcomes:?}");
}

#[test]
fn a_rejected_record_is_not_evaluated() {
    let program = example_program();
    let schema = regkb::record::Schema::load_dir(&root().join("rules/schema")).unwrap();
    let v = serde_json::json!({"uscc": "91330481MA2C10002D", "name": "甲", "employees": -1});
    let rejected =
        regkb::check::run(&program, &schema, &v, jiff::civil::date(2026, 11, 28)).unwrap_err();
    assert_eq!(rejected.problems.len(), 1);
    assert_eq!(rejected.problems[0].pointer, "/employees");
}
