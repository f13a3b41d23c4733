//! The hidden-danger (事故隐患) pages for inspectors: the list (filtered by
//! state, level, overdue and township, newest first, overdue ones flagged
//! red with the days overdue), one danger (source with rule and citation
//! links or the inspector's words, owner, deadline, measures, funds, plan,
//! the full history) with forms for the legal next actions only, and the
//! 登记隐患 form of an enterprise for dangers found outside a visit.
//!
//! Every POST carries the CSRF token; a refusal (a missing plan for a 重大
//! danger, an acceptor who is the owner, a rejection without a note) is
//! shown in Chinese on the same page with the input kept. Who may see: an
//! inspector (only the enterprises of the token's region) or an admin.
//!
//! ```ignore
//! // GET /dangers?state=整改中&overdue=1  GET /dangers/7  POST /dangers/7
//! // GET /enterprises/{uscc}/dangers/new  POST /enterprises/{uscc}/dangers
//! ```

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use super::enterprise_pages::{blocking, filters, path_uscc, visible_record};
use super::findings_view::time_text;
use super::{Chrome, Nav, PageError, Visitor, article_href, law_href, render};
use crate::check::{CitationOut, Outcome};
use crate::danger::{
    Action, DangerError, DangerId, HiddenDanger, Level, NewDanger, Source, State as DangerState,
    TransitionRequest,
};
use crate::http::AppState;
use crate::statute::ArticleNo;
use crate::store::{DangerFilter, ListFilter, Role, StoreError};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/dangers", get(list))
        .route("/dangers/{id}", get(detail).post(act))
        .route("/enterprises/{uscc}/dangers/new", get(new_form))
        .route("/enterprises/{uscc}/dangers", get(back_to_new).post(create))
}

// ───────────── rows ─────────────

/// One danger in a list.
pub(super) struct DangerRow {
    pub id: DangerId,
    pub title: String,
    pub major: bool,
    pub state: &'static str,
    /// The badge class of the state.
    pub state_class: &'static str,
    pub uscc: String,
    pub enterprise: String,
    pub township: String,
    pub owner: String,
    pub deadline: String,
    pub found: String,
    /// Days past the deadline (0 when not overdue).
    pub overdue_days: i64,
}

/// The badge class of a state: 待整改 red, 整改中 / 待验收 amber, 已销号 green.
pub(super) fn state_class(s: DangerState) -> &'static str {
    match s {
        DangerState::Pending => "fail",
        DangerState::InProgress | DangerState::AwaitingAcceptance => "unknown",
        DangerState::Closed => "pass",
    }
}

/// Days `d` is past its deadline on `day` (0 when closed or not yet due).
fn days_overdue(d: &HiddenDanger, day: jiff::civil::Date) -> i64 {
    if !d.is_overdue(day) {
        return 0;
    }
    day.since(d.deadline)
        .map(|s| i64::from(s.get_days()))
        .unwrap_or(0)
}

pub(super) fn row(d: &HiddenDanger, enterprise: &str, day: jiff::civil::Date) -> DangerRow {
    DangerRow {
        id: d.id,
        title: d.title.clone(),
        major: d.level == Level::Major,
        state: d.state.label(),
        state_class: state_class(d.state),
        uscc: d.uscc.as_str().to_owned(),
        enterprise: enterprise.to_owned(),
        township: d.township.clone().unwrap_or_default(),
        owner: d.owner.clone(),
        deadline: d.deadline.to_string(),
        found: crate::dashboard::found_day(d).to_string(),
        overdue_days: days_overdue(d, day),
    }
}

/// An enterprise's dangers for its profile: the open ones (newest first)
/// and how many are closed.
pub(super) struct EnterpriseDangers {
    pub open: Vec<DangerRow>,
    pub closed: usize,
}

pub(super) fn enterprise_dangers(
    dangers: &[HiddenDanger],
    day: jiff::civil::Date,
) -> EnterpriseDangers {
    let mut open: Vec<DangerRow> = dangers
        .iter()
        .filter(|d| d.state != DangerState::Closed)
        .map(|d| row(d, "", day))
        .collect();
    open.sort_by_key(|r| std::cmp::Reverse(r.id));
    EnterpriseDangers {
        open,
        closed: dangers
            .iter()
            .filter(|d| d.state == DangerState::Closed)
            .count(),
    }
}

// ───────────── list ─────────────

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    state: Option<String>,
    level: Option<String>,
    overdue: Option<String>,
    township: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[derive(Template)]
#[template(path = "dangers.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<DangerRow>,
    /// Dangers the visitor may see at all (before filtering).
    visible: usize,
    townships: Vec<String>,
    states: Vec<&'static str>,
    state: String,
    level: String,
    overdue: bool,
    township: String,
    today: String,
}

/// The enterprises the visitor may see: USCC → (name, township).
pub(super) fn visible_enterprises(
    store: &crate::store::Store,
    scope: Option<crate::store::RegionScope>,
) -> Result<BTreeMap<String, (String, String)>, StoreError> {
    let mut out = BTreeMap::new();
    store.export(
        &ListFilter {
            scope,
            ..ListFilter::default()
        },
        |s| {
            let text = |p: &str| {
                s.record
                    .pointer(p)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            out.insert(s.uscc.clone(), (text("/name"), text("/region/township")));
        },
    )?;
    Ok(out)
}

async fn list(
    State(state): State<AppState>,
    visitor: Visitor,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let who = visitor.require(Role::Inspector)?;
    let q = filters(query)?;
    let wanted_state = match given(&q.state) {
        Some(s) => Some(
            s.parse::<DangerState>()
                .map_err(|e| PageError::BadRequest(e.to_string()))?,
        ),
        None => None,
    };
    let level = match given(&q.level) {
        Some("一般") => Some(Level::General),
        Some("重大") => Some(Level::Major),
        Some(other) => {
            return Err(PageError::BadRequest(format!(
                "隐患级别 `{other}` 无法识别，应为 一般 或 重大"
            )));
        }
        None => None,
    };
    let overdue = given(&q.overdue).is_some();
    let township = given(&q.township).map(str::to_owned);
    let scope = who.region.clone();
    let store = state.inner().store.clone();
    let day = crate::search::today();
    let t = township.clone();
    let (rows, visible, townships) = blocking(move || {
        let seen = visible_enterprises(&store, scope)?;
        let all: Vec<HiddenDanger> = store
            .dangers(&DangerFilter::default())?
            .into_iter()
            .filter(|d| seen.contains_key(d.uscc.as_str()))
            .collect();
        let mut townships: Vec<String> = seen
            .values()
            .map(|(_, t)| t.clone())
            .chain(all.iter().filter_map(|d| d.township.clone()))
            .filter(|t| !t.is_empty())
            .collect();
        townships.sort();
        townships.dedup();
        let filter = DangerFilter {
            state: wanted_state,
            overdue_on: overdue.then_some(day),
            ..DangerFilter::default()
        };
        let mut rows: Vec<(jiff::Timestamp, DangerRow)> = Vec::new();
        for d in &all {
            let (name, record_town) = seen.get(d.uscc.as_str()).cloned().unwrap_or_default();
            let town = d.township.clone().unwrap_or(record_town);
            if !matches_filter(&filter, d)
                || level.is_some_and(|l| l != d.level)
                || t.as_ref().is_some_and(|t| *t != town)
            {
                continue;
            }
            let mut r = row(d, &name, day);
            r.township = town;
            rows.push((d.found_at, r));
        }
        rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.id.cmp(&a.1.id)));
        Ok((
            rows.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
            all.len(),
            townships,
        ))
    })
    .await?;
    render(&ListPage {
        chrome: Chrome::new(&visitor, "事故隐患", Nav::Dangers),
        rows,
        visible,
        townships,
        states: DangerState::ALL.iter().map(|s| s.label()).collect(),
        state: wanted_state
            .map(|s| s.label().to_owned())
            .unwrap_or_default(),
        level: level.map(|l| l.label().to_owned()).unwrap_or_default(),
        overdue,
        township: township.unwrap_or_default(),
        today: day.to_string(),
    })
}

/// [`DangerFilter`]'s own test, applied to a danger already read.
fn matches_filter(f: &DangerFilter, d: &HiddenDanger) -> bool {
    f.state.is_none_or(|s| s == d.state) && f.overdue_on.is_none_or(|day| d.is_overdue(day))
}

// ───────────── detail ─────────────

/// A citation as text and, when it names an article, a link to it.
struct CiteLink {
    text: String,
    href: String,
}

/// `中华人民共和国安全生产法 第24条` → a link to the article; other text → the
/// law's page when it is a bare title.
fn cite_link(text: &str) -> CiteLink {
    let href = match text.split_once(" 第") {
        Some((law, rest)) => rest
            .trim_end_matches('条')
            .parse::<ArticleNo>()
            .map(|no| article_href(law.trim(), no))
            .unwrap_or_else(|_| law_href(law.trim())),
        None => law_href(text.trim()),
    };
    CiteLink {
        text: text.to_owned(),
        href,
    }
}

struct HistoryView {
    at: String,
    by: String,
    action: &'static str,
    from: &'static str,
    to: &'static str,
    note: String,
}

/// One action form offered on the detail page.
struct ActionForm {
    code: &'static str,
    label: &'static str,
    by_label: &'static str,
    /// The plan field (开始整改), `required` for a 重大 danger without one.
    plan: bool,
    plan_required: bool,
    /// The measures field (开始整改, 提交验收), required at 提交验收 when none yet.
    measures: bool,
    measures_required: bool,
    funds: bool,
    note_label: &'static str,
    note_required: bool,
    hint: String,
}

/// The forms for the actions legal in the danger's state.
fn action_forms(d: &HiddenDanger) -> Vec<ActionForm> {
    let has = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
    Action::ALL
        .into_iter()
        .filter(|a| a.from_state() == d.state)
        .map(|a| match a {
            Action::Start => ActionForm {
                code: a.code(),
                label: "开始整改",
                by_label: "操作人",
                plan: true,
                plan_required: d.level == Level::Major && !has(&d.rectification_plan),
                measures: true,
                measures_required: false,
                funds: true,
                note_label: "说明（选填）",
                note_required: false,
                hint: if d.level == Level::Major {
                    "重大事故隐患须先制定整改方案（治理目标、措施、资金、期限、责任人员、安全措施和应急预案）才能开始整改".to_owned()
                } else {
                    "整改责任人开始落实整改".to_owned()
                },
            },
            Action::Submit => ActionForm {
                code: a.code(),
                label: "提交验收",
                by_label: "操作人",
                plan: false,
                plan_required: false,
                measures: true,
                measures_required: !has(&d.measures),
                funds: true,
                note_label: "说明（选填）",
                note_required: false,
                hint: "整改完成后填写所采取的整改措施，提交验收".to_owned(),
            },
            Action::Accept => ActionForm {
                code: a.code(),
                label: "销号验收",
                by_label: "验收人",
                plan: false,
                plan_required: false,
                measures: false,
                measures_required: false,
                funds: false,
                note_label: "验收意见",
                note_required: true,
                hint: format!("验收人不能是整改责任人（{}）本人", d.owner),
            },
            Action::Reject => ActionForm {
                code: a.code(),
                label: "驳回",
                by_label: "验收人",
                plan: false,
                plan_required: false,
                measures: false,
                measures_required: false,
                funds: false,
                note_label: "驳回理由",
                note_required: true,
                hint: "验收不通过时退回整改中，须写明理由".to_owned(),
            },
        })
        .collect()
}

/// What was typed into an action form (kept when it is refused).
#[derive(Debug, Default, Clone, Deserialize)]
struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    funds: String,
}

#[derive(Template)]
#[template(path = "danger.html")]
struct DetailPage {
    chrome: Chrome,
    d: DangerRow,
    source_kind: &'static str,
    rule_id: String,
    source_text: String,
    citations: Vec<CiteLink>,
    found_at: String,
    found_by: String,
    /// The visit that registered the danger: its number and the link to it
    /// in the enterprise's visit list (empty when none did).
    visit: String,
    visit_link: String,
    measures: String,
    funds: String,
    plan: String,
    history: Vec<HistoryView>,
    actions: Vec<ActionForm>,
    /// The refused action's code and message, with its input.
    error_action: String,
    error: String,
    input: ActForm,
    /// The visitor's name, the default 操作人.
    me: String,
}

fn detail_page(
    visitor: &Visitor,
    d: &HiddenDanger,
    enterprise: &str,
    error: Option<(String, String)>,
    input: ActForm,
) -> DetailPage {
    let day = crate::search::today();
    let (source_kind, rule_id, source_text, citations) = match &d.source {
        Source::Rule {
            rule_id,
            explanation,
            citations,
        } => (
            "规则检查",
            rule_id.clone(),
            explanation.clone(),
            citations.iter().map(|c| cite_link(c)).collect(),
        ),
        Source::Inspector { text } => ("现场发现", String::new(), text.clone(), Vec::new()),
    };
    let actions = action_forms(d);
    let (mut error_action, error) = error.unwrap_or_default();
    if !actions.iter().any(|a| a.code == error_action) {
        error_action.clear();
    }
    DetailPage {
        chrome: Chrome::new(
            visitor,
            format!("隐患 #{}：{}", d.id, d.title),
            Nav::Dangers,
        ),
        d: row(d, enterprise, day),
        source_kind,
        rule_id,
        source_text,
        citations,
        found_at: time_text(d.found_at),
        found_by: d.found_by.clone(),
        visit: d.visit.map(|v| v.to_string()).unwrap_or_default(),
        visit_link: d
            .visit
            .map(|v| {
                format!(
                    "/enterprises/{}#visit-{v}",
                    super::paths::segment(d.uscc.as_str())
                )
            })
            .unwrap_or_default(),
        measures: d.measures.clone().unwrap_or_default(),
        funds: d.funds.map(|f| format!("{f} 元")).unwrap_or_default(),
        plan: d.rectification_plan.clone().unwrap_or_default(),
        history: d
            .history
            .iter()
            .map(|t| HistoryView {
                at: time_text(t.at),
                by: t.by.clone(),
                action: t.action.label(),
                from: t.from.label(),
                to: t.to.label(),
                note: t.note.clone().unwrap_or_default(),
            })
            .collect(),
        actions,
        error_action,
        error,
        input,
        me: visitor
            .token
            .as_ref()
            .map(|t| t.label.clone())
            .unwrap_or_default(),
    }
}

fn id_of(path: Result<Path<String>, PathRejection>) -> Result<DangerId, PageError> {
    let text = path
        .map(|Path(t)| t)
        .map_err(|_| PageError::BadRequest("地址中的隐患编号无法识别".to_string()))?;
    text.parse::<DangerId>()
        .map_err(|_| PageError::NotFound(format!("找不到编号为 `{text}` 的隐患")))
}

/// A danger the visitor may see, with its enterprise's name.
async fn visible_danger(
    state: &AppState,
    visitor: &Visitor,
    id: DangerId,
) -> Result<(HiddenDanger, String), PageError> {
    visitor.require(Role::Inspector)?;
    let store = state.inner().store.clone();
    let d = blocking(move || store.danger(id))
        .await?
        .ok_or_else(|| PageError::NotFound(format!("找不到编号为 `{id}` 的隐患")))?;
    let (_, stored) = visible_record(state, visitor, d.uscc.as_str()).await?;
    let name = stored
        .record
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    Ok((d, name))
}

async fn detail(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, PageError> {
    let id = id_of(path)?;
    let (d, name) = visible_danger(&state, &visitor, id).await?;
    render(&detail_page(&visitor, &d, &name, None, ActForm::default()))
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// `""` → none; otherwise a non-negative amount in yuan.
fn funds_of(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
        _ => Err(format!(
            "整改资金 `{t}` 不是有效的金额，请填写以元为单位的数字，如 12000"
        )),
    }
}

/// The wording of a refused transition for the page.
fn refusal_text(e: &DangerError) -> String {
    match e {
        DangerError::Missing { action, fields } => {
            let names: Vec<&str> = fields
                .iter()
                .map(|f| match *f {
                    "rectification_plan" => "整改方案",
                    "measures" => "整改措施",
                    "note" if *action == Action::Reject => "驳回理由",
                    "note" => "验收意见",
                    "by" => "操作人",
                    _ => "必填项",
                })
                .collect();
            format!("{}前请填写：{}", action.label(), names.join("、"))
        }
        other => other.to_string(),
    }
}

/// POST `/dangers/{id}`: one action of the closed loop; back to the page
/// (303) when done, the page with the refusal and the input otherwise.
async fn act(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
    form: Result<Form<ActForm>, FormRejection>,
) -> Result<Response, PageError> {
    let id = id_of(path)?;
    let who = visitor.require(Role::Inspector)?.clone();
    let Form(form) =
        form.map_err(|_| PageError::BadRequest("表单格式不对，请在隐患页面上提交".to_string()))?;
    visitor.check_csrf(&form.csrf)?;
    let (d, name) = visible_danger(&state, &visitor, id).await?;
    let refuse =
        |status: StatusCode, message: String, form: ActForm| -> Result<Response, PageError> {
            let page = detail_page(
                &visitor,
                &d,
                &name,
                Some((form.action.clone(), message)),
                form,
            );
            Ok((status, render(&page)?).into_response())
        };
    let action = match form.action.parse::<Action>() {
        Ok(a) => a,
        Err(e) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), form),
    };
    let funds = match funds_of(&form.funds) {
        Ok(f) => f,
        Err(why) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, why, form),
    };
    let req = TransitionRequest {
        action,
        by: form.by.trim().to_owned(),
        at: jiff::Timestamp::now(),
        note: optional(&form.note),
        rectification_plan: optional(&form.plan),
        measures: optional(&form.measures),
        funds,
    };
    let store = state.inner().store.clone();
    let actor = who.actor();
    let done = tokio::task::spawn_blocking(move || store.transition_danger(id, &req, &actor))
        .await
        .map_err(|_| PageError::Internal)?;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/dangers/{id}")).into_response()),
        Err(StoreError::Danger(e)) => {
            let status = if matches!(e, DangerError::Illegal { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            refuse(status, refusal_text(&e), form)
        }
        Err(e) => {
            tracing::error!("danger page: the store failed: {e}");
            Err(PageError::Internal)
        }
    }
}

// ───────────── 登记隐患 ─────────────

/// A failed rule of the latest check that a danger may be registered from.
struct FailedRule {
    id: String,
    title: String,
    major: bool,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    found_by: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    funds: String,
    #[serde(default)]
    plan: String,
}

#[derive(Template)]
#[template(path = "danger_new.html")]
struct NewPage {
    chrome: Chrome,
    uscc: String,
    name: String,
    rules: Vec<FailedRule>,
    input: NewForm,
    errors: Vec<String>,
}

async fn new_page(
    state: &AppState,
    visitor: &Visitor,
    uscc: &str,
    input: Option<NewForm>,
    errors: Vec<String>,
) -> Result<NewPage, PageError> {
    let (key, stored) = visible_record(state, visitor, uscc).await?;
    let store = state.inner().store.clone();
    let latest = blocking(move || store.latest_check(&key)).await?;
    let rules = latest
        .map(|c| {
            c.result
                .findings
                .iter()
                .filter(|f| f.outcome == Outcome::Fail)
                .map(|f| FailedRule {
                    id: f.rule.to_string(),
                    title: f.title.to_string(),
                    major: f.severity == crate::check::Severity::Major,
                })
                .collect()
        })
        .unwrap_or_default();
    let name = stored
        .record
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(uscc)
        .to_owned();
    let me = visitor
        .token
        .as_ref()
        .map(|t| t.label.clone())
        .unwrap_or_default();
    let input = input.unwrap_or_else(|| NewForm {
        level: "一般".to_owned(),
        found_by: me,
        deadline: crate::search::today()
            .checked_add(jiff::Span::new().days(30))
            .map(|d| d.to_string())
            .unwrap_or_default(),
        ..NewForm::default()
    });
    Ok(NewPage {
        chrome: Chrome::new(visitor, format!("登记隐患：{name}"), Nav::Dangers),
        uscc: stored.uscc.clone(),
        name,
        rules,
        input,
        errors,
    })
}

async fn new_form(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, PageError> {
    let uscc = path_uscc(path)?;
    render(&new_page(&state, &visitor, &uscc, None, Vec::new()).await?)
}

/// GET on the form's target (after a reload): back to the form.
async fn back_to_new(path: Result<Path<String>, PathRejection>) -> Result<Redirect, PageError> {
    let uscc = path_uscc(path)?;
    Ok(Redirect::to(&format!(
        "/enterprises/{}/dangers/new",
        super::paths::segment(&uscc)
    )))
}

/// POST `/enterprises/{uscc}/dangers`: registers the danger and shows it
/// (303), or the form again with every problem and the input kept.
async fn create(
    State(state): State<AppState>,
    visitor: Visitor,
    path: Result<Path<String>, PathRejection>,
    form: Result<Form<NewForm>, FormRejection>,
) -> Result<Response, PageError> {
    let uscc = path_uscc(path)?;
    let who = visitor.require(Role::Inspector)?.clone();
    let Form(form) = form
        .map_err(|_| PageError::BadRequest("表单格式不对，请在登记隐患页面上提交".to_string()))?;
    visitor.check_csrf(&form.csrf)?;
    let (key, stored) = visible_record(&state, &visitor, &uscc).await?;
    let mut errors = Vec::new();
    let level = match form.level.as_str() {
        "一般" => Some(Level::General),
        "重大" => Some(Level::Major),
        other => {
            errors.push(format!("隐患级别 `{other}` 无法识别，请选择 一般 或 重大"));
            None
        }
    };
    let deadline = match crate::record::parse_date(form.deadline.trim()) {
        Ok(d) => Some(d),
        Err(why) => {
            errors.push(format!("整改期限{why}"));
            None
        }
    };
    for (value, name) in [(&form.found_by, "发现人"), (&form.owner, "整改责任人")] {
        if value.trim().is_empty() {
            errors.push(format!("请填写{name}"));
        }
    }
    let funds = funds_of(&form.funds).unwrap_or_else(|why| {
        errors.push(why);
        None
    });
    let rule = form.rule.trim().to_owned();
    let description = form.description.trim().to_owned();
    let mut title = form.title.trim().to_owned();
    let source = if !rule.is_empty() {
        let store = state.inner().store.clone();
        let k = key.clone();
        let latest = blocking(move || store.latest_check(&k)).await?;
        let finding = latest.as_ref().and_then(|c| {
            c.result
                .findings
                .iter()
                .find(|f| f.rule.as_ref() == rule.as_str() && f.outcome == Outcome::Fail)
                .cloned()
        });
        match finding {
            Some(f) => {
                if title.is_empty() {
                    title = f.title.to_string();
                }
                Some(Source::Rule {
                    rule_id: rule.clone(),
                    explanation: f.explanation.to_string(),
                    citations: f.citations.iter().map(CitationOut::short_text).collect(),
                })
            }
            None => {
                errors.push(format!(
                    "最近一次检查中规则 `{rule}` 没有不合格，不能据此登记隐患"
                ));
                None
            }
        }
    } else if !description.is_empty() {
        if title.is_empty() {
            title = description.chars().take(30).collect();
        }
        Some(Source::Inspector {
            text: description.clone(),
        })
    } else {
        errors.push("请选择不合格的规则，或填写现场发现的隐患描述".to_owned());
        None
    };
    let (Some(level), Some(deadline), Some(source), true) =
        (level, deadline, source, errors.is_empty())
    else {
        let page = new_page(&state, &visitor, &uscc, Some(form), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let township = stored
        .record
        .pointer("/region/township")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let new = NewDanger {
        uscc: key,
        township,
        level,
        title,
        source,
        found_by: form.found_by.trim().to_owned(),
        owner: form.owner.trim().to_owned(),
        deadline,
        measures: optional(&form.measures),
        funds,
        rectification_plan: optional(&form.plan),
        visit: None,
    };
    let store = state.inner().store.clone();
    let actor = who.actor();
    let done = tokio::task::spawn_blocking(move || store.create_danger(&new, &actor))
        .await
        .map_err(|_| PageError::Internal)?;
    match done {
        Ok(d) => Ok(Redirect::to(&format!("/dangers/{}", d.id)).into_response()),
        Err(StoreError::Danger(DangerError::Incomplete { fields })) => {
            let names: Vec<&str> = fields
                .iter()
                .map(|f| match *f {
                    "title" => "隐患名称",
                    "found_by" => "发现人",
                    "owner" => "整改责任人",
                    _ => "隐患描述",
                })
                .collect();
            let errors = vec![format!("请填写：{}", names.join("、"))];
            let page = new_page(&state, &visitor, &uscc, Some(form), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => {
            tracing::error!("danger page: the store failed: {e}");
            Err(PageError::Internal)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn citation_links() {
        let c = cite_link("中华人民共和国安全生产法 第24条");
        assert_eq!(c.href, "/law/中华人民共和国安全生产法/24");
        assert_eq!(cite_link("某办法").href, "/law/某办法");
        assert_eq!(cite_link("某办法 第甲条").href, "/law/某办法");
    }

    #[test]
    fn amounts() {
        assert_eq!(funds_of(" ").unwrap(), None);
        assert_eq!(funds_of("12000").unwrap(), Some(12000.0));
        assert!(funds_of("-1").unwrap_err().contains("`-1`"));
        assert!(funds_of("一万").is_err());
    }
}
