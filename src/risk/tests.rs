#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::check::{CitationOut, Finding, MajorHazard, SharedStr, Summary};

/// Weights with round numbers so each expectation can be worked by hand.
const W: &str = r#"
[thresholds]
red = 60
orange = 35
yellow = 15
[major_hazard]
grade1 = 40
grade2 = 30
grade3 = 20
grade4 = 10
per_extra_unit = 5
forces_grade1 = "红"
[findings]
major_fail = 25
general_fail = 4
general_fail_cap = 12
forces_major_fail = "橙"
[overdue_dangers]
each = 10
cap = 30
[unknown]
full_share = 20
[category]
default = 3
[category.points]
"危化生产" = 30
"餐饮" = 5
"商贸" = 0
[category.extra]
dust = 10
ammonia = 10
"#;

fn weights() -> Weights {
    Weights::parse(W, "test.toml").unwrap()
}

fn finding(rule: &str, outcome: Outcome, severity: Severity) -> Finding {
    Finding {
        rule: SharedStr::from(rule.to_string()),
        title: Arc::from("标题"),
        outcome,
        severity,
        departments: Arc::from(vec!["应急管理".to_string()]),
        citations: Arc::from(Vec::<CitationOut>::new()),
        explanation: SharedStr::from("说明".to_string()),
        facts: vec![],
        missing: vec![],
        remedy: Arc::from("整改"),
    }
}

fn result(findings: Vec<Finding>, grades: &[u8]) -> CheckResult {
    CheckResult {
        enterprise: "E".into(),
        as_of: jiff::civil::date(2026, 11, 28),
        summary: Summary::of(&findings),
        findings,
        major_hazards: grades
            .iter()
            .enumerate()
            .map(|(i, g)| MajorHazard {
                unit: format!("U{i}"),
                s: None,
                is_major: Some(true),
                r: None,
                grade: Some(*g),
            })
            .collect(),
        conflicts: vec![],
    }
}

fn n(prefix: &str, outcome: Outcome, severity: Severity, k: usize) -> Vec<Finding> {
    (0..k)
        .map(|i| finding(&format!("{prefix}-{i}"), outcome, severity))
        .collect()
}

fn shop() -> Value {
    json!({"uscc": "S", "name": "店", "category": "商贸"})
}

fn points(a: &Assessment, kind: ComponentKind) -> Option<u32> {
    a.components
        .iter()
        .find(|c| c.kind == kind)
        .map(|c| c.points)
}

#[test]
fn shipped_weights_parse() {
    let w = Weights::shipped().unwrap();
    assert!(w.thresholds.red > w.thresholds.orange);
    // 危化生产 > 危化经营 > 工贸 with dust > 餐饮
    let cat = |c: &str, extra: u32| w.category.points[c] + extra;
    assert!(cat("危化生产", 0) > cat("危化经营", 0));
    assert!(cat("危化经营", 0) > cat("工贸", w.category.extra.dust));
    assert!(cat("工贸", w.category.extra.dust) > cat("餐饮", 0));
}

#[test]
fn unchecked_is_grey_without_score() {
    let a = assess(&weights(), &shop(), None, &ids(3));
    assert_eq!(a.colour, Colour::Unchecked);
    assert_eq!(a.score, None);
    assert!(a.components.is_empty());
}

#[test]
fn components_sum_to_the_score_and_name_their_sources() {
    use Outcome::*;
    let record = json!({"uscc": "C", "category": "危化生产",
        "dust": {"combustible": true}, "ammonia_refrigeration": {"uses_ammonia": false}});
    let findings = [
        n("M", Fail, Severity::Major, 1),
        n("G", Fail, Severity::General, 5),
        n("U", Unknown, Severity::General, 3),
        n("P", Pass, Severity::General, 7),
        n("N", NotApplicable, Severity::General, 9),
    ]
    .concat();
    let a = assess(
        &weights(),
        &record,
        Some(&result(findings, &[3, 2, 4])),
        &ids(2),
    );
    let sum: u32 = a.components.iter().map(|c| c.points).sum();
    assert_eq!(a.score, Some(sum));
    assert_eq!(points(&a, ComponentKind::MajorHazard), Some(30 + 2 * 5));
    assert_eq!(points(&a, ComponentKind::MajorFail), Some(25));
    assert_eq!(points(&a, ComponentKind::GeneralFail), Some(12)); // capped
    assert_eq!(points(&a, ComponentKind::OverdueDangers), Some(20));
    // 3 unknown of 16 applicable × 20 = 3.75 → 4
    assert_eq!(points(&a, ComponentKind::Unknown), Some(4));
    assert_eq!(points(&a, ComponentKind::Category), Some(40));
    assert_eq!(sum, 40 + 25 + 12 + 20 + 4 + 40);
    let sources = |k| {
        a.components
            .iter()
            .find(|c| c.kind == k)
            .unwrap()
            .sources
            .clone()
    };
    assert_eq!(sources(ComponentKind::MajorFail), ["M-0"]);
    assert_eq!(sources(ComponentKind::GeneralFail).len(), 5);
    assert_eq!(sources(ComponentKind::Unknown), ["U-0", "U-1", "U-2"]);
    assert_eq!(sources(ComponentKind::MajorHazard)[1], "U1（2级）");
    assert_eq!(sources(ComponentKind::Category), ["危化生产", "涉爆粉尘"]);
}

#[test]
fn colour_thresholds_at_their_boundaries() {
    let w = weights();
    for (score, colour) in [
        (0, Colour::Blue),
        (14, Colour::Blue),
        (15, Colour::Yellow),
        (34, Colour::Yellow),
        (35, Colour::Orange),
        (59, Colour::Orange),
        (60, Colour::Red),
        (u32::MAX, Colour::Red),
    ] {
        assert_eq!(colour_of(&w, score), colour, "score {score}");
    }
    // through assess: 商贸 (0) + general fails 4 each → 12 blue, +overdue 10 → 22 yellow
    let r = result(n("G", Outcome::Fail, Severity::General, 3), &[]);
    assert_eq!(assess(&w, &shop(), Some(&r), &[]).colour, Colour::Blue);
    assert_eq!(assess(&w, &shop(), Some(&r), &[]).score, Some(12));
    let r15 = result(vec![], &[4]);
    let a = assess(
        &w,
        &json!({"uscc": "S", "category": "餐饮"}),
        Some(&r15),
        &[],
    );
    assert_eq!((a.score, a.colour), (Some(15), Colour::Yellow));
}

#[test]
fn major_fail_and_grade_one_force_a_floor() {
    let w = weights();
    let r = result(n("M", Outcome::Fail, Severity::Major, 1), &[]);
    let a = assess(&w, &shop(), Some(&r), &[]);
    assert_eq!(a.score, Some(25));
    assert_eq!(colour_of(&w, 25), Colour::Yellow);
    assert_eq!(a.colour, Colour::Orange);
    assert!(a.forced_by.as_deref().unwrap().contains("重大隐患"));

    let r = result(vec![], &[1]);
    let a = assess(&w, &shop(), Some(&r), &[]);
    assert_eq!((a.score, a.colour), (Some(40), Colour::Red));
    assert!(a.forced_by.unwrap().contains("一级"));

    // a floor never lowers the colour, and an empty floor forces nothing
    let r = result(n("M", Outcome::Fail, Severity::Major, 3), &[]);
    let a = assess(&w, &shop(), Some(&r), &[]);
    assert_eq!((a.colour, a.forced_by), (Colour::Red, None));
    let loose = Weights::parse(&W.replace("forces_major_fail = \"橙\"", ""), "t").unwrap();
    let r = result(n("M", Outcome::Fail, Severity::Major, 1), &[]);
    assert_eq!(
        assess(&loose, &shop(), Some(&r), &[]).colour,
        Colour::Yellow
    );
}

#[test]
fn ranking_order() {
    let w = weights();
    let make = |uscc: &str, fails: usize, grades: &[u8], checked: bool| {
        let r = result(n("G", Outcome::Fail, Severity::General, fails), grades);
        let rec = json!({"uscc": uscc, "category": "商贸"});
        assess(&w, &rec, checked.then_some(&r), &[])
    };
    let mut all = vec![
        make("A", 0, &[], false),
        make("B", 1, &[], true),
        make("C", 3, &[], true),
        make("D", 0, &[1], true),
        make("E", 3, &[], true),
        make("F", 0, &[2], true),
    ];
    rank(&mut all, None);
    let order: Vec<&str> = all.iter().map(|a| a.uscc.as_str()).collect();
    assert_eq!(order, ["D", "F", "C", "E", "B", "A"]);
    rank(&mut all, Some(2));
    assert_eq!(all.len(), 2);
}

#[test]
fn weights_file_errors_name_the_line() {
    let err = |text: &str| Weights::parse(text, "w.toml").unwrap_err().to_string();
    let check = |text: &str, expect: &str| {
        let e = err(text);
        assert_eq!(e, expect);
        // the words are Chinese: no English beyond the file and key names
        for word in ["invalid", "expected", "field", "must", "got", "line"] {
            assert!(!e.contains(word), "{e}");
        }
    };
    check(
        &W.replace("orange = 35", "orange = \"三十五\""),
        "风险权重文件 `w.toml` 第 4 行：设置项 `orange` 应为非负整数，收到字符串 \"三十五\"",
    );
    check(
        &W.replace("[unknown]\n", "[unknown]\nbogus = 1\n"),
        "风险权重文件 `w.toml` 第 22 行：不认识的设置项 `bogus`（此处可用：full_share）",
    );
    let missing = err(&W.replace("yellow = 15\n", ""));
    assert!(
        missing.starts_with("风险权重文件 `w.toml` 第 ")
            && missing.ends_with("缺少设置项 `yellow`"),
        "{missing}"
    );
    check(
        &W.replace("orange = 35", "orange = 70"),
        "风险权重文件 `w.toml`：颜色阈值须满足 red > orange > yellow（红 > 橙 > 黄），现为 red = 60、orange = 70、yellow = 15",
    );
    check(
        &W.replace("forces_grade1 = \"红\"", "forces_grade1 = \"紫\""),
        "风险权重文件 `w.toml`：设置项 `major_hazard.forces_grade1` 只能是 \"红\"、\"橙\"、\"黄\" 或 \"\"（不强制），现为 `紫`",
    );
    check(
        &W.replace("each = 10", "each = -1"),
        "风险权重文件 `w.toml` 第 19 行：设置项 `each` 应为非负整数，收到整数 -1",
    );
    check(
        &W.replace("red = 60", "red = 60\nred = 61"),
        "风险权重文件 `w.toml` 第 4 行：设置项 `red` 重复出现",
    );
    check(
        &W.replace("[findings]", "[findings"),
        "风险权重文件 `w.toml` 第 13 行：TOML 格式有误：表头（[节]）缺少结尾的 `]`",
    );
    check(
        &W.replace("each = 10", "each = \"x"),
        "风险权重文件 `w.toml` 第 19 行：TOML 格式有误：字符串缺少结尾的引号",
    );
    check(
        &W.replace("each = 10", "each 10"),
        "风险权重文件 `w.toml` 第 19 行：TOML 格式有误：此行缺少 `=` 和值",
    );
}

fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("#{i}")).collect()
}

#[test]
fn an_overdue_ledger_danger_adds_its_weight_and_closing_it_removes_it() {
    use crate::danger::{Action, HiddenDanger, Level, Source, TransitionRequest};
    let w = weights();
    let uscc = "91330481MA2B00000Y";
    let record = json!({"uscc": uscc, "category": "商贸"});
    let r = result(n("G", Outcome::Fail, Severity::General, 1), &[]);
    let mut d = HiddenDanger::new(
        4,
        uscc.parse().unwrap(),
        None,
        Level::General,
        "测试隐患",
        Source::Inspector {
            text: "测试".into(),
        },
        "2026-01-01T00:00:00Z".parse().unwrap(),
        "甲",
        "乙",
        "2026-02-01".parse().unwrap(),
    );
    let day: jiff::civil::Date = "2026-03-01".parse().unwrap();
    let before = Ledger::default().assess(&w, &record, Some(&r), day);
    let open = Ledger::of(vec![d.clone()]).assess(&w, &record, Some(&r), day);
    assert_eq!(open.score, before.score.map(|s| s + w.overdue_dangers.each));
    let c = open
        .components
        .iter()
        .find(|c| c.kind == ComponentKind::OverdueDangers)
        .unwrap();
    assert_eq!(c.sources, ["#4"]);
    // not yet overdue on the deadline day
    let due =
        Ledger::of(vec![d.clone()]).assess(&w, &record, Some(&r), "2026-02-01".parse().unwrap());
    assert_eq!(due.score, before.score);
    let at = "2026-02-20T00:00:00Z".parse().unwrap();
    for a in [Action::Start, Action::Submit, Action::Accept] {
        d.apply(
            &TransitionRequest::new(a, "丙", at)
                .measures("措施")
                .note("同意"),
        )
        .unwrap();
    }
    let closed = Ledger::of(vec![d]).assess(&w, &record, Some(&r), day);
    assert_eq!(closed.score, before.score);
}
