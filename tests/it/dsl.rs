//! The rule language, stage by stage: parser (syntax errors as snapshots),
//! checker (type, unit, name and citation errors as snapshots), evaluator
//! semantics (three-valued logic, dates, units, collections, tables,
//! derived values, exceptions and conflicts), the formatter (idempotent,
//! parse(fmt(x)) == parse(x)), the example pack, and property tests: the
//! evaluator never panics on generated records, and the parser never panics
//! on random or mutated text (the stable-toolchain stand-in for the fuzz target).

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use jiff::civil::{Date, date};
use proptest::prelude::*;
use regkb::check::Outcome;
use regkb::dsl::{
    self, CheckedProgram, CitationResolver, Evaluation, Resolution, SourceFile, Truth, render_all,
};
use regkb::record::Schema;
use regkb::statute::ArticleNo;
use serde_json::{Value, json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

static SCHEMA: LazyLock<Schema> =
    LazyLock::new(|| Schema::load_dir(&root().join("rules/schema")).unwrap());

fn tables(path: &str) -> Result<String, String> {
    std::fs::read_to_string(root().join("rules/tables").join(path)).map_err(|e| e.to_string())
}

fn sources(files: &[(&str, &str)]) -> Vec<Arc<SourceFile>> {
    files.iter().map(|(n, t)| SourceFile::new(*n, *t)).collect()
}

/// Parses and checks; Ok(program) or Err(rendered diagnostics).
fn compile_files(
    files: &[(&str, &str)],
    resolver: Option<&dyn CitationResolver>,
) -> Result<CheckedProgram, String> {
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for s in sources(files) {
        match dsl::parse(&s) {
            Ok(f) => parsed.push(f),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Err(render_all(&errors));
    }
    dsl::check(&parsed, &SCHEMA, &tables, resolver)
        .map(|c| c.program)
        .map_err(|e| render_all(&e))
}

fn compile(src: &str) -> Result<CheckedProgram, String> {
    compile_files(&[("test.rule", src)], None)
}

fn program(src: &str) -> CheckedProgram {
    compile(src).unwrap_or_else(|e| panic!("{e}"))
}

fn errors(src: &str) -> String {
    match compile(src) {
        Ok(_) => panic!("expected errors for:\n{src}"),
        Err(e) => e,
    }
}

const DAY: Date = date(2026, 11, 28);

/// A rule with the given applicability and requirement.
fn rule(applies: Option<&str>, require: &str) -> String {
    let applies = applies
        .map(|a| format!("  applies when {a}\n"))
        .unwrap_or_default();
    format!(
        "rule T-1 \"测试规则\" {{\n  cite 安全生产法 第四十一条\n  severity 一般隐患\n  departments 应急管理\n{applies}  require {require}\n  explain \"不符合\"\n  remedy \"整改\"\n}}\n"
    )
}

fn run(src: &str, record: Value, day: Date) -> Evaluation {
    dsl::evaluate(&program(src), &record, day)
}

#[track_caller]
fn check(require: &str, record: Value, expect: Outcome) {
    let e = run(&rule(None, require), record.clone(), DAY);
    assert_eq!(
        e.findings[0].outcome, expect,
        "require {require} on {record}"
    );
}

// ───────────── parser ─────────────

#[test]
fn syntax_errors_name_language_constructs() {
    let src = "rule A-1 \"标题\" {\n  cite 安全生产法 第二十四条\n  severity 中等隐患\n}\n";
    insta::assert_snapshot!(errors(src));
}

#[test]
fn every_broken_rule_in_a_file_is_reported() {
    let src = "rule A-1 \"一\" {\n  require employees >\n}\n\nrule A-2 \"二\" {\n  requier true\n}\n\nlet ok = 1\n";
    let e = errors(src);
    assert!(e.contains("test.rule:3:1"), "{e}");
    assert!(e.contains("test.rule:6:"), "{e}");
    insta::assert_snapshot!(e);
}

#[test]
fn impossible_dates_and_deep_nesting_are_errors_not_panics() {
    let e = errors(&rule(None, "as_of > 2026-02-30"));
    assert!(e.contains("日期 `2026-02-30` 不存在"), "{e}");
    let deep = format!("let x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
    let e = errors(&deep);
    assert!(e.contains("括号嵌套超过"), "{e}");
}

#[test]
fn parse_keeps_structure_and_ignores_layout() {
    let a = dsl::parse(&SourceFile::new("a", "let x = 1 t + 2 kg * 3\n")).unwrap();
    let b = dsl::parse(&SourceFile::new("b", "let   x=1 t+2 kg*3")).unwrap();
    assert_eq!(a, b);
    let c = dsl::parse(&SourceFile::new("c", "let x = (1 t + 2 kg) * 3")).unwrap();
    assert_ne!(a, c);
}

// ───────────── checker ─────────────

#[test]
fn unknown_field_names_the_path_and_suggests() {
    let e = errors(&rule(None, "safety_assesment.last_date >= as_of - 3 years"));
    assert!(
        e.contains("是不是想写 `safety_assessment`（安全评价）？"),
        "{e}"
    );
    insta::assert_snapshot!(e);
}

#[test]
fn unit_mismatch_tonnes_vs_metres_is_a_type_error() {
    let e = errors(&rule(
        None,
        "all c in units.chemicals { c.max_quantity_t < 5 m }",
    ));
    assert!(
        e.contains("`c.max_quantity_t` 是质量（t、kg），`5 m` 是长度（m），两者不能比较大小"),
        "{e}"
    );
    insta::assert_snapshot!(e);
}

#[test]
fn days_and_months_never_compare() {
    let e = errors(&rule(
        None,
        "as_of - safety_assessment.last_date > 3 months",
    ));
    assert!(
        e.contains("天数和月数不能比较：一个月有 28 到 31 天"),
        "{e}"
    );
    let e = errors("let d = 30 days + 1 months\n");
    assert!(e.contains("天数和月数不能相加"), "{e}");
}

#[test]
fn rule_without_citation_does_not_compile() {
    let src = "rule A-1 \"无依据\" {\n  severity 一般隐患\n  departments 应急管理\n  require true\n  explain \"x\"\n  remedy \"y\"\n}\n";
    let e = errors(src);
    assert!(e.contains("规则 `A-1`：没有引用（cite）任何条款"), "{e}");
    insta::assert_snapshot!(e);
}

#[test]
fn all_errors_of_a_program_come_at_once() {
    let src = "rule A-1 \"多处错误\" {\n  cite 安全生产法 第二十四条\n  severity 一般隐患\n  departments 应急管理, 环保局\n  applies when category = \"危化生产X\"\n  require employees > \"一百\" and special_workers.certificate.expires > as_of\n  explain \"{nosuch}\"\n  remedy \"y\"\n}\n";
    let e = errors(src);
    for needle in [
        "`环保局` 不是已知的部门",
        "`危化生产X` 不是允许的取值",
        "不能比较大小",
        "是列表",
        "未知字段 `nosuch`",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in\n{e}");
    }
    insta::assert_snapshot!(e);
}

#[test]
fn lists_must_be_gone_through_with_quantifiers() {
    let e = errors(&rule(None, "special_workers.certificate.expires > as_of"));
    assert!(e.contains("any/all/count/sum"), "{e}");
}

#[test]
fn derived_values_cannot_be_recursive() {
    let e = errors("let a = b + 1\nlet b = a + 1\n");
    assert!(
        e.contains("`a` 依赖它自己") || e.contains("`b` 依赖它自己"),
        "{e}"
    );
}

#[test]
fn tables_are_typed_and_checked() {
    let e = errors("table t from \"nosuch.csv\" {\n  key name\n  column name: text\n}\n");
    assert!(e.contains("读不了表文件 `nosuch.csv`"), "{e}");
    let e = errors(
        "table t from \"gb18218-2018/table3-beta-toxic-gases.csv\" {\n  key name\n  column name: text\n  column gamma: number\n}\n",
    );
    assert!(e.contains("没有 `gamma` 列"), "{e}");
    let e = errors(
        "table t from \"gb18218-2018/table3-beta-toxic-gases.csv\" {\n  key name\n  column name: integer\n  column beta: number\n}\n",
    );
    assert!(e.contains("不是 text 或 names 列"), "{e}");
    let e = errors(
        "table t from \"gb18218-2018/table2-hazard-classes.csv\" {\n  key symbol\n  column symbol: text\n  column description: integer\n}\n",
    );
    assert!(e.contains("不是整数"), "{e}");
}

struct FakeCorpus;

impl CitationResolver for FakeCorpus {
    fn resolve(
        &self,
        law: &str,
        article: ArticleNo,
        _p: Option<u32>,
        _i: Option<u32>,
        on: Option<Date>,
    ) -> Resolution {
        if !law.contains("安全生产法") {
            return Resolution::NoSuchLaw;
        }
        let full_title = "中华人民共和国安全生产法".to_string();
        if article.number > 119 {
            return Resolution::NoSuchArticle { full_title };
        }
        Resolution::Found {
            full_title,
            in_force_on_date: on.is_none_or(|d| d >= date(2021, 9, 1)),
        }
    }
}

#[test]
fn citations_are_resolved_against_the_corpus() {
    let bad = rule(None, "true").replace("第四十一条", "第一百五十条");
    let e = compile_files(&[("c.rule", &bad)], Some(&FakeCorpus)).unwrap_err();
    assert!(
        e.contains("中华人民共和国安全生产法没有第一百五十条"),
        "{e}"
    );
    // not in force on the rule's start date: a warning, the program still builds
    let early = rule(None, "true").replace("  severity", "  effective from 2020-01-01\n  severity");
    let src = SourceFile::new("w.rule", early);
    let f = dsl::parse(&src).unwrap();
    let checked = dsl::check(&[f], &SCHEMA, &tables, Some(&FakeCorpus)).unwrap();
    assert_eq!(checked.warnings.len(), 1);
    assert!(
        checked.warnings[0]
            .message
            .contains("在规则的起始日 2020-01-01 尚未施行或已失效")
    );
    let cites = &checked.program.rules().next().unwrap().citations;
    assert_eq!(cites[0].law, "中华人民共和国安全生产法");
    assert_eq!(cites[0].article, Some(41));
}

#[test]
fn overlapping_rule_versions_are_refused() {
    let a = rule(None, "true").replace("  severity", "  effective from 2026-01-01\n  severity");
    let b = rule(None, "false").replace("  severity", "  effective from 2026-06-01\n  severity");
    let e = compile_files(&[("a.rule", &a), ("b.rule", &b)], None).unwrap_err();
    assert!(e.contains("在部分相同日期也有效"), "{e}");
}

// ───────────── three-valued logic ─────────────

#[test]
fn truth_tables() {
    use Truth::*;
    let all = [True, False, Unknown];
    let and = [
        [True, False, Unknown],
        [False, False, False],
        [Unknown, False, Unknown],
    ];
    let or = [
        [True, True, True],
        [True, False, Unknown],
        [True, Unknown, Unknown],
    ];
    for (i, a) in all.iter().enumerate() {
        for (j, b) in all.iter().enumerate() {
            assert_eq!(a.and(*b), and[i][j], "{a:?} and {b:?}");
            assert_eq!(a.or(*b), or[i][j], "{a:?} or {b:?}");
        }
    }
    assert_eq!(True.not(), False);
    assert_eq!(Unknown.not(), Unknown);
}

#[test]
fn three_valued_logic_in_rules() {
    // in_chemical_park is absent: unknown
    let u = json!({});
    check(
        "in_chemical_park = true and false",
        u.clone(),
        Outcome::Fail,
    );
    check(
        "false and in_chemical_park = true",
        u.clone(),
        Outcome::Fail,
    );
    check("in_chemical_park = true or true", u.clone(), Outcome::Pass);
    check("true or in_chemical_park = true", u.clone(), Outcome::Pass);
    check(
        "in_chemical_park = true and true",
        u.clone(),
        Outcome::Unknown,
    );
    check(
        "in_chemical_park = true or false",
        u.clone(),
        Outcome::Unknown,
    );
    check("not in_chemical_park = true", u.clone(), Outcome::Unknown);
    check("in_chemical_park = false", u, Outcome::Unknown);
    // absent is unknown, never "no"
    check(
        "in_chemical_park = false",
        json!({"in_chemical_park": false}),
        Outcome::Pass,
    );
}

#[test]
fn unknown_lists_missing_pointers() {
    let e = run(
        &rule(Some("employees > 100"), "safety_org.has_department = true"),
        json!({"employees": 120, "safety_org": {}}),
        DAY,
    );
    assert_eq!(e.findings[0].outcome, Outcome::Unknown);
    assert_eq!(e.findings[0].missing, ["/safety_org/has_department"]);
    // unknown applicability but requirement met: pass
    let e = run(&rule(Some("employees > 100"), "true"), json!({}), DAY);
    assert_eq!(e.findings[0].outcome, Outcome::Pass);
    let e = run(&rule(Some("employees > 100"), "false"), json!({}), DAY);
    assert_eq!(e.findings[0].outcome, Outcome::Unknown);
    assert_eq!(e.findings[0].missing, ["/employees"]);
}

#[test]
fn null_is_a_known_none() {
    let req =
        "all w in special_workers { w.certificate != none and w.certificate.expires >= as_of }";
    check(
        req,
        json!({"special_workers": [{"certificate": null}]}),
        Outcome::Fail,
    );
    check(req, json!({"special_workers": [{}]}), Outcome::Unknown);
    check(
        req,
        json!({"special_workers": [{"certificate": {"expires": "2027-01-01"}}]}),
        Outcome::Pass,
    );
    check(
        "gas_use.gas_alarm = true",
        json!({"gas_use": {"gas_alarm": null}}),
        Outcome::Fail,
    );
}

// ───────────── dates, durations and units ─────────────

#[test]
fn month_arithmetic_clamps_to_month_end() {
    let day = |y, m, d| date(y, m, d);
    let src = rule(None, "safety_assessment.last_date >= as_of - 1 months");
    let rec = |d: &str| json!({"safety_assessment": {"last_date": d}});
    // 2026-03-31 - 1 month = 2026-02-28
    assert_eq!(
        run(&src, rec("2026-02-28"), day(2026, 3, 31)).findings[0].outcome,
        Outcome::Pass
    );
    assert_eq!(
        run(&src, rec("2026-02-27"), day(2026, 3, 31)).findings[0].outcome,
        Outcome::Fail
    );
    // 2024-02-29 + 12 months = 2025-02-28
    let src = rule(None, "safety_assessment.last_date + 1 years >= as_of");
    assert_eq!(
        run(&src, rec("2024-02-29"), day(2025, 2, 28)).findings[0].outcome,
        Outcome::Pass
    );
    assert_eq!(
        run(&src, rec("2024-02-29"), day(2025, 3, 1)).findings[0].outcome,
        Outcome::Fail
    );
    // days count exactly
    let src = rule(None, "safety_assessment.last_date < as_of + 30 days");
    assert_eq!(
        run(&src, rec("2026-12-27"), DAY).findings[0].outcome,
        Outcome::Pass
    );
    assert_eq!(
        run(&src, rec("2026-12-28"), DAY).findings[0].outcome,
        Outcome::Fail
    );
    // date - date is days
    check(
        "as_of - safety_assessment.last_date <= 365 days",
        rec("2025-11-28"),
        Outcome::Pass,
    );
    check(
        "as_of - safety_assessment.last_date <= 365 days",
        rec("2025-11-27"),
        Outcome::Fail,
    );
    check(
        "3 years before as_of = 2023-11-28",
        json!({}),
        Outcome::Pass,
    );
    check(
        "1 months after 2026-01-31 = 2026-02-28",
        json!({}),
        Outcome::Pass,
    );
}

#[test]
fn tonnes_and_kilograms_convert() {
    check("1 t = 1000 kg", json!({}), Outcome::Pass);
    check("500 kg + 0.5 t = 1 t", json!({}), Outcome::Pass);
    let req = "any c in units.chemicals { c.max_quantity_t >= 2500 kg }";
    check(
        req,
        json!({"units": [{"chemicals": [{"max_quantity_t": 2.5}]}]}),
        Outcome::Pass,
    );
    check(
        req,
        json!({"units": [{"chemicals": [{"max_quantity_t": 2.4}]}]}),
        Outcome::Fail,
    );
    check(
        "employees > 100 人",
        json!({"employees": 101}),
        Outcome::Pass,
    );
    let e = errors(&rule(None, "employees > 100 t"));
    assert!(
        e.contains("`employees` 是人数（人），`100 t` 是质量（t、kg），两者不能比较大小"),
        "{e}"
    );
}

#[test]
fn wrong_json_types_give_unknown_not_panic() {
    check(
        "employees > 1",
        json!({"employees": "many"}),
        Outcome::Unknown,
    );
    check(
        "safety_assessment.last_date < as_of",
        json!({"safety_assessment": {"last_date": "2026-02-30"}}),
        Outcome::Unknown,
    );
    check(
        "all w in special_workers { w.name = \"x\" }",
        json!({"special_workers": 7}),
        Outcome::Unknown,
    );
    check(
        "all w in special_workers { w.name = \"x\" }",
        json!([]),
        Outcome::Unknown,
    );
}

// ───────────── collections ─────────────

#[test]
fn collections_report_which_items_failed() {
    let src = rule(
        None,
        "all w in special_workers { w.certificate.expires >= as_of }",
    );
    let rec = json!({"special_workers": [
        {"name": "甲", "certificate": {"expires": "2027-01-01"}},
        {"name": "乙", "certificate": {"expires": "2026-01-01"}},
        {"name": "丙", "certificate": {"expires": "2025-01-01"}}
    ]});
    let e = run(&src, rec, DAY);
    let f = &e.findings[0];
    assert_eq!(f.outcome, Outcome::Fail);
    let paths: Vec<&str> = f.facts.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/special_workers/1/certificate/expires",
            "/special_workers/2/certificate/expires"
        ]
    );
}

#[test]
fn count_sum_any_and_filters() {
    let rec = json!({"units": [
        {"id": "A", "chemicals": [{"name": "氯", "max_quantity_t": 2}, {"name": "氨", "max_quantity_t": 3}]},
        {"id": "B", "chemicals": [{"name": "甲醇", "max_quantity_t": 10}]}
    ]});
    check(
        "sum c in units.chemicals { c.max_quantity_t } = 15 t",
        rec.clone(),
        Outcome::Pass,
    );
    check(
        "sum c in units.chemicals where c.name != \"甲醇\" { c.max_quantity_t } = 5 t",
        rec.clone(),
        Outcome::Pass,
    );
    check("count u in units = 2", rec.clone(), Outcome::Pass);
    check(
        "count c in units.chemicals { c.max_quantity_t > 2.5 t } = 2",
        rec.clone(),
        Outcome::Pass,
    );
    check(
        "any u in units { u.id = \"B\" }",
        rec.clone(),
        Outcome::Pass,
    );
    check(
        "all u in units where u.id = \"A\" { count c in u.chemicals = 2 }",
        rec.clone(),
        Outcome::Pass,
    );
    check(
        "list u in units { u.id } contains \"B\"",
        rec,
        Outcome::Pass,
    );
    // empty lists: all = true, any = false
    check(
        "all u in units { false }",
        json!({"units": []}),
        Outcome::Pass,
    );
    check(
        "any u in units { true }",
        json!({"units": []}),
        Outcome::Fail,
    );
    // absent list: unknown
    check("any u in units { true }", json!({}), Outcome::Unknown);
}

// ───────────── tables and derived values ─────────────

fn pack() -> CheckedProgram {
    let dir = root().join("rules/examples");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "rule") {
            files.push((
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    files.sort();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    compile_files(&refs, None).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn gb18218_worked_cases() {
    let p = pack();
    let hz = |units: Value| dsl::evaluate(&p, &json!({ "units": units }), DAY).major_hazards;
    let h = hz(
        json!([{"id": "A", "population_500m": 0, "chemicals": [{"name": "氯", "max_quantity_t": 5}, {"name": "氨", "max_quantity_t": 5}]}]),
    );
    assert_eq!(
        (h[0].s, h[0].is_major, h[0].r, h[0].grade),
        (Some(1.5), Some(true), Some(2.5), Some(4))
    );
    let h = hz(
        json!([{"id": "A", "population_500m": 100, "chemicals": [{"name": "氯", "max_quantity_t": 250}]}]),
    );
    assert_eq!((h[0].r, h[0].grade), (Some(400.0), Some(1)));
    let h = hz(
        json!([{"id": "B", "population_500m": 10, "chemicals": [{"name": "甲醇", "max_quantity_t": 400}]}]),
    );
    assert_eq!(
        (h[0].s, h[0].is_major, h[0].r, h[0].grade),
        (Some(0.8), Some(false), None, None)
    );
    // β unknown (substance not in table 3, no class given): r and grade null
    let h = hz(
        json!([{"id": "C", "population_500m": 10, "chemicals": [{"name": "甲醇", "max_quantity_t": 600}]}]),
    );
    assert_eq!(
        (h[0].s, h[0].is_major, h[0].r, h[0].grade),
        (Some(1.2), Some(true), None, None)
    );
    // ... and with the class: β from table 4
    let h = hz(
        json!([{"id": "C", "population_500m": 10, "chemicals": [{"name": "甲醇", "gb18218_class": "W5.3", "max_quantity_t": 600}]}]),
    );
    assert_eq!((h[0].r, h[0].grade), (Some(1.2), Some(4)));
}

#[test]
fn cas_lookups_are_ambiguous_when_cas_is_not_unique() {
    let p = pack();
    // 9004-70-0 names six 硝化纤维素 rows: Q is unknown
    let h = dsl::evaluate(&p, &json!({"units": [{"id": "X", "population_500m": 0, "chemicals": [{"name": "某硝化棉制品", "cas": "9004-70-0", "max_quantity_t": 100}]}]}), DAY).major_hazards;
    assert_eq!(h[0].s, None);
    // a unique CAS resolves: 7782-50-5 is 氯 (Q = 5 t)
    let h = dsl::evaluate(&p, &json!({"units": [{"id": "X", "population_500m": 0, "chemicals": [{"name": "氯气钢瓶", "cas": "7782-50-5", "max_quantity_t": 10}]}]}), DAY).major_hazards;
    assert_eq!(h[0].s, Some(2.0));
    // the name with its qualifier is unique
    let h = dsl::evaluate(&p, &json!({"units": [{"id": "X", "population_500m": 0, "chemicals": [{"name": "硝化纤维素(含乙醇≥25%)", "max_quantity_t": 5}]}]}), DAY).major_hazards;
    assert_eq!(h[0].s, Some(0.5));
}

#[test]
fn derived_values_appear_in_facts() {
    let p = pack();
    let rec = json!({"units": [{"id": "罐区A", "population_500m": 0, "chemicals": [{"name": "液氯", "max_quantity_t": 6}], "major_hazard": {"registered": true, "filed": false}}]});
    let e = dsl::evaluate(&p, &rec, DAY);
    let f = e.findings.iter().find(|f| f.rule == "GB-MH-013").unwrap();
    let s = f
        .facts
        .iter()
        .find(|x| x.path == "derived:S(/units/0)")
        .unwrap();
    assert_eq!(s.value, json!(1.2));
}

#[test]
fn table_versions_follow_their_effective_dates() {
    let p = pack();
    let rec = json!({"units": [{"id": "A", "population_500m": 0, "chemicals": [{"name": "氯", "max_quantity_t": 5}]}]});
    assert_eq!(
        dsl::evaluate(&p, &rec, date(2019, 2, 28)).major_hazards[0].s,
        None
    );
    assert_eq!(
        dsl::evaluate(&p, &rec, date(2019, 3, 1)).major_hazards[0].s,
        Some(1.0)
    );
}

// ───────────── rule versions, exceptions and conflicts ─────────────

#[test]
fn rules_in_force_are_picked_by_date() {
    let p = pack();
    let rec =
        json!({"hazchem_activities": ["生产"], "safety_assessment": {"last_date": "2020-01-01"}});
    let ids = |d| {
        dsl::evaluate(&p, &rec, d)
            .findings
            .into_iter()
            .map(|f| f.rule.to_string())
            .collect::<Vec<_>>()
    };
    assert!(!ids(date(2026, 4, 30)).contains(&"WHP-039".to_string()));
    assert!(ids(date(2026, 5, 1)).contains(&"WHP-039".to_string()));
    // findings are ordered by rule id
    let all = ids(DAY);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);
}

#[test]
fn exceptions_replace_the_general_rule_and_conflicts_are_reported() {
    let p = pack();
    let park = json!({"category": "化工", "in_chemical_park": true, "employees": 150, "safety_org": {"has_department": false, "full_time_officers": 2}});
    let e = dsl::evaluate(&p, &park, DAY);
    let get = |e: &Evaluation, id: &str| e.findings.iter().find(|f| f.rule == id).unwrap().outcome;
    assert_eq!(get(&e, "LOCAL-024"), Outcome::Fail);
    assert_eq!(get(&e, "AQ-024-2"), Outcome::NotApplicable);
    let plain = json!({"category": "工贸", "in_chemical_park": false, "employees": 120, "safety_org": {"has_department": true, "full_time_officers": 1}});
    let e = dsl::evaluate(&p, &plain, DAY);
    assert_eq!(e.conflicts.len(), 1);
    assert_eq!(e.conflicts[0].rules, ["AQ-024-2", "DEMO-024"]);
    // the same record twice gives the same answer (no order dependence)
    assert_eq!(dsl::evaluate(&p, &plain, DAY), e);
}

#[test]
fn example_pack_passes_its_own_examples() {
    let p = pack();
    let reports = dsl::run_examples(&p);
    assert!(reports.len() >= 30);
    let failed: Vec<_> = reports.iter().filter(|r| !r.passed()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn failing_examples_show_a_diff() {
    let src = rule(None, "employees > 10").replace("}\n", "  example \"错的期望\" {\n    as_of 2026-11-28\n    record {\"employees\": 5}\n    expect pass \"好\"\n  }\n}\n");
    let p = program(&src);
    let r = dsl::run_examples(&p);
    insta::assert_snapshot!(r[0].failures.join("\n"));
}

// ───────────── formatter ─────────────

#[test]
fn fmt_is_idempotent_and_preserves_meaning_on_the_pack() {
    for entry in std::fs::read_dir(root().join("rules/examples")).unwrap() {
        let p = entry.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let a = dsl::parse(&SourceFile::new("a", text.clone())).unwrap();
        let once = dsl::format_file(&a);
        let b = dsl::parse(&SourceFile::new("b", once.clone())).unwrap();
        assert_eq!(a, b, "{p:?}");
        assert_eq!(dsl::format_file(&b), once, "{p:?}");
        assert_eq!(once, text, "{p:?} is not in canonical layout");
    }
}

fn expr_strategy() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("employees".to_string()),
        Just("as_of".to_string()),
        Just("none".to_string()),
        Just("true".to_string()),
        (0u32..1000).prop_map(|n| n.to_string()),
        (
            0u32..100,
            prop::sample::select(vec!["t", "kg", "人", "days", "months", "years", "m³"])
        )
            .prop_map(|(n, u)| format!("{n} {u}")),
        Just("2026-05-01".to_string()),
        Just("\"危化生产\"".to_string()),
        Just("safety_org.full_time_officers".to_string()),
    ];
    leaf.prop_recursive(4, 32, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec![
                    "and",
                    "or",
                    "=",
                    "!=",
                    "<",
                    "<=",
                    ">",
                    ">=",
                    "+",
                    "-",
                    "*",
                    "/",
                    "otherwise",
                    "before",
                    "contains",
                    "in"
                ]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("any w in special_workers where {a} {{ {b} }}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("if {a} then {b} else {c}")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("[{a}, {b}]")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn fmt_round_trips_expressions(e in expr_strategy()) {
        let text = format!("let x = {e}\n");
        let a = dsl::parse(&SourceFile::new("a", text)).unwrap();
        let once = dsl::format_file(&a);
        let b = dsl::parse(&SourceFile::new("b", once.clone())).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(dsl::format_file(&b), once);
    }

    #[test]
    fn parser_never_panics_on_random_text(s in "\\PC{0,200}") {
        let _ = dsl::parse(&SourceFile::new("r", s));
    }

    #[test]
    fn parser_never_panics_on_mutated_rules(cut in 0usize..2000, insert in "[{}()\\[\\]\"#=<>a-z0-9 \n第条款]{0,8}") {
        let text = std::fs::read_to_string(root().join("rules/examples/special-workers.rule")).unwrap();
        let mut cut = cut.min(text.len());
        while !text.is_char_boundary(cut) { cut -= 1; }
        let mutated = format!("{}{}{}", &text[..cut], insert, &text[cut..]);
        if let Ok(f) = dsl::parse(&SourceFile::new("m", mutated)) {
            let _ = dsl::check(&[f], &SCHEMA, &tables, None);
        }
    }

    #[test]
    fn evaluator_never_panics_on_generated_records(rec in arb_json(), y in 2000i16..2100, m in 1i8..=12, d in 1i8..=28) {
        static PACK: LazyLock<CheckedProgram> = LazyLock::new(pack);
        let e = dsl::evaluate(&PACK, &rec, date(y, m, d));
        prop_assert!(e.findings.iter().all(|f| f.outcome != Outcome::Unknown || !f.explanation.is_empty()));
    }
}

/// JSON shaped like records (the real field names with arbitrary values) and
/// arbitrary JSON around them.
fn arb_json() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1.0e6f64..1.0e6).prop_map(|f| json!(f)),
        any::<i64>().prop_map(|i| json!(i)),
        prop::sample::select(vec![
            "2026-02-30",
            "2024-02-29",
            "2026-11-28",
            "生产",
            "储存",
            "氯",
            "液氨",
            "W5.4",
            "9004-70-0",
            "",
            "x"
        ])
        .prop_map(|s| json!(s)),
    ];
    let keys = prop::sample::select(vec![
        "employees",
        "category",
        "hazchem_activities",
        "safety_org",
        "has_department",
        "full_time_officers",
        "part_time_officers",
        "special_workers",
        "certificate",
        "expires",
        "next_review",
        "name",
        "units",
        "id",
        "population_500m",
        "chemicals",
        "max_quantity_t",
        "gb18218_class",
        "cas",
        "major_hazard",
        "registered",
        "filed",
        "controls",
        "sis",
        "automation",
        "safety_assessment",
        "last_date",
        "in_chemical_park",
        "special_equipment",
        "next_inspection",
        "kind",
    ]);
    scalar.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

// ───────────── limits ─────────────

#[test]
fn overlong_expressions_are_refused() {
    let long = format!("let x = 1{}\n", " + 1".repeat(400));
    assert!(errors(&long).contains("运算符超过 300 个"));
    let nots = format!("let x = {}true\n", "not ".repeat(400));
    assert!(errors(&nots).contains("运算符超过 300 个"));
}

#[test]
fn long_chains_of_derived_values_hit_the_depth_guard_not_the_stack() {
    // defined in order: the checker takes them one by one; the evaluator's guard stops the chain
    let mut src = String::from("let a0 = employees\n");
    for k in 1..300 {
        src.push_str(&format!("let a{k} = a{} + 1\n", k - 1));
    }
    src.push_str(&rule(None, "a299 > 0"));
    let e = run(&src, json!({"employees": 1}), DAY);
    assert_eq!(e.findings[0].outcome, Outcome::Unknown);
    assert!(
        e.findings[0].explanation.contains("层次过深"),
        "{}",
        e.findings[0].explanation
    );
    // defined backwards: the checker refuses the chain
    let mut back = String::new();
    for k in (1..300).rev() {
        back.push_str(&format!("let a{k} = a{} + 1\n", k - 1));
    }
    back.push_str("let a0 = employees\n");
    assert!(errors(&back).contains("层层依赖的其他派生值超过"));
    // a short chain evaluates normally
    let mut ok = String::from("let a0 = employees\n");
    for k in 1..20 {
        ok.push_str(&format!("let a{k} = a{} + 1\n", k - 1));
    }
    ok.push_str(&rule(None, "a19 = 20"));
    assert_eq!(
        run(&ok, json!({"employees": 1}), DAY).findings[0].outcome,
        Outcome::Pass
    );
}

/// Found by the fuzz target: a comment with trailing blanks, and a comment
/// right after a column on the same line, changed the tree when formatted.
#[test]
fn fuzz_regression_comments_keep_their_meaning_through_fmt() {
    for text in [
        "table t from \"x.csv\" {\n  # \n  key a\n  column a: number# c t\n}\n",
        "rule A \"t\" {\n  #   \n  require true\n}\n#  \n",
        "# 末尾的注释后面只有空行\n\n\n",
        "# 注释\n\nrule A \"t\" {\n  require true\n}\n",
    ] {
        let a = dsl::parse(&SourceFile::new("a", text)).unwrap();
        let once = dsl::format_file(&a);
        let b = dsl::parse(&SourceFile::new("b", once.clone())).unwrap();
        assert_eq!(a, b, "{once}");
        assert_eq!(dsl::format_file(&b), once);
    }
}

// ───────────── bad input in rule files and their examples ─────────────

/// A rule with one embedded example whose `as_of` and `record` are given.
fn rule_with_example(as_of: &str, record: &str) -> String {
    rule(None, "employees > 0 人").replace(
        "  remedy \"整改\"\n",
        &format!(
            "  remedy \"整改\"\n  example \"例\" {{\n    as_of {as_of}\n    record {record}\n    expect pass\n  }}\n"
        ),
    )
}

#[test]
fn impossible_date_in_an_example_is_a_parse_error() {
    let e = errors(&rule_with_example("2026-02-30", r#"{"employees": 3}"#));
    assert!(e.contains("日期 `2026-02-30` 不存在"), "{e}");
    assert!(e.contains("test.rule:9:11"), "{e}");
}

#[test]
fn example_records_with_wrong_types_are_errors_pointing_at_the_value() {
    let e = errors(&rule_with_example(
        "2026-02-28",
        r#"{"employees": "十个", "safety_assessment": {"last_date": "2026-02-30"}, "employes": 3}"#,
    ));
    for needle in [
        "示例记录 `/employees`",
        "实际为字符串 `十个`",
        "示例记录 `/safety_assessment/last_date`",
        "`2026-02-30` 不存在",
        "`/employes`",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in\n{e}");
    }
    insta::assert_snapshot!(e);
    // a fragment that leaves out required fields (uscc, name, …) is fine
    program(&rule_with_example("2026-02-28", r#"{"employees": 3}"#));
}

#[test]
fn unknown_names_get_did_you_mean_suggestions() {
    let e = errors(&rule(None, "true").replace("departments 应急管理", "departments 应急管里"));
    assert!(e.contains("是不是想写 `应急管理`？"), "{e}");
    let e = errors(&rule(None, "true").replace("  require", "  exception to T-2\n  require"));
    assert!(
        e.contains("它标为 `T-2` 的例外，但没有这个编号的规则"),
        "{e}"
    );
    let two = format!(
        "{}{}",
        rule(None, "true"),
        rule(None, "true")
            .replace("T-1", "B-7")
            .replace("  require", "  exception to T-11\n  require")
    );
    let e = errors(&two);
    assert!(e.contains("是不是想写 `T-1`？"), "{e}");
    let e = errors(&format!("let size = employees\n{}", rule(None, "sise > 3")));
    assert!(e.contains("未知字段 `sise`"), "{e}");
    assert!(e.contains("是不是想写 `size`？"), "{e}");
    let e = errors(&rule(
        None,
        "any w in special_workers { x.certificate = none }",
    ));
    assert!(e.contains("未知字段 `x`"), "{e}");
    let e = errors(&format!(
        "let S(u in units) = 1\n{}",
        rule(None, "any u in units { s(u) > 0 }")
    ));
    assert!(e.contains("没有名为 `s` 的派生值"), "{e}");
    assert!(e.contains("是不是想写 `S`？"), "{e}");
    insta::assert_snapshot!(e);
}

#[test]
fn messages_are_chinese_and_carry_place_caret_and_help() {
    // every diagnostic of a broken file renders file:line:col, a caret and a help line
    for src in [
        "rule A-1 \"一\" {\n  require employees >\n}\n",
        "rule A-1 \"一\" {\n  cite 安全生产法 第二十四条\n  severity 中等隐患\n}\n",
        &rule(None, "safety_assessment.last_date >= as_of - 3 m"),
        &rule(None, "employees > 100 t"),
        &rule(None, "nosuch"),
        &rule(None, "30 days < 1 months"),
    ] {
        let e = errors(src);
        assert!(e.contains("╭─[test.rule:"), "{e}");
        assert!(e.contains("╰──"), "{e}");
        assert!(e.contains("help: "), "{e}");
        // no English sentence words in the message or help
        for word in [
            " is not ",
            " cannot ",
            "expected ",
            " did you mean",
            " here",
        ] {
            assert!(!e.contains(word), "English {word:?} in\n{e}");
        }
    }
}

#[test]
fn table_file_problems_name_the_csv_line() {
    let csv =
        |_: &str| -> Result<String, String> { Ok("name,q\n氯,1\n氨,2,3\n苯,多\n".to_string()) };
    let src = SourceFile::new(
        "t.rule",
        "table t from \"x.csv\" {\n  key name\n  column name: text\n  column q: number t\n}\n",
    );
    let f = dsl::parse(&src).unwrap();
    let e = render_all(&dsl::check(&[f], &SCHEMA, &csv, None).err().unwrap());
    assert!(e.contains("这一行有 3 格，表头有 2 格"), "{e}");
    assert!(e.contains("`q` 列里的 `多` 不是数字"), "{e}");
    assert!(e.contains("tables/x.csv:3:"), "{e}");
    assert!(e.contains("tables/x.csv:4:"), "{e}");
}

#[test]
fn malformed_rule_files_get_clear_errors() {
    check_syntax(
        "rule X \"a {\n",
        "test.rule:1:8",
        "开头和结尾的 `\"` 要在同一行",
    );
    check_syntax(
        "rule X \"a\" {\n  cite 安全生产法 第二十四条\n",
        "规则文本提前结束了",
        "检查是否漏写了 `}`",
    );
    check_syntax(
        "rule 规则 \"a\" {\n}\n",
        "此处应为规则编号",
        "中文写在后面引号里的标题中",
    );
    check_syntax("}}}{{{", "此处应为顶层块", "这几种块组成");
    check_syntax(
        "rule X \"a\" {\n  cite 安全生产法 第二十四条 第3条\n}\n",
        "此处应为款（如 第一款）",
        "条号后面可以接款、项",
    );
    check_syntax(
        "rule X \"a\" {\n  cite 安全生产法\n}\n",
        "此处应为条（如 第二十四条）",
        "条号用 第…条",
    );
    let e = errors(&rule(None, "safety_assessment.last_date > \"2026-01-01\""));
    assert!(e.contains("日期直接写 2026-05-01，不加引号"), "{e}");
    // a byte-order mark and Windows line ends are fine
    let bom = format!("\u{feff}{}", rule(None, "true").replace('\n', "\r\n"));
    program(&bom);
}

/// The rendered syntax error contains `message` and `help`.
#[track_caller]
fn check_syntax(src: &str, message: &str, help: &str) {
    let e = errors(src);
    assert!(e.contains(message), "{message:?} not in\n{e}");
    let help_line = e.lines().find(|l| l.contains("help:")).unwrap_or("");
    assert!(help_line.contains(help), "{help:?} not in\n{e}");
}
