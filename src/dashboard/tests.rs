#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;

use super::*;
use crate::check::{CheckResult, CitationOut, Finding, Severity, SharedStr, Summary};
use crate::danger::{Action, TransitionRequest};
use crate::risk::Assessment;
use crate::store::Actor;
use crate::visit::{NewVisit, VisitItem};

const A: &str = "91330481MA2B00000Y";
const B: &str = "91330481MA2B00001W";

fn date(s: &str) -> jiff::civil::Date {
    s.parse().unwrap()
}

/// Noon Beijing time of a day.
fn at(day: &str) -> jiff::Timestamp {
    format!("{day}T04:00:00Z").parse().unwrap()
}

fn danger(id: u64, uscc: &str, level: Level, found: &str, deadline: &str) -> HiddenDanger {
    HiddenDanger::new(
        id,
        uscc.parse().unwrap(),
        Some("测试镇".into()),
        level,
        format!("隐患{id}"),
        Source::Rule {
            rule_id: format!("R-{id}"),
            explanation: "测试".into(),
            citations: vec![],
        },
        at(found),
        "检查员甲",
        "责任人乙",
        date(deadline),
    )
}

fn from_rule(mut d: HiddenDanger, rule: &str) -> HiddenDanger {
    d.source = Source::Rule {
        rule_id: rule.into(),
        explanation: "测试".into(),
        citations: vec![],
    };
    d
}

/// Walks a danger to 已销号 on `day`.
fn closed(mut d: HiddenDanger, day: &str) -> HiddenDanger {
    let t = at(day);
    for a in [Action::Start, Action::Submit, Action::Accept] {
        d.apply(
            &TransitionRequest::new(a, "验收人丙", t)
                .plan("方案")
                .measures("措施")
                .note("同意"),
        )
        .unwrap();
    }
    d
}

fn assessment(uscc: &str, colour: Colour, score: u32) -> Assessment {
    Assessment {
        uscc: uscc.into(),
        name: Some(format!("企业{}", &uscc[16..])),
        colour,
        level: colour.level(),
        score: Some(score),
        forced_by: None,
        components: vec![],
    }
}

fn visit(id: u64, uscc: &str, day: &str, items: &[(&str, ItemOutcome)]) -> Visit {
    Visit {
        id,
        township: Some("测试镇".into()),
        recorded_at: at(day),
        recorded_by: "检查员甲".into(),
        visit: NewVisit {
            uscc: uscc.parse().unwrap(),
            date: date(day),
            departments: vec!["应急管理".into()],
            inspectors: vec!["检查员甲".into()],
            plan: None,
            items: items
                .iter()
                .map(|(rule, outcome)| VisitItem {
                    rules: vec![(*rule).into()],
                    outcome: *outcome,
                    note: None,
                    facts: vec![],
                    danger: None,
                })
                .collect(),
        },
        dangers: vec![],
    }
}

fn finding(rule: &str, outcome: Outcome) -> Finding {
    Finding {
        rule: SharedStr::from(rule.to_string()),
        title: Arc::from("标题"),
        outcome,
        severity: Severity::General,
        departments: Arc::from(vec!["应急管理".to_string()]),
        citations: Arc::from(Vec::<CitationOut>::new()),
        explanation: SharedStr::from("说明".to_string()),
        facts: vec![],
        missing: vec![],
        remedy: Arc::from("整改"),
    }
}

fn stored_check(day: &str, version: u64, findings: &[(&str, Outcome)]) -> StoredCheck {
    let findings: Vec<Finding> = findings.iter().map(|(r, o)| finding(r, *o)).collect();
    StoredCheck {
        seq: version,
        at: at(day),
        by: Actor::system("测试"),
        record_version: Some(version),
        result: CheckResult {
            enterprise: A.into(),
            as_of: date(day),
            summary: Summary::of(&findings),
            findings,
            major_hazards: vec![],
            conflicts: vec![],
        },
    }
}

struct Case<'a> {
    dangers: &'a [HiddenDanger],
    visits: &'a [Visit],
    assessments: &'a [Assessment],
    checks: BTreeMap<String, Vec<StoredCheck>>,
    day: &'a str,
}

impl Case<'_> {
    fn build(&self) -> Dashboard {
        build(&Inputs {
            township: Some("测试镇".into()),
            from: date("2026-01-01"),
            to: date("2026-12-31"),
            day: date(self.day),
            dangers: self.dangers,
            visits: self.visits,
            assessments: self.assessments,
            checks: &self.checks,
        })
    }
}

fn case<'a>(dangers: &'a [HiddenDanger], day: &'a str) -> Case<'a> {
    Case {
        dangers,
        visits: &[],
        assessments: &[],
        checks: BTreeMap::new(),
        day,
    }
}

#[test]
fn bucket_edges() {
    for (age, bucket) in [(0, 0), (30, 0), (31, 1), (90, 1), (91, 2), (400, 2)] {
        assert_eq!(bucket_of(age), bucket, "age {age}");
    }
}

#[test]
fn open_dangers_by_level_and_age_on_the_day() {
    // found 2026-01-01; on 2026-01-31 it is 30 days old, on 02-01 31
    let dangers = [
        danger(1, A, Level::Major, "2026-01-01", "2026-12-31"),
        danger(2, A, Level::General, "2026-01-01", "2026-12-31"),
        danger(3, B, Level::General, "2025-10-03", "2026-12-31"), // 90 days on 01-01
        danger(4, B, Level::General, "2025-10-02", "2026-12-31"), // 91 days on 01-01
        closed(
            danger(5, B, Level::Major, "2026-01-01", "2026-12-31"),
            "2026-01-10",
        ),
        danger(6, B, Level::General, "2026-03-01", "2026-12-31"), // not found yet on the day
    ];
    let d = case(&dangers, "2026-01-31").build();
    assert_eq!(d.open_by_level[0].level, "重大");
    assert_eq!(d.open_by_level[0].buckets, [1, 0, 0]);
    // 3 and 4 are 120 and 121 days old by 01-31
    assert_eq!(d.open_by_level[1].buckets, [1, 0, 2]);
    assert_eq!(d.open_total, 4);
    let d = case(&dangers, "2026-02-01").build();
    assert_eq!(d.open_by_level[0].buckets, [0, 1, 0]);
    let d = case(&dangers[2..4], "2026-01-01").build();
    assert_eq!(d.open_by_level[1].buckets, [0, 1, 1]);
}

#[test]
fn overdue_major_dangers_exclude_closed_and_general() {
    let dangers = [
        danger(1, A, Level::Major, "2026-01-01", "2026-02-01"),
        danger(2, A, Level::Major, "2026-01-01", "2026-03-01"),
        danger(3, A, Level::General, "2026-01-01", "2026-02-01"),
        closed(
            danger(4, A, Level::Major, "2026-01-01", "2026-02-01"),
            "2026-02-20",
        ),
        danger(5, B, Level::Major, "2026-01-01", "2026-03-11"), // due on the day
    ];
    let assessments = [assessment(A, Colour::Red, 80)];
    let mut c = case(&dangers, "2026-03-11");
    c.assessments = &assessments;
    let d = c.build();
    let got: Vec<(u64, i64)> = d
        .overdue_major
        .iter()
        .map(|o| (o.id, o.days_overdue))
        .collect();
    assert_eq!(got, [(1, 38), (2, 10)]);
    assert_eq!(d.overdue_major[0].enterprise, "企业0Y");
    assert_eq!(d.overdue_major[0].owner, "责任人乙");
}

#[test]
fn high_risk_enterprises_visited_in_the_period() {
    const C: &str = "91330481MA2B00002U";
    let assessments = [
        assessment(A, Colour::Orange, 40),
        assessment(B, Colour::Red, 70),
        assessment(C, Colour::Yellow, 20),
    ];
    let visits = [
        visit(1, A, "2025-12-30", &[]), // before the period
        visit(2, B, "2026-04-01", &[]),
        visit(3, B, "2026-06-01", &[]),
        visit(4, C, "2026-06-01", &[]),
    ];
    let mut c = case(&[], "2026-06-30");
    c.assessments = &assessments;
    c.visits = &visits;
    let d = c.build();
    let got: Vec<(&str, bool, usize)> = d
        .high_risk
        .iter()
        .map(|h| (h.uscc.as_str(), h.visited, h.visits))
        .collect();
    assert_eq!(got, [(B, true, 2), (A, false, 0)]);
    assert_eq!(d.high_risk[0].last_visit, Some(date("2026-06-01")));
    assert_eq!((d.high_risk_visited, d.high_risk_share), (1, Some(50.0)));
    let none = case(&[], "2026-06-30").build();
    assert_eq!(none.high_risk_share, None);
}

#[test]
fn repeat_after_a_closed_danger() {
    // a danger from R-9 closed on 03-01; R-9 fails again at a visit in May
    let dangers = [closed(
        from_rule(
            danger(1, A, Level::General, "2026-01-10", "2026-02-10"),
            "R-9",
        ),
        "2026-03-01",
    )];
    let visits = [
        visit(1, A, "2026-02-01", &[("R-9", ItemOutcome::Confirmed)]),
        visit(2, A, "2026-05-01", &[("R-9", ItemOutcome::DangerFound)]),
    ];
    let mut c = case(&dangers, "2026-06-30");
    c.visits = &visits;
    let d = c.build();
    assert_eq!(d.repeats.len(), 1, "{:?}", d.repeats);
    let r = &d.repeats[0];
    assert_eq!(
        (r.rule.as_str(), r.kind, r.times, r.closed_danger),
        ("R-9", RepeatKind::AfterClosure, 1, Some(1))
    );
    assert_eq!(r.last, date("2026-05-01"));
    // compliant after the closure: no repeat
    let visits = [visit(
        2,
        A,
        "2026-05-01",
        &[("R-9", ItemOutcome::Compliant)],
    )];
    let mut c = case(&dangers, "2026-06-30");
    c.visits = &visits;
    assert!(c.build().repeats.is_empty());
    // an inspector's danger (no rule) never makes a repeat
    let mut inspector = dangers[0].clone();
    inspector.source = Source::Inspector {
        text: "现场".into(),
    };
    let visits = [visit(
        2,
        A,
        "2026-05-01",
        &[("R-9", ItemOutcome::Confirmed)],
    )];
    let one = [inspector];
    let mut c = case(&one, "2026-06-30");
    c.visits = &visits;
    assert!(c.build().repeats.is_empty());
}

#[test]
fn repeat_in_successive_observations() {
    let mut c = case(&[], "2026-06-30");
    c.checks.insert(
        A.into(),
        vec![
            stored_check(
                "2026-02-01",
                1,
                &[("R-1", Outcome::Fail), ("R-2", Outcome::Fail)],
            ),
            // a re-check of the same version is not a new observation
            stored_check(
                "2026-02-02",
                1,
                &[("R-1", Outcome::Fail), ("R-2", Outcome::Fail)],
            ),
            stored_check(
                "2026-03-01",
                2,
                &[("R-1", Outcome::Fail), ("R-2", Outcome::Pass)],
            ),
            stored_check(
                "2026-04-01",
                3,
                &[("R-1", Outcome::Unknown), ("R-2", Outcome::Fail)],
            ),
        ],
    );
    let visits = [visit(
        1,
        A,
        "2026-05-01",
        &[("R-1", ItemOutcome::Rectified)],
    )];
    c.visits = &visits;
    let d = c.build();
    let got: Vec<(&str, RepeatKind, usize, jiff::civil::Date)> = d
        .repeats
        .iter()
        .map(|r| (r.rule.as_str(), r.kind, r.times, r.last))
        .collect();
    // fail, fail, (unknown skipped), fail at the visit → 3 in a row;
    // fail, pass, fail → never two in a row
    assert_eq!(
        got,
        [("R-1", RepeatKind::Successive, 3, date("2026-05-01"))]
    );
    // outside the period: not shown
    let d = build(&Inputs {
        township: None,
        from: date("2027-01-01"),
        to: date("2027-12-31"),
        day: date("2027-06-30"),
        dangers: &[],
        visits: &visits,
        assessments: &[],
        checks: &c.checks,
    });
    assert!(d.repeats.is_empty());
}

#[test]
fn period_defaults_to_the_current_year() {
    let today = date("2026-11-29");
    assert_eq!(
        period_of(None, None, today).unwrap(),
        (date("2026-01-01"), date("2026-12-31"), today)
    );
    assert_eq!(
        period_of(Some("2026-03-01"), Some("2026-03-31"), today).unwrap(),
        (date("2026-03-01"), date("2026-03-31"), date("2026-03-31"))
    );
    let e = period_of(Some("2026-13-01"), None, today).unwrap_err();
    assert_eq!(e.to_string(), "参数 `from` 的日期 `2026-13-01` 不存在");
    let e = period_of(None, Some("2026/5/1"), today).unwrap_err();
    assert_eq!(
        e.to_string(),
        "参数 `to` 应为 `YYYY-MM-DD` 格式的日期，实际为 `2026/5/1`"
    );
    let e = period_of(Some("2026-05-01"), Some("2026-04-01"), today).unwrap_err();
    assert!(e.to_string().contains("晚于"), "{e}");
}

#[test]
fn a_past_day_sees_the_state_of_that_day() {
    // found 01-01, due 02-01, closed 03-01
    let dangers = [closed(
        danger(1, A, Level::Major, "2026-01-01", "2026-02-01"),
        "2026-03-01",
    )];
    let before = case(&dangers, "2026-02-15").build();
    assert_eq!(before.open_total, 1);
    assert_eq!(before.overdue_major.len(), 1);
    // every step was taken on 03-01: still 待整改 on 02-15
    assert_eq!(before.overdue_major[0].state, "待整改");
    let after = case(&dangers, "2026-03-01").build();
    assert_eq!(after.open_total, 0);
    assert!(after.overdue_major.is_empty());
    assert_eq!(state_on(&dangers[0], date("2025-12-31")), State::Pending);
}
