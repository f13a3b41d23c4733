#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;

use super::*;
use crate::check::{CitationOut, Fact, SharedStr, Summary};
use crate::risk::{Assessment, Colour};

const SETTINGS: &str = r#"
[sample]
share = 0.25
minimum = 1
pass_items = 1
[visits]
cap = 2
[departments]
order = ["应急管理", "消防救援", "市场监管"]
[minutes]
per_visit = 40
confirm = 15
verify = 10
spot = 5
"#;

fn settings() -> Settings {
    Settings::parse(SETTINGS, "test.toml").unwrap()
}

fn schema() -> Schema {
    Schema::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema"))
        .unwrap()
}

fn finding(rule: &str, outcome: Outcome, severity: Severity, departments: &[&str]) -> Finding {
    Finding {
        rule: SharedStr::from(rule.to_string()),
        title: Arc::from(format!("{rule} 的标题")),
        outcome,
        severity,
        departments: Arc::from(
            departments
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>(),
        ),
        citations: Arc::from(vec![CitationOut {
            law: format!("测试办法{rule}"),
            article: Some(rule.len() as u32),
            paragraph: None,
            item: None,
            clause: None,
        }]),
        explanation: SharedStr::from("说明".to_string()),
        facts: vec![],
        missing: vec![],
        remedy: Arc::from("整改"),
    }
}

fn candidate(uscc: &str, colour: Colour, score: u32, findings: Vec<Finding>) -> Candidate {
    let result = CheckResult {
        enterprise: uscc.into(),
        as_of: jiff::civil::date(2026, 12, 1),
        summary: Summary::of(&findings),
        findings,
        major_hazards: vec![],
        conflicts: vec![],
    };
    Candidate {
        uscc: uscc.into(),
        name: Some(format!("{uscc} 公司")),
        result: (colour != Colour::Unchecked).then_some(result),
        assessment: Assessment {
            uscc: uscc.into(),
            name: None,
            colour,
            level: colour.level(),
            score: (colour != Colour::Unchecked).then_some(score),
            forced_by: None,
            components: vec![],
        },
        visits: BTreeMap::new(),
    }
}

fn request(seed: u64) -> Request {
    Request {
        township: Some("测试镇".into()),
        usccs: vec![],
        from: jiff::civil::date(2026, 12, 1),
        to: jiff::civil::date(2026, 12, 31),
        seed,
        cap: 2,
    }
}

fn reads(pairs: &[(&str, &[&str])]) -> Reads {
    pairs
        .iter()
        .map(|(id, fields)| {
            (
                id.to_string(),
                fields.iter().map(|f| f.to_string()).collect(),
            )
        })
        .collect()
}

fn plan_of(candidates: Vec<Candidate>, reads: &Reads) -> Plan {
    build(&request(1), candidates, &settings(), &schema(), reads).unwrap()
}

fn items(p: &Planned) -> Vec<&Item> {
    p.topics.iter().flat_map(|t| &t.items).collect()
}

fn rule_ids(i: &Item) -> Vec<&str> {
    i.rules.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn rules_of_two_departments_reading_the_same_facts_become_one_item() {
    let reads = reads(&[
        ("FIRE-1", &["fire.extinguishers"]),
        ("WORK-1", &["fire.extinguishers"]),
        ("ORG-1", &["safety_org.full_time_officers"]),
    ]);
    let mut fire = finding("FIRE-1", Outcome::Unknown, Severity::Major, &["消防救援"]);
    // a missing whole record does not decide the merge
    fire.missing = vec![SharedStr::from("/layout".to_string())];
    let mut org = finding("ORG-1", Outcome::Unknown, Severity::General, &["应急管理"]);
    org.missing = vec![SharedStr::from("/layout".to_string())];
    let c = candidate(
        "E1",
        Colour::Red,
        70,
        vec![
            fire,
            finding("WORK-1", Outcome::Fail, Severity::General, &["应急管理"]),
            org,
        ],
    );
    let plan = plan_of(vec![c], &reads);
    let p = &plan.enterprises[0];
    let all = items(p);
    assert_eq!(all.len(), 2, "{all:#?}");
    let merged = all.iter().find(|i| i.rules.len() == 2).unwrap();
    // the 重大隐患 rule is the most serious: its department leads
    assert_eq!(rule_ids(merged), ["FIRE-1", "WORK-1"]);
    assert_eq!(merged.lead, "消防救援");
    assert_eq!(merged.participating, ["应急管理"]);
    assert_eq!(merged.severity, Severity::Major);
    // a fail among its rules makes the whole item one to confirm
    assert_eq!(merged.action, Action::Confirm);
    assert_eq!(merged.citations.len(), 2);
    assert_eq!(merged.fields, ["fire.extinguishers"]);
    // enterprise lead: the lead of the most serious item
    assert_eq!(p.lead, "消防救援");
    assert_eq!(p.participating, ["应急管理"]);
    assert_eq!(p.counts.rules, 3);
    assert_eq!(p.counts.confirm + p.counts.verify, 2);
}

#[test]
fn equal_severity_leads_by_the_department_order() {
    let reads = reads(&[("A", &["x.y"]), ("B", &["x.y"])]);
    let c = candidate(
        "E1",
        Colour::Red,
        70,
        vec![
            finding("A", Outcome::Fail, Severity::General, &["市场监管"]),
            finding("B", Outcome::Fail, Severity::General, &["消防救援"]),
        ],
    );
    let plan = plan_of(vec![c], &reads);
    let item = items(&plan.enterprises[0])[0].clone();
    // A and B are equally serious: the department order decides
    assert_eq!(item.lead, "消防救援");
    assert_eq!(item.participating, ["市场监管"]);

    // a rule of two departments: the order decides
    let c = candidate(
        "E2",
        Colour::Red,
        70,
        vec![finding(
            "A",
            Outcome::Fail,
            Severity::General,
            &["市场监管", "消防救援"],
        )],
    );
    let plan = plan_of(vec![c], &reads);
    let item = items(&plan.enterprises[0])[0].clone();
    assert_eq!(item.lead, "消防救援");
    assert_eq!(item.participating, ["市场监管"]);
}

#[test]
fn unknown_rules_merge_by_the_fields_of_their_facts() {
    let mut a = finding("A", Outcome::Fail, Severity::General, &["应急管理"]);
    let mut b = finding("B", Outcome::Unknown, Severity::General, &["消防救援"]);
    for f in [&mut a, &mut b] {
        f.facts = vec![Fact {
            path: SharedStr::from("/units/0/name".to_string()),
            value: serde_json::json!("罐区"),
        }];
    }
    let c = candidate("E1", Colour::Red, 70, vec![a, b]);
    let plan = plan_of(vec![c], &Reads::new());
    let all = items(&plan.enterprises[0]);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].fields, ["units.name"]);
}

#[test]
fn a_department_at_its_cap_is_deferred_but_a_major_fail_is_not() {
    let reads = reads(&[
        ("FIRE-GEN", &["fire.a"]),
        ("FIRE-MAJ", &["fire.b"]),
        ("BOTH", &["org.c"]),
        ("WORK", &["org.d"]),
    ]);
    let mut c = candidate(
        "E1",
        Colour::Red,
        90,
        vec![
            finding(
                "FIRE-GEN",
                Outcome::Unknown,
                Severity::General,
                &["消防救援"],
            ),
            finding("FIRE-MAJ", Outcome::Fail, Severity::Major, &["消防救援"]),
            finding(
                "BOTH",
                Outcome::Fail,
                Severity::General,
                &["消防救援", "应急管理"],
            ),
            finding("WORK", Outcome::Unknown, Severity::General, &["应急管理"]),
        ],
    );
    c.visits.insert("消防救援".into(), 2);
    c.visits.insert("应急管理".into(), 1);
    let plan = plan_of(vec![c], &reads);
    let p = &plan.enterprises[0];
    let ids: Vec<Vec<&str>> = items(p).into_iter().map(rule_ids).collect();
    assert_eq!(ids, [vec!["FIRE-MAJ"], vec!["BOTH"], vec!["WORK"]]);
    // the 重大隐患 fail keeps its department, over the cap
    let major = items(p)[0].clone();
    assert_eq!(major.lead, "消防救援");
    assert_eq!(p.over_cap, ["消防救援"]);
    // the item of two departments goes ahead without the capped one
    let both = items(p)[1].clone();
    assert_eq!(both.lead, "应急管理");
    assert_eq!(both.capped, ["消防救援"]);
    // the general unknown of the capped department waits
    assert_eq!(p.deferred.len(), 1);
    assert_eq!(rule_ids(&p.deferred[0]), ["FIRE-GEN"]);
    assert_eq!(p.deferred[0].capped, ["消防救援"]);
    assert_eq!(p.counts.deferred, 1);
    assert_eq!(plan.figures.deferred_items, 1);
}

#[test]
fn an_enterprise_whose_every_department_is_capped_is_left_out() {
    let reads = reads(&[("A", &["a.b"])]);
    let mut c = candidate(
        "E1",
        Colour::Orange,
        40,
        vec![finding(
            "A",
            Outcome::Fail,
            Severity::General,
            &["应急管理"],
        )],
    );
    c.visits.insert("应急管理".into(), 3);
    let plan = plan_of(vec![c], &reads);
    assert!(plan.enterprises.is_empty());
    assert_eq!(plan.left_out.len(), 1);
    assert!(plan.left_out[0].why.contains("已达上限（2 次）"));
    assert_eq!(plan.left_out[0].deferred.len(), 1);
    // a higher cap lets it in
    let mut c = candidate(
        "E1",
        Colour::Orange,
        40,
        vec![finding(
            "A",
            Outcome::Fail,
            Severity::General,
            &["应急管理"],
        )],
    );
    c.visits.insert("应急管理".into(), 3);
    let mut req = request(1);
    req.cap = 4;
    let plan = build(&req, vec![c], &settings(), &schema(), &reads).unwrap();
    assert_eq!(plan.enterprises.len(), 1);
}

fn town(n: usize) -> Vec<Candidate> {
    let mut out = vec![
        candidate(
            "R-LOW",
            Colour::Red,
            61,
            vec![finding("A", Outcome::Fail, Severity::Major, &["应急管理"])],
        ),
        candidate(
            "R-HIGH",
            Colour::Red,
            95,
            vec![finding("A", Outcome::Fail, Severity::Major, &["应急管理"])],
        ),
        candidate(
            "O-1",
            Colour::Orange,
            40,
            vec![finding(
                "B",
                Outcome::Unknown,
                Severity::General,
                &["消防救援"],
            )],
        ),
        candidate("GREY", Colour::Unchecked, 0, vec![]),
    ];
    for i in 0..n {
        out.push(candidate(
            &format!("B-{i:02}"),
            if i % 2 == 0 {
                Colour::Blue
            } else {
                Colour::Yellow
            },
            (i % 30) as u32,
            vec![
                finding("P1", Outcome::Pass, Severity::General, &["应急管理"]),
                finding("P2", Outcome::Pass, Severity::General, &["市场监管"]),
                finding("P3", Outcome::Pass, Severity::General, &["消防救援"]),
            ],
        ));
    }
    out
}

fn town_reads() -> Reads {
    reads(&[
        ("A", &["a.x"]),
        ("B", &["b.x"]),
        ("P1", &["p.one"]),
        ("P2", &["p.two"]),
        ("P3", &["p.three"]),
    ])
}

#[test]
fn high_risk_first_then_unchecked_then_a_seeded_draw_of_the_rest() {
    let plan = plan_of(town(12), &town_reads());
    let order: Vec<(&str, &str)> = plan
        .enterprises
        .iter()
        .map(|p| (p.uscc.as_str(), p.reason_label.as_str()))
        .collect();
    assert_eq!(
        order[..4],
        [
            ("R-HIGH", "高风险：红"),
            ("R-LOW", "高风险：红"),
            ("O-1", "高风险：橙"),
            ("GREY", "未检查：数据缺口"),
        ]
    );
    // 25 % of 12 others = 3
    let drawn: Vec<&Planned> = plan
        .enterprises
        .iter()
        .filter(|p| p.reason == Reason::Random)
        .collect();
    assert_eq!(drawn.len(), 3);
    assert_eq!(plan.considered, 16);
    for p in &drawn {
        assert_eq!(p.reason_label, "双随机抽取");
        // one passing rule spot-checked each
        assert_eq!(p.counts.spot, 1, "{p:#?}");
        assert_eq!(items(p)[0].action_label, "抽查");
    }
    // the unchecked enterprise: no items, the first department goes
    let grey = &plan.enterprises[3];
    assert_eq!(grey.lead, "应急管理");
    assert!(grey.topics.is_empty());
    assert!(grey.note.is_some());
}

#[test]
fn the_draw_takes_at_least_the_minimum() {
    let plan = plan_of(town(1), &town_reads());
    assert_eq!(
        plan.enterprises
            .iter()
            .filter(|p| p.reason == Reason::Random)
            .count(),
        1
    );
    let plan = plan_of(town(0), &town_reads());
    assert_eq!(plan.enterprises.len(), 4);
}

#[test]
fn the_same_seed_gives_the_same_plan_and_another_seed_another_draw() {
    let s = settings();
    let sc = schema();
    let r = town_reads();
    let json = |seed: u64| {
        let plan = build(&request(seed), town(20), &s, &sc, &r).unwrap();
        serde_json::to_string(&plan).unwrap()
    };
    assert_eq!(json(7), json(7));
    let drawn = |seed: u64| -> Vec<String> {
        build(&request(seed), town(20), &s, &sc, &r)
            .unwrap()
            .enterprises
            .into_iter()
            .filter(|p| p.reason == Reason::Random)
            .map(|p| p.uscc)
            .collect()
    };
    assert_eq!(drawn(7).len(), 5);
    assert_ne!(drawn(7), drawn(8));
    // input order does not matter
    let mut shuffled = town(20);
    shuffled.reverse();
    let plan = build(&request(7), shuffled, &s, &sc, &r).unwrap();
    assert_eq!(serde_json::to_string(&plan).unwrap(), json(7));
}

#[test]
fn figures_compare_separate_visits_with_one_joint_visit() {
    let reads = reads(&[
        ("A", &["f.a"]),
        ("B", &["f.a"]),
        ("C", &["g.c"]),
        ("D", &["h.d"]),
    ]);
    let e1 = candidate(
        "E1",
        Colour::Red,
        80,
        vec![
            finding("A", Outcome::Fail, Severity::General, &["应急管理"]),
            finding("B", Outcome::Unknown, Severity::General, &["消防救援"]),
            finding("C", Outcome::Unknown, Severity::General, &["市场监管"]),
        ],
    );
    let e2 = candidate(
        "E2",
        Colour::Orange,
        40,
        vec![finding(
            "D",
            Outcome::Fail,
            Severity::General,
            &["应急管理"],
        )],
    );
    let plan = plan_of(vec![e1, e2], &reads);
    let f = plan.figures;
    assert_eq!(f.enterprises, 2);
    // E1: three departments → three separate visits; E2: one
    assert_eq!((f.visits_before, f.visits_after), (4, 2));
    // A and B merge
    assert_eq!((f.items_before, f.items_after), (4, 3));
    // before: 4 visits × 40 + A 15 + B 10 + C 10 + D 15
    assert_eq!(f.minutes_before, 4 * 40 + 15 + 10 + 10 + 15);
    // after: 2 visits × 40 + (A+B) 15 + C 10 + D 15
    assert_eq!(f.minutes_after, 2 * 40 + 15 + 10 + 15);
}

#[test]
fn a_reversed_period_is_refused() {
    let mut req = request(1);
    req.to = jiff::civil::date(2026, 11, 1);
    let err = build(&req, vec![], &settings(), &schema(), &Reads::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "计划开始日期 `2026-12-01` 晚于结束日期 `2026-11-01`"
    );
}

#[test]
fn items_are_grouped_by_the_record_area_of_their_fields() {
    let reads = reads(&[
        ("A", &["safety_org.full_time_officers", "category"]),
        ("B", &["special_workers", "special_workers.certificate"]),
    ]);
    let c = candidate(
        "E1",
        Colour::Red,
        80,
        vec![
            finding("A", Outcome::Fail, Severity::General, &["应急管理"]),
            finding("B", Outcome::Unknown, Severity::General, &["应急管理"]),
        ],
    );
    let plan = plan_of(vec![c], &reads);
    let topics: Vec<&str> = plan.enterprises[0]
        .topics
        .iter()
        .map(|t| t.topic.as_str())
        .collect();
    assert_eq!(topics, ["安全生产管理机构及人员", "特种作业人员"]);
}

#[test]
fn shipped_settings_parse_and_errors_name_the_line() {
    let s = Settings::shipped().unwrap();
    assert_eq!(s.visits.cap, 2);
    assert_eq!(s.departments.order[0], "应急管理");
    let bad = SETTINGS.replace("cap = 2", "cap = \"两次\"");
    let err = Settings::parse(&bad, "p.toml").unwrap_err().to_string();
    let line = bad.lines().position(|l| l.contains("两次")).unwrap() + 1;
    assert!(
        err.starts_with(&format!("plan settings `p.toml` line {line}:")),
        "{err}"
    );
    let bad = SETTINGS.replace("share = 0.25", "share = 1.5");
    assert!(Settings::parse(&bad, "p.toml").is_err());
    let bad = SETTINGS.replace("\"市场监管\"]", "\"市场监督\"]");
    let err = Settings::parse(&bad, "p.toml").unwrap_err().to_string();
    assert!(
        err.contains("`departments.order` names `市场监督`"),
        "{err}"
    );
}

/// `CheckedProgram::reads`: the requirement's fields, through quantifiers
/// and derived values, without the `applies` condition.
#[test]
fn a_program_says_which_fields_a_rule_reads() {
    use crate::dsl::{NoTables, SourceFile, check, parse};
    let src = SourceFile::new(
        "t.rule",
        r#"
let officers = safety_org.full_time_officers + safety_org.part_time_officers

rule T-1 "测试一" {
  cite 安全生产法 第二十四条
  severity 一般隐患
  departments 应急管理
  applies when employees > 100 人
  require officers >= 1
  explain "测试"
  remedy "测试"
}

rule T-2 "测试二" {
  cite 安全生产法 第三十条
  severity 一般隐患
  departments 应急管理
  require all w in special_workers { w.certificate != none }
  explain "测试"
  remedy "测试"
}
"#,
    );
    let file = parse(&src).map_err(|e| e[0].message.clone()).unwrap();
    let program = check(&[file], &schema(), &NoTables, None)
        .map_err(|e| format!("{e:?}"))
        .unwrap()
        .program;
    assert_eq!(
        program.reads("T-1"),
        [
            "safety_org.full_time_officers",
            "safety_org.part_time_officers"
        ]
    );
    assert_eq!(
        program.reads("T-2"),
        ["special_workers", "special_workers.certificate"]
    );
    assert!(program.reads("NONE").is_empty());
    let all = reads_of(&program);
    assert_eq!(all.len(), 2);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    const RULES: [&str; 6] = ["R0", "R1", "R2", "R3", "R4", "R5"];
    const DEPTS: [&str; 3] = ["应急管理", "消防救援", "市场监管"];

    fn prop_reads() -> Reads {
        // R0/R1 and R2/R3 read the same fields
        reads(&[
            ("R0", &["a.x"]),
            ("R1", &["a.x"]),
            ("R2", &["b.y", "b.z"]),
            ("R3", &["b.y", "b.z"]),
            ("R4", &["c.w"]),
            ("R5", &["d.v"]),
        ])
    }

    fn colour(k: u8) -> Colour {
        match k % 5 {
            0 => Colour::Red,
            1 => Colour::Orange,
            2 => Colour::Yellow,
            3 => Colour::Blue,
            _ => Colour::Unchecked,
        }
    }

    fn outcome(k: u8) -> Outcome {
        match k % 4 {
            0 => Outcome::Fail,
            1 => Outcome::Unknown,
            2 => Outcome::Pass,
            _ => Outcome::NotApplicable,
        }
    }

    /// (colour, score, findings as (rule, outcome, major, department mask), visits per department)
    type Spec = (u8, u32, Vec<(usize, u8, bool, u8)>, [u32; 3]);

    fn candidates(specs: &[Spec]) -> Vec<Candidate> {
        specs
            .iter()
            .enumerate()
            .map(|(i, (k, score, fs, visits))| {
                let mut seen = BTreeSet::new();
                let findings = fs
                    .iter()
                    .filter(|(r, ..)| seen.insert(*r))
                    .map(|(r, o, major, mask)| {
                        let depts: Vec<&str> = DEPTS
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| mask & (1 << j) != 0)
                            .map(|(_, d)| *d)
                            .collect();
                        let depts = if depts.is_empty() {
                            vec![DEPTS[0]]
                        } else {
                            depts
                        };
                        let sev = if *major {
                            Severity::Major
                        } else {
                            Severity::General
                        };
                        finding(RULES[*r], outcome(*o), sev, &depts)
                    })
                    .collect();
                let mut c = candidate(&format!("E{i:02}"), colour(*k), *score, findings);
                for (d, n) in DEPTS.iter().zip(visits) {
                    if *n > 0 {
                        c.visits.insert(d.to_string(), *n);
                    }
                }
                c
            })
            .collect()
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (
            0u8..5,
            0u32..100,
            proptest::collection::vec((0usize..6, 0u8..4, any::<bool>(), 0u8..8), 0..7),
            [0u32..4, 0u32..4, 0u32..4],
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn every_finding_is_placed_once_and_caps_hold(
            specs in proptest::collection::vec(spec(), 0..14),
            seed in any::<u64>(),
            cap in 0u32..4,
        ) {
            let mut req = request(seed);
            req.cap = cap;
            let (s, sc, r) = (settings(), schema(), prop_reads());
            let plan = build(&req, candidates(&specs), &s, &sc, &r).unwrap();
            let again = build(&req, candidates(&specs), &s, &sc, &r).unwrap();
            prop_assert_eq!(&plan, &again);
            let by_uscc: BTreeMap<String, Candidate> =
                candidates(&specs).into_iter().map(|c| (c.uscc.clone(), c)).collect();
            let capped = |c: &Candidate, d: &str| c.visits.get(d).copied().unwrap_or(0) >= cap;

            // every 红/橙/未检查 enterprise is planned or left out with a reason
            let placed: BTreeSet<&str> = plan.enterprises.iter().map(|p| p.uscc.as_str())
                .chain(plan.left_out.iter().map(|l| l.uscc.as_str())).collect();
            for c in by_uscc.values() {
                if matches!(c.assessment.colour, Colour::Red | Colour::Orange | Colour::Unchecked) {
                    prop_assert!(placed.contains(c.uscc.as_str()), "{} not placed", c.uscc);
                }
            }
            let rest = by_uscc.values()
                .filter(|c| matches!(c.assessment.colour, Colour::Yellow | Colour::Blue)).count();
            let drawn = placed.iter()
                .filter(|u| by_uscc.get(**u).is_some_and(|c| matches!(c.assessment.colour, Colour::Yellow | Colour::Blue)))
                .count();
            let wanted = ((0.25 * rest as f64).ceil() as usize).max(1).min(rest);
            prop_assert_eq!(drawn, wanted);

            let mut items_after = 0;
            let mut items_before = 0;
            for p in &plan.enterprises {
                let c = &by_uscc[&p.uscc];
                let active: Vec<&Item> = items(p);
                items_after += active.len();
                items_before += p.counts.rules;
                let mut ids: Vec<&str> = active.iter().copied().chain(p.deferred.iter())
                    .flat_map(|i| i.rules.iter().map(|r| r.id.as_str())).collect();
                let n = ids.len();
                ids.sort_unstable();
                ids.dedup();
                prop_assert_eq!(ids.len(), n, "a rule placed twice");
                let findings = c.result.as_ref().map(|r| r.findings.clone()).unwrap_or_default();
                for f in &findings {
                    let placed = ids.contains(&f.rule.as_str());
                    match f.outcome {
                        Outcome::Fail | Outcome::Unknown => prop_assert!(placed, "{} missing", f.rule),
                        Outcome::NotApplicable => prop_assert!(!placed),
                        Outcome::Pass => prop_assert!(!placed || p.reason == Reason::Random),
                    }
                }
                prop_assert!(p.counts.spot <= 1);
                for i in &active {
                    let major_fail = i.rules.iter()
                        .any(|r| r.outcome == Outcome::Fail && r.severity == Severity::Major);
                    prop_assert!(!i.lead.is_empty());
                    prop_assert!(!capped(c, &i.lead) || major_fail);
                    for d in &i.capped {
                        prop_assert!(capped(c, d));
                        prop_assert!(*d != i.lead && !i.participating.contains(d));
                    }
                }
                for i in &p.deferred {
                    prop_assert!(!i.rules.iter()
                        .any(|r| r.outcome == Outcome::Fail && r.severity == Severity::Major));
                    prop_assert!(i.capped.iter().all(|d| capped(c, d)));
                    prop_assert!(i.lead.is_empty());
                }
            }
            for l in &plan.left_out {
                let c = &by_uscc[&l.uscc];
                let free = s.departments.order.iter().any(|d| !capped(c, d));
                prop_assert!(!l.deferred.is_empty() || !free);
            }
            let f = plan.figures;
            prop_assert_eq!(f.items_after, items_after);
            prop_assert_eq!(f.items_before, items_before);
            prop_assert!(f.items_after <= f.items_before);
            prop_assert_eq!(f.visits_after, plan.enterprises.len());
            prop_assert!(f.visits_before >= f.visits_after);
            prop_assert!(f.minutes_after <= f.minutes_before);
        }
    }
}
