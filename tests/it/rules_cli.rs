//! `regkb rules check|test|fmt|list` end to end: exit codes, Chinese
//! summaries, file:line:col diagnostics, diffs for failing examples, and the
//! formatter rewriting files in place.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn regkb(data: &Path) -> Command {
    let mut cmd = Command::cargo_bin("regkb").unwrap();
    cmd.current_dir(root()).env("REGKB_DATA_DIR", data);
    cmd
}

const GOOD: &str = "rule T-1 \"测试\" {\n  cite 安全生产法 第四十一条\n  severity 一般隐患\n  departments 应急管理\n  require employees > 10\n  explain \"从业人员{employees}\"\n  remedy \"整改\"\n  example \"十人以下\" {\n    as_of 2026-11-28\n    record {\"employees\": 5}\n    expect fail \"从业人员5人\"\n  }\n}\n";

#[test]
fn check_passes_on_the_example_pack() {
    let data = tempfile::tempdir().unwrap();
    regkb(data.path())
        .args(["rules", "check", "rules/examples"])
        .assert()
        .success()
        .stdout(predicate::str::contains("规则检查通过：6 个文件"))
        .stdout(predicate::str::contains("未加载法规库"));
}

#[test]
fn check_reports_every_error_with_its_place_and_exits_1() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.rule");
    std::fs::write(
        &bad,
        GOOD.replace("employees > 10", "employees > 10 m")
            .replace("应急管理", "环保局"),
    )
    .unwrap();
    regkb(data.path())
        .args(["rules", "check"])
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.rule:4:15"))
        .stderr(predicate::str::contains("bad.rule:5:11"))
        .stderr(predicate::str::contains("help:"))
        .stdout(predicate::str::contains("2 个错误"));
}

#[test]
fn test_runs_examples_and_shows_diffs() {
    let data = tempfile::tempdir().unwrap();
    regkb(data.path())
        .args(["rules", "test", "rules/examples"])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 个失败"));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.rule");
    std::fs::write(
        &f,
        GOOD.replace("expect fail \"从业人员5人\"", "expect pass"),
    )
    .unwrap();
    regkb(data.path())
        .args(["rules", "test"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("未通过  T-1 「十人以下」"))
        .stdout(predicate::str::contains("- 预期：pass"))
        .stdout(predicate::str::contains("+ 实际：fail"));
}

#[test]
fn fmt_check_then_rewrite_then_idempotent() {
    let data = tempfile::tempdir().unwrap();
    regkb(data.path())
        .args(["rules", "fmt", "--check", "rules/examples"])
        .assert()
        .success();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("messy.rule");
    let messy = GOOD
        .replace("  require employees > 10", "require    employees>10")
        .replace("{\"employees\": 5}", "{ \"employees\" :5 }");
    std::fs::write(&f, &messy).unwrap();
    regkb(data.path())
        .args(["rules", "fmt", "--check"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("需要格式化"));
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        messy,
        "--check must not write"
    );
    regkb(data.path())
        .args(["rules", "fmt"])
        .arg(&f)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&f).unwrap(), GOOD);
    regkb(data.path())
        .args(["rules", "fmt", "--check"])
        .arg(&f)
        .assert()
        .success();
}

#[test]
fn fmt_refuses_files_with_syntax_errors() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("broken.rule");
    std::fs::write(&f, "rule X \"t\" {\n  require (\n}\n").unwrap();
    regkb(data.path())
        .args(["rules", "fmt"])
        .arg(&f)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("broken.rule:3:1"));
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "rule X \"t\" {\n  require (\n}\n"
    );
}

#[test]
fn list_json_has_ids_citations_and_dates() {
    let data = tempfile::tempdir().unwrap();
    let out = regkb(data.path())
        .args(["rules", "list", "--json", "rules/examples"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rules: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let whp = rules.iter().find(|r| r["id"] == "WHP-039").unwrap();
    assert_eq!(whp["effective_from"], "2026-05-01");
    assert_eq!(whp["severity"], "一般隐患");
    assert_eq!(whp["citations"][0]["law"], "中华人民共和国危险化学品安全法");
    assert_eq!(whp["citations"][0]["article"], 39);
    assert_eq!(whp["citations"][0]["paragraph"], 1);
    regkb(data.path())
        .args(["rules", "list", "rules/examples"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "WHP-039  危险化学品生产、储存企业每三年进行一次安全评价",
        ))
        .stdout(predicate::str::contains("2026-05-01 起"));
}

/// A data directory with one invented statute (two articles, in force from 2021-09-01).
fn library_with_invented_law() -> tempfile::TempDir {
    use regkb::config::DataDir;
    use regkb::library::storage::{StoredSource, save_source};
    use regkb::statute::{Article, ArticleNo, DocId, DocKind, Document, Paragraph};
    let data = tempfile::tempdir().unwrap();
    let article = |n: u32, paras: usize| Article {
        no: ArticleNo::new(n),
        headings: Vec::new(),
        paragraphs: (0..paras)
            .map(|_| Paragraph {
                text: "本条用于测试。".into(),
                items: Vec::new(),
            })
            .collect(),
    };
    let doc = Document {
        id: DocId::new(
            "中华人民共和国安全生产法",
            Some(jiff::civil::date(2021, 9, 1)),
        ),
        kind: DocKind::Law,
        title: "中华人民共和国安全生产法".into(),
        aliases: Vec::new(),
        issuer: None,
        region: None,
        promulgated: None,
        effective: Some(jiff::civil::date(2021, 9, 1)),
        version_date: None,
        repealed: None,
        declared_status: None,
        history: Vec::new(),
        preamble: Vec::new(),
        articles: vec![article(24, 2), article(41, 1)],
        sections: Vec::new(),
        links: Vec::new(),
        rules: Vec::new(),
        source: "test".into(),
    };
    save_source(
        &DataDir::new(data.path()),
        &StoredSource {
            key: "test".into(),
            origin: "invented for tests".into(),
            documents: vec![doc],
        },
    )
    .unwrap();
    data
}

#[test]
fn citations_are_checked_against_the_imported_library() {
    let data = library_with_invented_law();
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("ok.rule");
    std::fs::write(&ok, GOOD.replace("第四十一条", "第二十四条 第二款")).unwrap();
    regkb(data.path())
        .args(["rules", "check"])
        .arg(&ok)
        .assert()
        .success()
        .stdout(predicate::str::contains("未加载法规库").not());
    // a paragraph the article does not have, and an article the law does not have: errors
    let bad = dir.path().join("bad.rule");
    std::fs::write(&bad, GOOD.replace("第四十一条", "第二十四条 第三款")).unwrap();
    regkb(data.path())
        .args(["rules", "check"])
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "中华人民共和国安全生产法没有第二十四条第三款",
        ));
    // in force only after the rule's start date: a warning
    let early = dir.path().join("early.rule");
    std::fs::write(
        &early,
        GOOD.replace("  severity", "  effective from 2020-01-01\n  severity"),
    )
    .unwrap();
    regkb(data.path())
        .args(["rules", "check"])
        .arg(&early)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "在规则的起始日 2020-01-01 尚未施行或已失效",
        ))
        .stdout(predicate::str::contains("1 个警告"));
}

/// `rules test` (and `check --rules`) on a broken pack print the same
/// diagnostics as `rules check`, unwrapped, then one Chinese line.
#[test]
fn test_on_a_broken_pack_prints_plain_diagnostics_then_a_summary() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.rule");
    std::fs::write(
        &bad,
        GOOD.replace("employees > 10", "employees > 10 t")
            .replace("{\"employees\": 5}", "{\"employees\": \"五\"}"),
    )
    .unwrap();
    let out = regkb(data.path())
        .args(["rules", "test"])
        .arg(&bad)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("bad.rule:5:11"), "{stderr}");
    assert!(stderr.contains("两者不能比较大小"), "{stderr}");
    assert!(stderr.contains("示例记录 `/employees`"), "{stderr}");
    assert!(stderr.contains("规则有 2 个错误"), "{stderr}");
    // not re-wrapped inside another report's box
    assert!(!stderr.contains("│   ×"), "{stderr}");
}
