//! The visit form (`/enterprises/{uscc}/visit[?plan=ID]`): what inspectors
//! fill in on or after a site visit, built from the enterprise's latest
//! stored check — the failing and undecided items grouped by topic as on
//! the printable checklist, one row per item with the outcome (radio
//! buttons), a note, inputs for the facts the check was missing (typed by
//! the schema: 是/否 for yes-or-no, a date picker for dates, a number box
//! for numbers, a list for enumerations) and the hidden-danger fields
//! (owner, deadline, rectification plan, level) used when the outcome
//! registers a danger. Date, departments (checkboxes of the names the rules
//! use, pre-checked with the departments of the items) and inspectors at
//! the top.
//!
//! With `?plan=ID` the rows are the plan's merged items for the enterprise
//! instead — one row per item, with its action, lead and participating
//! departments and citations, answered for all its rules at once — and the
//! plan's lead and participating departments are pre-checked. A plan that
//! does not include the enterprise is a 404, one reaching outside the
//! visitor's region a 403, as on the plan page.
//!
//! The POST (CSRF-checked) records the visit through [`crate::visit::record`]
//! — the same function as the API — and returns to the enterprise page; a
//! refused visit re-renders the form with every message at its row and
//! everything typed kept. Plain HTML: no script is needed.
//!
//! ```ignore
//! // GET  /enterprises/91330481MA2B00000Y/visit?plan=P-3 → the form
//! // POST /enterprises/91330481MA2B00000Y/visit        → 303 to the enterprise page
//! ```

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use super::enterprise_pages::{blocking, path_uscc, visible_record};
use super::findings_view::{CiteView, ViewContext, checklist, cite_view, pointer_label};
use super::{Chrome, Nav, PageError, Visitor, render};
use crate::check::CheckResult;
use crate::danger::Level;
use crate::http::AppState;
use crate::plan::{PlanId, Planned};
use crate::planning::plan_in_scope;
use crate::record::{FieldType, Problem, Schema, Uscc};
use crate::store::{Role, StoreError, StoredRecord};
use crate::visit::{
    DangerDetails, ItemOutcome, NewVisit, ObservedFact, Visit, VisitError, VisitItem,
};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/enterprises/{uscc}/visit", get(form).post(submit))
}

/// One input for a fact the check was missing.
pub(super) struct FactInput {
    /// The form field's name (`fact:/training/archive`).
    pub name: String,
    pub path: String,
    pub label: String,
    /// `bool`, `date`, `number`, `enum` or `text`.
    pub kind: &'static str,
    pub options: Vec<String>,
    pub value: String,
}

/// One checklist item as a form row (the inspector's answers empty until
/// the form comes back).
#[derive(Default)]
pub(super) struct Row {
    pub index: usize,
    /// Comma-joined rule ids of the item.
    pub rules: String,
    pub rule: String,
    pub title: String,
    pub major: bool,
    /// `核实并督促整改` or `现场核查`.
    pub action: &'static str,
    pub explanation: String,
    pub outcome: String,
    pub note: String,
    pub facts: Vec<FactInput>,
    /// Missing facts asked for in an earlier row (by its number).
    pub facts_elsewhere: Vec<String>,
    pub owner: String,
    pub deadline: String,
    pub rplan: String,
    pub level: String,
    pub errors: Vec<String>,
    /// For a row of a plan's merged item: its lead and participating
    /// departments and its citations.
    pub lead: String,
    pub participating: String,
    pub cites: Vec<CiteView>,
}

pub(super) struct TopicRows {
    pub topic: String,
    pub departments: String,
    pub rows: Vec<Row>,
}

/// A department checkbox of the form.
pub(super) struct DepartmentChoice {
    pub name: String,
    pub checked: bool,
}

/// The department checkboxes: the checked ones first in their order (the
/// lead first, as a visit lists them), then the rest of the departments the
/// rules use. A checked name the rules do not use (typed into an old form)
/// is kept so that its refusal can be seen and undone.
fn department_choices(checked: &[String]) -> Vec<DepartmentChoice> {
    let mut out: Vec<DepartmentChoice> = Vec::new();
    for d in checked {
        if !out.iter().any(|c| c.name == *d) {
            out.push(DepartmentChoice {
                name: d.clone(),
                checked: true,
            });
        }
    }
    for d in crate::dsl::DEPARTMENTS {
        if !out.iter().any(|c| c.name == d) {
            out.push(DepartmentChoice {
                name: d.to_string(),
                checked: false,
            });
        }
    }
    out
}

/// `(code, label)` of each outcome, for the radio buttons.
pub(super) struct OutcomeChoice {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "visit.html")]
struct VisitPage {
    chrome: Chrome,
    uscc: String,
    name: String,
    basis: String,
    plan: String,
    date: String,
    departments: Vec<DepartmentChoice>,
    inspectors: String,
    topics: Vec<TopicRows>,
    outcomes: Vec<OutcomeChoice>,
    /// Problems of the visit as a whole (date, inspectors …).
    errors: Vec<String>,
    today: String,
}

#[derive(Debug, Default, Deserialize)]
struct FormQuery {
    plan: Option<String>,
}

fn outcome_code(o: ItemOutcome) -> &'static str {
    match o {
        ItemOutcome::Confirmed => "confirmed",
        ItemOutcome::Rectified => "rectified",
        ItemOutcome::DangerFound => "danger_found",
        ItemOutcome::Compliant => "compliant",
        ItemOutcome::NotApplicable => "not_applicable",
    }
}

fn outcome_of(code: &str) -> Option<ItemOutcome> {
    ItemOutcome::ALL
        .into_iter()
        .find(|o| outcome_code(*o) == code)
}

/// The field type of a pointer (list indices skipped).
fn field_type<'s>(schema: &'s Schema, pointer: &str) -> Option<&'s FieldType> {
    let names: Vec<&str> = pointer
        .split('/')
        .filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    schema.field(&names)
}

/// The input for a missing pointer, when it is a single value a person can
/// type (lists and groups of fields are left to the note).
fn fact_input(schema: &Schema, name: String, pointer: &str) -> Option<FactInput> {
    let (kind, options) = match field_type(schema, pointer)? {
        FieldType::Bool => ("bool", Vec::new()),
        FieldType::Date => ("date", Vec::new()),
        FieldType::Integer { .. } | FieldType::Number { .. } => ("number", Vec::new()),
        FieldType::Enum(values) => ("enum", values.clone()),
        FieldType::String => ("text", Vec::new()),
        FieldType::List(_) | FieldType::Record(_) => return None,
    };
    let label = pointer_label(schema, pointer);
    Some(FactInput {
        name,
        path: pointer.to_string(),
        label: if label.is_empty() {
            pointer.to_string()
        } else {
            label
        },
        kind,
        options,
        value: String::new(),
    })
}

/// The form's rows from a check result: fail and unknown items by topic.
fn topics_of(result: &CheckResult, schema: &Schema, stored: &StoredRecord) -> Vec<TopicRows> {
    let ctx = ViewContext {
        schema,
        provenance: Some(&stored.provenance),
    };
    let mut asked: HashMap<String, usize> = HashMap::new();
    let mut index = 0;
    let mut out = Vec::new();
    for group in checklist(result, &ctx) {
        let mut rows = Vec::new();
        for item in group.items {
            let f = item.finding;
            let mut facts = Vec::new();
            let mut elsewhere = BTreeSet::new();
            for m in &f.missing {
                if let Some(first) = asked.get(&m.pointer) {
                    elsewhere.insert(format!("第 {} 项", first + 1));
                    continue;
                }
                let name = format!("fact:{}", m.pointer);
                if let Some(input) = fact_input(schema, name, &m.pointer) {
                    asked.insert(m.pointer.clone(), index);
                    facts.push(input);
                }
            }
            rows.push(Row {
                index,
                rules: f.rule.clone(),
                rule: f.rule,
                title: f.title,
                major: f.major,
                action: item.action,
                explanation: f.explanation,
                facts,
                facts_elsewhere: elsewhere.into_iter().collect(),
                ..Row::default()
            });
            index += 1;
        }
        out.push(TopicRows {
            topic: group.topic,
            departments: group.departments,
            rows,
        });
    }
    out.push(other_rows(index));
    out
}

/// The rows of a plan's merged checklist for one enterprise: one row per
/// merged item (its rules answered together), facts asked for where the
/// latest check (if any) was missing them.
fn topics_of_plan(
    planned: &Planned,
    result: Option<&CheckResult>,
    schema: &Schema,
) -> Vec<TopicRows> {
    let mut asked: HashMap<String, usize> = HashMap::new();
    let mut index = 0;
    let mut out = Vec::new();
    for group in &planned.topics {
        let mut rows = Vec::new();
        for item in &group.items {
            let ids: Vec<String> = item.rules.iter().map(|r| r.id.clone()).collect();
            let mut facts = Vec::new();
            let mut elsewhere = BTreeSet::new();
            let missing = result
                .into_iter()
                .flat_map(|r| r.findings.iter())
                .filter(|f| ids.iter().any(|id| id.as_str() == f.rule.as_str()))
                .flat_map(|f| f.missing.iter());
            for pointer in missing {
                let pointer = pointer.as_str();
                if let Some(first) = asked.get(pointer) {
                    if *first != index {
                        elsewhere.insert(format!("第 {} 项", first + 1));
                    }
                    continue;
                }
                let name = format!("fact:{pointer}");
                if let Some(input) = fact_input(schema, name, pointer) {
                    asked.insert(pointer.to_string(), index);
                    facts.push(input);
                }
            }
            let titles: Vec<&str> = item.rules.iter().map(|r| r.title.as_str()).collect();
            let explanations: Vec<&str> = item
                .rules
                .iter()
                .map(|r| r.explanation.as_str())
                .filter(|e| !e.is_empty())
                .collect();
            rows.push(Row {
                index,
                rules: ids.join(","),
                rule: ids.join("+"),
                title: titles.join("；"),
                major: item.severity == crate::check::Severity::Major,
                action: item.action.label(),
                explanation: explanations.join("；"),
                facts,
                facts_elsewhere: elsewhere.into_iter().collect(),
                lead: item.lead.clone(),
                participating: item.participating.join("、"),
                cites: item.citations.iter().map(cite_view).collect(),
                ..Row::default()
            });
            index += 1;
        }
        let mut departments: Vec<&str> = Vec::new();
        for item in &group.items {
            for d in std::iter::once(&item.lead).chain(item.participating.iter()) {
                if !departments.contains(&d.as_str()) {
                    departments.push(d);
                }
            }
        }
        out.push(TopicRows {
            topic: group.topic.clone(),
            departments: departments.join("、"),
            rows,
        });
    }
    out.push(other_rows(index));
    out
}

/// The last group: a hidden danger found outside the checklist.
fn other_rows(index: usize) -> TopicRows {
    TopicRows {
        topic: "清单以外的发现".to_string(),
        departments: String::new(),
        rows: vec![Row {
            index,
            rule: OTHER.to_string(),
            title: "现场发现的其他事故隐患".to_string(),
            major: false,
            action: "现场发现",
            explanation:
                "清单以外的隐患：在说明中写明情况，并填写整改责任人和整改期限；不填则不登记。"
                    .to_string(),
            ..Row::default()
        }],
    }
}

/// The key of the row for a danger found outside the checklist.
const OTHER: &str = "other";

/// The latest stored check, or one run now (not stored) when there is none.
fn basis_check(
    state: &AppState,
    stored: &StoredRecord,
    latest: Option<crate::store::StoredCheck>,
) -> Result<(CheckResult, String), PageError> {
    if let Some(c) = latest {
        let basis = format!("依据检查日期 {} 的检查结果", c.result.as_of);
        return Ok((c.result, basis));
    }
    let inner = state.inner();
    let record = crate::record::validate_record(&stored.record, &inner.schema).map_err(|p| {
        PageError::BadRequest(format!(
            "该企业档案未通过校验（{} 处问题），无法生成检查表；请先更正档案",
            p.len()
        ))
    })?;
    let today = crate::search::today();
    let rules = inner.rules.load();
    let report = crate::check::run_valid(&rules.program, &record, today);
    Ok((
        report.result,
        format!("依据按 {today} 现行规则即时检查的结果"),
    ))
}

/// The form's rows and what they are based on.
struct Rows {
    basis: String,
    topics: Vec<TopicRows>,
    /// The departments proposed for the visit, the lead first.
    departments: Vec<String>,
}

/// The rows of the form: the merged checklist of plan `plan` for the
/// enterprise when one is given, else the latest check. A plan that is
/// unknown or does not include the enterprise is a 404, one reaching
/// outside the visitor's region a 403 (as on the plan page).
async fn rows_for(
    state: &AppState,
    visitor: &Visitor,
    key: &Uscc,
    stored: &StoredRecord,
    plan: &str,
) -> Result<Rows, PageError> {
    let store = state.inner().store.clone();
    let k = key.clone();
    let latest = blocking(move || store.latest_check(&k)).await?;
    let plan = plan.trim();
    if plan.is_empty() {
        let (result, basis) = basis_check(state, stored, latest)?;
        let topics = topics_of(&result, &state.inner().schema, stored);
        // one visit covers every department's items: all of them, first-seen order
        let mut departments: Vec<String> = Vec::new();
        for d in topics.iter().flat_map(|t| names(&t.departments)) {
            if !departments.contains(&d) {
                departments.push(d);
            }
        }
        return Ok(Rows {
            basis,
            topics,
            departments,
        });
    }
    let missing = || PageError::NotFound(format!("找不到编号为 `{plan}` 的检查计划"));
    let id: PlanId = plan.parse().map_err(|_| missing())?;
    let scope = visitor.token.as_ref().and_then(|t| t.region.clone());
    let store = state.inner().store.clone();
    let found = blocking(move || {
        let Some(p) = store.plan(id)? else {
            return Ok(None);
        };
        let visible = match &scope {
            Some(s) => plan_in_scope(&store, &p, s)?,
            None => true,
        };
        Ok(Some((p, visible)))
    })
    .await?;
    let plan = match found {
        None => return Err(missing()),
        Some((_, false)) => {
            return Err(PageError::Forbidden(
                "该计划涉及您管辖范围以外的企业".to_string(),
            ));
        }
        Some((p, true)) => p,
    };
    let Some(planned) = plan.enterprises.iter().find(|p| p.uscc == stored.uscc) else {
        return Err(PageError::NotFound(format!(
            "第 {id} 号检查计划不包括该企业；请从计划页面进入，或直接记录现场检查（不按计划）"
        )));
    };
    // the latest check only tells which facts were missing
    let result = basis_check(state, stored, latest).ok().map(|(r, _)| r);
    let topics = topics_of_plan(planned, result.as_ref(), &state.inner().schema);
    let mut departments: Vec<String> = Vec::new();
    for d in std::iter::once(&planned.lead).chain(planned.participating.iter()) {
        if !d.trim().is_empty() && !departments.contains(d) {
            departments.push(d.clone());
        }
    }
    Ok(Rows {
        basis: format!(
            "依据联合检查计划第 {id} 号（{} 至 {}）为该企业合并的检查清单",
            plan.from, plan.to
        ),
        topics,
        departments,
    })
}

fn page(
    visitor: &Visitor,
    stored: &StoredRecord,
    basis: String,
    topics: Vec<TopicRows>,
    top: TopFields,
    errors: Vec<String>,
) -> VisitPage {
    let name = stored
        .record
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&stored.uscc)
        .to_string();
    VisitPage {
        chrome: Chrome::new(visitor, format!("记录现场检查：{name}"), Nav::Enterprises),
        uscc: stored.uscc.clone(),
        name,
        basis,
        plan: top.plan,
        date: top.date,
        departments: department_choices(&top.departments),
        inspectors: top.inspectors,
        topics,
        outcomes: ItemOutcome::ALL
            .into_iter()
            .map(|o| OutcomeChoice {
                code: outcome_code(o),
                label: o.label(),
            })
            .collect(),
        errors,
        today: crate::search::today().to_string(),
    }
}

/// The fields at the top of the form.
#[derive(Default)]
struct TopFields {
    plan: String,
    date: String,
    departments: Vec<String>,
    inspectors: String,
}

async fn form(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<FormQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<String>, PageError> {
    let uscc = path_uscc(path)?;
    let Query(q) = query.map_err(|_| PageError::BadRequest("地址参数无法识别".to_string()))?;
    let (key, stored) = visible_record(&state, &visitor, &uscc).await?;
    let plan = q.plan.unwrap_or_default().trim().to_string();
    let rows = rows_for(&state, &visitor, &key, &stored, &plan).await?;
    let top = TopFields {
        plan,
        date: crate::search::today().to_string(),
        departments: rows.departments,
        ..TopFields::default()
    };
    render(&page(
        &visitor,
        &stored,
        rows.basis,
        rows.topics,
        top,
        Vec::new(),
    ))
}

/// `a、b，c, d` → `[a, b, c, d]`.
fn names(text: &str) -> Vec<String> {
    text.split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A typed value from what was typed, by the field's kind.
fn typed(kind: &str, text: &str) -> Result<Value, String> {
    match kind {
        "bool" => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` 不是“是”或“否”")),
        },
        "number" => {
            if let Ok(n) = text.parse::<i64>() {
                return Ok(Value::from(n));
            }
            text.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("`{text}` 不是数字"))
        }
        _ => Ok(Value::String(text.to_string())),
    }
}

async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    let uscc = path_uscc(path)?;
    let who = visitor.require(Role::Inspector)?;
    let Form(pairs) = form.map_err(|_| {
        PageError::BadRequest("表单格式不对，请在“记录现场检查”页面上提交".to_string())
    })?;
    // departments come as checkboxes (one pair each) or typed in one field
    let departments: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "departments")
        .flat_map(|(_, v)| names(v))
        .collect();
    let fields: HashMap<String, String> = pairs.into_iter().collect();
    let get = |k: &str| {
        fields
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    visitor.check_csrf(&get("csrf"))?;
    let (key, stored) = visible_record(&state, &visitor, &uscc).await?;
    let plan = get("plan");
    let Rows {
        basis,
        mut topics,
        departments: _,
    } = rows_for(&state, &visitor, &key, &stored, &plan).await?;
    let top = TopFields {
        plan,
        date: get("date"),
        departments,
        inspectors: get("inspectors"),
    };
    // fill the rows with what was typed; build the items of the chosen rows
    let mut items = Vec::new();
    let mut row_of_item = Vec::new();
    let mut local: Vec<(usize, String)> = Vec::new();
    for row in topics.iter_mut().flat_map(|t| t.rows.iter_mut()) {
        // fields are named by rule id, so a check stored meanwhile cannot
        // shift what was typed onto another item
        let i = row.index;
        let key = row.rule.clone();
        row.outcome = get(&format!("outcome_{key}"));
        row.note = get(&format!("note_{key}"));
        row.owner = get(&format!("owner_{key}"));
        row.deadline = get(&format!("deadline_{key}"));
        row.rplan = get(&format!("rplan_{key}"));
        row.level = get(&format!("level_{key}"));
        let mut facts = Vec::new();
        for f in &mut row.facts {
            f.value = get(&f.name);
            if f.value.is_empty() {
                continue;
            }
            match typed(f.kind, &f.value) {
                Ok(value) => facts.push(ObservedFact {
                    path: f.path.clone(),
                    value,
                }),
                Err(why) => local.push((i, format!("{}：{why}", f.label))),
            }
        }
        if row.rule == OTHER {
            let filled = [&row.note, &row.owner, &row.deadline, &row.rplan]
                .iter()
                .any(|v| !v.is_empty());
            row.outcome = if filled {
                outcome_code(ItemOutcome::DangerFound).to_string()
            } else {
                String::new()
            };
        }
        let Some(outcome) = outcome_of(&row.outcome) else {
            if !facts.is_empty() || !row.note.is_empty() {
                local.push((i, "请选择这一项的检查结论".to_string()));
            }
            continue;
        };
        let wants_danger = matches!(
            outcome,
            ItemOutcome::Confirmed | ItemOutcome::DangerFound | ItemOutcome::Rectified
        );
        let danger = if wants_danger {
            let deadline = match row.deadline.as_str() {
                "" => None,
                d => match crate::record::parse_date(d) {
                    Ok(d) => Some(d),
                    Err(why) => {
                        local.push((i, format!("整改期限 `{d}` 无效：{why}")));
                        None
                    }
                },
            };
            let given = !row.owner.is_empty()
                || deadline.is_some()
                || !row.rplan.is_empty()
                || !row.level.is_empty();
            // a 当场整改 without details: the enterprise answers, closed today
            (given || outcome != ItemOutcome::Rectified).then(|| DangerDetails {
                owner: row.owner.clone(),
                deadline,
                measures: None,
                funds: None,
                rectification_plan: Some(row.rplan.clone()).filter(|p| !p.is_empty()),
                level: match row.level.as_str() {
                    "一般" => Some(Level::General),
                    "重大" => Some(Level::Major),
                    _ => None,
                },
                title: None,
            })
        } else {
            None
        };
        row_of_item.push(i);
        items.push(VisitItem {
            rules: names(&row.rules),
            outcome,
            note: Some(row.note.clone()).filter(|n| !n.is_empty()),
            facts,
            danger,
        });
    }
    let mut errors = Vec::new();
    let shown: BTreeSet<&str> = topics
        .iter()
        .flat_map(|t| t.rows.iter().map(|r| r.rule.as_str()))
        .collect();
    let mut gone: Vec<&str> = fields
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .filter_map(|(k, _)| k.strip_prefix("outcome_"))
        .filter(|rule| !shown.contains(rule))
        .collect();
    gone.sort_unstable();
    for rule in gone {
        errors.push(format!(
            "检查项 `{rule}` 已不在最近一次检查结果中（填写期间检查结果有更新），请核对后重新提交"
        ));
    }
    let date = match crate::record::parse_date(&top.date) {
        Ok(d) => Some(d),
        Err(why) => {
            errors.push(format!("检查日期 `{}` 无效：{why}", top.date));
            None
        }
    };
    if items.is_empty() {
        errors.push("没有选择任何检查项的结论：请至少填写一项".to_string());
    }
    let plan = match top.plan.trim() {
        "" => None,
        text => match text.parse::<PlanId>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(format!("检查计划编号 `{text}` 应为正整数"));
                None
            }
        },
    };
    let refused = !errors.is_empty() || !local.is_empty();
    if let (Some(date), false) = (date, refused) {
        let new = NewVisit {
            uscc: key,
            date,
            departments: top.departments.clone(),
            inspectors: names(&top.inspectors),
            plan,
            items,
        };
        let actor = who.actor();
        let st = state.clone();
        let outcome = tokio::task::spawn_blocking(move || st.record_visit(&new, &actor))
            .await
            .map_err(|_| PageError::Internal)?;
        match outcome {
            Ok(_) => {
                let target = format!(
                    "/enterprises/{}#visits",
                    super::paths::segment(&stored.uscc)
                );
                return Ok(Redirect::to(&target).into_response());
            }
            Err(VisitError::Invalid(problems)) => {
                place_problems(&problems, &row_of_item, &mut local, &mut errors);
            }
            Err(VisitError::UnknownEnterprise(u)) => {
                return Err(PageError::NotFound(format!(
                    "找不到统一社会信用代码为 `{u}` 的企业档案"
                )));
            }
            Err(VisitError::Store(e)) => {
                tracing::error!("visit page: the store failed: {e}");
                return Err(PageError::Internal);
            }
        }
    }
    for row in topics.iter_mut().flat_map(|t| t.rows.iter_mut()) {
        row.errors = local
            .iter()
            .filter(|(i, _)| *i == row.index)
            .map(|(_, m)| m.clone())
            .collect();
    }
    let mut html = render(&page(&visitor, &stored, basis, topics, top, errors))?.into_response();
    *html.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(html)
}

/// Puts each problem at its row (`/items/N/…` → the row of item N) or at
/// the top.
fn place_problems(
    problems: &[Problem],
    row_of_item: &[usize],
    local: &mut Vec<(usize, String)>,
    errors: &mut Vec<String>,
) {
    for p in problems {
        let item = p
            .pointer
            .strip_prefix("/items/")
            .and_then(|r| r.split('/').next())
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| row_of_item.get(n));
        let what = field_words(&p.pointer);
        let message = if what.is_empty() || p.message.contains(what) {
            p.message.clone()
        } else {
            format!("{what}：{}", p.message)
        };
        match item {
            Some(row) => local.push((*row, message)),
            None => errors.push(message),
        }
    }
}

/// The form field a pointer names, in words.
fn field_words(pointer: &str) -> &'static str {
    let last = pointer.rsplit('/').next().unwrap_or("");
    match last {
        "owner" => "整改责任人",
        "deadline" => "整改期限",
        "level" => "隐患等级",
        "note" => "说明",
        "outcome" => "检查结论",
        "date" => "检查日期",
        "inspectors" => "检查人员",
        "departments" => "参加部门",
        "value" | "path" => "现场情况",
        _ => "",
    }
}

/// Recent visits of an enterprise, newest first, as the profile lists them.
pub(super) struct VisitLine {
    pub id: u64,
    pub date: String,
    pub departments: String,
    pub inspectors: String,
    pub items: usize,
    /// The number of the joint inspection plan it belongs to, if any.
    pub plan: String,
    pub dangers: Vec<DangerLink>,
}

pub(super) struct DangerLink {
    pub id: u64,
    pub title: String,
    pub level: &'static str,
    pub state: &'static str,
}

/// How many visits the profile lists.
const RECENT_VISITS: usize = 10;

/// The enterprise's recent visits with the dangers they registered.
pub(super) fn recent_visits(
    store: &crate::store::Store,
    uscc: &crate::record::Uscc,
) -> Result<Vec<VisitLine>, StoreError> {
    let mut visits: Vec<Visit> = store.visits(Some(uscc), None, None, None)?;
    visits.reverse();
    visits
        .into_iter()
        .take(RECENT_VISITS)
        .map(|v| {
            let mut dangers = Vec::new();
            for id in &v.dangers {
                if let Some(d) = store.danger(*id)? {
                    dangers.push(DangerLink {
                        id: d.id,
                        title: d.title,
                        level: d.level.label(),
                        state: d.state.label(),
                    });
                }
            }
            Ok(VisitLine {
                id: v.id,
                date: v.visit.date.to_string(),
                departments: v.visit.departments.join("、"),
                inspectors: v.visit.inspectors.join("、"),
                items: v.visit.items.len(),
                plan: v.visit.plan.map(|p| p.to_string()).unwrap_or_default(),
                dangers,
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_from_the_form() {
        assert_eq!(typed("bool", "true").unwrap(), Value::Bool(true));
        assert_eq!(typed("number", "3").unwrap(), Value::from(3));
        assert_eq!(typed("number", "2.5").unwrap(), Value::from(2.5));
        assert!(typed("number", "三").unwrap_err().contains("`三`"));
        assert!(typed("bool", "也许").is_err());
        assert_eq!(
            typed("date", "2026-11-20").unwrap(),
            Value::from("2026-11-20")
        );
        assert_eq!(names("王五、 李四,赵六；"), ["王五", "李四", "赵六"]);
    }

    #[test]
    fn department_checkboxes_put_the_checked_first() {
        let choices = department_choices(&["消防救援".into(), "应急管理".into(), "安监站".into()]);
        let checked: Vec<&str> = choices
            .iter()
            .filter(|c| c.checked)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(checked, ["消防救援", "应急管理", "安监站"]);
        assert_eq!(choices.len(), crate::dsl::DEPARTMENTS.len() + 1);
        assert_eq!(choices[3].name, "市场监管");
        assert!(!choices[3].checked);
        assert!(department_choices(&[]).iter().all(|c| !c.checked));
    }

    #[test]
    fn problems_go_to_their_rows() {
        let problems = vec![
            Problem::new(
                "/items/1/danger/owner",
                "缺少整改责任人".into(),
                String::new(),
            ),
            Problem::new("/date", "晚于今天".into(), String::new()),
            Problem::new("/items/0/outcome", "属于重大隐患".into(), String::new()),
        ];
        let (mut local, mut errors) = (Vec::new(), Vec::new());
        place_problems(&problems, &[4, 7], &mut local, &mut errors);
        // a message that names its field is not prefixed again
        assert_eq!(
            local,
            [
                (7, "缺少整改责任人".to_string()),
                (4, "检查结论：属于重大隐患".to_string())
            ]
        );
        assert_eq!(errors, ["检查日期：晚于今天"]);
    }
}
