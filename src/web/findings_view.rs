//! View models of a check result, shared by the enterprise profile, the
//! check-result page and the printable checklist: findings grouped and
//! ordered by outcome, facts with their labels and provenance, citation
//! links, the GB 18218 table per unit, and the risk colour of an enterprise.
//!
//! Everything here is plain data for the templates (askama escapes every
//! string when it renders it); nothing here writes HTML.
//!
//! Ordering: outcome groups come as 不符合, 待现场核查, 符合, 不适用; within a
//! group 重大隐患 before 一般隐患, then by rule id.
//!
//! Checklist topics come from the core (`crate::plan::topic`, shared with the
//! joint inspection plan): the schema area of the record a finding is about.
//!
//! ```ignore
//! let view = findings_view(&result, &ViewContext { schema: &schema, provenance: None });
//! assert_eq!(view.groups[0].label, "不符合");
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use crate::check::{CheckResult, CitationOut, Finding, Outcome, Severity, cite_label};
use crate::dsl::CheckedProgram;
use crate::dsl::table::{Cell, Found};
use crate::plan::topic::{short_label, topic_of};
use crate::record::Schema;
use crate::statute::ArticleNo;
use crate::statute::numeral::to_chinese_numeral;
use crate::store::{Actor, ActorKind, FieldSource};

/// What the views need besides the result.
#[derive(Debug, Clone, Copy)]
pub struct ViewContext<'a> {
    /// Field descriptions (labels of pointers, checklist topics).
    pub schema: &'a Schema,
    /// The stored record's provenance (who set which field, when); `None` for
    /// a record pasted on the check page.
    pub provenance: Option<&'a BTreeMap<String, FieldSource>>,
}

/// All findings of a result, grouped by outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingsView {
    pub groups: Vec<OutcomeGroup>,
    pub counts: Counts,
}

/// The findings of one outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeGroup {
    pub outcome: Outcome,
    /// `不符合`, `待现场核查`, `符合`, `不适用`.
    pub label: &'static str,
    /// CSS class: `fail`, `unknown`, `pass`, `na`.
    pub class: &'static str,
    /// Shown folded (`<details>`): the not-applicable findings.
    pub collapsed: bool,
    pub findings: Vec<FindingView>,
}

/// One finding as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingView {
    pub rule: String,
    pub title: String,
    pub outcome: Outcome,
    pub outcome_label: &'static str,
    pub class: &'static str,
    pub severity: &'static str,
    /// 重大隐患.
    pub major: bool,
    pub explanation: String,
    pub facts: Vec<FactView>,
    pub missing: Vec<MissingView>,
    pub citations: Vec<CiteView>,
    /// `应急管理、消防`.
    pub departments: String,
    pub remedy: String,
    /// The checklist topic (see the module documentation).
    pub topic: String,
}

/// A fact the rule read: where, what, and who set it.
#[derive(Debug, Clone, PartialEq)]
pub struct FactView {
    /// JSON pointer, or `derived:NAME`.
    pub pointer: String,
    /// The schema's short label of the field (`上次安全评价日期`), if any.
    pub label: String,
    pub value: String,
    /// `应急管理局（部门）2026-11-28 10:00 第 3 版`; empty when unknown
    /// (derived values, pasted records).
    pub source: String,
}

/// A fact that was needed but absent from the record.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingView {
    pub pointer: String,
    pub label: String,
}

/// A citation with the link to its article page (none for standards cited
/// by clause only).
#[derive(Debug, Clone, PartialEq)]
pub struct CiteView {
    pub label: String,
    pub href: Option<String>,
}

/// The counts the list and the risk colour are built from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub fail: usize,
    /// Failures of 重大隐患 rules.
    pub major_fail: usize,
    pub unknown: usize,
    pub pass: usize,
    pub not_applicable: usize,
}

impl Counts {
    pub fn of(result: &CheckResult) -> Counts {
        let mut c = Counts::default();
        for f in &result.findings {
            match f.outcome {
                Outcome::Fail => {
                    c.fail += 1;
                    if f.severity == Severity::Major {
                        c.major_fail += 1;
                    }
                }
                Outcome::Unknown => c.unknown += 1,
                Outcome::Pass => c.pass += 1,
                Outcome::NotApplicable => c.not_applicable += 1,
            }
        }
        c
    }
}

/// CSS class of an outcome (the design system's badge classes).
pub fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Fail => "fail",
        Outcome::Unknown => "unknown",
        Outcome::Pass => "pass",
        Outcome::NotApplicable => "na",
    }
}

const OUTCOMES: [Outcome; 4] = [
    Outcome::Fail,
    Outcome::Unknown,
    Outcome::Pass,
    Outcome::NotApplicable,
];

/// Groups a result's findings by outcome (empty groups left out), each
/// group ordered 重大隐患 first, then by rule id.
pub fn findings_view(result: &CheckResult, ctx: &ViewContext<'_>) -> FindingsView {
    let mut groups = Vec::new();
    for outcome in OUTCOMES {
        let mut findings: Vec<&Finding> = result
            .findings
            .iter()
            .filter(|f| f.outcome == outcome)
            .collect();
        if findings.is_empty() {
            continue;
        }
        findings.sort_by(|a, b| {
            a.severity
                .cmp(&b.severity)
                .then_with(|| a.rule.as_str().cmp(b.rule.as_str()))
        });
        groups.push(OutcomeGroup {
            outcome,
            label: outcome.label(),
            class: outcome_class(outcome),
            collapsed: outcome == Outcome::NotApplicable,
            findings: findings.into_iter().map(|f| finding_view(f, ctx)).collect(),
        });
    }
    FindingsView {
        groups,
        counts: Counts::of(result),
    }
}

/// One finding as shown.
pub fn finding_view(f: &Finding, ctx: &ViewContext<'_>) -> FindingView {
    FindingView {
        rule: f.rule.as_str().to_string(),
        title: f.title.to_string(),
        outcome: f.outcome,
        outcome_label: f.outcome.label(),
        class: outcome_class(f.outcome),
        severity: f.severity.label(),
        major: f.severity == Severity::Major,
        explanation: f.explanation.as_str().to_string(),
        facts: f
            .facts
            .iter()
            .map(|fact| {
                let pointer = fact.path.as_str();
                FactView {
                    pointer: pointer.to_string(),
                    label: pointer_label(ctx.schema, pointer),
                    value: value_text(&fact.value),
                    source: ctx
                        .provenance
                        .and_then(|p| provenance_for(p, pointer))
                        .map(source_text)
                        .unwrap_or_default(),
                }
            })
            .collect(),
        missing: f
            .missing
            .iter()
            .map(|m| MissingView {
                pointer: m.as_str().to_string(),
                label: pointer_label(ctx.schema, m.as_str()),
            })
            .collect(),
        citations: f.citations.iter().map(cite_view).collect(),
        departments: f.departments.join("、"),
        remedy: f.remedy.to_string(),
        topic: topic_of(f, ctx.schema),
    }
}

/// A citation's label and article link.
pub fn cite_view(c: &CitationOut) -> CiteView {
    CiteView {
        label: cite_label(c),
        href: article_href(c),
    }
}

/// `/law/{law}/{article}` (the article page, linked as everywhere on the
/// site by `paths::article_href`); `之N` articles as `134-1`. `None` for a
/// standard cited by clause only.
pub fn article_href(c: &CitationOut) -> Option<String> {
    let article = c.article?;
    let no = match c.clause.as_deref().and_then(|s| s.parse::<u32>().ok()) {
        Some(sub) => ArticleNo::with_sub(article, sub),
        None => ArticleNo::new(article),
    };
    Some(super::paths::article_href(&c.law, no))
}

/// A JSON value in words: text as is, 是/否, numbers, `null` as 无, lists and
/// objects as compact JSON (long ones cut).
pub fn value_text(v: &Value) -> String {
    const MAX: usize = 160;
    match v {
        Value::Null => "无（空值）".to_string(),
        Value::Bool(true) => "是".to_string(),
        Value::Bool(false) => "否".to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => {
            let text = other.to_string();
            if text.chars().count() > MAX {
                let mut cut: String = text.chars().take(MAX).collect();
                cut.push('…');
                cut
            } else {
                text
            }
        }
    }
}

/// The schema's short label for a pointer (`/units/0/population_500m` →
/// the description of `units.population_500m`, cut at the first bracket or
/// comma); `推算值` for `derived:` facts; empty when the schema has none.
pub fn pointer_label(schema: &Schema, pointer: &str) -> String {
    if pointer.starts_with("derived:") {
        return "推算值".to_string();
    }
    let dotted = dotted_path(pointer);
    schema
        .descriptions
        .get(&dotted)
        .map(|d| short_label(d))
        .unwrap_or_default()
}

/// `/units/0/chemicals/1/name` → `units.chemicals.name` (list indices
/// dropped, `~1`/`~0` unescaped).
fn dotted_path(pointer: &str) -> String {
    pointer
        .split('/')
        .filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// Where a pointer's value came from: its own entry, or the entry of the
/// nearest enclosing leaf (lists are leaves of the provenance map), or, for
/// an object, the most recent entry of the fields inside it.
pub fn provenance_for<'a>(
    provenance: &'a BTreeMap<String, FieldSource>,
    pointer: &str,
) -> Option<&'a FieldSource> {
    if pointer.is_empty() || !pointer.starts_with('/') {
        return None;
    }
    let mut p = pointer;
    loop {
        if let Some(s) = provenance.get(p) {
            return Some(s);
        }
        match p.rfind('/') {
            Some(cut) if cut > 0 => p = p.get(..cut)?,
            _ => break,
        }
    }
    let inside = format!("{pointer}/");
    provenance
        .range(inside.clone()..)
        .take_while(|(k, _)| k.starts_with(&inside))
        .map(|(_, s)| s)
        .max_by_key(|s| (s.version, s.at))
}

/// The source most fields of a record share, in words: the page states it
/// once and names a field's source only where it differs.
pub fn usual_source(provenance: &BTreeMap<String, FieldSource>) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for s in provenance.values() {
        let text = source_text(s);
        match counts.iter_mut().find(|(t, _)| *t == text) {
            Some((_, n)) => *n += 1,
            None => counts.push((text, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(t, _)| t)
}

/// Clears the fact sources equal to `usual` (stated once on the page).
pub fn omit_usual_source(view: &mut FindingsView, usual: &str) {
    for f in view.groups.iter_mut().flat_map(|g| g.findings.iter_mut()) {
        for fact in &mut f.facts {
            if fact.source == usual {
                fact.source.clear();
            }
        }
    }
}

/// `应急管理局（部门）` — who an actor is, in words.
pub fn actor_text(a: &Actor) -> String {
    let kind = match a.kind {
        ActorKind::Department => "部门",
        ActorKind::System => "系统",
        ActorKind::Token => "令牌",
        ActorKind::Cli => "命令行",
        ActorKind::Inspection => "现场检查",
    };
    match (&a.kind, &a.label) {
        (ActorKind::Token | ActorKind::Inspection, Some(label)) => {
            format!("{label}（{kind} {}）", a.id)
        }
        _ => format!("{}（{kind}）", a.id),
    }
}

/// A moment in China Standard Time, to the minute: `2026-11-28 18:05`.
pub fn time_text(t: jiff::Timestamp) -> String {
    let z = t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
    z.strftime("%Y-%m-%d %H:%M").to_string()
}

/// `应急管理局（部门） 2026-11-28 18:05 第 3 版`.
/// A fact seen on a visit names the day it was seen and when it was
/// recorded: `王五（现场检查 visit:3） 2026-11-27 核实，2026-11-28 09:00 录入 第 4 版`.
pub fn source_text(s: &FieldSource) -> String {
    match s.observed_on {
        Some(day) => format!(
            "{} {day} 核实，{} 录入 第 {} 版",
            actor_text(&s.by),
            time_text(s.at),
            s.version
        ),
        None => format!(
            "{} {} 第 {} 版",
            actor_text(&s.by),
            time_text(s.at),
            s.version
        ),
    }
}

/// One line of the printable checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistItem {
    /// `核实并督促整改` for a failure, `现场核查` for an unknown.
    pub action: &'static str,
    pub finding: FindingView,
}

/// The checklist items of one topic.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicGroup {
    pub topic: String,
    /// Every department concerned by the topic's items, in first-seen order.
    pub departments: String,
    pub items: Vec<ChecklistItem>,
}

/// What an inspector must look at on site: failures (verify and urge
/// rectification) and unknowns (verify on site), grouped by topic. Topics
/// are ordered by their most serious item (a 重大隐患 failure first), then by
/// name; items within a topic fail before unknown, 重大隐患 first, then by
/// rule id. Passing and not-applicable findings are left out.
pub fn checklist(result: &CheckResult, ctx: &ViewContext<'_>) -> Vec<TopicGroup> {
    let mut topics: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in &result.findings {
        if matches!(f.outcome, Outcome::Fail | Outcome::Unknown) {
            topics.entry(topic_of(f, ctx.schema)).or_default().push(f);
        }
    }
    let rank = |f: &Finding| (f.outcome, f.severity);
    let mut groups: Vec<(String, Vec<&Finding>)> = topics.into_iter().collect();
    for (_, items) in &mut groups {
        items.sort_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then_with(|| a.rule.as_str().cmp(b.rule.as_str()))
        });
    }
    groups.sort_by(|(ta, a), (tb, b)| {
        let best = |v: &Vec<&Finding>| v.iter().map(|f| rank(f)).min();
        best(a).cmp(&best(b)).then_with(|| ta.cmp(tb))
    });
    groups
        .into_iter()
        .map(|(topic, items)| {
            let mut departments: Vec<&str> = Vec::new();
            for f in &items {
                for d in f.departments.iter() {
                    if !departments.contains(&d.as_str()) {
                        departments.push(d);
                    }
                }
            }
            TopicGroup {
                topic,
                departments: departments.join("、"),
                items: items
                    .into_iter()
                    .map(|f| ChecklistItem {
                        action: if f.outcome == Outcome::Fail {
                            "核实并督促整改"
                        } else {
                            "现场核查"
                        },
                        finding: finding_view(f, ctx),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// One row of the GB 18218 table.
#[derive(Debug, Clone, PartialEq)]
pub struct HazardRow {
    pub unit: String,
    /// `液氯 3 t、柴油 300 t`, from the record.
    pub chemicals: String,
    /// Resident population within 500 m, from the record.
    pub population: String,
    /// S = Σq/Q.
    pub s: String,
    /// 是 / 否 / 未知.
    pub major: &'static str,
    pub is_major: bool,
    /// α (GB 18218 table 5, by the population).
    pub alpha: String,
    /// Σβq/Q = R / α.
    pub beta_sum: String,
    pub r: String,
    /// `一级` … `四级`, `—` when not graded.
    pub grade: String,
}

/// A number with at most three decimals (trailing zeros dropped); `—` for none.
pub fn number_text(x: Option<f64>) -> String {
    match x {
        None => "—".to_string(),
        Some(x) if !x.is_finite() => "—".to_string(),
        Some(x) => {
            let s = format!("{x:.3}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            if s == "-0" {
                "0".to_string()
            } else {
                s.to_string()
            }
        }
    }
}

/// The GB 18218 table: one row per unit of the result, with the record's
/// chemicals and population and α looked up in the program's `gb_alpha`
/// table (the same data the rules use) as of the check date.
pub fn hazard_rows(
    result: &CheckResult,
    record: Option<&Value>,
    program: Option<&CheckedProgram>,
) -> Vec<HazardRow> {
    let units: Vec<&Value> = record
        .and_then(|r| r.get("units"))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    result
        .major_hazards
        .iter()
        .map(|h| {
            let unit = units
                .iter()
                .find(|u| u.get("id").and_then(Value::as_str) == Some(h.unit.as_str()));
            let population = unit
                .and_then(|u| u.get("population_500m"))
                .and_then(Value::as_f64);
            let alpha = population
                .zip(program)
                .and_then(|(p, prog)| alpha_for(prog, p, result.as_of));
            let beta_sum = match (h.r, alpha) {
                (Some(r), Some(a)) if a > 0.0 => Some(r / a),
                _ => None,
            };
            HazardRow {
                unit: h.unit.clone(),
                chemicals: unit.map(|u| chemicals_text(u)).unwrap_or_default(),
                population: population
                    .map(|p| format!("{} 人", number_text(Some(p))))
                    .unwrap_or_else(|| "未知".to_string()),
                s: number_text(h.s),
                major: match h.is_major {
                    Some(true) => "是",
                    Some(false) => "否",
                    None => "未知",
                },
                is_major: h.is_major == Some(true),
                alpha: number_text(alpha),
                beta_sum: number_text(beta_sum),
                r: number_text(h.r),
                grade: h
                    .grade
                    .map(|g| format!("{}级", to_chinese_numeral(u32::from(g))))
                    .unwrap_or_else(|| "—".to_string()),
            }
        })
        .collect()
}

fn chemicals_text(unit: &Value) -> String {
    unit.get("chemicals")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|c| {
                    let name = c.get("name").and_then(Value::as_str).unwrap_or("未列名");
                    match c.get("max_quantity_t").and_then(Value::as_f64) {
                        Some(q) => format!("{name} {} t", number_text(Some(q))),
                        None => name.to_string(),
                    }
                })
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default()
}

/// α of GB 18218 table 5 for a population, from the program's `gb_alpha`
/// table in force on `day`.
pub fn alpha_for(program: &CheckedProgram, population: f64, day: jiff::civil::Date) -> Option<f64> {
    let table = program.tables.iter().find(|t| t.name == "gb_alpha")?;
    let version = table.version(day)?;
    let column = table.column("alpha")?;
    match table.find_number(version, population) {
        Found::Row(row) => match table.cell(version, row, column)? {
            Cell::Num(n) => *n,
            _ => None,
        },
        _ => None,
    }
}

impl From<crate::risk::Colour> for Risk {
    fn from(c: crate::risk::Colour) -> Risk {
        use crate::risk::Colour;
        match c {
            Colour::Red => Risk::Red,
            Colour::Orange => Risk::Orange,
            Colour::Yellow => Risk::Yellow,
            Colour::Blue => Risk::Blue,
            Colour::Unchecked => Risk::Unchecked,
        }
    }
}

/// The risk colour as the pages show it (see [`crate::risk::Colour`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Risk {
    Red,
    Orange,
    Yellow,
    Blue,
    Unchecked,
}

impl Risk {
    /// `红` `橙` `黄` `蓝` `未检查`.
    pub fn label(self) -> &'static str {
        match self {
            Risk::Red => "红",
            Risk::Orange => "橙",
            Risk::Yellow => "黄",
            Risk::Blue => "蓝",
            Risk::Unchecked => "未检查",
        }
    }

    /// The design system's class: `risk-red` … `risk-blue`, `risk-none`.
    pub fn class(self) -> &'static str {
        match self {
            Risk::Red => "risk-red",
            Risk::Orange => "risk-orange",
            Risk::Yellow => "risk-yellow",
            Risk::Blue => "risk-blue",
            Risk::Unchecked => "risk-none",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::check::{Fact, MajorHazard, SharedStr, Summary};
    use crate::plan::topic::OTHER_TOPIC;

    fn schema() -> Schema {
        Schema::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema"))
            .unwrap()
    }

    fn finding(rule: &str, outcome: Outcome, severity: Severity) -> Finding {
        Finding {
            rule: SharedStr::from(rule.to_string()),
            title: Arc::from(format!("规则{rule}")),
            outcome,
            severity,
            departments: Arc::from(vec!["应急管理".to_string()]),
            citations: Arc::from(vec![CitationOut {
                law: "中华人民共和国安全生产法".into(),
                article: Some(24),
                paragraph: Some(1),
                item: None,
                clause: None,
            }]),
            explanation: SharedStr::from("说明".to_string()),
            facts: vec![],
            missing: vec![],
            remedy: Arc::from("整改"),
        }
    }

    fn with_facts(mut f: Finding, facts: &[&str], missing: &[&str]) -> Finding {
        f.facts = facts
            .iter()
            .map(|p| Fact {
                path: SharedStr::from(p.to_string()),
                value: json!(1),
            })
            .collect();
        f.missing = missing
            .iter()
            .map(|p| SharedStr::from(p.to_string()))
            .collect();
        f
    }

    fn result(findings: Vec<Finding>, grades: &[Option<u8>]) -> CheckResult {
        CheckResult {
            enterprise: "91330481MA2B00000Y".into(),
            as_of: jiff::civil::date(2026, 11, 28),
            summary: Summary::of(&findings),
            findings,
            major_hazards: grades
                .iter()
                .enumerate()
                .map(|(i, g)| MajorHazard {
                    unit: format!("单元{i}"),
                    s: Some(1.5),
                    is_major: Some(true),
                    r: Some(2.5),
                    grade: *g,
                })
                .collect(),
            conflicts: vec![],
        }
    }

    fn n(outcome: Outcome, k: usize) -> Vec<Finding> {
        (0..k)
            .map(|i| finding(&format!("{outcome:?}-{i}"), outcome, Severity::General))
            .collect()
    }

    #[test]
    fn risk_labels_and_classes() {
        assert_eq!(Risk::from(crate::risk::Colour::Red).label(), "红");
        assert_eq!(Risk::Unchecked.class(), "risk-none");
    }

    #[test]
    fn groups_in_outcome_order_major_first() {
        use Outcome::*;
        let r = result(
            vec![
                finding("B-1", Pass, Severity::General),
                finding("A-2", Fail, Severity::General),
                finding("Z-9", Fail, Severity::Major),
                finding("C-1", NotApplicable, Severity::General),
                finding("A-1", Unknown, Severity::General),
                finding("A-0", Fail, Severity::General),
            ],
            &[],
        );
        let schema = schema();
        let v = findings_view(
            &r,
            &ViewContext {
                schema: &schema,
                provenance: None,
            },
        );
        let shape: Vec<(&str, bool, Vec<&str>)> = v
            .groups
            .iter()
            .map(|g| {
                (
                    g.label,
                    g.collapsed,
                    g.findings.iter().map(|f| f.rule.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("不符合", false, vec!["Z-9", "A-0", "A-2"]),
                ("待现场核查", false, vec!["A-1"]),
                ("符合", false, vec!["B-1"]),
                ("不适用", true, vec!["C-1"]),
            ]
        );
        assert_eq!(
            v.counts,
            Counts {
                fail: 3,
                major_fail: 1,
                unknown: 1,
                pass: 1,
                not_applicable: 1
            }
        );
        let first = &v.groups[0].findings[0];
        assert_eq!(
            (first.class, first.severity, first.major),
            ("fail", "重大隐患", true)
        );
        assert_eq!(
            first.citations,
            [CiteView {
                label: "《中华人民共和国安全生产法》第二十四条第一款".into(),
                href: Some("/law/中华人民共和国安全生产法/24".into()),
            }]
        );
    }

    #[test]
    fn empty_groups_are_left_out() {
        let schema = schema();
        let r = result(n(Outcome::Pass, 2), &[]);
        let v = findings_view(
            &r,
            &ViewContext {
                schema: &schema,
                provenance: None,
            },
        );
        assert_eq!(v.groups.len(), 1);
        assert_eq!(v.groups[0].class, "pass");
    }

    #[test]
    fn article_links() {
        let c = |law: &str, article: Option<u32>, clause: Option<&str>| CitationOut {
            law: law.into(),
            article,
            paragraph: Some(2),
            item: None,
            clause: clause.map(str::to_string),
        };
        assert_eq!(
            article_href(&c("安全生产法", Some(24), None)).unwrap(),
            "/law/安全生产法/24"
        );
        assert_eq!(
            article_href(&c("刑法", Some(134), Some("1"))).unwrap(),
            "/law/刑法/134-1"
        );
        assert_eq!(article_href(&c("GB 18218-2018", None, Some("4.1.2"))), None);
    }

    #[test]
    fn values_in_words() {
        assert_eq!(value_text(&json!(true)), "是");
        assert_eq!(value_text(&json!(false)), "否");
        assert_eq!(value_text(&json!(null)), "无（空值）");
        assert_eq!(value_text(&json!("2022-05-01")), "2022-05-01");
        assert_eq!(value_text(&json!(3.5)), "3.5");
        assert_eq!(value_text(&json!(["生产", "储存"])), r#"["生产","储存"]"#);
        let long = json!(vec!["很长的值"; 100]);
        assert!(value_text(&long).ends_with('…'));
        assert_eq!(number_text(Some(1.5)), "1.5");
        assert_eq!(number_text(Some(2.0)), "2");
        assert_eq!(number_text(Some(0.1234)), "0.123");
        assert_eq!(number_text(None), "—");
    }

    #[test]
    fn labels_from_the_schema() {
        let s = schema();
        assert_eq!(pointer_label(&s, "/safety_assessment/last_date"), {
            let d = &s.descriptions["safety_assessment.last_date"];
            short_label(d)
        });
        assert_eq!(pointer_label(&s, "/special_workers"), "特种作业人员");
        assert_eq!(pointer_label(&s, "/units/0/population_500m"), {
            short_label(&s.descriptions["units.population_500m"])
        });
        assert_eq!(pointer_label(&s, "derived:S(/units/0)"), "推算值");
        assert_eq!(pointer_label(&s, "/no_such_field"), "");
        assert_eq!(short_label("安全评价（每三年一次）"), "安全评价");
    }

    #[test]
    fn provenance_of_the_nearest_leaf() {
        let src = |id: &str, version| FieldSource {
            by: Actor::department(id),
            at: "2026-11-28T02:05:00Z".parse().unwrap(),
            version,
            observed_on: None,
        };
        let mut p = BTreeMap::new();
        p.insert("/special_workers".to_string(), src("人社局", 2));
        p.insert(
            "/safety_org/full_time_officers".to_string(),
            src("应急管理局", 1),
        );
        let found = |ptr: &str| provenance_for(&p, ptr).map(|s| s.by.id.as_str());
        assert_eq!(found("/special_workers/0/certificate"), Some("人社局"));
        assert_eq!(found("/safety_org/full_time_officers"), Some("应急管理局"));
        assert_eq!(found("/safety_org/has_department"), None);
        // an object: the newest of the fields inside it
        p.insert(
            "/safety_org/part_time_officers".to_string(),
            src("消防平台", 4),
        );
        let found = |ptr: &str| provenance_for(&p, ptr).map(|s| s.by.id.as_str());
        assert_eq!(found("/safety_org"), Some("消防平台"));
        assert_eq!(found("/safety"), None);
        assert_eq!(found("derived:S(/units/0)"), None);
        assert_eq!(found(""), None);
        assert_eq!(
            source_text(&src("应急管理局", 3)),
            "应急管理局（部门） 2026-11-28 10:05 第 3 版"
        );
        assert_eq!(
            actor_text(&Actor::token("abc123", "袁花镇安监")),
            "袁花镇安监（令牌 abc123）"
        );
    }

    #[test]
    fn the_usual_source_is_stated_once() {
        let src = |id: &str, version| FieldSource {
            by: Actor::department(id),
            at: "2026-11-28T02:05:00Z".parse().unwrap(),
            version,
            observed_on: None,
        };
        let mut p = BTreeMap::new();
        p.insert("/name".to_string(), src("应急管理局", 1));
        p.insert("/employees".to_string(), src("人社局", 2));
        p.insert("/category".to_string(), src("应急管理局", 1));
        let usual = usual_source(&p).unwrap();
        assert_eq!(usual, source_text(&src("应急管理局", 1)));
        assert_eq!(usual_source(&BTreeMap::new()), None);

        let schema = schema();
        let r = result(
            vec![with_facts(
                finding("A-1", Outcome::Fail, Severity::General),
                &["/name", "/employees"],
                &[],
            )],
            &[],
        );
        let mut v = findings_view(
            &r,
            &ViewContext {
                schema: &schema,
                provenance: Some(&p),
            },
        );
        omit_usual_source(&mut v, &usual);
        let sources: Vec<&str> = v.groups[0].findings[0]
            .facts
            .iter()
            .map(|f| f.source.as_str())
            .collect();
        assert_eq!(sources, ["", source_text(&src("人社局", 2)).as_str()]);
    }

    #[test]
    fn topics_and_checklist_order() {
        use Outcome::*;
        let s = schema();
        let r = result(
            vec![
                // classification facts are skipped: the area is special_workers
                with_facts(
                    finding("HZ-02", Fail, Severity::Major),
                    &["/category", "/special_workers/0/certificate"],
                    &[],
                ),
                with_facts(
                    finding("AQ-030", Fail, Severity::General),
                    &["/special_workers/0/certificate"],
                    &[],
                ),
                // unknown: the missing pointer names the area
                with_facts(
                    finding("XF-016", Unknown, Severity::General),
                    &["/category"],
                    &["/fire"],
                ),
                // only classification and derived facts: 其他事项
                with_facts(
                    finding("HZ-09", Unknown, Severity::Major),
                    &["/category", "derived:hz_with_facilities"],
                    &[],
                ),
                with_facts(finding("P-1", Pass, Severity::General), &["/fire"], &[]),
                finding("N-1", NotApplicable, Severity::General),
            ],
            &[],
        );
        let list = checklist(
            &r,
            &ViewContext {
                schema: &s,
                provenance: None,
            },
        );
        let shape: Vec<(&str, Vec<(&str, &str)>)> = list
            .iter()
            .map(|g| {
                (
                    g.topic.as_str(),
                    g.items
                        .iter()
                        .map(|i| (i.finding.rule.as_str(), i.action))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (
                    "特种作业人员",
                    vec![("HZ-02", "核实并督促整改"), ("AQ-030", "核实并督促整改")]
                ),
                (OTHER_TOPIC, vec![("HZ-09", "现场核查")]),
                ("消防安全", vec![("XF-016", "现场核查")]),
            ]
        );
        assert_eq!(list[0].departments, "应急管理");
    }

    #[test]
    fn hazard_table_rows() {
        let r = CheckResult {
            major_hazards: vec![
                MajorHazard {
                    unit: "罐区A".into(),
                    s: Some(1.5),
                    is_major: Some(true),
                    r: Some(2.5),
                    grade: Some(4),
                },
                MajorHazard {
                    unit: "库房".into(),
                    s: None,
                    is_major: None,
                    r: None,
                    grade: None,
                },
            ],
            ..result(vec![], &[])
        };
        let record = json!({"units": [
            {"id": "罐区A", "population_500m": 0, "chemicals": [
                {"name": "液氯", "max_quantity_t": 5}, {"name": "液氨", "max_quantity_t": 5}]},
            {"id": "库房"}
        ]});
        let rows = hazard_rows(&r, Some(&record), None);
        assert_eq!(rows[0].chemicals, "液氯 5 t、液氨 5 t");
        assert_eq!(rows[0].population, "0 人");
        assert_eq!((rows[0].s.as_str(), rows[0].major), ("1.5", "是"));
        assert_eq!(
            (rows[0].r.as_str(), rows[0].grade.as_str()),
            ("2.5", "四级")
        );
        // without the program there is no α, so no Σβq/Q either
        assert_eq!(
            (rows[0].alpha.as_str(), rows[0].beta_sum.as_str()),
            ("—", "—")
        );
        assert_eq!(
            (
                rows[1].population.as_str(),
                rows[1].major,
                rows[1].grade.as_str()
            ),
            ("未知", "未知", "—")
        );
    }
}
