//! Turning a submitted visit into everything it will write, or every
//! problem with it by JSON pointer into the submission (`/items/2/facts/0/value`).
//! Pure: it gets the stored record, the latest check, the rules and the
//! schema, and returns a [`VisitWrite`] for the store.
//!
//! What an item's outcome asks for:
//! - 核实属实 (`confirmed`) and 发现隐患 (`danger_found`): a hidden danger,
//!   with owner and deadline (`danger`); its level is the rule's severity
//!   (重大隐患 → 重大) unless the inspector sets one; its source is the rule
//!   (id, the finding's explanation, the clauses) or, for a 发现隐患 without
//!   rules, the inspector's note.
//! - 当场整改 (`rectified`): a 一般 danger registered and closed the same
//!   day through the state machine (开始整改 → 提交验收 → 销号, accepted by
//!   the first inspector), so repeat findings can be counted; refused for a
//!   重大隐患 rule, which cannot be put right on the spot.
//! - 核查符合 (`compliant`): nothing beyond the facts.
//! - 不适用 (`not_applicable`): a note saying why.

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde_json::{Map, Value};

use super::{DangerDetails, ItemOutcome, NewVisit, ObservedFact, VisitItem};
use crate::check::{CheckResult, CitationOut, Finding, Outcome, Severity};
use crate::danger::{Action, Level, NewDanger, Source, TransitionRequest};
use crate::dsl::{CheckedProgram, DEPARTMENTS, RuleMeta};
use crate::record::{FieldType, Problem, Schema, validate_record};
use crate::store::{DangerWrite, StoredRecord, VisitWrite};

/// What [`prepare`] reads besides the submission.
#[derive(Clone, Copy)]
pub struct Basis<'a> {
    pub record: &'a StoredRecord,
    /// The enterprise's latest stored check (explanations of confirmed
    /// failures), if any.
    pub latest: Option<&'a CheckResult>,
    pub program: &'a CheckedProgram,
    pub schema: &'a Schema,
    /// The day the visit is recorded (a visit cannot lie after it).
    pub today: Date,
    /// The moment the same-day transitions of 当场整改 are written with.
    pub now: jiff::Timestamp,
    /// The plan the visit names, as stored (`None`: none named, or no such
    /// plan).
    pub plan: Option<&'a crate::plan::Plan>,
}

/// The note of a danger put right on the spot.
pub const ON_THE_SPOT: &str = "当场整改";

/// Validates `new` against the record, rules and schema and builds what
/// the store writes; every problem at once when there are any.
pub fn prepare(new: &NewVisit, basis: &Basis<'_>) -> Result<VisitWrite, Vec<Problem>> {
    let mut problems = Vec::new();
    header_problems(new, basis.today, &mut problems);
    plan_problems(new, basis.plan, &mut problems);
    let (facts, merged) = observed(new, basis, &mut problems);
    // the record as it will be, checked now: what the facts change
    let after = merged
        .as_ref()
        .and_then(|m| crate::check::run(basis.program, basis.schema, m, basis.today).ok())
        .map(|r| r.result);
    let township = basis
        .record
        .record
        .pointer("/region/township")
        .and_then(Value::as_str)
        .map(str::to_string);
    let name = basis
        .record
        .record
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("企业")
        .to_string();
    let found_by = new
        .inspectors
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("、");
    let acceptor = new
        .inspectors
        .iter()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_string();
    let mut dangers = Vec::new();
    for (i, item) in new.items.iter().enumerate() {
        let at = |field: &str| format!("/items/{i}/{field}");
        let rules = item_rules(item, i, basis, new.date, &mut problems);
        let note = item
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if item.rules.is_empty() && note.is_none() {
            problems.push(problem(
                at("rules"),
                "没有写明核查的是哪一项：须给出规则编号，或在说明中写明现场发现的问题".into(),
                "规则编号列表（如 [\"AQ-024\"]）或说明".into(),
            ));
        }
        let wants_danger = matches!(
            item.outcome,
            ItemOutcome::Confirmed | ItemOutcome::DangerFound | ItemOutcome::Rectified
        );
        match item.outcome {
            ItemOutcome::NotApplicable if note.is_none() => problems.push(problem(
                at("note"),
                "选择“不适用”时须在说明中写明理由".into(),
                "不适用的理由".into(),
            )),
            ItemOutcome::Confirmed if item.rules.is_empty() => problems.push(problem(
                at("rules"),
                "“核实属实”须指明所核实的规则".into(),
                "规则编号列表".into(),
            )),
            _ => {}
        }
        if !wants_danger && item.danger.is_some() {
            problems.push(problem(
                at("danger"),
                format!(
                    "结论为“{}”的检查项不登记隐患；只有核实属实、发现隐患和当场整改会登记隐患",
                    item.outcome.label()
                ),
                "去掉 `danger`，或改选登记隐患的结论".into(),
            ));
        }
        if !wants_danger {
            continue;
        }
        let primary = rules
            .iter()
            .copied()
            .find(|r| r.severity == Severity::Major)
            .or_else(|| rules.first().copied());
        let rectified = item.outcome == ItemOutcome::Rectified;
        if rectified {
            if let Some(major) = rules.iter().find(|r| r.severity == Severity::Major) {
                problems.push(problem(
                    at("outcome"),
                    format!(
                        "规则 `{}` 属于重大隐患，不能“当场整改”销号：请选择“核实属实”并登记重大隐患，按整改方案整改后验收",
                        major.id
                    ),
                    "核实属实 或 发现隐患".into(),
                ));
            }
            if item.danger.as_ref().and_then(|d| d.level) == Some(Level::Major) {
                problems.push(problem(
                    at("danger/level"),
                    "重大隐患不能“当场整改”销号".into(),
                    "一般".into(),
                ));
            }
        }
        let details = danger_details(item, i, new.date, rectified, &mut problems);
        let Some(details) = details else { continue };
        let owner = match details.owner.trim() {
            "" if rectified => name.clone(),
            o => o.to_string(),
        };
        if rectified && owner == acceptor && !acceptor.is_empty() {
            problems.push(problem(
                at("danger/owner"),
                format!("当场整改的责任人 `{owner}` 不能是验收的检查人员本人"),
                "企业的整改责任人".into(),
            ));
        }
        let finding = |result: Option<&CheckResult>, id: &str| -> Option<Finding> {
            result?
                .findings
                .iter()
                .find(|f| f.rule.as_str() == id && f.outcome == Outcome::Fail)
                .cloned()
        };
        let (source, rule_title) = match primary {
            Some(rule) => {
                let failed =
                    finding(after.as_ref(), &rule.id).or_else(|| finding(basis.latest, &rule.id));
                let explanation = match (&failed, note) {
                    (Some(f), Some(n)) => format!("{}；现场：{n}", f.explanation.as_str()),
                    (Some(f), None) => f.explanation.to_string(),
                    (None, Some(n)) => format!("现场核查：{n}"),
                    (None, None) => format!("现场核查不符合：{}", rule.title),
                };
                let citations = rule.citations.iter().map(CitationOut::short_text).collect();
                (
                    Source::Rule {
                        rule_id: rule.id.clone(),
                        explanation,
                        citations,
                    },
                    Some(rule.title.clone()),
                )
            }
            None => (
                Source::Inspector {
                    text: note.unwrap_or("").to_string(),
                },
                None,
            ),
        };
        let level = match (details.level, primary) {
            _ if rectified => Level::General,
            (Some(l), _) => l,
            (None, Some(r)) if r.severity == Severity::Major => Level::Major,
            _ => Level::General,
        };
        let title = details
            .title
            .clone()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .or(rule_title)
            .unwrap_or_else(|| note.map(short).unwrap_or_default());
        let then = if rectified {
            let measures = details
                .measures
                .clone()
                .filter(|m| !m.trim().is_empty())
                .or_else(|| note.map(str::to_string))
                .unwrap_or_else(|| ON_THE_SPOT.to_string());
            let on_spot = format!("{ON_THE_SPOT}（现场检查 {}）", new.date);
            vec![
                TransitionRequest::new(Action::Start, owner.clone(), basis.now)
                    .note(on_spot.clone()),
                TransitionRequest::new(Action::Submit, owner.clone(), basis.now).measures(measures),
                TransitionRequest::new(Action::Accept, acceptor.clone(), basis.now).note(on_spot),
            ]
        } else {
            Vec::new()
        };
        dangers.push(DangerWrite {
            item: i,
            new: NewDanger {
                uscc: new.uscc.clone(),
                township: township.clone(),
                level,
                title,
                source,
                found_by: found_by.clone(),
                owner,
                deadline: match details.deadline {
                    Some(d) if !rectified => d,
                    _ => new.date,
                },
                measures: details.measures.clone(),
                funds: details.funds,
                rectification_plan: details.rectification_plan.clone(),
                visit: None,
            },
            then,
        });
    }
    if !problems.is_empty() {
        // the header first, then item by item
        problems.sort_by_key(|p| item_index(&p.pointer));
        return Err(problems);
    }
    // stored as the cap counts them: trimmed, blanks left out
    let mut visit = new.clone();
    visit.departments = new
        .departments
        .iter()
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .collect();
    Ok(VisitWrite {
        visit,
        township,
        facts,
        dangers,
    })
}

/// `/items/3/…` → 3 (+1; the header's pointers are 0).
fn item_index(pointer: &str) -> usize {
    pointer
        .strip_prefix("/items/")
        .and_then(|r| r.split('/').next())
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(0, |n| n + 1)
}

fn problem(pointer: String, message: String, expected: String) -> Problem {
    Problem::new(pointer, message, expected)
}

/// The first 30 characters of a note, as a danger's title.
fn short(note: &str) -> String {
    let mut s: String = note.chars().take(30).collect();
    if note.chars().count() > 30 {
        s.push('…');
    }
    s
}

/// A named plan must exist and include the enterprise: the plan's progress
/// counts the visit.
fn plan_problems(new: &NewVisit, plan: Option<&crate::plan::Plan>, problems: &mut Vec<Problem>) {
    let Some(id) = new.plan else { return };
    match plan {
        None => problems.push(problem(
            "/plan".into(),
            format!("找不到编号为 {id} 的联合检查计划"),
            "已保存的检查计划编号，或不填".into(),
        )),
        Some(p) if !p.enterprises.iter().any(|e| e.uscc == new.uscc.as_str()) => {
            problems.push(problem(
                "/plan".into(),
                format!("联合检查计划 {id} 不含企业 `{}`", new.uscc),
                "安排了该企业的检查计划编号，或不填".into(),
            ))
        }
        Some(_) => {}
    }
}

fn header_problems(new: &NewVisit, today: Date, problems: &mut Vec<Problem>) {
    if new.date > today {
        problems.push(problem(
            "/date".into(),
            format!("检查日期 `{}` 晚于今天（{today}）", new.date),
            "已经进行的检查的日期".into(),
        ));
    }
    if new.inspectors.iter().all(|s| s.trim().is_empty()) {
        problems.push(problem(
            "/inspectors".into(),
            "须写明参加检查的人员".into(),
            "检查人员姓名列表".into(),
        ));
    }
    if new.departments.iter().all(|s| s.trim().is_empty()) {
        problems.push(problem(
            "/departments".into(),
            "须写明参加检查的部门".into(),
            "部门列表（牵头部门在前）".into(),
        ));
    }
    // the yearly visit cap counts visits by department name: only the
    // names the rules use
    for (n, d) in new.departments.iter().enumerate() {
        let name = d.trim();
        let earlier = new.departments.iter().take(n).any(|e| e.trim() == name);
        if !name.is_empty() && earlier {
            problems.push(problem(
                format!("/departments/{n}"),
                format!("部门 `{name}` 写了不止一次"),
                "每个部门只写一次".into(),
            ));
        } else if !name.is_empty() && !DEPARTMENTS.contains(&name) {
            problems.push(problem(
                format!("/departments/{n}"),
                format!(
                    "`{name}` 不是规则使用的部门名称；可用的部门：{}",
                    DEPARTMENTS.join("、")
                ),
                format!("以下部门之一：{}", DEPARTMENTS.join("、")),
            ));
        }
    }
    if new.items.is_empty() {
        problems.push(problem(
            "/items".into(),
            "没有任何检查项".into(),
            "至少一项检查结论".into(),
        ));
    }
}

/// The rules an item names, in force on the visit day where there is a
/// version that is; unknown ids are problems.
fn item_rules<'p>(
    item: &VisitItem,
    i: usize,
    basis: &Basis<'p>,
    day: Date,
    problems: &mut Vec<Problem>,
) -> Vec<&'p RuleMeta> {
    let mut out = Vec::new();
    for (r, id) in item.rules.iter().enumerate() {
        let versions: Vec<&RuleMeta> = basis.program.rules().filter(|m| m.id == *id).collect();
        match versions
            .iter()
            .copied()
            .find(|m| m.in_force(day))
            .or_else(|| versions.last().copied())
        {
            Some(m) => out.push(m),
            None => problems.push(problem(
                format!("/items/{i}/rules/{r}"),
                format!("没有编号为 `{id}` 的规则"),
                "现行规则的编号".into(),
            )),
        }
    }
    out
}

/// The danger details of an item that registers a danger: owner and
/// deadline are required (a 当场整改 may leave both out: the enterprise
/// answers, the deadline is the visit day, whatever was given).
fn danger_details(
    item: &VisitItem,
    i: usize,
    day: Date,
    rectified: bool,
    problems: &mut Vec<Problem>,
) -> Option<DangerDetails> {
    let at = |field: &str| format!("/items/{i}/danger/{field}");
    let Some(d) = &item.danger else {
        if rectified {
            return Some(DangerDetails {
                owner: String::new(),
                deadline: None,
                measures: None,
                funds: None,
                rectification_plan: None,
                level: None,
                title: None,
            });
        }
        problems.push(problem(
            at("owner"),
            format!("结论为“{}”须登记隐患：缺少整改责任人", item.outcome.label()),
            "整改责任人姓名".into(),
        ));
        problems.push(problem(
            at("deadline"),
            "缺少整改期限".into(),
            "整改期限（YYYY-MM-DD）".into(),
        ));
        return None;
    };
    let before = problems.len();
    if d.owner.trim().is_empty() && !rectified {
        problems.push(problem(
            at("owner"),
            "缺少整改责任人".into(),
            "整改责任人姓名".into(),
        ));
    }
    match d.deadline {
        _ if rectified => {}
        None => problems.push(problem(
            at("deadline"),
            "缺少整改期限".into(),
            "整改期限（YYYY-MM-DD）".into(),
        )),
        Some(deadline) if deadline < day => problems.push(problem(
            at("deadline"),
            format!("整改期限 `{deadline}` 早于检查日期 `{day}`"),
            "检查日期当天或之后的日期".into(),
        )),
        Some(_) => {}
    }
    if d.funds.is_some_and(|f| !f.is_finite() || f < 0.0) {
        problems.push(problem(
            at("funds"),
            "整改资金须是不小于 0 的金额（元）".into(),
            "金额（元）".into(),
        ));
    }
    (problems.len() == before).then(|| d.clone())
}

/// Checks the observed facts and builds their merge patch; also returns
/// the record as it will be after it (`None` when there are no facts or
/// the facts have problems).
fn observed(
    new: &NewVisit,
    basis: &Basis<'_>,
    problems: &mut Vec<Problem>,
) -> (Option<Value>, Option<Value>) {
    let mut merged = basis.record.record.clone();
    let mut patch = Value::Object(Map::new());
    let mut seen = BTreeSet::new();
    let mut placed: Vec<(String, String)> = Vec::new();
    let before = problems.len();
    for (i, item) in new.items.iter().enumerate() {
        for (j, fact) in item.facts.iter().enumerate() {
            let at = format!("/items/{i}/facts/{j}");
            if !seen.insert(fact.path.clone()) {
                problems.push(problem(
                    format!("{at}/path"),
                    format!("字段 `{}` 在本次检查中出现了不止一次", fact.path),
                    "每个字段只填一次".into(),
                ));
                continue;
            }
            match place(fact, basis.schema, &mut merged, &mut patch) {
                Ok(()) => placed.push((fact.path.clone(), at)),
                Err((field, message, expected)) => {
                    problems.push(problem(format!("{at}/{field}"), message, expected));
                }
            }
        }
    }
    if placed.is_empty() {
        return (None, None);
    }
    // the facts that could be placed are type-checked even when others could not
    if let Err(found) = validate_record(&merged, basis.schema) {
        for p in found {
            let owner = placed
                .iter()
                .find(|(path, _)| under(&p.pointer, path))
                .or_else(|| placed.first());
            let pointer = owner.map_or(String::new(), |(_, at)| format!("{at}/value"));
            problems.push(problem(pointer, p.message, p.expected));
        }
        return (None, None);
    }
    if problems.len() > before {
        return (None, None);
    }
    (Some(patch), Some(merged))
}

fn under(pointer: &str, prefix: &str) -> bool {
    pointer == prefix
        || (pointer.starts_with(prefix) && pointer.as_bytes().get(prefix.len()) == Some(&b'/'))
}

type FactError = (&'static str, String, String);

/// Sets one observed fact in `merged` and in the merge `patch` (objects are
/// patched member by member down to the field; a list on the way is patched
/// whole, as a merge patch must).
fn place(
    fact: &ObservedFact,
    schema: &Schema,
    merged: &mut Value,
    patch: &mut Value,
) -> Result<(), FactError> {
    let path = fact.path.as_str();
    let bad_path = |why: String| {
        (
            "path",
            why,
            "档案字段的 JSON 指针，如 `/safety_org/has_department`".to_string(),
        )
    };
    let Some(rest) = path.strip_prefix('/') else {
        return Err(bad_path(format!(
            "`{path}` 不是 JSON 指针（应以 `/` 开头）"
        )));
    };
    let tokens: Vec<String> = rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    // walk the schema: list levels take an index, record levels a name
    let mut ty: Option<&FieldType> = None;
    let mut names: Vec<&str> = Vec::new();
    for t in &tokens {
        match ty {
            Some(FieldType::List(elem)) => {
                if t.parse::<usize>().is_err() {
                    return Err(bad_path(format!("`{path}` 中 `{t}` 处应为列表序号")));
                }
                ty = Some(elem);
                continue;
            }
            Some(FieldType::Record(_)) | None => {
                names.push(t);
                ty = schema.field(&names);
                if ty.is_none() {
                    return Err(bad_path(format!("档案结构中没有字段 `{path}`")));
                }
            }
            Some(_) => return Err(bad_path(format!("档案结构中没有字段 `{path}`"))),
        }
    }
    match ty {
        Some(FieldType::Record(_)) => {
            return Err(bad_path(format!(
                "`{path}` 是一组字段，请逐项填写其中的具体字段"
            )));
        }
        None => return Err(bad_path("没有给出字段".to_string())),
        Some(_) => {}
    }
    if fact.value.is_null() {
        return Err((
            "value",
            "观察到的值不能为空；不清楚的情况请不填".to_string(),
            "该字段类型的值".to_string(),
        ));
    }
    // set in the merged record, creating objects on the way; list items
    // must already exist
    let mut slot = &mut *merged;
    let mut patch_slot = Some(&mut *patch);
    let mut list_at: Option<usize> = None;
    for (k, t) in tokens.iter().enumerate() {
        let last = k + 1 == tokens.len();
        match slot {
            Value::Array(items) => {
                let n = t.parse::<usize>().unwrap_or(usize::MAX);
                let len = items.len();
                let prefix = tokens
                    .iter()
                    .take(k)
                    .map(|s| format!("/{s}"))
                    .collect::<String>();
                slot = items.get_mut(n).ok_or_else(|| {
                    bad_path(format!("档案中 `{prefix}` 只有 {len} 项，没有序号 {t}"))
                })?;
                if last {
                    *slot = fact.value.clone();
                }
            }
            Value::Object(map) => {
                if !last && !map.contains_key(t.as_str()) {
                    let next_is_index = tokens
                        .get(k + 1)
                        .is_some_and(|n| n.parse::<usize>().is_ok());
                    if next_is_index {
                        return Err(bad_path(format!(
                            "档案中还没有列表 `/{t}`，无法填写其中的项"
                        )));
                    }
                    map.insert(t.clone(), Value::Object(Map::new()));
                }
                if last {
                    map.insert(t.clone(), fact.value.clone());
                }
                slot = map
                    .get_mut(t.as_str())
                    .ok_or_else(|| bad_path(format!("档案中没有 `{path}`")))?;
                if list_at.is_none() && slot.is_array() && !last {
                    list_at = Some(k);
                }
            }
            _ => return Err(bad_path(format!("档案中 `{path}` 的上级不是一组字段"))),
        }
    }
    // the patch: objects down to the field, or down to the first list
    let stop = list_at.unwrap_or(tokens.len().saturating_sub(1));
    for (k, t) in tokens.iter().enumerate().take(stop + 1) {
        let Some(Value::Object(map)) = patch_slot else {
            break;
        };
        if k == stop {
            let pointer: String = tokens
                .iter()
                .take(k + 1)
                .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
                .collect();
            let value = merged.pointer(&pointer).cloned().unwrap_or(Value::Null);
            map.insert(t.clone(), value);
            patch_slot = None;
        } else {
            let entry = map
                .entry(t.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            patch_slot = Some(entry);
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dsl::{NoTables, SourceFile, check, parse};
    use crate::store::{Actor, FieldSource};

    const RULES: &str = r#"
rule T-1 "测试：应当设置安全机构" {
  cite 测试办法 第一条
  severity 一般隐患
  departments 应急管理
  require safety_org.has_department = true
  explain "未设置安全机构"
  remedy "设置安全机构"
}
rule T-2 "测试：应当配备专职人员" {
  cite 测试办法 第二条
  severity 重大隐患
  departments 应急管理
  require safety_org.full_time_officers >= 1
  explain "没有专职人员"
  remedy "配备专职人员"
}
"#;

    fn schema() -> Schema {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema");
        Schema::load_dir(&dir).unwrap()
    }

    fn program(schema: &Schema) -> CheckedProgram {
        let src = SourceFile::new("t.rule".to_string(), RULES.to_string());
        let file = parse(&src).unwrap();
        check(&[file], schema, &NoTables, None).unwrap().program
    }

    fn stored() -> StoredRecord {
        let record = json!({
            "uscc": "91330481MA2B00000Y", "name": "测试公司",
            "region": {"province": "浙江省", "township": "测试镇"},
            "category": "工贸", "employees": 30,
            "safety_org": {"full_time_officers": 0}
        });
        let at = "2026-11-20T02:00:00Z".parse().unwrap();
        StoredRecord {
            uscc: "91330481MA2B00000Y".into(),
            version: 1,
            updated_at: at,
            updated_by: Actor::department("应急管理局"),
            provenance: crate::store::leaf_pointers(&record)
                .into_iter()
                .map(|p| {
                    let s = FieldSource {
                        by: Actor::department("应急管理局"),
                        at,
                        version: 1,
                        observed_on: None,
                    };
                    (p, s)
                })
                .collect(),
            record,
        }
    }

    fn visit(items: Value) -> NewVisit {
        serde_json::from_value(json!({
            "uscc": "91330481MA2B00000Y", "date": "2026-11-20",
            "departments": ["应急管理"], "inspectors": ["王检查", "李检查"],
            "items": items
        }))
        .unwrap()
    }

    fn run(new: &NewVisit) -> Result<VisitWrite, Vec<Problem>> {
        let schema = schema();
        let program = program(&schema);
        let record = stored();
        let basis = Basis {
            record: &record,
            latest: None,
            program: &program,
            schema: &schema,
            today: Date::constant(2026, 11, 21),
            now: "2026-11-21T01:00:00Z".parse().unwrap(),
            plan: None,
        };
        prepare(new, &basis)
    }

    /// The pointers of the problems of a refused visit.
    fn refused(items: Value) -> Vec<String> {
        let problems = run(&visit(items)).unwrap_err();
        problems.into_iter().map(|p| p.pointer).collect()
    }

    #[test]
    fn problems_name_the_item_and_field() {
        check_refused(
            json!([
                {"rules": ["T-1"], "outcome": "compliant"},
                {"rules": ["NOPE"], "outcome": "compliant"},
                {"rules": ["T-1"], "outcome": "not_applicable"},
                {"rules": ["T-1"], "outcome": "confirmed"},
                {"rules": ["T-1"], "outcome": "compliant",
                 "facts": [{"path": "/safety_org/has_department", "value": "是"}]}
            ]),
            &[
                "/items/1/rules/0",
                "/items/2/note",
                "/items/3/danger/owner",
                "/items/3/danger/deadline",
                "/items/4/facts/0/value",
            ],
        );
        check_refused(
            json!([{"rules": ["T-1"], "outcome": "compliant",
                    "facts": [{"path": "/safety_org/colour", "value": true},
                              {"path": "safety_org", "value": true},
                              {"path": "/safety_org", "value": {}},
                              {"path": "/units/0/id", "value": "U1"}]}]),
            &[
                "/items/0/facts/0/path",
                "/items/0/facts/1/path",
                "/items/0/facts/2/path",
                "/items/0/facts/3/path",
            ],
        );
        check_refused(
            json!([{"rules": [], "outcome": "danger_found",
                    "danger": {"owner": " ", "deadline": "2026-11-01"}}]),
            &[
                "/items/0/rules",
                "/items/0/danger/owner",
                "/items/0/danger/deadline",
            ],
        );
        let mut late = visit(json!([{"rules": ["T-1"], "outcome": "compliant"}]));
        late.date = Date::constant(2026, 11, 22);
        late.inspectors = vec![" ".into()];
        let pointers: Vec<String> = run(&late)
            .unwrap_err()
            .into_iter()
            .map(|p| p.pointer)
            .collect();
        assert_eq!(pointers, ["/date", "/inspectors"]);
        let mut odd = visit(json!([{"rules": ["T-1"], "outcome": "compliant"}]));
        odd.departments = vec!["应急管理".into(), "消防".into()];
        let problems = run(&odd).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].pointer, "/departments/1");
        assert!(problems[0].message.contains("`消防`"));
        assert!(
            problems[0]
                .message
                .contains("可用的部门：应急管理、消防救援")
        );
        assert!(problems[0].expected.contains("消防救援"));
        odd.departments = vec!["应急管理".into(), " 应急管理".into()];
        let problems = run(&odd).unwrap_err();
        assert_eq!(problems[0].pointer, "/departments/1");
        assert!(problems[0].message.contains("不止一次"));
        odd.departments = vec![" 应急管理 ".into(), "".into(), "消防救援".into()];
        let w = run(&odd).unwrap();
        assert_eq!(w.visit.departments, ["应急管理", "消防救援"]);
    }

    #[test]
    fn a_deadline_is_needed_except_on_the_spot() {
        check_refused(
            json!([{"rules": ["T-1"], "outcome": "confirmed", "danger": {"owner": "赵厂长"}}]),
            &["/items/0/danger/deadline"],
        );
        let w = run(&visit(json!([{"rules": ["T-1"], "outcome": "rectified",
            "danger": {"owner": "赵厂长"}}])))
        .unwrap();
        assert_eq!(w.dangers[0].new.owner, "赵厂长");
        assert_eq!(w.dangers[0].new.deadline, Date::constant(2026, 11, 20));
    }

    #[test]
    fn rectified_on_a_major_rule_is_refused() {
        let problems =
            run(&visit(json!([{"rules": ["T-2"], "outcome": "rectified"}]))).unwrap_err();
        assert_eq!(problems[0].pointer, "/items/0/outcome");
        assert!(
            problems[0].message.contains("重大隐患"),
            "{}",
            problems[0].message
        );
        check_refused(
            json!([{"rules": ["T-1"], "outcome": "rectified", "note": "已整改",
                    "danger": {"owner": "王检查", "deadline": "2026-11-20", "level": "重大"}}]),
            &["/items/0/danger/level", "/items/0/danger/owner"],
        );
    }

    #[test]
    fn confirmed_major_failure_becomes_a_major_danger_from_the_rule() {
        let w = run(&visit(json!([
            {"rules": ["T-1", "T-2"], "outcome": "confirmed", "note": "现场无专职人员",
             "danger": {"owner": "赵厂长", "deadline": "2026-12-20"}}
        ])))
        .unwrap();
        let d = &w.dangers[0];
        assert_eq!(d.new.level, Level::Major);
        assert_eq!(d.new.title, "测试：应当配备专职人员");
        assert_eq!(d.new.found_by, "王检查、李检查");
        assert_eq!(d.new.township.as_deref(), Some("测试镇"));
        match &d.new.source {
            Source::Rule {
                rule_id,
                explanation,
                citations,
            } => {
                assert_eq!(rule_id, "T-2");
                assert_eq!(explanation, "现场核查：现场无专职人员");
                assert_eq!(citations, &["测试办法 第2条".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        assert!(d.then.is_empty());
        assert_eq!(w.facts, None);
    }

    #[test]
    fn observed_facts_become_a_minimal_merge_patch() {
        let w = run(&visit(json!([
            {"rules": ["T-1"], "outcome": "danger_found",
             "facts": [{"path": "/safety_org/has_department", "value": false}],
             "danger": {"owner": "赵厂长", "deadline": "2026-12-20", "level": "一般"}},
            {"rules": [], "outcome": "danger_found", "note": "消防通道堆放杂物",
             "facts": [{"path": "/emergency_plan/filed", "value": true}],
             "danger": {"owner": "赵厂长", "deadline": "2026-12-01"}}
        ])))
        .unwrap();
        assert_eq!(
            w.facts,
            Some(
                json!({"safety_org": {"has_department": false}, "emergency_plan": {"filed": true}})
            )
        );
        assert_eq!(
            w.facts.as_ref().unwrap().pointer("/safety_org"),
            Some(&json!({"has_department": false}))
        );
        // the observed fact turns the finding into a failure: its explanation
        match &w.dangers[0].new.source {
            Source::Rule { explanation, .. } => assert_eq!(explanation, "未设置安全机构"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            w.dangers[1].new.source,
            Source::Inspector {
                text: "消防通道堆放杂物".into()
            }
        );
        assert_eq!(w.dangers[1].new.title, "消防通道堆放杂物");
        assert_eq!(w.dangers[1].new.level, Level::General);
    }

    #[test]
    fn rectified_registers_a_general_danger_closed_the_same_day() {
        let w = run(&visit(json!([
            {"rules": ["T-1"], "outcome": "rectified", "note": "当场挂牌成立安全科"}
        ])))
        .unwrap();
        let d = &w.dangers[0];
        assert_eq!(d.new.level, Level::General);
        assert_eq!(d.new.owner, "测试公司");
        assert_eq!(d.new.deadline, Date::constant(2026, 11, 20));
        let actions: Vec<(Action, &str)> =
            d.then.iter().map(|t| (t.action, t.by.as_str())).collect();
        assert_eq!(
            actions,
            [
                (Action::Start, "测试公司"),
                (Action::Submit, "测试公司"),
                (Action::Accept, "王检查")
            ]
        );
        // the real state machine accepts the sequence
        let mut danger = d.new.clone().into_danger(1, d.then[0].at).unwrap();
        for t in &d.then {
            danger.apply(t).unwrap();
        }
        assert_eq!(danger.state, crate::danger::State::Closed);
        assert_eq!(danger.measures.as_deref(), Some("当场挂牌成立安全科"));
    }

    #[test]
    fn facts_inside_lists_patch_the_whole_list() {
        let schema = schema();
        let program = program(&schema);
        let mut record = stored();
        record.record["special_workers"] = json!([{"name": "甲", "kind": "电工作业"}]);
        let basis = Basis {
            record: &record,
            latest: None,
            program: &program,
            schema: &schema,
            today: Date::constant(2026, 11, 21),
            now: "2026-11-21T01:00:00Z".parse().unwrap(),
            plan: None,
        };
        let fields: Vec<&str> = schema
            .root
            .get("special_workers")
            .and_then(|t| match t {
                FieldType::List(e) => match e.as_ref() {
                    FieldType::Record(m) => Some(m.keys().map(String::as_str).collect()),
                    _ => None,
                },
                _ => None,
            })
            .unwrap_or_default();
        let Some(field) = fields
            .iter()
            .find(|f| matches!(schema.field(&["special_workers", f]), Some(FieldType::Bool)))
        else {
            return;
        };
        let new = visit(json!([{"rules": ["T-1"], "outcome": "compliant",
            "facts": [{"path": format!("/special_workers/0/{field}"), "value": true}]}]));
        match prepare(&new, &basis) {
            Ok(w) => {
                let list = w.facts.unwrap()["special_workers"].clone();
                assert_eq!(list[0]["name"], "甲");
                assert_eq!(list[0][*field], true);
            }
            // the fixture item may lack a required member: then the problem is the fact's
            Err(p) => assert!(p[0].pointer.starts_with("/items/0/facts/0"), "{p:?}"),
        }
        let beyond = visit(json!([{"rules": ["T-1"], "outcome": "compliant",
            "facts": [{"path": format!("/special_workers/3/{field}"), "value": true}]}]));
        let p = prepare(&beyond, &basis).unwrap_err();
        assert_eq!(p[0].pointer, "/items/0/facts/0/path");
        assert!(p[0].message.contains("只有 1 项"), "{}", p[0].message);
    }

    fn check_refused(items: Value, expect: &[&str]) {
        assert_eq!(refused(items), expect);
    }
}
